// The module's only job: export the plugin (the logic lives in bootfw_file_core).
#include "file_provider.hpp"

BOOTFW_PLUGIN(bootfw::plugin_file::file_provider, "file", "1.0.0")
