// Client facts: what a request says about its sender, extracted once by the framework so responders and
// boot policies read typed fields instead of raw options (RFC 2132, RFC 3004, RFC 4578, RFC 3046).
#pragma once

#include <bootfw/sdk/dhcp.hpp>

namespace bootfw::dhcp {

/// Never throws on malformed option values: a value of the wrong length is left out of the facts.
sdk::client_facts extract_facts(const sdk::dhcp_message& request);

/// Whether a datagram sent to `destination` was a broadcast on an interface with this address and mask:
/// 255.255.255.255, or the interface's directed broadcast (RFC 919/922). Unknown mask: only the former.
bool is_broadcast_destination(sdk::ipv4_address destination, sdk::ipv4_address interface_address,
                              sdk::ipv4_address interface_netmask) noexcept;

/// The server identifier (opt 54) and reply source for a request received at `destination`: the interface's
/// own address when the request was broadcast (limited or directed, as is_broadcast_destination() decides)
/// or the destination is unknown, the unicast destination otherwise (RFC 2131 §4.1, RFC 2132 §9.7).
sdk::ipv4_address server_address_for(sdk::ipv4_address destination, sdk::ipv4_address interface_address,
                                     sdk::ipv4_address interface_netmask) noexcept;

}  // namespace bootfw::dhcp
