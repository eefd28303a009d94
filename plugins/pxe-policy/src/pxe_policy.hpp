// The "pxe-policy" boot-policy plugin: native rules first (file order), then the dhcpd.conf classes,
// hosts and scopes (ISC semantics, through bootfw_isc_conf).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <bootfw/isc_conf/isc_conf.hpp>
#include <bootfw/sdk/plugin.hpp>

#include "pxe_rules.hpp"

namespace bootfw::plugin_pxe_policy {

/// Ownership: created and destroyed by bootfw through BOOTFW_PLUGIN.
/// Thread-safety: decide() may run concurrently from any responder: it only reads state that configure()
/// built and never changes afterwards. Lifetime: the dhcpd.conf model lives as long as the instance.
class pxe_policy final : public sdk::boot_policy {
 public:
  void configure(sdk::host& host, const sdk::config_view& config) override;
  sdk::verdict decide(const sdk::client_facts& facts, sdk::boot_decision& decision) override;

  const std::vector<boot_rule>& rules() const noexcept { return rules_; }
  const isc_conf::config_model* model() const noexcept { return model_ ? &*model_ : nullptr; }

 private:
  /// Fills `decision` from dhcpd.conf; returns who decided ("class pxeclients"), or nullopt.
  std::optional<std::string> decide_from_conf(const sdk::client_facts& facts, sdk::boot_decision& decision) const;

  sdk::host* host_ = nullptr;
  std::vector<boot_rule> rules_;
  std::optional<isc_conf::config_model> model_;
  std::string conf_name_;  ///< dhcpd.conf path, for reasons
};

}  // namespace bootfw::plugin_pxe_policy
