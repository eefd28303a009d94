// bootfw leases — a dynamic address range with a one-bit-per-address "busy" hint.
//
// 65 536 addresses cost 8 KiB. A set bit means "seen busy" (leased, offered or abandoned); the caller's
// `available` predicate (asking the lease store) has the final word, so a stale bit only costs a check:
// when no clear bit is left, set bits are re-checked and expired leases are reclaimed. An owner may also
// refresh the bits itself (the isc-dhcp responder's sweep) and count the clear ones.
// Ownership: owned by the responder's configuration. Thread-safety: none (executor only).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <bootfw/sdk/net.hpp>

namespace bootfw::leases {

class address_pool {
 public:
  /// first ≤ last, both inclusive.
  address_pool(sdk::ipv4_address first, sdk::ipv4_address last);

  bool contains(sdk::ipv4_address a) const noexcept {
    return a.to_uint() >= first_ && a.to_uint() <= last_;
  }
  std::uint64_t size() const noexcept { return std::uint64_t(last_) - first_ + 1; }
  sdk::ipv4_address first() const noexcept { return sdk::ipv4_address(first_); }
  sdk::ipv4_address last() const noexcept { return sdk::ipv4_address(last_); }

  void mark_busy(sdk::ipv4_address a) noexcept { set(a, true); }
  void mark_free(sdk::ipv4_address a) noexcept { set(a, false); }
  /// Whether the bit of `a` (in this pool) says busy.
  bool marked_busy(sdk::ipv4_address a) const noexcept { return contains(a) && busy(a.to_uint() - first_); }
  /// Addresses whose bit is clear (exact once every busy address has been marked, as after a sweep).
  std::uint64_t clear_count() const noexcept;

  /// The next address (round robin from the last one handed out) for which available(a) is true.
  std::optional<sdk::ipv4_address> next_free(const std::function<bool(sdk::ipv4_address)>& available);

  std::size_t memory_bytes() const noexcept { return bits_.capacity() * sizeof(std::uint64_t); }

 private:
  void set(sdk::ipv4_address a, bool busy) noexcept;
  bool busy(std::uint64_t i) const noexcept { return bits_[i >> 6] >> (i & 63) & 1; }

  std::uint32_t first_, last_;
  std::vector<std::uint64_t> bits_;
  std::uint64_t cursor_ = 0;
};

}  // namespace bootfw::leases
