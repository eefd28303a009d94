// Whole-file checks run after parsing: references between declarations (vendor-option-space → option
// space, pool permits → classes).
#include "validate.hpp"

namespace bootfw::isc_conf::detail {
namespace {

bool space_declared(const config_model& m, const std::string& space) {
  for (const auto& s : m.option_spaces)
    if (s == space) return true;
  return false;
}

}  // namespace

void validate_model(const config_model& m) {
  auto check_space = [&](const parameters& p, const source_location& where, const std::string& what) {
    if (p.vendor_option_space && !space_declared(m, *p.vendor_option_space))
      throw parse_error(where, what + ": vendor-option-space " + *p.vendor_option_space + " is not declared");
  };
  check_space(m.global, {m.file, 0}, "global scope");
  for (const auto& c : m.classes) check_space(c.params, c.where, "class " + c.name);
  for (const auto& sn : m.subnets) {
    check_space(sn.params, sn.where, "subnet " + sn.network.to_string());
    for (const auto& p : sn.pools) check_space(p.params, p.where, "pool");
  }
  for (const auto& sh : m.shared_networks) check_space(sh.params, sh.where, "shared-network " + sh.name);
  for (const auto& h : m.hosts) check_space(h.params, h.where, "host " + h.name);
  auto check_permits = [&](const pool_decl& p) {
    for (const auto* list : {&p.allow, &p.deny})
      for (const auto& pm : *list) {
        if (pm.what != permit::kind::members_of) continue;
        bool found = false;
        for (const auto& c : m.classes) found = found || c.name == pm.class_name;
        if (!found) throw parse_error(p.where, "pool permit names class \"" + pm.class_name + "\", which is not declared");
      }
  };
  for (const auto& sn : m.subnets)
    for (const auto& p : sn.pools) check_permits(p);
  for (const auto& sh : m.shared_networks)
    for (const auto& p : sh.pools) check_permits(p);
}

}  // namespace bootfw::isc_conf::detail
