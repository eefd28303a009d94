// One read transfer (RFC 1350) on its own socket, i.e. its own TID (RFC 1350 §4): optional OACK handshake
// (RFC 2347), then windows of DATA (RFC 7440; windowsize 1 is RFC 1350 lockstep), retransmission on
// timeout, no retransmission on duplicate ACKs (RFC 1123 §4.2.3.1, the Sorcerer's Apprentice).
// Driven only by the socket's receive callback and one timer, both on the plugin's executor.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <bootfw/sdk/host.hpp>

#include "block_reader.hpp"
#include "tftp_options.hpp"
#include "tftp_packet.hpp"

namespace bootfw::plugin_tftp {

struct session_config {
  sdk::udp_endpoint client;
  std::string file;  ///< as requested (for logs and events)
  transfer_mode mode = transfer_mode::octet;
  negotiated_options options;
  std::chrono::milliseconds timeout{1000};  ///< when the client did not negotiate one (RFC 2349)
  unsigned retries = 5;                     ///< retransmissions before giving up
  /// Asked before each new window (never before a retransmission): false holds the window for `pause`
  /// (tftp_server: a transfer beyond the `fast_transfers` oldest boots while more run). Empty: never held.
  std::function<bool()> full_speed;
  std::chrono::milliseconds pause{200};
};

struct session_outcome {
  bool success = false;
  bool option_handshake_failed = false;  ///< the client never acknowledged our OACK (error or silence)
  std::uint64_t bytes = 0;               ///< file bytes the client acknowledged
  std::string detail;
};

/// Ownership: owned by tftp_server; owns its socket, timer and artifact. Thread-safety: plugin executor only.
/// Lifetime: `finished` is called exactly once; the owner destroys the session later (never inside a
/// callback of the session's own socket or timer).
class tftp_session {
 public:
  using finished_handler = std::function<void(tftp_session&, const session_outcome&)>;

  /// `scratch` may be shared with other sessions of the same executor (nullptr: the session makes its own).
  tftp_session(sdk::host& host, std::unique_ptr<sdk::udp_socket> socket, std::shared_ptr<sdk::artifact> source,
               session_config config, finished_handler finished, std::shared_ptr<scratch_buffers> scratch = {});
  tftp_session(const tftp_session&) = delete;
  tftp_session& operator=(const tftp_session&) = delete;

  /// Starts receiving and sends the OACK or the first window.
  void begin();
  /// A datagram that arrived on this session's socket.
  void on_datagram(std::span<const std::byte> data, const sdk::udp_endpoint& from);
  /// Ends the transfer without telling the client (server stopping, or the client restarted its request).
  void abandon(std::string_view reason);

  const session_config& config() const noexcept { return config_; }
  bool awaiting_option_ack() const noexcept { return state_ == state::awaiting_option_ack; }
  /// True until the client acknowledged its first block (a repeated RRQ is then only a retransmission).
  bool before_first_ack() const noexcept { return state_ != state::finished && base_ == 1; }
  /// When begin() sent the OACK or the first window.
  std::chrono::steady_clock::time_point began_at() const noexcept { return began_at_; }
  /// When the client last sent something on this transfer (its TID); nullopt while it never did.
  std::optional<std::chrono::steady_clock::time_point> last_heard() const noexcept { return last_heard_; }
  /// The retransmission timeout in force: the one negotiated (RFC 2349) or the configured default.
  std::chrono::nanoseconds timeout() const noexcept { return timeout_; }
  bool finished() const noexcept { return state_ == state::finished; }

 private:
  enum class state { awaiting_option_ack, sending, finished };

  void send_option_ack();
  /// The next window, now or after config_.pause when full_speed() says no.
  void next_window();
  void send_window();
  void on_ack(std::uint16_t block);
  void on_timer();
  void on_timeout();
  /// Retransmission deadline = now + timeout (RFC 1350 §2); the timer is re-armed lazily.
  void arm_timer();
  void fail(std::string detail, error_code code, bool tell_client);
  void finish(session_outcome outcome);

  sdk::host& host_;
  std::unique_ptr<sdk::udp_socket> socket_;
  std::unique_ptr<sdk::timer> timer_;
  session_config config_;
  finished_handler finished_;
  std::shared_ptr<scratch_buffers> scratch_;  ///< DATA packets are built there, in place, for each send
  block_reader reader_;
  state state_ = state::sending;
  unsigned retries_left_;
  std::chrono::nanoseconds timeout_;
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::steady_clock::time_point began_at_{};
  std::optional<std::chrono::steady_clock::time_point> last_heard_;
  bool timer_armed_ = false;
  bool held_ = false;  ///< the next window waits for the timer (deadline_), not for the client

  std::uint64_t base_ = 1;      ///< first unacknowledged block (absolute, starts at 1, never wraps)
  std::uint64_t sent_end_ = 1;  ///< one past the last block of the window in flight
  std::uint64_t last_block_ = 0;  ///< absolute number of the final (short) block once read; 0 = not yet
  std::uint64_t bytes_acked_ = 0;
  std::uint64_t window_first_ = 1;             ///< first block of the window in flight
  std::vector<std::uint32_t> window_lengths_;  ///< payload lengths of blocks [window_first_, sent_end_)
  std::vector<std::span<const std::byte>> datagrams_;  ///< the window's DATA packets (into scratch_->packets)
  std::vector<std::byte> oack_;
};

}  // namespace bootfw::plugin_tftp
