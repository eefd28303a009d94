// 10^5 hostile DHCP datagrams (issue #4 "Bad input") sent to a running bootfw serving the seed's
// dhcpd.conf: afterwards it must still answer the seed's client exactly, its VmRSS must not have grown
// between the first 10^4 and the last datagram (a leak test, not a speed test), and its lease table must
// be what it was before the flood. Loopback only: the seed's 192.168.24.0/24 is renumbered to
// 127.24.0.0/24 (every 127/8 address is local), the "relay" 127.24.0.1 is this test's socket.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/testing.hpp>

#include "../../../tests/support/dhcp_packets.hpp"
#include "../../../tests/support/test_support.hpp"
#include "isc_dhcp_process_config.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;
using bootfw::test::dhcp_packet_spec;

constexpr std::uint32_t relay = 0x7f180001;   // 127.24.0.1, stands for the seed's router
constexpr std::uint32_t rambox = 0x7f1800cb;  // 127.24.0.203, the seed's fixed-address
constexpr std::uint32_t server = 0x7f1800ca;  // 127.24.0.202, the seed's next-server
const std::array<std::uint8_t, 6> rambox_mac{0x08, 0x00, 0x07, 0x26, 0xc0, 0xa5};

std::string renumbered_seed() {
  std::ifstream in(std::string(BOOTFW_SOURCE_DIR) + "/examples/rambox/dhcpd.conf");
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  for (std::size_t at; (at = text.find("192.168.24.")) != std::string::npos;) text.replace(at, 11, "127.24.0.");
  return text;
}

using server_process = bootfw::test::bootfw_process;

/// The "relay agent": requests carry giaddr 127.24.0.1 and bootfw answers to this socket (RFC 2131 §4.1).
struct relay_agent {
  int fd = -1;
  std::uint16_t server_port = 0;
  relay_agent() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(relay);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  ~relay_agent() { ::close(fd); }
  std::uint16_t port() const {
    sockaddr_in sa{};
    socklen_t len = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return ntohs(sa.sin_port);
  }
  void send(const bytes& b) const {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(server_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  std::optional<bytes> receive(int timeout_ms) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    bytes buf(65536);
    auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(std::size_t(n));
    return buf;
  }
  /// The reply with this xid and type, skipping everything else; nothing within the timeout → nullopt.
  std::optional<bootfw::test::dhcp_reply_view> wait(std::uint32_t xid, std::uint8_t type, int timeout_ms,
                                                    bytes* raw = nullptr) const {
    while (auto b = receive(timeout_ms)) {
      auto v = bootfw::test::parse_dhcp_reply(*b);
      if (v && v->xid == xid && v->type == type) {
        if (raw) *raw = *b;
        return v;
      }
    }
    return std::nullopt;
  }
};

bytes opt(std::uint8_t code, bytes value) {
  bytes o{code, std::uint8_t(value.size())};
  o.insert(o.end(), value.begin(), value.end());
  return o;
}
bytes ip(std::uint32_t a) { return {std::uint8_t(a >> 24), std::uint8_t(a >> 16), std::uint8_t(a >> 8), std::uint8_t(a)}; }

dhcp_packet_spec seed_client(std::uint8_t type, std::uint32_t xid) {
  dhcp_packet_spec s;
  s.type = type;
  s.mac = rambox_mac;
  s.xid = xid;
  s.giaddr = relay;
  return s;
}

std::optional<bytes> option_of(const bootfw::test::dhcp_reply_view& v, std::uint8_t code) {
  for (auto& [c, value] : v.options)
    if (c == code) return value;
  return std::nullopt;
}

/// One hostile datagram of kind n % 20 (the list in issue #4), varied by the random source.
bytes hostile(std::uint32_t n, std::mt19937& rng, const std::vector<bytes>& replayable) {
  dhcp_packet_spec s;
  s.xid = 0x80000000u | n;  // never a probe's xid
  s.giaddr = relay;
  s.mac = {0x52, 0x54, std::uint8_t(rng()), std::uint8_t(rng()), std::uint8_t(rng()), std::uint8_t(rng())};
  auto random_bytes = [&](std::size_t len) {
    bytes b(len);
    for (auto& c : b) c = std::uint8_t(rng());
    return b;
  };
  switch (n % 20) {
    case 0: return random_bytes(rng() % 240);  // shorter than the fixed header
    case 1: {                                   // no magic cookie
      auto b = bootfw::test::dhcp_request_bytes(s);
      b[236 + rng() % 4] ^= 0xff;
      return b;
    }
    case 2: {  // no END and no padding
      auto b = bootfw::test::dhcp_request_bytes(s);
      while (b.back() == 0) b.pop_back();  // padding
      b.pop_back();                        // END
      return b;
    }
    case 3: {  // an option length past the end of the datagram
      s.extra_options.push_back({61, 200, 1, 2, 3});
      auto b = bootfw::test::dhcp_request_bytes(s);
      b.resize(240 + 3 + 34 + 5);
      return b;
    }
    case 4:  // zero-length options where values are required
      s.extra_options = {{50, 0}, {61, 0}, {12, 0}, {55, 0}, {57, 0}, {93, 0}, {97, 0}};
      return bootfw::test::dhcp_request_bytes(s);
    case 5: {  // bad message type
      s.type = std::uint8_t(rng() % 2 ? 0 : 9 + rng() % 247);
      return bootfw::test::dhcp_request_bytes(s);
    }
    case 6: {  // a client id of 1000 bytes (RFC 3396: repeated opt 61 concatenates) and hlen 255
      for (int i = 0; i < 4; ++i) s.extra_options.push_back(opt(61, random_bytes(250)));
      auto b = bootfw::test::dhcp_request_bytes(s);
      b[2] = 255;
      return b;
    }
    case 7: {  // binary host name
      auto name = random_bytes(1 + rng() % 64);
      name[0] = 0;
      s.extra_options.push_back(opt(12, name));
      return bootfw::test::dhcp_request_bytes(s);
    }
    case 8:  // opt 43 whose sub-option runs past its end
      s.extra_options.push_back({43, 4, 1, 200, 0, 0});
      return bootfw::test::dhcp_request_bytes(s);
    case 9: {  // opt 57 below 576, from the seed's own client (it must still get a correct, small reply)
      auto c = seed_client(1, s.xid);
      c.extra_options.push_back({57, 2, 0, std::uint8_t(rng() % 200)});
      return bootfw::test::dhcp_request_bytes(c);
    }
    case 10:  // spoofed RELEASE of the seed client's lease
      s.type = 7;
      s.ciaddr = rambox;
      return bootfw::test::dhcp_request_bytes(s);
    case 11:  // spoofed DECLINE of it
      s.type = 4;
      s.extra_options.push_back(opt(50, ip(rambox)));
      return bootfw::test::dhcp_request_bytes(s);
    case 12: {  // spoofed RELEASE with the seed client's MAC but a client id it never used
      auto c = seed_client(7, s.xid);
      c.ciaddr = rambox;
      c.extra_options.push_back(opt(61, random_bytes(7)));
      return bootfw::test::dhcp_request_bytes(c);
    }
    case 13: {  // BOOTREPLY sent to the server
      auto b = bootfw::test::dhcp_request_bytes(s);
      b[0] = 2;
      return b;
    }
    case 14: {  // garbage hops / secs / flags
      auto b = bootfw::test::dhcp_request_bytes(s);
      b[3] = std::uint8_t(rng());
      b[8] = std::uint8_t(rng());
      b[9] = std::uint8_t(rng());
      b[10] = std::uint8_t(rng());
      b[11] = std::uint8_t(rng());
      return b;
    }
    case 15:  // a reply bootfw sent earlier, replayed to it
      return replayable[n % replayable.size()];
    case 16:  // SELECTING for the seed client's address by a stranger
      s.type = 3;
      s.extra_options = {opt(54, ip(0x7f000001)), opt(50, ip(rambox))};
      return bootfw::test::dhcp_request_bytes(s);
    case 17:  // INIT-REBOOT / RENEWING for it by a stranger
      s.type = 3;
      if (rng() % 2)
        s.extra_options.push_back(opt(50, ip(rambox)));
      else
        s.ciaddr = rambox;
      return bootfw::test::dhcp_request_bytes(s);
    case 18: {  // random bytes after a valid header and cookie
      auto b = bootfw::test::dhcp_request_bytes(s);
      b.resize(240);
      auto tail = random_bytes(rng() % 1200);
      b.insert(b.end(), tail.begin(), tail.end());
      return b;
    }
    default: {  // option overload (52) pointing at file/sname full of garbage options
      s.extra_options.push_back({52, 1, 3});
      auto b = bootfw::test::dhcp_request_bytes(s);
      for (std::size_t i = 44; i < 236; ++i) b[i] = std::uint8_t(rng());
      return b;
    }
  }
}

std::string plugins_toml(const bootfw::test::temp_dir& dir, std::uint16_t server_port, std::uint16_t relay_port) {
  return bootfw::plugin_isc_dhcp::test::write_plugins_toml(
      dir, {.port = server_port, .relay_port = relay_port, .threads = 2, .pxe_policy = true});
}

std::vector<bootfw::leases::lease> lease_table(const std::string& state) {
  bootfw::sdk::testing::fake_host host;
  bootfw::leases::store_options o;
  o.directory = state + "/dhcp";
  bootfw::leases::lease_store store(host, o);
  std::vector<bootfw::leases::lease> all;
  store.for_each([&](const bootfw::leases::lease& l) { all.push_back(l); });
  return all;
}

// The seed's answer to its client, as the differential test checks it against ISC dhcpd.
void expect_seed_offer(const bootfw::test::dhcp_reply_view& v) {
  EXPECT_EQ(v.yiaddr, rambox);
  EXPECT_EQ(v.siaddr, server);
  EXPECT_EQ(v.file, "pxelinux.0");
  EXPECT_EQ(option_of(v, 51), ip(43200));
  EXPECT_EQ(option_of(v, 60), bytes({'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't'}));
  EXPECT_TRUE(option_of(v, 43));
}

TEST(isc_dhcp_hostile, rss_flat_and_leases_untouched_after_1e5_hostile_datagrams) {
  bootfw::test::temp_dir dir;
  dir.write("dhcpd.conf", renumbered_seed());
  relay_agent agent;
  agent.server_port = bootfw::test::udp_client().port();
  const auto toml = plugins_toml(dir, agent.server_port, agent.port());
  std::uint32_t xid = 1;

  // The seed's client gets its lease, and the replies it saw become replay material.
  std::vector<bytes> replayable;
  {
    server_process srv(toml);
    std::optional<bootfw::test::dhcp_reply_view> offer;
    bytes raw;
    for (int i = 0; i < 50 && !offer; ++i) {
      agent.send(bootfw::test::dhcp_request_bytes(seed_client(1, ++xid)));
      offer = agent.wait(xid, 2, 200, &raw);
    }
    ASSERT_TRUE(offer) << "bootfw did not answer the seed's client";
    expect_seed_offer(*offer);
    replayable.push_back(raw);
    auto req = seed_client(3, ++xid);
    ASSERT_TRUE(option_of(*offer, 54));
    req.extra_options = {opt(54, *option_of(*offer, 54)), opt(50, ip(rambox))};
    agent.send(bootfw::test::dhcp_request_bytes(req));
    ASSERT_TRUE(agent.wait(xid, 5, 3000, &raw)) << "no DHCPACK for the seed's client"
                                                << (srv.alive() ? "" : " (bootfw exited)");
    replayable.push_back(raw);
    EXPECT_EQ(srv.stop(), 0);
  }
  const auto before = lease_table(dir.str() + "/state");
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(before[0].address, bootfw::sdk::ipv4_address(rambox));

  server_process srv(toml);
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {
    agent.send(bootfw::test::dhcp_request_bytes(seed_client(1, ++xid)));
    up = agent.wait(xid, 2, 200).has_value();
  }
  ASSERT_TRUE(up) << "bootfw did not come back";

  // In rounds of 500, each closed by a probe the server must answer: the socket buffer never overflows,
  // so every hostile datagram is really handled, and the probe proves the server still answers.
  std::mt19937 rng(4);
  std::uint64_t rss_after_1e4 = 0;
  constexpr std::uint32_t total = 100000, round = 500;
  for (std::uint32_t n = 0; n < total; ++n) {
    agent.send(hostile(n, rng, replayable));
    if ((n + 1) % round) continue;
    agent.send(bootfw::test::dhcp_request_bytes(seed_client(1, ++xid)));
    ASSERT_TRUE(agent.wait(xid, 2, 5000)) << "no answer to the seed's client after " << n + 1 << " hostile datagrams";
    if (n + 1 == 10000) rss_after_1e4 = srv.rss_kib();
  }
  const auto rss_after_1e5 = srv.rss_kib();
  ASSERT_TRUE(srv.alive());
  ASSERT_GT(rss_after_1e4, 0u);
  RecordProperty("rss_kib_after_1e4", std::to_string(rss_after_1e4));
  RecordProperty("rss_kib_after_1e5", std::to_string(rss_after_1e5));
  // A leak of even 12 bytes per datagram over the last 9·10^4 would exceed this.
  EXPECT_LT(rss_after_1e5, rss_after_1e4 + 1024) << "VmRSS grew from " << rss_after_1e4 << " KiB to "
                                                   << rss_after_1e5 << " KiB";

  // (a) the seed's client is still answered exactly, through the whole DORA.
  agent.send(bootfw::test::dhcp_request_bytes(seed_client(1, ++xid)));
  auto offer = agent.wait(xid, 2, 3000);
  ASSERT_TRUE(offer);
  expect_seed_offer(*offer);
  EXPECT_EQ(srv.stop(), 0);

  // (c) nothing created, released, declined or renewed by the hostile datagrams.
  const auto after = lease_table(dir.str() + "/state");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], before[0]);
}

}  // namespace
