// Evaluation for a client: class expressions, host lookup, permits, ISC scope precedence, opt 43.
#include <gtest/gtest.h>

#include <bootfw/isc_conf/isc_conf.hpp>

namespace ic = bootfw::isc_conf;
namespace opt = bootfw::sdk::dhcp_option;
using bootfw::sdk::client_facts;
using bootfw::sdk::dhcp_options;
using bootfw::sdk::ipv4_address;
using bootfw::sdk::mac_address;
using bytes = std::vector<std::uint8_t>;

namespace {

client_facts facts_for(std::string_view mac, std::string vendor_class = {}, std::string user_class = {}) {
  client_facts f;
  f.mac = *mac_address::parse(mac);
  f.vendor_class = std::move(vendor_class);
  f.user_class.assign(user_class.begin(), user_class.end());
  f.interface_address = ipv4_address(192, 168, 24, 202);
  return f;
}

// Does a one-class config's class match the client?
bool matches(const std::string& expr, const client_facts& f) {
  auto m = ic::parse_text("option arch code 93 = unsigned integer 16;\nclass \"c\" { match if " + expr + "; }\n");
  return !ic::match_client(m, f, ic::options_from_facts(f)).classes.empty();
}

const std::string pxe_vc = "PXEClient:Arch:00000:UNDI:002001";

}  // namespace

TEST(isc_conf_eval, substring_equality_matches_the_pxe_vendor_class_prefix) {
  const std::string e = "substring (option vendor-class-identifier, 0, 9) = \"PXEClient\"";
  EXPECT_TRUE(matches(e, facts_for("08:00:07:26:c0:a5", pxe_vc)));
  EXPECT_FALSE(matches(e, facts_for("08:00:07:26:c0:a5", "MSFT 5.0")));
  EXPECT_FALSE(matches(e, facts_for("08:00:07:26:c0:a5")));  // no option 60: cannot evaluate → no match
  EXPECT_FALSE(matches(e, facts_for("08:00:07:26:c0:a5", "PXEClien")));
}

TEST(isc_conf_eval, equality_exists_not_and_or_and_hex_literals) {
  auto ipxe_efi = facts_for("52:54:00:00:00:01", "PXEClient:Arch:00007:UNDI:003016", "iPXE");
  ipxe_efi.architectures = {7};
  auto bios = facts_for("52:54:00:00:00:02", pxe_vc);
  bios.architectures = {0};

  EXPECT_TRUE(matches("option user-class = \"iPXE\"", ipxe_efi));
  EXPECT_FALSE(matches("option user-class = \"iPXE\"", bios));
  EXPECT_TRUE(matches("exists user-class", ipxe_efi));
  EXPECT_TRUE(matches("exists option user-class", ipxe_efi));
  EXPECT_FALSE(matches("exists user-class", bios));
  EXPECT_TRUE(matches("not exists user-class", bios));
  EXPECT_TRUE(matches("option arch = 00:07", ipxe_efi));
  EXPECT_FALSE(matches("option arch = 00:07", bios));
  EXPECT_TRUE(matches("option arch != 00:07", bios));
  EXPECT_TRUE(matches("option arch = 00:00 or option arch = 00:07", bios));
  EXPECT_TRUE(matches("option arch = 00:00 or option arch = 00:07", ipxe_efi));
  EXPECT_FALSE(matches("exists user-class and option arch = 00:00", bios));
  EXPECT_TRUE(matches("exists user-class and (option arch = 00:00 or option arch = 00:07)", ipxe_efi));
  EXPECT_FALSE(matches("not (exists user-class and option arch = 00:07)", ipxe_efi));
  EXPECT_TRUE(matches("substring(hardware, 1, 3) = 52:54:00", bios));
  EXPECT_TRUE(matches("substring(hardware, 0, 1) = 1", bios));  // htype 1 = Ethernet
  EXPECT_TRUE(matches("suffix(option vendor-class-identifier, 6) = \"002001\"", bios));
  EXPECT_FALSE(matches("suffix(option vendor-class-identifier, 6) = \"002001\"", ipxe_efi));
}

TEST(isc_conf_eval, hosts_are_found_by_client_identifier_first_then_hardware_address) {
  auto m = ic::parse_text(R"(
host by-mac { hardware ethernet 52:54:00:00:00:01; }
host by-id { option dhcp-client-identifier 01:52:54:00:00:00:01; }
)");
  auto f = facts_for("52:54:00:00:00:01");
  EXPECT_EQ(ic::find_host(m, f, ic::options_from_facts(f))->name, "by-mac");
  f.client_id = {1, 0x52, 0x54, 0, 0, 0, 1};
  EXPECT_EQ(ic::find_host(m, f, ic::options_from_facts(f))->name, "by-id");
  EXPECT_EQ(ic::find_host(m, facts_for("52:54:00:00:00:09"), {}), nullptr);
}

TEST(isc_conf_eval, seed_pxe_client_gets_the_isc_answer) {
  auto m = ic::parse_file(BOOTFW_SEED_DHCPD_CONF);
  auto f = facts_for("08:00:07:26:c0:a5", pxe_vc, "iPXE");
  auto match = ic::match_client(m, f, ic::options_from_facts(f));
  ASSERT_NE(match.subnet, nullptr);
  ASSERT_NE(match.host, nullptr);
  EXPECT_EQ(match.host->name, "rambox");
  ASSERT_EQ(match.classes.size(), 1u);
  EXPECT_EQ(match.classes[0]->name, "pxeclients");
  ASSERT_EQ(match.permitted_pools.size(), 1u);  // known client: deny unknown clients does not apply
  // Fixed address outside the pool: no pool scope, so ISC's default 43200 s, not the pool's 86400.
  auto r = ic::resolve(match, nullptr);
  EXPECT_EQ(r.lease.default_time, 43200u);
  EXPECT_EQ(r.lease.max_time, 86400u);
  EXPECT_EQ(r.filename, "pxelinux.0");
  EXPECT_EQ(r.next_server, ipv4_address(192, 168, 24, 202));
  EXPECT_EQ(r.vendor_option_space, "PXE");
  // What ISC dhcpd 4.4 sent on the wire (captured in a network namespace): 1, 12, 43, 60 (+53/54/51).
  std::vector<std::uint8_t> codes;
  for (const auto& [code, _] : r.options.entries()) codes.push_back(code);
  EXPECT_EQ(codes, (bytes{opt::subnet_mask, opt::host_name, opt::vendor_specific, opt::vendor_class_identifier}));
  EXPECT_EQ(r.options.get_address(opt::subnet_mask), ipv4_address(255, 255, 255, 0));
  EXPECT_EQ(r.options.get_string(opt::host_name), "rambox01.home.dev");
  auto v43 = r.options.find(opt::vendor_specific);
  ASSERT_TRUE(v43);
  EXPECT_EQ(bytes(v43->begin(), v43->end()), (bytes{0x01, 0x04, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(r.options.get_string(opt::vendor_class_identifier), "PXEClient");
  // Within the pool the pool's lease times apply.
  EXPECT_EQ(ic::resolve(match, match.permitted_pools[0]).lease.default_time, 86400u);
  EXPECT_EQ(ic::find_pool(match, ipv4_address(192, 168, 24, 203)), match.permitted_pools[0]);
}

TEST(isc_conf_eval, seed_non_pxe_client_gets_no_boot_file_and_unknown_clients_no_pool) {
  auto m = ic::parse_file(BOOTFW_SEED_DHCPD_CONF);
  auto known = facts_for("08:00:07:26:c0:a5");
  auto km = ic::match_client(m, known, ic::options_from_facts(known));
  auto r = ic::resolve(km, nullptr);
  EXPECT_FALSE(r.filename);
  EXPECT_FALSE(r.next_server);
  EXPECT_FALSE(r.options.contains(opt::vendor_specific));
  EXPECT_FALSE(r.options.contains(opt::vendor_class_identifier));

  auto stranger = facts_for("08:00:07:26:c0:a6", pxe_vc);
  auto sm = ic::match_client(m, stranger, ic::options_from_facts(stranger));
  EXPECT_FALSE(sm.known());
  EXPECT_TRUE(sm.permitted_pools.empty());
  EXPECT_EQ(sm.classes.size(), 1u);
}

TEST(isc_conf_eval, options_follow_isc_precedence_host_class_pool_subnet_shared_global) {
  auto m = ic::parse_text(R"(
option domain-name "global";
option ntp-servers 10.9.9.9;
default-lease-time 100;
shared-network net {
  option domain-name "shared";
  option routers 10.0.0.254;
  subnet 10.0.0.0 netmask 255.255.255.0 {
    option domain-name "subnet";
    option tftp-server-name "subnet";
    option broadcast-address 10.0.0.255;
    filename "subnet.0";
    pool {
      range 10.0.0.10 10.0.0.20;
      option domain-name "pool";
      option tftp-server-name "pool";
      default-lease-time 200;
    }
  }
}
class "first" { match if exists user-class; option domain-name "class-first"; filename "first.0"; }
class "second" { match if exists user-class; option domain-name "class-second"; option domain-name-servers 10.0.0.53; }
host h { hardware ethernet 52:54:00:00:00:01; option domain-name "host"; }
)");
  auto f = facts_for("52:54:00:00:00:01", {}, "iPXE");
  f.interface_address = ipv4_address(10, 0, 0, 1);
  auto match = ic::match_client(m, f, ic::options_from_facts(f));
  ASSERT_NE(match.shared_network, nullptr);
  ASSERT_EQ(match.classes.size(), 2u);
  const auto* pool = ic::find_pool(match, ipv4_address(10, 0, 0, 15));
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(match.scopes(pool).size(), 7u);

  auto r = ic::resolve(match, pool);
  EXPECT_EQ(r.options.get_string(opt::domain_name), "host");
  EXPECT_EQ(r.options.get_address(opt::dns_servers), ipv4_address(10, 0, 0, 53));     // class
  EXPECT_EQ(r.options.get_string(opt::tftp_server_name), "pool");                      // pool over subnet
  EXPECT_EQ(r.options.get_address(opt::broadcast_address), ipv4_address(10, 0, 0, 255));  // subnet
  EXPECT_EQ(r.options.get_address(opt::router), ipv4_address(10, 0, 0, 254));          // shared-network
  EXPECT_EQ(r.options.get_address(42), ipv4_address(10, 9, 9, 9));                     // global
  EXPECT_EQ(r.filename, "first.0");  // the first matching class wins over the subnet
  EXPECT_EQ(r.lease.default_time, 200u);
  EXPECT_EQ(ic::resolve(match, nullptr).lease.default_time, 100u);

  // Without the host, the first-declared matching class decides.
  auto other = facts_for("52:54:00:00:00:02", {}, "iPXE");
  other.interface_address = f.interface_address;
  auto r2 = ic::resolve(ic::match_client(m, other, ic::options_from_facts(other)), pool);
  EXPECT_EQ(r2.options.get_string(opt::domain_name), "class-first");
  // Without host or class, the pool.
  auto plain = facts_for("52:54:00:00:00:03");
  plain.interface_address = f.interface_address;
  auto r3 = ic::resolve(ic::match_client(m, plain, ic::options_from_facts(plain)), pool);
  EXPECT_EQ(r3.options.get_string(opt::domain_name), "pool");
  EXPECT_EQ(r3.filename, "subnet.0");
}

TEST(isc_conf_eval, permit_lists_select_pools_per_client) {
  auto m = ic::parse_text(R"(
class "pxe" { match if substring(option vendor-class-identifier, 0, 9) = "PXEClient"; }
subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; allow members of "pxe"; }
  pool { range 10.0.0.20 10.0.0.29; deny members of "pxe"; deny known clients; }
  pool { range 10.0.0.30 10.0.0.39; allow known clients; }
}
host k { hardware ethernet 52:54:00:00:00:01; }
)");
  auto pools_of = [&](client_facts f) {
    f.interface_address = ipv4_address(10, 0, 0, 1);
    std::vector<std::uint32_t> firsts;
    for (const auto* p : ic::match_client(m, f, ic::options_from_facts(f)).permitted_pools)
      firsts.push_back(p->ranges[0].first.octets()[3]);
    return firsts;
  };
  EXPECT_EQ(pools_of(facts_for("52:54:00:00:00:09", pxe_vc)), (std::vector<std::uint32_t>{10}));
  EXPECT_EQ(pools_of(facts_for("52:54:00:00:00:09")), (std::vector<std::uint32_t>{20}));
  EXPECT_EQ(pools_of(facts_for("52:54:00:00:00:01")), (std::vector<std::uint32_t>{30}));
  EXPECT_EQ(pools_of(facts_for("52:54:00:00:00:01", pxe_vc)), (std::vector<std::uint32_t>{10, 30}));
}

TEST(isc_conf_eval, vendor_option_space_is_encapsulated_in_ascending_code_order) {
  auto m = ic::parse_text(R"(
option space PXE;
option PXE.mtftp-ip code 1 = ip-address;
option PXE.discovery-control code 6 = unsigned integer 8;
option PXE.boot-menu code 9 = string;
vendor-option-space PXE;
option PXE.boot-menu 80:00:03:41:42:43;
option PXE.discovery-control 8;
class "c" { match if exists vendor-class-identifier; option PXE.mtftp-ip 224.1.2.3; option PXE.discovery-control 3; }
)");
  auto f = facts_for("52:54:00:00:00:01", pxe_vc);
  auto r = ic::resolve(ic::match_client(m, f, ic::options_from_facts(f)), nullptr);
  auto v = r.options.find(opt::vendor_specific);
  ASSERT_TRUE(v);
  EXPECT_EQ(bytes(v->begin(), v->end()),
            (bytes{1, 4, 224, 1, 2, 3, 6, 1, 3, 9, 6, 0x80, 0x00, 0x03, 'A', 'B', 'C'}));
  EXPECT_FALSE(r.options.contains(opt::subnet_mask));  // no subnet: nothing to take a netmask from
  // Without the class the global values apply.
  auto g = facts_for("52:54:00:00:00:02");
  auto rg = ic::resolve(ic::match_client(m, g, ic::options_from_facts(g)), nullptr);
  auto vg = rg.options.find(opt::vendor_specific);
  ASSERT_TRUE(vg);
  EXPECT_EQ(bytes(vg->begin(), vg->end()), (bytes{6, 1, 8, 9, 6, 0x80, 0x00, 0x03, 'A', 'B', 'C'}));
}

TEST(isc_conf_eval, deny_unknown_clients_outside_a_pool_is_reported) {
  auto m = ic::parse_text("subnet 10.0.0.0 netmask 255.0.0.0 { deny unknown-clients; range 10.0.0.5; }\n");
  auto f = facts_for("52:54:00:00:00:01");
  f.relay = ipv4_address(10, 1, 2, 3);  // relayed: the subnet is chosen by giaddr
  auto match = ic::match_client(m, f, ic::options_from_facts(f));
  ASSERT_NE(match.subnet, nullptr);
  EXPECT_FALSE(match.unknown_clients_allowed());
  EXPECT_TRUE(ic::match_client(ic::parse_text("subnet 10.0.0.0 netmask 255.0.0.0 { }\n"), f, {}).unknown_clients_allowed());
}

TEST(isc_conf_eval, and_or_chains_of_three_or_more_keep_isc_three_valued_logic) {
  auto bios = facts_for("52:54:00:00:00:02", pxe_vc);  // no user-class, no arch: `option arch` is unevaluable
  EXPECT_TRUE(matches("option arch = 00:07 or exists user-class or exists vendor-class-identifier", bios));
  EXPECT_FALSE(matches("option arch = 00:07 or exists user-class or not exists vendor-class-identifier", bios));
  EXPECT_FALSE(matches("exists vendor-class-identifier and option arch = 00:07 and exists vendor-class-identifier", bios));
  EXPECT_TRUE(matches("exists vendor-class-identifier and not exists user-class and exists vendor-class-identifier", bios));
  EXPECT_TRUE(matches("not (exists user-class and option arch = 00:07 and exists vendor-class-identifier)", bios));
  EXPECT_TRUE(matches("exists user-class and option arch = 00:07 or exists vendor-class-identifier", bios));
}

TEST(isc_conf_eval, a_chain_of_100000_or_terms_is_evaluated_and_exported_without_overflowing_the_stack) {
  // A flat chain is not nesting: it is accepted, but to_text() and evaluation used to recurse once per term.
  std::string expr = "option user-class = \"0\"";
  for (int i = 1; i < 100000; ++i) expr += " or option user-class = \"" + std::to_string(i) + "\"";
  auto m = ic::parse_text("class \"c\" { match if " + expr + "; }\n");
  EXPECT_EQ(m.classes.at(0).match_text, "(" + expr + ")");
  EXPECT_NE(ic::to_toml(m).find("match = \"(option user-class = \\\"0\\\" or "), std::string::npos);
  auto last = facts_for("52:54:00:00:00:02", pxe_vc, "99999");
  EXPECT_EQ(ic::match_client(m, last, ic::options_from_facts(last)).classes.size(), 1u);
  auto none = facts_for("52:54:00:00:00:02", pxe_vc, "100000");
  EXPECT_TRUE(ic::match_client(m, none, ic::options_from_facts(none)).classes.empty());
}
