// [server.ipv6_ra] in plugins.toml: defaults, values, and errors with file:line:col.
#include <gtest/gtest.h>

#include "config.hpp"

using bootfw::config_file_error;
using bootfw::ipv6_ra_config;
using bootfw::parse_server_config;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_server_config(text, "/etc/bootfw/plugins.toml", "/nonexistent");
  } catch (const config_file_error& e) {
    return e.what();
  }
  return "";
}

TEST(ra_config, defaults_to_auto_with_lifetime_zero_and_flags_clear) {
  auto cfg = parse_server_config("[server]\n", "/etc/bootfw/plugins.toml", "/nonexistent");
  EXPECT_EQ(cfg.ipv6_ra.enabled, ipv6_ra_config::mode::automatic);
  EXPECT_EQ(cfg.ipv6_ra.quiet.count(), 1800);
  EXPECT_EQ(cfg.ipv6_ra.router_lifetime, 0);
  EXPECT_FALSE(cfg.ipv6_ra.managed);
  EXPECT_FALSE(cfg.ipv6_ra.other_config);
}

TEST(ra_config, reads_every_key) {
  auto cfg = parse_server_config(R"(
[server.ipv6_ra]
enabled = true
quiet_seconds = 60
router_lifetime = 1800
managed = true
other_config = true
)",
                                 "/etc/bootfw/plugins.toml", "/nonexistent");
  EXPECT_EQ(cfg.ipv6_ra.enabled, ipv6_ra_config::mode::on);
  EXPECT_EQ(cfg.ipv6_ra.quiet.count(), 60);
  EXPECT_EQ(cfg.ipv6_ra.router_lifetime, 1800);
  EXPECT_TRUE(cfg.ipv6_ra.managed);
  EXPECT_TRUE(cfg.ipv6_ra.other_config);
  EXPECT_EQ(parse_server_config("[server.ipv6_ra]\nenabled = false\n", "/p.toml", "/x").ipv6_ra.enabled,
            ipv6_ra_config::mode::off);
  EXPECT_EQ(parse_server_config("[server.ipv6_ra]\nenabled = \"auto\"\n", "/p.toml", "/x").ipv6_ra.enabled,
            ipv6_ra_config::mode::automatic);
}

TEST(ra_config, unknown_keys_name_file_line_and_column) {
  auto msg = error_of("[server.ipv6_ra]\nenabled = true\nquiet_second = 5\n");
  EXPECT_NE(msg.find("/etc/bootfw/plugins.toml:3:1: server.ipv6_ra.quiet_second: unknown key"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("quiet_seconds"), std::string::npos) << "lists the known keys: " << msg;
}

TEST(ra_config, rejects_bad_values) {
  auto msg = error_of("[server.ipv6_ra]\nenabled = \"yes\"\n");
  EXPECT_NE(msg.find("plugins.toml:2:11: server.ipv6_ra.enabled: expected \"auto\", true or false"), std::string::npos)
      << msg;
  msg = error_of("[server.ipv6_ra]\nrouter_lifetime = 9001\n");
  EXPECT_NE(msg.find("server.ipv6_ra.router_lifetime: 9001 is out of range 0..9000"), std::string::npos) << msg;
  msg = error_of("[server.ipv6_ra]\nmanaged = 1\n");
  EXPECT_NE(msg.find("server.ipv6_ra.managed: expected true or false"), std::string::npos) << msg;
  msg = error_of("[server]\nipv6_ra = true\n");
  EXPECT_NE(msg.find("server.ipv6_ra: expected a table"), std::string::npos) << msg;
}

}  // namespace
