// The "pxelinux" config-resolver: answers pxelinux's pxelinux.cfg/<…> requests, passthrough or server-side,
// and generates per-node configs.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <bootfw/sdk/plugin.hpp>

#include "node_config.hpp"
#include "search_order.hpp"

namespace bootfw::pxelinux {

struct pxelinux_settings {
  enum class search_mode { passthrough, server_side };
  search_mode mode = search_mode::passthrough;
  std::string config_directory = "pxelinux.cfg";  ///< relative to the artifact root, no slashes at the ends
  std::vector<node_entry> nodes;
  std::chrono::seconds session{60};  ///< server-side: how long "first request" lasts without a new DHCP ack
};

/// Parses [plugin.config]; throws sdk::config_error naming the file, line and key.
pxelinux_settings parse_pxelinux_settings(const sdk::config_view& config);

/// Ownership: created and destroyed by bootfw through BOOTFW_PLUGIN. Thread-safety: resolve() is called
/// concurrently from transports; the settings are immutable after configure() and the per-client memory of
/// server-side answers is behind a mutex. Lifetime: the plugin's.
class pxelinux_resolver final : public sdk::config_resolver {
 public:
  void configure(sdk::host& host, const sdk::config_view& config) override;
  sdk::verdict resolve(const sdk::resolve_request& request, sdk::resolve_result& result) override;

  const pxelinux_settings& settings() const noexcept { return settings_; }

 private:
  struct answered_client {
    std::chrono::system_clock::time_point acked_at;
    std::chrono::steady_clock::time_point answered_at;
  };

  const node_entry* node_named(const name_facts& facts) const;
  const node_entry* node_for(const client_identity& client) const;
  sdk::verdict generate(const node_entry& node, const sdk::resolve_request& request,
                        const std::optional<sdk::client_record>& record, const client_identity& client,
                        sdk::resolve_result& result, std::string why);
  sdk::verdict search(const std::string& requested, const client_identity& client, sdk::resolve_result& result);
  /// True (and remembered) when this is the client's first config request of its boot.
  bool first_request(sdk::ipv4_address client, const std::optional<sdk::client_record>& record);

  sdk::host* host_ = nullptr;
  pxelinux_settings settings_;
  std::mutex answered_mutex_;
  std::unordered_map<std::uint32_t, answered_client> answered_;  ///< by client address
};

}  // namespace bootfw::pxelinux
