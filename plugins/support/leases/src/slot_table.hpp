// An open-addressing multimap from a 64-bit hash to 4-byte slot numbers (linear probing, tombstones).
// The keys themselves are not stored: callers compare the entry a slot names. 4 bytes per bucket; the
// table is any multiple of 16 buckets (a hash picks its bucket by multiply-shift, not by a mask), rebuilt
// at load 0.6 when it passes 0.8, so an index over n leases costs 5–6.7n bytes whatever n is (a power of
// two would cost up to 11n just past a doubling).
#pragma once

#include <cstdint>
#include <vector>

namespace bootfw::leases {

class slot_table {
 public:
  static constexpr std::uint32_t empty = 0xffffffffu;
  static constexpr std::uint32_t tombstone = 0xfffffffeu;

  /// Calls visit(slot) for every slot stored under `hash` until it returns true; returns that slot.
  template <class Visit>
  std::uint32_t find(std::uint64_t hash, Visit&& visit) const {
    if (buckets_.empty()) return empty;
    for (std::size_t i = home(hash);; i = next(i)) {
      const std::uint32_t s = buckets_[i];
      if (s == empty) return empty;
      if (s != tombstone && visit(s)) return s;
    }
  }

  /// Inserts `slot` under `hash`; `rehash(slot)` recomputes any stored slot's hash when growing.
  template <class Rehash>
  void insert(std::uint64_t hash, std::uint32_t slot, Rehash&& rehash) {
    if ((used_ + tombstones_ + 1) * 10 > buckets_.size() * 8) grow(rehash);
    place(hash, slot);
  }

  void erase(std::uint64_t hash, std::uint32_t slot) {
    if (buckets_.empty()) return;
    for (std::size_t i = home(hash);; i = next(i)) {
      if (buckets_[i] == empty) return;
      if (buckets_[i] == slot) {
        buckets_[i] = tombstone;
        --used_;
        ++tombstones_;
        return;
      }
    }
  }

  std::size_t memory_bytes() const noexcept { return buckets_.capacity() * sizeof(std::uint32_t); }

 private:
  std::size_t home(std::uint64_t hash) const noexcept {
    return std::size_t((static_cast<unsigned __int128>(hash) * buckets_.size()) >> 64);
  }
  std::size_t next(std::size_t i) const noexcept { return i + 1 == buckets_.size() ? 0 : i + 1; }
  void place(std::uint64_t hash, std::uint32_t slot) {
    std::size_t i = home(hash);
    while (buckets_[i] != empty && buckets_[i] != tombstone) i = next(i);
    if (buckets_[i] == tombstone) --tombstones_;
    buckets_[i] = slot;
    ++used_;
  }
  template <class Rehash>
  void grow(Rehash&& rehash) {
    std::vector<std::uint32_t> old;
    old.swap(buckets_);
    const std::size_t n = ((used_ + 1) * 10 / 6 + 16) / 16 * 16;  // rebuild at load ≤ 0.6, grow again at 0.8
    buckets_.assign(n, empty);
    used_ = 0;
    tombstones_ = 0;
    for (auto s : old)
      if (s != empty && s != tombstone) place(rehash(s), s);
  }

  std::vector<std::uint32_t> buckets_;
  std::size_t used_ = 0;
  std::size_t tombstones_ = 0;
};

}  // namespace bootfw::leases
