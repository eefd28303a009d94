// An exception a plugin throws on the control path is an object of the plugin's library (sdk::config_error's
// vtable is emitted there). It must be gone before bootfw unloads that library, or bootfw crashes later
// destroying it. Raced before: `bootfw --check` on a misspelled key segfaulted about one run in ten under load.
#include <bootfw/sdk/embed.hpp>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../support/test_support.hpp"

using namespace bootfw;
using bootfw::test::fixture;
using bootfw::test::temp_dir;

TEST(plugin_exceptions, a_rejected_configuration_never_outlives_the_plugin_library) {
  temp_dir dir;
  server_options o;
  o.log_stream = nullptr;
  o.plugins_file = dir.write("plugins.toml", fmt::format("[server]\nstate_directory = \"{}\"\n[[plugin]]\nname = \"p\"\n"
                                                         "kind = \"boot-policy\"\nlibrary = \"{}\"\n"
                                                         "[plugin.config]\nfilenme = \"x\"\n",
                                                         dir.str() + "/state", fixture("fixture_policy")));
  for (int i = 0; i < 300; ++i) {
    auto error = check_configuration(o);
    ASSERT_NE(error.find("unknown key 'filenme'"), std::string::npos) << error;
  }
}
