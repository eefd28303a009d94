// Where a DHCP reply goes: RFC 2131 §4.1, "the server ... if the 'giaddr' field ... is nonzero ...".
#pragma once

#include <bootfw/sdk/dhcp.hpp>
#include <bootfw/sdk/net.hpp>

namespace bootfw::dhcp {

enum class delivery_kind {
  relay,              ///< giaddr ≠ 0: to the relay agent (server port 67)
  unicast_ciaddr,     ///< ciaddr ≠ 0: the client has an address (RENEWING, INFORM)
  broadcast,          ///< broadcast flag set, a NAK, or nothing else is possible
  unicast_needs_arp,  ///< to yiaddr at chaddr: the client has no address yet, so the kernel needs an ARP entry
};

struct delivery_plan {
  delivery_kind kind = delivery_kind::broadcast;
  sdk::udp_endpoint to;  ///< the address; the caller sets the port (client or relay port)
};

delivery_plan plan_delivery(const sdk::dhcp_message& request, const sdk::dhcp_message& reply);

}  // namespace bootfw::dhcp
