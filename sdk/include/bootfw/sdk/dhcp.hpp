// bootfw SDK — DHCP value types exchanged with dhcp-responder and boot-policy plugins.
//
// bootfw owns the wire: it decodes datagrams into dhcp_message (RFC 2131 §2 fixed header, RFC 2132 options,
// RFC 3396 long options already concatenated, option overload (opt 52) already folded into the option list)
// and encodes the reply a responder fills in (honouring opt 55 order, opt 57 size, echoing opt 82).
// Plugins never see raw datagrams.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bootfw/sdk/net.hpp>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// RFC 2132 §9.6 message types.
enum class dhcp_message_type : std::uint8_t {
  none = 0,
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};
constexpr const char* to_string(dhcp_message_type t) noexcept {
  switch (t) {
    case dhcp_message_type::none: return "NONE";
    case dhcp_message_type::discover: return "DISCOVER";
    case dhcp_message_type::offer: return "OFFER";
    case dhcp_message_type::request: return "REQUEST";
    case dhcp_message_type::decline: return "DECLINE";
    case dhcp_message_type::ack: return "ACK";
    case dhcp_message_type::nak: return "NAK";
    case dhcp_message_type::release: return "RELEASE";
    case dhcp_message_type::inform: return "INFORM";
  }
  return "UNKNOWN";
}

/// Well-known option codes (RFC 2132 and PXE, RFC 4578).
namespace dhcp_option {
inline constexpr std::uint8_t pad = 0, subnet_mask = 1, router = 3, dns_servers = 6, host_name = 12,
                              domain_name = 15, broadcast_address = 28, vendor_specific = 43, requested_address = 50,
                              lease_time = 51, overload = 52, message_type = 53, server_identifier = 54,
                              parameter_request_list = 55, message = 56, max_message_size = 57, renewal_time = 58,
                              rebinding_time = 59, vendor_class_identifier = 60, client_identifier = 61,
                              tftp_server_name = 66, bootfile_name = 67, user_class = 77, relay_agent_info = 82,
                              client_system_arch = 93, client_ndi = 94, client_uuid = 97, end = 255;
}

/// An ordered list of DHCP options: code → value bytes (after RFC 3396 concatenation).
/// Value type; not thread-safe for concurrent mutation.
class dhcp_options {
 public:
  using entry = std::pair<std::uint8_t, std::vector<std::uint8_t>>;

  /// The option's bytes, or nullopt if absent.
  std::optional<std::span<const std::uint8_t>> find(std::uint8_t code) const noexcept {
    for (const auto& e : entries_)
      if (e.first == code) return std::span<const std::uint8_t>(e.second);
    return std::nullopt;
  }
  bool contains(std::uint8_t code) const noexcept { return find(code).has_value(); }
  /// Sets (replaces) an option, keeping the position of an existing one.
  void set(std::uint8_t code, std::vector<std::uint8_t> value) {
    for (auto& e : entries_)
      if (e.first == code) {
        e.second = std::move(value);
        return;
      }
    entries_.emplace_back(code, std::move(value));
  }
  void set_string(std::uint8_t code, std::string_view s) { set(code, std::vector<std::uint8_t>(s.begin(), s.end())); }
  void set_u8(std::uint8_t code, std::uint8_t v) { set(code, {v}); }
  void set_u16(std::uint8_t code, std::uint16_t v) { set(code, {std::uint8_t(v >> 8), std::uint8_t(v)}); }
  void set_u32(std::uint8_t code, std::uint32_t v) {
    set(code, {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)});
  }
  void set_address(std::uint8_t code, ipv4_address a) { set_u32(code, a.to_uint()); }
  void erase(std::uint8_t code) noexcept {
    std::erase_if(entries_, [code](const entry& e) { return e.first == code; });
  }
  void clear() noexcept { entries_.clear(); }

  std::optional<std::string> get_string(std::uint8_t code) const {
    auto v = find(code);
    if (!v) return std::nullopt;
    return std::string(v->begin(), v->end());
  }
  std::optional<std::uint8_t> get_u8(std::uint8_t code) const noexcept {
    auto v = find(code);
    if (!v || v->size() != 1) return std::nullopt;
    return (*v)[0];
  }
  std::optional<std::uint16_t> get_u16(std::uint8_t code) const noexcept {
    auto v = find(code);
    if (!v || v->size() != 2) return std::nullopt;
    return std::uint16_t((*v)[0] << 8 | (*v)[1]);
  }
  std::optional<std::uint32_t> get_u32(std::uint8_t code) const noexcept {
    auto v = find(code);
    if (!v || v->size() != 4) return std::nullopt;
    return std::uint32_t((*v)[0]) << 24 | std::uint32_t((*v)[1]) << 16 | std::uint32_t((*v)[2]) << 8 | (*v)[3];
  }
  std::optional<ipv4_address> get_address(std::uint8_t code) const noexcept {
    auto v = get_u32(code);
    if (!v) return std::nullopt;
    return ipv4_address(*v);
  }

  const std::vector<entry>& entries() const noexcept { return entries_; }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<entry> entries_;
};

/// A decoded BOOTP/DHCP message (RFC 2131 §2). Value type.
struct dhcp_message {
  std::uint8_t op = 0;  ///< 1 BOOTREQUEST, 2 BOOTREPLY
  std::uint8_t htype = 1;
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;  ///< bit 15: BROADCAST (RFC 2131 §2, figure 2)
  ipv4_address ciaddr, yiaddr, siaddr, giaddr;
  std::array<std::uint8_t, 16> chaddr{};
  std::string sname;  ///< server host name (≤ 63 bytes on the wire)
  std::string file;   ///< boot file name (≤ 127 bytes on the wire)
  dhcp_options options;

  static constexpr std::uint16_t broadcast_flag = 0x8000;

  dhcp_message_type type() const noexcept {
    auto t = options.get_u8(dhcp_option::message_type);
    return t && *t >= 1 && *t <= 8 ? dhcp_message_type(*t) : dhcp_message_type::none;
  }
  void set_type(dhcp_message_type t) { options.set_u8(dhcp_option::message_type, std::uint8_t(t)); }
  mac_address mac() const noexcept {
    std::array<std::uint8_t, 6> b{};
    for (std::size_t i = 0; i < 6; ++i) b[i] = chaddr[i];
    return mac_address(b);
  }
};

/// What is known about a client, extracted once by bootfw from its request (RFC 2132, RFC 4578).
/// Value type; given to responders and boot policies.
struct client_facts {
  mac_address mac;
  std::uint8_t htype = 1;
  std::vector<std::uint8_t> client_id;      ///< opt 61, raw (empty if absent)
  std::string vendor_class;                 ///< opt 60, e.g. "PXEClient:Arch:00000:UNDI:002001"
  std::vector<std::uint8_t> user_class;     ///< opt 77 raw bytes (iPXE sends "iPXE")
  std::vector<std::uint16_t> architectures; ///< opt 93 (RFC 4578 §2.1): 0 BIOS, 7 EFI x64 …
  std::optional<std::array<std::uint8_t, 3>> ndi;   ///< opt 94
  std::vector<std::uint8_t> uuid;           ///< opt 97 raw (type byte 0 + 16 bytes)
  std::string requested_host_name;          ///< opt 12 as sent (may be binary; treat as untrusted)
  ipv4_address relay;                       ///< giaddr (0 when not relayed)
  std::vector<std::uint8_t> relay_info;     ///< opt 82 raw
  std::string interface;                    ///< receiving interface name ("" in explain mode)
  ipv4_address interface_address;           ///< address of the receiving interface (server identifier)
  ipv4_address interface_netmask;
  /// The request reached bootfw at a broadcast address (255.255.255.255 or the interface's directed
  /// broadcast), not at one of its own: RFC 2131 §4.3.2 tells a REBINDING client (broadcast) from a
  /// RENEWING one (unicast to its server) by this alone. False when relayed or unknown (`bootfw explain`).
  bool broadcast = false;
  /// Every option of the request as received, for policies that evaluate expressions on any option (an
  /// ISC class `match if exists dhcp-max-message-size`). Empty when the facts were made by hand
  /// (`bootfw explain`): then only the fields above are known.
  dhcp_options options;

  /// user class as text ("iPXE"); RFC 3004 length-prefixed forms are unwrapped.
  std::string user_class_text() const {
    if (!user_class.empty() && user_class[0] + 1u == user_class.size())
      return std::string(user_class.begin() + 1, user_class.end());
    return std::string(user_class.begin(), user_class.end());
  }
  bool is_pxe_client() const noexcept { return vendor_class.rfind("PXEClient", 0) == 0; }
};

/// What to boot (the boot-policy's answer). Value type.
struct boot_decision {
  bool boot = true;                ///< false: this client must not be given a boot file
  std::string filename;            ///< BOOTP `file` / opt 67
  std::optional<ipv4_address> next_server;  ///< siaddr
  std::string server_name;         ///< BOOTP `sname` / opt 66
  dhcp_options options;            ///< extra options to include (e.g. 60 "PXEClient", 43 vendor options)
  std::string reason;              ///< one line for logs and `bootfw explain`
};

}  // namespace abi_v1
}  // namespace bootfw::sdk
