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
constexpr std::uint32_t max_dense = 1u << 28;

}  // namespace

lease_index::lease_index(std::span<const range> dense) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rs;
  for (const auto& [f, l] : dense)
    if (f <= l) rs.emplace_back(f.to_uint(), l.to_uint());
  std::sort(rs.begin(), rs.end());
  for (const auto& [f, l] : rs) {
    if (!dense_.empty() && std::uint64_t(f) <= std::uint64_t(dense_.back().last) + 1) {  // overlaps: merge
      auto& b = dense_.back();
      const std::uint32_t last = std::max(b.last, l);
      const std::uint64_t grow = last - b.last;
      if (dense_total_ + grow > max_dense) break;
      b.last = last;
      dense_total_ += std::uint32_t(grow);
      continue;
    }
    const std::uint64_t n = std::uint64_t(l) - f + 1;
    if (dense_total_ + n > max_dense) break;
    dense_.push_back({f, l, dense_total_});
    dense_total_ += std::uint32_t(n);
  }
}

std::optional<std::uint32_t> lease_index::dense_slot(std::uint32_t a) const noexcept {
  auto it = std::upper_bound(dense_.begin(), dense_.end(), a,
                             [](std::uint32_t x, const dense_range& r) { return x < r.first; });
  if (it == dense_.begin()) return std::nullopt;
  --it;
  if (a > it->last) return std::nullopt;
  return it->base + (a - it->first);
}

std::uint32_t lease_index::address_of(std::uint32_t slot) const noexcept {
  if (slot >= dense_total_) return other_address_[slot - dense_total_];
  auto it = std::upper_bound(dense_.begin(), dense_.end(), slot,
                             [](std::uint32_t s, const dense_range& r) { return s < r.base; });
  --it;
  return it->first + (slot - it->base);
}

std::uint32_t lease_index::slot_of(std::uint32_t a) const {
  if (auto d = dense_slot(a)) {
    const record* r = at(*d);
    return r && (r->flags & state_mask) ? *d : slot_table::empty;
  }
  return by_address_.find(mix(a), [&](std::uint32_t s) { return other_address_[s - dense_total_] == a; });
}

lease_index::record& lease_index::make(std::uint32_t slot) {
  const std::size_t b = slot / block_records;
  if (blocks_.size() <= b) blocks_.resize(b + 1);
  if (!blocks_[b]) blocks_[b] = std::make_unique<record[]>(block_records);  // zeroed: every slot free
  return blocks_[b][slot % block_records];
}

std::span<const std::uint8_t> lease_index::cid_of(std::uint32_t slot) const noexcept {
  const record* r = at(slot);
  if (!r || !r->cid_len) return {};
  auto it = cid_offset_.find(slot);
  if (it == cid_offset_.end()) return {};
  return {arena_.data() + it->second, r->cid_len};
}

std::uint64_t lease_index::address_hash(std::uint32_t s) const noexcept { return mix(address_of(s)); }
std::uint64_t lease_index::mac_hash(std::uint32_t s) const noexcept { return hash_mac(at(s)->mac); }
std::uint64_t lease_index::cid_hash(std::uint32_t s) const noexcept { return hash_bytes(cid_of(s)); }

void lease_index::set_times(std::uint32_t slot, record& r, std::int64_t starts, std::int64_t ends) {
  const bool narrow = starts >= 0 && starts <= std::int64_t(UINT32_MAX) && ends >= starts &&
                      ends - starts <= std::int64_t(UINT32_MAX);
  if (narrow) {
    if (r.flags & wide_times) wide_.erase(slot);
    r.flags &= std::uint8_t(~wide_times);
    r.starts = std::uint32_t(starts);
    r.length = std::uint32_t(ends - starts);
  } else {
    r.flags |= wide_times;
    r.starts = r.length = 0;
    wide_[slot] = {starts, ends};
  }
}

std::int64_t lease_index::starts_of(std::uint32_t slot, const record& r) const {
  return (r.flags & wide_times) ? wide_.at(slot).first : std::int64_t(r.starts);
}

lease lease_index::to_lease(std::uint32_t slot) const {
  const record& r = *at(slot);
  lease l;
  l.address = sdk::ipv4_address(address_of(slot));
  l.mac = sdk::mac_address(r.mac);
  auto cid = cid_of(slot);
  l.client_id.assign(cid.begin(), cid.end());
  l.state = lease_state(r.flags & state_mask);
  if (r.flags & wide_times) {
    std::tie(l.starts, l.ends) = wide_.at(slot);
  } else {
    l.starts = r.starts;
    l.ends = std::int64_t(r.starts) + r.length;
  }
  return l;
}

void lease_index::store_cid(std::uint32_t slot, record& r, std::span<const std::uint8_t> cid) {
  if (same(cid_of(slot), cid)) return;
  arena_garbage_ += r.cid_len;
  if (cid.empty()) {
    cid_offset_.erase(slot);
  } else if (cid.size() <= r.cid_len) {  // reuse the old bytes in place
    std::copy(cid.begin(), cid.end(), arena_.begin() + cid_offset_.at(slot));
    arena_garbage_ -= cid.size();
  } else {
    cid_offset_[slot] = std::uint32_t(arena_.size());
    arena_.insert(arena_.end(), cid.begin(), cid.end());
  }
  r.cid_len = std::uint8_t(cid.size());
}

void lease_index::compact_arena() {
  std::vector<std::uint8_t> fresh;
  fresh.reserve(arena_.size() - arena_garbage_);
  for (auto& [slot, offset] : cid_offset_) {
    auto cid = cid_of(slot);
    const auto off = std::uint32_t(fresh.size());
    fresh.insert(fresh.end(), cid.begin(), cid.end());
    offset = off;
  }
  arena_.swap(fresh);
  arena_garbage_ = 0;
}

void lease_index::put(const lease& l) {
  const std::uint32_t a = l.address.to_uint();
  std::span<const std::uint8_t> cid(l.client_id.data(), std::min(l.client_id.size(), max_client_id));
  std::uint32_t slot = slot_of(a);
  if (slot == slot_table::empty) {
    if (auto d = dense_slot(a)) {
      slot = *d;
    } else {
      slot = dense_total_ + std::uint32_t(other_address_.size());
      other_address_.push_back(a);
      by_address_.insert(mix(a), slot, [this](std::uint32_t x) { return address_hash(x); });
    }
    record& r = make(slot);
    r.mac = l.mac.bytes();
    r.flags = std::uint8_t(l.state);
    set_times(slot, r, l.starts, l.ends);
    ++size_;
    by_mac_.insert(hash_mac(r.mac), slot, [this](std::uint32_t x) { return mac_hash(x); });
    store_cid(slot, r, cid);
    if (r.cid_len) by_cid_.insert(cid_hash(slot), slot, [this](std::uint32_t x) { return cid_hash(x); });
    return;
  }
  record& r = *at(slot);
  if (r.mac != l.mac.bytes()) {
    by_mac_.erase(hash_mac(r.mac), slot);
    r.mac = l.mac.bytes();
    by_mac_.insert(hash_mac(r.mac), slot, [this](std::uint32_t x) { return mac_hash(x); });
  }
  if (!same(cid_of(slot), cid)) {
    if (r.cid_len) by_cid_.erase(cid_hash(slot), slot);
    store_cid(slot, r, cid);
    if (r.cid_len) by_cid_.insert(cid_hash(slot), slot, [this](std::uint32_t x) { return cid_hash(x); });
  }
  r.flags = std::uint8_t((r.flags & ~state_mask) | std::uint8_t(l.state));
  set_times(slot, r, l.starts, l.ends);
  if (arena_garbage_ > 4096 && arena_garbage_ * 2 > arena_.size()) compact_arena();
}

std::optional<lease> lease_index::find(sdk::ipv4_address address) const {
  const auto s = slot_of(address.to_uint());
  if (s == slot_table::empty) return std::nullopt;
  return to_lease(s);
}

std::optional<lease> lease_index::find_client(const sdk::mac_address& mac, std::span<const std::uint8_t> cid) const {
  std::uint32_t best = slot_table::empty;
  std::int64_t best_starts = 0;
  auto consider = [&](std::uint32_t s) {
    const std::int64_t st = starts_of(s, *at(s));
    if (best == slot_table::empty || st > best_starts) best = s, best_starts = st;
    return false;  // keep visiting: the newest wins
  };
  if (!cid.empty()) {
    by_cid_.find(hash_bytes(cid), [&](std::uint32_t s) { return same(cid_of(s), cid) && consider(s); });
  } else {
    const auto key = mac.bytes();
    // A lease taken with a client id belongs to that id, not to whatever MAC sends next.
    by_mac_.find(hash_mac(key), [&](std::uint32_t s) {
      const record& r = *at(s);
      return r.mac == key && r.cid_len == 0 && consider(s);
    });
  }
  if (best == slot_table::empty) return std::nullopt;
  return to_lease(best);
}

void lease_index::for_each(const std::function<void(const lease&)>& fn) const {
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    if (!blocks_[b]) continue;
    for (std::size_t i = 0; i < block_records; ++i)
      if (blocks_[b][i].flags & state_mask) fn(to_lease(std::uint32_t(b * block_records + i)));
  }
}

std::size_t lease_index::memory_bytes() const noexcept {
  std::size_t blocks = 0;
  for (const auto& b : blocks_) blocks += b ? block_records * sizeof(record) : 0;
  // unordered_map nodes: key, value, next pointer (and the bucket array).
  constexpr std::size_t cid_node = 16 + sizeof(void*), wide_node = 24 + sizeof(void*);
  return blocks + blocks_.capacity() * sizeof(blocks_[0]) + other_address_.capacity() * 4 + arena_.capacity() +
         cid_offset_.size() * cid_node + wide_.size() * wide_node +
         (cid_offset_.bucket_count() + wide_.bucket_count()) * sizeof(void*) + by_address_.memory_bytes() +
         by_mac_.memory_bytes() + by_cid_.memory_bytes() + dense_.capacity() * sizeof(dense_range);
}

}  // namespace bootfw::leases
