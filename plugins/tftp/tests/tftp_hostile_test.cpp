// Hostile clients on raw sockets against the real plugin in the real `bootfw` process (127.0.0.1): names,
// modes, option edge values, short ERRORs, duplicate ACKs, wrong TIDs, vanishing clients, RRQ bursts.
// Waits below are for "nothing more arrives" only; no test asserts a duration.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <sys/stat.h>

#include <map>
#include <set>
#include <thread>

#include "tftp_loopback_support.hpp"

using namespace tftp_loopback;

namespace {

class tftp_hostile : public ::testing::TestWithParam<std::string> {
 protected:
  void start(const std::string& config = "") {
    server_ = std::make_unique<bootfw_tftp_server>(GetParam(), config);
    server_->put("pxelinux.0", pattern(3000, 1));
    server_->put("kernel", pattern(200'000, 2));
    ASSERT_TRUE(server_->start()) << server_->log();
  }
  void TearDown() override {
    if (!server_) return;
    EXPECT_TRUE(server_->running()) << "bootfw died\n" << server_->log();
    if (HasFailure()) std::fprintf(stderr, "bootfw log:\n%s\n", server_->log().c_str());
  }
  /// Sends `request` from a fresh socket and returns the first answer (nullopt: none within 1.5 s).
  std::optional<std::string> ask(const std::string& request) {
    raw_client c;
    c.send(request, server_->port());
    return c.receive(1500);
  }
  /// Lockstep download on `c` after its RRQ was sent; returns the file (stops at the short block).
  static std::string finish_lockstep(raw_client& c, std::string first, std::size_t blksize = 512) {
    std::string got;
    std::optional<std::string> p = std::move(first);
    while (p && opcode_of(*p) == 3) {
      got += p->substr(4);
      c.send(ack(block_of(*p)), c.last_from_port);
      if (p->size() - 4 < blksize) break;
      p = c.receive(3000);
    }
    return got;
  }
  static unsigned error_code(const std::optional<std::string>& p) { return p && opcode_of(*p) == 5 ? block_of(*p) : 999; }
  std::unique_ptr<bootfw_tftp_server> server_;
};

TEST_P(tftp_hostile, no_escape_from_the_root_whatever_the_name) {
  start();
  std::error_code ec;
  fs::create_symlink("../outside.txt", server_->root() / "escape-link", ec);
  ASSERT_FALSE(ec);
  ASSERT_EQ(::mkfifo((server_->root() / "fifo").c_str(), 0644), 0);
  fs::create_directories(server_->root() / "sub");
  for (std::string name : std::vector<std::string>{"../outside.txt", "/../outside.txt", "sub/../../outside.txt", "..", "../", "sub/..",
                           "..\\outside.txt", "%2e%2e/outside.txt", "%2e%2e%2foutside.txt", "escape-link", "fifo",
                           "sub", ".", "//../outside.txt", std::string("../outside.txt\0x", 16), "sub/./../../outside.txt",
                           fs::absolute(server_->dir() / "outside.txt").string()}) {
    auto answer = ask(rrq(name));
    ASSERT_TRUE(answer) << name;  // refused with an ERROR, never silently, never hanging on the FIFO
    EXPECT_EQ(opcode_of(*answer), 5u) << name << " was served!";
    EXPECT_TRUE(error_code(answer) == 1 || error_code(answer) == 2 || error_code(answer) == 4) << name;
  }
}

TEST_P(tftp_hostile, names_reach_the_provider_unmangled) {
  start();
  const std::string binary = "\xc3\xa9t\xe9\xff-boot.bin";  // UTF-8 and raw high bytes
  const std::string longest(255, 'n');                        // the longest name a request may carry
  for (auto name : {binary, longest, std::string("%41.txt"), std::string("sp ace")}) {
    auto content = pattern(700, unsigned(name.size()));
    server_->put(name, content);
    raw_client c;
    c.send(rrq(name), server_->port());
    auto first = c.receive();
    ASSERT_TRUE(first) << name;
    EXPECT_EQ(finish_lockstep(c, *first), content) << name;
  }
  // A backslash reaches the provider as sent; the shipped file provider refuses it by policy (no DOS-style
  // separators under a confined root), a provider that allows it serves the file.
  server_->put("back\\slash", pattern(700, 10));
  if (std::string(GetParam()).find("bootfw-file.so") != std::string::npos) {
    EXPECT_EQ(error_code(ask(rrq("back\\slash"))), 2u);
  } else {
    raw_client c;
    c.send(rrq("back\\slash"), server_->port());
    auto first = c.receive();
    ASSERT_TRUE(first);
    EXPECT_EQ(finish_lockstep(c, *first), pattern(700, 10));
  }
  EXPECT_EQ(error_code(ask(rrq("%42.txt"))), 1u);  // no percent decoding: "%41.txt" exists, "B.txt" does not
  EXPECT_EQ(error_code(ask(rrq(std::string(256, 'n')))), 2u);
  EXPECT_EQ(error_code(ask(rrq("pxe\x01linux.0"))), 2u);
  EXPECT_EQ(error_code(ask(rrq("pxe\x7flinux.0"))), 2u);
  EXPECT_EQ(error_code(ask(rrq(""))), 2u);
}

TEST_P(tftp_hostile, bad_modes_and_write_requests) {
  start();
  EXPECT_EQ(error_code(ask(rrq("pxelinux.0", "mail"))), 4u);
  EXPECT_EQ(error_code(ask(rrq("pxelinux.0", "binary"))), 4u);
  EXPECT_EQ(error_code(ask(rrq("pxelinux.0", ""))), 4u);
  EXPECT_EQ(error_code(ask(u16(1) + "pxelinux.0" + '\0' + "octet")), 4u);  // mode not terminated
  EXPECT_EQ(error_code(ask(u16(2) + "upload.bin" + '\0' + "octet" + '\0')), 2u);  // WRQ: uploads are off
  EXPECT_EQ(error_code(ask(u16(9) + "x")), 4u);                                    // unknown opcode
  auto mixed_case = ask(rrq("pxelinux.0", "OcTeT"));  // RFC 1350: the mode is case-insensitive
  ASSERT_TRUE(mixed_case);
  EXPECT_EQ(opcode_of(*mixed_case), 3u);
}

TEST_P(tftp_hostile, blksize_edge_values) {
  start();
  // requested → expected OACK value ("" = option ignored: DATA 1 at 512 straight away).
  for (auto [asked, expected] : std::vector<std::pair<std::string, std::string>>{
           {"0", ""}, {"7", ""}, {"8", "8"}, {"65464", "65464"}, {"65465", "65464"}, {"-1", ""}, {"1e3", ""},
           {"99999999999999999999999", ""}, {"", ""}}) {
    raw_client c;
    c.send(rrq("kernel", "octet", {{"blksize", asked}}), server_->port());
    auto first = c.receive();
    ASSERT_TRUE(first) << asked;
    if (expected.empty()) {
      EXPECT_EQ(opcode_of(*first), 3u) << asked;
      EXPECT_EQ(first->size(), 4u + 512u) << asked;
    } else {
      EXPECT_EQ(*first, u16(6) + "blksize" + '\0' + expected + '\0') << asked;
      c.send(ack(0), c.last_from_port);
      auto data = c.receive();
      ASSERT_TRUE(data);
      EXPECT_EQ(data->size(), 4u + std::stoul(expected)) << asked;
    }
    c.send(u16(5) + u16(0), c.last_from_port);  // a 4-byte ERROR ends the transfer
  }
}

TEST_P(tftp_hostile, timeout_windowsize_and_unknown_options) {
  start("max_windowsize = 32");
  for (auto [name, asked, expected] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"timeout", "0", ""}, {"timeout", "1", "1"}, {"timeout", "255", "255"}, {"timeout", "256", ""},
           {"windowsize", "0", ""}, {"windowsize", "1", "1"}, {"windowsize", "65535", "32"},
           {"windowsize", "65536", ""}, {"x-vendor", "1", ""}, {"tsize", "0", "200000"}, {"TSIZE", "0", "200000"}}) {
    raw_client c;
    c.send(rrq("kernel", "octet", {{name, asked}}), server_->port());
    auto first = c.receive();
    ASSERT_TRUE(first) << name << "=" << asked;
    std::string lower = name == "TSIZE" ? "tsize" : name;
    if (expected.empty())
      EXPECT_EQ(opcode_of(*first), 3u) << name << "=" << asked;
    else
      EXPECT_EQ(*first, u16(6) + lower + '\0' + expected + '\0') << name << "=" << asked;
    if (opcode_of(*first) == 6) {  // accept the OACK, so the abort below is not a failed handshake
      c.send(ack(0), c.last_from_port);
      ASSERT_TRUE(c.receive());
    }
    c.send(u16(5), c.last_from_port);  // a 2-byte ERROR (opcode only) ends it too
  }
}

TEST_P(tftp_hostile, short_errors_end_the_transfer_and_silence_does_not) {
  start("timeout_ms = 200\nretries = 5");
  for (std::string error : {u16(5), u16(5) + u16(0), u16(5) + u16(3) + "disk full", u16(5) + u16(0) + "no NUL"}) {
    raw_client c;
    c.send(rrq("kernel"), server_->port());
    ASSERT_TRUE(c.receive());
    c.send(error, c.last_from_port);
    EXPECT_FALSE(c.receive(700)) << "retransmitted after an ERROR of " << error.size() << " bytes";
  }
  raw_client control;  // without the ERROR the server does retransmit: the check above can fail
  control.send(rrq("kernel"), server_->port());
  ASSERT_TRUE(control.receive());
  auto again = control.receive(700);
  ASSERT_TRUE(again);
  EXPECT_EQ(block_of(*again), 1u);
}

TEST_P(tftp_hostile, duplicate_acks_never_cause_duplicate_data) {
  start("timeout_ms = 3000");  // no retransmission during the test: every DATA seen answers an ACK
  raw_client c;
  c.send(rrq("kernel"), server_->port());
  auto d1 = c.receive();
  ASSERT_TRUE(d1);
  for (int i = 0; i < 3; ++i) c.send(ack(1), c.last_from_port);  // the Sorcerer's Apprentice trigger
  std::map<unsigned, int> seen;
  while (auto p = c.receive(400)) ++seen[block_of(*p)];
  EXPECT_EQ(seen, (std::map<unsigned, int>{{2, 1}}));
  // Windowed: a duplicate ACK of the window's end does not resend the window.
  raw_client w;
  w.send(rrq("kernel", "octet", {{"windowsize", "4"}}), server_->port());
  ASSERT_TRUE(w.receive());  // OACK
  w.send(ack(0), w.last_from_port);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(w.receive());
  w.send(ack(4), w.last_from_port);
  w.send(ack(4), w.last_from_port);
  seen.clear();
  while (auto p = w.receive(400)) ++seen[block_of(*p)];
  EXPECT_EQ(seen, (std::map<unsigned, int>{{5, 1}, {6, 1}, {7, 1}, {8, 1}}));
}

TEST_P(tftp_hostile, wrong_tid_gets_error_5_and_the_transfer_continues) {
  start();
  raw_client c;
  c.send(rrq("kernel"), server_->port());
  auto first = c.receive();
  ASSERT_TRUE(first);
  raw_client intruder;
  intruder.send(ack(1), c.last_from_port);
  auto answer = intruder.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(error_code(answer), 5u);
  EXPECT_EQ(intruder.last_from_port, c.last_from_port);
  EXPECT_EQ(finish_lockstep(c, *first), read_file(server_->root() / "kernel"));
}

TEST_P(tftp_hostile, vanished_client_is_given_up_and_its_session_freed) {
  // One session per address: a second request from 127.0.0.1 is admitted only once the first is freed.
  start("timeout_ms = 300\nretries = 2\nmax_sessions_per_client = 1");
  raw_client gone;
  gone.send(rrq("kernel"), server_->port());
  int copies = 0;
  while (auto p = gone.receive(1200)) copies += opcode_of(*p) == 3 && block_of(*p) == 1;
  EXPECT_EQ(copies, 3);  // DATA 1 and two retransmissions, then silence
  auto later = ask(rrq("pxelinux.0"));
  ASSERT_TRUE(later);
  EXPECT_EQ(opcode_of(*later), 3u);
}

TEST_P(tftp_hostile, per_client_limit_holds) {
  start("timeout_ms = 5000\nmax_sessions_per_client = 3\nmax_new_sessions_per_second = 0");
  std::vector<raw_client> clients;
  for (int i = 0; i < 6; ++i) clients.emplace_back().send(rrq("kernel"), server_->port());
  int answered = 0;
  for (auto& c : clients) answered += bool(c.receive(500));
  EXPECT_EQ(answered, 3);
}

TEST_P(tftp_hostile, burst_of_2000_rrqs_keeps_the_limits_and_the_server) {
  start("timeout_ms = 300\nretries = 1\nmax_sessions = 50\nmax_new_sessions_per_second = 0");
  for (int f = 0; f < 10; ++f) server_->put(fmt::format("f{}", f), pattern(5000, unsigned(f)));
  // 200 sockets on 127.1.0.1 … 127.1.0.200 (10 per address, under the per-client limit), 10 files each.
  std::vector<raw_client> clients;
  for (int i = 0; i < 200; ++i) clients.emplace_back(fmt::format("127.1.0.{}", i + 1).c_str());
  for (int f = 0; f < 10; ++f)
    for (auto& c : clients) c.send(rrq(fmt::format("f{}", f)), server_->port());
  // Count the transfers started: distinct server TIDs (RFC 1350 §4) seen by any client within 500 ms.
  // No client acknowledges, so every admitted transfer is still alive while we count.
  std::set<std::uint16_t> tids;
  std::vector<pollfd> fds;
  for (auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < until) {
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fds[i].revents & POLLIN)
        if (auto p = clients[i].receive(0); p && opcode_of(*p) == 3) tids.insert(clients[i].last_from_port);
  }
  RecordProperty("transfers_started", int(tids.size()));
  EXPECT_GT(tids.size(), 0u);
  EXPECT_LE(tids.size(), 50u);  // max_sessions
  ASSERT_TRUE(server_->running());
  // Once the abandoned sessions are given up, a normal download works again.
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  raw_client c;
  c.send(rrq("pxelinux.0"), server_->port());
  auto first = c.receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(finish_lockstep(c, *first), read_file(server_->root() / "pxelinux.0"));
}

INSTANTIATE_TEST_SUITE_P(providers, tftp_hostile, ::testing::ValuesIn(providers()),
                         [](const auto& info) { return info.param.find("bootfw-file") != std::string::npos
                                                           ? std::string("shipped_file_provider")
                                                           : std::string("test_provider"); });

}  // namespace
