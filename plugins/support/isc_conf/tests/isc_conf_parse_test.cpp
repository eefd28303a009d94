// Parsing the dhcpd.conf subset: the seed file as printed, typed option values, and errors that name
// file:line and the statement.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>

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

// Returns the parse_error message for the file at `path`, or "" if it parsed.
std::string file_error_of(const std::string& path) {
  try {
    ic::parse_file(path);
  } catch (const ic::parse_error& e) {
    return e.what();
  }
  return "";
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * std::size_t(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A class whose `match if` is `expr`, the expression on line 2.
std::string class_matching(const std::string& expr) { return "class \"c\" {\n match if " + expr + ";\n}\n"; }

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

TEST(isc_conf_parse, expressions_nested_deeper_than_256_levels_are_errors_not_stack_overflows) {
  // 100 000 levels overflowed the stack (SIGSEGV) in the recursive descent parser.
  const std::string too_deep = "t.conf:2: expression nested more than 256 levels deep";
  EXPECT_EQ(error_of(class_matching(repeat("not ", 100000) + "exists user-class")), too_deep);
  EXPECT_EQ(error_of(class_matching(repeat("(", 100000) + "exists user-class" + repeat(")", 100000))), too_deep);
  EXPECT_EQ(error_of(class_matching(repeat("suffix(", 100000) + "hardware" + repeat(", 1)", 100000) + " = 01")), too_deep);
  EXPECT_EQ(error_of(class_matching(repeat("not (", 200) + "exists user-class" + repeat(")", 200))), too_deep);
  // 256 levels are accepted and printed back whole.
  auto m = ic::parse_text(class_matching(repeat("not ", 256) + "exists user-class"));
  EXPECT_EQ(m.classes.at(0).match_text, repeat("not ", 256) + "exists user-class");
  EXPECT_EQ(error_of(class_matching(repeat("(", 256) + "exists user-class" + repeat(")", 256))), "");
}

TEST(isc_conf_parse, deeply_nested_braces_are_errors_not_stack_overflows) {
  // Scope rules already stop braces at three levels (shared-network > subnet > pool); this keeps it so.
  EXPECT_EQ(error_of("\n" + repeat("group {\n", 100000) + repeat("}\n", 100000)), "t.conf:2: unsupported statement 'group'");
  EXPECT_EQ(error_of(repeat("subnet 10.0.0.0 netmask 255.0.0.0 {\n", 20000) + repeat("}\n", 20000)),
            "t.conf:2: 'subnet' is not allowed in a subnet");
  EXPECT_EQ(error_of(repeat("{\n", 100000) + repeat("}\n", 100000)), "t.conf:1: expected a statement, found '{'");
}

TEST(isc_conf_parse, a_device_or_a_directory_is_refused_as_not_a_regular_file) {
  // /dev/null used to parse as an empty config (and /dev/zero was read until memory ran out: not tried
  // here, so that this test stays cheap when it fails).
  EXPECT_EQ(file_error_of("/dev/null"), "/dev/null:0: cannot read dhcpd.conf: not a regular file");
  const std::string dir = ::testing::TempDir() + "isc_conf_dir.conf";
  ::mkdir(dir.c_str(), 0700);
  EXPECT_EQ(file_error_of(dir), dir + ":0: cannot read dhcpd.conf: not a regular file");
  ::rmdir(dir.c_str());
}

TEST(isc_conf_parse, a_fifo_is_refused_without_waiting_for_a_writer) {
  const std::string fifo = ::testing::TempDir() + "isc_conf_fifo.conf";
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto result = std::async(std::launch::async, [&] { return file_error_of(fifo); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "parse_file() is blocked opening a FIFO";
    // Unblock it: a writer that closes at once gives the blocked reader end of file.
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
  }
  EXPECT_EQ(result.get(), fifo + ":0: cannot read dhcpd.conf: not a regular file");
  ::unlink(fifo.c_str());
}

TEST(isc_conf_parse, a_file_larger_than_64_mib_is_refused_before_reading_it) {
  const std::string big = ::testing::TempDir() + "isc_conf_big.conf";
  {
    std::ofstream(big) << "ddns-update-style none;\n";
  }
  ASSERT_EQ(::truncate(big.c_str(), (off_t(64) << 20) + 1), 0);  // sparse: no disk space used
  EXPECT_EQ(file_error_of(big), big + ":0: cannot read dhcpd.conf: larger than 64 MiB");
  std::remove(big.c_str());
}

// Under 64 MiB but all tokens: 60 MiB of ';' took 3.2 GB and 17 s before the first statement was parsed.
TEST(isc_conf_parse, a_file_of_more_than_four_million_tokens_is_refused_while_tokenizing) {
  std::string text = "ddns-update-style none;\n";
  text.append(4'000'000, ';');
  EXPECT_EQ(error_of(text), "t.conf:2: more than 4000000 words and symbols: too large a dhcpd.conf");
}

TEST(isc_conf_parse, a_utf8_byte_order_mark_at_the_start_is_skipped) {
  EXPECT_EQ(ic::parse_text("\xEF\xBB\xBF" "ddns-update-style none;\n").ddns_update_style, "none");
  EXPECT_EQ(error_of("\xEF\xBB\xBF" "ddns-update-style none;\nfoo;\n"), "t.conf:2: unsupported statement 'foo'");
  const std::string conf = ::testing::TempDir() + "isc_conf_bom.conf";
  std::ofstream(conf) << "\xEF\xBB\xBF" "default-lease-time 600;\n";
  EXPECT_EQ(ic::parse_file(conf).global.default_lease_time, 600u);
  std::remove(conf.c_str());
  // Only at the start: elsewhere it is still part of a word.
  EXPECT_EQ(error_of("ddns-update-style none;\n\xEF\xBB\xBF" "foo;\n"), "t.conf:2: unsupported statement '\xEF\xBB\xBF" "foo'");
}

TEST(isc_conf_parse, control_bytes_and_invalid_utf8_echoed_in_messages_are_escaped) {
  // A terminal escape (ESC [ 31 m), BEL and bytes that are not UTF-8, as in a binary file.
  EXPECT_EQ(error_of("\x1b[31mred\x07\xff\xfe;\n"), "t.conf:1: unsupported statement '\\x1b[31mred\\x07\\xff\\xfe'");
  // A quoted string (an OSC sequence that would retitle the terminal) echoed where a word was expected.
  EXPECT_EQ(error_of("subnet \"\x1b]0;t\x07\" netmask 255.0.0.0 { }\n"), "t.conf:1: expected subnet, found '\\x1b]0;t\\x07'");
  // C1 controls (U+009B is CSI), overlong forms, surrogates and truncated sequences are escaped too;
  // valid UTF-8 is kept as written.
  EXPECT_EQ(error_of("caf\xC3\xA9 \xC2\x9B\xC0\xAF\xED\xA0\x80\xE2\x82;\n"),
            "t.conf:1: unsupported statement 'caf\xC3\xA9'");
  EXPECT_EQ(error_of("\xC2\x9B" "a\xC0\xAF" "b\xED\xA0\x80" "c\xE2\x82;\n"),
            "t.conf:1: unsupported statement '\\xc2\\x9ba\\xc0\\xafb\\xed\\xa0\\x80c\\xe2\\x82'");
  // The warning for `hostname` echoes its argument too.
  auto m = ic::parse_text("hostname \"a\nb\x1b\";\n");
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_EQ(m.warnings[0].message.find('\n'), std::string::npos) << m.warnings[0].message;
  EXPECT_NE(m.warnings[0].message.find("a\\x0ab\\x1b"), std::string::npos) << m.warnings[0].message;
}
