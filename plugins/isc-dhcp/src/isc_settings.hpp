// isc-dhcp configuration: [plugin.config] keys and the parsed dhcpd.conf.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <bootfw/isc_conf/isc_conf.hpp>
#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/host.hpp>

namespace bootfw::plugin_isc_dhcp {

struct isc_settings {
  std::string dhcpd_conf;                 ///< absolute path
  std::optional<bool> authoritative;      ///< overrides dhcpd.conf's `authoritative;` when set
  std::chrono::seconds offer_hold{30};    ///< how long an OFFER reserves its address
  /// How long a DECLINEd address stays abandoned (ISC abandon-lease-time; dhcpd.conf's, else 86400).
  std::chrono::seconds abandon_time{86400};
  /// The lease sweep looks at this many pool addresses per tick, one tick per sweep_interval.
  std::uint32_t sweep_batch = 4096;
  std::chrono::seconds sweep_interval{1};
  std::shared_ptr<const isc_conf::config_model> model;
};

/// Validates everything (unknown keys, ranges, the dhcpd.conf itself); throws sdk::config_error.
/// Parser warnings go to host.log().
isc_settings parse_settings(sdk::host& host, const sdk::config_view& config);

}  // namespace bootfw::plugin_isc_dhcp
