// bootfw-file.so and bootfw-pxelinux.so through the REAL loader and server, behind the fixture transport
// (a datagram holding a path is answered with the artifact's bytes or "ERR <reason>") on loopback.
#include <bootfw/sdk/embed.hpp>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../../../tests/support/test_support.hpp"

using bootfw::test::fixture;
using bootfw::test::temp_dir;
using bootfw::test::udp_client;

namespace {

std::string ask(std::uint16_t port, const std::string& path) {
  udp_client c;
  c.send(path, port);
  return c.receive_text().value_or("(timeout)");
}

std::string plugins_toml(const temp_dir& dir, std::uint16_t port) {
  return fmt::format(R"(
[server]
threads = 2
log_level = "warn"
state_directory = "{state}"
[server.dhcp]
address = "127.0.0.1"
port = 0

[[plugin]]
name = "pxe"
kind = "config-resolver"
library = "{plugins}/bootfw-pxelinux.so"
[plugin.config]
mode = "server-side"
[[plugin.config.node]]
mac = "08:00:07:26:c0:a5"
kernel = "bzImage"
initrd = "initramfs.cpio.gz"
append = "rw ip=${{ip}}:${{server}}:${{gateway}}:${{netmask}}:${{hostname}}:eth0:off shell"

[[plugin]]
name = "files"
kind = "artifact-provider"
library = "{plugins}/bootfw-file.so"
[plugin.config]
roots = ["tftpboot", "extra"]

[[plugin]]
name = "transport"
kind = "tftp-transport"
library = "{transport}"
[plugin.config]
port = {port}
)",
                     fmt::arg("state", dir.str() + "/state"), fmt::arg("plugins", BOOTFW_TEST_PLUGIN_DIR),
                     fmt::arg("transport", fixture("fixture_transport")), fmt::arg("port", port));
}

TEST(pxelinux_pipeline, file_and_pxelinux_plugins_serve_through_the_real_loader) {
  temp_dir dir;
  dir.write("tftpboot/pxelinux.0", "loader bytes");
  dir.write("tftpboot/pxelinux.cfg/7F00", "config for 127.0.*");
  dir.write("tftpboot/pxelinux.cfg/default", "default config");
  dir.write("extra/ldlinux.c32", "ldlinux bytes");
  std::uint16_t port;
  {
    udp_client probe;
    port = probe.port();
  }
  bootfw::server_options o;
  o.plugins_file = dir.write("plugins.toml", plugins_toml(dir, port));
  bootfw::server srv(o);
  srv.start();

  EXPECT_EQ(ask(port, "pxelinux.0"), "loader bytes");
  EXPECT_EQ(ask(port, "/pxelinux.0"), "loader bytes");     // leading '/' stripped
  EXPECT_EQ(ask(port, "ldlinux.c32"), "ldlinux bytes");    // second root
  EXPECT_EQ(ask(port, "../plugins.toml"), "ERR invalid name");
  EXPECT_EQ(ask(port, "missing"), "ERR not found");
  // Server-side: the first config request of 127.0.0.1 gets its best match (7F00) whatever it asked …
  EXPECT_EQ(ask(port, "pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d"), "config for 127.0.*");
  // … and later ones are served as asked.
  EXPECT_EQ(ask(port, "pxelinux.cfg/default"), "default config");
  EXPECT_EQ(ask(port, "pxelinux.cfg/7F000001"), "ERR not found");
  // A node's own name gets its generated config.
  auto generated = ask(port, "pxelinux.cfg/01-08-00-07-26-c0-a5");
  EXPECT_NE(generated.find("KERNEL bzImage\n"), std::string::npos) << generated;
  EXPECT_NE(generated.find("APPEND initrd=initramfs.cpio.gz rw ip=127.0.0.1:"), std::string::npos) << generated;

  auto metrics = srv.metrics_text();
  // pxelinux.0 asked twice, and 7F00 opened first by the resolver's probe, then to be served: two hits.
  EXPECT_NE(metrics.find("bootfw_file_cache_hits_total{plugin=\"files\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("bootfw_file_refused_total{plugin=\"files\"} 1"), std::string::npos) << metrics;
  srv.stop();
}

TEST(pxelinux_pipeline, bootfw_check_names_a_bad_node_key) {
  temp_dir dir;
  dir.write("tftpboot/pxelinux.0", "x");
  auto text = plugins_toml(dir, 0);
  text.replace(text.find("kernel = "), 6, "kernal");
  auto file = dir.write("plugins.toml", text);
  auto [status, out] = bootfw::test::run(std::string(BOOTFW_CLI) + " --check --plugins " + file);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("unknown key 'kernal'"), std::string::npos) << out;
}

}  // namespace
