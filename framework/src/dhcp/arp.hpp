// A permanent-until-replaced ARP entry yiaddr → chaddr, so a unicast reply reaches a client that has no
// address yet and cannot answer ARP (RFC 2131 §4.1). dnsmasq does the same with SIOCSARP.
#pragma once

#include <bootfw/sdk/net.hpp>

#include <string>

namespace bootfw::dhcp {

/// Needs CAP_NET_ADMIN; false with `error` set otherwise (the caller then broadcasts).
bool set_arp_entry(int socket_fd, const std::string& interface, sdk::ipv4_address address, const sdk::mac_address& mac,
                   std::string& error);

}  // namespace bootfw::dhcp
