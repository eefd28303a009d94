// A request sent to the subnet's directed broadcast (RFC 919/922) must be answered exactly like one sent to
// 255.255.255.255: server identifier = this server's interface address (RFC 2131 §4.1, RFC 2132 §9.7), the
// reply sent from it, and a SELECTING REQUEST naming it taken as ours. bootfw used opt 54 = the broadcast
// address, so the reply (sent from it) failed with "Network is unreachable" and no client got an answer.
// Loopback only: bootfw listens on 0.0.0.0 and the "relay" 127.24.0.1 sends to lo's 127.255.255.255.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../../../tests/support/dhcp_packets.hpp"
#include "../../../tests/support/test_support.hpp"
#include "isc_dhcp_process_config.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t relay = 0x7f180001;            // 127.24.0.1: this test's socket, the "relay agent"
constexpr std::uint32_t directed_broadcast = 0x7fffffff;  // 127.255.255.255, lo is 127.0.0.1/8
constexpr std::uint32_t loopback = 0x7f000001;         // the address bootfw must identify itself with

bytes ip(std::uint32_t a) {
  return {std::uint8_t(a >> 24), std::uint8_t(a >> 16), std::uint8_t(a >> 8), std::uint8_t(a)};
}

std::optional<bytes> option_of(const bootfw::test::dhcp_reply_view& v, std::uint8_t code) {
  for (auto& [c, value] : v.options)
    if (c == code) return value;
  return std::nullopt;
}

struct broadcasting_relay {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  broadcasting_relay() {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(relay);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  ~broadcasting_relay() { ::close(fd); }
  std::uint16_t port() const {
    sockaddr_in sa{};
    socklen_t len = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return ntohs(sa.sin_port);
  }
  void send(const bytes& b, std::uint16_t server_port) const {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(server_port);
    sa.sin_addr.s_addr = htonl(directed_broadcast);
    ::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  std::optional<bootfw::test::dhcp_reply_view> wait(std::uint32_t xid, std::uint8_t type, int timeout_ms) const {
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, timeout_ms) > 0) {
      bytes buf(65536);
      auto n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0) break;
      buf.resize(std::size_t(n));
      auto v = bootfw::test::parse_dhcp_reply(buf);
      if (v && v->xid == xid && v->type == type) return v;
    }
    return std::nullopt;
  }
};

}  // namespace

TEST(isc_dhcp_directed_broadcast, request_to_the_directed_broadcast_is_answered_with_the_interface_address) {
  bootfw::test::temp_dir dir;
  dir.write("dhcpd.conf", R"(
subnet 127.24.0.0 netmask 255.255.255.0 {
  pool {
    range 127.24.0.10 127.24.0.20;
    allow unknown clients;
  }
}
)");
  broadcasting_relay agent;
  const auto server_port = bootfw::test::udp_client().port();
  const auto toml = bootfw::plugin_isc_dhcp::test::write_plugins_toml(
      dir, {.address = "0.0.0.0", .port = server_port, .relay_port = agent.port()});
  bootfw::test::bootfw_process srv(toml);

  bootfw::test::dhcp_packet_spec s;
  s.mac = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
  s.giaddr = relay;
  s.vendor_class.clear();
  std::optional<bootfw::test::dhcp_reply_view> offer;
  for (int i = 0; i < 50 && !offer && srv.alive(); ++i) {  // until bootfw is up
    s.xid = 0x100 + std::uint32_t(i);
    agent.send(bootfw::test::dhcp_request_bytes(s), server_port);
    offer = agent.wait(s.xid, 2, 200);
  }
  ASSERT_TRUE(offer) << "no DHCPOFFER to a DISCOVER sent to the directed broadcast";
  EXPECT_EQ(option_of(*offer, 54), ip(loopback));

  // SELECTING, naming the server identifier it was offered: ours, so ACKed (not another server's).
  s.type = 3;
  s.xid = 0x200;
  s.extra_options = {{54, 4, 127, 0, 0, 1}, {50, 4}};
  for (auto b : ip(offer->yiaddr)) s.extra_options.back().push_back(b);
  agent.send(bootfw::test::dhcp_request_bytes(s), server_port);
  auto ack = agent.wait(s.xid, 5, 3000);
  ASSERT_TRUE(ack) << "no DHCPACK to a SELECTING REQUEST naming 127.0.0.1, sent to the directed broadcast";
  EXPECT_EQ(ack->yiaddr, offer->yiaddr);
  EXPECT_EQ(option_of(*ack, 54), ip(loopback));
}
