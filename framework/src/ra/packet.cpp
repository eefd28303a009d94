#include "ra/packet.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

namespace bootfw::ra {
namespace {

/// Walks the options after a fixed header; false (and `reason`) when an option is malformed.
/// RFC 4861 §4.6: each option is type, length in units of 8 octets (0 is invalid), value.
template <typename Visit>
bool walk_options(std::span<const std::uint8_t> options, std::string& reason, Visit&& visit) {
  while (!options.empty()) {
    if (options.size() < 2) {
      reason = "truncated option";
      return false;
    }
    std::size_t len = std::size_t(options[1]) * 8;
    if (len == 0) {
      reason = "option with length 0";  // RFC 4861 §6.1.1 / §6.1.2
      return false;
    }
    if (len > options.size()) {
      reason = "option runs past the end of the message";
      return false;
    }
    visit(options[0], options.subspan(0, len));
    options = options.subspan(len);
  }
  return true;
}

std::optional<sdk::mac_address> lla_of(std::span<const std::uint8_t> option) {
  // RFC 4861 §4.6.1 on Ethernet (RFC 2464 §6): type, length 1, six octets of MAC.
  if (option.size() != 8) return std::nullopt;
  std::array<std::uint8_t, 6> mac{};
  std::copy(option.begin() + 2, option.end(), mac.begin());
  return sdk::mac_address(mac);
}

std::uint32_t read32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) | b[at + 3];
}

}  // namespace

bool is_unspecified(const ipv6_bytes& a) noexcept {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

bool is_link_local(const ipv6_bytes& a) noexcept { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

std::string to_string(const ipv6_bytes& a) {
  char text[INET6_ADDRSTRLEN] = {0};
  in6_addr addr{};
  std::copy(a.begin(), a.end(), addr.s6_addr);
  ::inet_ntop(AF_INET6, &addr, text, sizeof(text));
  return text;
}

solicitation_check check_solicitation(std::span<const std::uint8_t> icmp, const received_meta& meta) {
  solicitation_check out;
  // RFC 4861 §6.1.1: a node MUST silently discard an RS that fails any of these checks.
  if (meta.hop_limit != 255) {
    out.reason = "hop limit is not 255 (the solicitation did not come from this link)";
    return out;
  }
  if (icmp.size() < 8) {
    out.reason = "ICMP length below 8 octets";
    return out;
  }
  if (icmp[0] != icmp_router_solicitation) {
    out.reason = "not a router solicitation";
    return out;
  }
  if (icmp[1] != 0) {
    out.reason = "ICMP code is not 0";
    return out;
  }
  // Octets 4..7 are reserved (RFC 4861 §4.1): ignored on receipt.
  bool lla_seen = false;
  if (!walk_options(icmp.subspan(8), out.reason, [&](std::uint8_t type, std::span<const std::uint8_t> opt) {
        if (type == option_source_lla) {
          lla_seen = true;
          out.source_lla = lla_of(opt);
        }
      }))
    return out;
  if (lla_seen && is_unspecified(meta.source)) {
    out.reason = "source link-layer address option with the unspecified source address";
    out.source_lla.reset();
    return out;
  }
  out.valid = true;
  return out;
}

std::optional<advertisement> parse_advertisement(std::span<const std::uint8_t> icmp, const received_meta& meta,
                                                 std::string* reason) {
  std::string why;
  auto invalid = [&](std::string r) -> std::optional<advertisement> {
    if (reason) *reason = std::move(r);
    return std::nullopt;
  };
  // RFC 4861 §6.1.2: RA validity checks.
  if (!is_link_local(meta.source)) return invalid("source is not a link-local address");
  if (meta.hop_limit != 255) return invalid("hop limit is not 255");
  if (icmp.size() < 16) return invalid("ICMP length below 16 octets");
  if (icmp[0] != icmp_router_advertisement) return invalid("not a router advertisement");
  if (icmp[1] != 0) return invalid("ICMP code is not 0");
  advertisement ra;
  ra.cur_hop_limit = icmp[4];
  ra.managed = (icmp[5] & 0x80) != 0;
  ra.other_config = (icmp[5] & 0x40) != 0;
  ra.router_lifetime = std::uint16_t((icmp[6] << 8) | icmp[7]);
  ra.reachable_time = read32(icmp, 8);
  ra.retrans_timer = read32(icmp, 12);
  if (!walk_options(icmp.subspan(16), why, [&](std::uint8_t type, std::span<const std::uint8_t> opt) {
        ++ra.option_count;
        if (type == option_source_lla) ra.source_lla = lla_of(opt);
        if (type == option_prefix_information) ra.has_prefix_information = true;
      }))
    return invalid(why);
  return ra;
}

std::vector<std::uint8_t> build_advertisement(const advertisement_params& p) {
  // RFC 4861 §4.2: type, code, checksum (2), cur hop limit, M|O|reserved, router lifetime (2),
  // reachable time (4), retrans timer (4), options.
  std::vector<std::uint8_t> out(16, 0);
  out[0] = icmp_router_advertisement;
  out[1] = 0;
  out[4] = 0;  // cur hop limit 0: unspecified, hosts keep their own
  out[5] = std::uint8_t((p.managed ? 0x80 : 0) | (p.other_config ? 0x40 : 0));
  out[6] = std::uint8_t(p.router_lifetime >> 8);
  out[7] = std::uint8_t(p.router_lifetime & 0xff);
  // Reachable time and retrans timer stay 0: unspecified (RFC 4861 §6.3.4, hosts keep their values).
  if (p.source_lla) {
    // RFC 4861 §4.6.1: Source Link-Layer Address, length 1 (8 octets) for a 6-octet MAC (RFC 2464 §6).
    out.push_back(option_source_lla);
    out.push_back(1);
    auto& mac = p.source_lla->bytes();
    out.insert(out.end(), mac.begin(), mac.end());
  }
  return out;
}

ipv6_bytes all_nodes() noexcept { return {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}; }
ipv6_bytes all_routers() noexcept { return {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}; }

ipv6_bytes answer_destination(const ipv6_bytes& solicitor) noexcept {
  return is_unspecified(solicitor) ? all_nodes() : solicitor;
}

}  // namespace bootfw::ra
