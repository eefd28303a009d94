// The pxe-policy boot decisions a user would see: the seed's PXE client, a non-PXE client, arch and
// iPXE user-class rules, configuration errors.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <bootfw/sdk/testing.hpp>

#include "pxe_policy.hpp"

namespace sdk = bootfw::sdk;
namespace opt = sdk::dhcp_option;
using bootfw::plugin_pxe_policy::pxe_policy;
using sdk::testing::config_node;
using bytes = std::vector<std::uint8_t>;

namespace {

sdk::client_facts seed_client(std::string vendor_class = "PXEClient:Arch:00000:UNDI:002001") {
  sdk::client_facts f;
  f.mac = *sdk::mac_address::parse("08:00:07:26:c0:a5");
  f.vendor_class = std::move(vendor_class);
  f.architectures = {0};
  f.interface = "br0";
  f.interface_address = sdk::ipv4_address(192, 168, 24, 202);
  f.interface_netmask = sdk::ipv4_address(255, 255, 255, 0);
  return f;
}

config_node seed_config(config_node::array_t rules = {}) {
  config_node::table_t t{{"dhcpd_conf", "dhcpd.conf"}};
  if (!rules.empty()) t.emplace_back("rule", config_node::array(std::move(rules)));
  auto c = config_node::table(std::move(t));
  c.with_base_directory(BOOTFW_SEED_DIR);
  return c;
}

std::string configure_error(const config_node& c) {
  sdk::testing::fake_host host;
  pxe_policy p;
  try {
    p.configure(host, c);
  } catch (const sdk::config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(pxe_policy, seed_pxe_client_gets_pxelinux_from_the_pxeclients_class_like_isc) {
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, seed_config());
  EXPECT_TRUE(host.logged("host-name"));  // the seed's `hostname` line is warned about
  sdk::boot_decision d;
  ASSERT_EQ(p.decide(seed_client(), d), sdk::verdict::answer);
  EXPECT_TRUE(d.boot);
  EXPECT_EQ(d.filename, "pxelinux.0");
  ASSERT_TRUE(d.next_server);
  EXPECT_EQ(*d.next_server, sdk::ipv4_address(192, 168, 24, 202));
  EXPECT_EQ(d.options.get_string(opt::vendor_class_identifier), "PXEClient");
  // Byte for byte what ISC dhcpd 4.4 sent for the seed (captured): sub-option 1, length 4, 0.0.0.0, no END.
  auto v43 = d.options.find(opt::vendor_specific);
  ASSERT_TRUE(v43);
  EXPECT_EQ(bytes(v43->begin(), v43->end()), (bytes{0x01, 0x04, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(d.options.contains(opt::host_name));  // the responder's business, not the boot decision's
  EXPECT_EQ(d.reason, "dhcpd.conf class pxeclients");
}

// A class may test any option of the request; the responder sees them all, so must the policy, or the two
// disagree on the client's classes (the responder logged "maxmsg" while the policy gave pxelinux.0).
TEST(pxe_policy, a_class_on_an_option_outside_the_facts_fields_matches_as_in_isc) {
  const std::string dir = ::testing::TempDir() + "/pxe-policy-any-option";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/dhcpd.conf") << R"(
class "maxmsg" {
  match if exists dhcp-max-message-size;
  filename "special.0";
}
class "pxeclients" {
  match if substring (option vendor-class-identifier, 0, 9) = "PXEClient";
  filename "pxelinux.0";
  next-server 192.168.24.202;
}
subnet 192.168.24.0 netmask 255.255.255.0 {
}
)";
  auto c = config_node::table({{"dhcpd_conf", "dhcpd.conf"}});
  c.with_base_directory(dir);
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, c);
  auto f = seed_client();
  f.options.set_string(opt::vendor_class_identifier, f.vendor_class);
  f.options.set_u16(opt::max_message_size, 1472);
  sdk::boot_decision d;
  ASSERT_EQ(p.decide(f, d), sdk::verdict::answer);
  EXPECT_EQ(d.filename, "special.0");
  EXPECT_EQ(d.reason, "dhcpd.conf class maxmsg");
  f.options.erase(opt::max_message_size);
  sdk::boot_decision d2;
  ASSERT_EQ(p.decide(f, d2), sdk::verdict::answer);
  EXPECT_EQ(d2.filename, "pxelinux.0");
}

TEST(pxe_policy, non_pxe_client_gets_no_boot_file) {
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, seed_config());
  auto f = seed_client("");
  f.architectures.clear();
  sdk::boot_decision d;
  EXPECT_EQ(p.decide(f, d), sdk::verdict::pass);
  EXPECT_FALSE(d.boot);
  EXPECT_TRUE(d.filename.empty());
  EXPECT_FALSE(d.options.contains(opt::vendor_specific));
  EXPECT_NE(d.reason.find("not a PXE client"), std::string::npos);
  auto windows = seed_client("MSFT 5.0");
  windows.architectures.clear();
  sdk::boot_decision d2;
  EXPECT_EQ(p.decide(windows, d2), sdk::verdict::pass);
  EXPECT_FALSE(d2.boot);
}

TEST(pxe_policy, ipxe_user_class_rule_picks_another_file_and_keeps_the_class_next_server) {
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, seed_config({config_node::table({{"name", "ipxe"}, {"user_class", "iPXE"}, {"filename", "boot.ipxe"}})}));
  auto f = seed_client();
  f.user_class = {'i', 'P', 'X', 'E'};
  sdk::boot_decision d;
  ASSERT_EQ(p.decide(f, d), sdk::verdict::answer);
  EXPECT_EQ(d.filename, "boot.ipxe");
  EXPECT_EQ(d.next_server, sdk::ipv4_address(192, 168, 24, 202));
  EXPECT_TRUE(d.options.contains(opt::vendor_specific));
  EXPECT_EQ(d.reason, "rule 'ipxe' (user_class iPXE) over dhcpd.conf class pxeclients");
  // The PXE ROM (no user class) still gets pxelinux.0.
  sdk::boot_decision rom;
  p.decide(seed_client(), rom);
  EXPECT_EQ(rom.filename, "pxelinux.0");
}

TEST(pxe_policy, arch_rule_picks_an_efi_file_and_rules_are_checked_in_file_order) {
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, config_node::table({{"rule", config_node::array({
      config_node::table({{"arch", 7}, {"filename", "grubx64.efi"}, {"next_server", "10.0.0.5"}}),
      config_node::table({{"arch", config_node::array({6, 7, 9})}, {"filename", "never.efi"}}),
      config_node::table({{"mac_prefix", "52-54-00"}, {"boot", false}}),
  })}}));
  auto efi = seed_client("PXEClient:Arch:00007:UNDI:003016");
  efi.architectures = {7};
  sdk::boot_decision d;
  ASSERT_EQ(p.decide(efi, d), sdk::verdict::answer);
  EXPECT_EQ(d.filename, "grubx64.efi");
  EXPECT_EQ(d.next_server, sdk::ipv4_address(10, 0, 0, 5));
  EXPECT_EQ(d.reason, "rule 'rule[0]' (arch 7 (EFI x64))");

  auto ia32 = efi;
  ia32.architectures = {6};
  sdk::boot_decision d2;
  p.decide(ia32, d2);
  EXPECT_EQ(d2.filename, "never.efi");

  auto vm = seed_client();
  vm.mac = *sdk::mac_address::parse("52:54:00:12:34:56");
  sdk::boot_decision d3;
  EXPECT_EQ(p.decide(vm, d3), sdk::verdict::answer);
  EXPECT_FALSE(d3.boot);
  EXPECT_NE(d3.reason.find("boot = false"), std::string::npos);

  sdk::boot_decision d4;  // BIOS client, other MAC: no rule, no dhcpd.conf
  EXPECT_EQ(p.decide(seed_client(), d4), sdk::verdict::pass);
  EXPECT_FALSE(d4.boot);
}

TEST(pxe_policy, vendor_class_prefix_rule) {
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, config_node::table({{"rule", config_node::array({config_node::table(
                                            {{"vendor_class_prefix", "HTTPClient"}, {"filename", "http://x/boot.efi"}})})}}));
  sdk::boot_decision d;
  EXPECT_EQ(p.decide(seed_client("HTTPClient:Arch:00016:UNDI:003001"), d), sdk::verdict::answer);
  EXPECT_EQ(d.filename, "http://x/boot.efi");
  sdk::boot_decision d2;
  EXPECT_EQ(p.decide(seed_client(), d2), sdk::verdict::pass);
}

TEST(pxe_policy, configuration_errors_name_the_key) {
  EXPECT_NE(configure_error(config_node::table({{"dhcpd_cnf", "x"}})).find("unknown key 'dhcpd_cnf'"), std::string::npos);
  EXPECT_NE(configure_error(config_node::table({})).find("nothing to decide with"), std::string::npos);
  auto rule = [](config_node::table_t t) { return config_node::table({{"rule", config_node::array({config_node::table(std::move(t))})}}); };
  EXPECT_NE(configure_error(rule({{"arch", 70000}, {"filename", "x"}})).find("out of range"), std::string::npos);
  EXPECT_NE(configure_error(rule({{"arch", 7}})).find("needs filename"), std::string::npos);
  EXPECT_NE(configure_error(rule({{"arch", 7}, {"filename", "x"}, {"boot", false}})).find("boot = false"), std::string::npos);
  EXPECT_NE(configure_error(rule({{"mac_prefix", "5:4"}, {"filename", "x"}})).find("not a MAC prefix"), std::string::npos);
  EXPECT_NE(configure_error(rule({{"next_server", "10.0.0"}})).find("not an IPv4 address"), std::string::npos);
  EXPECT_NE(configure_error(rule({{"arch", 7}, {"file", "x"}})).find("unknown key 'file'"), std::string::npos);
  auto missing = config_node::table({{"dhcpd_conf", "/nonexistent/dhcpd.conf"}});
  EXPECT_NE(configure_error(missing).find("/nonexistent/dhcpd.conf:0: cannot open"), std::string::npos);
}

TEST(pxe_policy, dhcpd_conf_errors_keep_the_file_and_line) {
  std::string conf = ::testing::TempDir() + "pxe_policy_bad.conf";
  std::ofstream(conf) << "option space PXE;\nclass \"c\" {\n match if option vendor-class = \"x\";\n}\n";
  auto msg = configure_error(config_node::table({{"dhcpd_conf", conf}}));
  EXPECT_NE(msg.find("pxe_policy_bad.conf:3: unknown option 'vendor-class'"), std::string::npos) << msg;
}

TEST(pxe_policy, decide_is_safe_to_call_concurrently) {
  sdk::testing::fake_host host;
  pxe_policy p;
  p.configure(host, seed_config({config_node::table({{"user_class", "iPXE"}, {"filename", "boot.ipxe"}})}));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto f = seed_client();
        if ((i + t) % 2) f.user_class = {'i', 'P', 'X', 'E'};
        sdk::boot_decision d;
        p.decide(f, d);
        if (d.filename != ((i + t) % 2 ? "boot.ipxe" : "pxelinux.0")) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}
