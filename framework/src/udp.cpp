#include "udp.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cerrno>
#include <cstring>

#include "runtime.hpp"
#include "udp_poller.hpp"

namespace bootfw {


struct udp_socket_impl::state : udp_poller::reader, std::enable_shared_from_this<udp_socket_impl::state> {
  // Declared first so it is destroyed last: the executor holds the plugin library.
  std::shared_ptr<instance_executor> exec;
  int fd = -1;  // read through the executor's poller, never registered with Asio's reactor itself
  std::uint64_t poll_id = 0;
  receive_handler handler;
  bool closed = false;
  bool receiving = false;
  bool gso_usable = true;  // cleared the first time the kernel refuses UDP_SEGMENT on this socket

  explicit state(std::shared_ptr<instance_executor> e) : exec(std::move(e)) {}
  ~state() override {
    if (fd >= 0) ::close(fd);
  }

  // Called by the poller, on the executor's strand, while the socket is readable.
  bool on_readable(int budget) override { return !closed && drain(budget); }

  // The receiving interface's name and address, looked up in the server's table at most once a second per
  // socket (the table itself refreshes once a second): a TFTP transfer gets an ACK per block, and the lookup
  // takes the table's lock and copies strings.
  struct interface_cache {
    std::uint32_t index = 0;
    char name[IF_NAMESIZE] = {0};
    sdk::ipv4_address address;
    std::chrono::steady_clock::time_point at;
  } iface;
  const interface_cache& receiving_interface(std::uint32_t index) {
    auto now = std::chrono::steady_clock::now();
    if (iface.index == index && now - iface.at < std::chrono::seconds(1)) return iface;
    iface = interface_cache{};
    iface.index = index;
    iface.at = now;
    if (auto i = exec->context().interfaces.by_index(index)) {
      std::memcpy(iface.name, i->name.c_str(), std::min(i->name.size(), sizeof(iface.name) - 1));
      iface.address = i->address;
    }
    return iface;
  }

  // Reads up to `budget` queued datagrams; the poller reports the socket again while more are queued.
  // recvmmsg with two slots: a lockstep transfer has one ACK queued, and a short count tells the socket is
  // empty without the recvmsg that would only return EAGAIN (one system call per block saved).
  // Returns true when the budget ran out before the queue was seen empty.
  bool drain(int budget) {
    constexpr std::size_t slots = instance_executor::receive_slots;
    constexpr std::size_t slot_size = instance_executor::receive_slot_bytes;
    auto buffer = exec->receive_buffer();  // shared by the executor's sockets (we run on its strand)
    for (int n = 0; n < budget && !closed;) {
      const unsigned want = unsigned(std::min<int>(int(slots), budget - n));
      std::array<sockaddr_in, slots> from{};
      std::array<iovec, slots> iov{};
      std::array<std::array<char, CMSG_SPACE(sizeof(in_pktinfo))>, slots> control;
      std::array<mmsghdr, slots> msgs{};
      for (unsigned i = 0; i < want; ++i) {
        iov[i] = {buffer.data() + i * slot_size, slot_size};
        auto& m = msgs[i].msg_hdr;
        m.msg_name = &from[i];
        m.msg_namelen = sizeof(from[i]);
        m.msg_iov = &iov[i];
        m.msg_iovlen = 1;
        m.msg_control = control[i].data();
        m.msg_controllen = control[i].size();
      }
      const int got = ::recvmmsg(fd, msgs.data(), want, MSG_DONTWAIT, nullptr);
      if (got <= 0) return false;  // EAGAIN, or an ICMP error queued on the socket: nothing to deliver
      for (int i = 0; i < got && !closed; ++i) deliver(msgs[i], from[i], iov[i]);
      n += got;
      if (unsigned(got) < want) return false;  // the queue is empty: no EAGAIN probe
    }
    return !closed;
  }

  void deliver(mmsghdr& m, const sockaddr_in& from, const iovec& iov) {
    msghdr& msg = m.msg_hdr;
    sdk::datagram_info info;
    info.source = {sdk::ipv4_address(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port)};
    char ifname[IF_NAMESIZE] = {0};
    for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        info.interface_index = std::uint32_t(pi.ipi_ifindex);
        info.local_address = sdk::ipv4_address(ntohl(pi.ipi_addr.s_addr));
        info.interface_address = sdk::ipv4_address(ntohl(pi.ipi_spec_dst.s_addr));
      }
    }
    if (info.interface_index) {
      const auto& i = receiving_interface(info.interface_index);
      std::memcpy(ifname, i.name, sizeof(ifname));
      if (i.address.to_uint()) info.interface_address = i.address;
    }
    info.interface_name = ifname;
    if (!handler) return;
    auto data = std::span<const std::byte>(static_cast<const std::byte*>(iov.iov_base), std::size_t(m.msg_len));
    exec->guarded("receive", [&] { handler(data, info); });
  }
};

namespace {
sockaddr_in to_sockaddr(const sdk::udp_endpoint& ep) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(ep.port);
  sa.sin_addr.s_addr = htonl(ep.address.to_uint());
  return sa;
}
}  // namespace

namespace {

// A non-blocking UDP socket with every option that applies before bind; -1 with ec on failure.
int make_socket(const sdk::udp_options& options, bool reuse_address, std::error_code& ec) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = std::error_code(errno, std::system_category());
    return -1;
  }
  int one = 1;
  auto setopt = [&](int level, int name, const void* v, socklen_t len) {
    if (!ec && ::setsockopt(fd, level, name, v, len) != 0) ec = std::error_code(errno, std::system_category());
  };
  setopt(IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  if (reuse_address) setopt(SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (options.broadcast) setopt(SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
  if (options.receive_buffer) {
    int v = int(options.receive_buffer);
    setopt(SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
  }
  if (options.send_buffer) {
    int v = int(options.send_buffer);
    setopt(SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
  }
  if (!options.interface.empty())
    setopt(SOL_SOCKET, SO_BINDTODEVICE, options.interface.c_str(), socklen_t(options.interface.size()));
  if (ec) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool call_ok(int rc, std::error_code& ec) {
  if (rc == 0) return true;
  ec = std::error_code(errno, std::system_category());
  return false;
}

}  // namespace

std::unique_ptr<udp_socket_impl> udp_socket_impl::open(std::shared_ptr<instance_executor> exec,
                                                       const sdk::udp_options& options, std::error_code& ec) {
  auto s = std::make_shared<state>(exec);
  auto sa = to_sockaddr(options.bind);
  if (!options.peer) {
    s->fd = make_socket(options, options.reuse_address, ec);
    if (s->fd < 0 || !call_ok(::bind(s->fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), ec)) return nullptr;
    return std::unique_ptr<udp_socket_impl>(new udp_socket_impl(std::move(s), nullptr, std::nullopt));
  }
  // Connected to one peer: an unconnected socket binds first, with SO_REUSEADDR only if asked, so that an
  // ephemeral port is one no other socket holds; it then lets the connected socket share that port and
  // keeps receiving what comes from anyone else (the kernel prefers the connected socket for its peer).
  // The sharing is SO_REUSEPORT, not SO_REUSEADDR: Linux lets only a socket of the same user join a
  // SO_REUSEPORT port, while any local process could bind a SO_REUSEADDR one, connect it to our client and
  // take over the transfer (forged DATA from our own address and TID; RFC 1350 §4 relies on the TID being
  // ours alone). A group with a connected member is looked up by score (Linux 5.8+), so strangers still
  // reach the unconnected socket.
  auto stray = std::make_shared<state>(exec);
  stray->fd = make_socket(options, options.reuse_address, ec);
  if (stray->fd < 0 || !call_ok(::bind(stray->fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), ec)) return nullptr;
  int one = 1;
  socklen_t len = sizeof(sa);
  if (!call_ok(::setsockopt(stray->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), ec) ||
      !call_ok(::getsockname(stray->fd, reinterpret_cast<sockaddr*>(&sa), &len), ec))
    return nullptr;
  s->fd = make_socket(options, false, ec);
  auto peer = to_sockaddr(*options.peer);
  if (s->fd >= 0 && !call_ok(::setsockopt(s->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), ec)) return nullptr;
  if (s->fd < 0 || !call_ok(::bind(s->fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), ec) ||
      !call_ok(::connect(s->fd, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)), ec))
    return nullptr;
  return std::unique_ptr<udp_socket_impl>(new udp_socket_impl(std::move(s), std::move(stray), options.peer));
}

udp_socket_impl::~udp_socket_impl() { close(); }

sdk::udp_endpoint udp_socket_impl::local_endpoint() const noexcept {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  if (state_->closed || ::getsockname(state_->fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    return {};
  return {sdk::ipv4_address(ntohl(sa.sin_addr.s_addr)), ntohs(sa.sin_port)};
}

void udp_socket_impl::start_receive(receive_handler handler) {
  if (stray_) stray_->handler = handler;
  state_->handler = std::move(handler);
  for (auto* s : {state_.get(), stray_.get()}) {
    if (!s || s->receiving || s->closed) continue;
    s->receiving = true;
    std::error_code ec;
    s->poll_id = s->exec->poller().add(s->fd, s->shared_from_this(), ec);
    if (!s->poll_id)
      s->exec->log().write_limited(log_level::error, "udp-poll",
                                   fmt::format("cannot watch a UDP socket: {}", ec.message()));
  }
}

int udp_socket_impl::fd_for(const sdk::udp_endpoint& to, bool& connected) const noexcept {
  connected = peer_ && to == *peer_;
  return connected || !stray_ ? state_->fd : stray_->fd;
}

bool udp_socket_impl::send_to(std::span<const std::byte> data, const sdk::udp_endpoint& to,
                              std::error_code& ec) noexcept {
  if (state_->closed) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return false;
  }
  auto sa = to_sockaddr(to);
  bool connected = false;
  const int fd = fd_for(to, connected);
  ssize_t n = connected ? ::send(fd, data.data(), data.size(), MSG_DONTWAIT)
                        : ::sendto(fd, data.data(), data.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sa),
                                   sizeof(sa));
  if (n < 0) {
    ec = std::error_code(errno, std::system_category());
    return false;
  }
  return true;
}

namespace {

// UDP GSO (Linux ≥ 4.18, UDP_SEGMENT): the kernel takes one buffer and cuts it into datagrams of gso_size
// bytes (the last may be shorter). One trip through the IP stack per window instead of one per datagram.
constexpr std::size_t gso_max_segments = 64;       // UDP_MAX_SEGMENTS on every kernel that has GSO
constexpr std::size_t gso_max_bytes = 65535 - 28;  // one IP datagram's payload limit, minus the UDP header

/// How many of the datagrams, from the front, one GSO send can carry: all but the last of a send are
/// exactly the first one's size, the last may be shorter. 0 or 1: no use for GSO.
std::size_t gso_run(std::span<const std::span<const std::byte>> datagrams) noexcept {
  if (datagrams.size() < 2) return 0;
  const std::size_t segment = datagrams.front().size();
  if (segment == 0 || segment > gso_max_bytes) return 0;
  const std::size_t limit = std::min({datagrams.size(), gso_max_segments, gso_max_bytes / segment});
  std::size_t n = 1;
  while (n < limit && datagrams[n].size() == segment) ++n;
  if (n < limit && datagrams[n].size() != 0 && datagrams[n].size() < segment) ++n;  // a shorter last one
  return n;
}

}  // namespace

std::size_t udp_socket_impl::send_batch(std::span<const std::span<const std::byte>> datagrams,
                                        const sdk::udp_endpoint& to, std::error_code& ec) noexcept {
  if (state_->closed) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return 0;
  }
  auto sa = to_sockaddr(to);
  bool connected = false;
  const int fd = fd_for(to, connected);
  // A connected socket sends without an address: with one, the kernel would look the route up again.
  auto* name = connected ? nullptr : &sa;
  const socklen_t name_len = connected ? 0 : sizeof(sa);
  std::size_t sent = 0;
  while (state_->gso_usable && sent < datagrams.size()) {
    auto rest = datagrams.subspan(sent);
    const std::size_t n = gso_run(rest);
    if (n < 2) break;
    std::array<iovec, gso_max_segments> iovs{};
    for (std::size_t i = 0; i < n; ++i) iovs[i] = {const_cast<std::byte*>(rest[i].data()), rest[i].size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
    msghdr msg{};
    msg.msg_name = name;
    msg.msg_namelen = name_len;
    msg.msg_iov = iovs.data();
    msg.msg_iovlen = n;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    auto* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
    const auto segment = std::uint16_t(rest.front().size());
    std::memcpy(CMSG_DATA(c), &segment, sizeof(segment));
    if (::sendmsg(fd, &msg, MSG_DONTWAIT) >= 0) {
      sent += n;
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      ec = std::error_code(errno, std::system_category());
      return sent;  // the queue is full: the protocol's timer retries the rest
    }
    // EIO (no checksum offload on the route's device), EINVAL (segment above the path MTU), ENOPROTOOPT
    // (an old kernel): this socket sends datagram by datagram from now on.
    state_->gso_usable = false;
  }
  constexpr std::size_t chunk = 64;
  while (sent < datagrams.size()) {
    std::size_t n = std::min(chunk, datagrams.size() - sent);
    std::array<mmsghdr, chunk> msgs{};
    std::array<iovec, chunk> iovs{};
    for (std::size_t i = 0; i < n; ++i) {
      auto d = datagrams[sent + i];
      iovs[i] = {const_cast<std::byte*>(d.data()), d.size()};
      msgs[i].msg_hdr.msg_name = name;
      msgs[i].msg_hdr.msg_namelen = name_len;
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(fd, msgs.data(), unsigned(n), MSG_DONTWAIT);
    if (r < 0) {
      ec = std::error_code(errno, std::system_category());
      return sent;
    }
    sent += std::size_t(r);
    if (std::size_t(r) < n) break;  // the kernel queue is full: the protocol's timer retries the rest
  }
  return sent;
}

bool udp_socket_impl::send_via(std::span<const std::byte> data, const sdk::udp_endpoint& to,
                               std::uint32_t interface_index, sdk::ipv4_address source, std::error_code& ec) noexcept {
  if (state_->closed) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return false;
  }
  auto sa = to_sockaddr(to);
  bool connected = false;
  const int fd = fd_for(to, connected);
  iovec iov{const_cast<std::byte*>(data.data()), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = connected ? nullptr : &sa;
  msg.msg_namelen = connected ? 0 : sizeof(sa);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (interface_index || !source.is_unspecified()) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    auto* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo pi{};
    pi.ipi_ifindex = int(interface_index);
    pi.ipi_spec_dst.s_addr = htonl(source.to_uint());
    std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
  }
  if (::sendmsg(fd, &msg, MSG_DONTWAIT) < 0) {
    ec = std::error_code(errno, std::system_category());
    return false;
  }
  return true;
}

int udp_socket_impl::native_handle() const noexcept { return state_->closed ? -1 : state_->fd; }

void udp_socket_impl::close() noexcept {
  for (auto* s : {state_.get(), stray_.get()}) {
    if (!s || s->closed) continue;
    s->closed = true;
    // Destroy the plugin's handler now, while its code is certainly mapped.
    s->handler = nullptr;
    if (s->poll_id) s->exec->poller().remove(s->poll_id, s->fd);
    s->poll_id = 0;
    ::close(s->fd);
    s->fd = -1;
  }
}

}  // namespace bootfw
