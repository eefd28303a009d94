// sdk::read_whole_file: the POSIX read the framework and plugins use for plugins.toml and dhcpd.conf.
#include <bootfw/sdk/file.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "../support/test_support.hpp"

using bootfw::test::temp_dir;

namespace {

// errno and the step ("open" or "read") reading `path` failed at; {0, ""} when it did not fail.
std::pair<int, std::string> error_of(const std::string& path) {
  try {
    bootfw::sdk::read_whole_file(path);
  } catch (const bootfw::sdk::file_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return {e.code().value(), e.step()};
  }
  return {0, ""};
}

TEST(sdk_file, reads_every_byte_of_a_file_larger_than_one_buffer) {
  temp_dir dir;
  std::string text;
  for (int i = 0; i < 30000; ++i) text.push_back(char(i * 7));  // NULs and high bytes included
  auto path = dir.write("big.bin", text);
  EXPECT_EQ(bootfw::sdk::read_whole_file(path), text);
  EXPECT_EQ(bootfw::sdk::read_whole_file(dir.write("empty", "")), "");
}

TEST(sdk_file, a_missing_file_or_a_directory_is_a_file_error_naming_the_path_and_the_step) {
  temp_dir dir;
  EXPECT_EQ(error_of(dir.str() + "/missing.conf"), std::make_pair(ENOENT, std::string("open")));
  EXPECT_EQ(error_of(dir.str()), std::make_pair(EISDIR, std::string("read")));  // a directory opens
}

}  // namespace
