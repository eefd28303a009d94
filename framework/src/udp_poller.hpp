// One epoll set per executor for its UDP sockets, waited on through Asio's own reactor.
//
// Asio's per-socket wait re-registers the socket (EPOLL_CTL_MOD) each time it is armed, and an
// edge-triggered socket must be read until EAGAIN: two system calls per datagram that a lockstep TFTP
// transfer (one ACK per block) pays on every block. Here the sockets stay registered level-triggered in
// an epoll set of their own; one wake-up of the executor reads every ready socket in one pass on its
// strand: one datagram each when many are ready (fair, and no EAGAIN probe), up to a budget when one is.
//
// The set itself sits in Asio's epoll (edge-triggered) as a descriptor with a reactor operation of our
// own (wait_op) instead of posix::descriptor::async_wait: that wait, too, re-registers its descriptor
// every time it is armed (Boost 1.74, reactive_descriptor_service::async_wait), one more epoll_ctl per
// block. A pass that may have left datagrams queued schedules the next pass itself, because an
// edge-triggered set reports again only when a new datagram arrives.
//
// That reactor operation is an Asio implementation type, written for Boost 1.74 (Debian 12), whose
// reactor interface later releases change. With any other Boost, or with BOOTFW_PORTABLE_POLLER defined,
// the set is waited on through posix::stream_descriptor::async_wait instead: public API, same behaviour,
// one epoll_ctl more per wait.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <boost/asio/io_context.hpp>  // before the reactor: it needs the scheduler complete
#include <boost/asio/strand.hpp>
#include <boost/version.hpp>
#if !defined(BOOTFW_PORTABLE_POLLER) && BOOST_VERSION / 100 == 1074
#define BOOTFW_POLLER_REACTOR_OP 1
#include <boost/asio/detail/reactor.hpp>
#else
#define BOOTFW_POLLER_REACTOR_OP 0
#include <boost/asio/posix/stream_descriptor.hpp>
#endif
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace bootfw {

class udp_poller : public std::enable_shared_from_this<udp_poller> {
 public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  /// What a registered socket does when it is readable: read at most `budget` datagrams (stop when the
  /// queue is empty). Returns true when the budget ran out, i.e. datagrams may be left.
  class reader {
   public:
    virtual ~reader() = default;
    virtual bool on_readable(int budget) = 0;
  };

  /// Creates the epoll set; throws std::system_error when the kernel refuses.
  udp_poller(boost::asio::io_context& io, strand_type strand);
  ~udp_poller();
  udp_poller(const udp_poller&) = delete;
  udp_poller& operator=(const udp_poller&) = delete;

  /// Watches fd (level-triggered) and calls r->on_readable() on the strand while it is readable.
  /// Returns an id for remove(), or 0 with ec set. Thread-safe.
  std::uint64_t add(int fd, std::shared_ptr<reader> r, std::error_code& ec);
  /// Stops watching: no call to that reader starts after this returns on the strand. Thread-safe; call
  /// before closing fd.
  void remove(std::uint64_t id, int fd) noexcept;

  static constexpr int budget_alone = 64;  ///< datagrams read per wake-up when one socket is ready
  static constexpr int max_events = 64;    ///< ready sockets taken per pass

 private:
  void arm();                           // strand only
  void pass();                          // strand only: epoll_wait into ready_events_, then serve
  void serve();                         // strand only: the sockets in ready_events_ (ready_count_ of them)
  void on_wait_done(bool aborted);      // strand only
  void cancel_wait();                   // strand only

  int epoll_fd_ = -1;
#if BOOTFW_POLLER_REACTOR_OP
  using reactor = boost::asio::detail::reactor;
  struct wait_op;
  reactor& reactor_;
  reactor::per_descriptor_data reactor_data_{};
  // The one wait. Queued in Asio's reactor only between arm() and its completion; a pass never runs then,
  // so the reactor's perform step may fill ready_events_.
  std::unique_ptr<wait_op> op_;
#else
  boost::asio::posix::stream_descriptor set_;  // epoll_fd_, released (not closed) by the destructor
#endif
  strand_type strand_;
  std::array<epoll_event, max_events> ready_events_{};
  int ready_count_ = 0;
  std::mutex mutex_;  // readers_, next_id_, armed_
  std::unordered_map<std::uint64_t, std::shared_ptr<reader>> readers_;
  std::uint64_t next_id_ = 1;
  bool armed_ = false;
  std::vector<std::shared_ptr<reader>> ready_;  // strand only: this pass's readers
};

}  // namespace bootfw
