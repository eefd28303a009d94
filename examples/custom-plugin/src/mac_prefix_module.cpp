// The plugin library's entry points: the info record bootfw checks first, the factory and the destroyer.
#include "mac_prefix_policy.hpp"

BOOTFW_PLUGIN(example::mac_prefix_policy, "mac-prefix", "1.0.0")
