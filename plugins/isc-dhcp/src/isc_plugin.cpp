#include "isc_plugin.hpp"

#include <stdexcept>

namespace bootfw::plugin_isc_dhcp {

void isc_dhcp_plugin::configure(sdk::host& host, const sdk::config_view& config) {
  auto s = parse_settings(host, config);  // validate fully before keeping anything
  host_ = &host;
  settings_ = std::move(s);
  // Without a store until start(): `bootfw explain` (dry run) only configures.
  responder_ = std::make_unique<isc_responder>(host, settings_, nullptr);
}

void isc_dhcp_plugin::start() {
  if (!host_) throw std::logic_error("isc-dhcp: start() before configure()");
  leases::store_options options;
  options.ops = file_ops_;
  // A DECLINE journaled before abandoned leases had an end time: abandoned for our abandon time from then.
  options.legacy_abandon_seconds = settings_.abandon_time.count();
  // Pool addresses are kept by pool offset: no address index for the bulk of the leases.
  auto add = [&](const std::vector<isc_conf::pool_decl>& pools) {
    for (const auto& p : pools)
      for (const auto& r : p.ranges) options.dense_ranges.emplace_back(r.first, r.last);
  };
  for (const auto& s : settings_.model->subnets) add(s.pools);
  for (const auto& n : settings_.model->shared_networks) add(n.pools);
  store_ = std::make_unique<leases::lease_store>(*host_, std::move(options));
  responder_ = std::make_unique<isc_responder>(*host_, settings_, store_.get());
  host_->log().info("serving " + std::to_string(settings_.model->subnets.size()) + " subnet(s) from " +
                    settings_.dhcpd_conf + ", leases in " + store_->journal_path());
}

void isc_dhcp_plugin::stop() noexcept {
  if (responder_) responder_->detach_store();
  store_.reset();
}

sdk::verdict isc_dhcp_plugin::handle(sdk::dhcp_request& request, sdk::dhcp_message& reply) {
  if (!responder_) return sdk::verdict::pass;
  return responder_->handle(request, reply);
}

}  // namespace bootfw::plugin_isc_dhcp
