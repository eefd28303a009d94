// The isc-dhcp responder on a fake host: the seed's dhcpd.conf answered like ISC dhcpd, and the RFC 2131
// state machine with durable leases.
#include <gtest/gtest.h>

#include "isc_dhcp_fixture.hpp"

namespace bootfw::plugin_isc_dhcp {
namespace {

using sdk::dhcp_message_type;
using sdk::ipv4_address;
using sdk::verdict;
using sdk::testing::config_node;
using test::make_request;
using test::prefilled;
namespace opt = sdk::dhcp_option;

using test::dynamic_conf;
using test::rambox;
using test::rambox_ip;
using test::responder_fixture;

TEST_F(responder_fixture, seed_pxe_client_is_offered_its_fixed_address_like_isc_dhcpd) {
  start();
  auto o = run(make_request(dhcp_message_type::discover, rambox));
  ASSERT_EQ(o.v, verdict::answer);
  const auto& r = o.reply;
  EXPECT_EQ(r.type(), dhcp_message_type::offer);
  EXPECT_EQ(r.yiaddr, rambox_ip);
  EXPECT_EQ(r.options.get_u32(opt::lease_time), 43200u);  // global default: a fixed address has no pool scope
  EXPECT_EQ(r.options.get_string(opt::host_name), "rambox01.home.dev");
  EXPECT_EQ(r.options.get_address(opt::subnet_mask), ipv4_address(255, 255, 255, 0));
  EXPECT_EQ(r.options.get_address(opt::server_identifier), test::server_address);
  EXPECT_EQ(r.file, "pxelinux.0");
  EXPECT_EQ(r.siaddr, test::server_address);
  EXPECT_EQ(r.options.get_string(opt::vendor_class_identifier), "PXEClient");
  EXPECT_TRUE(r.options.contains(opt::vendor_specific));
  EXPECT_FALSE(r.options.contains(opt::renewal_time));  // ISC 4.4 sends no T1/T2 unless configured
  EXPECT_FALSE(r.options.contains(opt::rebinding_time));
}

TEST_F(responder_fixture, parameter_request_list_limits_the_options_like_isc) {
  start();
  auto req = make_request(dhcp_message_type::discover, rambox);
  req.msg.options.set(opt::parameter_request_list, {opt::router, opt::vendor_specific, opt::vendor_class_identifier});
  auto o = run(std::move(req));
  EXPECT_FALSE(o.reply.options.contains(opt::host_name));          // not asked for
  EXPECT_TRUE(o.reply.options.contains(opt::subnet_mask));         // ISC adds it to OFFER/ACK anyway
  EXPECT_TRUE(o.reply.options.contains(opt::vendor_specific));
  EXPECT_TRUE(o.reply.options.contains(opt::lease_time));
}

TEST_F(responder_fixture, unknown_mac_gets_no_offer_and_the_log_says_why) {
  start();
  auto o = run(make_request(dhcp_message_type::discover, "52:54:00:12:34:56"));
  EXPECT_EQ(o.v, verdict::drop);
  EXPECT_TRUE(o.reply.yiaddr.is_unspecified());
  EXPECT_TRUE(host.logged("deny unknown clients")) << "refusal not explained";
  EXPECT_TRUE(o.req.noted("unknown client"));
}

TEST_F(responder_fixture, selecting_request_is_acked_only_after_its_lease_is_durable) {
  start();
  run(make_request(dhcp_message_type::discover, rambox));
  auto o = run(selecting(rambox, rambox_ip));
  ASSERT_EQ(o.v, verdict::defer);
  ASSERT_TRUE(o.req.deferred);
  EXPECT_FALSE(o.req.deferred->sent) << "ACK sent before the journal flush completed";
  host.run_pending();
  ASSERT_TRUE(o.req.deferred->sent);
  const auto& ack = *o.req.deferred->sent;
  EXPECT_EQ(ack.type(), dhcp_message_type::ack);
  EXPECT_EQ(ack.yiaddr, rambox_ip);
  EXPECT_EQ(ack.options.get_u32(opt::lease_time), 43200u);
  EXPECT_EQ(ack.file, "pxelinux.0");
  auto l = plugin->store()->find(rambox_ip);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->mac.to_string(), rambox);
  EXPECT_EQ(l->ends - l->starts, 43200);
  EXPECT_EQ(host.counter_value("dhcp_acks_total"), 1u);
}

TEST_F(responder_fixture, disk_full_means_no_ack_until_space_returns) {
  bool full = false;
  ops.write = [&](int fd, const void* d, std::size_t n) -> ssize_t {
    if (full) {
      errno = ENOSPC;
      return -1;
    }
    return ::write(fd, d, n);
  };
  start();
  full = true;
  auto o = run(selecting(rambox, rambox_ip));
  ASSERT_EQ(o.v, verdict::defer);
  host.run_pending();
  EXPECT_FALSE(o.req.deferred->sent) << "ACK sent for a lease that is not on disk";
  EXPECT_NE(o.req.deferred->dropped.find("not durable"), std::string::npos) << o.req.deferred->dropped;
  EXPECT_TRUE(host.logged("No space left on device"));
  full = false;
  auto retry = run(selecting(rambox, rambox_ip));  // the client retransmits its REQUEST
  auto ack = finish(retry);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), dhcp_message_type::ack);
}

TEST_F(responder_fixture, request_for_another_server_is_silent) {
  start();
  auto r = selecting(rambox, rambox_ip);
  r.msg.options.set_address(opt::server_identifier, ipv4_address(192, 168, 24, 1));
  auto o = run(std::move(r));
  EXPECT_EQ(o.v, verdict::drop);
  EXPECT_FALSE(o.req.deferred);
  EXPECT_FALSE(plugin->store()->find(rambox_ip));
}

TEST_F(responder_fixture, init_reboot_for_a_wrong_address_is_naked_when_authoritative) {
  start({{"authoritative", true}});
  auto r = make_request(dhcp_message_type::request, rambox);
  r.msg.options.set_address(opt::requested_address, ipv4_address(192, 168, 24, 99));
  auto o = run(std::move(r));
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_EQ(o.reply.type(), dhcp_message_type::nak);
  EXPECT_TRUE(o.reply.yiaddr.is_unspecified());
  EXPECT_FALSE(o.reply.options.contains(opt::lease_time));
  EXPECT_FALSE(o.reply.options.contains(opt::subnet_mask));
  EXPECT_TRUE(o.reply.file.empty());
  EXPECT_TRUE(o.reply.options.contains(opt::server_identifier));

  auto right = make_request(dhcp_message_type::request, rambox);
  right.msg.options.set_address(opt::requested_address, rambox_ip);
  auto ok = run(std::move(right));
  auto ack = finish(ok);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), dhcp_message_type::ack);
}

// What Debian's ISC dhcpd 4.4 did with the seed (not authoritative): NAK for the host asking another
// address of 192.168.24.0/24; silence for another network and for an unknown client without a lease.
TEST_F(responder_fixture, init_reboot_when_not_authoritative_naks_only_what_it_knows_is_wrong) {
  start();
  auto r = make_request(dhcp_message_type::request, rambox);
  r.msg.options.set_address(opt::requested_address, ipv4_address(192, 168, 24, 99));
  auto o = run(std::move(r));
  EXPECT_EQ(o.v, verdict::answer);
  EXPECT_EQ(o.reply.type(), dhcp_message_type::nak);

  auto elsewhere = make_request(dhcp_message_type::request, rambox);
  elsewhere.msg.options.set_address(opt::requested_address, ipv4_address(10, 0, 0, 5));
  EXPECT_EQ(run(std::move(elsewhere)).v, verdict::drop);

  auto stranger = make_request(dhcp_message_type::request, "52:54:00:12:34:56");
  stranger.msg.options.set_address(opt::requested_address, ipv4_address(192, 168, 24, 50));
  EXPECT_EQ(run(std::move(stranger)).v, verdict::drop);
}

// A local network and a routed one behind relay 10.1.0.1, both with dynamic pools.
const std::string routed_conf = R"(
default-lease-time 1000;
subnet 192.168.24.0 netmask 255.255.255.0 {
  pool { range 192.168.24.10 192.168.24.11; allow unknown clients; }
}
subnet 10.1.0.0 netmask 255.255.255.0 {
  pool { range 10.1.0.10 10.1.0.20; allow unknown clients; }
}
)";

// The network is named by opt 82 sub-option 5 (RFC 3527), else opt 118 (RFC 3011), else giaddr, as in ISC
// dhcpd's locate_network. Found by probing: both options were ignored and the giaddr's subnet answered.
TEST_F(responder_fixture, link_selection_and_subnet_selection_name_the_clients_network) {
  start({}, routed_conf);
  auto discover = [&](std::string_view mac, auto&& shape) {
    auto r = make_request(dhcp_message_type::discover, mac, false);
    r.client.relay = r.msg.giaddr = ipv4_address(192, 168, 24, 1);
    shape(r.msg.options);
    r.client.options = r.msg.options;
    return run(std::move(r));
  };
  auto in_10_1 = [](ipv4_address a) { return (a.to_uint() >> 8) == (ipv4_address(10, 1, 0, 0).to_uint() >> 8); };

  auto o = discover("52:54:00:00:01:01", [](sdk::dhcp_options& op) { op.set_address(118, ipv4_address(10, 1, 0, 7)); });
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_TRUE(in_10_1(o.reply.yiaddr)) << o.reply.yiaddr.to_string();
  EXPECT_EQ(o.reply.options.get_address(118), ipv4_address(10, 1, 0, 7));  // RFC 3011 §3: an identical copy

  // Sub-option 1 (circuit id "c"), then 5 (link selection): 10.1.0.1.
  o = discover("52:54:00:00:01:02", [](sdk::dhcp_options& op) {
    op.set(opt::relay_agent_info, {1, 1, 'c', 5, 4, 10, 1, 0, 1});
  });
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_TRUE(in_10_1(o.reply.yiaddr)) << o.reply.yiaddr.to_string();
  EXPECT_FALSE(o.reply.options.get_address(118));

  // Link selection wins over subnet selection; a malformed 118 (3 bytes) is not used.
  o = discover("52:54:00:00:01:03", [](sdk::dhcp_options& op) {
    op.set(opt::relay_agent_info, {5, 4, 192, 168, 24, 1});
    op.set_address(118, ipv4_address(10, 1, 0, 7));
  });
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_FALSE(in_10_1(o.reply.yiaddr)) << o.reply.yiaddr.to_string();
  o = discover("52:54:00:00:01:04", [](sdk::dhcp_options& op) { op.set(118, {10, 1, 0}); });
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_FALSE(in_10_1(o.reply.yiaddr)) << o.reply.yiaddr.to_string();
}

// RFC 2131 §4.3.2: ciaddr set, no 50 and 54; unicast to this server (RENEWING) or broadcast (REBINDING).
test::fake_request extending(std::string_view mac, ipv4_address ciaddr, bool broadcast) {
  auto r = make_request(dhcp_message_type::request, mac, false);
  r.msg.ciaddr = ciaddr;
  r.client.broadcast = broadcast;
  return r;
}

TEST_F(responder_fixture, renewing_trusts_ciaddr_but_rebinding_off_its_network_is_naked_only_when_authoritative) {
  for (bool auth : {false, true}) {
    start({{"authoritative", auth}}, routed_conf);
    auto sel = selecting("52:54:00:00:00:01", ipv4_address(10, 1, 0, 10), false);
    sel.client.relay = sel.msg.giaddr = ipv4_address(10, 1, 0, 1);
    auto first = run(std::move(sel));
    ASSERT_TRUE(finish(first)) << "auth=" << auth;
    const auto granted = plugin->store()->find(ipv4_address(10, 1, 0, 10))->ends;

    // RENEWING straight from the routed network: received on 192.168.24.202, but ciaddr says where it is.
    host.advance(std::chrono::seconds(100));
    auto renew = run(extending("52:54:00:00:00:01", ipv4_address(10, 1, 0, 10), false));
    auto ack = finish(renew);
    ASSERT_TRUE(ack) << "auth=" << auth;
    EXPECT_EQ(ack->type(), dhcp_message_type::ack);
    EXPECT_EQ(ack->yiaddr, ipv4_address(10, 1, 0, 10));
    EXPECT_TRUE(renew.req.noted("RENEWING"));
    EXPECT_EQ(plugin->store()->find(ipv4_address(10, 1, 0, 10))->ends, granted + 100) << "lease not extended";

    // The same request broadcast on 192.168.24.0/24 is REBINDING from the wrong wire.
    auto rebind = run(extending("52:54:00:00:00:01", ipv4_address(10, 1, 0, 10), true));
    EXPECT_TRUE(rebind.req.noted("REBINDING"));
    EXPECT_FALSE(rebind.req.deferred) << "auth=" << auth;
    if (auth) {
      ASSERT_EQ(rebind.v, verdict::answer);
      EXPECT_EQ(rebind.reply.type(), dhcp_message_type::nak);
    } else {
      EXPECT_EQ(rebind.v, verdict::drop);
    }
    EXPECT_EQ(plugin->store()->find(ipv4_address(10, 1, 0, 10))->state, leases::lease_state::active);
  }
}

TEST_F(responder_fixture, rebinding_with_a_lease_this_server_does_not_know_gets_no_nak_unless_authoritative) {
  for (bool auth : {false, true}) {
    start({{"authoritative", auth}}, routed_conf);
    // 192.168.24.99 is on the network but in no pool: another server's lease, as far as this one knows.
    auto o = run(extending("52:54:00:00:00:07", ipv4_address(192, 168, 24, 99), true));
    EXPECT_TRUE(o.req.noted("REBINDING"));
    EXPECT_FALSE(o.req.deferred);
    if (auth) {
      ASSERT_EQ(o.v, verdict::answer);
      EXPECT_EQ(o.reply.type(), dhcp_message_type::nak);
    } else {
      EXPECT_EQ(o.v, verdict::drop) << "a server that is not authoritative must stay silent";
    }
    // A free pool address it never gave out: extended only by an authoritative server (RFC 2131 §4.3.2
    // "MAY extend a client's lease only if it has local administrative authority to do so").
    auto free = run(extending("52:54:00:00:00:08", ipv4_address(192, 168, 24, 11), true));
    EXPECT_EQ(free.v, auth ? verdict::defer : verdict::drop) << "auth=" << auth;
  }
}

TEST_F(responder_fixture, rebinding_a_known_lease_extends_it_and_renewing_someone_elses_address_is_naked) {
  start({}, routed_conf);
  acked("52:54:00:00:00:01", ipv4_address(192, 168, 24, 10), false);
  host.advance(std::chrono::seconds(50));
  auto relayed = extending("52:54:00:00:00:01", ipv4_address(192, 168, 24, 10), false);
  relayed.client.relay = relayed.msg.giaddr = ipv4_address(192, 168, 24, 1);  // RENEWING is never relayed
  auto rebind = run(std::move(relayed));
  EXPECT_TRUE(rebind.req.noted("REBINDING"));
  auto ack = finish(rebind);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->yiaddr, ipv4_address(192, 168, 24, 10));

  // Not authoritative, yet the address is this server's and someone else's: NAK (ISC's "ours").
  auto thief = run(extending("52:54:00:00:00:02", ipv4_address(192, 168, 24, 10), false));
  EXPECT_TRUE(thief.req.noted("RENEWING"));
  ASSERT_EQ(thief.v, verdict::answer);
  EXPECT_EQ(thief.reply.type(), dhcp_message_type::nak);
  EXPECT_EQ(plugin->store()->find(ipv4_address(192, 168, 24, 10))->mac.to_string(), "52:54:00:00:00:01");
}

TEST_F(responder_fixture, spoofed_release_is_ignored_and_the_owners_release_frees_the_lease) {
  start({}, dynamic_conf);
  acked("52:54:00:00:00:01", ipv4_address(192, 168, 24, 10), false);
  auto spoof = make_request(dhcp_message_type::release, "52:54:00:00:00:66", false);
  spoof.msg.ciaddr = ipv4_address(192, 168, 24, 10);
  EXPECT_EQ(run(std::move(spoof)).v, verdict::drop);
  host.run_pending();
  EXPECT_EQ(plugin->store()->find(ipv4_address(192, 168, 24, 10))->state, leases::lease_state::active);
  EXPECT_TRUE(host.logged("not its lease"));

  auto real = make_request(dhcp_message_type::release, "52:54:00:00:00:01", false);
  real.msg.ciaddr = ipv4_address(192, 168, 24, 10);
  run(std::move(real));
  host.run_pending();
  EXPECT_EQ(plugin->store()->find(ipv4_address(192, 168, 24, 10))->state, leases::lease_state::released);
}

TEST_F(responder_fixture, inform_gets_options_but_no_address_and_no_lease_time) {
  start({{"authoritative", true}});
  auto r = make_request(dhcp_message_type::inform, rambox);
  r.msg.ciaddr = rambox_ip;
  auto o = run(std::move(r));
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_EQ(o.reply.type(), dhcp_message_type::ack);
  EXPECT_TRUE(o.reply.yiaddr.is_unspecified());
  EXPECT_FALSE(o.reply.options.contains(opt::lease_time));
  EXPECT_TRUE(o.reply.options.contains(opt::subnet_mask));
  EXPECT_FALSE(plugin->store()->find(rambox_ip));
}

// As ISC dhcpd 4.4 with the seed (no `authoritative;`): an INFORM is logged and not answered.
TEST_F(responder_fixture, inform_is_not_answered_when_not_authoritative) {
  start();
  auto r = make_request(dhcp_message_type::inform, rambox);
  r.msg.ciaddr = rambox_ip;
  auto o = run(std::move(r));
  EXPECT_EQ(o.v, verdict::drop);
  EXPECT_TRUE(host.logged("not authoritative for subnet 192.168.24.0"));
  EXPECT_FALSE(plugin->store()->find(rambox_ip));
}

TEST_F(responder_fixture, lease_survives_a_restart) {
  start({}, dynamic_conf);
  acked("52:54:00:00:00:01", ipv4_address(192, 168, 24, 11), false);
  start({}, dynamic_conf);  // stop, reopen the store from the journal
  auto l = plugin->store()->find(ipv4_address(192, 168, 24, 11));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->mac.to_string(), "52:54:00:00:00:01");
  // The returning client is offered its address again; another client is not.
  EXPECT_EQ(run(make_request(dhcp_message_type::discover, "52:54:00:00:00:01", false)).reply.yiaddr,
            ipv4_address(192, 168, 24, 11));
  EXPECT_EQ(run(make_request(dhcp_message_type::discover, "52:54:00:00:00:02", false)).reply.yiaddr,
            ipv4_address(192, 168, 24, 10));
}

TEST_F(responder_fixture, pool_lease_time_and_client_request_capped_by_max_lease_time) {
  start({}, dynamic_conf);
  auto plain = run(make_request(dhcp_message_type::discover, "52:54:00:00:00:01", false));
  EXPECT_EQ(plain.reply.options.get_u32(opt::lease_time), 600u);  // the pool's, not the global 1000
  EXPECT_EQ(plain.reply.options.get_address(opt::router), ipv4_address(192, 168, 24, 1));
  auto greedy = make_request(dhcp_message_type::discover, "52:54:00:00:00:02", false);
  greedy.msg.options.set_u32(opt::lease_time, 100000);
  EXPECT_EQ(run(std::move(greedy)).reply.options.get_u32(opt::lease_time), 900u);
  EXPECT_TRUE(plain.reply.file.empty());  // the boot policy said no boot
}

// ISC dhcpd 4.4 ack_lease(): below the minimum → the minimum, 300 s when dhcpd.conf sets none. Granting the
// 0 s asked for made the lease end as it started: the address went to another client in the same second.
TEST_F(responder_fixture, zero_second_lease_request_gets_the_minimum_and_the_address_stays_its_own) {
  start({{"authoritative", true}}, dynamic_conf);  // as the probe's server: it ACKs any free address
  auto discover = make_request(dhcp_message_type::discover, "52:54:00:00:00:01", false);
  discover.msg.options.set_u32(opt::lease_time, 0);
  auto offer = run(std::move(discover));
  ASSERT_EQ(offer.v, verdict::answer);
  EXPECT_EQ(offer.reply.options.get_u32(opt::lease_time), 300u);  // ISC's minimum when none is configured
  const auto address = offer.reply.yiaddr;
  auto request = selecting("52:54:00:00:00:01", address, false);
  request.msg.options.set_u32(opt::lease_time, 0);
  auto o = run(std::move(request));
  auto ack = finish(o);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->options.get_u32(opt::lease_time), 300u);
  EXPECT_EQ(plugin->store()->find(address)->ends - plugin->store()->find(address)->starts, 300);

  // The same second, another client: offered the other free address, and refused the leased one.
  auto other = run(make_request(dhcp_message_type::discover, "52:54:00:00:00:02", false));
  ASSERT_EQ(other.v, verdict::answer);
  EXPECT_NE(other.reply.yiaddr, address);
  auto thief = make_request(dhcp_message_type::request, "52:54:00:00:00:03", false);
  thief.msg.options.set_address(opt::requested_address, address);
  auto stolen = run(std::move(thief));
  EXPECT_NE(stolen.v, verdict::defer) << "another client was ACKed an address with a live lease";
  if (stolen.v == verdict::answer) {
    EXPECT_EQ(stolen.reply.type(), dhcp_message_type::nak);
  }
  EXPECT_EQ(plugin->store()->find(address)->mac.to_string(), "52:54:00:00:00:01");
}

TEST_F(responder_fixture, short_lease_requests_get_min_lease_time_or_isc_default_minimum) {
  auto asked = [&](std::string_view mac, std::uint32_t seconds) {
    auto r = make_request(dhcp_message_type::discover, mac, false);
    r.msg.options.set_u32(opt::lease_time, seconds);
    auto o = run(std::move(r));
    EXPECT_EQ(o.v, verdict::answer);
    return o.reply.options.get_u32(opt::lease_time).value_or(0);
  };
  start({}, dynamic_conf);  // no min-lease-time: the floor is ISC's 300 s
  EXPECT_EQ(asked("52:54:00:00:00:01", 299), 300u);
  EXPECT_EQ(asked("52:54:00:00:00:01", 300), 300u);
  EXPECT_EQ(asked("52:54:00:00:00:01", 700), 700u);
  std::string with_min = dynamic_conf;
  with_min.insert(0, "min-lease-time 120;\n");
  start({}, with_min);
  EXPECT_EQ(asked("52:54:00:00:00:01", 0), 120u);
  EXPECT_EQ(asked("52:54:00:00:00:01", 119), 120u);
  EXPECT_EQ(asked("52:54:00:00:00:01", 150), 150u);
}

TEST_F(responder_fixture, two_clients_are_never_offered_the_same_address_and_a_full_pool_offers_nothing) {
  start({}, dynamic_conf);
  auto a = run(make_request(dhcp_message_type::discover, "52:54:00:00:00:01", false));
  auto b = run(make_request(dhcp_message_type::discover, "52:54:00:00:00:02", false));
  ASSERT_EQ(a.v, verdict::answer);
  ASSERT_EQ(b.v, verdict::answer);
  EXPECT_NE(a.reply.yiaddr, b.reply.yiaddr);
  EXPECT_EQ(run(make_request(dhcp_message_type::discover, "52:54:00:00:00:03", false)).v, verdict::drop);
  host.advance(std::chrono::seconds(31));  // offers lapse
  EXPECT_EQ(run(make_request(dhcp_message_type::discover, "52:54:00:00:00:03", false)).v, verdict::answer);
}

TEST_F(responder_fixture, network_and_broadcast_addresses_in_a_range_are_never_handed_out) {
  std::string conf = dynamic_conf;
  conf.replace(conf.find("range 192.168.24.10 192.168.24.11"), 33, "range 192.168.24.254 192.168.24.255");
  start({}, conf);
  EXPECT_TRUE(host.logged("192.168.24.255, the broadcast address of subnet 192.168.24.0: never handed out"));
  auto a = run(make_request(dhcp_message_type::discover, "52:54:00:00:00:01", false));
  ASSERT_EQ(a.v, verdict::answer);
  EXPECT_EQ(a.reply.yiaddr, ipv4_address(192, 168, 24, 254));
  EXPECT_EQ(run(make_request(dhcp_message_type::discover, "52:54:00:00:00:02", false)).v, verdict::drop)
      << "the broadcast address was offered";
}

// RFC 2132 §9.14: opt 61 is at least 2 bytes. A shorter one was read as absent (the MAC's lease); ISC drops it.
TEST_F(responder_fixture, a_client_identifier_shorter_than_two_bytes_is_dropped) {
  start({}, dynamic_conf);
  for (std::vector<std::uint8_t> id : {std::vector<std::uint8_t>{}, std::vector<std::uint8_t>{1}}) {
    auto r = make_request(dhcp_message_type::discover, "52:54:00:00:00:32", false);
    r.msg.options.set(opt::client_identifier, id);
    r.client.client_id = id;
    auto o = run(std::move(r));
    EXPECT_EQ(o.v, verdict::drop) << id.size();
    EXPECT_TRUE(o.req.noted("client identifier of " + std::to_string(id.size()) + " bytes: ignored")) << id.size();
  }
  auto r = make_request(dhcp_message_type::discover, "52:54:00:00:00:32", false);
  r.msg.options.set(opt::client_identifier, {1, 0x52});
  r.client.client_id = {1, 0x52};
  EXPECT_EQ(run(std::move(r)).v, verdict::answer);
}

// RFC 2132 §9.8: opt 55 has at least one code. An empty one got only the subnet mask; ISC reads it as absent.
TEST_F(responder_fixture, an_empty_parameter_request_list_is_read_as_absent) {
  start({}, dynamic_conf);
  auto r = make_request(dhcp_message_type::discover, "52:54:00:00:00:31", false);
  r.msg.options.set(opt::parameter_request_list, {});
  auto o = run(std::move(r));
  ASSERT_EQ(o.v, verdict::answer);
  EXPECT_EQ(o.reply.options.get_address(opt::router), ipv4_address(192, 168, 24, 1));
}

TEST_F(responder_fixture, a_fixed_address_on_the_broadcast_address_is_warned_about) {
  std::string conf = dynamic_conf + R"(
host odd { hardware ethernet 52:54:00:00:00:09; fixed-address 192.168.24.255; }
host fine { hardware ethernet 52:54:00:00:00:08; fixed-address 192.168.24.20; }
)";
  start({}, conf);
  EXPECT_TRUE(host.logged(
      "host odd: fixed-address 192.168.24.255 is the broadcast address of subnet 192.168.24.0; the client cannot use it"));
  EXPECT_FALSE(host.logged("host fine: fixed-address"));
}

TEST_F(responder_fixture, explain_dry_run_answers_with_reasons_and_touches_nothing) {
  start();
  auto r = selecting(rambox, rambox_ip);
  r.dry = true;
  auto o = run(std::move(r));
  EXPECT_EQ(o.v, verdict::answer);
  EXPECT_EQ(o.reply.type(), dhcp_message_type::ack);
  EXPECT_FALSE(o.req.deferred);
  EXPECT_TRUE(o.req.noted("host rambox"));
  EXPECT_TRUE(o.req.noted("lease time 43200"));
  EXPECT_TRUE(o.req.noted("class pxeclients"));
  host.run_pending();
  EXPECT_FALSE(plugin->store()->find(rambox_ip));
}

TEST_F(responder_fixture, explain_without_a_link_address_uses_the_only_subnet_but_serving_does_not) {
  start();
  auto r = make_request(dhcp_message_type::discover, rambox);
  r.client.interface_address = ipv4_address();
  auto live = r;
  r.dry = true;
  auto o = run(std::move(r));
  EXPECT_EQ(o.v, verdict::answer);
  EXPECT_EQ(o.reply.yiaddr, rambox_ip);
  EXPECT_EQ(run(std::move(live)).v, verdict::pass);
}

TEST_F(responder_fixture, malformed_requests_are_dropped_without_harm) {
  start();
  auto no_type = make_request(dhcp_message_type::discover, rambox);
  no_type.msg.options.erase(opt::message_type);
  EXPECT_EQ(run(std::move(no_type)).v, verdict::drop);
  auto reply_op = make_request(dhcp_message_type::discover, rambox);
  reply_op.msg.op = 2;
  EXPECT_EQ(run(std::move(reply_op)).v, verdict::drop);
  auto huge_id = make_request(dhcp_message_type::discover, rambox);
  huge_id.client.client_id.assign(5000, 0x41);
  EXPECT_EQ(run(std::move(huge_id)).v, verdict::drop);
  auto bare_request = make_request(dhcp_message_type::request, rambox);  // no 50, 54, ciaddr
  EXPECT_EQ(run(std::move(bare_request)).v, verdict::drop);
  auto short_sid = make_request(dhcp_message_type::request, rambox);
  short_sid.msg.options.set(opt::server_identifier, {1, 2});
  EXPECT_EQ(run(std::move(short_sid)).v, verdict::drop);
  auto binary_name = make_request(dhcp_message_type::discover, rambox);
  binary_name.client.requested_host_name = std::string("\0\xff\n;rm", 6);
  binary_name.msg.options.set_string(opt::host_name, binary_name.client.requested_host_name);
  auto o = run(std::move(binary_name));
  EXPECT_EQ(o.reply.options.get_string(opt::host_name), "rambox01.home.dev");  // ours, not the client's
  auto bad_decline = make_request(dhcp_message_type::decline, rambox);
  EXPECT_EQ(run(std::move(bad_decline)).v, verdict::drop);
  auto other_net = make_request(dhcp_message_type::discover, rambox);
  other_net.client.relay = ipv4_address(10, 9, 8, 1);
  EXPECT_EQ(run(std::move(other_net)).v, verdict::pass);
}

TEST_F(responder_fixture, configuration_errors_name_the_key) {
  auto cfg = config_node::table({{"dhcpd_conf", std::string(BOOTFW_SOURCE_DIR) + "/examples/rambox/dhcpd.conf"},
                                 {"offer_hold_secs", 5}});
  isc_dhcp_plugin p;
  try {
    p.configure(host, cfg);
    FAIL();
  } catch (const sdk::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("offer_hold_secs"), std::string::npos) << e.what();
  }
  auto missing = config_node::table({{"dhcpd_conf", dir + "/nope.conf"}});
  EXPECT_THROW(p.configure(host, missing), sdk::config_error);
}

TEST_F(responder_fixture, second_instance_on_the_same_state_directory_refuses_to_start) {
  start();
  isc_dhcp_plugin other;
  auto cfg = config_node::table({{"dhcpd_conf", std::string(BOOTFW_SOURCE_DIR) + "/examples/rambox/dhcpd.conf"}});
  other.configure(host, cfg);
  EXPECT_THROW(other.start(), std::runtime_error);
}

}  // namespace
}  // namespace bootfw::plugin_isc_dhcp
