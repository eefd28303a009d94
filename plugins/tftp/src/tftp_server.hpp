// The TFTP server proper: takes datagrams from the listening socket, validates requests, applies the
// per-client / global / rate limits (like xinetd's per_source and cps), resolves files through the host,
// negotiates options and runs one tftp_session per transfer on its own ephemeral socket (RFC 1350 §4).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <bootfw/sdk/host.hpp>

#include "tftp_session.hpp"
#include "tftp_settings.hpp"

namespace bootfw::plugin_tftp {

/// Opens a transfer socket. bootfw's executor in production (host.exec().open_udp), a fake in tests.
using socket_opener =
    std::function<std::unique_ptr<sdk::udp_socket>(const sdk::udp_options& options, std::error_code& ec)>;

/// Ownership: owned by the plugin; owns every session. Thread-safety: plugin executor only.
/// Lifetime: destroying it (or stop()) ends every transfer at once, without callbacks afterwards.
class tftp_server {
 public:
  /// A repeated RRQ that reaches us this soon after the OACK of its transfer was sent was on its way before
  /// the OACK reached the client: a copy, not a client that failed to understand the OACK (such a client
  /// repeats after its own retransmission timeout, and RFC 2349 timeouts are whole seconds).
  static constexpr std::chrono::milliseconds oack_crossing_window{250};

  tftp_server(sdk::host& host, tftp_settings settings, socket_opener open_socket);
  ~tftp_server();
  tftp_server(const tftp_server&) = delete;
  tftp_server& operator=(const tftp_server&) = delete;

  /// A datagram received on the listening socket (port 69). Errors for refused requests are answered from
  /// `listener`; transfers get their own sockets.
  void on_request(std::span<const std::byte> data, const sdk::datagram_info& info, sdk::udp_socket& listener);
  /// Ends every transfer (recorded as failed: "server stopping").
  void stop() noexcept;

  std::size_t active_sessions() const noexcept { return sessions_.size(); }

 private:
  /// Where a transfer stands in the boot order: when its client's boot began (its DHCP ACK, else the
  /// request), then the order transfers started in.
  using order_key = std::pair<std::int64_t, std::uint64_t>;
  struct live_session {
    std::unique_ptr<tftp_session> session;
    std::chrono::steady_clock::time_point started;
    std::pair<std::uint32_t, std::string> request_key;  ///< (client address, file)
    order_key order;
  };
  /// A client whose option handshake failed: its next request with the same option names gets none.
  struct option_fallback {
    std::string option_names;
    std::chrono::steady_clock::time_point expires;
  };

  bool admit(const sdk::udp_endpoint& client);
  void drop(const sdk::udp_endpoint& client, std::string_view why);
  bool apply_fallback(sdk::ipv4_address client, const std::string& file, std::vector<request_option>& options);
  void remember_fallback(sdk::ipv4_address client, const std::string& file, std::string option_names);
  void start_transfer(request req, const sdk::datagram_info& info, sdk::udp_socket& listener);
  void on_session_finished(tftp_session& session, const session_outcome& outcome);
  void refuse(sdk::udp_socket& listener, const sdk::udp_endpoint& to, error_code code, std::string_view message,
              std::string_view log_detail);
  void retire(std::unique_ptr<tftp_session> session);
  /// Recomputes fast_limit_ after boot_order_ changed.
  void update_pacing();

  sdk::host& host_;
  tftp_settings settings_;
  socket_opener open_socket_;

  std::unordered_map<tftp_session*, live_session> sessions_;
  std::multimap<std::pair<std::uint32_t, std::string>, tftp_session*> by_request_;  ///< (client address, file)
  std::unordered_map<std::uint32_t, unsigned> sessions_per_client_;
  std::set<order_key> boot_order_;  ///< every live transfer
  order_key fast_limit_{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::uint64_t>::max()};
  std::uint64_t next_order_ = 0;
  std::map<std::pair<std::uint32_t, std::string>, option_fallback> fallbacks_;
  std::shared_ptr<scratch_buffers> scratch_ = std::make_shared<scratch_buffers>();
  std::vector<std::unique_ptr<tftp_session>> retired_;  ///< finished, destroyed by a posted task
  bool cleanup_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< guards posted tasks against our death

  // xinetd-like "cps": sessions started in the current one-second window, and the pause when exceeded.
  std::chrono::steady_clock::time_point rate_window_start_{};
  unsigned rate_window_count_ = 0;
  std::chrono::steady_clock::time_point paused_until_{};

  sdk::counter& transfers_;
  sdk::counter& bytes_;
  sdk::counter& errors_;
  sdk::counter& dropped_;
  sdk::gauge& active_;
};

}  // namespace bootfw::plugin_tftp
