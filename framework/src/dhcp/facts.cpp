#include "dhcp/facts.hpp"

namespace bootfw::dhcp {

namespace opt = sdk::dhcp_option;

sdk::client_facts extract_facts(const sdk::dhcp_message& m) {
  sdk::client_facts f;
  f.mac = m.mac();
  f.htype = m.htype;
  f.relay = m.giaddr;
  auto raw = [&](std::uint8_t code) {
    auto v = m.options.find(code);
    return v ? std::vector<std::uint8_t>(v->begin(), v->end()) : std::vector<std::uint8_t>{};
  };
  f.client_id = raw(opt::client_identifier);
  f.user_class = raw(opt::user_class);
  f.relay_info = raw(opt::relay_agent_info);
  if (auto v = m.options.get_string(opt::vendor_class_identifier)) f.vendor_class = *v;
  if (auto v = m.options.get_string(opt::host_name)) f.requested_host_name = *v;
  // RFC 4578 §2.1: a list of 16-bit architecture types.
  if (auto v = m.options.find(opt::client_system_arch); v && !v->empty() && v->size() % 2 == 0)
    for (std::size_t i = 0; i < v->size(); i += 2) f.architectures.push_back(std::uint16_t((*v)[i] << 8 | (*v)[i + 1]));
  // RFC 4578 §2.2: type (1 = UNDI), major, minor.
  if (auto v = m.options.find(opt::client_ndi); v && v->size() == 3) f.ndi = std::array{(*v)[0], (*v)[1], (*v)[2]};
  // RFC 4578 §2.3: type 0 followed by a 16-byte UUID/GUID.
  if (auto v = m.options.find(opt::client_uuid); v && v->size() == 17 && (*v)[0] == 0) f.uuid = raw(opt::client_uuid);
  f.options = m.options;
  return f;
}

bool is_broadcast_destination(sdk::ipv4_address destination, sdk::ipv4_address interface_address,
                              sdk::ipv4_address interface_netmask) noexcept {
  if (destination.is_broadcast()) return true;
  // A /32 (or /31) has no directed broadcast; 0.0.0.0 means "not known".
  if (interface_address.is_unspecified() || interface_netmask.to_uint() >= 0xfffffffeu) return false;
  return destination.to_uint() == (interface_address.to_uint() | ~interface_netmask.to_uint());
}

sdk::ipv4_address server_address_for(sdk::ipv4_address destination, sdk::ipv4_address interface_address,
                                     sdk::ipv4_address interface_netmask) noexcept {
  // A broadcast destination is nobody's address: as opt 54 the client would send its REQUEST to it, and as
  // the reply's source the kernel refuses it.
  if (destination.is_unspecified() || is_broadcast_destination(destination, interface_address, interface_netmask))
    return interface_address;
  return destination;
}

}  // namespace bootfw::dhcp
