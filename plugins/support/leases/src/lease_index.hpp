// The in-memory lease table: 16-byte records in 1024-record blocks, addressed by pool offset.
//
// Addresses inside the owner's dynamic ranges (store_options::dense_ranges) have a fixed slot: range base +
// offset, so they need no address index and no address field; a block is allocated when its first lease
// arrives. Other addresses (fixed hosts, leases recovered for pools since removed) get slots after the
// ranges, an address word each and an entry in `by_address_`. MAC and client id are indexed for every
// lease (slot_table, 4-byte slots). Client ids live in one arena, reached through a side map that only
// leases with a client id occupy; times outside 32 bits go to another side map, so no value is clipped.
// Ownership: owned by the lease_store. Thread-safety: none (the store's executor).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include <bootfw/leases/lease.hpp>

#include "slot_table.hpp"

namespace bootfw::leases {

class lease_index {
 public:
  using range = std::pair<sdk::ipv4_address, sdk::ipv4_address>;  ///< first, last (inclusive)

  /// `dense` ranges may overlap or be empty; they are merged. Their total is capped at 2^28 addresses
  /// (the rest is stored like any other address).
  explicit lease_index(std::span<const range> dense = {});

  /// Inserts or replaces the lease for l.address.
  void put(const lease& l);
  std::optional<lease> find(sdk::ipv4_address address) const;
  /// Most recently started lease of this client (client id first, else MAC: RFC 2131 §4.2).
  std::optional<lease> find_client(const sdk::mac_address& mac, std::span<const std::uint8_t> cid) const;
  void for_each(const std::function<void(const lease&)>& fn) const;
  std::size_t size() const noexcept { return size_; }
  std::size_t memory_bytes() const noexcept;

  static constexpr std::size_t block_records = 1024;

 private:
  struct record {
    std::uint32_t starts;  ///< Unix seconds (when not wide)
    std::uint32_t length;  ///< ends - starts (when not wide)
    std::array<std::uint8_t, 6> mac;
    std::uint8_t cid_len;
    std::uint8_t flags;  ///< lease_state in the low bits (0: free slot), wide_times when times are in wide_
  };
  static_assert(sizeof(record) == 16);
  static constexpr std::uint8_t state_mask = 0x0f;
  static constexpr std::uint8_t wide_times = 0x80;
  struct dense_range {
    std::uint32_t first, last, base;
  };

  record* at(std::uint32_t slot) const noexcept {
    const std::size_t b = slot / block_records;
    return b < blocks_.size() && blocks_[b] ? &blocks_[b][slot % block_records] : nullptr;
  }
  record& make(std::uint32_t slot);
  /// The slot `a` has or would have in a dense range; nullopt when `a` is in none.
  std::optional<std::uint32_t> dense_slot(std::uint32_t a) const noexcept;
  /// The slot holding a lease for `a`, or slot_table::empty.
  std::uint32_t slot_of(std::uint32_t a) const;
  std::uint32_t address_of(std::uint32_t slot) const noexcept;
  std::span<const std::uint8_t> cid_of(std::uint32_t slot) const noexcept;
  lease to_lease(std::uint32_t slot) const;
  void set_times(std::uint32_t slot, record& r, std::int64_t starts, std::int64_t ends);
  std::int64_t starts_of(std::uint32_t slot, const record& r) const;
  std::uint64_t mac_hash(std::uint32_t slot) const noexcept;
  std::uint64_t cid_hash(std::uint32_t slot) const noexcept;
  std::uint64_t address_hash(std::uint32_t slot) const noexcept;
  void store_cid(std::uint32_t slot, record& r, std::span<const std::uint8_t> cid);
  void compact_arena();

  std::vector<dense_range> dense_;  ///< sorted, disjoint
  std::uint32_t dense_total_ = 0;   ///< slots [0, dense_total_) belong to dense ranges
  std::vector<std::unique_ptr<record[]>> blocks_;
  std::vector<std::uint32_t> other_address_;  ///< address of slot dense_total_ + i
  std::size_t size_ = 0;
  std::unordered_map<std::uint32_t, std::uint32_t> cid_offset_;  ///< slot → arena offset (leases with a cid)
  std::unordered_map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> wide_;  ///< slot → starts, ends
  std::vector<std::uint8_t> arena_;
  std::size_t arena_garbage_ = 0;
  slot_table by_address_, by_mac_, by_cid_;
};

}  // namespace bootfw::leases
