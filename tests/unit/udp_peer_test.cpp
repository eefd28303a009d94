// udp_options::peer: a socket connected to one peer (the kernel keeps the route) that still hears everyone
// else on its port, and answers them from that port — what a TFTP transfer needs for a wrong TID
// (RFC 1350 §4: "an error packet should be sent to the source of the incorrect packet").
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "interfaces.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "runtime.hpp"
#include "udp.hpp"

namespace bootfw {
namespace {

/// A plain loopback socket playing a client.
struct raw_peer {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sdk::udp_endpoint endpoint;
  raw_peer() {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    socklen_t len = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    endpoint = {sdk::ipv4_address(0x7f000001), ntohs(sa.sin_port)};
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~raw_peer() { ::close(fd); }
  void send(const std::string& text, const sdk::udp_endpoint& to) const {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(to.port);
    sa.sin_addr.s_addr = htonl(to.address.to_uint());
    ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  /// The next datagram's text and its source port ("" and 0 after a second of silence).
  std::pair<std::string, std::uint16_t> receive() const {
    char buf[512];
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    ssize_t n = ::recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return {"", 0};
    return {std::string(buf, std::size_t(n)), ntohs(from.sin_port)};
  }
};

class udp_peer : public ::testing::Test {
 protected:
  std::unique_ptr<udp_socket_impl> open_connected(const sdk::udp_endpoint& peer) {
    sdk::udp_options o;
    o.bind = {sdk::ipv4_address(0x7f000001), 0};
    o.peer = peer;
    std::error_code ec;
    auto s = udp_socket_impl::open(exec_, o, ec);
    EXPECT_TRUE(s) << ec.message();
    return s;
  }
  void run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 100 && !done(); ++i) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
    }
  }

  boost::asio::io_context io_;
  boost::asio::thread_pool blocking_{1};
  log_sink sink_{log_level::error};
  metrics_store metrics_;
  interface_table interfaces_;
  runtime_context ctx_{io_, blocking_, sink_, metrics_, interfaces_};
  named_logger log_{sink_, "udp-test"};
  std::shared_ptr<instance_executor> exec_ = std::make_shared<instance_executor>(ctx_, nullptr, log_);
};

TEST_F(udp_peer, hears_its_peer_and_strangers_and_answers_both_from_its_port) {
  raw_peer client, stranger;
  auto s = open_connected(client.endpoint);
  ASSERT_TRUE(s);
  const auto port = s->local_endpoint().port;
  ASSERT_NE(port, 0);
  std::vector<std::pair<std::string, std::uint16_t>> heard;
  s->start_receive([&](std::span<const std::byte> data, const sdk::datagram_info& info) {
    heard.emplace_back(std::string(reinterpret_cast<const char*>(data.data()), data.size()), info.source.port);
  });
  io_.run_for(std::chrono::milliseconds(10));
  client.send("from-client", s->local_endpoint());
  stranger.send("from-stranger", s->local_endpoint());
  run_until([&] { return heard.size() >= 2; });
  ASSERT_EQ(heard.size(), 2u);
  std::set<std::pair<std::string, std::uint16_t>> got(heard.begin(), heard.end());
  EXPECT_TRUE(got.count({"from-client", client.endpoint.port}));
  EXPECT_TRUE(got.count({"from-stranger", stranger.endpoint.port}));

  std::error_code ec;
  auto bytes = [](const std::string& t) { return std::as_bytes(std::span(t.data(), t.size())); };
  const std::string to_client = "to-client", to_stranger = "to-stranger";
  ASSERT_TRUE(s->send_to(bytes(to_client), client.endpoint, ec)) << ec.message();
  ASSERT_TRUE(s->send_to(bytes(to_stranger), stranger.endpoint, ec)) << ec.message();
  EXPECT_EQ(client.receive(), std::make_pair(to_client, port));
  EXPECT_EQ(stranger.receive(), std::make_pair(to_stranger, port));
  std::vector<std::span<const std::byte>> window{bytes(to_client), bytes(to_client)};
  EXPECT_EQ(s->send_batch(window, client.endpoint, ec), 2u) << ec.message();
  EXPECT_EQ(client.receive(), std::make_pair(to_client, port));
  EXPECT_EQ(client.receive(), std::make_pair(to_client, port));
}

TEST_F(udp_peer, each_connected_socket_gets_a_port_of_its_own) {
  // The ports are shared only between a socket and its own stray socket: two transfers never share a TID,
  // even to the same client, and a stranger's datagram reaches exactly one of them.
  raw_peer client;
  std::vector<std::unique_ptr<udp_socket_impl>> sockets;
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 400; ++i) {  // enough that ports shared by mistake would show (birthday odds)
    sockets.push_back(open_connected(client.endpoint));
    ASSERT_TRUE(sockets.back());
    ports.insert(sockets.back()->local_endpoint().port);
  }
  EXPECT_EQ(ports.size(), sockets.size());
}

TEST_F(udp_peer, another_user_cannot_bind_the_port_of_a_connected_socket) {
  // A local process of another user binding our TID with SO_REUSEADDR/SO_REUSEPORT, connected to our client,
  // would receive the client's ACKs and could forge DATA from our address and port.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  raw_peer client;
  auto s = open_connected(client.endpoint);
  ASSERT_TRUE(s);
  const auto port = s->local_endpoint().port;
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) std::_Exit(2);
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::_Exit(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0 ? 1 : 0);
  }
  int status = -1;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: another user bound the transfer's port; 2: setuid failed";
}

TEST_F(udp_peer, closing_stops_both_sockets) {
  raw_peer client, stranger;
  auto s = open_connected(client.endpoint);
  ASSERT_TRUE(s);
  const auto where = s->local_endpoint();
  int heard = 0;
  s->start_receive([&](std::span<const std::byte>, const sdk::datagram_info&) { ++heard; });
  io_.run_for(std::chrono::milliseconds(10));
  s->close();
  client.send("late", where);
  stranger.send("late", where);
  io_.restart();
  io_.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(heard, 0);
  // The port is free again: a plain socket can bind it.
  sdk::udp_options o;
  o.bind = where;
  std::error_code ec;
  EXPECT_TRUE(udp_socket_impl::open(exec_, o, ec)) << ec.message();
}

}  // namespace
}  // namespace bootfw
