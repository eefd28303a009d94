// Local network interfaces: index → name, IPv4 address, netmask, MTU (for server identifiers, TFTP blksize).
#pragma once

#include <bootfw/sdk/net.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace bootfw {

struct interface_info {
  std::uint32_t index = 0;
  std::string name;
  sdk::ipv4_address address;
  sdk::ipv4_address netmask;
  std::uint32_t mtu = 0;
};

/// A cached snapshot of getifaddrs(); refreshed when an unknown index shows up (at most once a second).
/// Thread-safe.
class interface_table {
 public:
  std::optional<interface_info> by_index(std::uint32_t index);
  std::optional<interface_info> by_name(const std::string& name);
  /// The interface whose subnet contains `addr`.
  std::optional<interface_info> by_subnet(sdk::ipv4_address addr);

 private:
  void refresh_locked(bool force);
  std::mutex mutex_;
  std::vector<interface_info> items_;
  std::chrono::steady_clock::time_point last_refresh_{};
};

}  // namespace bootfw
