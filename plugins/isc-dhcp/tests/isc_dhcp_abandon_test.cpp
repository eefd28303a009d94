// Abandoned (DECLINEd) addresses and the lease sweep, on the fake host's clock: abandoned for the abandon
// time then free, handed out before that only as ISC's last resort or to a client that REQUESTs one, the
// sweep frees expired leases a bounded number of addresses per tick, and a restart keeps the rules.
#include <gtest/gtest.h>

#include <map>

#include "isc_dhcp_fixture.hpp"

namespace bootfw::plugin_isc_dhcp {
namespace {

using namespace test;
using namespace std::chrono_literals;

const std::string three_addresses = R"(
subnet 192.168.24.0 netmask 255.255.255.0 {
  pool {
    range 192.168.24.10 192.168.24.12;
    default-lease-time 86400;
    allow unknown clients;
  }
}
)";
const ipv4_address a10(192, 168, 24, 10), a11(192, 168, 24, 11), a12(192, 168, 24, 12);

struct abandon_fixture : responder_fixture {
  std::int64_t wall() const {
    return std::chrono::duration_cast<std::chrono::seconds>(host.wall_now().time_since_epoch()).count();
  }
  ipv4_address offer(const std::string& mac) {
    auto o = run(make_request(dhcp_message_type::discover, mac, false));
    EXPECT_EQ(o.v, verdict::answer) << mac;
    return o.reply.yiaddr;
  }
  void decline(const std::string& mac, ipv4_address a) {
    auto r = make_request(dhcp_message_type::decline, mac, false);
    r.msg.options.set_address(opt::requested_address, a);
    EXPECT_EQ(run(std::move(r)).v, verdict::drop);
    host.run_pending();
  }
  // One tick per second of the fake clock (advance() fires a due timer once).
  void seconds_pass(int n) {
    for (int i = 0; i < n; ++i) host.advance(1s);
  }
};

TEST_F(abandon_fixture, declined_address_is_kept_for_the_abandon_time_then_free_again) {
  start({{"abandon_lease_seconds", 600}}, three_addresses);
  ASSERT_EQ(offer("52:54:00:00:00:01"), a10);
  decline("52:54:00:00:00:01", a10);
  auto l = plugin->store()->find(a10);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->state, leases::lease_state::abandoned);
  EXPECT_EQ(l->ends - l->starts, 600);
  EXPECT_TRUE(host.logged("abandoned for 600 s"));

  acked("52:54:00:00:00:02", a11, false);
  seconds_pass(300);
  EXPECT_EQ(offer("52:54:00:00:00:01"), a12);  // not its declined address, nor anyone's while .12 is free
  acked("52:54:00:00:00:01", a12, false);

  seconds_pass(301);  // abandon time up; the sweep freed it, so it is simply the free address
  EXPECT_EQ(offer("52:54:00:00:00:03"), a10);
  EXPECT_FALSE(host.logged("Reclaiming"));
}

TEST_F(abandon_fixture, abandon_time_comes_from_dhcpd_conf_unless_the_key_sets_it) {
  start({}, "abandon-lease-time 120;\n" + three_addresses);
  ASSERT_EQ(offer("52:54:00:00:00:01"), a10);
  decline("52:54:00:00:00:01", a10);
  EXPECT_EQ(plugin->store()->find(a10)->ends - plugin->store()->find(a10)->starts, 120);
  start({{"abandon_lease_seconds", 60}}, "abandon-lease-time 120;\n" + three_addresses);
  ASSERT_EQ(offer("52:54:00:00:00:02"), a11);
  decline("52:54:00:00:00:02", a11);
  EXPECT_EQ(plugin->store()->find(a11)->ends - plugin->store()->find(a11)->starts, 60);
}

TEST_F(abandon_fixture, abandoned_address_is_the_last_resort_when_nothing_else_is_free) {
  start({}, three_addresses);  // default abandon time: 86400 s
  ASSERT_EQ(offer("52:54:00:00:00:01"), a10);
  decline("52:54:00:00:00:01", a10);
  EXPECT_EQ(plugin->store()->find(a10)->ends - plugin->store()->find(a10)->starts, 86400);
  acked("52:54:00:00:00:02", a11, false);
  acked("52:54:00:00:00:03", a12, false);
  EXPECT_FALSE(host.logged("Reclaiming"));

  EXPECT_EQ(offer("52:54:00:00:00:04"), a10);
  EXPECT_TRUE(host.logged("Reclaiming abandoned lease 192.168.24.10"));
  acked("52:54:00:00:00:04", a10, false);
  EXPECT_TRUE(host.logged("Reclaiming REQUESTed abandoned IP address 192.168.24.10"));
  auto l = plugin->store()->find(a10);
  EXPECT_EQ(l->state, leases::lease_state::active);
  EXPECT_EQ(l->mac.to_string(), "52:54:00:00:00:04");
  // Full now, and nothing abandoned is left to reclaim.
  EXPECT_EQ(run(make_request(dhcp_message_type::discover, "52:54:00:00:00:05", false)).v, verdict::drop);
}

// RFC 2131 §4.3.3: a declined address is not available. Found by probing: another client's INIT-REBOOT
// for it was ACKed at once ("Reclaiming REQUESTed abandoned IP address"), where ISC dhcpd 4.4.3 gives it
// to nobody who merely asks.
TEST_F(abandon_fixture, a_client_requesting_an_abandoned_address_is_refused_it) {
  start({{"authoritative", true}}, three_addresses);
  ASSERT_EQ(offer("52:54:00:00:00:01"), a10);
  decline("52:54:00:00:00:01", a10);
  for (auto mac : {"52:54:00:00:00:07", "52:54:00:00:00:01"}) {  // another client, then the one that declined
    auto r = make_request(dhcp_message_type::request, mac, false);  // INIT-REBOOT
    r.msg.options.set_address(opt::requested_address, a10);
    auto o = run(std::move(r));
    ASSERT_EQ(o.v, verdict::answer) << mac;  // a NAK is sent at once; only an ACK waits for the journal
    EXPECT_EQ(o.reply.type(), dhcp_message_type::nak) << mac;
  }
  EXPECT_EQ(plugin->store()->find(a10)->state, leases::lease_state::abandoned);
  EXPECT_FALSE(host.logged("Reclaiming"));
  // The client that declined gets another address on its next DISCOVER.
  EXPECT_EQ(offer("52:54:00:00:00:01"), a11);
}

TEST_F(abandon_fixture, restart_keeps_the_abandon_time_also_for_journals_written_before_it) {
  start({{"abandon_lease_seconds", 600}}, three_addresses);
  ASSERT_EQ(offer("52:54:00:00:00:01"), a10);
  decline("52:54:00:00:00:01", a10);
  // A DECLINE as bootfw wrote it before abandoned leases had an end time: ends == starts.
  leases::lease old;
  old.address = a11;
  old.mac = *sdk::mac_address::parse("52:54:00:00:00:09");
  old.state = leases::lease_state::abandoned;
  old.starts = old.ends = wall() - 100;
  plugin->store()->commit(old, {});
  host.run_pending();

  start({{"abandon_lease_seconds", 600}}, three_addresses);
  EXPECT_EQ(plugin->store()->find(a11)->ends, old.starts + 600);  // abandoned at `starts` for 600 s
  EXPECT_EQ(offer("52:54:00:00:00:02"), a12);
  acked("52:54:00:00:00:02", a12, false);
  seconds_pass(501);  // the old one is free (100 + 501 > 600), the new one is not (501 < 600)
  EXPECT_EQ(offer("52:54:00:00:00:03"), a11);
  EXPECT_FALSE(host.logged("Reclaiming"));
  seconds_pass(100);
  start({{"abandon_lease_seconds", 600}}, three_addresses);
  EXPECT_EQ(host.gauge_value("dhcp_free_addresses"), 2);  // .10 (abandon time up) and .11 (offer gone)
}

// A pool larger than one tick's work: 10 240 addresses, all leased, all expiring together.
TEST_F(abandon_fixture, the_sweep_frees_expired_leases_a_bounded_number_per_tick_and_publishes_the_free_count) {
  const std::string big = R"(
subnet 192.168.0.0 netmask 255.255.0.0 {
  pool {
    range 192.168.32.0 192.168.71.255;
    allow unknown clients;
  }
}
)";
  start({}, big);
  EXPECT_EQ(host.gauge_value("dhcp_free_addresses"), 10240);
  const std::uint32_t first = ipv4_address(192, 168, 32, 0).to_uint();
  for (std::uint32_t i = 0; i < 10240; ++i) {
    leases::lease l;
    l.address = ipv4_address(first + i);
    l.mac = sdk::mac_address({0x02, 0, 0, 0, std::uint8_t(i >> 8), std::uint8_t(i)});
    l.starts = wall();
    l.ends = l.starts + 100;
    plugin->store()->commit(l, {});
  }
  host.run_pending();
  start({}, big);  // the restarted responder marks them busy from the journal
  EXPECT_EQ(host.gauge_value("dhcp_free_addresses"), 0);

  host.advance(101s);  // all expired; the first tick
  EXPECT_EQ(host.counter_value("dhcp_sweep_freed_total"), 4096u);
  EXPECT_EQ(host.gauge_value("dhcp_free_addresses"), 0);  // no full pass yet
  host.advance(1s);
  EXPECT_EQ(host.counter_value("dhcp_sweep_freed_total"), 8192u);
  host.advance(1s);  // the pass ends
  EXPECT_EQ(host.counter_value("dhcp_sweep_freed_total"), 10240u);
  EXPECT_EQ(host.gauge_value("dhcp_free_addresses"), 10240);

  // Leased again: the next full pass counts them as taken, and frees nothing more.
  const auto a = offer("52:54:00:00:00:01");
  acked("52:54:00:00:00:01", a, false);
  seconds_pass(3);
  EXPECT_EQ(host.gauge_value("dhcp_free_addresses"), 10239);
  EXPECT_EQ(host.counter_value("dhcp_sweep_freed_total"), 10240u);
}

}  // namespace
}  // namespace bootfw::plugin_isc_dhcp
