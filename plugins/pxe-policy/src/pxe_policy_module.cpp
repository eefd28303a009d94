// The module's only job: export the plugin (the logic lives in bootfw_pxe_policy_core).
#include "pxe_policy.hpp"

BOOTFW_PLUGIN(bootfw::plugin_pxe_policy::pxe_policy, "pxe-policy", "1.0.0")
