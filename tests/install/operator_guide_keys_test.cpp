// Every plugins.toml key documented in docs/operator-guide.md exists in the code, and every key the code
// accepts is documented. The code's keys are read from the source itself: framework/src/config.cpp's
// check_keys(...) lists for [server], [server.dhcp] … and [[plugin]], and each plugin folder's
// allow_only({...}) lists (nested tables' lists included). The guide marks each reference table with
// <!-- keys: SECTION --> where SECTION is a config.cpp table name or a folder (plugins/tftp); a nested key
// is written table.key (rule.arch) and checked as "arch". Folders that do not exist are skipped, so a
// plugin being written elsewhere neither breaks nor silently passes this test once it lands.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

using key_set = std::set<std::string>;
const fs::path source = BOOTFW_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

key_set quoted_strings(const std::string& text) {
  key_set out;
  static const std::regex str(R"re("([^"]*)")re");
  for (std::sregex_iterator it(text.begin(), text.end(), str), end; it != end; ++it) out.insert((*it)[1]);
  return out;
}

/// config.cpp: check_keys(file, table, "server.dhcp", {...}); the [[plugin]] call passes `label`.
std::map<std::string, key_set> framework_keys() {
  std::map<std::string, key_set> out;
  auto text = slurp(source / "framework/src/config.cpp");
  static const std::regex call(R"(check_keys\(([^{;]*)\{([^}]*)\}\))");
  for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it) {
    std::string args = (*it)[1];
    auto names = quoted_strings(args);
    std::string section = names.empty() ? (args.find("label") != std::string::npos ? "plugin" : "") : *names.begin();
    if (!section.empty()) out[section] = quoted_strings((*it)[2]);
  }
  return out;
}

/// Union of every allow_only({...}) list under a plugin folder's sources.
key_set plugin_keys(const fs::path& folder) {
  key_set out;
  static const std::regex call(R"(allow_only\(\s*\{([^}]*)\}\s*\))");
  for (auto& e : fs::recursive_directory_iterator(folder)) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
    if (e.path().string().find("/tests/") != std::string::npos) continue;
    auto text = slurp(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), call), end; it != end; ++it)
      out.merge(quoted_strings((*it)[1]));
  }
  return out;
}

/// SECTION → keys documented in the table rows after each <!-- keys: SECTION --> marker.
std::map<std::string, key_set> documented_keys(const fs::path& doc) {
  std::map<std::string, key_set> out;
  std::istringstream in(slurp(doc));
  static const std::regex marker(R"(<!--\s*keys:\s*(\S+)\s*-->)");
  static const std::regex row(R"(^\|\s*`([A-Za-z0-9_.]+)`)");
  std::string section, line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, marker)) {
      section = m[1];
      out[section];
    } else if (line.rfind("#", 0) == 0) {
      section.clear();
    } else if (!section.empty() && std::regex_search(line, m, row)) {
      std::string key = m[1];
      out[section].insert(key.substr(key.rfind('.') + 1));
    }
  }
  return out;
}

std::string missing_from(const key_set& a, const key_set& b) {
  std::string s;
  for (auto& k : a)
    if (!b.count(k)) s += " " + k;
  return s;
}

TEST(operator_guide_keys, the_source_scanners_find_the_keys_they_must) {
  // Guards the scanners themselves: if a refactor hides the lists from them, this fails instead of the
  // comparison below passing on two empty sets.
  auto fw = framework_keys();
  ASSERT_TRUE(fw.count("server"));
  EXPECT_TRUE(fw["server"].count("state_directory"));
  ASSERT_TRUE(fw.count("plugin"));
  EXPECT_EQ(fw["plugin"], (key_set{"name", "kind", "library", "config"}));
  EXPECT_TRUE(plugin_keys(source / "plugins/tftp").count("max_blksize"));
}

TEST(operator_guide_keys, every_framework_key_is_documented_and_every_documented_one_exists) {
  auto doc = documented_keys(source / "docs/operator-guide.md");
  for (auto& [section, keys] : framework_keys()) {
    if (section == "(top level)") continue;  // [server] and [[plugin]] themselves
    ASSERT_TRUE(doc.count(section)) << "docs/operator-guide.md has no <!-- keys: " << section << " --> table";
    EXPECT_EQ(missing_from(keys, doc[section]), "") << "[" << section << "] keys in config.cpp but not documented";
    EXPECT_EQ(missing_from(doc[section], keys), "") << "[" << section << "] keys documented but not in config.cpp";
  }
}

TEST(operator_guide_keys, every_plugin_key_is_documented_and_every_documented_one_exists) {
  auto doc = documented_keys(source / "docs/operator-guide.md");
  for (auto& e : fs::directory_iterator(source / "plugins")) {
    if (!e.is_directory() || e.path().filename() == "support" || !fs::exists(e.path() / "CMakeLists.txt")) continue;
    std::string section = "plugins/" + e.path().filename().string();
    ASSERT_TRUE(doc.count(section)) << "docs/operator-guide.md has no <!-- keys: " << section << " --> table";
    auto keys = plugin_keys(e.path());
    EXPECT_EQ(missing_from(keys, doc[section]), "") << section << ": accepted by the code but not documented";
    EXPECT_EQ(missing_from(doc[section], keys), "") << section << ": documented but not accepted by the code";
  }
  for (auto& [section, keys] : doc) {
    if (section.rfind("plugins/", 0) != 0) continue;
    if (!fs::exists(source / section / "CMakeLists.txt")) continue;  // not landed yet: skipped
    EXPECT_FALSE(keys.empty()) << section << ": a <!-- keys --> marker with no key rows under it";
  }
}

TEST(operator_guide_keys, the_custom_plugin_readme_matches_its_code) {
  auto doc = documented_keys(source / "examples/custom-plugin/README.md");
  ASSERT_TRUE(doc.count("examples/custom-plugin"));
  auto keys = plugin_keys(source / "examples/custom-plugin/src");
  EXPECT_EQ(missing_from(keys, doc["examples/custom-plugin"]), "");
  EXPECT_EQ(missing_from(doc["examples/custom-plugin"], keys), "");
}

}  // namespace
