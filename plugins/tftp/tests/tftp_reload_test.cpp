// A reload (SIGHUP) in the middle of transfers, through the real `bootfw` CLI and bootfw-tftp.so: the
// transfers in flight finish with the bytes they started with, on their own ports, while new requests
// reach the new configuration; [server].reload_drain_seconds bounds how long the old ones may take.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "tftp_loopback_support.hpp"

using namespace tftp_loopback;

namespace {

class tftp_reload : public ::testing::TestWithParam<std::string> {
 protected:
  void start(const std::string& server_lines) {
    server_ = std::make_unique<bootfw_tftp_server>(GetParam(), "");
    // Over the file provider's in-memory cache limit (1 MiB): read from the file during the transfer.
    server_->put("kernel", old_kernel_);
    fs::create_directories(server_->dir() / "root2");
    std::ofstream(server_->dir() / "root2" / "kernel", std::ios::binary) << new_kernel_;
    if (!server_lines.empty()) server_->edit("[server]\n", "[server]\n" + server_lines + "\n");
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->running()) << "bootfw died\n" << server_->log();
      if (HasFailure()) std::fprintf(stderr, "bootfw log:\n%s\n", server_->log().c_str());
    }
  }
  /// Points the file provider at root2 and reloads.
  void switch_root() {
    auto old_root = "root = \"" + server_->root().string() + "\"";
    auto new_root = "root = \"" + (server_->dir() / "root2").string() + "\"";
    ASSERT_TRUE(server_->reload(old_root, new_root)) << server_->log();
  }
  /// RRQ for `kernel` at blksize 1468, OACK acknowledged; returns the first `blocks` blocks' bytes.
  std::string begin_transfer(raw_client& c, unsigned blocks) {
    c.send(rrq("kernel", "octet", {{"blksize", "1468"}}), server_->port());
    auto oack = c.receive();
    EXPECT_TRUE(oack && opcode_of(*oack) == 6) << "expected an OACK";
    tid_ = c.last_from_port;
    c.send(ack(0), tid_);
    std::string got;
    for (unsigned b = 1; b <= blocks; ++b) {
      auto d = c.receive();
      if (!d || opcode_of(*d) != 3 || block_of(*d) != b) {
        ADD_FAILURE() << "expected DATA " << b;
        return got;
      }
      got += d->substr(4);
      c.send(ack(b), tid_);
    }
    return got;
  }

  const std::string old_kernel_ = pattern(2'000'000 + 3, 11);
  const std::string new_kernel_ = pattern(1'500'000 + 5, 12);
  std::unique_ptr<bootfw_tftp_server> server_;
  std::uint16_t tid_ = 0;
};

TEST_P(tftp_reload, a_transfer_in_flight_finishes_with_its_file_and_new_requests_see_the_new_configuration) {
  start("");
  raw_client c;
  std::string got = begin_transfer(c, 50);
  switch_root();
  EXPECT_TRUE(server_->log_shows("1 transfer(s) in progress go on")) << server_->log();

  // The new configuration serves a new request (from root2) while the old transfer is still open.
  raw_client fresh;
  fresh.send(rrq("kernel", "octet", {{"blksize", "1468"}, {"tsize", "0"}}), server_->port());
  auto oack = fresh.receive();
  ASSERT_TRUE(oack && opcode_of(*oack) == 6);
  EXPECT_NE(oack->find(std::string("tsize\0", 6) + std::to_string(new_kernel_.size())), std::string::npos)
      << "a request after the reload reaches root2";
  fresh.send(std::string("\0\5\0\0done", 8), fresh.last_from_port);  // ERROR 0: end it

  // The old transfer goes on from where it was, to the end of the file it started with.
  for (unsigned b = 51;; ++b) {
    auto d = c.receive();
    ASSERT_TRUE(d && opcode_of(*d) == 3 && block_of(*d) == (b & 0xffff)) << "DATA " << b << " after the reload";
    got += d->substr(4);
    c.send(ack(b), tid_);
    if (d->size() < 4 + 1468) break;
  }
  EXPECT_EQ(got.size(), old_kernel_.size());
  EXPECT_TRUE(got == old_kernel_) << "the transfer kept its original bytes";
  EXPECT_TRUE(server_->log_shows("the previous configuration's transfers have ended")) << server_->log();
}

TEST_P(tftp_reload, a_second_reload_while_the_first_generation_drains_keeps_both_transfers) {
  start("");
  raw_client first;
  std::string got_first = begin_transfer(first, 20);
  const auto tid_first = tid_;
  switch_root();  // generation 1 drains `first`
  raw_client second;
  std::string got_second = begin_transfer(second, 20);  // from root2, on generation 2
  const auto tid_second = tid_;
  auto back = "root = \"" + (server_->dir() / "root2").string() + "\"";
  ASSERT_TRUE(server_->reload(back, "root = \"" + server_->root().string() + "\"")) << server_->log();
  auto finish = [](raw_client& c, std::uint16_t tid, std::string& got) {
    for (unsigned b = 21;; ++b) {
      auto d = c.receive();
      if (!d || opcode_of(*d) != 3 || block_of(*d) != (b & 0xffff)) return false;
      got += d->substr(4);
      c.send(ack(b), tid);
      if (d->size() < 4 + 1468) return true;
    }
  };
  ASSERT_TRUE(finish(first, tid_first, got_first));
  ASSERT_TRUE(finish(second, tid_second, got_second));
  EXPECT_TRUE(got_first == old_kernel_);
  EXPECT_TRUE(got_second == new_kernel_);
}

TEST_P(tftp_reload, sigterm_while_a_generation_drains_ends_it_and_exits_cleanly) {
  start("");
  raw_client c;
  begin_transfer(c, 5);
  switch_root();
  ASSERT_TRUE(server_->log_shows("in progress go on"));
  EXPECT_EQ(server_->stop(), 0) << server_->log();
  EXPECT_NE(server_->log().find("1 transfer(s) in progress end"), std::string::npos) << server_->log();
  server_.reset();  // TearDown: nothing left running to check
}

TEST_P(tftp_reload, reload_drain_seconds_bounds_how_long_an_old_transfer_may_take) {
  start("reload_drain_seconds = 1");
  raw_client c;
  begin_transfer(c, 3);
  switch_root();
  // The client stops acknowledging; the session alone would retransmit for longer than a second.
  EXPECT_TRUE(server_->log_shows("[server].reload_drain_seconds (1) passed", 4000)) << server_->log();
  EXPECT_TRUE(server_->log_shows("1 transfer(s) in progress end")) << server_->log();
}

TEST_P(tftp_reload, reload_drain_seconds_0_ends_transfers_at_the_reload) {
  start("reload_drain_seconds = 0");
  raw_client c;
  begin_transfer(c, 3);
  switch_root();
  EXPECT_TRUE(server_->log_shows("1 transfer(s) in progress end")) << server_->log();
  EXPECT_EQ(server_->log().find("in progress go on"), std::string::npos) << server_->log();
  // The old TID is closed: an ACK to it is not answered with more DATA (DATA 4, the answer to ACK 3, may
  // still wait in our socket).
  while (auto queued = c.receive(300)) EXPECT_EQ(block_of(*queued), 4u);
  c.send(ack(4), tid_);
  for (auto d = c.receive(500); d; d = c.receive(500))
    EXPECT_NE(opcode_of(*d), 3u) << "no DATA after the transfer ended";
}

INSTANTIATE_TEST_SUITE_P(providers, tftp_reload, ::testing::ValuesIn(providers()),
                         [](const auto& info) { return info.param.find("bootfw-file") != std::string::npos
                                                           ? std::string("shipped_file_provider")
                                                           : std::string("test_provider"); });

}  // namespace
