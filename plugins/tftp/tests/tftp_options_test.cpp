// Option negotiation edge values: RFC 2348 blksize, RFC 2349 timeout/tsize, RFC 7440 windowsize.
#include <gtest/gtest.h>

#include "tftp_options.hpp"

using namespace bootfw::plugin_tftp;

namespace {

negotiation_limits wide() {
  negotiation_limits l;
  l.max_blksize = max_blksize_rfc;
  l.max_windowsize = max_windowsize_rfc;
  l.max_window_bytes = std::size_t(1) << 40;
  return l;
}

negotiated_options one(std::string name, std::string value, negotiation_limits l = wide(),
                       std::optional<std::uint64_t> size = 1000) {
  return negotiate({{std::move(name), std::move(value)}}, l, size);
}

std::string acked(const negotiated_options& n, std::string_view name) {
  for (auto& [k, v] : n.acknowledged)
    if (k == name) return v;
  return "<absent>";
}

TEST(tftp_options, blksize_edges) {
  EXPECT_EQ(acked(one("blksize", "0"), "blksize"), "<absent>");
  EXPECT_EQ(one("blksize", "0").blksize, 512u);
  EXPECT_EQ(acked(one("blksize", "7"), "blksize"), "<absent>");
  EXPECT_EQ(acked(one("blksize", "8"), "blksize"), "8");
  EXPECT_EQ(one("blksize", "8").blksize, 8u);
  EXPECT_EQ(acked(one("blksize", "65464"), "blksize"), "65464");
  // Above the RFC 2348 maximum: answered with the largest value we accept (a server may lower it).
  EXPECT_EQ(acked(one("blksize", "65465"), "blksize"), "65464");
  EXPECT_EQ(acked(one("blksize", "99999999999999999999999"), "blksize"), "<absent>");
  EXPECT_EQ(acked(one("blksize", "-1"), "blksize"), "<absent>");
  EXPECT_EQ(acked(one("blksize", " 512"), "blksize"), "<absent>");
  EXPECT_EQ(acked(one("blksize", ""), "blksize"), "<absent>");
}

TEST(tftp_options, blksize_capped_by_mtu) {
  auto l = wide();
  l.max_blksize = blksize_for_mtu(1500);
  EXPECT_EQ(l.max_blksize, 1468u);
  EXPECT_EQ(acked(one("blksize", "65464", l), "blksize"), "1468");
  EXPECT_EQ(acked(one("blksize", "1432", l), "blksize"), "1432");
  EXPECT_EQ(blksize_for_mtu(65536), 65464u);
  EXPECT_EQ(blksize_for_mtu(0), 1468u);
}

TEST(tftp_options, timeout_edges) {
  EXPECT_EQ(acked(one("timeout", "0"), "timeout"), "<absent>");
  EXPECT_FALSE(one("timeout", "0").timeout);
  EXPECT_EQ(acked(one("timeout", "1"), "timeout"), "1");
  EXPECT_EQ(one("timeout", "1").timeout, std::chrono::seconds(1));
  EXPECT_EQ(acked(one("timeout", "255"), "timeout"), "255");
  EXPECT_EQ(acked(one("timeout", "256"), "timeout"), "<absent>");
  EXPECT_FALSE(one("timeout", "256").timeout);
}

TEST(tftp_options, windowsize_edges) {
  EXPECT_EQ(acked(one("windowsize", "0"), "windowsize"), "<absent>");
  EXPECT_EQ(one("windowsize", "0").windowsize, 1u);
  EXPECT_EQ(acked(one("windowsize", "1"), "windowsize"), "1");
  EXPECT_EQ(acked(one("windowsize", "65535"), "windowsize"), "65535");
  EXPECT_EQ(acked(one("windowsize", "65536"), "windowsize"), "<absent>");
  negotiation_limits l;  // defaults: max_windowsize 64, 4 MiB
  EXPECT_EQ(acked(one("windowsize", "65535", l), "windowsize"), "64");
}

TEST(tftp_options, window_bytes_bound_windowsize_times_blksize) {
  negotiation_limits l = wide();
  l.max_window_bytes = 64 * 1024;
  auto n = negotiate({{"windowsize", "64"}, {"blksize", "8192"}}, l, 1);
  EXPECT_EQ(n.blksize, 8192u);
  EXPECT_EQ(n.windowsize, 8u);
  // OACK keeps the client's order.
  ASSERT_EQ(n.acknowledged.size(), 2u);
  EXPECT_EQ(n.acknowledged[0].first, "windowsize");
  EXPECT_EQ(n.acknowledged[1].first, "blksize");
}

TEST(tftp_options, tsize_reports_real_size_and_needs_a_known_size) {
  EXPECT_EQ(acked(one("tsize", "0", wide(), 123456789012ull), "tsize"), "123456789012");
  EXPECT_EQ(acked(one("tsize", "0", wide(), std::nullopt), "tsize"), "<absent>");
  EXPECT_EQ(acked(one("tsize", "x"), "tsize"), "<absent>");
}

TEST(tftp_options, unknown_options_ignored_and_no_oack_without_acknowledged_options) {
  auto n = negotiate({{"multicast", ""}, {"utimeout", "5000"}, {"blksize", "7"}}, wide(), 10);
  EXPECT_TRUE(n.acknowledged.empty());
  EXPECT_EQ(n.blksize, 512u);
  EXPECT_EQ(n.windowsize, 1u);
}

TEST(tftp_options, parse_decimal_strict) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), 18446744073709551615ull);
  EXPECT_FALSE(parse_decimal("18446744073709551616"));
  EXPECT_FALSE(parse_decimal("+1"));
  EXPECT_FALSE(parse_decimal("1 "));
}

}  // namespace
