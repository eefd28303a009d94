// The pxelinux configuration search order (syslinux doc/pxelinux.txt, "HOW TO CONFIGURE PXELINUX"):
//   1. the client UUID (DHCP option 97, RFC 4578 §2.5), lower-case 8-4-4-4-12 hex
//   2. the ARP hardware type and address, lower-case hex with dashes: "01-88-99-aa-bb-cc-dd"
//   3. the IPv4 address in upper-case hex ("C000025B"), then dropping one hex digit at a time to one digit
//   4. "default"
// Shared by the pxelinux config-resolver, the `bootfw hxip` tool and `bootfw explain` (which models the
// client). Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bootfw/sdk/net.hpp>

namespace bootfw::pxelinux {

using uuid_bytes = std::array<std::uint8_t, 16>;

/// What pxelinux knows of itself when it searches.
struct client_identity {
  std::optional<uuid_bytes> uuid;
  std::optional<sdk::mac_address> mac;
  std::uint8_t hardware_type = 1;  ///< ARP hardware type (1 = Ethernet, RFC 1700)
  std::optional<sdk::ipv4_address> address;
};

/// "C0A818CB" for 192.168.24.203 (8 upper-case hex digits, leading zeros kept).
std::string hex_ip(sdk::ipv4_address address);
/// "01-08-00-07-26-c0-a5".
std::string hardware_name(const sdk::mac_address& mac, std::uint8_t hardware_type = 1);
/// "b8945908-d6a6-41a9-611d-74a6ab80b83d": the bytes in the order the client sent them, as pxelinux prints.
std::string uuid_name(const uuid_bytes& uuid);

/// The UUID of a raw option 97 value: pxelinux uses it only when it is 17 bytes with type 0 (RFC 4578 §2.5).
std::optional<uuid_bytes> uuid_from_option(std::span<const std::uint8_t> option97);
/// Parses "b8945908-d6a6-41a9-611d-74a6ab80b83d" (any case); also accepts 32 hex digits without dashes.
std::optional<uuid_bytes> parse_uuid(std::string_view text);

/// The file names pxelinux tries, in order, without the "pxelinux.cfg/" directory.
std::vector<std::string> search_order(const client_identity& client);

/// What a requested config file name says about the client that asks for it.
struct name_facts {
  enum class kind { uuid, hardware, hex_ip, default_file, other } what = kind::other;
  std::optional<uuid_bytes> uuid;
  std::optional<sdk::mac_address> mac;
  std::uint8_t hardware_type = 1;
  std::optional<sdk::ipv4_address> address;  ///< only for a full 8-digit hex IP
};
/// Classifies a name exactly as pxelinux would write it (lower-case UUID and MAC, upper-case hex IP).
name_facts classify_name(std::string_view name);

}  // namespace bootfw::pxelinux
