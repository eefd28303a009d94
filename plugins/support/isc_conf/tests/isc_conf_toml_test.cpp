// Native TOML export (`bootfw import-isc`): the seed's dhcpd.conf becomes valid TOML with the same content.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sys/wait.h>

#include <toml++/toml.h>

#include <bootfw/isc_conf/isc_conf.hpp>

namespace ic = bootfw::isc_conf;

namespace {

struct run_result {
  int status = -1;
  std::string out;
};

// Runs a shell command, capturing standard output (standard error goes to a file next to it).
run_result run(const std::string& command) {
  run_result r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(isc_conf_toml, seed_file_exports_to_toml_with_the_same_content) {
  auto text = ic::to_toml(ic::parse_file(BOOTFW_SEED_DHCPD_CONF));
  toml::table t;
  ASSERT_NO_THROW(t = toml::parse(text)) << text;
  EXPECT_EQ(t["global"]["ddns_update_style"].value<std::string>(), "none");
  EXPECT_EQ(t["option_space"][0]["name"].value<std::string>(), "PXE");
  EXPECT_EQ(t["option_space"][0]["options"].as_array()->size(), 7u);
  EXPECT_EQ(t["option_space"][0]["options"][1]["type"].value<std::string>(), "unsigned integer 16");
  EXPECT_EQ(t["subnet"][0]["network"].value<std::string>(), "192.168.24.0");
  EXPECT_EQ(t["subnet"][0]["netmask"].value<std::string>(), "255.255.255.0");
  auto pool = t["subnet"][0]["pool"][0];
  EXPECT_EQ(pool["ranges"][0][0].value<std::string>(), "192.168.24.203");
  EXPECT_EQ(pool["deny"][0].value<std::string>(), "unknown clients");
  EXPECT_EQ(pool["default_lease_time"].value<std::int64_t>(), 86400);
  auto cls = t["class"][0];
  EXPECT_EQ(cls["name"].value<std::string>(), "pxeclients");
  EXPECT_EQ(cls["match"].value<std::string>(), "substring(option vendor-class-identifier, 0, 9) = \"PXEClient\"");
  EXPECT_EQ(cls["filename"].value<std::string>(), "pxelinux.0");
  EXPECT_EQ(cls["next_server"].value<std::string>(), "192.168.24.202");
  EXPECT_EQ(cls["vendor_option_space"].value<std::string>(), "PXE");
  EXPECT_EQ(cls["options"][1]["bytes"].value<std::string>(), "00:00:00:00");
  auto host = t["host"][0];
  EXPECT_EQ(host["hardware_ethernet"].value<std::string>(), "08:00:07:26:c0:a5");
  EXPECT_EQ(host["fixed_address"].value<std::string>(), "192.168.24.203");
  EXPECT_EQ(host["options"][0]["name"].value<std::string>(), "host-name");
  EXPECT_EQ(host["options"][0]["value"].value<std::string>(), "\"rambox01.home.dev\"");
}

TEST(isc_conf_toml, abandon_lease_time_is_exported_in_global) {
  toml::table t = toml::parse(ic::to_toml(ic::parse_text("abandon-lease-time 3600;\n")));
  EXPECT_EQ(t["global"]["abandon_lease_time"].value<std::int64_t>(), 3600);
}

TEST(isc_conf_toml, strings_with_quotes_and_control_characters_stay_valid_toml) {
  auto m = ic::parse_text("filename \"a\\\"b\\\\c\\td\";\n");
  auto t = toml::parse(ic::to_toml(m));
  EXPECT_EQ(t["global"]["filename"].value<std::string>(), "a\"b\\c\td");
}

TEST(isc_conf_toml, a_warning_echoing_a_newline_stays_one_toml_comment) {
  // `hostname "a<newline>b";` is warned about; a raw newline in the `# warning:` comment ended the comment.
  auto text = ic::to_toml(ic::parse_text("hostname \"a\nb = 1\";\n"));
  toml::table t;
  ASSERT_NO_THROW(t = toml::parse(text)) << text;
  EXPECT_FALSE(t.contains("b"));
  EXPECT_EQ(t["global"]["options"][0]["name"].value<std::string>(), "host-name");
}

TEST(isc_conf_toml, import_isc_helper_reports_deep_nesting_and_a_device_instead_of_crashing) {
  // 100 000 nested `not` crashed the helper (SIGSEGV); /dev/null was an empty config (and /dev/zero was
  // read until memory ran out).
  std::string conf = ::testing::TempDir() + "deep_dhcpd.conf";
  {
    std::ofstream out(conf);
    out << "class \"c\" {\n match if ";
    for (int i = 0; i < 100000; ++i) out << "not ";
    out << "exists user-class;\n}\n";
  }
  std::string err = ::testing::TempDir() + "import_isc_deep_stderr.txt";
  auto r = run(std::string(BOOTFW_IMPORT_ISC) + " " + conf + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(slurp(err), "error: " + conf + ":2: expression nested more than 256 levels deep\n");
  r = run(std::string(BOOTFW_IMPORT_ISC) + " /dev/null 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(slurp(err), "error: /dev/null:0: cannot read dhcpd.conf: not a regular file\n");
}

TEST(isc_conf_toml, import_isc_helper_prints_toml_and_warns_on_stderr) {
  std::string err = ::testing::TempDir() + "import_isc_stderr.txt";
  auto r = run(std::string(BOOTFW_IMPORT_ISC) + " " + BOOTFW_SEED_DHCPD_CONF + " 2>" + err);
  EXPECT_EQ(r.status, 0);
  toml::table t;
  ASSERT_NO_THROW(t = toml::parse(r.out));
  EXPECT_EQ(t["host"][0]["name"].value<std::string>(), "rambox");
  EXPECT_NE(slurp(err).find("dhcpd.conf:48"), std::string::npos);
}

TEST(isc_conf_toml, import_isc_helper_fails_with_the_line_of_a_bad_statement) {
  std::string conf = ::testing::TempDir() + "bad_dhcpd.conf";
  std::ofstream(conf) << "ddns-update-style none;\nsubnet 10.0.0.0 netmask 255.0.0.0 {\n  failover peer \"x\";\n}\n";
  std::string err = ::testing::TempDir() + "import_isc_bad_stderr.txt";
  auto r = run(std::string(BOOTFW_IMPORT_ISC) + " " + conf + " 2>" + err);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(slurp(err).find("bad_dhcpd.conf:3: unsupported statement 'failover'"), std::string::npos) << slurp(err);
}

TEST(isc_conf_toml, import_isc_helper_takes_a_word_with_a_dash_for_a_mistyped_option) {
  std::string err = ::testing::TempDir() + "import_isc_option_stderr.txt";
  auto r = run(std::string(BOOTFW_IMPORT_ISC) + " --bogus 2>" + err);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(slurp(err).find("unknown option '--bogus' (a file named so: ./--bogus)"), std::string::npos) << slurp(err);
  // A file that really starts with a dash is read when named with a directory.
  std::string dir = ::testing::TempDir();
  std::ofstream(dir + "-x.conf") << "subnet 10.0.0.0 netmask 255.0.0.0 { }\n";
  r = run("cd " + dir + " && " + BOOTFW_IMPORT_ISC + " ./-x.conf 2>" + err);
  EXPECT_EQ(r.status, 0) << slurp(err);
}
