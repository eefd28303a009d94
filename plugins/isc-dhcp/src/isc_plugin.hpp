// isc-dhcp: the dhcp-responder plugin (lifecycle; the protocol lives in isc_responder).
#pragma once

#include <memory>

#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/plugin.hpp>

#include "isc_responder.hpp"
#include "isc_settings.hpp"

namespace bootfw::plugin_isc_dhcp {

class isc_dhcp_plugin final : public sdk::dhcp_responder {
 public:
  void configure(sdk::host& host, const sdk::config_view& config) override;
  /// Opens the lease store in host.state_directory() (throws if another instance holds it).
  void start() override;
  void stop() noexcept override;
  sdk::verdict handle(sdk::dhcp_request& request, sdk::dhcp_message& reply) override;

  /// For tests: the store while started.
  leases::lease_store* store() noexcept { return store_.get(); }
  /// For tests: the journal's system calls (e.g. a write that fails with ENOSPC). Before start().
  void use_file_ops(leases::file_ops ops) { file_ops_ = std::move(ops); }

 private:
  sdk::host* host_ = nullptr;
  isc_settings settings_;
  leases::file_ops file_ops_;
  std::unique_ptr<leases::lease_store> store_;
  std::unique_ptr<isc_responder> responder_;
};

}  // namespace bootfw::plugin_isc_dhcp
