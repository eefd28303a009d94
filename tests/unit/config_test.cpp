// plugins.toml parsing: every error names file, line, column and key.
#include <bootfw/sdk/testing.hpp>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "config.hpp"
#include "../support/test_support.hpp"

using bootfw::config_file_error;
using bootfw::load_server_config;
using bootfw::parse_server_config;
using bootfw::test::temp_dir;

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

// config_view::keys() is in file order (toml++ sorts tables): a plugin's allow_only names the first typo.
TEST(config, plugin_config_keys_come_in_file_order) {
  auto cfg = parse_server_config("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"builtin:x\"\n"
                                 "[plugin.config]\nzeta = 1\nalpha = 2\nmid = 3\n",
                                 "/x/plugins.toml", "/nonexistent");
  const auto& c = *cfg.plugins[0].config;
  EXPECT_EQ(c.keys(), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  try {
    c.allow_only({"mid"});
    FAIL() << "expected config_error";
  } catch (const bootfw::sdk::config_error& e) {
    EXPECT_NE(std::string(e.what()).find("plugin[p].config.zeta: unknown key 'zeta'"), std::string::npos) << e.what();
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
        // Two typos: the first in the file is reported, not the first in alphabetical order.
        bad_case{"[server]\nthreds = 2\nlog_levl = \"info\"\n", ":2:1: server.threds: unknown key"},
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
                 ":5:10: plugin[a].config: expected a table"},
        // toml++ accepts "\u0000"; the value would be cut at the NUL where it becomes a path or a C string.
        bad_case{"[server]\nstate_directory = \"/var/lib/bootfw\\u0000/x\"\n",
                 ":2:19: server.state_directory: must not contain a NUL character"},
        bad_case{"[server]\nplugin_directory = \"/usr/lib\\u0000\"\n",
                 ":2:20: server.plugin_directory: must not contain a NUL character"},
        bad_case{"[server]\ninterfaces = [\"br0\", \"eth\\u00000\"]\n",
                 ":2:22: server.interfaces: must not contain a NUL character"},
        bad_case{"[server]\nmetrics_address = \"127.0.0.1:9267\\u0000\"\n",
                 ":2:19: server.metrics_address: must not contain a NUL character"},
        bad_case{"[[plugin]]\nname = \"a\\u0000b\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[0].name: must not contain a NUL character"},
        bad_case{"[[plugin]]\nname = \"a\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\\u0000.bak\"\n",
                 ":4:11: plugin[a].library: must not contain a NUL character"},
        // The name is a path component of the instance's state directory: 300 characters passed here and
        // failed at start with ENAMETOOLONG.
        bad_case{"[[plugin]]\nname = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
                 "kind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n",
                 ":2:8: plugin[0].name: 65 characters long; at most 64"}),
    [](const ::testing::TestParamInfo<bad_case>& info) { return "case_" + std::to_string(info.index); });

TEST(config, an_instance_name_of_64_characters_is_accepted) {
  const std::string name(64, 'n');
  auto cfg = parse_server_config(
      fmt::format("[[plugin]]\nname = \"{}\"\nkind = \"boot-policy\"\nlibrary = \"fixture_policy.so\"\n", name),
      "/etc/bootfw/plugins.toml", BOOTFW_TEST_FIXTURE_DIR);
  ASSERT_EQ(cfg.plugins.size(), 1u);
  EXPECT_EQ(cfg.plugins[0].name, name);
}

// Start creates the state directory on first use; a file in its place used to fail only then.
TEST(config, a_state_directory_that_is_a_file_or_below_one_is_refused_a_missing_one_is_not) {
  temp_dir dir;
  const auto file = dir.write("leases", "not a directory");
  auto text = [](const std::string& state) { return fmt::format("[server]\nstate_directory = \"{}\"\n", state); };
  EXPECT_EQ(error_of(text(file)),
            fmt::format("/etc/bootfw/plugins.toml:2:19: server.state_directory: {} exists and is not a directory",
                        file));
  EXPECT_EQ(error_of(text(file + "/state")),
            fmt::format("/etc/bootfw/plugins.toml:2:19: server.state_directory: {} (a parent of {}/state) exists and "
                        "is not a directory",
                        file, file));
  EXPECT_EQ(error_of(text(dir.str() + "/not-yet/state")), "");
  EXPECT_EQ(error_of(text(dir.str())), "");
  // Relative to plugins.toml, like every other path.
  const auto toml = dir.write("plugins.toml", "[server]\nstate_directory = \"leases\"\n");
  try {
    load_server_config(toml, BOOTFW_TEST_FIXTURE_DIR);
    FAIL() << "accepted a file as the state directory";
  } catch (const config_file_error& e) {
    EXPECT_NE(std::string(e.what()).find("server.state_directory: " + file + " exists and is not a directory"),
              std::string::npos)
        << e.what();
  }
}

// What the plugin sees: the view refuses a NUL whether the plugin uses the SDK's getters or as_string().
TEST(config, config_view_refuses_a_nul_in_a_plugin_string_naming_file_line_and_key) {
  auto cfg = parse_server_config("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"builtin:x\"\n"
                                 "[plugin.config]\nroot = \"/srv/tftp\\u0000/etc\"\n"
                                 "roots = [\"/srv\", \"/a\\u0000\"]\n",
                                 "/x/plugins.toml", "/nonexistent");
  const auto& c = *cfg.plugins[0].config;
  auto message_of = [](auto&& get) -> std::string {
    try {
      get();
    } catch (const bootfw::sdk::config_error& e) {
      return e.what();
    }
    return "";
  };
  const std::string root = "/x/plugins.toml:6:8: plugin[p].config.root: must not contain a NUL character (\\u0000)";
  EXPECT_EQ(message_of([&] { c.get_string("root", ""); }), root);
  EXPECT_EQ(message_of([&] { c.require_string("root"); }), root);
  EXPECT_EQ(message_of([&] { c.get_path("root", ""); }), root);
  EXPECT_EQ(message_of([&] { c["root"].as_string(); }), root);
  EXPECT_EQ(message_of([&] { c.get_strings("roots"); }),
            "/x/plugins.toml:7:18: plugin[p].config.roots[1]: must not contain a NUL character (\\u0000)");
}

// The SDK's getters check on their own, for every config_view (an embedding host's, the testing one).
TEST(config, sdk_string_getters_refuse_a_nul_in_any_config_view) {
  using bootfw::sdk::testing::config_node;
  const std::string nul("/srv\0/etc", 9);
  auto c = config_node::table({{"root", nul}, {"roots", config_node::array({"/ok", nul})}});
  EXPECT_THROW(c.get_string("root", ""), bootfw::sdk::config_error);
  EXPECT_THROW(c.require_string("root"), bootfw::sdk::config_error);
  EXPECT_THROW(c.get_path("root", ""), bootfw::sdk::config_error);
  EXPECT_THROW(c.get_strings("root"), bootfw::sdk::config_error);
  try {
    c.get_strings("roots");
    FAIL() << "accepted a NUL in an array of strings";
  } catch (const bootfw::sdk::config_error& e) {
    EXPECT_EQ(std::string(e.what()), "test-config: config.roots[1]: must not contain a NUL character (\\u0000)");
  }
  EXPECT_EQ(config_node::table({{"root", "/srv"}}).get_string("root", ""), "/srv");
}

std::string load_error_of(const std::string& path) {
  try {
    load_server_config(path, BOOTFW_TEST_FIXTURE_DIR);
  } catch (const config_file_error& e) {
    return e.what();
  }
  return "";
}

// Only a regular file is read: a device would be read as empty (/dev/null) or forever (/dev/zero).
TEST(config, plugins_toml_must_be_a_regular_file) {
  temp_dir dir;
  // ASSERT: should devices be read again, stop before /dev/zero, which would take all memory.
  ASSERT_EQ(load_error_of("/dev/null"), "/dev/null: cannot read the configuration file: not a regular file");
  EXPECT_EQ(load_error_of("/dev/zero"), "/dev/zero: cannot read the configuration file: not a regular file");
  EXPECT_EQ(load_error_of(dir.str()), dir.str() + ": cannot read the configuration file: not a regular file");
  EXPECT_EQ(load_error_of(dir.str() + "/missing.toml"),
            dir.str() + "/missing.toml: cannot read the configuration file: No such file or directory");
  EXPECT_EQ(load_error_of(dir.write("plugins.toml", "[server]\nthreads = 2\n")), "");
}

TEST(config, plugins_toml_larger_than_64_mib_is_refused_without_reading_it) {
  temp_dir dir;
  auto path = dir.write("plugins.toml", "");
  ASSERT_EQ(::truncate(path.c_str(), (off_t(64) << 20) + 1), 0);  // sparse: nothing on disk
  EXPECT_EQ(load_error_of(path), path + ": cannot read the configuration file: larger than 64 MiB");
}

}  // namespace
