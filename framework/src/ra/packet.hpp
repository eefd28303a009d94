// ICMPv6 Router Solicitation / Router Advertisement wire format (RFC 4861 §4.1, §4.2, §4.6.1) as pure
// functions: bytes in, verdicts or bytes out. No sockets here; the service (ra/service.hpp) does the I/O.
#pragma once

#include <bootfw/sdk/net.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bootfw::ra {

/// An IPv6 address in network byte order. Value type.
using ipv6_bytes = std::array<std::uint8_t, 16>;

constexpr std::uint8_t icmp_router_solicitation = 133;   // RFC 4861 §4.1
constexpr std::uint8_t icmp_router_advertisement = 134;  // RFC 4861 §4.2
constexpr std::uint8_t option_source_lla = 1;            // RFC 4861 §4.6.1
constexpr std::uint8_t option_prefix_information = 3;    // RFC 4861 §4.6.2

bool is_unspecified(const ipv6_bytes& a) noexcept;
bool is_link_local(const ipv6_bytes& a) noexcept;  // fe80::/10
std::string to_string(const ipv6_bytes& a);

/// What the receive path knows about one ICMPv6 message besides its bytes.
struct received_meta {
  ipv6_bytes source{};
  int hop_limit = -1;  ///< from IPV6_HOPLIMIT ancillary data; -1 when the kernel gave none
};

/// The verdict on one Router Solicitation.
struct solicitation_check {
  bool valid = false;
  std::string reason;                      ///< why it is invalid (for a rate-limited debug line)
  std::optional<sdk::mac_address> source_lla;  ///< the solicitor's Source Link-Layer Address option
};

/// RFC 4861 §6.1.1 validity checks on an ICMPv6 message claimed to be a Router Solicitation:
/// hop limit 255, type 133, code 0, ICMP length ≥ 8, every option length > 0 and within the message,
/// and no Source Link-Layer Address option when the source is the unspecified address.
/// (The checksum is verified by the kernel for raw ICMPv6 sockets, RFC 3542 §3.1.)
solicitation_check check_solicitation(std::span<const std::uint8_t> icmp, const received_meta& meta);

/// The fields of an RA, decoded (to recognise other routers, and in tests).
struct advertisement {
  std::uint8_t cur_hop_limit = 0;
  bool managed = false;       ///< M flag
  bool other_config = false;  ///< O flag
  std::uint16_t router_lifetime = 0;
  std::uint32_t reachable_time = 0;
  std::uint32_t retrans_timer = 0;
  std::optional<sdk::mac_address> source_lla;
  bool has_prefix_information = false;
  std::size_t option_count = 0;
};

/// RFC 4861 §6.1.2 validity checks (hop limit 255, source link-local, type 134, code 0, length ≥ 16,
/// option lengths > 0) and the decoded fields; nullopt and `reason` when invalid.
std::optional<advertisement> parse_advertisement(std::span<const std::uint8_t> icmp, const received_meta& meta,
                                                 std::string* reason = nullptr);

/// What bootfw advertises. The defaults change nothing on the network (see ra/README.md).
struct advertisement_params {
  std::uint16_t router_lifetime = 0;  ///< RFC 4861 §4.2: 0 = not a default router
  bool managed = false;
  bool other_config = false;
  std::optional<sdk::mac_address> source_lla;  ///< the sending interface's MAC (§4.6.1), when it has one
};

/// An RA per RFC 4861 §4.2: cur hop limit 0 (unspecified), the given flags and lifetime, reachable time and
/// retrans timer 0 (unspecified), no Prefix Information option, a Source Link-Layer Address option when a MAC
/// is given. The checksum is left 0: the kernel fills it for raw ICMPv6 sockets (RFC 3542 §3.1).
std::vector<std::uint8_t> build_advertisement(const advertisement_params& params);

/// All-nodes (ff02::1) and all-routers (ff02::2) link-scope multicast groups (RFC 4291 §2.7.1).
ipv6_bytes all_nodes() noexcept;
ipv6_bytes all_routers() noexcept;

/// RFC 4861 §6.2.6: the answer goes to the solicitor's unicast address, or to all-nodes when it is ::.
ipv6_bytes answer_destination(const ipv6_bytes& solicitor) noexcept;

}  // namespace bootfw::ra
