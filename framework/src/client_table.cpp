#include "client_table.hpp"

#include <algorithm>
#include <bit>

namespace bootfw {
namespace {

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finaliser
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

}  // namespace

client_table::client_table(std::size_t capacity) : capacity_(std::clamp<std::size_t>(capacity, 1, max_capacity)) {}

std::uint64_t client_table::mac_hash(std::uint32_t s) const noexcept { return hash_mac(entry_at(s).mac); }
std::uint64_t client_table::address_hash(std::uint32_t s) const noexcept { return mix(entry_at(s).address); }

template <class Match>
std::size_t client_table::bucket_of(const std::vector<std::uint16_t>& index, std::uint64_t hash,
                                    Match&& match) const noexcept {
  if (index.empty()) return index.size();
  const std::size_t mask = index.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    if (index[i] == free_bucket) return index.size();
    if (match(std::uint32_t(index[i]))) return i;
  }
}

void client_table::index_insert(std::vector<std::uint16_t>& index, std::uint64_t hash, std::uint32_t s) {
  // Sized once, at load ≤ 0.5 for a full table, when the first session arrives.
  if (index.empty()) index.assign(std::bit_ceil(capacity_ * 2), free_bucket);
  const std::size_t mask = index.size() - 1;
  std::size_t i = hash & mask;
  while (index[i] != free_bucket) i = (i + 1) & mask;
  index[i] = std::uint16_t(s);
}

template <class Hash>
void client_table::index_erase(std::vector<std::uint16_t>& index, std::uint32_t s, std::uint64_t hash,
                               Hash&& hash_of) {
  std::size_t i = bucket_of(index, hash, [s](std::uint32_t x) { return x == s; });
  if (i == index.size()) return;
  const std::size_t mask = index.size() - 1;
  // Backward shift: pull later members of the probe run into the hole unless they sit at or after home.
  for (std::size_t j = (i + 1) & mask; index[j] != free_bucket; j = (j + 1) & mask) {
    const std::size_t home = hash_of(index[j]) & mask;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    index[i] = index[j];
    i = j;
  }
  index[i] = free_bucket;
}

std::uint32_t client_table::find(const sdk::mac_address& mac) const noexcept {
  const auto key = mac.bytes();
  const auto i = bucket_of(by_mac_, hash_mac(key), [&](std::uint32_t s) { return entry_at(s).mac == key; });
  return i == by_mac_.size() ? none : std::uint32_t(by_mac_[i]);
}

std::uint32_t client_table::find_address(sdk::ipv4_address address) const noexcept {
  const std::uint32_t a = address.to_uint();
  if (a == 0) return none;
  const auto i = bucket_of(by_address_, mix(a), [&](std::uint32_t s) { return entry_at(s).address == a; });
  return i == by_address_.size() ? none : std::uint32_t(by_address_[i]);
}

void client_table::unbind(std::uint32_t s) {
  entry& e = entry_at(s);
  if (!e.address) return;
  index_erase(by_address_, s, mix(e.address), [this](std::uint32_t x) { return address_hash(x); });
  e.address = 0;
}

void client_table::evict(std::uint32_t s) {
  unbind(s);
  index_erase(by_mac_, s, mac_hash(s), [this](std::uint32_t x) { return mac_hash(x); });
  if (entry_at(s).flags & has_extras) extras_.erase(s);
  --size_;
}

std::uint32_t client_table::start(const sdk::mac_address& mac, std::chrono::steady_clock::time_point now) {
  std::uint32_t s = find(mac);
  if (s != none) {
    entry_at(s).started = now;
    entry_at(s).rrqs = 0;
    return s;
  }
  s = next_;
  next_ = std::uint32_t((next_ + 1) % capacity_);
  const std::size_t b = s / block_entries;
  if (blocks_.size() <= b) blocks_.resize(b + 1);
  if (!blocks_[b]) {
    blocks_[b] = std::make_unique<entry[]>(std::min(block_entries, capacity_ - b * block_entries));
  } else if (size_ == capacity_) {
    evict(s);  // the oldest session: slots are taken in ring order
  }
  entry& e = entry_at(s);
  e = entry{};
  e.started = now;
  e.mac = mac.bytes();
  index_insert(by_mac_, hash_mac(e.mac), s);
  ++size_;
  return s;
}

void client_table::bind(std::uint32_t s, const sdk::client_record& rec) {
  const std::uint32_t a = rec.address.to_uint();
  if (const auto other = find_address(rec.address); other != none && other != s) unbind(other);
  entry& e = entry_at(s);
  if (e.address != a) {
    unbind(s);
    e.address = a;
    if (a) index_insert(by_address_, mix(a), s);
  }
  e.hardware_type = rec.hardware_type;
  e.netmask = rec.netmask.to_uint();
  e.router = rec.router.to_uint();
  e.server = rec.server.to_uint();
  e.lease_seconds = rec.lease_seconds;
  e.acked_at = rec.acked_at.time_since_epoch().count();
  const bool uuid_fits = rec.uuid.size() <= e.uuid.size();
  const bool archs_fit = rec.architectures.size() <= e.architectures.size();
  if (rec.host_name.empty() && uuid_fits && archs_fit) {
    if (e.flags & has_extras) extras_.erase(s);
    e.flags &= std::uint8_t(~has_extras);
  } else {
    auto& x = extras_[s];
    e.flags |= has_extras;
    x.host_name = rec.host_name;
    x.uuid = uuid_fits ? std::vector<std::uint8_t>{} : rec.uuid;
    x.architectures = archs_fit ? std::vector<std::uint16_t>{} : rec.architectures;
  }
  e.uuid_len = uuid_fits ? std::uint8_t(rec.uuid.size()) : in_extras;
  if (uuid_fits) std::copy(rec.uuid.begin(), rec.uuid.end(), e.uuid.begin());
  e.arch_count = archs_fit ? std::uint8_t(rec.architectures.size()) : in_extras;
  if (archs_fit) std::copy(rec.architectures.begin(), rec.architectures.end(), e.architectures.begin());
}

std::optional<sdk::client_record> client_table::record(sdk::ipv4_address address) const {
  const auto s = find_address(address);
  if (s == none) return std::nullopt;
  const entry& e = entry_at(s);
  const extras* x = nullptr;
  if (e.flags & has_extras) x = &extras_.at(s);
  sdk::client_record rec;
  rec.mac = sdk::mac_address(e.mac);
  rec.hardware_type = e.hardware_type;
  rec.address = sdk::ipv4_address(e.address);
  rec.netmask = sdk::ipv4_address(e.netmask);
  rec.router = sdk::ipv4_address(e.router);
  rec.server = sdk::ipv4_address(e.server);
  if (x) rec.host_name = x->host_name;
  if (e.uuid_len == in_extras)
    rec.uuid = x->uuid;
  else
    rec.uuid.assign(e.uuid.begin(), e.uuid.begin() + e.uuid_len);
  if (e.arch_count == in_extras)
    rec.architectures = x->architectures;
  else
    rec.architectures.assign(e.architectures.begin(), e.architectures.begin() + e.arch_count);
  rec.acked_at = std::chrono::system_clock::time_point(std::chrono::system_clock::duration(e.acked_at));
  rec.lease_seconds = e.lease_seconds;
  return rec;
}

std::size_t client_table::memory_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& b : blocks_) n += b ? block_entries * sizeof(entry) : 0;
  return n + (by_mac_.capacity() + by_address_.capacity()) * sizeof(std::uint16_t) + extras_.size() * (sizeof(extras) + 32) +
         extras_.bucket_count() * sizeof(void*);
}

}  // namespace bootfw
