#include <bootfw/leases/address_pool.hpp>

#include <bit>
#include <stdexcept>

namespace bootfw::leases {

address_pool::address_pool(sdk::ipv4_address first, sdk::ipv4_address last)
    : first_(first.to_uint()), last_(last.to_uint()) {
  if (first_ > last_) throw std::invalid_argument("address range " + first.to_string() + " > " + last.to_string());
  bits_.assign((size() + 63) / 64, 0);
}

void address_pool::set(sdk::ipv4_address a, bool b) noexcept {
  if (!contains(a)) return;
  const std::uint64_t i = a.to_uint() - first_;
  if (b)
    bits_[i >> 6] |= std::uint64_t(1) << (i & 63);
  else
    bits_[i >> 6] &= ~(std::uint64_t(1) << (i & 63));
}

std::uint64_t address_pool::clear_count() const noexcept {
  std::uint64_t busy_bits = 0;
  for (auto w : bits_) busy_bits += std::uint64_t(std::popcount(w));
  return size() - busy_bits;
}

std::optional<sdk::ipv4_address> address_pool::next_free(const std::function<bool(sdk::ipv4_address)>& available) {
  const std::uint64_t n = size();
  // Pass 1: addresses never seen busy, skipping full 64-bit words at once.
  for (std::uint64_t k = 0; k < n;) {
    const std::uint64_t i = (cursor_ + k) % n;
    if ((i & 63) == 0 && bits_[i >> 6] == ~std::uint64_t(0) && i + 64 <= n) {
      k += 64;
      continue;
    }
    ++k;
    if (busy(i)) continue;
    const sdk::ipv4_address a(first_ + std::uint32_t(i));
    if (available(a)) {
      cursor_ = (i + 1) % n;
      return a;
    }
    set(a, true);
  }
  // Pass 2: re-check the busy ones (leases expire, offers lapse, releases happen).
  for (std::uint64_t k = 0; k < n; ++k) {
    const std::uint64_t i = (cursor_ + k) % n;
    const sdk::ipv4_address a(first_ + std::uint32_t(i));
    if (available(a)) {
      set(a, false);
      cursor_ = (i + 1) % n;
      return a;
    }
  }
  return std::nullopt;
}

}  // namespace bootfw::leases
