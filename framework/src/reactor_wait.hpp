// A wait for "readable" on one socket, queued directly in Asio's epoll reactor.
//
// Asio's own waits cost a system call each time they are armed on a datagram socket: async_wait and
// null_buffers re-register the descriptor (EPOLL_CTL_MOD; Boost 1.74 passes allow_speculative=false),
// and async_receive_from must see EAGAIN before it waits. A lockstep TFTP transfer arms once per block.
// This operation is performed by the reactor without touching the socket and reports itself
// "exhausted", so the reactor neither re-registers nor retries it speculatively: arming is free, and the
// reader finds an empty queue from a short recvmmsg count. Asio registers the descriptor edge-triggered,
// so whoever stops reading with datagrams still queued must read again without waiting (see udp.cpp).
#pragma once

#include <boost/asio/io_context.hpp>  // before the reactor: it needs the scheduler complete
#include <boost/asio/detail/reactor.hpp>
#include <memory>
#include <system_error>

namespace bootfw {

class reactor_wait {
 public:
  /// Called from the io_context (any of its threads, no strand) when the socket may be readable, or with
  /// aborted = true when the wait was cancelled by detach().
  using callback = void (*)(void* target, bool aborted);

  explicit reactor_wait(boost::asio::io_context& io);
  ~reactor_wait();
  reactor_wait(const reactor_wait&) = delete;
  reactor_wait& operator=(const reactor_wait&) = delete;

  /// Registers fd with the reactor (edge-triggered).
  std::error_code attach(int fd) noexcept;
  /// Queues the wait; keep_alive is held until the callback has run (or the io_context is destroyed).
  /// At most one wait is queued at a time.
  void arm(std::shared_ptr<void> keep_alive, callback cb, void* target);
  /// Cancels a queued wait (its callback runs with aborted = true) and unregisters fd; call before close.
  void detach() noexcept;

 private:
  using reactor = boost::asio::detail::reactor;
  struct op;

  reactor& reactor_;
  reactor::per_descriptor_data data_{};
  int fd_ = -1;
  std::unique_ptr<op> op_;
};

}  // namespace bootfw
