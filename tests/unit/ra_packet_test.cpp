// IPv6 RA responder wire format: RS validity (RFC 4861 §6.1.1), RA building (§4.2, §4.6.1) and parsing (§6.1.2).
#include <gtest/gtest.h>

#include "ra/packet.hpp"

using namespace bootfw::ra;

namespace {

const ipv6_bytes link_local_source{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
const ipv6_bytes global_source{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

received_meta from(const ipv6_bytes& source, int hop_limit = 255) { return {source, hop_limit}; }

std::vector<std::uint8_t> rs(bool with_lla) {
  std::vector<std::uint8_t> b{133, 0, 0, 0, 0, 0, 0, 0};
  if (with_lla) b.insert(b.end(), {1, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
  return b;
}

TEST(ra_packet, accepts_a_solicitation_from_a_link_local_host_and_reads_its_mac) {
  auto c = check_solicitation(rs(true), from(link_local_source));
  ASSERT_TRUE(c.valid) << c.reason;
  ASSERT_TRUE(c.source_lla);
  EXPECT_EQ(c.source_lla->to_string(), "52:54:00:12:34:56");
}

TEST(ra_packet, accepts_a_solicitation_from_the_unspecified_address_without_lla) {
  EXPECT_TRUE(check_solicitation(rs(false), from(ipv6_bytes{})).valid);
}

TEST(ra_packet, rejects_a_solicitation_that_did_not_come_from_the_link) {
  auto c = check_solicitation(rs(false), from(link_local_source, 64));  // forwarded by a router
  EXPECT_FALSE(c.valid);
  EXPECT_NE(c.reason.find("hop limit"), std::string::npos);
  EXPECT_FALSE(check_solicitation(rs(false), from(link_local_source, -1)).valid) << "no hop limit known";
}

TEST(ra_packet, rejects_nonzero_code_short_messages_and_zero_length_options) {
  auto bad_code = rs(false);
  bad_code[1] = 1;
  EXPECT_FALSE(check_solicitation(bad_code, from(link_local_source)).valid);
  EXPECT_FALSE(check_solicitation(std::vector<std::uint8_t>{133, 0, 0, 0, 0, 0, 0}, from(link_local_source)).valid);
  auto zero_len = rs(false);
  zero_len.insert(zero_len.end(), {1, 0, 0, 0, 0, 0, 0, 0});
  auto c = check_solicitation(zero_len, from(link_local_source));
  EXPECT_FALSE(c.valid);
  EXPECT_NE(c.reason.find("length 0"), std::string::npos);
  auto overrun = rs(false);
  overrun.insert(overrun.end(), {1, 2, 0, 0, 0, 0, 0, 0});  // claims 16 octets, has 8
  EXPECT_FALSE(check_solicitation(overrun, from(link_local_source)).valid);
}

TEST(ra_packet, rejects_a_source_lla_option_from_the_unspecified_address) {
  auto c = check_solicitation(rs(true), from(ipv6_bytes{}));
  EXPECT_FALSE(c.valid);
  EXPECT_FALSE(c.source_lla);
}

TEST(ra_packet, default_advertisement_changes_nothing) {
  advertisement_params p;
  p.source_lla = bootfw::sdk::mac_address({0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee});
  auto bytes = build_advertisement(p);
  ASSERT_EQ(bytes.size(), 24u);  // 16-octet header + one 8-octet Source Link-Layer Address option
  EXPECT_EQ(bytes[0], 134);
  EXPECT_EQ(bytes[1], 0);
  EXPECT_EQ(bytes[4], 0) << "cur hop limit unspecified";
  EXPECT_EQ(bytes[5], 0) << "M and O clear";
  EXPECT_EQ(bytes[6], 0);
  EXPECT_EQ(bytes[7], 0) << "router lifetime 0: not a default router";
  for (std::size_t i = 8; i < 16; ++i) EXPECT_EQ(bytes[i], 0) << "reachable time / retrans timer unspecified, octet " << i;
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 16, bytes.end()),
            (std::vector<std::uint8_t>{1, 1, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}));

  auto parsed = parse_advertisement(bytes, from(link_local_source));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->router_lifetime, 0);
  EXPECT_FALSE(parsed->managed);
  EXPECT_FALSE(parsed->other_config);
  EXPECT_FALSE(parsed->has_prefix_information);
  EXPECT_EQ(parsed->option_count, 1u);
  ASSERT_TRUE(parsed->source_lla);
  EXPECT_EQ(parsed->source_lla->to_string(), "02:aa:bb:cc:dd:ee");
}

TEST(ra_packet, operator_settings_reach_the_wire) {
  advertisement_params p;
  p.router_lifetime = 1800;
  p.managed = true;
  p.other_config = true;
  auto bytes = build_advertisement(p);
  EXPECT_EQ(bytes.size(), 16u) << "no MAC, no option";
  auto parsed = parse_advertisement(bytes, from(link_local_source));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->router_lifetime, 1800);
  EXPECT_TRUE(parsed->managed);
  EXPECT_TRUE(parsed->other_config);
  EXPECT_FALSE(parsed->source_lla);
}

TEST(ra_packet, another_routers_advertisement_must_be_valid_to_count) {
  std::vector<std::uint8_t> ra{134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0};
  ra.insert(ra.end(), {3, 4});  // Prefix Information, 32 octets
  ra.resize(ra.size() + 30, 0);
  auto ok = parse_advertisement(ra, from(link_local_source));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->has_prefix_information);
  EXPECT_EQ(ok->router_lifetime, 1800);
  EXPECT_EQ(ok->cur_hop_limit, 64);
  std::string why;
  EXPECT_FALSE(parse_advertisement(ra, from(global_source), &why)) << "RFC 4861 §6.1.2: source must be link-local";
  EXPECT_NE(why.find("link-local"), std::string::npos);
  EXPECT_FALSE(parse_advertisement(ra, from(link_local_source, 254)));
  EXPECT_FALSE(parse_advertisement(std::span(ra).first(15), from(link_local_source)));
}

TEST(ra_packet, answers_go_to_the_solicitor_or_to_all_nodes) {
  EXPECT_EQ(answer_destination(link_local_source), link_local_source);
  EXPECT_EQ(answer_destination(ipv6_bytes{}), all_nodes());
  EXPECT_EQ(to_string(all_nodes()), "ff02::1");
  EXPECT_EQ(to_string(all_routers()), "ff02::2");
  EXPECT_TRUE(is_link_local(link_local_source));
  EXPECT_FALSE(is_link_local(global_source));
}

}  // namespace
