// The server on fake sockets and a fake clock: request handling, TIDs, resolve errors, limits, fallback,
// boot-storm bursts, cleanup.
#include <gtest/gtest.h>

#include <map>

#include "tftp_server.hpp"
#include "tftp_test_support.hpp"

using namespace bootfw::plugin_tftp;
using namespace bootfw::plugin_tftp::testing;
using namespace std::chrono_literals;
using bootfw::sdk::ipv4_address;
using bootfw::sdk::open_error;
using bootfw::sdk::udp_endpoint;

namespace {

struct tftp_server_fixture : ::testing::Test {
  bootfw::sdk::testing::fake_host host;
  fake_network net;
  std::shared_ptr<fake_socket_state> listener = std::make_shared<fake_socket_state>();
  fake_socket listener_socket{listener};
  std::map<std::string, std::string> files{{"pxelinux.0", pattern(1500)}, {"empty", ""}};
  std::map<std::string, open_error> errors;
  std::vector<bootfw::sdk::resolve_request> resolved;
  std::vector<std::optional<bootfw::sdk::client_record>> resolved_clients;
  tftp_settings settings;
  std::unique_ptr<tftp_server> server;

  void SetUp() override {
    listener->local = {ipv4_address(), 69};
    host.on_resolve = [this](const bootfw::sdk::resolve_request& r) {
      resolved.push_back(r);
      resolved_clients.push_back(r.client_info ? std::optional(*r.client_info) : std::nullopt);
      bootfw::sdk::resolve_outcome o;
      std::string path(r.path);
      if (auto e = errors.find(path); e != errors.end()) {
        o.error = e->second;
        o.message = "scripted";
        return o;
      }
      auto f = files.find(path);
      if (f == files.end()) {
        o.error = open_error::not_found;
        return o;
      }
      o.opened = std::make_shared<memory_artifact>(f->second, path);
      o.resolved_path = path;
      return o;
    };
  }
  void make_server() { server = std::make_unique<tftp_server>(host, settings, net.opener()); }

  void send(std::span<const std::byte> packet, udp_endpoint from = client_a, ipv4_address local = server_ip) {
    if (!server) make_server();
    bootfw::sdk::datagram_info info;
    info.source = from;
    info.local_address = local;
    info.interface_address = server_ip;
    info.interface_index = 2;
    server->on_request(packet, info, listener_socket);
  }
  void rrq(std::string name, udp_endpoint from = client_a,
           std::vector<std::pair<std::string, std::string>> options = {}, std::string mode = "octet") {
    send(build_request(opcode::rrq, name, mode, options), from);
  }
  /// ACKs every DATA the socket sent until the transfer's last (short) block; returns the file received.
  std::string drain(fake_socket_state& s, udp_endpoint client, std::uint32_t blksize = 512) {
    std::string got;
    for (int guard = 0; guard < 100000; ++guard) {
      auto sent = s.take();
      if (sent.empty()) break;
      auto& last = sent.back();
      if (last.opcode() == 6) {
        s.deliver(build_ack(0), client);
        continue;
      }
      for (auto& d : sent) got += d.payload();
      s.deliver(build_ack(last.block()), client);
      if (last.payload().size() < blksize) break;
    }
    return got;
  }
  static udp_endpoint client(int n, std::uint16_t port = 2070) {
    return {ipv4_address(10, 0, std::uint8_t(n >> 8), std::uint8_t(n)), port};
  }
};

TEST_F(tftp_server_fixture, rrq_is_served_from_a_new_ephemeral_socket_and_recorded) {
  settings.interface = "br0";
  rrq("/pxelinux.0");
  ASSERT_EQ(net.sockets.size(), 1u);
  auto& s = *net.sockets[0];
  EXPECT_EQ(s.options.bind.address, server_ip);
  EXPECT_EQ(s.options.bind.port, 0);  // RFC 1350 §4: a fresh TID
  EXPECT_EQ(s.options.interface, "br0");
  EXPECT_TRUE(listener->sent.empty());
  EXPECT_EQ(drain(s, client_a), files["pxelinux.0"]);
  EXPECT_EQ(server->active_sessions(), 0u);
  host.run_pending();
  EXPECT_TRUE(s.destroyed);  // session freed
  ASSERT_EQ(host.events.size(), 2u);
  EXPECT_EQ(host.events[0].what, bootfw::sdk::boot_event::kind::transfer_started);
  EXPECT_EQ(host.events[1].what, bootfw::sdk::boot_event::kind::transfer_done);
  EXPECT_EQ(host.events[1].client, client_a.address);
  EXPECT_EQ(host.events[1].file, "pxelinux.0");
  EXPECT_EQ(host.events[1].bytes, 1500u);
  EXPECT_EQ(host.counter_value("tftp_transfers_total"), 1u);
  EXPECT_EQ(host.counter_value("tftp_bytes_sent_total"), 1500u);
}

TEST_F(tftp_server_fixture, resolve_gets_path_transport_endpoints_and_dhcp_client_record) {
  bootfw::sdk::client_record rec;
  rec.address = client_a.address;
  rec.host_name = "rambox01";
  host.clients[client_a.address.to_uint()] = rec;
  rrq("/pxelinux.0");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].transport, "tftp");
  EXPECT_EQ(resolved[0].client, client_a);
  EXPECT_EQ(resolved[0].server_address, server_ip);
  ASSERT_TRUE(resolved_clients[0]);
  EXPECT_EQ(resolved_clients[0]->host_name, "rambox01");
}

TEST_F(tftp_server_fixture, broadcast_request_binds_the_transfer_to_the_interface_address) {
  send(build_request(opcode::rrq, "pxelinux.0", "octet"), client_a, ipv4_address(0xffffffffu));
  ASSERT_EQ(net.sockets.size(), 1u);
  EXPECT_EQ(net.sockets[0]->options.bind.address, server_ip);
}

TEST_F(tftp_server_fixture, resolve_errors_map_to_tftp_errors) {
  errors = {{"denied", open_error::access_denied}, {"bad", open_error::invalid_name}, {"busy", open_error::busy}};
  struct expectation {
    std::string name;
    std::uint16_t code;
    std::string message;
  };
  for (auto& e : std::vector<expectation>{{"missing", 1, "File not found"},
                                          {"denied", 2, "Access violation"},
                                          {"bad", 2, "Access violation"},
                                          {"busy", 0, "busy"}}) {
    rrq(e.name);
    auto sent = listener->take();
    ASSERT_EQ(sent.size(), 1u) << e.name;
    auto err = parse_error(sent[0].data);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, e.code) << e.name;
    EXPECT_EQ(err->message, e.message) << e.name;
    EXPECT_EQ(sent[0].to, client_a);
    EXPECT_EQ(host.events.back().what, bootfw::sdk::boot_event::kind::transfer_failed);
  }
  EXPECT_TRUE(net.sockets.empty());
  EXPECT_EQ(host.counter_value("tftp_errors_total"), 4u);
}

TEST_F(tftp_server_fixture, bad_names_and_modes_are_refused_before_resolving) {
  struct expectation {
    std::vector<std::byte> packet;
    std::uint16_t code;
  };
  std::vector<expectation> cases{
      {build_request(opcode::rrq, "", "octet"), 2},
      {build_request(opcode::rrq, std::string(300, 'a'), "octet"), 2},
      {build_request(opcode::rrq, "pxe\x01linux.0", "octet"), 2},
      {build_request(opcode::rrq, "pxelinux.0", "mail"), 4},
      {build_request(opcode::rrq, "pxelinux.0", "image"), 4},
      {bytes(std::string("\0\1pxe\0linux.0\0octet\0", 21)), 4},
      {bytes(std::string("\0\1no-terminator", 15)), 4},
  };
  for (auto& c : cases) {
    send(c.packet);
    auto sent = listener->take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(parse_error(sent[0].data)->code, c.code);
  }
  EXPECT_TRUE(resolved.empty());
  EXPECT_TRUE(net.sockets.empty());
}

TEST_F(tftp_server_fixture, write_requests_are_refused_with_error_2) {
  send(build_request(opcode::wrq, "upload.bin", "octet"));
  auto sent = listener->take();
  ASSERT_EQ(sent.size(), 1u);
  auto err = parse_error(sent[0].data);
  EXPECT_EQ(err->code, 2);
  EXPECT_EQ(err->message, "uploads are disabled");
  EXPECT_TRUE(resolved.empty());
}

TEST_F(tftp_server_fixture, stray_packets_on_port_69) {
  send(build_ack(1));
  auto sent = listener->take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(parse_error(sent[0].data)->code, 4);
  send(build_error(error_code::not_defined, "x"));  // never answered
  send(bytes("\x01"));                             // too short to mean anything
  send(build_request(opcode::rrq, "pxelinux.0", "octet"), {client_a.address, 0});  // unanswerable source
  EXPECT_TRUE(listener->take().empty());
  EXPECT_TRUE(net.sockets.empty());
}

TEST_F(tftp_server_fixture, blksize_capped_by_interface_mtu_unless_configured) {
  host.mtu = 1500;
  rrq("pxelinux.0", client_a, {{"blksize", "65464"}});
  auto s = net.sockets.back()->take();
  EXPECT_EQ(text(s.at(0).data), std::string("\0\6blksize\0" "1468\0", 15));
  settings.max_blksize = 1024;
  make_server();
  rrq("pxelinux.0", client(1), {{"blksize", "65464"}});
  s = net.sockets.back()->take();
  EXPECT_EQ(text(s.at(0).data), std::string("\0\6blksize\0" "1024\0", 15));
}

TEST_F(tftp_server_fixture, tsize_reported_for_octet_but_not_netascii) {
  rrq("pxelinux.0", client_a, {{"tsize", "0"}});
  EXPECT_EQ(text(net.sockets.back()->take().at(0).data), std::string("\0\6tsize\0" "1500\0", 13));
  rrq("pxelinux.0", client(1), {{"tsize", "0"}}, "netascii");
  EXPECT_EQ(net.sockets.back()->take().at(0).opcode(), 3);  // no OACK: straight to DATA 1
}

TEST_F(tftp_server_fixture, retransmitted_rrq_before_first_ack_does_not_start_a_second_transfer) {
  rrq("pxelinux.0");
  rrq("pxelinux.0");
  EXPECT_EQ(net.sockets.size(), 1u);
  EXPECT_EQ(server->active_sessions(), 1u);
}

TEST_F(tftp_server_fixture, client_failing_the_oack_with_error_8_is_retried_without_options) {
  rrq("pxelinux.0", client_a, {{"blksize", "1432"}, {"tsize", "0"}});
  auto& first = *net.sockets.back();
  EXPECT_EQ(first.take().at(0).opcode(), 6);
  first.deliver(build_error(error_code::option_refused, ""), client_a);
  EXPECT_EQ(server->active_sessions(), 0u);
  rrq("pxelinux.0", client_a, {{"blksize", "1432"}, {"tsize", "0"}});
  auto& second = *net.sockets.back();
  auto s = second.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode(), 3);  // DATA 1, no OACK
  EXPECT_EQ(s[0].payload().size(), 512u);
  second.deliver(build_ack(1), client_a);
  EXPECT_TRUE(drain(second, client_a) == files["pxelinux.0"].substr(512));
}

TEST_F(tftp_server_fixture, client_repeating_its_rrq_instead_of_acking_the_oack_gets_no_options) {
  rrq("pxelinux.0", client_a, {{"tsize", "0"}});
  EXPECT_EQ(net.sockets.back()->take().at(0).opcode(), 6);
  host.advance(500ms);                             // its own retransmission timeout, before ours (1 s)
  rrq("pxelinux.0", client_a, {{"tsize", "0"}});  // the same endpoint again: it did not understand the OACK
  ASSERT_EQ(net.sockets.size(), 2u);
  auto s = net.sockets.back()->take();
  EXPECT_EQ(s.at(0).opcode(), 3);  // DATA 1: no OACK this time
  EXPECT_EQ(s.at(0).to, client_a);
  auto& second = *net.sockets.back();
  second.deliver(build_ack(1), client_a);
  EXPECT_TRUE(drain(second, client_a) == files["pxelinux.0"].substr(512));
  // The first attempt stayed open in case the client answered it after all; ignored, it times out.
  EXPECT_EQ(server->active_sessions(), 1u);
  for (int i = 0; i < 10; ++i) host.advance(1s);
  EXPECT_EQ(server->active_sessions(), 0u);
}

// Found by probing: a slow client (or a slow path) resent its RRQ more than 250 ms after our OACK and then
// acknowledged that OACK. Ending the first attempt for the repeat left the client, locked on the first TID
// (RFC 1350 §4), with nothing: it answered the new transfer with ERROR 5 and got 0 bytes.
TEST_F(tftp_server_fixture, a_client_that_acks_the_oack_after_repeating_its_rrq_keeps_its_transfer) {
  rrq("pxelinux.0", client_a, {{"blksize", "600"}});
  auto& first = *net.sockets.back();
  EXPECT_EQ(first.take().at(0).opcode(), 6);
  host.advance(400ms);
  rrq("pxelinux.0", client_a, {{"blksize", "600"}});
  ASSERT_EQ(net.sockets.size(), 2u);
  auto& second = *net.sockets.back();
  EXPECT_EQ(second.take().at(0).opcode(), 3);  // the repeat is served without options
  first.deliver(build_ack(0), client_a);       // the client answers the OACK it got first
  auto s = first.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].payload().size(), 600u);          // DATA 1 at the negotiated size, on the first TID
  second.deliver(build_error(error_code::unknown_transfer_id, "wrong TID"), client_a);
  EXPECT_EQ(server->active_sessions(), 1u);        // the client's ERROR 5 ended the second transfer
  first.deliver(build_ack(1), client_a);
  EXPECT_TRUE(drain(first, client_a, 600) == files["pxelinux.0"].substr(600));
}

// Seen in a 1 000-node storm: the server read a client's RRQ late, the client had resent it, and the copy
// was read after the transfer began. It ended the transfer ("client restarted") and started a second one
// that the client, on the first TID, never answered: both failed.
TEST_F(tftp_server_fixture, a_late_copy_of_the_rrq_does_not_end_the_transfer_the_client_is_acknowledging) {
  rrq("pxelinux.0", client_a, {{"blksize", "512"}});
  auto& first = *net.sockets.back();
  EXPECT_EQ(first.take().at(0).opcode(), 6);
  first.deliver(build_ack(0), client_a);
  first.take();  // DATA 1
  first.deliver(build_ack(1), client_a);
  first.take();  // DATA 2
  rrq("pxelinux.0", client_a, {{"blksize", "512"}});  // the copy, read now
  EXPECT_EQ(server->active_sessions(), 1u);
  EXPECT_EQ(net.sockets.size(), 1u);  // no second transfer
  first.deliver(build_ack(2), client_a);
  EXPECT_TRUE(drain(first, client_a, 512) == files["pxelinux.0"].substr(2 * 512));
}

TEST_F(tftp_server_fixture, a_copy_of_the_rrq_that_crossed_the_oack_keeps_the_options) {
  rrq("pxelinux.0", client_a, {{"blksize", "1024"}});
  auto& first = *net.sockets.back();
  EXPECT_EQ(first.take().at(0).opcode(), 6);
  rrq("pxelinux.0", client_a, {{"blksize", "1024"}});  // read right after our OACK went out
  EXPECT_EQ(net.sockets.size(), 1u);
  first.deliver(build_ack(0), client_a);  // the client did understand the OACK
  auto s = first.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].payload().size(), 1024u);  // DATA 1 at the negotiated size
}

TEST_F(tftp_server_fixture, the_same_endpoint_asking_again_after_falling_silent_restarts_the_transfer) {
  rrq("pxelinux.0", client_a, {{"blksize", "1024"}});
  auto& first = *net.sockets.back();
  first.take();
  first.deliver(build_ack(0), client_a);
  first.deliver(build_ack(1), client_a);
  host.advance(1500ms);  // the client went quiet (our DATA 2 was retransmitted once), then starts over
  rrq("pxelinux.0", client_a, {{"blksize", "1024"}});
  EXPECT_EQ(server->active_sessions(), 1u);
  ASSERT_EQ(net.sockets.size(), 2u);
  EXPECT_EQ(net.sockets.back()->take().at(0).opcode(), 6);  // a new transfer, options again
}

TEST_F(tftp_server_fixture, a_copy_of_the_rrq_is_ignored_within_the_negotiated_timeout_not_the_default) {
  rrq("pxelinux.0", client_a, {{"blksize", "1024"}, {"timeout", "5"}});  // RFC 2349: 5 s, the default is 1 s
  auto& first = *net.sockets.back();
  first.take();
  first.deliver(build_ack(0), client_a);
  first.deliver(build_ack(1), client_a);
  host.advance(1500ms);  // past the default timeout, within the negotiated one: the client is still there
  rrq("pxelinux.0", client_a, {{"blksize", "1024"}, {"timeout", "5"}});
  EXPECT_EQ(net.sockets.size(), 1u) << "the transfer the client acknowledges was restarted";
  EXPECT_EQ(server->active_sessions(), 1u);
}

// A storm of lockstep clients: the transfers of the earliest boots run at full speed and the others get
// their next window after a pause, so that nodes finish in the order they began instead of all together.
TEST_F(tftp_server_fixture, beyond_fast_transfers_the_latest_boots_are_paced_until_an_earlier_one_finishes) {
  settings.fast_transfers = 2;
  const auto t0 = host.wall_now();
  for (int n = 1; n <= 3; ++n) {
    bootfw::sdk::client_record r;
    r.address = client(n).address;
    r.acked_at = t0 + std::chrono::seconds(n);  // client 1 booted first, client 3 last
    host.clients[r.address.to_uint()] = r;
  }
  rrq("pxelinux.0", client(3));  // the latest boot asks first
  rrq("pxelinux.0", client(1));
  rrq("pxelinux.0", client(2));
  ASSERT_EQ(net.sockets.size(), 3u);
  auto& late = *net.sockets[0];
  auto& first = *net.sockets[1];
  for (auto* s : {&late, &first, net.sockets[2].get()}) EXPECT_EQ(s->take().size(), 1u);  // DATA 1 each

  first.deliver(build_ack(1), client(1));
  EXPECT_EQ(first.take().size(), 1u);  // at once
  late.deliver(build_ack(1), client(3));
  EXPECT_TRUE(late.take().empty());  // held
  late.deliver(build_ack(1), client(3));  // its duplicate ACK does not send either
  EXPECT_TRUE(late.take().empty());
  host.advance(200ms);
  auto held = late.take();
  ASSERT_EQ(held.size(), 1u);  // DATA 2, a pause later, well before the client's timeout
  EXPECT_EQ(held[0].block(), 2u);

  first.deliver(build_ack(2), client(1));
  ASSERT_EQ(first.take().size(), 1u);      // DATA 3, the last (1 500 bytes = 512 + 512 + 476)
  first.deliver(build_ack(3), client(1));  // the first boot's transfer is done
  EXPECT_EQ(server->active_sessions(), 2u);
  late.deliver(build_ack(2), client(3));
  EXPECT_EQ(late.take().size(), 1u);  // now among the two earliest: full speed
}

TEST_F(tftp_server_fixture, fast_transfers_zero_never_paces) {
  settings.fast_transfers = 0;
  for (std::uint16_t p = 0; p < 5; ++p) rrq("pxelinux.0", {client_a.address, std::uint16_t(4000 + p)});
  auto& last = *net.sockets.back();
  last.take();
  last.deliver(build_ack(1), {client_a.address, 4004});
  EXPECT_EQ(last.take().size(), 1u);
}

TEST_F(tftp_server_fixture, rom_retrying_from_a_new_port_gets_no_options_once_the_first_attempt_times_out) {
  settings.retries = 1;
  rrq("pxelinux.0", client_a, {{"tsize", "0"}});
  udp_endpoint retry_port{client_a.address, 2071};
  rrq("pxelinux.0", retry_port, {{"tsize", "0"}});
  EXPECT_EQ(server->active_sessions(), 2u);  // a new port may be another client behind the same address
  EXPECT_EQ(net.sockets.back()->take().at(0).opcode(), 6);
  host.advance(1s);
  host.advance(1s);  // both OACKs unanswered: both attempts give up and remember the failure
  EXPECT_EQ(server->active_sessions(), 0u);
  rrq("pxelinux.0", {client_a.address, 2072}, {{"tsize", "0"}});
  EXPECT_EQ(net.sockets.back()->take().at(0).opcode(), 3);
}

TEST_F(tftp_server_fixture, clients_sharing_an_address_fetch_the_same_file_at_once) {
  settings.max_sessions_per_client = 50;
  for (std::uint16_t p = 0; p < 20; ++p) rrq("pxelinux.0", {client_a.address, std::uint16_t(5000 + p)}, {{"blksize", "1024"}});
  EXPECT_EQ(server->active_sessions(), 20u);
  std::size_t ok = 0;
  for (std::uint16_t p = 0; p < 20; ++p)
    ok += drain(*net.sockets[p], {client_a.address, std::uint16_t(5000 + p)}, 1024) == files["pxelinux.0"];
  EXPECT_EQ(ok, 20u);
}

TEST_F(tftp_server_fixture, pxe_tsize_probe_then_blksize_request_keeps_its_options) {
  // PXE ROMs ask tsize, abort with ERROR, then ask again with blksize: that is not a failed handshake retry.
  rrq("pxelinux.0", client_a, {{"tsize", "0"}});
  net.sockets.back()->take();
  net.sockets.back()->deliver(build_error(error_code::not_defined, "TFTP Aborted"), client_a);
  rrq("pxelinux.0", {client_a.address, 2071}, {{"blksize", "1432"}});
  EXPECT_EQ(text(net.sockets.back()->take().at(0).data), std::string("\0\6blksize\0" "1432\0", 15));
}

TEST_F(tftp_server_fixture, per_client_session_limit) {
  settings.max_sessions_per_client = 3;
  for (std::uint16_t p = 1; p <= 4; ++p) rrq("pxelinux.0", {client_a.address, std::uint16_t(3000 + p)});
  EXPECT_EQ(server->active_sessions(), 3u);
  EXPECT_EQ(host.counter_value("tftp_requests_dropped_total"), 1u);
  EXPECT_TRUE(listener->sent.empty());  // dropped silently: the client retransmits its RRQ
  rrq("pxelinux.0", client(9));         // another client is not affected
  EXPECT_EQ(server->active_sessions(), 4u);
  drain(*net.sockets[0], {client_a.address, 3001});
  rrq("pxelinux.0", {client_a.address, 3005});
  EXPECT_EQ(server->active_sessions(), 4u);
}

TEST_F(tftp_server_fixture, global_session_limit) {
  settings.max_sessions = 2;
  for (int i = 0; i < 3; ++i) rrq("pxelinux.0", client(i));
  EXPECT_EQ(server->active_sessions(), 2u);
  EXPECT_EQ(net.sockets.size(), 2u);
}

TEST_F(tftp_server_fixture, new_session_rate_limit_pauses_like_xinetd_cps) {
  settings.max_new_sessions_per_second = 5;
  settings.pause = 2s;
  for (int i = 0; i < 6; ++i) rrq("empty", client(i));
  EXPECT_EQ(net.sockets.size(), 5u);
  EXPECT_TRUE(host.logged("pausing new sessions for 2 s"));
  host.advance(1500ms);
  rrq("empty", client(100));
  EXPECT_EQ(net.sockets.size(), 5u);  // still paused
  host.advance(600ms);
  rrq("empty", client(101));
  EXPECT_EQ(net.sockets.size(), 6u);
}

TEST_F(tftp_server_fixture, client_vanishing_frees_its_session) {
  settings.retries = 2;
  rrq("pxelinux.0");
  auto& s = *net.sockets[0];
  host.advance(1s);
  host.advance(1s);
  EXPECT_EQ(server->active_sessions(), 1u);
  host.advance(1s);
  EXPECT_EQ(server->active_sessions(), 0u);
  EXPECT_TRUE(s.destroyed);
  EXPECT_EQ(s.sent.size(), 3u);  // DATA 1 and two retransmissions
  EXPECT_EQ(host.events.back().what, bootfw::sdk::boot_event::kind::transfer_failed);
  EXPECT_EQ(host.counter_value("tftp_errors_total"), 1u);
}

TEST_F(tftp_server_fixture, burst_of_2000_rrqs_with_default_limits) {
  for (int i = 0; i < 2000; ++i) rrq("pxelinux.0", client(i));
  // Defaults: 100 new sessions per second, then a 2-second pause; everything else dropped silently.
  EXPECT_EQ(server->active_sessions(), 100u);
  EXPECT_EQ(net.sockets.size(), 100u);
  EXPECT_EQ(host.counter_value("tftp_requests_dropped_total"), 1900u);
  EXPECT_TRUE(listener->sent.empty());
  for (std::size_t i = 0; i < net.sockets.size(); ++i) drain(*net.sockets[i], client(int(i)));
  EXPECT_EQ(server->active_sessions(), 0u);
  host.advance(2s);
  EXPECT_EQ(net.live(), 0u);
  for (int i = 0; i < 100; ++i) rrq("pxelinux.0", client(i));
  EXPECT_EQ(server->active_sessions(), 100u);
}

TEST_F(tftp_server_fixture, burst_of_2000_rrqs_all_served_concurrently_when_rate_unlimited) {
  settings.max_new_sessions_per_second = 0;
  for (int i = 0; i < 2000; ++i) rrq("pxelinux.0", client(i), {{"blksize", "1024"}, {"windowsize", "2"}});
  EXPECT_EQ(server->active_sessions(), 2000u);
  std::size_t ok = 0;
  for (std::size_t i = 0; i < net.sockets.size(); ++i)
    ok += drain(*net.sockets[i], client(int(i)), 1024) == files["pxelinux.0"];
  EXPECT_EQ(ok, 2000u);
  EXPECT_EQ(server->active_sessions(), 0u);
  host.run_pending();
  EXPECT_EQ(net.live(), 0u);
  EXPECT_EQ(host.counter_value("tftp_transfers_total"), 2000u);
}

TEST_F(tftp_server_fixture, socket_exhaustion_answers_error_0) {
  net.fail = true;
  rrq("pxelinux.0");
  auto sent = listener->take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(parse_error(sent[0].data)->code, 0);
  EXPECT_EQ(server->active_sessions(), 0u);
}

TEST_F(tftp_server_fixture, stop_ends_every_transfer) {
  rrq("pxelinux.0", client(1));
  rrq("pxelinux.0", client(2));
  server->stop();
  EXPECT_EQ(server->active_sessions(), 0u);
  EXPECT_EQ(net.live(), 0u);
  EXPECT_EQ(host.events.back().detail, "server stopping");
  host.advance(10s);  // no timer of a dead session fires
  server.reset();
  host.run_pending();
}

}  // namespace
