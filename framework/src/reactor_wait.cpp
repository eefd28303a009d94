#include "reactor_wait.hpp"

#include <type_traits>

namespace bootfw {

namespace asio = boost::asio;

// op is a reactor operation, a Boost.Asio implementation type: written for the epoll reactor of
// Boost 1.74 (Debian 12). Another reactor (io_uring, select) would need socket::async_wait instead.
static_assert(std::is_same_v<asio::detail::reactor, asio::detail::epoll_reactor>,
              "reactor_wait is written for Asio's epoll reactor");

struct reactor_wait::op : asio::detail::reactor_op {
  op() : reactor_op(boost::system::error_code(), &do_perform, &do_complete) {}

  // Run by the reactor when epoll reports the socket, or speculatively when armed after an event
  // came in while no wait was queued. Reading is the callback's job.
  static status do_perform(reactor_op*) { return done_and_exhausted; }

  // Run by the io_context; owner == nullptr when it is destroyed with the wait still queued.
  static void do_complete(void* owner, asio::detail::operation* base, const boost::system::error_code&,
                          std::size_t) {
    auto* self = static_cast<op*>(base);
    std::shared_ptr<void> keep = std::move(self->keep_alive);  // self may die with keep: read it first
    const callback cb = self->cb;
    void* target = self->target;
    const bool aborted = bool(self->ec_);
    if (owner && cb) cb(target, aborted);
  }

  std::shared_ptr<void> keep_alive;
  callback cb = nullptr;
  void* target = nullptr;
};

reactor_wait::reactor_wait(asio::io_context& io)
    : reactor_(asio::use_service<reactor>(io)), op_(std::make_unique<op>()) {
  reactor_.init_task();  // as Asio's own socket services do: the scheduler runs the reactor
}

reactor_wait::~reactor_wait() { detach(); }

std::error_code reactor_wait::attach(int fd) noexcept {
  if (int err = reactor_.register_descriptor(fd, data_)) return std::error_code(err, std::system_category());
  fd_ = fd;
  return {};
}

void reactor_wait::arm(std::shared_ptr<void> keep_alive, callback cb, void* target) {
  op_->ec_ = boost::system::error_code();
  op_->keep_alive = std::move(keep_alive);
  op_->cb = cb;
  op_->target = target;
  reactor_.start_op(reactor::read_op, fd_, data_, op_.get(), false, true);
}

void reactor_wait::detach() noexcept {
  if (fd_ < 0) return;
  reactor_.deregister_descriptor(fd_, data_, true);  // the owner closes fd right after
  reactor_.cleanup_descriptor_data(data_);
  fd_ = -1;
}

}  // namespace bootfw
