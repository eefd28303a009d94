// Fakes for driving the isc-dhcp plugin: a request with a capturing deferred reply, and a PXE boot policy.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <bootfw/sdk/plugin.hpp>
#include <bootfw/sdk/testing.hpp>

namespace bootfw::plugin_isc_dhcp::test {

namespace opt = sdk::dhcp_option;

struct captured_reply final : sdk::deferred_reply {
  std::optional<sdk::dhcp_message> sent;
  std::string dropped;
  void send(sdk::dhcp_message reply) noexcept override { sent = std::move(reply); }
  void drop(std::string_view reason) noexcept override { dropped = reason; }
};

struct fake_request final : sdk::dhcp_request {
  sdk::dhcp_message msg;
  sdk::client_facts client;
  bool dry = false;
  std::vector<std::string> notes;
  std::shared_ptr<captured_reply> deferred;

  const sdk::dhcp_message& message() const noexcept override { return msg; }
  const sdk::client_facts& facts() const noexcept override { return client; }
  bool dry_run() const noexcept override { return dry; }
  void note(std::string_view line) noexcept override { notes.emplace_back(line); }
  std::shared_ptr<sdk::deferred_reply> defer() override {
    deferred = std::make_shared<captured_reply>();
    return deferred;
  }
  bool noted(std::string_view needle) const {
    for (auto& n : notes)
      if (n.find(needle) != std::string::npos) return true;
    return false;
  }
};

inline const sdk::ipv4_address server_address(192, 168, 24, 202);

/// A request as bootfw would hand it over: decoded message plus facts, received on 192.168.24.202/24.
inline fake_request make_request(sdk::dhcp_message_type type, std::string_view mac, bool pxe = true) {
  fake_request r;
  r.msg.op = 1;
  r.msg.xid = 0x1234;
  const auto m = *sdk::mac_address::parse(mac);
  std::copy(m.bytes().begin(), m.bytes().end(), r.msg.chaddr.begin());
  r.msg.set_type(type);
  r.client.mac = m;
  r.client.interface = "br0";
  r.client.interface_address = server_address;
  r.client.interface_netmask = sdk::ipv4_address(255, 255, 255, 0);
  if (pxe) {
    r.client.vendor_class = "PXEClient:Arch:00000:UNDI:002001";
    r.msg.options.set_string(opt::vendor_class_identifier, r.client.vendor_class);
  }
  return r;
}

/// bootfw's pre-filled reply (plugin.hpp: dhcp_responder::handle).
inline sdk::dhcp_message prefilled(const fake_request& r) {
  sdk::dhcp_message reply;
  reply.op = 2;
  reply.xid = r.msg.xid;
  reply.chaddr = r.msg.chaddr;
  reply.giaddr = r.msg.giaddr;
  reply.flags = r.msg.flags;
  reply.options.set_address(opt::server_identifier, server_address);
  return reply;
}

/// The seed's class "pxeclients" as a boot policy would answer it.
inline sdk::boot_decision pxe_decision(const sdk::client_facts& f) {
  sdk::boot_decision d;
  if (!f.is_pxe_client()) {
    d.boot = false;
    d.reason = "not a PXE client";
    return d;
  }
  d.filename = "pxelinux.0";
  d.next_server = server_address;
  d.options.set_string(opt::vendor_class_identifier, "PXEClient");
  d.options.set(opt::vendor_specific, {1, 4, 0, 0, 0, 0});
  d.reason = "class pxeclients";
  return d;
}

}  // namespace bootfw::plugin_isc_dhcp::test
