// Packet codec (RFC 1350 §5, RFC 2347): requests, ACK, ERROR, OACK, DATA headers.
#include <gtest/gtest.h>

#include "tftp_packet.hpp"
#include "tftp_test_support.hpp"

using namespace bootfw::plugin_tftp;
using namespace bootfw::plugin_tftp::testing;

namespace {

std::vector<std::byte> raw(std::initializer_list<int> prefix, std::string_view rest) {
  std::vector<std::byte> out;
  for (int b : prefix) out.push_back(std::byte(b));
  for (char c : rest) out.push_back(std::byte(static_cast<unsigned char>(c)));
  return out;
}

TEST(tftp_codec, parses_rrq_with_options_case_insensitively) {
  auto p = build_request(opcode::rrq, "pxelinux.0", "OcTeT", {{"BLKSIZE", "1432"}, {"tsize", "0"}});
  auto r = parse_request(p);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.value->op, opcode::rrq);
  EXPECT_EQ(r.value->filename, "pxelinux.0");
  EXPECT_EQ(r.value->mode, transfer_mode::octet);
  ASSERT_EQ(r.value->options.size(), 2u);
  EXPECT_EQ(r.value->options[0].name, "blksize");
  EXPECT_EQ(r.value->options[0].value, "1432");
  EXPECT_EQ(r.value->options[1].name, "tsize");
}

TEST(tftp_codec, netascii_mode_and_leading_slash_stripped_once) {
  auto r = parse_request(build_request(opcode::rrq, "//pxelinux.cfg/default", "netascii"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->mode, transfer_mode::netascii);
  EXPECT_EQ(r.value->filename, "/pxelinux.cfg/default");
}

TEST(tftp_codec, refuses_bad_names) {
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "", "octet")).error.code, error_code::access_violation);
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "/", "octet")).error.code, error_code::access_violation);
  EXPECT_EQ(parse_request(build_request(opcode::rrq, std::string(256, 'a'), "octet")).error.code,
            error_code::access_violation);
  EXPECT_TRUE(parse_request(build_request(opcode::rrq, std::string(255, 'a'), "octet")).ok());
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "a\nb", "octet")).error.code, error_code::access_violation);
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "a\x7f", "octet")).error.code, error_code::access_violation);
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "a\x1b[2J", "octet")).error.code, error_code::access_violation);
  // A NUL inside the name: its tail is read as the mode, which is refused.
  auto nul_inside = raw({0, 1}, std::string("pxe\0linux.0\0octet\0", 19));
  auto r = parse_request(nul_inside);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, error_code::illegal_operation);
}

TEST(tftp_codec, refuses_malformed_structure_and_modes) {
  EXPECT_EQ(parse_request(raw({0, 1}, "file")).error.code, error_code::illegal_operation);
  EXPECT_EQ(parse_request(raw({0, 1}, std::string("file\0octet", 10))).error.code, error_code::illegal_operation);
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "f", "mail")).error.code, error_code::illegal_operation);
  EXPECT_EQ(parse_request(build_request(opcode::rrq, "f", "binary")).error.code, error_code::illegal_operation);
  EXPECT_FALSE(parse_request(build_ack(1)).ok());
}

TEST(tftp_codec, tolerates_padding_and_incomplete_trailing_option) {
  auto p = build_request(opcode::rrq, "f", "octet", {{"blksize", "1024"}});
  for (char c : std::string("tsize\0", 6)) p.push_back(std::byte(c));  // name without value
  auto r = parse_request(p);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value->options.size(), 1u);
  EXPECT_EQ(r.value->options[0].value, "1024");
}

TEST(tftp_codec, duplicate_option_keeps_the_first) {
  auto r = parse_request(build_request(opcode::rrq, "f", "octet", {{"blksize", "1024"}, {"BlkSize", "8"}}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value->options.size(), 1u);
  EXPECT_EQ(r.value->options[0].value, "1024");
}

TEST(tftp_codec, error_packets_of_any_length) {
  auto e4 = parse_error(raw({0, 5, 0, 8}, ""));
  ASSERT_TRUE(e4);
  EXPECT_EQ(e4->code, 8);
  EXPECT_EQ(e4->message, "");
  auto e2 = parse_error(raw({0, 5}, ""));
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->code, 0);
  auto full = parse_error(build_error(error_code::file_not_found, "File not found"));
  ASSERT_TRUE(full);
  EXPECT_EQ(full->code, 1);
  EXPECT_EQ(full->message, "File not found");
  auto unterminated = parse_error(raw({0, 5, 0, 0}, "oops\x01"));
  ASSERT_TRUE(unterminated);
  EXPECT_EQ(unterminated->message, "oops?");
  EXPECT_FALSE(parse_error(build_ack(3)));
}

TEST(tftp_codec, ack_and_data_header) {
  EXPECT_EQ(parse_ack(build_ack(65535)), 65535);
  EXPECT_FALSE(parse_ack(raw({0, 4, 1}, "")));
  std::byte h[4];
  write_data_header(h, 0x1234);
  EXPECT_EQ(std::to_integer<int>(h[1]), 3);
  EXPECT_EQ(std::to_integer<int>(h[2]), 0x12);
  EXPECT_EQ(std::to_integer<int>(h[3]), 0x34);
}

TEST(tftp_codec, oack_layout) {
  auto p = build_oack({{"blksize", "1468"}, {"tsize", "42"}});
  EXPECT_EQ(text(p), std::string("\0\6blksize\0" "1468\0tsize\0" "42\0", 24));
}

TEST(tftp_codec, unknown_opcodes) {
  EXPECT_FALSE(peek_opcode(raw({0, 7}, "")));
  EXPECT_FALSE(peek_opcode(raw({0}, "")));
  EXPECT_EQ(peek_opcode(raw({0, 6}, "")), opcode::oack);
}

}  // namespace
