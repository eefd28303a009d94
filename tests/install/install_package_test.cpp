// The installed package as a third party uses it: `cmake --install` into a temporary prefix, then
// examples/custom-plugin built from that prefix alone (its own CMake project, Ninja), its plugin loaded by
// the installed bootfw through --check and through a short serving run that answers a DHCP request, and
// examples/embed built out of tree against the installed static plugins.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>

#include "../support/dhcp_packets.hpp"
#include "../support/test_support.hpp"
#include "install_process.hpp"

namespace fs = std::filesystem;
using namespace bootfw::test;

namespace {

const std::string cmake = BOOTFW_CMAKE;
const std::string libdir = BOOTFW_LIBDIR;  // CMAKE_INSTALL_LIBDIR, "lib" unless the prefix was /usr

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Installs the build tree into `prefix`; fails the test with cmake's output otherwise.
void install_into(const std::string& prefix) {
  auto [status, out] = run(fmt::format("{} --install {} --prefix {} --config {}", quoted(cmake),
                                       quoted(BOOTFW_BINARY_DIR), quoted(prefix), BOOTFW_BUILD_TYPE));
  ASSERT_EQ(status, 0) << out;
}

/// Configures and builds a standalone project against `prefix` only (no path into bootfw's tree).
void build_against(const std::string& source, const std::string& build, const std::string& prefix) {
  auto [status, out] = run(fmt::format("{} -S {} -B {} -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "
                                       "-DCMAKE_CXX_COMPILER={} -DCMAKE_PREFIX_PATH={}",
                                       quoted(cmake), quoted(source), quoted(build), quoted(BOOTFW_CXX_COMPILER),
                                       quoted(prefix)));
  ASSERT_EQ(status, 0) << out;
  auto [bstatus, bout] = run(fmt::format("{} --build {}", quoted(cmake), quoted(build)));
  ASSERT_EQ(bstatus, 0) << bout;
}

std::uint16_t free_port() {
  udp_client c;
  return c.port();
}

TEST(installed_package, has_the_sdk_headers_library_binary_plugins_and_package_files) {
  temp_dir dir;
  auto prefix = dir.str() + "/prefix";
  ASSERT_NO_FATAL_FAILURE(install_into(prefix));
  for (const std::string& f : std::vector<std::string>{"bin/bootfw", "include/bootfw/sdk/plugin.hpp", "include/bootfw/sdk/abi_digest.hpp",
                        "include/bootfw/sdk/testing.hpp", "include/bootfw/sdk/embed.hpp", libdir + "/libbootfw.so",
                        libdir + "/bootfw/plugins/bootfw-tftp.so", libdir + "/cmake/bootfw/bootfwConfig.cmake",
                        libdir + "/cmake/bootfw/BootfwPlugin.cmake", libdir + "/pkgconfig/bootfw.pc"})
    EXPECT_TRUE(fs::exists(fs::path(prefix) / f)) << f;
  // Only the SDK is installed: no framework header may leak into include/.
  for (auto& e : fs::recursive_directory_iterator(fs::path(prefix) / "include")) {
    if (e.is_regular_file()) {
      EXPECT_EQ(e.path().parent_path().filename(), "sdk") << e.path();
    }
  }
  auto [status, out] = run(fmt::format("PKG_CONFIG_PATH={}/{}/pkgconfig pkg-config --cflags --libs bootfw", prefix, libdir));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("-I" + prefix + "/" + libdir + "/pkgconfig/"), std::string::npos) << out;
  EXPECT_NE(out.find("-lbootfw"), std::string::npos) << out;
  // The installed binary (the framework linked in) finds its installed plugins (no BOOTFW_PLUGIN_DIR needed).
  auto plugins = dir.write("plugins.toml", fmt::format("[server]\nstate_directory = \"{}/state\"\n[[plugin]]\n"
                                                       "name = \"tftp\"\nkind = \"tftp-transport\"\n"
                                                       "library = \"bootfw-tftp.so\"\n",
                                                       dir.str()));
  auto [cstatus, cout] = run(fmt::format("env -u BOOTFW_PLUGIN_DIR {}/bin/bootfw --check --plugins {}", prefix, plugins));
  EXPECT_EQ(cstatus, 0) << cout;
}

TEST(installed_package, builds_loads_and_serves_the_out_of_tree_mac_prefix_plugin) {
  temp_dir dir;
  auto prefix = dir.str() + "/prefix";
  ASSERT_NO_FATAL_FAILURE(install_into(prefix));
  auto build = dir.str() + "/custom-plugin";
  ASSERT_NO_FATAL_FAILURE(build_against(std::string(BOOTFW_SOURCE_DIR) + "/examples/custom-plugin", build, prefix));
  auto module = build + "/plugins-out/bootfw-mac-prefix.so";
  ASSERT_TRUE(fs::exists(module));
  // Its own unit test (sdk/testing.hpp from the installed headers).
  auto [ustatus, uout] = run(build + "/mac_prefix_policy_test");
  EXPECT_EQ(ustatus, 0) << uout;

  udp_client client;  // plays the DHCP client's port
  auto dhcp_port = free_port();
  auto config = fmt::format(R"(
[server]
state_directory = "{state}"
[server.dhcp]
address = "127.0.0.1"
port = {dhcp_port}
client_port = {client_port}

[[plugin]]
name = "by-vendor"
kind = "boot-policy"
library = "{module}"
[[plugin.config.prefix]]
mac_prefix = "08:00:07"
filename = "pxelinux.0"
next_server = "192.168.24.202"
[[plugin.config.prefix]]
mac_prefix = "08:00:07:26"
filename = "rambox/pxelinux.0"

[[plugin]]
name = "dhcp"
kind = "dhcp-responder"
library = "{responder}"
[plugin.config]
address = "192.168.24.203"
)",
                            fmt::arg("state", dir.str() + "/state"), fmt::arg("dhcp_port", dhcp_port),
                            fmt::arg("client_port", client.port()), fmt::arg("module", module),
                            fmt::arg("responder", fixture("fixture_responder")));
  auto plugins = dir.write("plugins.toml", config);
  auto bootfw = prefix + "/bin/bootfw";

  auto [status, out] = run(bootfw + " --check --plugins " + plugins);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
  // A mistake in the plugin's own section is reported with the file, line and key.
  auto bad = dir.write("bad.toml", std::string(config).replace(config.find("mac_prefix = \"08:00:07\""), 10, "mac_prefx"));
  auto [bstatus, bout] = run(bootfw + " --check --plugins " + bad);
  EXPECT_EQ(bstatus, 1);
  EXPECT_NE(bout.find("bad.toml:"), std::string::npos) << bout;
  EXPECT_NE(bout.find("unknown key 'mac_prefx'"), std::string::npos) << bout;

  child_process server({bootfw, "--plugins", plugins}, dir.str() + "/out", dir.str() + "/err");
  ASSERT_TRUE(server.wait_for("serving")) << server.output();
  EXPECT_NE(server.output().find("by-vendor (mac-prefix boot-policy)"), std::string::npos) << server.output();
  {
    // The installed bootfw serves as the installed libexec/bootfw/bootfw-serve (exec'd in place).
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(server.pid) + "/exe", ec);
    auto expected = std::filesystem::path(prefix) / BOOTFW_LIBEXECDIR / "bootfw" / "bootfw-serve";
    EXPECT_EQ(exe.lexically_normal(), expected.lexically_normal());
  }

  auto ask = [&](std::array<std::uint8_t, 6> mac) -> std::optional<dhcp_reply_view> {
    dhcp_packet_spec spec;
    spec.mac = mac;
    spec.type = 3;             // REQUEST
    spec.ciaddr = 0x7f000001;  // unicast reply to ciaddr (RFC 2131 §4.1): back to this test
    auto req = dhcp_request_bytes(spec);
    client.send(req.data(), req.size(), dhcp_port);
    auto reply = client.receive(5000);
    if (!reply) return std::nullopt;
    return parse_dhcp_reply(*reply);
  };
  auto rambox = ask({0x08, 0x00, 0x07, 0x26, 0xc0, 0xa5});
  ASSERT_TRUE(rambox) << server.output();
  EXPECT_EQ(rambox->type, 5);  // ACK
  EXPECT_EQ(rambox->file, "rambox/pxelinux.0") << "the longest prefix wins";
  EXPECT_EQ(rambox->siaddr, 0u) << "that rule sets no next_server";
  auto other = ask({0x08, 0x00, 0x07, 0x99, 0x00, 0x01});
  ASSERT_TRUE(other) << server.output();
  EXPECT_EQ(other->file, "pxelinux.0");
  EXPECT_EQ(other->siaddr, 0xc0a818cau);  // 192.168.24.202
  auto unknown = ask({0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
  ASSERT_TRUE(unknown) << server.output();
  EXPECT_EQ(unknown->file, "") << "no prefix matches and no other policy: address only";

  EXPECT_EQ(server.stop(SIGTERM), 0) << server.output();
  EXPECT_NE(server.output().find("[bootfw] stopped"), std::string::npos) << server.output();
}

TEST(installed_package, builds_the_embed_example_out_of_tree_against_the_static_plugins) {
  temp_dir dir;
  auto prefix = dir.str() + "/prefix";
  ASSERT_NO_FATAL_FAILURE(install_into(prefix));
  if (!fs::exists(prefix + "/" + libdir + "/cmake/bootfw/bootfwStaticPlugins.cmake"))
    GTEST_SKIP() << "bootfw was built without BOOTFW_STATIC_PLUGINS";
  auto build = dir.str() + "/embed";
  ASSERT_NO_FATAL_FAILURE(build_against(std::string(BOOTFW_SOURCE_DIR) + "/examples/embed", build, prefix));
  dir.write("root/hello.txt", "served by a statically linked plugin");
  auto tftp_port = free_port();
  auto plugins = dir.write("plugins.toml", fmt::format(R"(
[server]
state_directory = "state"
[server.dhcp]
enabled = false
[[plugin]]
name = "files"
kind = "artifact-provider"
library = "builtin:file"
[plugin.config]
root = "root"
[[plugin]]
name = "tftp"
kind = "tftp-transport"
library = "builtin:tftp"
[plugin.config]
address = "127.0.0.1"
port = {}
)", tftp_port));
  child_process host({build + "/bootfw-embed-example", "--plugins", plugins, "--heartbeat-ms", "50"},
                     dir.str() + "/out", dir.str() + "/err");
  ASSERT_TRUE(host.wait_for("heartbeat 1:")) << host.output();
  auto [status, out] = run(fmt::format("curl -s --max-time 10 tftp://127.0.0.1:{}/hello.txt", tftp_port));
  EXPECT_EQ(out, "served by a statically linked plugin");
  EXPECT_EQ(host.stop(SIGTERM), 0) << host.output();
  EXPECT_NE(host.output().find("stopped cleanly"), std::string::npos) << host.output();
}

}  // namespace
