// Checks of a parsed model that need the whole file (declarations may come in any order).
#pragma once

#include <bootfw/isc_conf/isc_conf.hpp>

namespace bootfw::isc_conf::detail {

/// Throws parse_error for a vendor-option-space naming an undeclared space or a permit naming an
/// undeclared class.
void validate_model(const config_model& m);

}  // namespace bootfw::isc_conf::detail
