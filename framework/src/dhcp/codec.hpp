// DHCP wire codec: BOOTP/DHCP datagrams ⇄ sdk::dhcp_message.
//
// Decoding (RFC 2131 §2, RFC 2132 §2-3): the 236-byte fixed header, the magic cookie, options with PAD and
// END, option overload (opt 52, RFC 2132 §9.3: `file` and/or `sname` carry options), and RFC 3396 long
// options (the same code repeated is concatenated: options field first, then file, then sname).
// Encoding: option order by the client's parameter request list (opt 55), never larger than the client's
// maximum message size (opt 57, at least 576), long options split (RFC 3396), overload into file/sname when
// they are free, the relay agent information (opt 82, RFC 3046 §2.2) echoed last.
#pragma once

#include <bootfw/sdk/dhcp.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bootfw::dhcp {

inline constexpr std::size_t fixed_header_size = 236;  // RFC 2131 §2, figure 1, up to `file`
inline constexpr std::size_t min_message_size = 300;   // RFC 1542 §3.1.1: BOOTP relays expect at least this
inline constexpr std::uint32_t magic_cookie = 0x63825363;  // RFC 2131 §3, 99.130.83.99
inline constexpr std::size_t ip_udp_overhead = 28;     // 20-byte IPv4 + 8-byte UDP header

struct decode_result {
  std::optional<sdk::dhcp_message> message;  ///< empty when the datagram is malformed
  std::string detail;                        ///< why it was refused (for the rate-limited log line)
};

/// Never throws; every malformed input yields an empty message and a reason.
decode_result decode(std::span<const std::uint8_t> datagram);

/// What the request allows the reply to be.
struct encode_limits {
  std::size_t max_size = 576 - ip_udp_overhead;      ///< whole DHCP message, bytes
  std::vector<std::uint8_t> parameter_order;         ///< opt 55 as sent
  std::optional<std::vector<std::uint8_t>> relay_info;  ///< opt 82 to echo
};

/// RFC 2132 §9.10: opt 57 is the largest IP datagram the client accepts, 576 at least; capped at 1500
/// (an Ethernet frame) as ISC dhcpd does.
encode_limits limits_for(const sdk::dhcp_message& request);

/// What encode() had to leave out, for the caller's (rate-limited) log line.
struct encode_report {
  /// Opt 82 was not echoed: longer than one option can be (255 bytes, RFC 2132 §2) or no room for it.
  bool relay_info_left_out = false;
  std::size_t relay_info_size = 0;  ///< its value's length, bytes
  std::size_t options_left_out = 0;  ///< other options that fit in no area
  /// file (128 bytes) or sname (64 bytes) longer than its BOOTP field less the NUL: sent empty, never cut
  /// (RFC 2131 §2), since a cut name may be another existing file.
  std::size_t file_too_long = 0, sname_too_long = 0;  ///< the name's length, 0 when it fitted
};

/// Encodes a reply. Options that cannot fit the limit are left out, those the client did not ask for first;
/// `report`, when given, says what was left out.
std::vector<std::uint8_t> encode(const sdk::dhcp_message& reply, const encode_limits& limits,
                                 encode_report* report = nullptr);

}  // namespace bootfw::dhcp
