// The "tftp" tftp-transport plugin: configuration, the listening socket and the server's lifetime.
#pragma once

#include <memory>
#include <optional>

#include <bootfw/sdk/plugin.hpp>

#include "tftp_server.hpp"
#include "tftp_settings.hpp"

namespace bootfw::plugin_tftp {

/// Ownership: created and destroyed by bootfw through BOOTFW_PLUGIN. Thread-safety: bootfw serialises every
/// call on the instance's executor. Lifetime: sockets exist between start() and stop() only.
class tftp_transport_plugin final : public sdk::tftp_transport {
 public:
  void configure(sdk::host& host, const sdk::config_view& config) override;
  void start() override;
  void stop() noexcept override;
  /// Reload: closes the listening socket (the new instance binds the port), keeps the transfers.
  bool drain() noexcept override;
  bool idle() const noexcept override { return !server_ || server_->active_sessions() == 0; }

  /// For tests: replaces host.exec().open_udp for every socket (listening and transfers).
  void set_socket_opener(socket_opener opener) { opener_ = std::move(opener); }
  const tftp_settings& settings() const noexcept { return settings_; }
  tftp_server* server() noexcept { return server_.get(); }

 private:
  sdk::host* host_ = nullptr;
  tftp_settings settings_;
  socket_opener opener_;
  std::unique_ptr<sdk::udp_socket> listener_;
  std::unique_ptr<tftp_server> server_;
};

}  // namespace bootfw::plugin_tftp
