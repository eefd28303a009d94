// `bootfw hxip`, run as a user runs it: through the bootfw CLI, which execs bootfw-hxip next to itself.
#include <gtest/gtest.h>

#include "../../../tests/support/test_support.hpp"

namespace {

std::pair<int, std::string> hxip(const std::string& args) {
  return bootfw::test::run(std::string(BOOTFW_CLI) + " hxip " + args);
}

TEST(pxelinux_hxip, prints_the_seed_address_in_hex) {
  EXPECT_EQ(hxip("192.168.24.203"), (std::pair<int, std::string>{0, "C0A818CB\n"}));
}

TEST(pxelinux_hxip, edge_addresses) {
  EXPECT_EQ(hxip("0.0.0.0").second, "00000000\n");
  EXPECT_EQ(hxip("255.255.255.255").second, "FFFFFFFF\n");
  EXPECT_EQ(hxip("10.10.24.203").second, "0A0A18CB\n");  // the seed's own example for its hxip()
  EXPECT_EQ(hxip("192.168.24.203 10.0.0.1"), (std::pair<int, std::string>{0, "C0A818CB\n0A000001\n"}));
}

TEST(pxelinux_hxip, bad_input_is_a_clear_error_with_exit_status_2) {
  for (std::string bad : {"300.1.1.1", "192.168.24", "192.168.24.203.1", "hello", "' 1.2.3.4'", "1.2.3.04x"}) {
    auto [status, out] = hxip(bad);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_NE(out.find("is not an IPv4 address"), std::string::npos) << out;
  }
  auto [status, out] = hxip("");
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("no address given"), std::string::npos) << out;
  EXPECT_EQ(hxip("--frobnicate 1.2.3.4").first, 2);
}

TEST(pxelinux_hxip, chain_prints_the_whole_search_list) {
  auto [status, out] = hxip("--chain --mac 08:00:07:26:c0:a5 --ip 192.168.24.203 --uuid b8945908-d6a6-41a9-611d-74a6ab80b83d");
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out,
            "b8945908-d6a6-41a9-611d-74a6ab80b83d\n01-08-00-07-26-c0-a5\nC0A818CB\nC0A818C\nC0A818\nC0A81\nC0A8\n"
            "C0A\nC0\nC\ndefault\n");
  EXPECT_EQ(hxip("--chain --ip 10.10.24.203 --directory pxelinux.cfg").second,
            "pxelinux.cfg/0A0A18CB\npxelinux.cfg/0A0A18C\npxelinux.cfg/0A0A18\npxelinux.cfg/0A0A1\n"
            "pxelinux.cfg/0A0A\npxelinux.cfg/0A0\npxelinux.cfg/0A\npxelinux.cfg/0\npxelinux.cfg/default\n");
  EXPECT_EQ(hxip("--chain --mac 08:00:07:26:c0").first, 2);
  EXPECT_EQ(hxip("--chain --uuid not-a-uuid").first, 2);
  EXPECT_EQ(hxip("--chain").first, 2);
}

TEST(pxelinux_hxip, the_helper_runs_on_its_own_too) {
  auto [status, out] = bootfw::test::run(std::string(BOOTFW_BINARY_DIR) + "/framework/bootfw-hxip 192.168.24.203");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, "C0A818CB\n");
}

}  // namespace
