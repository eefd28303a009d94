// The module's only job: export the plugin (the logic lives in bootfw_tftp_core).
#include "tftp_plugin.hpp"

BOOTFW_PLUGIN(bootfw::plugin_tftp::tftp_transport_plugin, "tftp", "1.0.0")
