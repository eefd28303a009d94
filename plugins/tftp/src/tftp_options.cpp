#include "tftp_options.hpp"

#include <algorithm>

namespace bootfw::plugin_tftp {

std::optional<std::uint64_t> parse_decimal(const std::string& text) noexcept {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t next = v * 10 + std::uint64_t(c - '0');
    if (next / 10 != v) return std::nullopt;  // overflow
    v = next;
  }
  return v;
}

std::uint32_t blksize_for_mtu(std::uint32_t mtu) noexcept {
  if (mtu == 0) mtu = 1500;
  if (mtu < 32 + min_blksize) return min_blksize;
  return std::min<std::uint32_t>(mtu - 32, max_blksize_rfc);
}

negotiated_options negotiate(const std::vector<request_option>& requested, const negotiation_limits& limits,
                             std::optional<std::uint64_t> transfer_size) {
  negotiated_options out;
  const request_option* blksize = nullptr;
  const request_option* windowsize = nullptr;

  // blksize first: windowsize is bounded by windowsize × blksize <= max_window_bytes.
  for (const auto& o : requested) {
    if (o.name != "blksize") continue;
    // RFC 2348: valid values are 8..65464; the server may answer a smaller value than asked. Below 8 (or
    // not a number) the option is ignored; above the limit it is lowered, like tftp-hpa does.
    auto v = parse_decimal(o.value);
    if (!v || *v < min_blksize) break;
    std::uint64_t cap = std::max<std::uint32_t>(min_blksize, std::min(limits.max_blksize, max_blksize_rfc));
    out.blksize = std::uint32_t(std::min<std::uint64_t>(*v, cap));
    blksize = &o;
    break;
  }
  for (const auto& o : requested) {
    if (o.name != "windowsize") continue;
    // RFC 7440 §3: valid values are 1..65535; the server answers a value less than or equal to the request.
    auto v = parse_decimal(o.value);
    if (!v || *v < 1 || *v > max_windowsize_rfc) break;
    std::uint64_t by_memory = std::max<std::uint64_t>(1, limits.max_window_bytes / out.blksize);
    std::uint64_t cap = std::max<std::uint64_t>(1, std::min<std::uint64_t>(limits.max_windowsize, by_memory));
    out.windowsize = std::uint32_t(std::min(*v, cap));
    windowsize = &o;
    break;
  }

  for (const auto& o : requested) {
    if (&o == blksize) {
      out.acknowledged.emplace_back(o.name, std::to_string(out.blksize));
    } else if (&o == windowsize) {
      out.acknowledged.emplace_back(o.name, std::to_string(out.windowsize));
    } else if (o.name == "timeout") {
      // RFC 2349: 1..255 seconds; the server acknowledges the same value or ignores the option.
      auto v = parse_decimal(o.value);
      if (!v || *v < 1 || *v > 255) continue;
      out.timeout = std::chrono::seconds(*v);
      out.acknowledged.emplace_back(o.name, std::to_string(*v));
    } else if (o.name == "tsize") {
      // RFC 2349: in an RRQ the client sends 0 and the server answers the real size.
      if (!transfer_size || !parse_decimal(o.value)) continue;
      out.acknowledged.emplace_back(o.name, std::to_string(*transfer_size));
    }
    // Anything else: RFC 2347, an option the server does not support is left out of the OACK.
  }
  return out;
}

}  // namespace bootfw::plugin_tftp
