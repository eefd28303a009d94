// Real clients against the real plugin: the `bootfw` CLI loads bootfw-tftp.so and a file provider through
// the real loader, listens on 127.0.0.1, and curl, atftp and the RFC 7440 benchmark client download files
// whose SHA-256 must equal the source's.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>

#include "tftp_loopback_support.hpp"

using namespace tftp_loopback;

namespace {

class tftp_loopback : public ::testing::TestWithParam<std::string> {
 protected:
  void start(const std::string& config = "") {
    server_ = std::make_unique<bootfw_tftp_server>(GetParam(), config);
    for (auto& [name, content] : files_) server_->put(name, content);
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->running()) << "bootfw died\n" << server_->log();
      if (HasFailure()) std::fprintf(stderr, "bootfw log:\n%s\n", server_->log().c_str());
    }
  }
  fs::path out(const std::string& name) const { return server_->dir() / ("out-" + name); }
  std::string url(const std::string& file) const { return fmt::format("tftp://127.0.0.1:{}/{}", server_->port(), file); }
  /// Runs `command`; expects exit 0 and the downloaded `file` at out(file) with the source's SHA-256.
  void expect_download(const std::string& command, const std::string& file, const std::string& output) {
    auto [rc, text] = run(command);
    ASSERT_EQ(rc, 0) << command << "\n" << text;
    auto want = sha256(server_->root() / file);
    ASSERT_EQ(want.size(), 64u);
    EXPECT_EQ(sha256(output), want) << command << "\n" << text;
  }
  std::string bench(const std::string& file, const std::string& args, const std::string& output) const {
    return fmt::format("{} --port {} --file '{}' --output '{}' {}", TFTP_BENCH_CLIENT, server_->port(), file, output, args);
  }

  std::vector<std::pair<std::string, std::string>> files_{
      {"pxelinux.0", pattern(42'000, 1)},           // a boot loader's size, not a multiple of any blksize
      {"exact-2window.bin", pattern(16 * 1468 * 2, 2)},  // ends on a window boundary: a 0-byte last block
      {"kernel", pattern(3'000'000 + 7, 3)},
      {"tiny", pattern(100, 4)},
      {"empty", ""},
  };
  std::unique_ptr<bootfw_tftp_server> server_;
};

TEST_P(tftp_loopback, curl_without_options) {
  start();
  for (auto f : {"pxelinux.0", "kernel", "empty", "tiny"})
    expect_download(fmt::format("curl -sS --tftp-no-options -o '{}' '{}'", out(f).string(), url(f)), f, out(f).string());
}

TEST_P(tftp_loopback, a_second_server_on_the_port_fails_to_start_instead_of_sharing_it) {
  start();
  // The same configuration with its own state directory: only the TFTP port is shared.
  auto toml = read_file(server_->dir() / "plugins.toml");
  auto state = (server_->dir() / "state").string();
  toml.replace(toml.find(state), state.size(), state + "-second");
  std::ofstream(server_->dir() / "second.toml") << toml;
  auto [rc, text] = run(fmt::format("timeout 20 {} --plugins '{}'", BOOTFW_CLI, (server_->dir() / "second.toml").string()));
  EXPECT_EQ(rc, 1) << text;
  EXPECT_NE(text.find(fmt::format("cannot listen on 127.0.0.1:{}: Address already in use", server_->port())),
            std::string::npos)
      << text;
  expect_download(fmt::format("curl -sS -o '{}' '{}'", out("tiny").string(), url("tiny")), "tiny", out("tiny").string());
}

TEST_P(tftp_loopback, curl_with_blksize_and_tsize) {
  start();
  for (unsigned blksize : {8u, 512u, 1468u, 65464u}) {
    std::string f = blksize == 8 ? "tiny" : "kernel";
    expect_download(fmt::format("curl -sS --tftp-blksize {} -o '{}' '{}'", blksize, out(f).string(), url(f)), f,
                    out(f).string());
  }
  expect_download(fmt::format("curl -sS --tftp-blksize 1468 -o '{}' '{}'", out("x").string(), url("exact-2window.bin")),
                  "exact-2window.bin", out("x").string());
}

TEST_P(tftp_loopback, curl_with_a_leading_slash_gets_the_same_file) {
  start();
  expect_download(fmt::format("curl -sS -o '{}' 'tftp://127.0.0.1:{}//pxelinux.0'", out("p").string(), server_->port()),
                  "pxelinux.0", out("p").string());
}

TEST_P(tftp_loopback, curl_missing_file_fails_cleanly) {
  start();
  auto [rc, text] = run(fmt::format("curl -sS -o '{}' '{}'", out("m").string(), url("no-such-file")));
  EXPECT_EQ(rc, 68) << text;  // CURLE_TFTP_NOTFOUND: the server answered ERROR 1
}

TEST_P(tftp_loopback, atftp_without_options) {
  start();
  for (auto f : {"pxelinux.0", "kernel", "empty"})
    expect_download(fmt::format("atftp --get -r '{}' -l '{}' 127.0.0.1 {}", f, out(f).string(), server_->port()), f,
                    out(f).string());
}

TEST_P(tftp_loopback, atftp_with_blksize_tsize_and_windowsize) {
  start();
  expect_download(fmt::format("atftp --option 'blksize 1468' --option 'tsize 0' --get -r kernel -l '{}' 127.0.0.1 {}",
                              out("k1").string(), server_->port()),
                  "kernel", out("k1").string());
  for (auto w : {"4", "16"}) {
    expect_download(fmt::format("atftp --option 'blksize 1468' --option 'windowsize {}' --get -r kernel -l '{}' "
                                "127.0.0.1 {}",
                                w, out("k2").string(), server_->port()),
                    "kernel", out("k2").string());
    expect_download(fmt::format("atftp --option 'windowsize {}' --get -r exact-2window.bin -l '{}' 127.0.0.1 {}", w,
                                out("x").string(), server_->port()),
                    "exact-2window.bin", out("x").string());
  }
}

TEST_P(tftp_loopback, bench_client_windowsize_8_16_64) {
  start();
  for (auto w : {8, 16, 64}) {
    for (auto f : {"kernel", "exact-2window.bin", "pxelinux.0"}) {
      auto o = out(fmt::format("{}-w{}", f, w)).string();
      expect_download(bench(f, fmt::format("--blksize 1468 --tsize --windowsize {}", w), o), f, o);
    }
  }
}

TEST_P(tftp_loopback, bench_client_lockstep_and_without_options) {
  start();
  expect_download(bench("kernel", "--blksize 1468", out("k1").string()), "kernel", out("k1").string());
  expect_download(bench("kernel", "--no-options", out("k2").string()), "kernel", out("k2").string());
}

TEST_P(tftp_loopback, fifty_concurrent_windowed_clients_all_get_the_file) {
  // All from 127.0.0.1: lift the per-client limit and the rate limit (a boot storm behind one NAT).
  start("max_sessions_per_client = 64\nmax_new_sessions_per_second = 0");
  auto o = out("storm").string();
  auto [rc, text] = run(bench("kernel", "--clients 50 --blksize 1468 --windowsize 16", o));
  ASSERT_EQ(rc, 0) << text;
  auto want = sha256(server_->root() / "kernel");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sha256(i == 0 ? o : o + "." + std::to_string(i)), want) << i;
}

TEST_P(tftp_loopback, file_over_32_mib_at_blksize_512_wraps_block_numbers) {
  // 33 MiB + 1000 bytes at 512 bytes per block = 67 586 blocks: the 16-bit block number wraps once.
  files_ = {{"big.img", pattern(33 * 1024 * 1024 + 1000, 9)}};
  start();
  expect_download(fmt::format("curl -sS --tftp-no-options -o '{}' '{}'", out("big").string(), url("big.img")),
                  "big.img", out("big").string());
  expect_download(bench("big.img", "--blksize 512 --windowsize 16", out("big2").string()), "big.img",
                  out("big2").string());
}

TEST_P(tftp_loopback, netascii_is_converted_to_cr_lf) {
  files_ = {{"pxelinux.cfg/default", "DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\rX\n"}};
  start();
  auto o = out("cfg").string();
  auto [rc, text] = run(bench("pxelinux.cfg/default", "--mode netascii", o));
  ASSERT_EQ(rc, 0) << text;
  EXPECT_EQ(read_file(o), std::string("DEFAULT linux\r\nLABEL linux\r\n  KERNEL vmlinuz\r\0X\r\n", 49));
}

INSTANTIATE_TEST_SUITE_P(providers, tftp_loopback, ::testing::ValuesIn(providers()),
                         [](const auto& info) { return info.param.find("bootfw-file") != std::string::npos
                                                           ? std::string("shipped_file_provider")
                                                           : std::string("test_provider"); });

}  // namespace
