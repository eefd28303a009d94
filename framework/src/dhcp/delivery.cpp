#include "dhcp/delivery.hpp"

namespace bootfw::dhcp {

delivery_plan plan_delivery(const sdk::dhcp_message& request, const sdk::dhcp_message& reply) {
  const sdk::ipv4_address broadcast(0xffffffffu);
  // RFC 2131 §4.1 ¶ "If the 'giaddr' field in a DHCP message from a client is non-zero, the server sends
  // any return messages to the 'DHCP server' port on the BOOTP relay agent whose address appears in 'giaddr'."
  if (!request.giaddr.is_unspecified()) return {delivery_kind::relay, {request.giaddr, 0}};
  // "In all cases, when 'giaddr' is zero, the server broadcasts any DHCPNAK messages to 0xffffffff."
  if (reply.type() == sdk::dhcp_message_type::nak) return {delivery_kind::broadcast, {broadcast, 0}};
  // "If the 'giaddr' field is zero and the 'ciaddr' field is nonzero, then the server unicasts DHCPOFFER and
  // DHCPACK messages to the address in 'ciaddr'."
  if (!request.ciaddr.is_unspecified()) return {delivery_kind::unicast_ciaddr, {request.ciaddr, 0}};
  // "If 'giaddr' is zero and 'ciaddr' is zero, and the broadcast bit is set, then the server broadcasts ..."
  if (request.flags & sdk::dhcp_message::broadcast_flag) return {delivery_kind::broadcast, {broadcast, 0}};
  // "... If the broadcast bit is not set ..., then the server unicasts DHCPOFFER and DHCPACK messages to the
  // client's hardware address and 'yiaddr' address." Only possible for Ethernet addresses we can put in ARP.
  if (reply.yiaddr.is_unspecified() || request.htype != 1 || request.hlen != 6)
    return {delivery_kind::broadcast, {broadcast, 0}};
  return {delivery_kind::unicast_needs_arp, {reply.yiaddr, 0}};
}

}  // namespace bootfw::dhcp
