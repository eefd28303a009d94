#include "tftp_plugin.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace bootfw::plugin_tftp {

void tftp_transport_plugin::configure(sdk::host& host, const sdk::config_view& config) {
  // Validate fully before keeping anything: a rejected reload leaves the running configuration alone.
  auto settings = parse_settings(config);
  host_ = &host;
  settings_ = std::move(settings);
}

void tftp_transport_plugin::start() {
  if (!host_) throw std::logic_error("tftp: start() before configure()");
  socket_opener opener = opener_;
  if (!opener) {
    opener = [this](const sdk::udp_options& o, std::error_code& ec) { return host_->exec().open_udp(o, ec); };
  }
  sdk::udp_options listen;
  listen.bind = {settings_.address, settings_.port};
  listen.interface = settings_.interface;
  // No SO_REUSEADDR: another TFTP server on this port must make start() fail, not share the port and take
  // the requests (Linux hands a shared UDP port to the newest socket).
  // A boot storm arrives as a burst of RRQs on this one socket: give the kernel room to queue them
  // (capped by net.core.rmem_max).
  listen.receive_buffer = 1u << 20;
  std::error_code ec;
  auto listener = opener(listen, ec);
  if (!listener) {
    throw std::runtime_error(fmt::format("cannot listen on {}{}: {}", listen.bind.to_string(),
                                         settings_.interface.empty() ? "" : " (" + settings_.interface + ")",
                                         ec.message()));
  }
  server_ = std::make_unique<tftp_server>(*host_, settings_, std::move(opener));
  listener_ = std::move(listener);
  listener_->start_receive([this](std::span<const std::byte> data, const sdk::datagram_info& info) {
    if (server_) server_->on_request(data, info, *listener_);
  });
  host_->log().info(fmt::format("serving TFTP on {}{}", listener_->local_endpoint().to_string(),
                                settings_.interface.empty() ? "" : " (" + settings_.interface + ")"));
}

bool tftp_transport_plugin::drain() noexcept {
  if (!listener_) return false;
  const auto where = listener_->local_endpoint();
  listener_->close();
  listener_.reset();
  const std::size_t n = server_ ? server_->active_sessions() : 0;
  if (n == 0) return false;  // nothing to wait for: bootfw stops this instance now
  try {
    host_->log().info(fmt::format("reload: stopped listening on {}; {} transfer(s) in progress go on",
                                  where.to_string(), n));
  } catch (...) {
  }
  return true;
}

void tftp_transport_plugin::stop() noexcept {
  if (listener_) listener_->close();
  listener_.reset();
  try {
    if (server_ && server_->active_sessions())
      host_->log().info(fmt::format("stopping: {} transfer(s) in progress end", server_->active_sessions()));
  } catch (...) {
  }
  if (server_) server_->stop();
  server_.reset();
}

}  // namespace bootfw::plugin_tftp
