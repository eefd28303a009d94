// The module's only job: export the plugin (the logic lives in bootfw_pxelinux_core).
#include "pxelinux_resolver.hpp"

BOOTFW_PLUGIN(bootfw::pxelinux::pxelinux_resolver, "pxelinux", "1.0.0")
