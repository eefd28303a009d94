// The responder test fixture: the isc-dhcp plugin started on a fake host with a temporary state directory,
// the seed's dhcpd.conf or a given one, and helpers that run requests and complete deferred ACKs.
#pragma once

#include <gtest/gtest.h>

#include "isc_dhcp_test_support.hpp"
#include "isc_plugin.hpp"

namespace bootfw::plugin_isc_dhcp::test {

using sdk::dhcp_message_type;
using sdk::ipv4_address;
using sdk::verdict;
using sdk::testing::config_node;

inline const std::string rambox = "08:00:07:26:c0:a5";
inline const ipv4_address rambox_ip(192, 168, 24, 203);

// A dynamic network for the allocation rules (the seed itself only serves its one host).
inline const std::string dynamic_conf = R"(
default-lease-time 1000;
subnet 192.168.24.0 netmask 255.255.255.0 {
  option routers 192.168.24.1;
  pool {
    range 192.168.24.10 192.168.24.11;
    default-lease-time 600;
    max-lease-time 900;
    allow unknown clients;
  }
}
)";

struct responder_fixture : ::testing::Test {
  std::string dir = [] {
    std::string t = std::filesystem::temp_directory_path() / "bootfw-iscdhcp-XXXXXX";
    return std::string(::mkdtemp(t.data()));
  }();
  sdk::testing::fake_host host;
  std::unique_ptr<isc_dhcp_plugin> plugin;

  responder_fixture() {
    host.state_dir = dir;
    host.on_decide_boot = test::pxe_decision;
  }
  ~responder_fixture() override {
    plugin.reset();
    std::filesystem::remove_all(dir);
  }
  leases::file_ops ops;
  void start(config_node::table_t extra = {}, std::string conf_text = {}) {
    plugin.reset();
    std::string conf = std::string(BOOTFW_SOURCE_DIR) + "/examples/rambox/dhcpd.conf";
    if (!conf_text.empty()) {
      conf = dir + "/dhcpd.conf";
      std::ofstream(conf) << conf_text;
    }
    extra.emplace_back("dhcpd_conf", conf);
    auto cfg = config_node::table(extra);
    plugin = std::make_unique<isc_dhcp_plugin>();
    plugin->configure(host, cfg);
    plugin->use_file_ops(ops);
    plugin->start();
  }
  struct outcome {
    verdict v;
    sdk::dhcp_message reply;
    test::fake_request req;
  };
  outcome run(test::fake_request r) {
    auto reply = prefilled(r);
    auto v = plugin->handle(r, reply);
    return {v, std::move(reply), std::move(r)};
  }
  // Completes a deferred ACK the way bootfw would after the flush.
  std::optional<sdk::dhcp_message> finish(outcome& o) {
    EXPECT_EQ(o.v, verdict::defer);
    if (!o.req.deferred) return std::nullopt;
    host.run_pending();
    return o.req.deferred->sent;
  }
  test::fake_request selecting(std::string_view mac, ipv4_address a, bool pxe = true) {
    auto r = make_request(dhcp_message_type::request, mac, pxe);
    r.msg.options.set_address(opt::server_identifier, test::server_address);
    r.msg.options.set_address(opt::requested_address, a);
    return r;
  }
  sdk::dhcp_message acked(std::string_view mac, ipv4_address a, bool pxe = true) {
    auto o = run(selecting(mac, a, pxe));
    auto sent = finish(o);
    EXPECT_TRUE(sent) << "no ACK for " << mac;
    return sent.value_or(sdk::dhcp_message{});
  }
};

}  // namespace bootfw::plugin_isc_dhcp::test
