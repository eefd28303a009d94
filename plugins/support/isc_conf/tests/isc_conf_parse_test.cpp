// Parsing the dhcpd.conf subset: the seed file as printed, typed option values, and errors that name
// file:line and the statement.
#include <gtest/gtest.h>

#include <bootfw/isc_conf/isc_conf.hpp>

namespace ic = bootfw::isc_conf;
using bootfw::sdk::ipv4_address;

namespace {

// Returns the parse_error message for `text`, or "" if it parsed.
std::string error_of(const std::string& text) {
  try {
    ic::parse_text(text, "t.conf");
  } catch (const ic::parse_error& e) {
    return e.what();
  }
  return "";
}

const ic::option_setting* find_option(const ic::parameters& p, std::string_view name) {
  for (const auto& o : p.options)
    if (o.name == name) return &o;
  return nullptr;
}

}  // namespace

TEST(isc_conf_parse, seed_file_loads_as_printed_with_a_warning_for_hostname) {
  auto m = ic::parse_file(BOOTFW_SEED_DHCPD_CONF);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_EQ(m.warnings[0].where.line, 48);
  EXPECT_NE(m.warnings[0].message.find("host-name"), std::string::npos);
  EXPECT_EQ(m.ddns_update_style, "none");
  ASSERT_EQ(m.option_spaces, std::vector<std::string>{"PXE"});
  ASSERT_EQ(m.definitions.size(), 7u);
  EXPECT_EQ(m.definitions[1].name, "mtftp-cport");
  EXPECT_EQ(m.definitions[1].code, 2);
  EXPECT_EQ(m.definitions[1].format.type, ic::option_type::uint16);

  ASSERT_EQ(m.subnets.size(), 1u);
  const auto& sn = m.subnets[0];
  EXPECT_EQ(sn.network, ipv4_address(192, 168, 24, 0));
  EXPECT_EQ(sn.netmask, ipv4_address(255, 255, 255, 0));
  ASSERT_EQ(sn.pools.size(), 1u);
  EXPECT_EQ(sn.pools[0].params.default_lease_time, 86400u);
  EXPECT_EQ(sn.pools[0].params.max_lease_time, 86400u);
  ASSERT_EQ(sn.pools[0].ranges.size(), 1u);
  EXPECT_EQ(sn.pools[0].ranges[0].first, ipv4_address(192, 168, 24, 203));
  ASSERT_EQ(sn.pools[0].deny.size(), 1u);
  EXPECT_EQ(sn.pools[0].deny[0].what, ic::permit::kind::unknown_clients);

  ASSERT_EQ(m.classes.size(), 1u);
  const auto& c = m.classes[0];
  EXPECT_EQ(c.name, "pxeclients");
  EXPECT_EQ(c.subnet, 0);
  EXPECT_EQ(c.params.filename, "pxelinux.0");
  EXPECT_EQ(c.params.next_server, ipv4_address(192, 168, 24, 202));
  EXPECT_EQ(c.params.vendor_option_space, "PXE");
  const auto* mtftp = find_option(c.params, "mtftp-ip");
  ASSERT_NE(mtftp, nullptr);
  EXPECT_EQ(mtftp->space, "PXE");
  EXPECT_EQ(mtftp->value, (std::vector<std::uint8_t>{0, 0, 0, 0}));

  ASSERT_EQ(m.hosts.size(), 1u);
  const auto& h = m.hosts[0];
  EXPECT_EQ(h.hardware_ethernet->to_string(), "08:00:07:26:c0:a5");
  EXPECT_EQ(h.fixed_address, ipv4_address(192, 168, 24, 203));
  const auto* hn = find_option(h.params, "host-name");
  ASSERT_NE(hn, nullptr);
  EXPECT_EQ(std::string(hn->value.begin(), hn->value.end()), "rambox01.home.dev");
}

TEST(isc_conf_parse, typed_option_values_are_encoded_in_network_order) {
  auto m = ic::parse_text(R"(
option space acme;
option acme.port code 2 = unsigned integer 16;
option acme.delta code 3 = signed integer 8;
option acme.flag code 4 = boolean;
option acme.list code 5 = array of ip-address;
option arch code 93 = unsigned integer 16;
option routers 10.0.0.1, 10.0.0.2;
option dhcp-lease-time 3600;
option domain-name "example.org";
option vendor-class-identifier 50:58:45;
option acme.port 1759;
option acme.delta -2;
option acme.flag on;
option acme.list 1.2.3.4, 5.6.7.8;
)");
  using v = std::vector<std::uint8_t>;
  EXPECT_EQ(find_option(m.global, "routers")->value, (v{10, 0, 0, 1, 10, 0, 0, 2}));
  EXPECT_EQ(find_option(m.global, "dhcp-lease-time")->value, (v{0, 0, 0x0e, 0x10}));
  EXPECT_EQ(find_option(m.global, "domain-name")->value, (v{'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g'}));
  EXPECT_EQ(find_option(m.global, "vendor-class-identifier")->value, (v{'P', 'X', 'E'}));
  EXPECT_EQ(find_option(m.global, "port")->value, (v{0x06, 0xdf}));
  EXPECT_EQ(find_option(m.global, "delta")->value, (v{0xfe}));
  EXPECT_EQ(find_option(m.global, "flag")->value, (v{1}));
  EXPECT_EQ(find_option(m.global, "list")->value, (v{1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_EQ(m.definitions.back().name, "arch");
  EXPECT_EQ(m.definitions.back().space, "dhcp");
}

TEST(isc_conf_parse, a_later_setting_of_the_same_option_in_a_scope_replaces_the_earlier) {
  auto m = ic::parse_text("option domain-name \"a\";\noption domain-name \"b\";\n");
  ASSERT_EQ(m.global.options.size(), 1u);
  EXPECT_EQ(m.global.options[0].value, (std::vector<std::uint8_t>{'b'}));
}

TEST(isc_conf_parse, unsupported_statements_are_errors_naming_line_and_statement) {
  EXPECT_EQ(error_of("ddns-update-style none;\n\ngroup {\n}\n"), "t.conf:3: unsupported statement 'group'");
  EXPECT_EQ(error_of("\nif exists user-class { filename \"x\"; }\n"), "t.conf:2: unsupported statement 'if'");
  EXPECT_EQ(error_of("subnet 10.0.0.0 netmask 255.0.0.0 {\n  allow bootp;\n}\n"),
            "t.conf:2: unsupported statement 'allow bootp'");
  EXPECT_EQ(error_of("subnet 10.0.0.0 netmask 255.0.0.0 {\n  range dynamic-bootp 10.0.0.1 10.0.0.9;\n}\n"),
            "t.conf:2: unsupported 'range dynamic-bootp' (BOOTP is not supported)");
  EXPECT_EQ(error_of("ddns-update-style interim;\n"), "t.conf:1: ddns-update-style 'interim' is not supported (only none)");
  EXPECT_EQ(error_of("class \"c\" {\n  match option user-class;\n}\n"),
            "t.conf:2: unsupported statement 'match option' (only 'match if')");
}

TEST(isc_conf_parse, abandon_lease_time_is_a_global_number_of_seconds) {
  EXPECT_EQ(ic::parse_text("abandon-lease-time 600;\n").abandon_lease_time, 600u);
  EXPECT_FALSE(ic::parse_text("default-lease-time 600;\n").abandon_lease_time);
  EXPECT_EQ(error_of("subnet 10.0.0.0 netmask 255.0.0.0 {\n abandon-lease-time 600;\n}\n"),
            "t.conf:2: 'abandon-lease-time' is not allowed in a subnet");
  EXPECT_EQ(error_of("abandon-lease-time 0;\n"), "t.conf:1: abandon-lease-time: must be at least 1 second");
}

TEST(isc_conf_parse, unknown_option_names_are_errors) {
  EXPECT_EQ(error_of("\noption domain-nmae \"x\";\n"), "t.conf:2: unknown option 'domain-nmae'");
  EXPECT_EQ(error_of("option space PXE;\noption PXE.nope 1;\n"), "t.conf:2: unknown option 'PXE.nope'");
  EXPECT_EQ(error_of("option FOO.x code 1 = text;\n"),
            "t.conf:1: option FOO.x: option space 'FOO' is not declared (option space FOO;)");
  EXPECT_EQ(error_of("class \"c\" {\n match if option no-such = \"x\";\n}\n"), "t.conf:2: unknown option 'no-such'");
}

TEST(isc_conf_parse, bad_syntax_and_bad_values_are_errors_with_line_numbers) {
  EXPECT_EQ(error_of("default-lease-time 600\nmax-lease-time 7200;\n"),
            "t.conf:2: expected ';' after default-lease-time, found 'max-lease-time'");
  EXPECT_EQ(error_of("subnet 10.0.0.0 netmask 255.0.0.0 {\n range 10.0.0.1 10.0.0.9;\n"),
            "t.conf:3: missing '}' closing subnet 10.0.0.0");
  EXPECT_EQ(error_of("subnet 10.0.0.1 netmask 255.0.0.0 { }\n"),
            "t.conf:1: subnet 10.0.0.1 netmask 255.0.0.0: bad subnet number/mask combination");
  EXPECT_EQ(error_of("subnet 10.0.0.0 netmask 255.0.0.0 {\n\n range 11.0.0.1 11.0.0.9;\n}\n"),
            "t.conf:3: range 11.0.0.1 11.0.0.9 is not inside subnet 10.0.0.0");
  EXPECT_EQ(error_of("option routers 10.0.0.300;\n"),
            "t.conf:1: option routers: '10.0.0.300' is not an IPv4 address (host names are not supported)");
  EXPECT_EQ(error_of("option domain-name example;\n"), "t.conf:1: option domain-name: 'example' is not a \"quoted\" text");
  EXPECT_EQ(error_of("option space s;\noption s.x code 1 = unsigned integer 8;\noption s.x 256;\n"),
            "t.conf:3: option s.x: '256' is not an integer in 0..255");
  EXPECT_EQ(error_of("option subnet-mask 255.0.0.0, 255.0.0.0;\n"), "t.conf:1: option subnet-mask: takes one value, not a list");
  EXPECT_EQ(error_of("host h {\n hardware ethernet 08:00:07:26:c0;\n}\n"),
            "t.conf:2: hardware ethernet: '08:00:07:26:c0' is not a MAC address");
  EXPECT_EQ(error_of("filename \"a\n"), "t.conf:1: unterminated quoted string");
  EXPECT_EQ(error_of("class \"c\" {\n match if substring(option vendor-class-identifier, 0) = \"P\";\n}\n"),
            "t.conf:2: expected ',' in expression, found ')'");
  EXPECT_EQ(error_of("pool { range 10.0.0.1; }\n"), "t.conf:1: 'pool' is not allowed in global scope");
  EXPECT_EQ(error_of("subnet 10.0.0.0 netmask 255.0.0.0 {\n pool {\n  range 10.0.0.1;\n  allow members of \"nope\";\n }\n}\n"),
            "t.conf:2: pool permit names class \"nope\", which is not declared");
  EXPECT_EQ(error_of("\nclass \"c\" {\n match if exists user-class;\n vendor-option-space PXE;\n}\n"),
            "t.conf:2: class c: vendor-option-space PXE is not declared");
}

TEST(isc_conf_parse, an_unreadable_file_is_an_error_naming_it) {
  try {
    ic::parse_file("/nonexistent/dhcpd.conf");
    FAIL() << "parsed a missing file";
  } catch (const ic::parse_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dhcpd.conf"), std::string::npos);
  }
}

TEST(isc_conf_parse, ranges_outside_pools_and_shared_networks_are_modelled_like_isc) {
  auto m = ic::parse_text(R"(
shared-network office {
  option domain-name "office";
  subnet 10.1.0.0 netmask 255.255.0.0 { range 10.1.0.10 10.1.0.20; }
  subnet 10.2.0.0 netmask 255.255.0.0 { }
  pool { range 10.2.0.5 10.2.0.6; allow known clients; }
}
)");
  ASSERT_EQ(m.shared_networks.size(), 1u);
  EXPECT_EQ(m.shared_networks[0].subnets, (std::vector<int>{0, 1}));
  ASSERT_EQ(m.subnets[0].pools.size(), 1u);
  EXPECT_TRUE(m.subnets[0].pools[0].implicit);
  ASSERT_EQ(m.shared_networks[0].pools.size(), 1u);
  EXPECT_EQ(m.shared_networks[0].pools[0].subnet, 1);
  EXPECT_EQ(m.subnets[1].shared_network, 0);
}
