// The search order against syslinux's documentation (doc/pxelinux.txt, shipped by Debian's pxelinux package
// as /usr/share/doc/pxelinux/README.txt.gz), and the hex IP edge values of the seed's hxip().
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include <bootfw/pxelinux_names/search_order.hpp>

using namespace bootfw;
using namespace bootfw::pxelinux;

namespace {

// syslinux doc/pxelinux.txt: UUID b8945908-d6a6-41a9-611d-74a6ab80b83d, MAC 88:99:AA:BB:CC:DD, 192.0.2.91.
const std::vector<std::string> documented = {
    "b8945908-d6a6-41a9-611d-74a6ab80b83d", "01-88-99-aa-bb-cc-dd", "C000025B", "C000025", "C00002", "C0000",
    "C000", "C00", "C0", "C", "default"};

client_identity documented_client() {
  client_identity c;
  c.uuid = parse_uuid("b8945908-d6a6-41a9-611d-74a6ab80b83d");
  c.mac = sdk::mac_address::parse("88:99:AA:BB:CC:DD");
  c.address = sdk::ipv4_address(192, 0, 2, 91);
  return c;
}

TEST(pxelinux_search_order, matches_the_documented_example) {
  EXPECT_EQ(search_order(documented_client()), documented);
}

TEST(pxelinux_search_order, matches_the_list_in_the_installed_syslinux_documentation) {
  FILE* p = ::popen("zcat /usr/share/doc/pxelinux/README.txt.gz 2>/dev/null", "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof(buf), p)) text.append(buf, n);
  ::pclose(p);
  if (text.empty()) GTEST_SKIP() << "pxelinux documentation not installed";
  std::vector<std::string> listed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find("/mybootdir/pxelinux.cfg/");
    if (at != std::string::npos) listed.push_back(line.substr(at + 24));
  }
  EXPECT_EQ(listed, documented);
  EXPECT_EQ(search_order(documented_client()), listed);
}

TEST(pxelinux_search_order, leaves_out_what_the_client_does_not_have) {
  client_identity c;
  c.address = sdk::ipv4_address(192, 168, 24, 203);
  EXPECT_EQ(search_order(c), (std::vector<std::string>{"C0A818CB", "C0A818C", "C0A818", "C0A81", "C0A8", "C0A", "C0",
                                                        "C", "default"}));
  EXPECT_EQ(search_order(client_identity{}), std::vector<std::string>{"default"});
  c.mac = sdk::mac_address::parse("08:00:07:26:c0:a5");
  EXPECT_EQ(search_order(c).front(), "01-08-00-07-26-c0-a5");
  EXPECT_EQ(search_order(c).size(), 10u);
}

TEST(pxelinux_hex_ip, edge_addresses) {
  EXPECT_EQ(hex_ip(sdk::ipv4_address(192, 168, 24, 203)), "C0A818CB");
  EXPECT_EQ(hex_ip(sdk::ipv4_address(0, 0, 0, 0)), "00000000");
  EXPECT_EQ(hex_ip(sdk::ipv4_address(255, 255, 255, 255)), "FFFFFFFF");
  EXPECT_EQ(hex_ip(sdk::ipv4_address(10, 10, 24, 203)), "0A0A18CB");  // the seed's own example
  EXPECT_EQ(hex_ip(sdk::ipv4_address(1, 2, 3, 4)), "01020304");
}

TEST(pxelinux_uuid, option_97_is_used_only_in_its_rfc_4578_form) {
  std::vector<std::uint8_t> opt = {0,    0xb8, 0x94, 0x59, 0x08, 0xd6, 0xa6, 0x41, 0xa9,
                                   0x61, 0x1d, 0x74, 0xa6, 0xab, 0x80, 0xb8, 0x3d};
  auto u = uuid_from_option(opt);
  ASSERT_TRUE(u);
  EXPECT_EQ(uuid_name(*u), "b8945908-d6a6-41a9-611d-74a6ab80b83d");  // bytes in wire order, as pxelinux prints
  opt[0] = 1;
  EXPECT_FALSE(uuid_from_option(opt));  // unknown type
  opt.erase(opt.begin());
  EXPECT_FALSE(uuid_from_option(opt));  // 16 bytes without the type
  EXPECT_FALSE(parse_uuid("b8945908d6a6-41a9-611d-74a6ab80b83d-"));
  EXPECT_EQ(parse_uuid("B8945908D6A641A9611D74A6AB80B83D"), parse_uuid("b8945908-d6a6-41a9-611d-74a6ab80b83d"));
}

TEST(pxelinux_classify_name, reads_what_a_requested_name_says) {
  auto f = classify_name("01-08-00-07-26-c0-a5");
  EXPECT_EQ(f.what, name_facts::kind::hardware);
  EXPECT_EQ(f.mac, sdk::mac_address::parse("08:00:07:26:c0:a5"));
  f = classify_name("C0A818CB");
  EXPECT_EQ(f.what, name_facts::kind::hex_ip);
  EXPECT_EQ(f.address, sdk::ipv4_address(192, 168, 24, 203));
  f = classify_name("C0A8");
  EXPECT_EQ(f.what, name_facts::kind::hex_ip);
  EXPECT_FALSE(f.address);
  EXPECT_EQ(classify_name("b8945908-d6a6-41a9-611d-74a6ab80b83d").what, name_facts::kind::uuid);
  EXPECT_EQ(classify_name("default").what, name_facts::kind::default_file);
  EXPECT_EQ(classify_name("c0a818cb").what, name_facts::kind::other);  // pxelinux writes upper case
  EXPECT_EQ(classify_name("01-08-00-07-26-C0-A5").what, name_facts::kind::other);
  EXPECT_EQ(classify_name("C0A818CB0").what, name_facts::kind::other);
  EXPECT_EQ(classify_name("menu.c32").what, name_facts::kind::other);
}

}  // namespace
