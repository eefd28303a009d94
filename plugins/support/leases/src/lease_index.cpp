#include "lease_index.hpp"

#include <algorithm>

namespace bootfw::leases {
namespace {

// splitmix64 finaliser: spreads consecutive addresses over the table.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
std::uint64_t hash_mac(const std::array<std::uint8_t, 6>& m) noexcept {
  std::uint64_t v = 0;
  for (auto b : m) v = v << 8 | b;
  return mix(v);
}
std::uint64_t hash_bytes(std::span<const std::uint8_t> b) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (auto c : b) h = (h ^ c) * 0x100000001b3ull;
  return mix(h);
}
bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

std::uint64_t lease_index::address_hash(std::uint32_t s) const noexcept { return mix(entries_[s].address); }
std::uint64_t lease_index::mac_hash(std::uint32_t s) const noexcept { return hash_mac(entries_[s].mac); }
std::uint64_t lease_index::cid_hash(std::uint32_t s) const noexcept { return hash_bytes(cid_of(entries_[s])); }

lease lease_index::to_lease(const entry& e) const {
  lease l;
  l.address = sdk::ipv4_address(e.address);
  l.mac = sdk::mac_address(e.mac);
  auto cid = cid_of(e);
  l.client_id.assign(cid.begin(), cid.end());
  l.state = e.state;
  l.starts = e.starts;
  l.ends = e.ends;
  return l;
}

void lease_index::store_cid(entry& e, std::span<const std::uint8_t> cid) {
  if (same(cid_of(e), cid)) return;
  arena_garbage_ += e.cid_len;
  if (cid.size() <= e.cid_len) {  // reuse the old bytes in place
    std::copy(cid.begin(), cid.end(), arena_.begin() + e.cid_offset);
    arena_garbage_ -= cid.size();
  } else {
    e.cid_offset = std::uint32_t(arena_.size());
    arena_.insert(arena_.end(), cid.begin(), cid.end());
  }
  e.cid_len = std::uint8_t(cid.size());
}

void lease_index::compact_arena() {
  std::vector<std::uint8_t> fresh;
  fresh.reserve(arena_.size() - arena_garbage_);
  for (auto& e : entries_) {
    auto cid = cid_of(e);
    const auto off = std::uint32_t(fresh.size());
    fresh.insert(fresh.end(), cid.begin(), cid.end());
    e.cid_offset = off;
  }
  arena_.swap(fresh);
  arena_garbage_ = 0;
}

void lease_index::put(const lease& l) {
  const std::uint32_t a = l.address.to_uint();
  std::span<const std::uint8_t> cid(l.client_id.data(), std::min(l.client_id.size(), max_client_id));
  const std::uint32_t slot =
      by_address_.find(mix(a), [&](std::uint32_t s) { return entries_[s].address == a; });
  if (slot == slot_table::empty) {
    entry e{a, std::uint32_t(arena_.size()), l.starts, l.ends, l.mac.bytes(), 0, l.state};
    entries_.push_back(e);
    const auto s = std::uint32_t(entries_.size() - 1);
    store_cid(entries_[s], cid);
    by_address_.insert(mix(a), s, [this](std::uint32_t x) { return address_hash(x); });
    by_mac_.insert(hash_mac(e.mac), s, [this](std::uint32_t x) { return mac_hash(x); });
    if (!cid.empty()) by_cid_.insert(cid_hash(s), s, [this](std::uint32_t x) { return cid_hash(x); });
    return;
  }
  entry& e = entries_[slot];
  if (e.mac != l.mac.bytes()) {
    by_mac_.erase(hash_mac(e.mac), slot);
    e.mac = l.mac.bytes();
    by_mac_.insert(hash_mac(e.mac), slot, [this](std::uint32_t x) { return mac_hash(x); });
  }
  if (!same(cid_of(e), cid)) {
    if (e.cid_len) by_cid_.erase(cid_hash(slot), slot);
    store_cid(e, cid);
    if (e.cid_len) by_cid_.insert(cid_hash(slot), slot, [this](std::uint32_t x) { return cid_hash(x); });
  }
  e.state = l.state;
  e.starts = l.starts;
  e.ends = l.ends;
  if (arena_garbage_ > 4096 && arena_garbage_ * 2 > arena_.size()) compact_arena();
}

std::optional<lease> lease_index::find(sdk::ipv4_address address) const {
  const std::uint32_t a = address.to_uint();
  const auto s = by_address_.find(mix(a), [&](std::uint32_t x) { return entries_[x].address == a; });
  if (s == slot_table::empty) return std::nullopt;
  return to_lease(entries_[s]);
}

std::optional<lease> lease_index::find_client(const sdk::mac_address& mac, std::span<const std::uint8_t> cid) const {
  const entry* best = nullptr;
  auto consider = [&](std::uint32_t s) {
    const entry& e = entries_[s];
    if (!best || e.starts > best->starts) best = &e;
    return false;  // keep visiting: the newest wins
  };
  if (!cid.empty()) {
    by_cid_.find(hash_bytes(cid), [&](std::uint32_t s) { return same(cid_of(entries_[s]), cid) && consider(s); });
  } else {
    const auto key = mac.bytes();
    // A lease taken with a client id belongs to that id, not to whatever MAC sends next.
    by_mac_.find(hash_mac(key),
                 [&](std::uint32_t s) { return entries_[s].mac == key && entries_[s].cid_len == 0 && consider(s); });
  }
  if (!best) return std::nullopt;
  return to_lease(*best);
}

void lease_index::for_each(const std::function<void(const lease&)>& fn) const {
  for (const auto& e : entries_) fn(to_lease(e));
}

std::size_t lease_index::memory_bytes() const noexcept {
  return entries_.capacity() * sizeof(entry) + arena_.capacity() + by_address_.memory_bytes() +
         by_mac_.memory_bytes() + by_cid_.memory_bytes();
}

}  // namespace bootfw::leases
