// The IPv6 router-advertisement responder: a framework service (not a plugin) on the server's io_context.
// It answers Router Solicitations on the served links with an RA that changes nothing (router lifetime 0,
// no prefix, M = O = 0 by default) so that firmware such as iPXE stops waiting for IPv6 autoconfiguration,
// and stays silent on any link where another router advertises (see ra/README.md).
#pragma once

#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "config.hpp"
#include "ra/link_policy.hpp"
#include "ra/packet.hpp"
#include "runtime.hpp"

namespace bootfw::ra {

/// One served interface, as found by getifaddrs().
struct link_info {
  std::uint32_t index = 0;
  std::string name;
  std::optional<sdk::mac_address> mac;
  std::optional<ipv6_bytes> link_local;  ///< absent until the kernel configured one (DAD done)
};

/// The interfaces to serve: the named ones, or every multicast-capable non-loopback interface when
/// `names` is empty (mirrors the DHCP service's [server].interfaces rule).
std::vector<link_info> scan_links(const std::vector<std::string>& names);

/// Ownership: held by the server (shared: handlers keep it alive). Thread-safety: start/stop from the
/// server's control thread; everything else runs on its own strand. Lifetime: stop() before destruction.
class service : public std::enable_shared_from_this<service> {
 public:
  service(runtime_context& ctx, const server_config& config);
  ~service();

  /// Opens the raw ICMPv6 socket and joins ff02::2 on the served links. Throws std::runtime_error with
  /// the errno text (EPERM without CAP_NET_RAW, EAFNOSUPPORT without IPv6).
  void start();
  void stop() noexcept;
  /// Names of the links joined so far (for the start-up log line).
  std::vector<std::string> link_names() const;

 private:
  struct link_entry {
    link_info info;
    link_policy policy;
  };
  void arm();
  void drain();
  void on_message(std::span<const std::uint8_t> icmp, const received_meta& meta, std::uint32_t ifindex);
  void on_solicitation(link_entry& link, std::span<const std::uint8_t> icmp, const received_meta& meta);
  void on_advertisement(link_entry& link, std::span<const std::uint8_t> icmp, const received_meta& meta);
  void send_answer(std::uint32_t ifindex, const ipv6_bytes& destination);
  void rescan(bool join_log);
  void arm_rescan();
  link_entry* find_link(std::uint32_t ifindex);

  runtime_context& ctx_;
  std::vector<std::string> interfaces_;
  ipv6_ra_config settings_;
  named_logger log_;
  std::shared_ptr<instance_executor> executor_;
  boost::asio::basic_raw_socket<boost::asio::generic::raw_protocol> socket_;
  boost::asio::steady_timer rescan_timer_;
  std::set<std::shared_ptr<boost::asio::steady_timer>> answer_timers_;
  std::map<std::uint32_t, link_entry> links_;  // by interface index
  mutable std::mutex names_mutex_;              // guards joined_names_ (read from the control thread)
  std::vector<std::string> joined_names_;
  ra_clock::time_point last_unknown_rescan_{};
  std::minstd_rand random_;
  bool started_ = false;  // control thread only: stop() needs the strand only once start() ran
  bool closed_ = false;
  sdk::counter& solicitations_;
  sdk::counter& advertisements_;
  sdk::counter& silenced_;
  sdk::counter& dropped_;
};

}  // namespace bootfw::ra
