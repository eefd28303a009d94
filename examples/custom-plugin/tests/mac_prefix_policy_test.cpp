// Unit test of the mac-prefix policy with the SDK's test helpers (bootfw/sdk/testing.hpp): no sockets,
// no bootfw process, just the plugin, an in-memory config and a fake host.
#include <bootfw/sdk/testing.hpp>
#include <gtest/gtest.h>

#include "mac_prefix_policy.hpp"

using namespace bootfw::sdk;
using bootfw::sdk::testing::config_node;
using bootfw::sdk::testing::fake_host;

namespace {

config_node rule(const char* prefix, const char* filename, const char* next_server = nullptr) {
  config_node::table_t t{{"mac_prefix", prefix}, {"filename", filename}};
  if (next_server) t.emplace_back("next_server", next_server);
  return config_node::table(std::move(t));
}

client_facts client(const char* mac) {
  client_facts f;
  f.mac = *mac_address::parse(mac);
  return f;
}

struct configured {
  fake_host host;
  example::mac_prefix_policy policy;
  explicit configured(config_node config) { policy.configure(host, config); }
  std::pair<verdict, boot_decision> decide(const char* mac) {
    boot_decision d;
    auto v = policy.decide(client(mac), d);
    return {v, d};
  }
};

config_node three_rules(const char* no_match = "pass") {
  return config_node::table({{"no_match", no_match},
                             {"prefix", config_node::array({rule("08:00:07", "pxelinux.0", "192.168.24.202"),
                                                            rule("52-54-00", "boot.ipxe", "192.168.24.210"),
                                                            rule("52:54:00:12:34", "rack7/pxelinux.0")})}});
}

TEST(mac_prefix_policy, serves_the_boot_file_and_next_server_of_the_matching_prefix) {
  configured c(three_rules());
  auto [v, d] = c.decide("08:00:07:26:c0:a5");
  EXPECT_EQ(v, verdict::answer);
  EXPECT_TRUE(d.boot);
  EXPECT_EQ(d.filename, "pxelinux.0");
  ASSERT_TRUE(d.next_server);
  EXPECT_EQ(d.next_server->to_string(), "192.168.24.202");
  EXPECT_NE(d.reason.find("08:00:07"), std::string::npos) << d.reason;
}

TEST(mac_prefix_policy, the_longest_prefix_wins_whatever_the_file_order) {
  configured c(three_rules());
  auto [v, d] = c.decide("52:54:00:12:34:56");
  EXPECT_EQ(v, verdict::answer);
  EXPECT_EQ(d.filename, "rack7/pxelinux.0");
  EXPECT_FALSE(d.next_server) << "a rule without next_server leaves it to the responder";
  auto [v2, d2] = c.decide("52:54:00:99:00:01");
  EXPECT_EQ(d2.filename, "boot.ipxe");
}

TEST(mac_prefix_policy, an_unmatched_client_goes_to_the_next_policy_or_is_refused) {
  configured pass(three_rules("pass"));
  auto [v, d] = pass.decide("00:11:22:33:44:55");
  EXPECT_EQ(v, verdict::pass);
  configured refuse(three_rules("refuse"));
  auto [v2, d2] = refuse.decide("00:11:22:33:44:55");
  EXPECT_EQ(v2, verdict::drop);
  EXPECT_FALSE(d2.boot);
}

TEST(mac_prefix_policy, uppercase_and_dash_separated_prefixes_match) {
  configured c(config_node::table({{"prefix", config_node::array({rule("AA-BB", "x.0")})}}));
  EXPECT_EQ(c.decide("aa:bb:00:00:00:01").first, verdict::answer);
  EXPECT_EQ(c.decide("aa:bc:00:00:00:01").first, verdict::pass);
}

TEST(mac_prefix_policy, logs_what_it_configured_through_the_host) {
  configured c(three_rules());
  EXPECT_TRUE(c.host.logged("3 MAC prefix rule(s)"));
}

TEST(mac_prefix_policy, rejects_bad_configuration_naming_the_key) {
  auto rejects = [](config_node config, const std::string& needle) {
    fake_host host;
    example::mac_prefix_policy p;
    try {
      p.configure(host, config);
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "accepted a configuration that should fail on " << needle;
  };
  using arr = config_node::array_t;
  rejects(config_node::table({{"prefixes", config_node::array({})}}), "unknown key 'prefixes'");
  rejects(config_node::table({{"no_match", "ignore"}}), "no_match");
  rejects(config_node::table({{"prefix", config_node::array(arr{rule("08:00:0", "a")})}}), "mac_prefix");
  rejects(config_node::table({{"prefix", config_node::array(arr{rule("08:00:07:", "a")})}}), "mac_prefix");
  rejects(config_node::table({{"prefix", config_node::array(arr{rule("01:02:03:04:05:06:07", "a")})}}),
          "mac_prefix");
  rejects(config_node::table({{"prefix", config_node::array(arr{rule("08:00:07", "a", "192.168.1")})}}),
          "next_server");
  rejects(config_node::table({{"prefix", config_node::array(arr{rule("08:00:07", "")})}}), "filename");
  rejects(config_node::table({{"prefix", config_node::array(arr{config_node::table({{"mac_prefix", "08"}})})}}),
          "missing required key 'filename'");
  rejects(config_node::table({{"prefix", config_node::array(arr{rule("08:00:07", "a"), rule("08-00-07", "b")})}}),
          "duplicate prefix 08:00:07");
  rejects(config_node::table({{"prefix", config_node::array(
                                             arr{config_node::table({{"mac_prefix", "08"}, {"filename", "a"},
                                                                     {"filenme", "b"}})})}}),
          "unknown key 'filenme'");
}

TEST(mac_prefix_policy, mac_prefix_parser_accepts_one_to_six_octets) {
  EXPECT_EQ(example::mac_prefix::parse("08")->length, 1u);
  EXPECT_EQ(example::mac_prefix::parse("08:00:07:26:c0:a5")->length, 6u);
  EXPECT_FALSE(example::mac_prefix::parse(""));
  EXPECT_FALSE(example::mac_prefix::parse("0g"));
  EXPECT_FALSE(example::mac_prefix::parse("08::07"));
  EXPECT_EQ(example::mac_prefix::parse("0A-0b")->to_string(), "0a:0b");
}

}  // namespace
