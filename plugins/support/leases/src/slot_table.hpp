// An open-addressing multimap from a 64-bit hash to 4-byte slot numbers (linear probing, tombstones).
// The keys themselves are not stored: callers compare the entry a slot names. 4 bytes per bucket, load
// factor at most 0.7, so an index over n leases costs about 6n bytes.
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
    const std::size_t mask = buckets_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const std::uint32_t s = buckets_[i];
      if (s == empty) return empty;
      if (s != tombstone && visit(s)) return s;
    }
  }

  /// Inserts `slot` under `hash`; `rehash(slot)` recomputes any stored slot's hash when growing.
  template <class Rehash>
  void insert(std::uint64_t hash, std::uint32_t slot, Rehash&& rehash) {
    if ((used_ + tombstones_ + 1) * 10 > buckets_.size() * 7) grow(rehash);
    place(hash, slot);
  }

  void erase(std::uint64_t hash, std::uint32_t slot) {
    if (buckets_.empty()) return;
    const std::size_t mask = buckets_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
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
  void place(std::uint64_t hash, std::uint32_t slot) {
    const std::size_t mask = buckets_.size() - 1;
    std::size_t i = hash & mask;
    while (buckets_[i] != empty && buckets_[i] != tombstone) i = (i + 1) & mask;
    if (buckets_[i] == tombstone) --tombstones_;
    buckets_[i] = slot;
    ++used_;
  }
  template <class Rehash>
  void grow(Rehash&& rehash) {
    std::vector<std::uint32_t> old;
    old.swap(buckets_);
    std::size_t n = 16;
    while ((used_ + 1) * 10 > n * 5) n *= 2;  // rebuild at load ≤ 0.5, grow again at 0.7
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
