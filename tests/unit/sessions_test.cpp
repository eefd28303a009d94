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
