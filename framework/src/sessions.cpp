#include "sessions.hpp"

#include <fmt/format.h>

namespace bootfw {

namespace {
// Boot sessions remembered at once: a rack-scale storm, at about 80 bytes a client (0.65 MB).
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
                                "session")),
      table_(capacity) {}

double client_sessions::elapsed(const sdk::mac_address& mac, bool restart) {
  auto now = std::chrono::steady_clock::now();
  auto s = table_.find(mac);
  if (s == client_table::none || restart) {
    table_.start(mac, now);
    return 0;
  }
  return std::chrono::duration<double>(now - table_.started(s)).count();
}

void client_sessions::dhcp_request(const sdk::dhcp_message& request, const sdk::client_facts& facts) {
  std::lock_guard lock(mutex_);
  bool restart = request.type() == sdk::dhcp_message_type::discover && table_.find(facts.mac) == client_table::none;
  const double t = elapsed(facts.mac, restart);
  if (log_.enabled(log_level::info))
    log_.write(log_level::info,
               fmt::format("{} +{:.3f}s {}{}{}", facts.mac.to_string(), t, sdk::to_string(request.type()),
                           facts.vendor_class.empty() ? "" : " vendor=" + facts.vendor_class,
                           facts.relay.is_unspecified() ? "" : " via " + facts.relay.to_string()));
}

void client_sessions::dhcp_reply(const sdk::dhcp_message& request, const sdk::client_facts& facts,
                                 const sdk::dhcp_message& reply, std::string_view responder) {
  std::lock_guard lock(mutex_);
  auto type = reply.type();
  const double t = elapsed(facts.mac, false);
  if (log_.enabled(log_level::info))
    log_.write(log_level::info,
               fmt::format("{} +{:.3f}s {} {}{}{} by {}", facts.mac.to_string(), t, sdk::to_string(type),
                           reply.yiaddr.to_string(), reply.file.empty() ? "" : " file=" + reply.file,
                           reply.siaddr.is_unspecified() ? "" : " next-server=" + reply.siaddr.to_string(), responder));
  if (type == sdk::dhcp_message_type::ack) {
    acks_.add();
    // Time from the client's DISCOVER to its ACK: the DHCP phase of a boot.
    if (auto s = table_.find(facts.mac); s != client_table::none)
      discover_to_ack_ms_.add(std::uint64_t(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - table_.started(s))
              .count()));
  }
  if (type != sdk::dhcp_message_type::ack || reply.yiaddr.is_unspecified()) return;
  sdk::client_record rec;
  rec.mac = facts.mac;
  rec.hardware_type = facts.htype;
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
  auto s = table_.find(facts.mac);  // elapsed() above made sure the client has a session
  if (s == client_table::none) return;
  table_.bind(s, rec);  // another client that had this address before loses it
}

void client_sessions::transfer(std::string_view instance, const sdk::boot_event& e) {
  std::lock_guard lock(mutex_);
  const auto s = table_.find_address(e.client);
  if (s != client_table::none) {
    // A request refused before any transfer (not found, access denied) is reported as a failure with no
    // duration and no start: it is still one request the client made.
    bool refused = e.what == sdk::boot_event::kind::transfer_failed && e.duration.count() == 0 && e.bytes == 0;
    if (e.what == sdk::boot_event::kind::transfer_started || refused) table_.count_transfer_request(s);
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
  if (!log_.enabled(e.what == k::transfer_started ? log_level::debug : log_level::info)) return;
  // Who and when, for the log line only: the client's MAC and session time when DHCP told us of it.
  std::string who = e.client.to_string();
  std::string t;
  if (s != client_table::none) {
    const auto mac = table_.mac(s);
    who = mac.to_string();
    t = fmt::format("+{:.3f}s ", elapsed(mac, false));
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
  return table_.record(address);
}

std::size_t client_sessions::transfer_requests(sdk::ipv4_address address) const {
  std::lock_guard lock(mutex_);
  auto s = table_.find_address(address);
  return s == client_table::none ? 0 : table_.transfer_requests(s);
}

}  // namespace bootfw
