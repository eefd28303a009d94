// `bootfw explain` with the shipped plugins and the seed's dhcpd.conf exactly as printed: the seed's client
// is walked from DISCOVER to its pxelinux configuration; an unknown client is refused, naming the rule.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
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

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

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

// pxelinux.0 served from bios/: pxelinux's current directory is bios/, so its search, kernel and initrd are
// asked there (pxelinux(1) "CURRENT DIRECTORY"); with the resolver server-side the first name is answered at once.
TEST(explain, a_boot_file_in_a_subdirectory_moves_the_whole_search_there) {
  seed_setup s;
  std::string conf = slurp((s.dir.path / "dhcpd.conf").string());
  auto at = conf.find("filename \"pxelinux.0\";");
  ASSERT_NE(at, std::string::npos);
  conf.replace(at, std::string("filename \"pxelinux.0\";").size(), "filename \"bios/pxelinux.0\";");
  s.dir.write("dhcpd.conf", conf);
  for (auto name : {"pxelinux.0", "pxelinux.cfg/C0A818CB", "bzImage", "initramfs.cpio.gz"}) {
    auto from = s.dir.path / "root" / name;
    std::filesystem::create_directories((s.dir.path / "root/bios" / name).parent_path());
    std::filesystem::rename(from, s.dir.path / "root/bios" / name);
  }
  std::string plugins = slurp(s.plugins);
  auto pxelinux = plugins.find("library = \"" + std::string(BOOTFW_TEST_PLUGIN_DIR) + "/bootfw-pxelinux.so\"");
  ASSERT_NE(pxelinux, std::string::npos);
  plugins.insert(plugins.find('\n', pxelinux) + 1, "[plugin.config]\nmode = \"server-side\"\n");
  s.dir.write("plugins.toml", plugins);
  auto out = s.explain("--mac 08:00:07:26:c0:a5 --server-address 192.168.24.202");
  expect_lines_in_order(out, {
                                 "boot file: bios/pxelinux.0",
                                 "RRQ bios/pxelinux.0",
                                 "RRQ bios/pxelinux.cfg/01-08-00-07-26-c0-a5",
                                 "bios/pxelinux.cfg/C0A818CB is the best existing match",
                                 "root/bios/pxelinux.cfg/C0A818CB (94 bytes): this is the client's pxelinux configuration",
                                 "RRQ bios/bzImage",
                                 "served (6 bytes)",
                                 "RRQ bios/initramfs.cpio.gz",
                                 "served (9 bytes)",
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

// What the operator guide's migration step runs: no --server-address, no --relay. A dynamic client on a
// non-authoritative subnet used to be "refused" (the REQUEST carried no option 54, so it read as an
// INIT-REBOOT the responder ignores) and a subnet-level boot file was lost (pxe-policy had no subnet).
TEST(explain, a_dynamic_client_without_server_address_is_walked_to_its_boot_file) {
  seed_setup s;
  s.dir.write("dhcpd.conf", R"(
subnet 10.9.0.0 netmask 255.255.255.0 {
  range 10.9.0.50 10.9.0.60;
  filename "pxelinux.0";
  next-server 10.9.0.1;
}
)");
  s.dir.write("root/pxelinux.cfg/default", "DEFAULT menu\nLABEL menu\nKERNEL bzImage\nINITRD initramfs.cpio.gz\n");
  auto out = s.explain("--mac 52:54:00:12:34:56");
  expect_lines_in_order(out, {
                                 "→ DHCPOFFER",
                                 "the request names 0.0.0.0",
                                 "→ DHCPACK",
                                 "address: 10.9.0.50",
                                 "boot file: pxelinux.0",
                                 "next server: 10.9.0.1",
                                 "RRQ pxelinux.cfg/default",
                                 "RRQ bzImage",
                                 "RRQ initramfs.cpio.gz",
                             });
  // DEFAULT names a LABEL here, not an image to fetch.
  EXPECT_EQ(out.find("RRQ menu"), std::string::npos) << out;
}

TEST(explain, a_uuid_that_is_not_hex_is_refused_not_a_crash) {
  seed_setup s;
  for (std::string bad : {"1g945908d6a641a9611d74a6ab80b83d", "b8945908d6a641a9611d74a6ab80b83", "b894-5908d6a641a9611d74a6ab80b83d"}) {
    auto [status, out] = run(fmt::format("{} explain --plugins {} --mac 08:00:07:26:c0:a5 --uuid {} 2>&1", cli,
                                         s.plugins, bad));
    EXPECT_EQ(status, 2) << bad << "\n" << out;
    EXPECT_NE(out.find("--uuid: '" + bad + "' is not 32 hex digits"), std::string::npos) << out;
  }
  // Both spellings of the seed's UUID reach pxelinux's search.
  for (std::string good : {"b8945908-d6a6-41a9-611d-74a6ab80b83d", "B8945908D6A641A9611D74A6AB80B83D"}) {
    auto out = s.explain("--mac 08:00:07:26:c0:a5 --server-address 192.168.24.202 --uuid " + good);
    expect_lines_in_order(out, {"RRQ pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d"});
  }
}
