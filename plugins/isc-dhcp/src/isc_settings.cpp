#include "isc_settings.hpp"

namespace bootfw::plugin_isc_dhcp {

isc_settings parse_settings(sdk::host& host, const sdk::config_view& config) {
  config.allow_only({"dhcpd_conf", "authoritative", "offer_hold_seconds", "abandon_lease_seconds"});
  isc_settings s;
  s.dhcpd_conf = config.get_path("dhcpd_conf", "dhcpd.conf");
  if (config["authoritative"].present()) s.authoritative = config.get_bool("authoritative", false);
  s.offer_hold = std::chrono::seconds(config.get_int("offer_hold_seconds", 30, 1, 3600));
  try {
    s.model = std::make_shared<const isc_conf::config_model>(isc_conf::parse_file(s.dhcpd_conf));
  } catch (const isc_conf::parse_error& e) {
    throw sdk::config_error(config["dhcpd_conf"].present() ? config["dhcpd_conf"] : config, e.what());
  }
  s.abandon_time = std::chrono::seconds(config.get_int("abandon_lease_seconds",
                                                       s.model->abandon_lease_time.value_or(86400), 1, 31536000));
  for (const auto& w : s.model->warnings) host.log().warn(w.where.to_string() + ": " + w.message);
  if (s.model->subnets.empty())
    throw sdk::config_error(config, s.dhcpd_conf + ": no subnet declared: this server would answer nobody");
  return s;
}

}  // namespace bootfw::plugin_isc_dhcp
