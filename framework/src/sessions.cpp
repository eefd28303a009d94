#include "sessions.hpp"

#include <fmt/format.h>

namespace bootfw {

namespace {
// Boot sessions remembered at once: a rack-scale storm, at about 300 bytes a client (2.5 MB).
constexpr std::size_t capacity = 8192;

std::string kib(std::uint64_t bytes) {
  return bytes >= 10 * 1024 ? fmt::format("{} KiB", bytes / 1024) : fmt::format("{} B", bytes);
}
}  // namespace

client_sessions::client_sessions(log_sink& sink, metrics_store& metrics)
    : log_(sink, "session"),
      metrics_(metrics),
      acks_(metrics.counter("session_dhcp_acks_total", "DHCPACKs delivered", "session")),
      discover_to_ack_ms_(metrics.counter("session_discover_to_ack_milliseconds_total",
                                          "DHCP phase of boots, DISCOVER to ACK, summed", "session")),
      requests_(metrics.counter("session_transfer_requests_total", "transfer requests (RRQs) seen", "session")),
      transfers_(metrics.counter("session_transfers_total", "transfers completed", "session")),
      transfer_bytes_(metrics.counter("session_transfer_bytes_total", "bytes of completed transfers", "session")),
      transfer_ms_(metrics.counter("session_transfer_milliseconds_total", "time in completed transfers, summed",
                                   "session")),
      failures_(metrics.counter("session_transfer_failures_total", "transfer requests refused or aborted",
                                "session")) {}

std::string client_sessions::elapsed(const sdk::mac_address& mac, bool restart) {
  auto now = std::chrono::steady_clock::now();
  auto it = sessions_.find(mac);
  if (it == sessions_.end() || restart) {
    auto& s = sessions_[mac];
    s.started = now;
    s.rrqs = 0;
    s.sequence = ++next_sequence_;
    order_.emplace_back(mac, s.sequence);
    evict_oldest();
    return "+0.000s";
  }
  auto d = std::chrono::duration<double>(now - it->second.started).count();
  return fmt::format("+{:.3f}s", d);
}

void client_sessions::dhcp_request(const sdk::dhcp_message& request, const sdk::client_facts& facts) {
  std::lock_guard lock(mutex_);
  bool restart = request.type() == sdk::dhcp_message_type::discover && !sessions_.count(facts.mac);
  auto t = elapsed(facts.mac, restart);
  if (log_.enabled(log_level::info))
    log_.write(log_level::info, fmt::format("{} {} {}{}{}", facts.mac.to_string(), t, sdk::to_string(request.type()),
                                            facts.vendor_class.empty() ? "" : " vendor=" + facts.vendor_class,
                                            facts.relay.is_unspecified() ? "" : " via " + facts.relay.to_string()));
}

void client_sessions::dhcp_reply(const sdk::dhcp_message& request, const sdk::client_facts& facts,
                                 const sdk::dhcp_message& reply, std::string_view responder) {
  std::lock_guard lock(mutex_);
  auto type = reply.type();
  auto t = elapsed(facts.mac, false);
  log_.write(log_level::info, fmt::format("{} {} {} {}{}{} by {}", facts.mac.to_string(), t, sdk::to_string(type),
                                          reply.yiaddr.to_string(),
                                          reply.file.empty() ? "" : " file=" + reply.file,
                                          reply.siaddr.is_unspecified() ? "" : " next-server=" + reply.siaddr.to_string(),
                                          responder));
  if (type == sdk::dhcp_message_type::ack) {
    acks_.add();
    // Time from the client's DISCOVER to its ACK: the DHCP phase of a boot.
    if (auto it = sessions_.find(facts.mac); it != sessions_.end())
      discover_to_ack_ms_.add(std::uint64_t(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - it->second.started)
              .count()));
  }
  if (type != sdk::dhcp_message_type::ack || reply.yiaddr.is_unspecified()) return;
  sdk::client_record rec;
  rec.mac = facts.mac;
  rec.address = reply.yiaddr;
  rec.netmask = reply.options.get_address(sdk::dhcp_option::subnet_mask).value_or(facts.interface_netmask);
  if (auto r = reply.options.find(sdk::dhcp_option::router); r && r->size() >= 4)
    rec.router = sdk::ipv4_address((*r)[0], (*r)[1], (*r)[2], (*r)[3]);
  rec.server = reply.siaddr.is_unspecified()
                   ? reply.options.get_address(sdk::dhcp_option::server_identifier).value_or(facts.interface_address)
                   : reply.siaddr;
  rec.host_name = reply.options.get_string(sdk::dhcp_option::host_name).value_or("");
  rec.uuid = facts.uuid;
  rec.architectures = facts.architectures;
  rec.acked_at = std::chrono::system_clock::now();
  rec.lease_seconds = reply.options.get_u32(sdk::dhcp_option::lease_time).value_or(0);
  auto it = sessions_.find(facts.mac);  // elapsed() above made sure the client has a session
  if (it == sessions_.end()) return;
  if (it->second.address && it->second.address != rec.address.to_uint()) by_address_.erase(it->second.address);
  it->second.address = rec.address.to_uint();
  // Another client that had this address before loses it.
  if (auto prev = by_address_.find(it->second.address); prev != by_address_.end() && prev->second.mac != facts.mac)
    if (auto other = sessions_.find(prev->second.mac); other != sessions_.end()) other->second.address = 0;
  by_address_[it->second.address] = std::move(rec);
}

void client_sessions::evict_oldest() {
  while (sessions_.size() > capacity && !order_.empty()) {
    auto [mac, sequence] = order_.front();
    order_.pop_front();
    auto it = sessions_.find(mac);
    if (it == sessions_.end() || it->second.sequence != sequence) continue;  // restarted since: newer entry
    if (it->second.address) by_address_.erase(it->second.address);
    sessions_.erase(it);
  }
  // Restarted sessions leave stale entries behind: rebuild the queue from the live ones now and then.
  if (order_.size() > 2 * capacity) {
    std::deque<std::pair<sdk::mac_address, std::uint64_t>> live;
    for (auto& entry : order_)
      if (auto it = sessions_.find(entry.first); it != sessions_.end() && it->second.sequence == entry.second)
        live.push_back(entry);
    order_ = std::move(live);
  }
}

void client_sessions::transfer(std::string_view instance, const sdk::boot_event& e) {
  std::lock_guard lock(mutex_);
  std::string who = e.client.to_string();
  std::string t;
  if (auto it = by_address_.find(e.client.to_uint()); it != by_address_.end()) {
    who = it->second.mac.to_string();
    t = elapsed(it->second.mac, false) + " ";
    // A request refused before any transfer (not found, access denied) is reported as a failure with no
    // duration and no start: it is still one request the client made.
    bool refused = e.what == sdk::boot_event::kind::transfer_failed && e.duration.count() == 0 && e.bytes == 0;
    if (e.what == sdk::boot_event::kind::transfer_started || refused) ++sessions_[it->second.mac].rrqs;
  }
  using k = sdk::boot_event::kind;
  auto ms = std::chrono::duration<double, std::milli>(e.duration).count();
  switch (e.what) {
    case k::transfer_started: requests_.add(); break;
    case k::transfer_done:
      transfers_.add();
      transfer_bytes_.add(e.bytes);
      transfer_ms_.add(std::uint64_t(ms));
      break;
    case k::transfer_failed: failures_.add(); break;
  }
  switch (e.what) {
    case k::transfer_started:
      log_.write(log_level::debug, fmt::format("{} {}RRQ {} {} [{}]", who, t, e.file, e.detail, instance));
      break;
    case k::transfer_done:
      log_.write(log_level::info,
                 fmt::format("{} {}sent {} {} in {:.0f} ms{} [{}]", who, t, e.file, kib(e.bytes), ms,
                             e.detail.empty() ? "" : " (" + e.detail + ")", instance));
      break;
    case k::transfer_failed:
      log_.write(log_level::info, fmt::format("{} {}failed {}: {} [{}]", who, t, e.file, e.detail, instance));
      break;
  }
}

std::optional<sdk::client_record> client_sessions::find(sdk::ipv4_address address) const {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(address.to_uint());
  if (it == by_address_.end()) return std::nullopt;
  return it->second;
}

std::size_t client_sessions::transfer_requests(sdk::ipv4_address address) const {
  std::lock_guard lock(mutex_);
  auto it = by_address_.find(address.to_uint());
  if (it == by_address_.end()) return 0;
  auto s = sessions_.find(it->second.mac);
  return s == sessions_.end() ? 0 : s->second.rrqs;
}

}  // namespace bootfw
