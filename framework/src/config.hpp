// plugins.toml: the server's configuration and the read-only views handed to plugins.
//
//   [server]                       interfaces, threads, log_level, state_directory, metrics_address,
//                                  plugin_directory, reload_drain_seconds
//   [server.dhcp]                  enabled, address, port, client_port, relay_port
//   [server.ipv6_ra]               enabled ("auto" | true | false), quiet_seconds, router_lifetime, managed,
//                                  other_config (framework/src/ra/README.md)
//   [[plugin]]                     name, kind, library, [plugin.config] (order = chain order)
//
// Every error names file:line:column and the key; unknown keys and wrong types are errors.
#pragma once

#include <bootfw/sdk/abi.hpp>
#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/host.hpp>
#include <bootfw/sdk/net.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bootfw {

/// A configuration error; what() is "file:line:col: key: message".
class config_file_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The parsed [plugin.config] subtree, owning its toml document nodes.
class plugin_config_tree;

struct plugin_entry {
  std::string name;              ///< instance name (unique)
  sdk::plugin_kind kind{};
  std::string library;           ///< as written
  std::string library_path;      ///< resolved path, or "builtin:<name>"
  std::string where;             ///< file:line:col of the [[plugin]] entry
  std::shared_ptr<const sdk::config_view> config;  ///< [plugin.config] (a missing node when absent)
};

/// [server.ipv6_ra]: the IPv6 router-advertisement responder (framework/src/ra/).
struct ipv6_ra_config {
  enum class mode { automatic, on, off };
  mode enabled = mode::automatic;  ///< automatic: with the DHCP service, a socket failure is only a warning
  std::chrono::seconds quiet{1800};  ///< silent on a link this long after another router's RA
  std::uint16_t router_lifetime = 0;  ///< RFC 4861 §4.2; 0 = not a default router
  bool managed = false;               ///< M flag
  bool other_config = false;          ///< O flag
  bool operator==(const ipv6_ra_config&) const = default;
};

struct server_config {
  std::string file;              ///< absolute path of plugins.toml
  std::string base_directory;    ///< its directory
  std::vector<std::string> interfaces;
  unsigned threads = 2;
  sdk::log_level log_level = sdk::log_level::info;
  std::string state_directory = "/var/lib/bootfw";
  std::optional<sdk::udp_endpoint> metrics_address;
  std::string plugin_directory;  ///< where bare library names are looked up
  /// How long a reload lets the previous tftp-transports finish their transfers (0: end them at once).
  std::chrono::seconds reload_drain{60};
  bool dhcp_enabled = true;
  sdk::udp_endpoint dhcp_listen{sdk::ipv4_address(), 67};
  std::uint16_t dhcp_client_port = 68;  ///< RFC 2131 §4.1; configurable for labs and tests only
  std::uint16_t dhcp_relay_port = 67;
  ipv6_ra_config ipv6_ra;
  std::vector<plugin_entry> plugins;
};

/// Parses and validates plugins.toml (syntax, keys, types, duplicate names, library files exist).
/// `default_plugin_dir` is used when [server].plugin_directory is not set.
server_config load_server_config(const std::string& path, const std::string& default_plugin_dir);
/// Same, from text (tests); `path` names the file in messages and sets the base directory.
server_config parse_server_config(const std::string& text, const std::string& path,
                                  const std::string& default_plugin_dir);

}  // namespace bootfw
