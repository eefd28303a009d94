// sdk::read_whole_file: the POSIX read the framework and plugins use for plugins.toml and dhcpd.conf, of
// regular files of bounded size only.
#include <bootfw/sdk/file.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
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

TEST(sdk_file, a_missing_file_is_a_file_error_naming_the_path_and_the_step) {
  temp_dir dir;
  EXPECT_EQ(error_of(dir.str() + "/missing.conf"), std::make_pair(ENOENT, std::string("open")));
}

std::string reason_of(const std::string& path, std::size_t max = bootfw::sdk::max_config_file_bytes) {
  try {
    bootfw::sdk::read_whole_file(path, max);
  } catch (const bootfw::sdk::file_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_STREQ(e.step(), "check") << e.what();
    return e.reason();
  }
  return "";
}

// A configuration naming /dev/zero used to be read until memory ran out, and a FIFO waited for a writer
// forever (in --check and on SIGHUP): only a regular file is read.
TEST(sdk_file, a_directory_a_device_or_a_fifo_is_refused_at_once) {
  temp_dir dir;
  EXPECT_EQ(reason_of(dir.str()), "not a regular file");
  EXPECT_EQ(reason_of("/dev/zero"), "not a regular file");
  EXPECT_EQ(reason_of("/dev/null"), "not a regular file");
  auto fifo = dir.str() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reading = std::async(std::launch::async, [&] { return reason_of(fifo); });
  // Bounded so that a regression fails here instead of hanging the suite: a writer is opened to release it.
  if (reading.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    ::close(fd);
    ADD_FAILURE() << "read_whole_file waited on a FIFO";
  }
  EXPECT_EQ(reading.get(), "not a regular file");
}

TEST(sdk_file, a_file_larger_than_the_bound_is_refused_before_and_while_reading) {
  temp_dir dir;
  auto path = dir.write("big", std::string(5000, 'x'));
  EXPECT_EQ(reason_of(path, 4096), "larger than 4096 bytes");
  EXPECT_EQ(bootfw::sdk::read_whole_file(path, 5000).size(), 5000u);
  // 64 MiB + 1 as a sparse file: refused from its size, nothing read.
  auto sparse = dir.str() + "/sparse";
  int fd = ::open(sparse.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, off_t(bootfw::sdk::max_config_file_bytes) + 1), 0);
  ::close(fd);
  EXPECT_EQ(reason_of(sparse), "larger than 64 MiB");
}

}  // namespace
