#include "udp_poller.hpp"

#include <unistd.h>

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>

namespace bootfw {

namespace asio = boost::asio;

namespace {
int open_epoll() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
  return fd;
}
}  // namespace

udp_poller::udp_poller(asio::io_context& io, strand_type strand)
    : epoll_fd_(open_epoll()), descriptor_(io), strand_(std::move(strand)) {
  boost::system::error_code ec;
  descriptor_.assign(epoll_fd_, ec);  // the descriptor owns and closes epoll_fd_ from now on
  if (ec) {
    ::close(epoll_fd_);
    throw std::system_error(ec.value(), std::system_category(), "register the epoll set");
  }
}

udp_poller::~udp_poller() {
  boost::system::error_code ec;
  descriptor_.close(ec);
}

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
    asio::post(strand_, [self = shared_from_this()] { self->arm(); });
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
      boost::system::error_code ec;
      if (self->readers_.empty()) self->descriptor_.cancel(ec);
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
  descriptor_.async_wait(asio::posix::descriptor_base::wait_read,
                         asio::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec) {
                           if (ec) {
                             std::lock_guard lock(self->mutex_);
                             self->armed_ = false;
                             return;
                           }
                           self->on_ready();
                         }));
}

void udp_poller::on_ready() {
  std::array<epoll_event, 64> events;
  const int n = ::epoll_wait(epoll_fd_, events.data(), int(events.size()), 0);
  ready_.clear();
  if (n > 0) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i)
      if (auto it = readers_.find(events[i].data.u64); it != readers_.end()) ready_.push_back(it->second);
  }
  // Many ready sockets (a storm of lockstep transfers): one datagram each, then the next pass. One ready
  // socket (a DHCP listener under a flood): read on, up to the budget.
  const int budget = ready_.size() == 1 ? budget_alone : 1;
  for (auto& r : ready_) r->on_readable(budget);
  ready_.clear();
  arm();
}

}  // namespace bootfw
