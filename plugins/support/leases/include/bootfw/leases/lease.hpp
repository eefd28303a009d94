// bootfw leases — the lease value type shared by the store and the DHCP responders that own one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include <bootfw/sdk/net.hpp>

namespace bootfw::leases {

/// What an address is doing. Values are written to the journal: never renumber.
enum class lease_state : std::uint8_t {
  active = 1,     ///< bound to a client until `ends` (RFC 2131 §4.3.2 DHCPACK)
  released = 2,   ///< given back by its client (RFC 2131 §4.4.6); remembered for address affinity
  /// declined by a client (RFC 2131 §4.3.3): in use by someone unknown until `ends` (ISC's
  /// abandon-lease-time), then free again; the owner may reclaim it earlier as a last resort
  abandoned = 3,
};
constexpr const char* to_string(lease_state s) noexcept {
  switch (s) {
    case lease_state::active: return "active";
    case lease_state::released: return "released";
    case lease_state::abandoned: return "abandoned";
  }
  return "unknown";
}

/// The longest client identifier the store keeps (RFC 2132 §9.14: one option, at most 255 bytes).
inline constexpr std::size_t max_client_id = 255;

/// One lease. Value type. Times are wall-clock Unix seconds so they survive restarts.
struct lease {
  sdk::ipv4_address address;
  sdk::mac_address mac;
  std::vector<std::uint8_t> client_id;  ///< opt 61 as the client sent it (empty: identified by MAC)
  lease_state state = lease_state::active;
  std::int64_t starts = 0;
  std::int64_t ends = 0;

  /// True while the lease binds its address at `now`: active or abandoned, until `ends`.
  bool holds_address(std::int64_t now) const noexcept {
    return (state == lease_state::active || state == lease_state::abandoned) && ends > now;
  }
  /// RFC 2131 §4.2: a client is identified by its client identifier when it sends one, else by chaddr.
  bool belongs_to(const sdk::mac_address& m, std::span<const std::uint8_t> cid) const noexcept {
    if (!cid.empty() || !client_id.empty())
      return cid.size() == client_id.size() && std::equal(cid.begin(), cid.end(), client_id.begin());
    return mac == m;
  }
  bool operator==(const lease&) const = default;
};

}  // namespace bootfw::leases
