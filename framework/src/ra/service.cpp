#include "ra/service.hpp"

#include <fmt/format.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <cstring>

namespace bootfw::ra {

namespace asio = boost::asio;

namespace {

constexpr auto rescan_period = std::chrono::seconds(30);  // picks up interfaces created after start-up

std::runtime_error socket_error(const char* what) {
  return std::runtime_error(fmt::format("IPv6 RA: {}: {}", what, std::strerror(errno)));
}

bool join_all_routers(int fd, std::uint32_t ifindex, std::string& error) {
  // RFC 4861 §6.2.1: a router joins the all-routers group on its advertising interfaces; RSs go there.
  ipv6_mreq m{};
  auto group = all_routers();
  std::memcpy(m.ipv6mr_multiaddr.s6_addr, group.data(), 16);
  m.ipv6mr_interface = ifindex;
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof(m)) == 0 || errno == EADDRINUSE) return true;
  error = std::strerror(errno);
  return false;
}

}  // namespace

std::vector<link_info> scan_links(const std::vector<std::string>& names) {
  std::vector<link_info> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  auto entry = [&](const char* name) -> link_info& {
    for (auto& l : out)
      if (l.name == name) return l;
    out.push_back({if_nametoindex(name), name, std::nullopt, std::nullopt});
    return out.back();
  };
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || (a->ifa_flags & IFF_LOOPBACK) || !(a->ifa_flags & IFF_MULTICAST)) continue;
    bool wanted = names.empty() || std::find(names.begin(), names.end(), a->ifa_name) != names.end();
    if (!wanted) continue;
    if (a->ifa_addr->sa_family == AF_PACKET) {
      auto* ll = reinterpret_cast<const sockaddr_ll*>(a->ifa_addr);
      auto& l = entry(a->ifa_name);
      if (ll->sll_halen == 6) {
        std::array<std::uint8_t, 6> mac{};
        std::memcpy(mac.data(), ll->sll_addr, 6);
        l.mac = sdk::mac_address(mac);
      }
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      auto* sa = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      ipv6_bytes addr{};
      std::memcpy(addr.data(), sa->sin6_addr.s6_addr, 16);
      auto& l = entry(a->ifa_name);
      if (is_link_local(addr) && !l.link_local) l.link_local = addr;
    }
  }
  ::freeifaddrs(list);
  std::erase_if(out, [](const link_info& l) { return l.index == 0; });
  return out;
}

service::service(runtime_context& ctx, const server_config& config)
    : ctx_(ctx),
      interfaces_(config.interfaces),
      settings_(config.ipv6_ra),
      log_(ctx.sink, "ipv6-ra"),
      executor_(std::make_shared<instance_executor>(ctx, nullptr, log_)),
      socket_(ctx.io),
      rescan_timer_(ctx.io),
      random_(std::random_device{}()),
      solicitations_(ctx.metrics.counter("ipv6_ra_solicitations_total",
                                         "valid IPv6 router solicitations received on served links", "ipv6-ra")),
      advertisements_(ctx.metrics.counter("ipv6_ra_advertisements_total", "IPv6 router advertisements sent",
                                          "ipv6-ra")),
      silenced_(ctx.metrics.counter("ipv6_ra_silenced_total",
                                    "router solicitations not answered because another router advertises there",
                                    "ipv6-ra")),
      dropped_(ctx.metrics.counter("ipv6_ra_dropped_total", "ICMPv6 messages dropped (invalid per RFC 4861 §6.1)",
                                   "ipv6-ra")) {}

service::~service() { stop(); }

void service::start() {
  started_ = true;
  boost::system::error_code ec;
  socket_.open(asio::generic::raw_protocol(AF_INET6, IPPROTO_ICMPV6), ec);
  if (ec) {
    errno = ec.value();
    throw socket_error("cannot open a raw ICMPv6 socket");
  }
  int fd = socket_.native_handle();
  // Only RS and RA reach us (RFC 3542 §3.2); the kernel answers everything else.
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(icmp_router_solicitation, &filter);
  ICMP6_FILTER_SETPASS(icmp_router_advertisement, &filter);
  int one = 1, zero = 0, hops = 255;
  auto setopt = [&](int level, int name, const void* v, socklen_t len, const char* what) {
    if (::setsockopt(fd, level, name, v, len) != 0) throw socket_error(what);
  };
  setopt(IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter), "ICMP6_FILTER");
  setopt(IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one), "IPV6_RECVPKTINFO");
  setopt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one), "IPV6_RECVHOPLIMIT");
  // RFC 4861 §6.1.1/§6.1.2: receivers drop ND messages whose hop limit is not 255.
  setopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops), "IPV6_MULTICAST_HOPS");
  setopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops), "IPV6_UNICAST_HOPS");
  // Our own multicast RAs must not come back to us looking like another router's.
  setopt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero), "IPV6_MULTICAST_LOOP");
  socket_.non_blocking(true, ec);
  rescan(true);
  if (settings_.router_lifetime != 0)
    log_.write(log_level::warn, fmt::format("router_lifetime = {}: hosts on the served links will use this machine "
                                            "as their default IPv6 router",
                                            settings_.router_lifetime));
  asio::dispatch(executor_->strand(), [self = shared_from_this()] {
    self->arm();
    self->arm_rescan();
  });
}

void service::stop() noexcept {
  if (executor_->stopped()) return;
  executor_->mark_stopped();
  if (!started_) return;  // nothing was opened or armed; the io_context may not even run
  try {
    executor_->run_and_wait([this] {
      closed_ = true;
      for (auto& t : answer_timers_) t->cancel();
      answer_timers_.clear();
      rescan_timer_.cancel();
      boost::system::error_code ec;
      socket_.cancel(ec);
      socket_.close(ec);
    });
  } catch (...) {
  }
}

std::vector<std::string> service::link_names() const {
  std::lock_guard lock(names_mutex_);
  return joined_names_;
}

service::link_entry* service::find_link(std::uint32_t ifindex) {
  auto it = links_.find(ifindex);
  return it == links_.end() ? nullptr : &it->second;
}

void service::rescan(bool join_log) {
  int fd = socket_.native_handle();
  for (auto& info : scan_links(interfaces_)) {
    if (auto* known = find_link(info.index)) {
      known->info = info;  // the link-local address may have appeared since (DAD)
      continue;
    }
    std::string error;
    if (!join_all_routers(fd, info.index, error)) {
      log_.write_limited(log_level::warn, "join", fmt::format("cannot join ff02::2 on {}: {}", info.name, error));
      continue;
    }
    if (!join_log) log_.write(log_level::info, fmt::format("answering router solicitations on {} too", info.name));
    {
      std::lock_guard lock(names_mutex_);
      joined_names_.push_back(info.name);
    }
    auto index = info.index;
    links_.emplace(index, link_entry{std::move(info), link_policy(settings_.quiet)});
  }
  if (join_log)
    for (auto& name : interfaces_)
      if (std::none_of(links_.begin(), links_.end(), [&](auto& kv) { return kv.second.info.name == name; }))
        log_.write(log_level::warn, fmt::format("interface {} not found (or not multicast-capable); it is served "
                                                "once it appears",
                                                name));
}

void service::arm_rescan() {
  if (closed_) return;
  rescan_timer_.expires_after(rescan_period);
  rescan_timer_.async_wait(asio::bind_executor(executor_->strand(), [self = shared_from_this()](auto ec) {
    if (ec || self->closed_) return;
    self->rescan(false);
    self->arm_rescan();
  }));
}

void service::arm() {
  if (closed_) return;
  socket_.async_wait(asio::socket_base::wait_read,
                     asio::bind_executor(executor_->strand(), [self = shared_from_this()](auto ec) {
                       if (ec || self->closed_) return;
                       self->executor_->guarded("ipv6-ra receive", [&] { self->drain(); });
                       self->arm();
                     }));
}

void service::drain() {
  int fd = socket_.native_handle();
  std::array<std::uint8_t, 1500> buffer{};
  for (int n = 0; n < 64 && !closed_; ++n) {
    sockaddr_in6 from{};
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t len = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (len < 0) return;
    received_meta meta;
    std::memcpy(meta.source.data(), from.sin6_addr.s6_addr, 16);
    std::uint32_t ifindex = 0;
    for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != IPPROTO_IPV6) continue;
      if (c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        ifindex = pi.ipi6_ifindex;
      } else if (c->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&meta.hop_limit, CMSG_DATA(c), sizeof(int));
      }
    }
    on_message(std::span<const std::uint8_t>(buffer.data(), std::size_t(len)), meta, ifindex);
  }
}

void service::on_message(std::span<const std::uint8_t> icmp, const received_meta& meta, std::uint32_t ifindex) {
  auto* link = find_link(ifindex);
  if (!link && interfaces_.empty() && ra_clock::now() - last_unknown_rescan_ > std::chrono::seconds(1)) {
    last_unknown_rescan_ = ra_clock::now();  // an interface created since the last scan
    rescan(false);
    link = find_link(ifindex);
  }
  if (!link) return;  // never answer on interfaces not served
  if (icmp.empty()) return;
  if (icmp[0] == icmp_router_solicitation) on_solicitation(*link, icmp, meta);
  else if (icmp[0] == icmp_router_advertisement) on_advertisement(*link, icmp, meta);
}

void service::on_solicitation(link_entry& link, std::span<const std::uint8_t> icmp, const received_meta& meta) {
  auto check = check_solicitation(icmp, meta);
  if (!check.valid) {
    dropped_.add();
    log_.write_limited(log_level::debug, "bad-rs", fmt::format("dropped router solicitation from {} on {}: {}",
                                                               to_string(meta.source), link.info.name, check.reason));
    return;
  }
  solicitations_.add();
  auto now = ra_clock::now();
  std::uniform_int_distribution<int> pick(0, int(max_ra_delay_time.count()));
  auto d = link.policy.on_solicitation(now, meta.source, std::chrono::milliseconds(pick(random_)));
  if (d.what == link_policy::action::silent) {
    silenced_.add();
    if (log_.enabled(log_level::debug))
      log_.write(log_level::debug, fmt::format("not answering {} on {}: another router advertises there",
                                               to_string(meta.source), link.info.name));
    return;
  }
  if (d.what == link_policy::action::merged) return;
  auto timer = std::make_shared<asio::steady_timer>(ctx_.io);
  answer_timers_.insert(timer);
  timer->expires_at(d.send_at);
  timer->async_wait(asio::bind_executor(
      executor_->strand(), [self = shared_from_this(), timer, index = link.info.index, to = d.destination](auto ec) {
        self->answer_timers_.erase(timer);
        if (ec || self->closed_) return;
        self->executor_->guarded("ipv6-ra answer", [&] { self->send_answer(index, to); });
      }));
}

void service::on_advertisement(link_entry& link, std::span<const std::uint8_t> icmp, const received_meta& meta) {
  std::string reason;
  if (!parse_advertisement(icmp, meta, &reason)) {
    dropped_.add();
    log_.write_limited(log_level::debug, "bad-ra", fmt::format("ignored router advertisement from {} on {}: {}",
                                                               to_string(meta.source), link.info.name, reason));
    return;
  }
  if (link.policy.on_foreign_advertisement(ra_clock::now(), meta.source))
    log_.write(log_level::info,
               fmt::format("router {} advertises on {}: staying silent there until {} s after its last advertisement",
                           to_string(meta.source), link.info.name, settings_.quiet.count()));
}

void service::send_answer(std::uint32_t ifindex, const ipv6_bytes& destination) {
  auto* link = find_link(ifindex);
  if (!link) return;
  if (!link->policy.on_due(ra_clock::now(), destination)) {
    silenced_.add();
    return;
  }
  if (!link->info.link_local) rescan(false);  // DAD may have finished since the last scan
  if (!link->info.link_local) {
    log_.write_limited(log_level::warn, "no-link-local",
                       fmt::format("no link-local address on {} yet: router solicitation not answered", link->info.name));
    return;
  }
  advertisement_params p;
  p.router_lifetime = settings_.router_lifetime;
  p.managed = settings_.managed;
  p.other_config = settings_.other_config;
  p.source_lla = link->info.mac;
  auto bytes = build_advertisement(p);

  // RFC 4861 §6.1.2 / §6.2.6: from the interface's link-local address, out of that interface.
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(to.sin6_addr.s6_addr, destination.data(), 16);
  to.sin6_scope_id = ifindex;
  iovec iov{bytes.data(), bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof(to);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  auto* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  in6_pktinfo pi{};
  std::memcpy(pi.ipi6_addr.s6_addr, link->info.link_local->data(), 16);
  pi.ipi6_ifindex = ifindex;
  std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
  if (::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT) < 0) {
    log_.write_limited(log_level::warn, "send", fmt::format("cannot send a router advertisement to {} on {}: {}",
                                                            to_string(destination), link->info.name, std::strerror(errno)));
    return;
  }
  advertisements_.add();
  if (log_.enabled(log_level::debug))
    log_.write(log_level::debug, fmt::format("router advertisement (lifetime {}) sent to {} on {}",
                                             settings_.router_lifetime, to_string(destination), link->info.name));
}

}  // namespace bootfw::ra
