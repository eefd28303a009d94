// SIGKILL while clients are being acknowledged: every DHCPACK a client received must be in the lease
// table recovered from the journal (ARCHITECTURE.md "State and durability"). Runs the real bootfw on
// loopback in relay mode (giaddr 127.0.0.1, replies to the relay port = our socket) 20 times on one
// state directory, so recovery after recovery (and compaction) is exercised too.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/testing.hpp>

#include "../../../tests/support/dhcp_packets.hpp"
#include "../../../tests/support/test_support.hpp"
#include "isc_dhcp_process_config.hpp"

namespace {

using bootfw::test::dhcp_packet_spec;
using bootfw::test::udp_client;

constexpr std::uint32_t loopback = 0x7f000001;

std::vector<std::uint8_t> opt_u32(std::uint8_t code, std::uint32_t v) {
  return {code, 4, std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
}

using server_process = bootfw::test::bootfw_process;

struct client_run {
  udp_client sock;
  std::uint16_t server_port;
  std::uint8_t round;
  std::map<std::uint32_t, std::uint32_t> acked;  // client number → address

  dhcp_packet_spec spec(std::uint32_t n, std::uint8_t type) const {
    dhcp_packet_spec s;
    s.type = type;
    s.mac = {0x02, round, std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n), 0x01};
    s.xid = std::uint32_t(round) << 24 | n;
    s.giaddr = loopback;
    s.vendor_class.clear();
    return s;
  }
  // One reply of `type` for `xid`, or nothing within the timeout; other datagrams are skipped.
  std::optional<bootfw::test::dhcp_reply_view> wait(std::uint32_t xid, std::uint8_t type, int timeout_ms) {
    while (auto b = sock.receive(timeout_ms)) {
      auto v = bootfw::test::parse_dhcp_reply(*b);
      if (!v) continue;
      if (v->type == 5 && v->xid >> 24 == round) acked[v->xid & 0xffffff] = v->yiaddr;  // any ACK counts
      if (v->xid == xid && v->type == type) return v;
    }
    return std::nullopt;
  }
  /// DORA for client n; false when the server stopped answering.
  bool dora(std::uint32_t n, int timeout_ms) {
    auto d = spec(n, 1);
    auto bytes = bootfw::test::dhcp_request_bytes(d);
    sock.send(bytes.data(), bytes.size(), server_port);
    auto offer = wait(d.xid, 2, timeout_ms);
    if (!offer) return false;
    auto r = spec(n, 3);
    r.extra_options.push_back(opt_u32(50, offer->yiaddr));
    for (auto& [code, value] : offer->options)
      if (code == 54 && value.size() == 4) r.extra_options.push_back({54, 4, value[0], value[1], value[2], value[3]});
    bytes = bootfw::test::dhcp_request_bytes(r);
    sock.send(bytes.data(), bytes.size(), server_port);
    return wait(r.xid, 5, timeout_ms).has_value();
  }
};

TEST(isc_dhcp_crash, sigkill_never_loses_an_acknowledged_lease) {
  bootfw::test::temp_dir dir;
  const std::string state = dir.str() + "/state";
  dir.write("dhcpd.conf", R"(
default-lease-time 3600;
subnet 127.0.0.0 netmask 255.0.0.0 {
  pool {
    range 127.1.0.1 127.1.255.254;
    allow unknown clients;
  }
}
)");
  std::mt19937 rng(12345);
  std::size_t total_acked = 0;
  for (int round = 1; round <= 20; ++round) {
    client_run clients{udp_client(), 0, std::uint8_t(round), {}};
    const std::uint16_t server_port = udp_client().port();
    clients.server_port = server_port;
    const std::string toml = bootfw::plugin_isc_dhcp::test::write_plugins_toml(
        dir, {.state_directory = state, .port = server_port, .relay_port = clients.sock.port(), .log_level = "warn",
              .threads = 2});
    server_process server(toml);
    // Wait until it answers (the first DORA doubles as the readiness probe).
    bool up = false;
    for (int i = 0; i < 50 && !up; ++i) up = clients.dora(0, 200);
    ASSERT_TRUE(up) << "bootfw did not answer in round " << round;

    std::atomic<bool> stop{false};
    std::thread load([&] {
      for (std::uint32_t n = 1; !stop && n < 0xffffff; ++n)
        if (!clients.dora(n, 300)) break;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    server.kill9();
    stop = true;
    load.join();
    while (clients.wait(0xffffffff, 0, 50)) {
    }  // ACKs already in our socket buffer were received too

    bootfw::sdk::testing::fake_host host;
    bootfw::leases::store_options o;
    o.directory = state + "/dhcp";  // the instance's state directory: <state_directory>/<name>
    bootfw::leases::lease_store recovered(host, o);
    for (auto [n, address] : clients.acked) {
      auto l = recovered.find(bootfw::sdk::ipv4_address(address));
      ASSERT_TRUE(l) << "round " << round << ": ACKed " << bootfw::sdk::ipv4_address(address).to_string()
                     << " missing after SIGKILL";
      EXPECT_EQ(l->mac, bootfw::sdk::mac_address(clients.spec(n, 5).mac)) << "round " << round;
      EXPECT_EQ(l->state, bootfw::leases::lease_state::active);
    }
    total_acked += clients.acked.size();
  }
  RecordProperty("acks_checked", std::to_string(total_acked));
  EXPECT_GT(total_acked, 20u) << "the load never got going: the test proved nothing";
}

}  // namespace
