// The transfer state machine on a fake socket and a fake clock: lockstep, OACK, windows, loss, duplicates,
// wrong TIDs, client errors, retries, block-number wrap.
#include <gtest/gtest.h>

#include <optional>

#include "tftp_session.hpp"
#include "tftp_test_support.hpp"

using namespace bootfw::plugin_tftp;
using namespace bootfw::plugin_tftp::testing;
using namespace std::chrono_literals;

namespace {

struct tftp_session_fixture : ::testing::Test {
  bootfw::sdk::testing::fake_host host;
  std::shared_ptr<fake_socket_state> sock = std::make_shared<fake_socket_state>();
  std::shared_ptr<memory_artifact> art;
  std::optional<session_outcome> outcome;
  std::unique_ptr<tftp_session> session;

  void start(std::string content, negotiated_options opts = {}, transfer_mode mode = transfer_mode::octet,
             unsigned retries = 5) {
    sock->local = {server_ip, 40000};
    art = std::make_shared<memory_artifact>(std::move(content));
    session_config c;
    c.client = client_a;
    c.file = "file";
    c.mode = mode;
    c.options = std::move(opts);
    c.timeout = 1000ms;
    c.retries = retries;
    session = std::make_unique<tftp_session>(host, std::make_unique<fake_socket>(sock), art, c,
                                             [this](tftp_session&, const session_outcome& o) {
                                               EXPECT_FALSE(outcome) << "finished twice";
                                               outcome = o;
                                             });
    session->begin();
  }
  void ack(std::uint16_t n, bootfw::sdk::udp_endpoint from = client_a) { sock->deliver(build_ack(n), from); }
};

negotiated_options window(std::uint32_t w, std::uint32_t blksize = 512) {
  negotiated_options o;
  o.windowsize = w;
  o.blksize = blksize;
  return o;
}

TEST_F(tftp_session_fixture, lockstep_transfer_sends_each_block_after_its_ack) {
  auto content = pattern(1100);
  start(content);
  auto s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode(), 3);
  EXPECT_EQ(s[0].block(), 1);
  EXPECT_EQ(s[0].to, client_a);
  std::string got = s[0].payload();
  ack(1);
  s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block(), 2);
  got += s[0].payload();
  ack(2);
  s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block(), 3);
  EXPECT_EQ(s[0].payload().size(), 76u);
  got += s[0].payload();
  EXPECT_FALSE(outcome);
  ack(3);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->success);
  EXPECT_EQ(outcome->bytes, 1100u);
  EXPECT_EQ(got, content);
  // Finished: no retransmission ever follows.
  host.advance(10s);
  EXPECT_TRUE(sock->take().empty());
}

TEST_F(tftp_session_fixture, oack_then_data_after_ack_zero) {
  negotiated_options o = window(1, 1024);
  o.acknowledged = {{"blksize", "1024"}, {"tsize", "2000"}};
  start(pattern(2000), o);
  auto s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode(), 6);
  EXPECT_EQ(text(s[0].data), std::string("\0\6blksize\0" "1024\0tsize\0" "2000\0", 26));
  ack(1);  // not ACK 0: ignored
  EXPECT_TRUE(sock->take().empty());
  ack(0);
  s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block(), 1);
  EXPECT_EQ(s[0].payload().size(), 1024u);
}

TEST_F(tftp_session_fixture, oack_retransmitted_then_handshake_failure_reported) {
  negotiated_options o;
  o.acknowledged = {{"tsize", "10"}};
  start("0123456789", o, transfer_mode::octet, 2);
  EXPECT_EQ(sock->take().size(), 1u);
  host.advance(1s);
  EXPECT_EQ(sock->take().size(), 1u);
  host.advance(1s);
  EXPECT_EQ(sock->take().size(), 1u);
  host.advance(1s);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->success);
  EXPECT_TRUE(outcome->option_handshake_failed);
}

TEST_F(tftp_session_fixture, error_8_on_oack_ends_transfer_as_failed_handshake) {
  negotiated_options o;
  o.acknowledged = {{"tsize", "10"}};
  start("0123456789", o);
  sock->take();
  sock->deliver(build_error(error_code::option_refused, "TFTP Aborted"), client_a);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->option_handshake_failed);
  EXPECT_NE(outcome->detail.find("ERROR 8"), std::string::npos);
  EXPECT_TRUE(sock->take().empty());  // errors are not answered
}

TEST_F(tftp_session_fixture, duplicate_ack_never_causes_a_duplicate_send) {
  start(pattern(5000));
  sock->take();
  ack(1);
  EXPECT_EQ(sock->take().size(), 1u);  // DATA 2
  // The Sorcerer's Apprentice: a delayed duplicate ACK 1 must not resend DATA 2.
  ack(1);
  ack(1);
  EXPECT_TRUE(sock->take().empty());
  ack(2);
  auto s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block(), 3);
}

TEST_F(tftp_session_fixture, window_is_sent_in_one_batch_and_duplicate_window_ack_does_not_reburst) {
  start(pattern(20 * 512), window(4));
  auto s = sock->take();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(sock->batches, 1u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(s[i].block(), i + 1);
  ack(4);
  s = sock->take();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].block(), 5);
  ack(4);  // duplicate of the window ACK
  EXPECT_TRUE(sock->take().empty());
}

TEST_F(tftp_session_fixture, loss_inside_window_restarts_from_first_unacknowledged_block) {
  auto content = pattern(20 * 512);
  start(content, window(4));
  sock->take();
  // RFC 7440 §4: the client got 1 and 2, missed 3, and acknowledged 2.
  ack(2);
  auto s = sock->take();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].block(), 3);
  EXPECT_EQ(s[3].block(), 6);
  EXPECT_EQ(s[0].payload(), content.substr(2 * 512, 512));
}

TEST_F(tftp_session_fixture, timeout_retransmits_window_then_gives_up_when_client_vanished) {
  start(pattern(4 * 512), window(2), transfer_mode::octet, 3);
  EXPECT_EQ(sock->take().size(), 2u);
  host.advance(999ms);
  EXPECT_TRUE(sock->take().empty());
  for (int i = 0; i < 3; ++i) {
    host.advance(1s);
    auto s = sock->take();
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].block(), 1);
  }
  EXPECT_FALSE(outcome);
  host.advance(1s);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->success);
  EXPECT_NE(outcome->detail.find("no answer"), std::string::npos);
  host.advance(10s);
  EXPECT_TRUE(sock->take().empty());
}

TEST_F(tftp_session_fixture, progress_resets_the_retry_budget) {
  start(pattern(4 * 512), {}, transfer_mode::octet, 1);
  sock->take();
  host.advance(1s);  // one retry used
  EXPECT_EQ(sock->take().size(), 1u);
  ack(1);
  sock->take();
  host.advance(1s);  // a fresh retry for block 2
  EXPECT_EQ(sock->take().size(), 1u);
  EXPECT_FALSE(outcome);
}

TEST_F(tftp_session_fixture, negotiated_timeout_replaces_the_default) {
  negotiated_options o;
  o.timeout = 3s;
  o.acknowledged = {{"timeout", "3"}};
  start(pattern(100), o);
  sock->take();
  host.advance(2s);
  EXPECT_TRUE(sock->take().empty());
  host.advance(1s);
  EXPECT_EQ(sock->take().size(), 1u);
}

TEST_F(tftp_session_fixture, wrong_tid_gets_error_5_and_transfer_continues) {
  start(pattern(1000));
  sock->take();
  bootfw::sdk::udp_endpoint stranger{client_a.address, 9999};
  ack(1, stranger);
  auto s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode(), 5);
  EXPECT_EQ(s[0].block(), 5);  // error code field
  EXPECT_EQ(s[0].to, stranger);
  // An ERROR from a stranger neither ends the transfer nor gets an answer.
  sock->deliver(build_error(error_code::not_defined, "x"), stranger);
  EXPECT_TRUE(sock->take().empty());
  EXPECT_FALSE(outcome);
  ack(1);
  s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].block(), 2);
  ack(2);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->success);
}

TEST_F(tftp_session_fixture, short_error_packets_end_the_transfer) {
  for (std::size_t len : {2u, 4u}) {
    outcome.reset();
    sock = std::make_shared<fake_socket_state>();
    start(pattern(5000));
    sock->take();
    auto e = build_error(error_code::not_defined, "");
    e.resize(len);
    sock->deliver(e, client_a);
    ASSERT_TRUE(outcome) << len;
    EXPECT_FALSE(outcome->success);
    host.advance(5s);
    EXPECT_TRUE(sock->take().empty());
  }
}

TEST_F(tftp_session_fixture, stale_or_future_acks_are_ignored) {
  start(pattern(5000), window(2));
  sock->take();
  ack(7);      // beyond what was sent
  ack(65535);  // "before" block 0
  EXPECT_TRUE(sock->take().empty());
  EXPECT_FALSE(outcome);
}

TEST_F(tftp_session_fixture, file_shrinking_mid_transfer_aborts_with_error) {
  start(pattern(3000));
  sock->take();
  art->shrink_to(600);
  ack(1);  // block 2 needs bytes 512..1023: only 88 are left
  auto s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].opcode(), 5);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->success);
}

TEST_F(tftp_session_fixture, netascii_session_delivers_converted_text) {
  start("a\nb\rc\n", window(1, 512), transfer_mode::netascii);
  auto s = sock->take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].payload(), std::string("a\r\nb\r\0c\r\n", 9));
  ack(1);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->success);
}

TEST_F(tftp_session_fixture, block_numbers_wrap_past_65535_for_files_over_32_mib_at_512) {
  const std::size_t size = 65536u * 512 + 700;  // 65538 blocks
  auto content = pattern(size, 7);
  start(content);
  std::uint64_t checksum_sent = 0, checksum_expected = 0;
  for (unsigned char c : content) checksum_expected = checksum_expected * 131 + c;
  std::size_t received = 0;
  for (std::uint64_t block = 1; !outcome; ++block) {
    auto s = sock->take();
    ASSERT_EQ(s.size(), 1u) << "block " << block;
    ASSERT_EQ(s[0].block(), std::uint16_t(block & 0xffff));
    for (std::size_t i = 4; i < s[0].data.size(); ++i)
      checksum_sent = checksum_sent * 131 + std::to_integer<unsigned char>(s[0].data[i]);
    received += s[0].data.size() - 4;
    ack(std::uint16_t(block & 0xffff));
  }
  EXPECT_TRUE(outcome->success);
  EXPECT_EQ(outcome->bytes, size);
  EXPECT_EQ(received, size);
  EXPECT_EQ(checksum_sent, checksum_expected);
}

TEST_F(tftp_session_fixture, window_acks_map_correctly_across_the_wrap) {
  const std::size_t size = 65540u * 512;  // windows of 64 straddle block 65535 → 0
  start(pattern(size, 3), window(64));
  std::uint64_t next = 1;
  while (!outcome) {
    auto s = sock->take();
    ASSERT_FALSE(s.empty());
    ASSERT_EQ(s.front().block(), std::uint16_t(next & 0xffff));
    next += s.size();
    ack(s.back().block());
  }
  EXPECT_TRUE(outcome->success);
  EXPECT_EQ(outcome->bytes, size);
  EXPECT_EQ(next - 1, 65541u);  // 65540 full blocks + the empty final block
}

}  // namespace
