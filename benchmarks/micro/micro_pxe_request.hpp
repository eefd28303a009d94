// A relayed PXE DISCOVER as an Intel PXE 2.1 ROM sends it, shared by the micro-benchmarks.
#pragma once

#include <bootfw/sdk/dhcp.hpp>

namespace bootfw::micro {

inline sdk::client_facts pxe_facts(std::uint32_t index = 1) {
  sdk::client_facts f;
  f.mac = sdk::mac_address(std::array<std::uint8_t, 6>{0x02, 0xbf, std::uint8_t(index >> 24), std::uint8_t(index >> 16), std::uint8_t(index >> 8),
                            std::uint8_t(index)});
  f.vendor_class = "PXEClient:Arch:00000:UNDI:002001";
  f.architectures = {0};
  f.ndi = std::array<std::uint8_t, 3>{1, 2, 1};
  f.uuid.assign(17, 0x5a);
  f.uuid[0] = 0;
  f.relay = sdk::ipv4_address(10, 100, 0, 1);
  f.interface_address = sdk::ipv4_address(10, 99, 0, 1);
  f.interface_netmask = sdk::ipv4_address(255, 255, 255, 0);
  return f;
}

inline sdk::dhcp_message pxe_discover() {
  sdk::dhcp_message m;
  m.op = 1;
  m.hops = 1;
  m.xid = 0x12345678;
  m.giaddr = sdk::ipv4_address(10, 100, 0, 1);
  m.chaddr = {0x02, 0xbf, 0, 0, 0, 1};
  m.options.set_u8(sdk::dhcp_option::message_type, 1);
  m.options.set_u16(sdk::dhcp_option::max_message_size, 1260);
  m.options.set(sdk::dhcp_option::client_system_arch, {0, 0});
  m.options.set(sdk::dhcp_option::client_ndi, {1, 2, 1});
  std::vector<std::uint8_t> uuid(17, 0x5a);
  uuid[0] = 0;
  m.options.set(sdk::dhcp_option::client_uuid, uuid);
  m.options.set_string(sdk::dhcp_option::vendor_class_identifier, "PXEClient:Arch:00000:UNDI:002001");
  m.options.set(sdk::dhcp_option::parameter_request_list,
                {1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135});
  return m;
}

}  // namespace bootfw::micro
