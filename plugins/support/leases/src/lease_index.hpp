// The in-memory lease table: dense 32-byte entries, three slot_table indexes, one client-id arena.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include <bootfw/leases/lease.hpp>

#include "slot_table.hpp"

namespace bootfw::leases {

class lease_index {
 public:
  /// Inserts or replaces the lease for l.address.
  void put(const lease& l);
  std::optional<lease> find(sdk::ipv4_address address) const;
  /// Most recently started lease of this client (client id first, else MAC: RFC 2131 §4.2).
  std::optional<lease> find_client(const sdk::mac_address& mac, std::span<const std::uint8_t> cid) const;
  void for_each(const std::function<void(const lease&)>& fn) const;
  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t memory_bytes() const noexcept;

 private:
  struct entry {
    std::uint32_t address;
    std::uint32_t cid_offset;
    std::int64_t starts;
    std::int64_t ends;
    std::array<std::uint8_t, 6> mac;
    std::uint8_t cid_len;
    lease_state state;
  };
  static_assert(sizeof(entry) == 32);

  std::span<const std::uint8_t> cid_of(const entry& e) const noexcept {
    return {arena_.data() + e.cid_offset, e.cid_len};
  }
  lease to_lease(const entry& e) const;
  std::uint64_t address_hash(std::uint32_t slot) const noexcept;
  std::uint64_t mac_hash(std::uint32_t slot) const noexcept;
  std::uint64_t cid_hash(std::uint32_t slot) const noexcept;
  void store_cid(entry& e, std::span<const std::uint8_t> cid);
  void compact_arena();

  std::vector<entry> entries_;
  std::vector<std::uint8_t> arena_;
  std::size_t arena_garbage_ = 0;
  slot_table by_address_, by_mac_, by_cid_;
};

}  // namespace bootfw::leases
