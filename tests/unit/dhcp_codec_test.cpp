// DHCP wire codec: round trips, RFC 3396 long options, option overload, opt 55 order, opt 57 limits,
// opt 82 echo (up to 255 bytes), and every malformed input refused with a reason (never a crash); the
// server address chosen for broadcasts.
#include <gtest/gtest.h>

#include <random>

#include "dhcp/codec.hpp"
#include "dhcp/delivery.hpp"
#include "dhcp/facts.hpp"
#include "../support/dhcp_packets.hpp"

using namespace bootfw;
using namespace bootfw::dhcp;
namespace opt = sdk::dhcp_option;

namespace {

std::vector<std::uint8_t> pxe_discover() {
  test::dhcp_packet_spec s;
  s.extra_options = {{55, 4, 1, 3, 43, 60}, {93, 2, 0, 0}, {94, 3, 1, 2, 1}, {57, 2, 0x05, 0xc0}};
  return test::dhcp_request_bytes(s);
}

sdk::dhcp_message decoded(const std::vector<std::uint8_t>& b) {
  auto r = decode(b);
  EXPECT_TRUE(r.message) << r.detail;
  return r.message.value_or(sdk::dhcp_message{});
}

std::string refusal(std::vector<std::uint8_t> b) {
  auto r = decode(b);
  EXPECT_FALSE(r.message);
  return r.detail;
}

}  // namespace

TEST(dhcp_codec, decodes_a_pxe_discover) {
  auto m = decoded(pxe_discover());
  EXPECT_EQ(m.op, 1);
  EXPECT_EQ(m.xid, 0x12345678u);
  EXPECT_EQ(m.type(), sdk::dhcp_message_type::discover);
  EXPECT_EQ(m.mac().to_string(), "08:00:07:26:c0:a5");
  EXPECT_EQ(m.options.get_string(opt::vendor_class_identifier), "PXEClient:Arch:00000:UNDI:002001");
  auto f = extract_facts(m);
  EXPECT_TRUE(f.is_pxe_client());
  ASSERT_EQ(f.architectures.size(), 1u);
  EXPECT_EQ(f.architectures[0], 0);
  ASSERT_TRUE(f.ndi);
  EXPECT_EQ((*f.ndi)[1], 2);
}

TEST(dhcp_codec, round_trips_header_fields_and_options) {
  sdk::dhcp_message m;
  m.op = 2;
  m.xid = 0xdeadbeef;
  m.flags = sdk::dhcp_message::broadcast_flag;
  m.yiaddr = sdk::ipv4_address(192, 168, 24, 203);
  m.siaddr = sdk::ipv4_address(192, 168, 24, 202);
  m.chaddr = {8, 0, 7, 0x26, 0xc0, 0xa5};
  m.file = "pxelinux.0";
  m.sname = "boot";
  m.set_type(sdk::dhcp_message_type::offer);
  m.options.set_address(opt::server_identifier, sdk::ipv4_address(192, 168, 24, 202));
  m.options.set_u32(opt::lease_time, 43200);
  m.options.set_string(opt::vendor_class_identifier, "PXEClient");
  auto b = encode(m, {});
  EXPECT_GE(b.size(), min_message_size);
  EXPECT_LE(b.size(), 548u);
  auto back = decoded(b);
  EXPECT_EQ(back.xid, m.xid);
  EXPECT_EQ(back.flags, m.flags);
  EXPECT_EQ(back.yiaddr, m.yiaddr);
  EXPECT_EQ(back.siaddr, m.siaddr);
  EXPECT_EQ(back.file, "pxelinux.0");
  EXPECT_EQ(back.sname, "boot");
  EXPECT_EQ(back.type(), sdk::dhcp_message_type::offer);
  EXPECT_EQ(back.options.get_u32(opt::lease_time), 43200u);
  EXPECT_EQ(back.options.get_string(opt::vendor_class_identifier), "PXEClient");
  // Message type first, server identifier second (what clients and captures expect).
  EXPECT_EQ(b[240], opt::message_type);
  EXPECT_EQ(b[243], opt::server_identifier);
}

TEST(dhcp_codec, concatenates_repeated_options_and_splits_long_ones) {  // RFC 3396
  sdk::dhcp_message m;
  m.op = 2;
  m.set_type(sdk::dhcp_message_type::ack);
  std::vector<std::uint8_t> long_value(300);
  for (std::size_t i = 0; i < long_value.size(); ++i) long_value[i] = std::uint8_t(i);
  m.options.set(opt::vendor_specific, long_value);
  encode_limits wide;
  wide.max_size = 1500 - ip_udp_overhead;
  auto b = encode(m, wide);
  auto v = test::parse_dhcp_reply(b);
  ASSERT_TRUE(v);
  int pieces = 0;
  for (auto& [code, value] : v->options) pieces += code == opt::vendor_specific;
  EXPECT_EQ(pieces, 2);
  EXPECT_EQ(decoded(b).options.find(opt::vendor_specific)->size(), 300u);
}

TEST(dhcp_codec, orders_options_by_the_parameter_request_list) {
  sdk::dhcp_message m;
  m.op = 2;
  m.set_type(sdk::dhcp_message_type::ack);
  m.options.set_address(opt::router, sdk::ipv4_address(1, 1, 1, 1));
  m.options.set_address(opt::subnet_mask, sdk::ipv4_address(255, 255, 255, 0));
  m.options.set_string(opt::host_name, "rambox");
  encode_limits l;
  l.parameter_order = {opt::host_name, opt::subnet_mask};
  auto v = test::parse_dhcp_reply(encode(m, l));
  ASSERT_TRUE(v);
  std::vector<std::uint8_t> codes;
  for (auto& [c, _] : v->options) codes.push_back(c);
  EXPECT_EQ(codes, (std::vector<std::uint8_t>{opt::message_type, opt::host_name, opt::subnet_mask, opt::router}));
}

TEST(dhcp_codec, never_exceeds_the_clients_maximum_message_size) {
  sdk::dhcp_message req = decoded(pxe_discover());  // opt 57 = 1472
  auto l = limits_for(req);
  EXPECT_EQ(l.max_size, 1472u - ip_udp_overhead);
  sdk::dhcp_message m;
  m.op = 2;
  m.file = "pxelinux.0";  // file and sname busy: no overload possible
  m.sname = "x";
  m.set_type(sdk::dhcp_message_type::offer);
  for (std::uint8_t code = 200; code < 210; ++code) m.options.set(code, std::vector<std::uint8_t>(200, code));
  // Default (no opt 57): 576-byte IP datagram, so 548 bytes of DHCP.
  auto small = encode(m, encode_limits{});
  EXPECT_LE(small.size(), 548u);
  EXPECT_EQ(decoded(small).type(), sdk::dhcp_message_type::offer);
  auto big = encode(m, l);
  EXPECT_LE(big.size(), 1472u - ip_udp_overhead);
  EXPECT_GT(decoded(big).options.size(), decoded(small).options.size());
  // opt 57 below 576 is raised to 576 (RFC 2132 §9.10: the minimum legal value).
  sdk::dhcp_message tiny;
  tiny.options.set_u16(opt::max_message_size, 100);
  EXPECT_EQ(limits_for(tiny).max_size, 576u - ip_udp_overhead);
}

TEST(dhcp_codec, overloads_file_and_sname_when_options_do_not_fit) {  // RFC 2132 §9.3
  sdk::dhcp_message m;
  m.op = 2;
  m.set_type(sdk::dhcp_message_type::ack);
  for (std::uint8_t code = 200; code < 203; ++code) m.options.set(code, std::vector<std::uint8_t>(100, code));
  auto b = encode(m, encode_limits{});
  ASSERT_LE(b.size(), 548u);
  auto back = decoded(b);
  for (std::uint8_t code = 200; code < 203; ++code) EXPECT_TRUE(back.options.contains(code)) << int(code);
  EXPECT_FALSE(back.options.contains(opt::overload));  // folded away by the decoder
  EXPECT_TRUE(back.file.empty());
}

TEST(dhcp_codec, echoes_relay_agent_information_last) {  // RFC 3046 §2.2
  test::dhcp_packet_spec s;
  s.giaddr = 0x0a000001;
  s.extra_options = {{82, 6, 1, 4, 'p', 'o', 'r', 't'}};
  auto req = decoded(test::dhcp_request_bytes(s));
  sdk::dhcp_message m;
  m.op = 2;
  m.set_type(sdk::dhcp_message_type::offer);
  m.options.set_u32(opt::lease_time, 60);
  auto v = test::parse_dhcp_reply(encode(m, limits_for(req)));
  ASSERT_TRUE(v);
  ASSERT_FALSE(v->options.empty());
  EXPECT_EQ(v->options.back().first, 82);
  EXPECT_EQ(v->options.back().second, (std::vector<std::uint8_t>{1, 4, 'p', 'o', 'r', 't'}));
}

// RFC 3046 §2.2: the whole option, whatever its legal length (up to 255), in every reply, last in the options
// field. Replies used to leave out any opt 82 of 127 bytes or more.
TEST(dhcp_codec, echoes_a_long_relay_agent_information_whole_and_last) {
  for (std::size_t length : {127, 200, 255}) {
    std::vector<std::uint8_t> relay_info{1, std::uint8_t(length - 2)};  // one circuit-id sub-option
    for (std::size_t i = 2; i < length; ++i) relay_info.push_back(std::uint8_t(i));
    auto raw = relay_info;
    raw.insert(raw.begin(), {std::uint8_t(82), std::uint8_t(length)});
    test::dhcp_packet_spec s;
    s.giaddr = 0x0a000001;
    s.extra_options = {raw};
    auto req = decoded(test::dhcp_request_bytes(s));
    sdk::dhcp_message m;
    m.op = 2;
    m.set_type(sdk::dhcp_message_type::offer);
    m.options.set_address(opt::server_identifier, sdk::ipv4_address(10, 0, 0, 2));
    m.options.set_u32(opt::lease_time, 600);
    m.options.set_address(opt::subnet_mask, sdk::ipv4_address(255, 255, 255, 0));
    m.options.set_address(opt::router, sdk::ipv4_address(10, 0, 0, 1));
    m.options.set(opt::vendor_specific, std::vector<std::uint8_t>(60, 7));  // must move to file/sname
    encode_report report;
    auto b = encode(m, limits_for(req), &report);  // no opt 57: 548 bytes at most
    EXPECT_LE(b.size(), 548u) << length;
    EXPECT_FALSE(report.relay_info_left_out) << length;
    auto v = test::parse_dhcp_reply(b);
    ASSERT_TRUE(v) << length;
    ASSERT_FALSE(v->options.empty());
    EXPECT_EQ(v->options.front().first, opt::message_type) << length;
    EXPECT_EQ(v->options.back().first, 82) << length;
    EXPECT_EQ(v->options.back().second, relay_info) << length;
    auto back = decoded(b);
    auto echoed = back.options.find(opt::relay_agent_info);
    ASSERT_TRUE(echoed) << length;
    EXPECT_EQ(echoed->size(), length);
    for (std::uint8_t code : {opt::server_identifier, opt::lease_time, opt::subnet_mask, opt::router,
                              opt::vendor_specific})
      EXPECT_TRUE(back.options.contains(code)) << "opt " << int(code) << " lost beside a " << length << "-byte opt 82";
  }
}

TEST(dhcp_codec, reports_a_relay_agent_information_it_cannot_echo) {
  sdk::dhcp_message m;
  m.op = 2;
  m.set_type(sdk::dhcp_message_type::ack);
  encode_limits l;
  l.relay_info = std::vector<std::uint8_t>(300, 1);  // two concatenated opt 82s (RFC 3396): not one option
  encode_report report;
  auto v = test::parse_dhcp_reply(encode(m, l, &report));
  ASSERT_TRUE(v);
  EXPECT_TRUE(report.relay_info_left_out);
  EXPECT_EQ(report.relay_info_size, 300u);
  for (auto& [code, _] : v->options) EXPECT_NE(code, 82);
  l.relay_info = std::vector<std::uint8_t>(255, 1);
  (void)encode(m, l, &report);
  EXPECT_FALSE(report.relay_info_left_out);
}

TEST(dhcp_codec, a_boot_name_longer_than_its_field_is_left_out_and_reported_never_cut) {
  sdk::dhcp_message m;
  m.op = 2;
  m.set_type(sdk::dhcp_message_type::offer);
  m.file = std::string(127, 'f');  // the longest that fits with its NUL
  m.sname = std::string(63, 's');
  encode_report report;
  auto bytes = encode(m, encode_limits{}, &report);
  EXPECT_EQ(report.file_too_long, 0u);
  EXPECT_EQ(report.sname_too_long, 0u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 108, 127), m.file);
  m.file = std::string(128, 'f') + "/pxelinux.0";  // cut at 127 it would name another file
  m.sname = std::string(64, 's');
  bytes = encode(m, encode_limits{}, &report);
  EXPECT_EQ(report.file_too_long, 139u);
  EXPECT_EQ(report.sname_too_long, 64u);
  EXPECT_EQ(bytes[108], 0) << "file sent empty";
  EXPECT_EQ(bytes[44], 0) << "sname sent empty";
}

TEST(dhcp_codec, refuses_malformed_datagrams_with_a_reason) {
  auto good = pxe_discover();
  EXPECT_NE(refusal({}).find("shorter"), std::string::npos);
  EXPECT_NE(refusal(std::vector<std::uint8_t>(good.begin(), good.begin() + 239)).find("shorter"), std::string::npos);
  auto no_cookie = good;
  no_cookie[236] = 0;
  EXPECT_NE(refusal(no_cookie).find("cookie"), std::string::npos);
  auto no_end = std::vector<std::uint8_t>(good.begin(), good.begin() + 243);  // cookie + 53/1/1, no END
  EXPECT_NE(refusal(no_end).find("END"), std::string::npos);
  auto past_end = std::vector<std::uint8_t>(good.begin(), good.begin() + 240);
  for (std::uint8_t c : {60, 200, 80}) past_end.push_back(c);
  EXPECT_NE(refusal(past_end).find("past the end"), std::string::npos);
  auto huge_hlen = good;
  huge_hlen[2] = 200;
  EXPECT_NE(refusal(huge_hlen).find("hlen"), std::string::npos);
  auto bad_op = good;
  bad_op[0] = 7;
  EXPECT_NE(refusal(bad_op).find("op"), std::string::npos);
  auto hops = good;
  hops[3] = 200;
  EXPECT_NE(refusal(hops).find("hops"), std::string::npos);
  auto bad_type = good;
  bad_type[241] = 2;  // 53 with length 2
  bad_type[243] = 0;
  EXPECT_FALSE(decode(bad_type).message && decode(bad_type).message->type() != sdk::dhcp_message_type::none);
  auto bad_overload = std::vector<std::uint8_t>(good.begin(), good.begin() + 240);
  for (std::uint8_t c : {53, 1, 1, 52, 1, 9, 255}) bad_overload.push_back(c);
  EXPECT_NE(refusal(bad_overload).find("overload"), std::string::npos);
}

TEST(dhcp_codec, zero_length_and_unknown_type_options_do_not_crash) {
  auto d = pxe_discover();
  auto b = std::vector<std::uint8_t>(d.begin(), d.begin() + 240);
  for (std::uint8_t c : {53, 1, 42, 61, 0, 12, 0, 255}) b.push_back(c);
  auto m = decoded(b);
  EXPECT_EQ(m.type(), sdk::dhcp_message_type::none);  // 42 is no message type: the service drops it
  EXPECT_TRUE(m.options.find(61)->empty());
  auto f = extract_facts(m);
  EXPECT_TRUE(f.client_id.empty());
}

TEST(dhcp_codec, random_garbage_never_crashes) {
  std::mt19937 rng(42);
  auto base = pxe_discover();
  std::size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    auto b = base;
    b.resize(241 + rng() % 200);
    for (int k = 0; k < 8; ++k) b[240 + rng() % (b.size() - 240)] = std::uint8_t(rng());
    if (i % 3 == 0) b[rng() % 240] = std::uint8_t(rng());
    auto r = decode(b);
    if (r.message) {
      ++accepted;
      (void)encode(*r.message, limits_for(*r.message));
    } else {
      EXPECT_FALSE(r.detail.empty());
    }
  }
  EXPECT_GT(accepted, 0u);
}

TEST(dhcp_delivery, follows_rfc2131_section_4_1) {
  sdk::dhcp_message req, reply;
  req.htype = 1;
  req.hlen = 6;
  reply.yiaddr = sdk::ipv4_address(192, 168, 24, 203);
  reply.set_type(sdk::dhcp_message_type::offer);
  EXPECT_EQ(plan_delivery(req, reply).kind, delivery_kind::unicast_needs_arp);
  EXPECT_EQ(plan_delivery(req, reply).to.address, reply.yiaddr);
  req.flags = sdk::dhcp_message::broadcast_flag;
  EXPECT_EQ(plan_delivery(req, reply).kind, delivery_kind::broadcast);
  req.ciaddr = sdk::ipv4_address(192, 168, 24, 9);
  EXPECT_EQ(plan_delivery(req, reply).kind, delivery_kind::unicast_ciaddr);
  EXPECT_EQ(plan_delivery(req, reply).to.address, req.ciaddr);
  req.giaddr = sdk::ipv4_address(10, 0, 0, 1);
  EXPECT_EQ(plan_delivery(req, reply).kind, delivery_kind::relay);
  EXPECT_EQ(plan_delivery(req, reply).to.address, req.giaddr);
  req.giaddr = {};
  reply.set_type(sdk::dhcp_message_type::nak);
  EXPECT_EQ(plan_delivery(req, reply).kind, delivery_kind::broadcast);
  EXPECT_TRUE(plan_delivery(req, reply).to.address.is_broadcast());
}

// RFC 2131 §4.3.2: a REBINDING client broadcasts, a RENEWING one unicasts to its server; responders learn
// which from client_facts::broadcast.
TEST(dhcp_facts, tells_a_broadcast_destination_from_a_unicast_one) {
  const sdk::ipv4_address iface(192, 168, 24, 202), mask(255, 255, 255, 0);
  EXPECT_TRUE(is_broadcast_destination(sdk::ipv4_address(0xffffffffu), iface, mask));
  EXPECT_TRUE(is_broadcast_destination(sdk::ipv4_address(192, 168, 24, 255), iface, mask));  // directed
  EXPECT_FALSE(is_broadcast_destination(iface, iface, mask));                                 // RENEWING
  EXPECT_FALSE(is_broadcast_destination(sdk::ipv4_address(192, 168, 25, 255), iface, mask));  // another net
  EXPECT_FALSE(is_broadcast_destination(sdk::ipv4_address(192, 168, 24, 255), iface, {}));    // mask unknown
  EXPECT_FALSE(is_broadcast_destination(iface, iface, sdk::ipv4_address(0xffffffffu)));       // a /32
  EXPECT_TRUE(is_broadcast_destination(sdk::ipv4_address(0xffffffffu), {}, {}));
}

// RFC 2131 §4.1, RFC 2132 §9.7: the server identifier is an address of this server, never the broadcast the
// request was sent to. A request to the directed broadcast 192.168.24.255 got opt 54 = 192.168.24.255 and
// its reply, sent from that address, never left ("Network is unreachable").
TEST(dhcp_facts, server_address_is_the_interface_address_for_any_broadcast) {
  const sdk::ipv4_address iface(192, 168, 24, 202), mask(255, 255, 255, 0);
  EXPECT_EQ(server_address_for(sdk::ipv4_address(0xffffffffu), iface, mask), iface);
  EXPECT_EQ(server_address_for(sdk::ipv4_address(192, 168, 24, 255), iface, mask), iface);  // directed
  EXPECT_EQ(server_address_for(sdk::ipv4_address(), iface, mask), iface);
  EXPECT_EQ(server_address_for(iface, iface, mask), iface);  // unicast (RENEWING)
  const sdk::ipv4_address alias(192, 168, 24, 9);             // unicast to another address of this host
  EXPECT_EQ(server_address_for(alias, iface, mask), alias);
  EXPECT_EQ(server_address_for(sdk::ipv4_address(10, 0, 0, 255), sdk::ipv4_address(10, 0, 0, 1),
                               sdk::ipv4_address(255, 255, 255, 0)),
            sdk::ipv4_address(10, 0, 0, 1));
}
