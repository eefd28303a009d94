// The IPv6 RA responder on a real link: two network namespaces joined by a veth pair, bootfw in one, a
// "host" (and, in the second case, a rival router) in the other. Root only; nothing leaves the namespaces.
#include <bootfw/sdk/embed.hpp>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <sched.h>

#include <fmt/format.h>

#include <cstring>
#include <exception>
#include <fstream>
#include <thread>

#include "../support/test_support.hpp"
#include "ra/packet.hpp"

using namespace bootfw;
using bootfw::test::run;
using bootfw::test::temp_dir;

namespace {

/// Two namespaces joined by veth ra0 (bootfw's side, in `a`) <-> ra1 (the host's side, in `b`).
/// Removed in the destructor, whatever the test did.
struct netns_pair {
  std::string a, b, error;

  netns_pair() {
    auto tag = fmt::format("{}-{}", ::getpid(), std::random_device{}() % 100000);
    a = "bfra-a-" + tag;
    b = "bfra-b-" + tag;
    for (auto& cmd : {
             fmt::format("ip netns add {}", a),
             fmt::format("ip netns add {}", b),
             fmt::format("ip link add ra0 netns {} type veth peer name ra1 netns {}", a, b),
             // No DAD wait, and no kernel RSs of their own: the test's RS is the only one on the link.
             fmt::format("ip netns exec {} sysctl -qw net.ipv6.conf.ra0.accept_dad=0 "
                         "net.ipv6.conf.ra0.router_solicitations=0",
                         a),
             fmt::format("ip netns exec {} sysctl -qw net.ipv6.conf.ra1.accept_dad=0 "
                         "net.ipv6.conf.ra1.router_solicitations=0 net.ipv6.conf.ra1.accept_ra=1",
                         b),
             fmt::format("ip -n {} link set ra0 up", a),
             fmt::format("ip -n {} link set ra1 up", b),
         }) {
      auto [rc, out] = run(cmd);
      if (rc != 0) {
        error = cmd + ": " + out;
        return;
      }
    }
    for (int i = 0; i < 100 && !(link_local(a, "ra0") && link_local(b, "ra1")); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!link_local(a, "ra0") || !link_local(b, "ra1")) error = "no link-local addresses on the veth pair";
  }
  ~netns_pair() {
    run(fmt::format("ip netns del {}", a));
    run(fmt::format("ip netns del {}", b));
  }

  /// The interface's usable (not tentative) link-local address.
  static std::optional<ra::ipv6_bytes> link_local(const std::string& ns, const std::string& dev) {
    auto [rc, out] = run(fmt::format("ip -n {} -6 -o addr show dev {} scope link", ns, dev));
    auto at = out.find("inet6 ");
    if (rc != 0 || at == std::string::npos || out.find("tentative") != std::string::npos) return std::nullopt;
    auto text = out.substr(at + 6, out.find('/', at) - at - 6);
    in6_addr addr{};
    if (::inet_pton(AF_INET6, text.c_str(), &addr) != 1) return std::nullopt;
    ra::ipv6_bytes b{};
    std::memcpy(b.data(), addr.s6_addr, 16);
    return b;
  }
  static std::string mac(const std::string& ns, const std::string& dev) {
    auto [rc, out] = run(fmt::format("ip -n {} -o link show dev {}", ns, dev));
    auto at = out.find("link/ether ");
    return at == std::string::npos ? "" : out.substr(at + 11, 17);
  }
};

/// Runs f on a thread that entered namespace `ns`; sockets and threads it creates stay there.
template <typename F>
auto in_netns(const std::string& ns, F f) -> decltype(f()) {
  std::optional<decltype(f())> result;
  std::exception_ptr failure;
  std::thread t([&] {
    try {
      int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns " + ns + ": " + std::strerror(errno));
      ::close(fd);
      result.emplace(f());
    } catch (...) {
      failure = std::current_exception();
    }
  });
  t.join();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

/// A raw ICMPv6 socket on the host's side: sends RS/RA with hop limit 255, receives RAs.
struct icmp6_peer {
  int fd = -1;
  unsigned ifindex = 0;
  icmp6_peer() {
    fd = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    ifindex = if_nametoindex("ra1");
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ra::icmp_router_advertisement, &filter);
    ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
    int one = 1, hops = 255;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
  }
  ~icmp6_peer() {
    if (fd >= 0) ::close(fd);
  }
  bool send(const std::vector<std::uint8_t>& icmp, const ra::ipv6_bytes& to) const {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    std::memcpy(sa.sin6_addr.s6_addr, to.data(), 16);
    sa.sin6_scope_id = ifindex;
    return ::sendto(fd, icmp.data(), icmp.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) ==
           ssize_t(icmp.size());
  }
  struct received {
    std::vector<std::uint8_t> icmp;
    ra::received_meta meta;
    ra::ipv6_bytes destination{};
  };
  /// The next RA from `source` within `timeout_ms`.
  std::optional<received> receive_from(const ra::ipv6_bytes& source, int timeout_ms) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, int(left.count()) + 1) <= 0) continue;
      received r;
      r.icmp.resize(1500);
      sockaddr_in6 from{};
      iovec iov{r.icmp.data(), r.icmp.size()};
      alignas(cmsghdr) char control[256];
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof(from);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      auto n = ::recvmsg(fd, &msg, 0);
      if (n < 0) continue;
      r.icmp.resize(std::size_t(n));
      std::memcpy(r.meta.source.data(), from.sin6_addr.s6_addr, 16);
      for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
          std::memcpy(&r.meta.hop_limit, CMSG_DATA(c), sizeof(int));
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo pi;
          std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
          std::memcpy(r.destination.data(), pi.ipi6_addr.s6_addr, 16);
        }
      }
      if (r.meta.source == source) return r;
    }
    return std::nullopt;
  }
};

std::vector<std::uint8_t> solicitation(const std::string& mac_text) {
  std::vector<std::uint8_t> rs{133, 0, 0, 0, 0, 0, 0, 0, 1, 1};  // RFC 4861 §4.1 + Source LLA (§4.6.1)
  unsigned m[6] = {};
  std::sscanf(mac_text.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
  for (auto v : m) rs.push_back(std::uint8_t(v));
  return rs;
}

std::int64_t metric(const server& srv, const std::string& name) {
  auto text = srv.metrics_text();
  auto at = text.find("\nbootfw_" + name + "{plugin=\"ipv6-ra\"} ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(text.find("} ", at) + 2));
}

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof(buf), f)) out.append(buf, n);
  return out;
}

class ra_netns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates network namespaces and raw ICMPv6 sockets";
    if (run("ip netns list").first != 0) GTEST_SKIP() << "the ip tool cannot manage network namespaces here";
    net.emplace();
    if (!net->error.empty()) GTEST_SKIP() << "cannot build the veth test link: " << net->error;
    bootfw_address = *netns_pair::link_local(net->a, "ra0");
    host_address = *netns_pair::link_local(net->b, "ra1");
    log = std::tmpfile();
  }
  /// Starts bootfw inside namespace a with the given [server] tables and a fixture plugin.
  void start(const std::string& server_tables) {
    auto tables = server_tables;
    tables.replace(tables.find("[server]\n"), 9, fmt::format("[server]\nstate_directory = \"{}/state\"\n", dir.str()));
    auto file = dir.write("plugins.toml", fmt::format(R"({}
[[plugin]]
name = "dhcp"
kind = "dhcp-responder"
library = "{}"
)",
                                                      tables, test::fixture("fixture_responder")));
    server_options o;
    o.plugins_file = file;
    o.log_stream = log;
    srv = in_netns(net->a, [&] {
      auto s = std::make_unique<server>(o);
      s->start();  // the raw socket and the worker threads are created here, inside namespace a
      return s;
    });
  }
  /// Solicits from the host's side; bootfw's answer, if any, within `timeout_ms`.
  std::optional<icmp6_peer::received> solicit(int timeout_ms) {
    auto host_mac = netns_pair::mac(net->b, "ra1");
    return in_netns(net->b, [&] {
      icmp6_peer peer;
      if (!peer.send(solicitation(host_mac), ra::all_routers())) throw std::runtime_error("cannot send the RS");
      return peer.receive_from(bootfw_address, timeout_ms);
    });
  }
  void TearDown() override {
    if (srv) srv->stop();
    srv.reset();
    if (log) std::fclose(log);
    net.reset();  // removes both namespaces
  }

  temp_dir dir;
  std::optional<netns_pair> net;
  ra::ipv6_bytes bootfw_address{}, host_address{};
  std::FILE* log = nullptr;
  std::unique_ptr<server> srv;
};

std::string explicit_on() {
  return R"(
[server]
interfaces = ["ra0"]
log_level = "debug"
[server.dhcp]
enabled = false
[server.ipv6_ra]
enabled = true
)";
}

TEST_F(ra_netns, answers_a_solicitation_with_an_advertisement_that_changes_nothing) {
  start(explicit_on());
  auto got = solicit(3000);
  ASSERT_TRUE(got) << "no router advertisement from bootfw within 3 s; log:\n" << read_all(log);
  EXPECT_EQ(got->meta.hop_limit, 255) << "RFC 4861 §6.1.2: hosts drop RAs with another hop limit";
  EXPECT_EQ(got->destination, host_address) << "answered by unicast to the solicitor (RFC 4861 §6.2.6)";
  std::string why;
  auto ra = ra::parse_advertisement(got->icmp, got->meta, &why);
  ASSERT_TRUE(ra) << why;
  EXPECT_EQ(ra->router_lifetime, 0) << "not a default router";
  EXPECT_FALSE(ra->managed);
  EXPECT_FALSE(ra->other_config);
  EXPECT_FALSE(ra->has_prefix_information) << "nothing to autoconfigure";
  EXPECT_EQ(ra->cur_hop_limit, 0);
  EXPECT_EQ(ra->reachable_time, 0u);
  EXPECT_EQ(ra->retrans_timer, 0u);
  ASSERT_TRUE(ra->source_lla);
  EXPECT_EQ(ra->source_lla->to_string(), netns_pair::mac(net->a, "ra0"));

  // What the host's kernel did with it (RFC 4861 §6.3.4, RFC 4862 §5.5.3): no default route, no address.
  auto [rc, routes] = run(fmt::format("ip -n {} -6 route show default", net->b));
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(routes, "") << "the host took bootfw for a default router";
  auto [rc2, global] = run(fmt::format("ip -n {} -6 -o addr show dev ra1 scope global", net->b));
  EXPECT_EQ(global, "") << "the host autoconfigured an address";

  EXPECT_EQ(metric(*srv, "ipv6_ra_solicitations_total"), 1);
  EXPECT_EQ(metric(*srv, "ipv6_ra_advertisements_total"), 1);
  EXPECT_EQ(metric(*srv, "ipv6_ra_silenced_total"), 0);
}

TEST_F(ra_netns, stays_silent_when_another_router_advertises_on_the_link) {
  start(explicit_on());
  auto host_mac = netns_pair::mac(net->b, "ra1");
  ra::advertisement_params rival_params;
  rival_params.router_lifetime = 1800;
  auto rival = ra::build_advertisement(rival_params);
  rival[4] = 64;  // an ordinary router's cur hop limit
  auto got = in_netns(net->b, [&] {
    icmp6_peer peer;
    if (!peer.send(rival, ra::all_nodes())) throw std::runtime_error("cannot send the rival RA");
    // bootfw must have heard the rival before the solicitation, else the case proves nothing.
    for (int i = 0; i < 60 && read_all(log).find("advertises on ra0") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!peer.send(solicitation(host_mac), ra::all_routers())) throw std::runtime_error("cannot send the RS");
    for (int i = 0; i < 60 && metric(*srv, "ipv6_ra_solicitations_total") < 1; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Longer than MAX_RA_DELAY_TIME: an answer, had one been scheduled, would have arrived.
    return peer.receive_from(bootfw_address, 1500);
  });
  auto text = read_all(log);
  EXPECT_FALSE(got) << "bootfw answered although another router advertises on the link";
  EXPECT_NE(text.find(fmt::format("router {} advertises on ra0", ra::to_string(host_address))), std::string::npos)
      << "the log names the other router:\n"
      << text;
  EXPECT_EQ(metric(*srv, "ipv6_ra_solicitations_total"), 1) << "the solicitation reached bootfw";
  EXPECT_EQ(metric(*srv, "ipv6_ra_silenced_total"), 1);
  EXPECT_EQ(metric(*srv, "ipv6_ra_advertisements_total"), 0);
}

TEST_F(ra_netns, is_on_by_default_where_dhcp_serves) {
  // No [server.ipv6_ra] table: "auto" follows the DHCP service (wildcard address, every interface).
  start(R"(
[server]
log_level = "debug"
[server.dhcp]
port = 0
)");
  auto got = solicit(3000);
  ASSERT_TRUE(got) << "no router advertisement with the default configuration; log:\n" << read_all(log);
  auto ra = ra::parse_advertisement(got->icmp, got->meta);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->router_lifetime, 0);
}

TEST_F(ra_netns, never_answers_on_an_interface_it_does_not_serve) {
  start(R"(
[server]
interfaces = ["ra9"]
log_level = "debug"
[server.dhcp]
enabled = false
[server.ipv6_ra]
enabled = true
)");
  EXPECT_FALSE(solicit(1500)) << "answered on ra0, which is not in [server].interfaces";
  EXPECT_EQ(metric(*srv, "ipv6_ra_solicitations_total"), 0);
  EXPECT_NE(read_all(log).find("interface ra9 not found"), std::string::npos);
}

TEST_F(ra_netns, can_be_turned_off) {
  start(R"(
[server]
log_level = "debug"
[server.dhcp]
port = 0
[server.ipv6_ra]
enabled = false
)");
  EXPECT_FALSE(solicit(1500)) << "answered although [server.ipv6_ra] enabled = false";
  EXPECT_EQ(metric(*srv, "ipv6_ra_solicitations_total"), -1) << "the responder must not even run";
}

}  // namespace
