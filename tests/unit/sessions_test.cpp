// The per-node boot timeline: DHCP phases and transfers, counted per client and in metrics.
#include <gtest/gtest.h>

#include <cstdio>

#include "log.hpp"
#include "metrics.hpp"
#include "sessions.hpp"

using namespace bootfw;

namespace {

struct timeline {
  std::FILE* log_file = std::tmpfile();
  log_sink sink{log_level::debug, log_file};
  metrics_store metrics;
  client_sessions sessions{sink, metrics};
  sdk::client_facts facts;
  const sdk::ipv4_address ip{192, 168, 24, 203};

  timeline() { facts.mac = *sdk::mac_address::parse("08:00:07:26:c0:a5"); }
  ~timeline() { std::fclose(log_file); }

  void dhcp(sdk::dhcp_message_type request_type, sdk::dhcp_message_type reply_type) {
    sdk::dhcp_message req, reply;
    req.set_type(request_type);
    reply.set_type(reply_type);
    reply.yiaddr = ip;
    reply.file = "pxelinux.0";
    sessions.dhcp_request(req, facts);
    sessions.dhcp_reply(req, facts, reply, "dhcp");
  }
  void transfer(sdk::boot_event::kind what, std::string file, std::uint64_t bytes, std::chrono::milliseconds d) {
    sdk::boot_event e;
    e.what = what;
    e.client = ip;
    e.file = std::move(file);
    e.bytes = bytes;
    e.duration = d;
    sessions.transfer("tftp", e);
  }
  std::string log_text() {
    std::fflush(log_file);
    std::rewind(log_file);
    std::string out;
    char buf[4096];
    while (auto n = std::fread(buf, 1, sizeof(buf), log_file)) out.append(buf, n);
    return out;
  }
};

}  // namespace

TEST(sessions, an_ack_teaches_bootfw_which_mac_has_which_address) {
  timeline t;
  t.dhcp(sdk::dhcp_message_type::discover, sdk::dhcp_message_type::offer);
  EXPECT_FALSE(t.sessions.find(t.ip)) << "an OFFER is not a lease";
  t.dhcp(sdk::dhcp_message_type::request, sdk::dhcp_message_type::ack);
  auto rec = t.sessions.find(t.ip);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->mac, t.facts.mac);
  EXPECT_EQ(t.metrics.value("session_dhcp_acks_total", "session"), 1);
}

TEST(sessions, counts_every_request_including_refused_ones_and_logs_the_timeline) {
  timeline t;
  t.dhcp(sdk::dhcp_message_type::discover, sdk::dhcp_message_type::offer);
  t.dhcp(sdk::dhcp_message_type::request, sdk::dhcp_message_type::ack);
  using k = sdk::boot_event::kind;
  t.transfer(k::transfer_started, "pxelinux.0", 0, {});
  t.transfer(k::transfer_done, "pxelinux.0", 42000, std::chrono::milliseconds(8));
  t.transfer(k::transfer_failed, "pxelinux.cfg/01-08-00-07-26-c0-a5", 0, {});  // refused: never started
  t.transfer(k::transfer_started, "bzImage", 0, {});
  t.transfer(k::transfer_failed, "bzImage", 1000, std::chrono::milliseconds(900));  // aborted mid-way
  EXPECT_EQ(t.sessions.transfer_requests(t.ip), 3u);
  EXPECT_EQ(t.metrics.value("session_transfer_requests_total", "session"), 2);
  EXPECT_EQ(t.metrics.value("session_transfers_total", "session"), 1);
  EXPECT_EQ(t.metrics.value("session_transfer_bytes_total", "session"), 42000);
  EXPECT_EQ(t.metrics.value("session_transfer_milliseconds_total", "session"), 8);
  EXPECT_EQ(t.metrics.value("session_transfer_failures_total", "session"), 2);
  auto log = t.log_text();
  for (auto needle : {"08:00:07:26:c0:a5 +0.000s DISCOVER", "ACK 192.168.24.203 file=pxelinux.0 by dhcp",
                      "sent pxelinux.0 41 KiB in 8 ms [tftp]", "failed pxelinux.cfg/01-08-00-07-26-c0-a5"})
    EXPECT_NE(log.find(needle), std::string::npos) << needle << "\n" << log;
}

TEST(sessions, memory_stays_bounded_and_the_most_recent_clients_are_remembered) {
  timeline t;
  t.sink.set_level(log_level::error);
  auto client = [&](std::uint32_t i) {
    t.facts.mac = sdk::mac_address({2, 0, std::uint8_t(i >> 24), std::uint8_t(i >> 16), std::uint8_t(i >> 8),
                                    std::uint8_t(i)});
    sdk::dhcp_message req, reply;
    req.set_type(sdk::dhcp_message_type::discover);
    reply.set_type(sdk::dhcp_message_type::ack);
    reply.yiaddr = sdk::ipv4_address(0x0a000000u + i);
    t.sessions.dhcp_request(req, t.facts);
    t.sessions.dhcp_reply(req, t.facts, reply, "dhcp");
  };
  for (std::uint32_t i = 0; i < 50000; ++i) client(i);
  EXPECT_FALSE(t.sessions.find(sdk::ipv4_address(0x0a000000u)))  << "the oldest client is forgotten";
  auto last = t.sessions.find(sdk::ipv4_address(0x0a000000u + 49999));
  ASSERT_TRUE(last);
  EXPECT_EQ(last->mac.bytes()[5], std::uint8_t(49999 & 0xff));
  std::size_t remembered = 0;
  for (std::uint32_t i = 0; i < 50000; ++i) remembered += t.sessions.find(sdk::ipv4_address(0x0a000000u + i)).has_value();
  EXPECT_GE(remembered, 4096u);
  EXPECT_LE(remembered, 8192u);
}

TEST(sessions, an_address_moving_to_another_client_is_found_under_the_new_one) {
  timeline t;
  t.dhcp(sdk::dhcp_message_type::request, sdk::dhcp_message_type::ack);
  t.facts.mac = *sdk::mac_address::parse("08:00:07:26:c0:a6");
  t.dhcp(sdk::dhcp_message_type::request, sdk::dhcp_message_type::ack);
  auto rec = t.sessions.find(t.ip);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->mac.to_string(), "08:00:07:26:c0:a6");
}
