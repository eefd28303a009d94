#include "dhcp/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "dhcp/arp.hpp"
#include "dhcp/codec.hpp"
#include "dhcp/delivery.hpp"
#include "dhcp/facts.hpp"

namespace bootfw::dhcp {

namespace asio = boost::asio;

/// One request in flight through the responder chain.
struct exchange {
  std::shared_ptr<service> owner;
  std::shared_ptr<pipeline> chain;  // keeps the responders of this request's generation alive
  sdk::dhcp_message request;
  sdk::client_facts facts;
  std::uint32_t interface_index = 0;
  sdk::ipv4_address server_address;
  sdk::dhcp_message skeleton;
  std::atomic<bool> answered{false};
};

namespace {

class request_view final : public sdk::dhcp_request {
 public:
  request_view(std::shared_ptr<exchange> ex, std::string responder) : ex_(std::move(ex)), responder_(std::move(responder)) {}
  const sdk::dhcp_message& message() const noexcept override { return ex_->request; }
  const sdk::client_facts& facts() const noexcept override { return ex_->facts; }
  bool dry_run() const noexcept override { return false; }
  void note(std::string_view line) noexcept override {
    auto& log = ex_->owner->log();
    if (log.enabled(log_level::debug)) log.write(log_level::debug, fmt::format("{}: {}", responder_, line));
  }
  std::shared_ptr<sdk::deferred_reply> defer() override;

 private:
  std::shared_ptr<exchange> ex_;
  std::string responder_;
};

class deferred final : public sdk::deferred_reply {
 public:
  deferred(std::shared_ptr<exchange> ex, std::string responder) : ex_(std::move(ex)), responder_(std::move(responder)) {}
  ~deferred() override {
    if (!done_.exchange(true))
      ex_->owner->log().write_limited(log_level::debug, "deferred-abandoned",
                                      fmt::format("{}: deferred reply abandoned without an answer", responder_));
  }
  void send(sdk::dhcp_message reply) noexcept override {
    if (done_.exchange(true)) return;
    try {
      auto svc = ex_->owner;
      asio::post(svc->executor().strand(), [svc, ex = ex_, reply = std::move(reply), r = responder_]() mutable {
        svc->deliver(ex, std::move(reply), r);
      });
    } catch (...) {
    }
  }
  void drop(std::string_view reason) noexcept override {
    if (done_.exchange(true)) return;
    ex_->owner->log().write_limited(log_level::info, "deferred-drop",
                                    fmt::format("{}: no reply to {}: {}", responder_, ex_->facts.mac.to_string(), reason));
  }

 private:
  std::shared_ptr<exchange> ex_;
  std::string responder_;
  std::atomic<bool> done_{false};
};

std::shared_ptr<sdk::deferred_reply> request_view::defer() { return std::make_shared<deferred>(ex_, responder_); }

}  // namespace

service::service(runtime_context& ctx, client_sessions& sessions, const server_config& config)
    : ctx_(ctx),
      sessions_(sessions),
      interfaces_(config.interfaces),
      listen_(config.dhcp_listen),
      client_port_(config.dhcp_client_port),
      relay_port_(config.dhcp_relay_port),
      // Not "dhcp": that is what operators name their dhcp-responder instance (config.cpp reserves this one).
      log_(ctx.sink, "dhcp-service"),
      executor_(std::make_shared<instance_executor>(ctx, nullptr, log_)),
      received_(ctx.metrics.counter("dhcp_received_total", "DHCP datagrams received", "dhcp-service")),
      dropped_(ctx.metrics.counter("dhcp_dropped_total", "DHCP datagrams dropped (malformed, filtered, refused)",
                                   "dhcp-service")),
      replied_(ctx.metrics.counter("dhcp_replies_total", "DHCP replies sent", "dhcp-service")) {}

service::~service() { stop(); }

void service::start() {
  sdk::udp_options o;
  o.bind = listen_;
  // No SO_REUSEADDR: a second server (another bootfw, dnsmasq, dhcpd) on the same port must fail to start
  // rather than share it and take the unicast traffic (Linux hands a shared UDP port to the newest socket).
  // A reload closes this socket before its successor binds.
  o.broadcast = true;
  o.receive_buffer = 1 << 20;
  // One socket on the wildcard address: broadcasts only arrive there. The receiving interface comes from
  // IP_PKTINFO and is filtered against [server].interfaces (as dnsmasq does).
  if (interfaces_.size() == 1) o.interface = interfaces_.front();
  std::error_code ec;
  socket_ = udp_socket_impl::open(executor_, o, ec);
  if (!socket_)
    throw std::runtime_error(fmt::format("DHCP: cannot bind {}{}: {}", listen_.to_string(),
                                         o.interface.empty() ? "" : " on " + o.interface, ec.message()));
  std::weak_ptr<service> weak = weak_from_this();
  socket_->start_receive([weak](std::span<const std::byte> data, const sdk::datagram_info& info) {
    if (auto self = weak.lock()) self->on_datagram(data, info);
  });
}

void service::stop() noexcept {
  executor_->mark_stopped();
  if (socket_) {
    auto s = std::move(socket_);
    try {
      executor_->run_and_wait([&] { s.reset(); });
    } catch (...) {
    }
  }
}

void service::use(std::shared_ptr<pipeline> p) {
  std::lock_guard lock(mutex_);
  pipeline_ = std::move(p);
}

std::optional<sdk::udp_endpoint> service::endpoint() const {
  if (!socket_) return std::nullopt;
  return socket_->local_endpoint();
}

void service::drop(std::string_view key, std::string_view why) {
  dropped_.add();
  log_.write_limited(log_level::debug, key, why);
}

void service::on_datagram(std::span<const std::byte> data, const sdk::datagram_info& info) {
  received_.add();
  auto bytes = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  auto decoded = decode(bytes);
  if (!decoded.message) {
    drop("malformed", fmt::format("dropped malformed datagram from {}: {}", info.source.to_string(), decoded.detail));
    return;
  }
  auto& msg = *decoded.message;
  if (msg.op != 1) {  // RFC 2131 §4.1: a server only answers BOOTREQUESTs
    drop("bootreply", fmt::format("dropped BOOTREPLY (op={}) from {}", msg.op, info.source.to_string()));
    return;
  }
  if (msg.type() == sdk::dhcp_message_type::none || msg.type() == sdk::dhcp_message_type::offer ||
      msg.type() == sdk::dhcp_message_type::ack || msg.type() == sdk::dhcp_message_type::nak) {
    drop("bad-type", fmt::format("dropped request from {} with message type {}", info.source.to_string(),
                                 sdk::to_string(msg.type())));
    return;
  }
  std::string ifname(info.interface_name);
  if (!interfaces_.empty() && std::find(interfaces_.begin(), interfaces_.end(), ifname) == interfaces_.end()) {
    drop("interface", fmt::format("ignored request on interface '{}' (not in [server].interfaces)", ifname));
    return;
  }
  std::shared_ptr<pipeline> chain;
  {
    std::lock_guard lock(mutex_);
    chain = pipeline_;
  }
  if (!chain) return;

  auto ex = std::make_shared<exchange>();
  ex->owner = shared_from_this();
  ex->chain = chain;
  ex->facts = extract_facts(msg);
  ex->facts.interface = ifname;
  ex->facts.interface_address = info.interface_address;
  if (auto i = ctx_.interfaces.by_index(info.interface_index)) ex->facts.interface_netmask = i->netmask;
  // RFC 2131 §4.3.2: only the destination tells a REBINDING client (broadcast) from a RENEWING one.
  ex->facts.broadcast =
      is_broadcast_destination(info.local_address, info.interface_address, ex->facts.interface_netmask);
  ex->interface_index = info.interface_index;
  // The server identifier is the address the client reached us on: the interface's own address for
  // broadcasts, directed ones included, the unicast destination otherwise (RFC 2131 §4.1, RFC 2132 §9.7).
  ex->server_address =
      server_address_for(info.local_address, info.interface_address, ex->facts.interface_netmask);
  ex->request = std::move(msg);

  auto& r = ex->skeleton;
  r.op = 2;
  r.htype = ex->request.htype;
  r.hlen = ex->request.hlen;
  r.xid = ex->request.xid;
  r.flags = ex->request.flags;
  r.giaddr = ex->request.giaddr;
  r.chaddr = ex->request.chaddr;
  if (!ex->server_address.is_unspecified())
    r.options.set_address(sdk::dhcp_option::server_identifier, ex->server_address);

  sessions_.dhcp_request(ex->request, ex->facts);
  run_chain(std::move(ex), 0);
}

void service::run_chain(std::shared_ptr<exchange> ex, std::size_t index) {
  const auto& responders = ex->chain->chain(sdk::plugin_kind::dhcp_responder);
  if (index >= responders.size()) {
    drop("no-answer", fmt::format("no responder answered {} from {}", sdk::to_string(ex->request.type()),
                                  ex->facts.mac.to_string()));
    return;
  }
  auto* slot = responders[index];
  auto& exec = slot->host->executor_impl();
  asio::post(exec.strand(), [self = shared_from_this(), ex = std::move(ex), index, slot]() mutable {
    auto* responder = static_cast<sdk::dhcp_responder*>(slot->instance.get());
    if (!responder || slot->host->executor_impl().stopped()) return;
    request_view view(ex, slot->entry.name);
    sdk::dhcp_message reply = ex->skeleton;
    sdk::verdict v = sdk::verdict::drop;
    bool threw = true;
    slot->host->executor_impl().guarded("dhcp-responder", [&] {
      v = responder->handle(view, reply);
      threw = false;
    });
    if (threw) return;  // logged by guarded(); this one packet is dropped
    switch (v) {
      case sdk::verdict::answer:
        asio::post(self->executor().strand(), [self, ex, reply = std::move(reply), name = slot->entry.name]() mutable {
          self->deliver(ex, std::move(reply), name);
        });
        break;
      case sdk::verdict::pass: self->run_chain(std::move(ex), index + 1); break;
      case sdk::verdict::drop:
      case sdk::verdict::defer: break;
    }
  });
}

void service::deliver(const std::shared_ptr<exchange>& ex, sdk::dhcp_message reply, const std::string& responder) {
  if (!socket_ || ex->answered.exchange(true)) return;
  // The responder decides the content; the framework keeps the envelope consistent with the request.
  reply.op = 2;
  reply.xid = ex->request.xid;
  reply.htype = ex->request.htype;
  reply.hlen = ex->request.hlen;
  reply.chaddr = ex->request.chaddr;
  reply.giaddr = ex->request.giaddr;
  // RFC 2131 §4.1: a relayed DHCPNAK carries the broadcast bit so the relay broadcasts it to the client.
  if (reply.type() == sdk::dhcp_message_type::nak && !reply.giaddr.is_unspecified())
    reply.flags |= sdk::dhcp_message::broadcast_flag;
  if (reply.type() == sdk::dhcp_message_type::none) {
    drop("reply-no-type", fmt::format("{} produced a reply without a message type; not sent", responder));
    return;
  }
  encode_report report;
  auto bytes = encode(reply, limits_for(ex->request), &report);
  // RFC 3046 §2.2 requires the echo; when it is impossible the operator must hear of it (the relay may drop
  // the reply, or deliver it without the circuit it needed).
  if (report.relay_info_left_out)
    log_.write_limited(log_level::warn, "relay-info-left-out",
                       fmt::format("{} to {}: relay agent information (opt 82, {} bytes) cannot be echoed: longer "
                                   "than one option or no room within the client's maximum message size",
                                   sdk::to_string(reply.type()), ex->facts.mac.to_string(), report.relay_info_size));
  if (report.file_too_long || report.sname_too_long)
    log_.write_limited(log_level::error, "boot-name-too-long",
                       fmt::format("{} to {}: {} of {} bytes does not fit its BOOTP field ({} bytes with the NUL, RFC "
                                   "2131 §2): sent without it; shorten it in the configuration",
                                   sdk::to_string(reply.type()), ex->facts.mac.to_string(),
                                   report.file_too_long ? "boot file name" : "server name",
                                   report.file_too_long ? report.file_too_long : report.sname_too_long,
                                   report.file_too_long ? 128 : 64));
  if (report.options_left_out)
    log_.write_limited(log_level::debug, "options-left-out",
                       fmt::format("{} to {}: {} option(s) left out: no room within the maximum message size",
                                   sdk::to_string(reply.type()), ex->facts.mac.to_string(), report.options_left_out));
  auto data = std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  // Recorded before the reply leaves: a fast client's first TFTP request must already find what DHCP told
  // it (the pxelinux resolver's server-side mode looks the client up by address).
  sessions_.dhcp_reply(ex->request, ex->facts, reply, responder);
  auto plan = plan_delivery(ex->request, reply);
  plan.to.port = reply.giaddr.is_unspecified() ? client_port_ : relay_port_;
  std::error_code ec;
  bool sent = false;
  if (plan.kind == delivery_kind::unicast_needs_arp) {
    std::string arp_error;
    if (set_arp_entry(socket_->native_handle(), ex->facts.interface, reply.yiaddr, ex->facts.mac, arp_error)) {
      sent = socket_->send_via(data, plan.to, ex->interface_index, ex->server_address, ec);
    } else {
      log_.write_limited(log_level::debug, "arp", fmt::format("cannot add ARP entry for {} ({}); broadcasting",
                                                               reply.yiaddr.to_string(), arp_error));
      plan.to = {sdk::ipv4_address(0xffffffffu), client_port_};
    }
  }
  if (!sent) sent = socket_->send_via(data, plan.to, ex->interface_index, ex->server_address, ec);
  if (!sent) {
    log_.write_limited(log_level::warn, "send", fmt::format("cannot send {} to {}: {}", sdk::to_string(reply.type()),
                                                             plan.to.to_string(), ec.message()));
    return;
  }
  replied_.add();
}

}  // namespace bootfw::dhcp
