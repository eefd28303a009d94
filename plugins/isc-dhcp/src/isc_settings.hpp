// isc-dhcp configuration: [plugin.config] keys and the parsed dhcpd.conf.
#pragma once

#include <chrono>
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
  std::shared_ptr<const isc_conf::config_model> model;
};

/// Validates everything (unknown keys, ranges, the dhcpd.conf itself); throws sdk::config_error.
/// Parser warnings go to host.log().
isc_settings parse_settings(sdk::host& host, const sdk::config_view& config);

}  // namespace bootfw::plugin_isc_dhcp
