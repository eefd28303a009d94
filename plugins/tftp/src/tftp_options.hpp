// TFTP option negotiation (RFC 2347) for read requests: blksize (RFC 2348), timeout and tsize (RFC 2349),
// windowsize (RFC 7440). Pure: decides what the OACK says and what the transfer uses.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tftp_packet.hpp"

namespace bootfw::plugin_tftp {

/// RFC 1350 default block size; RFC 2348 bounds.
inline constexpr std::uint32_t default_blksize = 512;
inline constexpr std::uint32_t min_blksize = 8;
inline constexpr std::uint32_t max_blksize_rfc = 65464;
inline constexpr std::uint32_t max_windowsize_rfc = 65535;

/// Server-side bounds for one request.
struct negotiation_limits {
  std::uint32_t max_blksize = max_blksize_rfc;  ///< path MTU - 32, or the configured max_blksize
  std::uint32_t max_windowsize = 64;             ///< configured max_windowsize
  std::size_t max_window_bytes = 4u << 20;       ///< windowsize × blksize never exceeds this
};

/// What the transfer uses, and the OACK to send (empty `acknowledged`: no OACK, send DATA 1 directly).
struct negotiated_options {
  std::uint32_t blksize = default_blksize;
  std::uint32_t windowsize = 1;
  std::optional<std::chrono::seconds> timeout;  ///< RFC 2349 timeout, when acknowledged
  std::vector<std::pair<std::string, std::string>> acknowledged;  ///< OACK contents, in request order
};

/// Negotiates the options of an RRQ. `transfer_size` is the size to report for tsize (nullopt: unknown,
/// e.g. netascii, where the converted length is not known before sending; tsize is then not acknowledged).
/// Unknown options and malformed or out-of-range values are ignored (RFC 2347: the server omits from the
/// OACK what it does not accept); values above our limits are lowered (RFC 2348, RFC 7440 §3).
negotiated_options negotiate(const std::vector<request_option>& requested, const negotiation_limits& limits,
                             std::optional<std::uint64_t> transfer_size);

/// Strict decimal: digits only, no sign or spaces, at most 20 digits; nullopt otherwise or on overflow.
std::optional<std::uint64_t> parse_decimal(const std::string& text) noexcept;

/// Largest blksize that fits one datagram in an interface MTU: MTU - 20 (IP) - 8 (UDP) - 4 (TFTP).
/// Unknown MTU (0) counts as Ethernet's 1500.
std::uint32_t blksize_for_mtu(std::uint32_t mtu) noexcept;

}  // namespace bootfw::plugin_tftp
