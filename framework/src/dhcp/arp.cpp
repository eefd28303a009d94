#include "dhcp/arp.hpp"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace bootfw::dhcp {

bool set_arp_entry(int fd, const std::string& interface, sdk::ipv4_address address, const sdk::mac_address& mac,
                   std::string& error) {
  if (fd < 0 || interface.empty() || interface.size() >= sizeof(arpreq{}.arp_dev)) {
    error = interface.empty() ? "receiving interface unknown" : "interface name too long";
    return false;
  }
  arpreq req{};
  auto* pa = reinterpret_cast<sockaddr_in*>(&req.arp_pa);
  pa->sin_family = AF_INET;
  pa->sin_addr.s_addr = htonl(address.to_uint());
  req.arp_ha.sa_family = ARPHRD_ETHER;
  std::memcpy(req.arp_ha.sa_data, mac.bytes().data(), 6);
  req.arp_flags = ATF_COM;
  std::memcpy(req.arp_dev, interface.c_str(), interface.size() + 1);
  if (::ioctl(fd, SIOCSARP, &req) != 0) {
    error = std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace bootfw::dhcp
