// The "pxelinux" config-resolver: answers pxelinux's pxelinux.cfg/<…> requests, passthrough or server-side,
// and generates per-node configs.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <bootfw/sdk/plugin.hpp>

#include "node_config.hpp"
#include <bootfw/pxelinux_names/search_order.hpp>

namespace bootfw::pxelinux {

struct pxelinux_settings {
  enum class search_mode { passthrough, server_side };
  search_mode mode = search_mode::passthrough;
  std::string config_directory = "pxelinux.cfg";  ///< relative to the artifact root, no slashes at the ends
  std::vector<node_entry> nodes;
  /// Index into `nodes` by MAC (its 48 bits) and by address: lookups per request stay O(1) with thousands of nodes.
  std::unordered_map<std::uint64_t, std::size_t> node_by_mac;
  std::unordered_map<std::uint32_t, std::size_t> node_by_ip;
  std::chrono::seconds session{60};  ///< server-side: how long a boot lasts for a client without a current lease
};

/// Parses [plugin.config]; throws sdk::config_error naming the file, line and key.
pxelinux_settings parse_pxelinux_settings(const sdk::config_view& config);

/// Ownership: created and destroyed by bootfw through BOOTFW_PLUGIN. Thread-safety: resolve() is called
/// concurrently from transports; the settings are immutable after configure() and the per-client memory of
/// server-side answers and of disowned records is behind a mutex. Lifetime: the plugin's.
class pxelinux_resolver final : public sdk::config_resolver {
 public:
  void configure(sdk::host& host, const sdk::config_view& config) override;
  sdk::verdict resolve(const sdk::resolve_request& request, sdk::resolve_result& result) override;

  const pxelinux_settings& settings() const noexcept { return settings_; }

 private:
  struct answered_client {
    /// The ack of the current DHCP record the boot was answered under; none: no usable record.
    std::optional<std::chrono::system_clock::time_point> acked_at;
    std::chrono::steady_clock::time_point answered_at;
  };

  /// The first listed node with this MAC or this address.
  std::optional<std::size_t> node_index(const std::optional<sdk::mac_address>& mac,
                                        const std::optional<sdk::ipv4_address>& ip) const;
  const node_entry* node_named(const name_facts& facts) const;
  const node_entry* node_for(const client_identity& client) const;
  sdk::verdict generate(const node_entry& node, const sdk::resolve_request& request,
                        const std::optional<sdk::client_record>& record, const client_identity& client,
                        sdk::resolve_result& result, std::string why);
  /// Probes the client's search list in `dir` (the directory it asked in) and answers the best existing match.
  sdk::verdict search(const std::string& dir, const std::string& requested, const client_identity& client,
                      sdk::resolve_result& result);
  /// Resets `record` when it does not describe the machine asking from `source`; returns why (empty: kept).
  std::string drop_unusable(std::optional<sdk::client_record>& record, const name_facts& facts,
                            sdk::ipv4_address source);
  /// True (and remembered) when this is the client's first config request of its boot. `record`: a usable one.
  bool first_request(sdk::ipv4_address client, const std::optional<sdk::client_record>& record);

  sdk::host* host_ = nullptr;
  pxelinux_settings settings_;
  std::mutex answered_mutex_;
  std::unordered_map<std::uint32_t, answered_client> answered_;  ///< by client address
  /// By source address: the ack of a current record under which another MAC asked from there.
  std::unordered_map<std::uint32_t, std::chrono::system_clock::time_point> disowned_;
};

}  // namespace bootfw::pxelinux
