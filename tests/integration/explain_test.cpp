// `bootfw explain` with the shipped plugins and the seed's dhcpd.conf exactly as printed: the seed's client
// is walked from DISCOVER to its pxelinux configuration; an unknown client is refused, naming the rule.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "../support/test_support.hpp"

using bootfw::test::run;
using bootfw::test::temp_dir;

namespace {

const std::string cli = BOOTFW_CLI;
const std::string seed_conf = std::string(BOOTFW_SOURCE_DIR) + "/examples/rambox/dhcpd.conf";

struct seed_setup {
  temp_dir dir;
  std::string plugins;
  seed_setup() {
    std::filesystem::copy_file(seed_conf, dir.path / "dhcpd.conf");
    dir.write("root/pxelinux.0", "pxelinux");
    dir.write("root/pxelinux.cfg/C0A818CB",
              "DEFAULT bzImage\nLABEL bzImage\nKERNEL bzImage\nAPPEND initrd=initramfs.cpio.gz rw ip=dhcp shell\n");
    dir.write("root/bzImage", "kernel");
    dir.write("root/initramfs.cpio.gz", "initramfs");
    const std::string lib = BOOTFW_TEST_PLUGIN_DIR;
    plugins = dir.write("plugins.toml", fmt::format(R"(
[server]
state_directory = "{state}"
[[plugin]]
name = "dhcp"
kind = "dhcp-responder"
library = "{lib}/bootfw-isc-dhcp.so"
[plugin.config]
dhcpd_conf = "dhcpd.conf"
[[plugin]]
name = "pxe"
kind = "boot-policy"
library = "{lib}/bootfw-pxe-policy.so"
[plugin.config]
dhcpd_conf = "dhcpd.conf"
[[plugin]]
name = "pxelinux"
kind = "config-resolver"
library = "{lib}/bootfw-pxelinux.so"
[[plugin]]
name = "files"
kind = "artifact-provider"
library = "{lib}/bootfw-file.so"
[plugin.config]
root = "root"
)",
                                                    fmt::arg("state", dir.str() + "/state"), fmt::arg("lib", lib)));
  }
  std::string explain(const std::string& args) {
    auto [status, out] = run(fmt::format("{} explain --plugins {} {} 2>/dev/null", cli, plugins, args));
    EXPECT_EQ(status, 0) << out;
    return out;
  }
};

// Each expected line must appear, in this order, as (a substring of) its own output line.
void expect_lines_in_order(const std::string& out, const std::vector<std::string>& expected) {
  std::istringstream in(out);
  std::string line;
  std::size_t next = 0;
  while (next < expected.size() && std::getline(in, line))
    if (line.find(expected[next]) != std::string::npos) ++next;
  EXPECT_EQ(next, expected.size()) << "missing from here on: \"" << (next < expected.size() ? expected[next] : "")
                                   << "\"\n--- output ---\n"
                                   << out;
}

}  // namespace

TEST(explain, walks_the_seed_client_from_discover_to_its_pxelinux_config) {
  seed_setup s;
  auto out = s.explain("--mac 08:00:07:26:c0:a5 --vendor-class PXEClient:Arch:00000:UNDI:002001 "
                       "--server-address 192.168.24.202");
  expect_lines_in_order(out, {
                                 "client 08:00:07:26:c0:a5",
                                 "DHCPDISCOVER",
                                 "dhcp: subnet 192.168.24.0 netmask 255.255.255.0",
                                 "dhcp: host rambox",
                                 "class \"pxeclients\" matches",
                                 "offer 192.168.24.203, lease time 43200 s",
                                 "boot-policy pxe: dhcpd.conf class pxeclients",
                                 "→ DHCPOFFER",
                                 "DHCPREQUEST",
                                 "→ DHCPACK",
                                 "address: 192.168.24.203",
                                 "lease time: 43200 s",
                                 "boot file: pxelinux.0",
                                 "next server: 192.168.24.202",
                                 "12: \"rambox01.home.dev\"",
                                 "43: 010400000000",
                                 "60: \"PXEClient\"",
                                 "RRQ pxelinux.0",
                                 "RRQ pxelinux.cfg/01-08-00-07-26-c0-a5",
                                 "not found (ERROR 1)",
                                 "RRQ pxelinux.cfg/C0A818CB",
                                 "pxelinux.cfg/C0A818CB (",
                                 "RRQ bzImage",
                                 "RRQ initramfs.cpio.gz",
                             });
}

TEST(explain, refuses_an_unknown_client_by_the_seed_rule) {
  seed_setup s;
  auto out = s.explain("--mac 52:54:00:12:34:99 --server-address 192.168.24.202");
  expect_lines_in_order(out, {
                                 "client 52:54:00:12:34:99",
                                 "DHCPDISCOVER",
                                 "unknown client (no host declaration)",
                                 "deny unknown clients",
                                 "RESULT: refused",
                             });
  EXPECT_EQ(out.find("DHCPOFFER"), std::string::npos) << out;
  EXPECT_EQ(out.find("boot file:"), std::string::npos) << out;
}

TEST(explain, a_non_pxe_client_of_the_seed_gets_an_address_but_no_boot_file) {
  seed_setup s;
  auto out = s.explain("--mac 08:00:07:26:c0:a5 --vendor-class MSFT5.0 --server-address 192.168.24.202");
  expect_lines_in_order(out, {"→ DHCPACK", "address: 192.168.24.203"});
  EXPECT_EQ(out.find("boot file: pxelinux.0"), std::string::npos) << out;
}
