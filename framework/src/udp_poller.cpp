#include "udp_poller.hpp"

#include <unistd.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <type_traits>

namespace bootfw {

namespace asio = boost::asio;

#if BOOTFW_POLLER_REACTOR_OP
// wait_op is a reactor operation, a Boost.Asio implementation type: built for the epoll reactor of
// Boost 1.74 (Debian 12). Another reactor (io_uring, select) would need the portable path (header).
static_assert(std::is_same_v<asio::detail::reactor, asio::detail::epoll_reactor>,
              "udp_poller's reactor operation is written for Asio's epoll reactor: define BOOTFW_PORTABLE_POLLER");

// Performed by the reactor (under its descriptor lock) when the epoll set may be readable, and once
// speculatively when armed: it takes the ready sockets. "Exhausted" tells the reactor not to try again
// speculatively before its next edge, so arming after a pass costs no system call.
struct udp_poller::wait_op : asio::detail::reactor_op {
  explicit wait_op(udp_poller& p)
      : reactor_op(boost::system::error_code(), &do_perform, &do_complete), poller(p) {}

  static status do_perform(reactor_op* base) {
    auto& p = static_cast<wait_op*>(base)->poller;
    p.ready_count_ = ::epoll_wait(p.epoll_fd_, p.ready_events_.data(), max_events, 0);
    return p.ready_count_ > 0 ? done_and_exhausted : not_done;
  }
  // Run by the io_context when done or cancelled; with owner == nullptr when the io_context is destroyed
  // with the wait still queued (then only the reference to the poller is dropped).
  static void do_complete(void* owner, asio::detail::operation* base, const boost::system::error_code&,
                          std::size_t) {
    auto* op = static_cast<wait_op*>(base);
    std::shared_ptr<udp_poller> self = std::move(op->keep_alive);  // op belongs to *self: touch it no more
    if (!owner || !self) return;
    const bool aborted = bool(op->ec_);
    asio::dispatch(self->strand_, [self, aborted] { self->on_wait_done(aborted); });
  }

  udp_poller& poller;
  std::shared_ptr<udp_poller> keep_alive;  // set while queued: a pending wait keeps the poller alive
};
#endif

namespace {
int open_epoll() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
  return fd;
}
}  // namespace

#if BOOTFW_POLLER_REACTOR_OP
udp_poller::udp_poller(asio::io_context& io, strand_type strand)
    : epoll_fd_(open_epoll()), reactor_(asio::use_service<reactor>(io)), strand_(std::move(strand)) {
  reactor_.init_task();  // as Asio's own descriptor services do: the scheduler runs the reactor
  if (int err = reactor_.register_descriptor(epoll_fd_, reactor_data_)) {
    ::close(epoll_fd_);
    throw std::system_error(err, std::system_category(), "register the epoll set");
  }
  op_ = std::make_unique<wait_op>(*this);
}

udp_poller::~udp_poller() {
  reactor_.deregister_descriptor(epoll_fd_, reactor_data_, true);
  reactor_.cleanup_descriptor_data(reactor_data_);
  ::close(epoll_fd_);
}
#else
udp_poller::udp_poller(asio::io_context& io, strand_type strand)
    : epoll_fd_(open_epoll()), set_(io), strand_(std::move(strand)) {
  boost::system::error_code ec;
  set_.assign(epoll_fd_, ec);
  if (ec) {
    ::close(epoll_fd_);
    throw std::system_error(ec.value(), std::system_category(), "register the epoll set");
  }
}

udp_poller::~udp_poller() {
  set_.release();
  ::close(epoll_fd_);
}
#endif

std::uint64_t udp_poller::add(int fd, std::shared_ptr<reader> r, std::error_code& ec) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: whatever is left after a pass is reported again
  ev.data.u64 = id;     // an id, not a pointer: a socket closed during a pass is simply not found
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ec = std::error_code(errno, std::system_category());
    return 0;
  }
  readers_.emplace(id, std::move(r));
  if (!armed_) {
    armed_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->pass(); });
  }
  return id;
}

void udp_poller::remove(std::uint64_t id, int fd) noexcept {
  std::shared_ptr<reader> dropped;  // released outside the lock
  {
    std::lock_guard lock(mutex_);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    if (auto it = readers_.find(id); it != readers_.end()) {
      dropped = std::move(it->second);
      readers_.erase(it);
    }
    if (!readers_.empty() || !armed_) return;
  }
  // The last socket is gone: end the wait, so that it does not keep this poller alive.
  try {
    asio::post(strand_, [self = shared_from_this()] {
      std::lock_guard lock(self->mutex_);
      if (self->readers_.empty()) self->cancel_wait();
    });
  } catch (...) {
  }
}

void udp_poller::arm() {
  {
    std::lock_guard lock(mutex_);
    if (readers_.empty()) {  // nothing to watch: no wait keeps this poller (and its executor) alive
      armed_ = false;
      return;
    }
  }
  ready_count_ = 0;
#if BOOTFW_POLLER_REACTOR_OP
  op_->ec_ = boost::system::error_code();
  op_->keep_alive = shared_from_this();
  reactor_.start_op(reactor::read_op, epoll_fd_, reactor_data_, op_.get(), false, true);
#else
  set_.async_wait(asio::posix::descriptor_base::wait_read,
                  asio::bind_executor(strand_, [self = shared_from_this()](const boost::system::error_code& ec) {
                    self->on_wait_done(bool(ec));
                  }));
#endif
}

void udp_poller::cancel_wait() {
#if BOOTFW_POLLER_REACTOR_OP
  reactor_.cancel_ops(epoll_fd_, reactor_data_);
#else
  boost::system::error_code ignored;
  set_.cancel(ignored);
#endif
}

void udp_poller::on_wait_done(bool aborted) {
  if (aborted) {
    std::lock_guard lock(mutex_);
    armed_ = false;
    if (!readers_.empty()) {  // a socket was added after the cancel was decided: keep watching
      armed_ = true;
      asio::post(strand_, [self = shared_from_this()] { self->pass(); });
    }
    return;
  }
#if BOOTFW_POLLER_REACTOR_OP
  serve();  // the reactor's perform step took the ready sockets
#else
  pass();
#endif
}

void udp_poller::pass() {
  ready_count_ = ::epoll_wait(epoll_fd_, ready_events_.data(), max_events, 0);
  serve();
}

void udp_poller::serve() {
  const auto& ev = ready_events_;
  const int n = ready_count_;
  ready_.clear();
  if (n > 0) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i)
      if (auto it = readers_.find(ev[i].data.u64); it != readers_.end()) ready_.push_back(it->second);
  }
  // Many ready sockets (a storm of lockstep transfers): one datagram each, then the next pass. One ready
  // socket (a DHCP listener under a flood): read on, up to the budget.
  const int budget = ready_.size() == 1 ? budget_alone : 1;
  bool left = n == max_events;  // more sockets may be ready than one pass takes
  for (auto& r : ready_) left |= r->on_readable(budget);
  ready_.clear();
  if (left) {
    // Datagrams may still be queued, and no new arrival will report them: next pass after what else is
    // waiting on this loop.
    asio::post(strand_, [self = shared_from_this()] { self->pass(); });
    return;
  }
  arm();
}

}  // namespace bootfw
