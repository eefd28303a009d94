// plugins.toml parsing: every error names file, line, column and key.
#include <gtest/gtest.h>

#include "config.hpp"
#include "../support/test_support.hpp"

using bootfw::config_file_error;
using bootfw::parse_server_config;

namespace {

std::string error_of(const std::string& text, const std::string& plugin_dir = BOOTFW_TEST_FIXTURE_DIR) {
  try {
    parse_server_config(text, "/etc/bootfw/plugins.toml", plugin_dir);
  } catch (const config_file_error& e) {
    return e.what();
  }
  return "";
}

TEST(config, parses_server_and_plugins_in_order) {
  auto cfg = parse_server_config(R"(
[server]
interfaces = ["br0"]
threads = 3
log_level = "debug"
state_directory = "state"
metrics_address = "127.0.0.1:9267"
[server.dhcp]
port = 6767

[[plugin]]
name = "policy"
kind = "boot-policy"
library = "fixture_policy.so"
[plugin.config]
filename = "pxelinux.0"

[[plugin]]
name = "files"
kind = "artifact-provider"
library = "builtin:file-provider"
)",
                                 "/etc/bootfw/plugins.toml", BOOTFW_TEST_FIXTURE_DIR);
  EXPECT_EQ(cfg.interfaces, std::vector<std::string>{"br0"});
  EXPECT_EQ(cfg.threads, 3u);
  EXPECT_EQ(cfg.log_level, bootfw::sdk::log_level::debug);
  EXPECT_EQ(cfg.state_directory, "/etc/bootfw/state");
  ASSERT_TRUE(cfg.metrics_address);
  EXPECT_EQ(cfg.metrics_address->port, 9267);
  EXPECT_EQ(cfg.dhcp_listen.port, 6767);
  ASSERT_EQ(cfg.plugins.size(), 2u);
  EXPECT_EQ(cfg.plugins[0].name, "policy");
  EXPECT_EQ(cfg.plugins[0].library_path, std::string(BOOTFW_TEST_FIXTURE_DIR) + "/fixture_policy.so");
  EXPECT_EQ(cfg.plugins[0].config->get_string("filename", ""), "pxelinux.0");
  EXPECT_EQ(cfg.plugins[0].config->base_directory(), "/etc/bootfw");
  EXPECT_EQ(cfg.plugins[1].library_path, "builtin:file-provider");
  EXPECT_FALSE(cfg.plugins[1].config->present());
}

TEST(config, config_view_reports_positions_to_plugins) {
  auto cfg = parse_server_config("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"builtin:x\"\n"
                                 "[plugin.config]\nretries = \"five\"\n",
                                 "/x/plugins.toml", "/nonexistent");
  const auto& c = *cfg.plugins[0].config;
  try {
    c.get_int("retries", 3, 0, 10);
    FAIL() << "expected config_error";
  } catch (const bootfw::sdk::config_error& e) {
    EXPECT_EQ(std::string(e.what()), "/x/plugins.toml:6:11: plugin[p].config.retries: expected an integer");
  }
  try {
    c.allow_only({"timeout"});
    FAIL() << "expected config_error";
  } catch (const bootfw::sdk::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("/x/plugins.toml:6:11: plugin[p].config.retries: unknown key 'retries'"),
              std::string::npos)
        << e.what();
  }
}

struct bad_case {
  const char* text;
  const char* expected;  // substring of the message, which always starts with file:line:col
  friend void PrintTo(const bad_case& c, std::ostream* os) { *os << c.text; }
};

class config_errors : public ::testing::TestWithParam<bad_case> {};

TEST_P(config_errors, are_reported_with_file_line_and_key) {
  auto msg = error_of(GetParam().text);
  ASSERT_FALSE(msg.empty()) << "accepted: " << GetParam().text;
  EXPECT_EQ(msg.rfind("/etc/bootfw/plugins.toml:", 0), 0u) << msg;
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    cases, config_errors,
    ::testing::Values(
        bad_case{"[server]\nthreds = 2\n", ":2:1: server.threds: unknown key"},
        bad_case{"[server]\nthreads = \"two\"\n", ":2:11: server.threads: expected an integer"},
        bad_case{"[server]\nthreads = 0\n", ":2:11: server.threads: 0 is out of range"},
        bad_case{"[server]\nlog_level = \"loud\"\n", ":2:13: server.log_level: expected trace"},
        bad_case{"[server]\nmetrics_address = \"localhost\"\n", ":2:19: server.metrics_address: expected"},
        bad_case{"[server.dhcp]\nport = 70000\n", ":2:8: server.dhcp.port: 70000 is out of range"},
        bad_case{"[server]\ninterfaces = \"br0\"\n", ":2:14: server.interfaces: expected an array"},
        bad_case{"[serve]\n", ":1:2: (top level).serve: unknown key"},
        bad_case{"[server\n", ":1:8: syntax error"},
        bad_case{"[[plugin]]\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":1:1: plugin[0].name: missing"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-polcy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":3:8: plugin[a].kind: expected one of"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\n", ":1:1: plugin[a].library: missing"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\nlibrary = \"nope.so\"\n",
                 ":4:11: plugin[a].library: no plugin library at"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\ncolour = 1\n",
                 ":5:1: plugin[a].colour: unknown key"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n"
                 "[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":6:8: plugin[a].name: duplicate plugin instance name 'a'"},
        bad_case{"[[plugin]]\nname = \"a b\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[0].name: start with a letter or a digit"},
        // The name is a directory under state_directory: "." would share it, ".." would escape it.
        bad_case{"[[plugin]]\nname = \"..\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[0].name: start with a letter or a digit"},
        bad_case{"[[plugin]]\nname = \".\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[0].name: start with a letter or a digit"},
        bad_case{"[server]\nstate_directory = \"\"\n", ":2:19: server.state_directory: must not be empty"},
        // bootfw's own log sources: an instance by that name would pass for bootfw.
        bad_case{"[[plugin]]\nname = \"session\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[session].name: 'session' is reserved for bootfw's own log lines"},
        bad_case{"[[plugin]]\nname = \"bootfw\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[bootfw].name: 'bootfw' is reserved"},
        bad_case{"[server]\nreload_drain_seconds = 3601\n", ":2:24: server.reload_drain_seconds: 3601 is out of range"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\nconfig = 3\n",
                 ":5:10: plugin[a].config: expected a table"}),
    [](const ::testing::TestParamInfo<bad_case>& info) { return "case_" + std::to_string(info.index); });

}  // namespace
