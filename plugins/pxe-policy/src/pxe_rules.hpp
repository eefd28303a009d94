// Native boot rules of the pxe-policy plugin (`[[plugin.config.rule]]`), checked before dhcpd.conf.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/dhcp.hpp>

namespace bootfw::plugin_pxe_policy {

/// One rule: every match key given must hold; then its actions apply. Value type, immutable once built.
struct boot_rule {
  std::string name;                          ///< `name`, or "rule[N]"
  std::vector<std::uint16_t> arch;           ///< opt 93 types (RFC 4578 §2.1, IANA registry); any of them
  std::optional<std::string> user_class;     ///< opt 77 text, exact ("iPXE")
  std::optional<std::string> vendor_class_prefix;  ///< opt 60 prefix ("PXEClient")
  std::optional<std::string> mac_prefix;     ///< lower-case, ':'-separated ("52:54:00")
  std::optional<std::string> filename;
  std::optional<sdk::ipv4_address> next_server;
  std::optional<std::string> server_name;
  bool boot = true;

  bool matches(const sdk::client_facts& facts) const;
  /// "arch 7, user_class iPXE" — what the rule tested, for decision.reason.
  std::string describe() const;
};

/// Reads `config.rule` (an array of tables). Throws sdk::config_error with file:line for a bad rule.
std::vector<boot_rule> parse_rules(const sdk::config_view& rules);

/// IANA "Processor Architecture Types" name for an opt 93 value ("EFI x64"), for reasons and logs.
std::string arch_name(std::uint16_t arch);

}  // namespace bootfw::plugin_pxe_policy
