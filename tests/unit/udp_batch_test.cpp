// udp_socket_impl::send_batch: whatever path it takes (UDP GSO, sendmmsg), the receiver sees exactly the
// datagrams it was given, in order, with their boundaries — the TFTP window relies on it (RFC 7440 §4).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <array>
#include <chrono>
#include <vector>

#include "interfaces.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "runtime.hpp"
#include "udp.hpp"

namespace bootfw {
namespace {

class udp_batch : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(receiver_, 0);
    int big = 4 << 20;
    ::setsockopt(receiver_, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(receiver_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    ::getsockname(receiver_, reinterpret_cast<sockaddr*>(&sa), &len);
    to_ = {sdk::ipv4_address(0x7f000001), ntohs(sa.sin_port)};
    timeval tv{2, 0};
    ::setsockopt(receiver_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

    exec_ = std::make_shared<instance_executor>(ctx_, nullptr, log_);
    sdk::udp_options o;
    o.bind = {sdk::ipv4_address(0x7f000001), 0};
    std::error_code ec;
    socket_ = udp_socket_impl::open(exec_, o, ec);
    ASSERT_TRUE(socket_) << ec.message();
  }
  void TearDown() override {
    socket_.reset();
    exec_.reset();
    if (receiver_ >= 0) ::close(receiver_);
  }

  /// Sends datagrams of the given sizes (byte i of datagram k is k*7+i) and checks what arrives.
  void round_trip(const std::vector<std::size_t>& sizes) {
    std::vector<std::vector<std::byte>> bodies;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      std::vector<std::byte> b(sizes[k]);
      for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::byte((k * 7 + i) & 0xff);
      bodies.push_back(std::move(b));
    }
    std::vector<std::span<const std::byte>> spans(bodies.begin(), bodies.end());
    std::error_code ec;
    ASSERT_EQ(socket_->send_batch(spans, to_, ec), sizes.size()) << ec.message();
    std::vector<std::byte> got(65536);
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      ssize_t n = ::recv(receiver_, got.data(), got.size(), 0);
      ASSERT_EQ(n, ssize_t(sizes[k])) << "datagram " << k << " of " << sizes.size();
      EXPECT_TRUE(std::equal(bodies[k].begin(), bodies[k].end(), got.begin())) << "datagram " << k;
    }
    EXPECT_LT(::recv(receiver_, got.data(), got.size(), MSG_DONTWAIT), 0) << "an extra datagram arrived";
  }

  boost::asio::io_context io_;
  boost::asio::thread_pool blocking_{1};
  log_sink sink_{log_level::error};
  metrics_store metrics_;
  interface_table interfaces_;
  runtime_context ctx_{io_, blocking_, sink_, metrics_, interfaces_};
  named_logger log_{sink_, "udp-test"};
  std::shared_ptr<instance_executor> exec_;
  std::unique_ptr<udp_socket_impl> socket_;
  int receiver_ = -1;
  sdk::udp_endpoint to_;
};

TEST_F(udp_batch, a_full_window_arrives_datagram_by_datagram) { round_trip(std::vector<std::size_t>(16, 1472)); }

TEST_F(udp_batch, a_short_last_datagram_keeps_its_length) {
  auto sizes = std::vector<std::size_t>(15, 1472);
  sizes.push_back(300);
  round_trip(sizes);
}

TEST_F(udp_batch, an_empty_tftp_block_after_a_full_window) {
  // A file that ends on a block boundary: the last DATA carries only its 4-byte header.
  auto sizes = std::vector<std::size_t>(8, 516);
  sizes.push_back(4);
  round_trip(sizes);
}

TEST_F(udp_batch, more_than_one_ip_datagram_of_segments) {
  // 64 × 1472 bytes cannot go in one GSO send (64 KiB per send): it must be split, order kept.
  round_trip(std::vector<std::size_t>(64, 1472));
}

TEST_F(udp_batch, uneven_sizes_and_zero_length_datagrams) {
  round_trip({100, 50, 100, 100, 0, 7, 7, 7, 1});
}

TEST_F(udp_batch, large_blocks_and_a_single_datagram) {
  round_trip(std::vector<std::size_t>(3, 9000));
  round_trip({1200});
}

TEST_F(udp_batch, a_burst_larger_than_one_wake_up_is_read_without_more_traffic) {
  // The receive loop reads a bounded number of datagrams per wake-up (udp.cpp); what is left queued must
  // still be delivered when no further datagram arrives to wake the socket (a burst of RRQs, then silence).
  // The epoll set sits edge-triggered in Asio's reactor: a pass that leaves datagrams queued must schedule
  // the next pass itself (udp_poller::serve), since no new arrival will report them.
  sdk::udp_options o;
  o.bind = {sdk::ipv4_address(0x7f000001), 0};
  o.receive_buffer = 1 << 20;
  std::error_code ec;
  auto listener = udp_socket_impl::open(exec_, o, ec);
  ASSERT_TRUE(listener) << ec.message();
  // Every datagram is checked for its order, length and bytes: they are read two at a time (recvmmsg into
  // two slots of one buffer), and a large one next to a small one must not bleed into its neighbour.
  constexpr int burst = 300;
  auto size_of = [](int i) { return i % 50 == 7 ? std::size_t(30000) : std::size_t(32 + i % 50); };
  auto byte_of = [](int i, std::size_t k) { return std::byte((i * 31 + k) & 0xff); };
  int received = 0;
  int wrong = 0;
  listener->start_receive([&](std::span<const std::byte> data, const sdk::datagram_info& info) {
    const int i = received++;
    bool ok = data.size() == size_of(i) && info.source.port == socket_->local_endpoint().port;
    for (std::size_t k = 0; ok && k < data.size(); ++k) ok = data[k] == byte_of(i, k);
    if (!ok) ++wrong;
  });
  io_.run_for(std::chrono::milliseconds(50));  // the first wait is armed before the burst
  std::vector<std::byte> payload(30000);
  for (int i = 0; i < burst; ++i) {
    for (std::size_t k = 0; k < size_of(i); ++k) payload[k] = byte_of(i, k);
    ASSERT_TRUE(socket_->send_to(std::span(payload.data(), size_of(i)), listener->local_endpoint(), ec)) << i;
  }
  for (int i = 0; i < 100 && received < burst; ++i) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(wrong, 0) << "datagrams delivered out of order, cut or mixed";
  EXPECT_EQ(received, burst);
  listener->close();
  io_.restart();
  io_.run_for(std::chrono::milliseconds(10));
}

}  // namespace
}  // namespace bootfw
