#include "interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace bootfw {

void interface_table::refresh_locked(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_refresh_ < std::chrono::seconds(1)) return;
  last_refresh_ = now;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return;
  std::vector<interface_info> items;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    interface_info info;
    info.name = a->ifa_name;
    info.index = if_nametoindex(a->ifa_name);
    info.address = sdk::ipv4_address(ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr));
    if (a->ifa_netmask)
      info.netmask = sdk::ipv4_address(ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr));
    if (fd >= 0) {
      ifreq req{};
      std::strncpy(req.ifr_name, a->ifa_name, IFNAMSIZ - 1);
      if (ioctl(fd, SIOCGIFMTU, &req) == 0) info.mtu = std::uint32_t(req.ifr_mtu);
    }
    // Keep the first (primary) address of each interface.
    bool seen = false;
    for (auto& i : items) seen = seen || i.index == info.index;
    if (!seen) items.push_back(std::move(info));
  }
  if (fd >= 0) ::close(fd);
  freeifaddrs(list);
  items_ = std::move(items);
}

std::optional<interface_info> interface_table::by_index(std::uint32_t index) {
  std::lock_guard lock(mutex_);
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& i : items_)
      if (i.index == index) return i;
    refresh_locked(pass == 0 && items_.empty());
  }
  return std::nullopt;
}

std::optional<interface_info> interface_table::by_name(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& i : items_)
      if (i.name == name) return i;
    refresh_locked(pass == 0 && items_.empty());
  }
  return std::nullopt;
}

std::optional<interface_info> interface_table::by_subnet(sdk::ipv4_address addr) {
  std::lock_guard lock(mutex_);
  if (items_.empty()) refresh_locked(true);
  for (auto& i : items_)
    if (i.netmask.to_uint() && (i.address.to_uint() & i.netmask.to_uint()) == (addr.to_uint() & i.netmask.to_uint()))
      return i;
  return std::nullopt;
}

}  // namespace bootfw
