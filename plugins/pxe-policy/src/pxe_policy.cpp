#include "pxe_policy.hpp"

namespace bootfw::plugin_pxe_policy {
namespace {

namespace opt = sdk::dhcp_option;

// The options of a dhcpd.conf answer that belong to the boot decision: PXE vendor class (60), the
// encapsulated PXE vendor options (43, RFC 2132 §8.4) and the explicit TFTP server/boot file (66, 67).
constexpr std::uint8_t boot_option_codes[] = {opt::vendor_specific, opt::vendor_class_identifier,
                                              opt::tftp_server_name, opt::bootfile_name};

}  // namespace

void pxe_policy::configure(sdk::host& host, const sdk::config_view& config) {
  host_ = &host;
  config.allow_only({"dhcpd_conf", "rule"});
  rules_ = parse_rules(config["rule"]);
  if (config["dhcpd_conf"].present()) {
    conf_name_ = config.get_path("dhcpd_conf", "");
    if (conf_name_.empty()) throw sdk::config_error(config["dhcpd_conf"], "must not be empty");
    try {
      model_ = isc_conf::parse_file(conf_name_);
    } catch (const isc_conf::parse_error& e) {
      throw sdk::config_error(config["dhcpd_conf"], e.what());
    }
    for (const auto& w : model_->warnings) host.log().warn(w.where.to_string() + ": " + w.message);
  }
  if (rules_.empty() && !model_)
    throw sdk::config_error(config, "nothing to decide with: set dhcpd_conf or at least one [[plugin.config.rule]]");
  host.log().info("pxe-policy: " + std::to_string(rules_.size()) + " rule(s)" +
                  (model_ ? ", " + std::to_string(model_->classes.size()) + " class(es) and " +
                                std::to_string(model_->hosts.size()) + " host(s) from " + conf_name_
                          : std::string()));
}

std::optional<std::string> pxe_policy::decide_from_conf(const sdk::client_facts& facts,
                                                        sdk::boot_decision& decision) const {
  if (!model_) return std::nullopt;
  auto request = isc_conf::options_from_facts(facts);
  // No link address at all (`bootfw explain` without --relay or --server-address; a live request always
  // has one): the only subnet is the one meant, as the isc-dhcp responder assumes in that case too.
  const bool no_link = isc_conf::link_address_of(facts, request).is_unspecified();
  auto match = no_link && model_->subnets.size() == 1
                   ? isc_conf::match_client(*model_, facts, request, model_->subnets[0].network)
                   : isc_conf::match_client(*model_, facts, request);
  // No pool scope: the boot decision does not depend on the address the responder picks.
  auto r = isc_conf::resolve(match, nullptr);
  if (!r.filename && !r.next_server && !r.server_name) return std::nullopt;
  // Who set the boot file: the first host/class in precedence order that has one, else the enclosing scope.
  std::string by;
  auto sets_boot = [](const isc_conf::parameters& p) { return p.filename || p.next_server || p.server_name; };
  if (match.host && sets_boot(match.host->params)) by = "host " + match.host->name;
  for (const auto* c : match.classes)
    if (by.empty() && sets_boot(c->params)) by = "class " + c->name;
  if (by.empty()) {
    // Only subnet/shared-network/global scopes set it. ISC would hand it to every client; a client that
    // is not PXE (no "PXEClient" vendor class, no architecture option) gets no boot file from bootfw.
    if (!facts.is_pxe_client() && facts.architectures.empty()) return std::nullopt;
    by = match.subnet ? "subnet " + match.subnet->network.to_string() : "global scope";
  }
  decision.boot = true;
  if (r.filename) decision.filename = *r.filename;
  decision.next_server = r.next_server;
  if (r.server_name) decision.server_name = *r.server_name;
  for (auto code : boot_option_codes)
    if (auto v = r.options.find(code)) decision.options.set(code, std::vector<std::uint8_t>(v->begin(), v->end()));
  return by;
}

sdk::verdict pxe_policy::decide(const sdk::client_facts& facts, sdk::boot_decision& decision) {
  sdk::boot_decision conf_decision;
  auto conf_by = decide_from_conf(facts, conf_decision);

  for (const auto& rule : rules_) {
    if (!rule.matches(facts)) continue;
    // A rule overrides the boot file; what dhcpd.conf decided for the client (next-server, PXE vendor
    // options) still applies unless the rule says otherwise.
    decision = conf_by ? conf_decision : sdk::boot_decision{};
    decision.reason = "rule '" + rule.name + "' (" + rule.describe() + ")";
    if (!rule.boot) {
      decision = sdk::boot_decision{};
      decision.boot = false;
      decision.reason = "rule '" + rule.name + "' (" + rule.describe() + "): boot = false";
      return sdk::verdict::answer;
    }
    decision.boot = true;
    if (rule.filename) decision.filename = *rule.filename;
    if (rule.next_server) decision.next_server = rule.next_server;
    if (rule.server_name) decision.server_name = *rule.server_name;
    if (conf_by) decision.reason += " over dhcpd.conf " + *conf_by;
    return sdk::verdict::answer;
  }
  if (conf_by) {
    decision = std::move(conf_decision);
    decision.reason = "dhcpd.conf " + *conf_by;
    return sdk::verdict::answer;
  }
  decision.boot = false;
  decision.reason = facts.is_pxe_client() ? "pxe-policy: no rule and no dhcpd.conf class or host gives a boot file"
                                          : "pxe-policy: not a PXE client and no rule or dhcpd.conf class matched";
  return sdk::verdict::pass;
}

}  // namespace bootfw::plugin_pxe_policy
