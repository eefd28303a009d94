// Per-node pxelinux configs generated on the fly from [[plugin.config.node]] tables, with variables so one
// `append` line serves every node: ${ip} ${hostname} ${server} ${netmask} ${mac} ${gateway}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/net.hpp>

namespace bootfw::pxelinux {

/// One [[plugin.config.node]] table. Value type, immutable after configure.
struct node_entry {
  std::optional<sdk::mac_address> mac;
  std::optional<sdk::ipv4_address> ip;
  std::string hostname;  ///< overrides the DHCP host name for ${hostname}
  std::string kernel;
  std::string initrd;
  std::string append;
  /// "08:00:07:26:c0:a5" or "192.168.24.203", for reasons and comments.
  std::string label() const { return mac ? mac->to_string() : ip ? ip->to_string() : "?"; }
};

/// The values substituted into a node's kernel, initrd and append. Empty: unknown for this client.
struct node_values {
  std::string ip, hostname, server, netmask, mac, gateway;
};

/// The variable names a template may use.
bool is_known_variable(std::string_view name) noexcept;

/// Parses one node table; throws sdk::config_error naming the file, line and key.
node_entry parse_node(const sdk::config_view& table);

/// Replaces ${name} in `text`; names whose value is empty are appended to `unknown`.
std::string expand(std::string_view text, const node_values& values, std::vector<std::string>& unknown);

/// The pxelinux config served to the node (syslinux config syntax, one LABEL, no prompt).
std::string render_config(const node_entry& node, const node_values& values, std::string_view generated_by,
                          std::vector<std::string>& unknown);

/// A client-supplied value (DHCP host name …) is used only if it cannot break the config line it lands in.
std::string safe_value(std::string_view text);

}  // namespace bootfw::pxelinux
