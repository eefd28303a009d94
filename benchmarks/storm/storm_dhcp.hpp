// The DHCP side of a simulated PXE ROM: builds DISCOVER/REQUEST as a relay agent forwards them and reads
// OFFER/ACK. Written from the RFCs, independent of bootfw's codec, so the same bytes measure every server.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace storm {

using mac_address = std::array<std::uint8_t, 6>;

/// What a PXE client puts in every request (RFC 4578 §2.1-2.3, PXE 2.1 spec).
struct pxe_identity {
  mac_address mac{};
  std::array<std::uint8_t, 16> uuid{};
  std::uint32_t xid = 0;
};

/// The fields of an OFFER/ACK the client acts on.
struct dhcp_reply {
  std::uint8_t type = 0;          ///< RFC 2132 §9.6 message type
  std::uint32_t xid = 0;
  std::uint32_t yiaddr = 0;       ///< host byte order
  std::uint32_t siaddr = 0;       ///< next-server (RFC 2131 §2)
  std::uint32_t server_id = 0;    ///< opt 54
  std::string file;               ///< `file` field, or opt 67 when the field is empty
};

/// DISCOVER (type 1) or REQUEST (type 3, SELECTING: opt 50 + opt 54, RFC 2131 §4.3.2) as relayed:
/// giaddr set, hops 1 (RFC 1542 §4.1.1). Host byte order addresses.
std::vector<std::uint8_t> build_request(const pxe_identity& id, std::uint8_t type, std::uint32_t giaddr,
                                        std::uint32_t requested = 0, std::uint32_t server_id = 0);

/// Parses a BOOTREPLY; nullopt when it is not one (short, bad cookie, no message type).
std::optional<dhcp_reply> parse_reply(std::span<const std::uint8_t> datagram);

/// 02:bf:xx:xx:xx:xx from a node index (locally administered, RFC 7042 §2.1).
mac_address mac_for(std::uint32_t index);

}  // namespace storm
