// The loader through the real Boost.DLL path, with good and deliberately broken fixture plugins.
#include <gtest/gtest.h>

#include "loader.hpp"
#include "../support/test_support.hpp"

using bootfw::load_plugin_library;
using bootfw::plugin_load_error;
using bootfw::sdk::plugin_kind;
using bootfw::test::fixture;

namespace {

std::string load_error(const std::string& name, plugin_kind kind = plugin_kind::boot_policy) {
  try {
    load_plugin_library(fixture(name), kind, {});
  } catch (const plugin_load_error& e) {
    return e.what();
  }
  return "";
}

TEST(loader, loads_a_good_plugin_of_each_kind) {
  struct {
    const char* file;
    plugin_kind kind;
    const char* name;
  } cases[] = {{"fixture_responder", plugin_kind::dhcp_responder, "fixture-responder"},
               {"fixture_policy", plugin_kind::boot_policy, "fixture-policy"},
               {"fixture_transport", plugin_kind::tftp_transport, "fixture-transport"},
               {"fixture_resolver", plugin_kind::config_resolver, "fixture-resolver"},
               {"fixture_provider", plugin_kind::artifact_provider, "fixture-provider"}};
  for (auto& c : cases) {
    auto lib = load_plugin_library(fixture(c.file), c.kind, {});
    EXPECT_STREQ(lib->info().name, c.name);
    EXPECT_STREQ(lib->info().version, "1.0.0");
    auto instance = bootfw::create_instance(lib);
    ASSERT_TRUE(instance);
  }
}

TEST(loader, instance_keeps_its_library_loaded) {
  std::weak_ptr<bootfw::plugin_library> weak;
  std::shared_ptr<bootfw::sdk::plugin> instance;
  {
    auto lib = load_plugin_library(fixture("fixture_policy"), plugin_kind::boot_policy, {});
    weak = lib;
    instance = bootfw::create_instance(lib);
  }
  EXPECT_FALSE(weak.expired()) << "the library was released while an instance from it lives";
  instance.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(loader, refuses_wrong_abi_version_naming_both_sides) {
  auto msg = load_error("fixture_wrong_abi");
  EXPECT_NE(msg.find("fixture_wrong_abi.so: refused: plugin ABI version 999 but bootfw speaks ABI version 1"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_wrong_sdk_digest_naming_both_sides) {
  auto msg = load_error("fixture_wrong_digest");
  EXPECT_NE(msg.find("digest 0123456789abcdef but bootfw has " BOOTFW_SDK_DIGEST), std::string::npos) << msg;
}

TEST(loader, refuses_another_standard_library) {
  auto msg = load_error("fixture_wrong_stdlib");
  EXPECT_NE(msg.find("standard library 'libc++/abi1' (compiler clang-99.0) but bootfw uses '" BOOTFW_SDK_STDLIB_TAG),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_a_record_without_a_version) {
  auto msg = load_error("fixture_null_version");
  EXPECT_NE(msg.find("fixture_null_version.so: refused: plugin 'fixture-null-version': info record has no version"),
            std::string::npos)
      << msg;
}

TEST(loader, refuses_missing_entry_point) {
  auto msg = load_error("fixture_missing_entry");
  EXPECT_NE(msg.find("fixture_missing_entry.so: missing entry point 'bootfw_plugin_create'"), std::string::npos)
      << msg;
}

TEST(loader, refuses_kind_mismatch) {
  auto msg = load_error("fixture_policy", plugin_kind::tftp_transport);
  EXPECT_NE(msg.find("plugin 'fixture-policy' is of kind boot-policy but plugins.toml says kind = \"tftp-transport\""),
            std::string::npos)
      << msg;
}

TEST(loader, reports_dlopen_failures_with_the_dynamic_linker_text) {
  bootfw::test::temp_dir dir;
  // Long enough to have an ELF header's size, so the dynamic linker reads and rejects the header itself.
  auto path = dir.write("not-a-plugin.so", std::string(4096, 'x'));
  try {
    load_plugin_library(path, plugin_kind::boot_policy, {});
    FAIL();
  } catch (const plugin_load_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("not-a-plugin.so: cannot load plugin library"), std::string::npos) << msg;
    EXPECT_NE(msg.find("invalid ELF header"), std::string::npos) << msg;
  }
}

TEST(loader, builtin_names_come_from_the_static_table_only) {
  try {
    load_plugin_library("builtin:nothing", plugin_kind::boot_policy, {});
    FAIL();
  } catch (const plugin_load_error& e) {
    EXPECT_NE(std::string(e.what()).find("no built-in plugin of that name"), std::string::npos) << e.what();
  }
}

}  // namespace
