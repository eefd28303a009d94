// The tftp plugin's configuration ([plugin.config] of plugins.toml), validated in configure().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/net.hpp>

namespace bootfw::plugin_tftp {

struct tftp_settings {
  sdk::ipv4_address address;                 ///< listening address (0.0.0.0: all)
  std::uint16_t port = 69;
  std::string interface;                     ///< SO_BINDTODEVICE for every socket when not empty
  std::chrono::milliseconds timeout{1000};   ///< retransmission timeout unless the client negotiates one
  unsigned retries = 5;
  std::uint32_t max_blksize = 0;             ///< 0: receiving interface MTU - 32
  std::uint32_t max_windowsize = 64;
  std::size_t max_window_bytes = 4u << 20;   ///< per-session buffer bound: windowsize × blksize
  unsigned max_sessions = 4096;
  unsigned max_sessions_per_client = 11;     ///< like xinetd per_source
  unsigned max_new_sessions_per_second = 100;  ///< like xinetd cps (0: no limit)
  std::chrono::seconds pause{2};             ///< refuse new sessions this long once the rate is exceeded
  /// With more transfers running, those of the `fast_transfers` earliest boots (DHCP ACK time) run at full
  /// speed and the others are paced (0: no pacing), so that a storm's nodes finish in the order they began.
  unsigned fast_transfers = 128;
};

/// Reads and validates the plugin's config table. Throws sdk::config_error naming the key on any
/// unknown key, wrong type or out-of-range value.
tftp_settings parse_settings(const sdk::config_view& config);

}  // namespace bootfw::plugin_tftp
