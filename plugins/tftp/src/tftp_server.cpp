#include "tftp_server.hpp"

#include <fmt/format.h>

namespace bootfw::plugin_tftp {
namespace {

constexpr std::chrono::seconds fallback_lifetime{60};
constexpr std::size_t max_fallbacks = 4096;

std::string option_names(const std::vector<request_option>& options) {
  std::string out;
  for (const auto& o : options) out += (out.empty() ? "" : ",") + o.name;
  return out;
}

/// The address a transfer socket binds to: where the request arrived, or the interface's own address when
/// the request was broadcast (a reply must come from a unicast address the client can answer).
sdk::ipv4_address transfer_address(const sdk::datagram_info& info) noexcept {
  if (!info.local_address.is_unspecified() && !info.local_address.is_broadcast()) return info.local_address;
  return info.interface_address;
}

std::string describe(const request& req, const negotiated_options& opts) {
  std::string out = fmt::format("{}, blksize {}", to_string(req.mode), opts.blksize);
  if (opts.windowsize > 1) out += fmt::format(", windowsize {}", opts.windowsize);
  if (opts.timeout) out += fmt::format(", timeout {}s", opts.timeout->count());
  if (opts.acknowledged.empty() && !req.options.empty()) out += ", options ignored";
  return out;
}

}  // namespace

tftp_server::tftp_server(sdk::host& host, tftp_settings settings, socket_opener open_socket)
    : host_(host),
      settings_(std::move(settings)),
      open_socket_(std::move(open_socket)),
      transfers_(host.metrics().make_counter("tftp_transfers_total", "TFTP transfers completed")),
      bytes_(host.metrics().make_counter("tftp_bytes_sent_total", "File bytes acknowledged by TFTP clients")),
      errors_(host.metrics().make_counter("tftp_errors_total", "TFTP requests refused and transfers failed")),
      dropped_(host.metrics().make_counter("tftp_requests_dropped_total",
                                           "TFTP requests dropped by the session and rate limits")),
      active_(host.metrics().make_gauge("tftp_active_sessions", "TFTP transfers in progress")) {}

tftp_server::~tftp_server() { stop(); }

void tftp_server::stop() noexcept {
  auto live = std::move(sessions_);
  sessions_.clear();
  by_request_.clear();
  sessions_per_client_.clear();
  boot_order_.clear();
  update_pacing();
  const auto now = host_.now();
  for (auto& [raw, entry] : live) {
    sdk::boot_event ev;
    ev.what = sdk::boot_event::kind::transfer_failed;
    ev.client = entry.session->config().client.address;
    ev.file = entry.session->config().file;
    ev.duration = now - entry.started;
    ev.detail = "server stopping";
    host_.record(ev);
  }
  active_.add(-std::int64_t(live.size()));
  live.clear();  // destroys sockets and timers: no callback runs afterwards
  retired_.clear();
}

void tftp_server::refuse(sdk::udp_socket& listener, const sdk::udp_endpoint& to, error_code code,
                         std::string_view message, std::string_view log_detail) {
  errors_.add();
  std::error_code ec;
  listener.send_to(build_error(code, message), to, ec);
  host_.log().write_limited(sdk::log_level::info, "tftp-refused",
                            fmt::format("refused request from {}: ERROR {} {}{}", to.to_string(), unsigned(code),
                                        message, log_detail.empty() ? "" : fmt::format(" ({})", log_detail)));
}

void tftp_server::on_request(std::span<const std::byte> data, const sdk::datagram_info& info,
                             sdk::udp_socket& listener) {
  const auto& from = info.source;
  // Nobody can answer a reply to these; never reflect traffic towards them.
  if (from.port == 0 || from.address.is_unspecified() || from.address.is_broadcast()) return;
  auto op = peek_opcode(data);
  if (!op) {
    if (data.size() >= 2) refuse(listener, from, error_code::illegal_operation, "Illegal TFTP operation", "");
    return;
  }
  if (*op == opcode::error) return;  // RFC 1350 §7: errors are never answered
  if (*op == opcode::wrq) {
    // Uploads are not supported (README): RFC 1350 §5 ERROR 2, access violation.
    refuse(listener, from, error_code::access_violation, "uploads are disabled", "write request");
    return;
  }
  if (*op != opcode::rrq) {
    refuse(listener, from, error_code::illegal_operation, "Illegal TFTP operation", "not a request");
    return;
  }
  auto parsed = parse_request(data);
  if (!parsed.ok()) {
    refuse(listener, from, parsed.error.code, parsed.error.message, "");
    return;
  }
  request req = std::move(*parsed.value);

  // The same endpoint asking for the same file again while a transfer of it is running. Only the same
  // address *and* port: many clients may share one address (a NAT, a relay, a test rig) and fetch the same
  // file at once. A ROM that retries from a new port leaves its first attempt to time out, which records
  // the failed handshake for the fallback below.
  // Under load such a request is often a copy of the one that started the transfer: the client resent its
  // RRQ (RFC 1350 §2: on its timeout) while the first waited in our queue, and the copy is read after the
  // transfer began. It must not end a transfer the client is acknowledging, nor the OACK it crossed.
  const auto now = host_.now();
  std::vector<tftp_session*> same_file;
  for (auto [it, end] = by_request_.equal_range({from.address.to_uint(), req.filename}); it != end; ++it)
    if (it->second->config().client == from) same_file.push_back(it->second);
  bool oack_unanswered = false;
  for (tftp_session* existing : same_file) {
    if (auto heard = existing->last_heard(); heard && now - *heard < existing->timeout())
      return;  // the client is acknowledging that transfer
    if (existing->awaiting_option_ack()) {
      if (now - existing->began_at() < oack_crossing_window) return;  // sent before our OACK reached it
      oack_unanswered = true;
    } else {
      if (existing->before_first_ack()) return;  // a retransmitted RRQ: the session retransmits on its timer
      existing->abandon("client restarted the transfer");
    }
  }
  if (oack_unanswered) {
    // Some PXE ROMs do not understand an OACK and just repeat their RRQ: this retry is served without options
    // (RFC 2347 lets the server ignore them). The first attempt stays open: a slow client may still
    // acknowledge its OACK (RFC 1350 §4: its TID is fixed by our first reply) and then answers the new
    // transfer with ERROR 5, which ends that one; a ROM that ignores the OACK lets the first time out.
    remember_fallback(from.address, req.filename, option_names(req.options));
    host_.log().debug(fmt::format("{} repeated its request for {} instead of acknowledging the OACK: served "
                                  "without options, the first attempt stays open",
                                  from.to_string(), req.filename));
  }
  if (!admit(from)) return;
  start_transfer(std::move(req), info, listener);
}

bool tftp_server::admit(const sdk::udp_endpoint& client) {
  const auto now = host_.now();
  if (now < paused_until_) {
    drop(client, "new sessions are paused (max_new_sessions_per_second exceeded)");
    return false;
  }
  if (sessions_.size() >= settings_.max_sessions) {
    drop(client, fmt::format("{} sessions in progress (max_sessions)", sessions_.size()));
    return false;
  }
  auto per_client = sessions_per_client_.find(client.address.to_uint());
  if (per_client != sessions_per_client_.end() && per_client->second >= settings_.max_sessions_per_client) {
    drop(client, fmt::format("{} sessions from this client (max_sessions_per_client)", per_client->second));
    return false;
  }
  if (settings_.max_new_sessions_per_second != 0) {
    if (now - rate_window_start_ >= std::chrono::seconds(1)) {
      rate_window_start_ = now;
      rate_window_count_ = 0;
    }
    if (rate_window_count_ >= settings_.max_new_sessions_per_second) {
      // Like xinetd's "cps = N P": past N new sessions in a second, accept none for P seconds.
      paused_until_ = now + settings_.pause;
      host_.log().write_limited(sdk::log_level::warn, "tftp-rate",
                                fmt::format("more than {} new sessions per second: pausing new sessions for {} s",
                                            settings_.max_new_sessions_per_second, settings_.pause.count()));
      drop(client, "max_new_sessions_per_second exceeded");
      return false;
    }
    ++rate_window_count_;
  }
  return true;
}

void tftp_server::drop(const sdk::udp_endpoint& client, std::string_view why) {
  // No reply: like xinetd, a refused client simply retransmits its RRQ later.
  dropped_.add();
  host_.log().write_limited(sdk::log_level::warn, "tftp-limit",
                            fmt::format("dropped a request from {}: {}", client.to_string(), why));
}

bool tftp_server::apply_fallback(sdk::ipv4_address client, const std::string& file,
                                 std::vector<request_option>& options) {
  if (options.empty()) return false;
  auto it = fallbacks_.find({client.to_uint(), file});
  if (it == fallbacks_.end()) return false;
  bool applies = it->second.expires > host_.now() && it->second.option_names == option_names(options);
  fallbacks_.erase(it);
  if (applies) options.clear();
  return applies;
}

void tftp_server::remember_fallback(sdk::ipv4_address client, const std::string& file, std::string names) {
  const auto now = host_.now();
  if (fallbacks_.size() >= max_fallbacks) std::erase_if(fallbacks_, [&](const auto& f) { return f.second.expires <= now; });
  if (fallbacks_.size() >= max_fallbacks) return;  // bounded memory under a flood of failing clients
  fallbacks_[{client.to_uint(), file}] = {std::move(names), now + fallback_lifetime};
}

void tftp_server::start_transfer(request req, const sdk::datagram_info& info, sdk::udp_socket& listener) {
  const auto& from = info.source;
  const auto local = transfer_address(info);

  sdk::resolve_outcome resolved;
  auto client_info = host_.find_client(from.address);
  sdk::resolve_request rr;
  rr.path = req.filename;
  rr.transport = "tftp";
  rr.client = from;
  rr.server_address = local;
  rr.client_info = client_info ? &*client_info : nullptr;
  try {
    resolved = host_.resolve(rr);
  } catch (const std::exception& e) {
    resolved.opened = nullptr;
    resolved.error = sdk::open_error::io_error;
    resolved.message = e.what();
  }
  if (!resolved.opened) {
    auto err = resolved.error == sdk::open_error::none ? sdk::open_error::not_found : resolved.error;
    sdk::boot_event ev;
    ev.what = sdk::boot_event::kind::transfer_failed;
    ev.client = from.address;
    ev.file = req.filename;
    // The file is named by the event already: "not found" says it all; a refusal keeps who refused and why.
    ev.detail = err == sdk::open_error::not_found || resolved.message.empty() ? std::string(to_string(err))
                                                                                : resolved.message;
    host_.record(ev);
    // RFC 1350 §5 error codes.
    switch (err) {
      case sdk::open_error::not_found:
        refuse(listener, from, error_code::file_not_found, "File not found", req.filename);
        break;
      case sdk::open_error::access_denied:
      case sdk::open_error::invalid_name:
        refuse(listener, from, error_code::access_violation, "Access violation", ev.detail);
        break;
      default:
        refuse(listener, from, error_code::not_defined, to_string(err), ev.detail);
        break;
    }
    return;
  }

  const bool fell_back = apply_fallback(from.address, req.filename, req.options);
  const std::string requested_names = option_names(req.options);
  negotiation_limits limits;
  limits.max_blksize =
      settings_.max_blksize ? settings_.max_blksize : blksize_for_mtu(host_.interface_mtu(info.interface_index));
  limits.max_windowsize = settings_.max_windowsize;
  limits.max_window_bytes = settings_.max_window_bytes;
  std::optional<std::uint64_t> tsize;
  if (req.mode == transfer_mode::octet) tsize = resolved.opened->size();
  auto options = negotiate(req.options, limits, tsize);

  sdk::udp_options uo;
  uo.bind = {local, 0};  // RFC 1350 §4: a fresh ephemeral port is this transfer's TID
  uo.interface = settings_.interface;
  uo.peer = from;  // the route is looked up once, not per block; a wrong TID still reaches the session
  std::error_code ec;
  auto socket = open_socket_(uo, ec);
  if (!socket) {
    host_.log().write_limited(sdk::log_level::error, "tftp-socket",
                              fmt::format("cannot open a transfer socket on {}: {}", local.to_string(), ec.message()));
    refuse(listener, from, error_code::not_defined, "server cannot open a transfer socket", ec.message());
    return;
  }

  std::string detail = describe(req, options);
  if (fell_back) detail += ", options dropped after a failed OACK handshake";
  if (!resolved.decided_by.empty()) detail += ", via " + resolved.decided_by;
  host_.log().write_limited(sdk::log_level::debug, "tftp-rrq",
                            fmt::format("RRQ from {} for {} ({})", from.to_string(), req.filename, detail));

  session_config sc;
  sc.client = from;
  sc.file = req.filename;
  sc.mode = req.mode;
  sc.options = std::move(options);
  sc.timeout = settings_.timeout;
  sc.retries = settings_.retries;
  // The boot order: a node that got its DHCP ACK earlier started booting earlier.
  const auto boot_began = client_info && client_info->acked_at.time_since_epoch().count() != 0
                              ? client_info->acked_at
                              : host_.wall_now();
  const order_key order{boot_began.time_since_epoch().count(), next_order_++};
  if (settings_.fast_transfers != 0) {
    sc.full_speed = [this, order] { return order <= fast_limit_; };
    sc.pause = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(200), sc.timeout / 5);
  }
  auto session = std::make_unique<tftp_session>(
      host_, std::move(socket), std::move(resolved.opened), std::move(sc),
      [this, names = requested_names](tftp_session& s, const session_outcome& o) {
        if (o.option_handshake_failed && !names.empty())
          remember_fallback(s.config().client.address, s.config().file, names);
        on_session_finished(s, o);
      },
      scratch_);
  tftp_session* raw = session.get();
  auto key = std::make_pair(from.address.to_uint(), req.filename);
  sessions_.emplace(raw, live_session{std::move(session), host_.now(), key, order});
  active_.add(std::int64_t(1));  // add, not set: during a reload two generations share the series
  boot_order_.insert(order);
  update_pacing();
  by_request_.emplace(std::move(key), raw);
  ++sessions_per_client_[from.address.to_uint()];

  sdk::boot_event ev;
  ev.what = sdk::boot_event::kind::transfer_started;
  ev.client = from.address;
  ev.file = req.filename;
  ev.detail = std::move(detail);
  host_.record(ev);
  raw->begin();
}

void tftp_server::update_pacing() {
  const std::size_t fast = settings_.fast_transfers;
  if (fast == 0 || boot_order_.size() <= fast) {
    fast_limit_ = {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::uint64_t>::max()};
    return;
  }
  fast_limit_ = *std::next(boot_order_.begin(), std::ptrdiff_t(fast - 1));
}

void tftp_server::on_session_finished(tftp_session& session, const session_outcome& outcome) {
  auto it = sessions_.find(&session);
  if (it == sessions_.end()) return;
  live_session entry = std::move(it->second);
  sessions_.erase(it);
  boot_order_.erase(entry.order);
  update_pacing();
  for (auto [r, end] = by_request_.equal_range(entry.request_key); r != end; ++r) {
    if (r->second == &session) {
      by_request_.erase(r);
      break;
    }
  }
  const auto& cfg = session.config();
  if (auto c = sessions_per_client_.find(cfg.client.address.to_uint()); c != sessions_per_client_.end())
    if (--c->second == 0) sessions_per_client_.erase(c);
  active_.add(std::int64_t(-1));

  sdk::boot_event ev;
  ev.what = outcome.success ? sdk::boot_event::kind::transfer_done : sdk::boot_event::kind::transfer_failed;
  ev.client = cfg.client.address;
  ev.file = cfg.file;
  ev.bytes = outcome.bytes;
  ev.duration = host_.now() - entry.started;
  ev.detail = outcome.detail;
  host_.record(ev);
  bytes_.add(outcome.bytes);
  if (outcome.success) {
    transfers_.add();
    host_.log().write_limited(sdk::log_level::info, "tftp-done",
                              fmt::format("sent {} to {} ({} bytes)", cfg.file, cfg.client.to_string(), outcome.bytes));
  } else {
    errors_.add();
    host_.log().write_limited(sdk::log_level::info, "tftp-failed",
                              fmt::format("transfer of {} to {} failed after {} bytes: {}", cfg.file,
                                          cfg.client.to_string(), outcome.bytes, outcome.detail));
  }
  retire(std::move(entry.session));
}

void tftp_server::retire(std::unique_ptr<tftp_session> session) {
  // We are inside the session's own socket or timer callback: destroy it later, from a posted task.
  retired_.push_back(std::move(session));
  if (cleanup_posted_) return;
  cleanup_posted_ = true;
  host_.exec().post([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    cleanup_posted_ = false;
    retired_.clear();
  });
}

}  // namespace bootfw::plugin_tftp
