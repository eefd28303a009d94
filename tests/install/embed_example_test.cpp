// examples/embed as built in-tree: the host program starts bootfw on its own io_context with the
// statically linked plugins, keeps doing its own work (heartbeats), serves TFTP through builtin:tftp and
// builtin:file, and stops cleanly on SIGINT and on SIGTERM.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../support/test_support.hpp"
#include "install_process.hpp"

using namespace bootfw::test;

namespace {

std::uint16_t free_port() {
  udp_client c;
  return c.port();
}

std::string embed_toml(std::uint16_t tftp_port, const std::string& library = "builtin:tftp") {
  return fmt::format(R"(
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
library = "{}"
[plugin.config]
address = "127.0.0.1"
port = {}
)",
                     library, tftp_port);
}

void runs_serves_and_stops_on(int sig) {
  temp_dir dir;
  dir.write("root/pxelinux.cfg/default", "DEFAULT linux\n");
  auto port = free_port();
  auto plugins = dir.write("plugins.toml", embed_toml(port));
  child_process host({BOOTFW_EMBED_EXAMPLE, "--plugins", plugins, "--heartbeat-ms", "50"}, dir.str() + "/out",
                     dir.str() + "/err");
  ASSERT_TRUE(host.wait_for("heartbeat 2:")) << "the host's own timer keeps running next to bootfw\n"
                                              << host.output();
  EXPECT_NE(host.output().find("bootfw serves 2 plugin(s)"), std::string::npos) << host.output();
  auto [status, out] = run(fmt::format("curl -s --max-time 10 tftp://127.0.0.1:{}/pxelinux.cfg/default", port));
  EXPECT_EQ(out, "DEFAULT linux\n");
  EXPECT_EQ(host.stop(sig), 0) << host.output();
  auto text = host.output();
  EXPECT_NE(text.find("[bootfw] stopped"), std::string::npos) << text;
  EXPECT_NE(text.find("stopped cleanly"), std::string::npos) << text;
}

TEST(embed_example, serves_next_to_its_heartbeat_and_stops_cleanly_on_sigterm) { runs_serves_and_stops_on(SIGTERM); }

TEST(embed_example, stops_cleanly_on_sigint) { runs_serves_and_stops_on(SIGINT); }

TEST(embed_example, refuses_to_start_with_an_unknown_builtin_and_says_which) {
  temp_dir dir;
  auto plugins = dir.write("plugins.toml", embed_toml(free_port(), "builtin:no-such-plugin"));
  auto [status, out] = run(fmt::format("{} --plugins {}", BOOTFW_EMBED_EXAMPLE, plugins));
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("no-such-plugin"), std::string::npos) << out;
  EXPECT_EQ(out.find("heartbeat"), std::string::npos) << out;
}

}  // namespace
