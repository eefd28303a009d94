// The module's only job: export the plugin (the logic lives in bootfw_isc_dhcp_core).
#include "isc_plugin.hpp"

BOOTFW_PLUGIN(bootfw::plugin_isc_dhcp::isc_dhcp_plugin, "isc-dhcp", "1.0.0")
