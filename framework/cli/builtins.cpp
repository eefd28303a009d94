#include "cli.hpp"

namespace bootfw::cli {
std::span<const sdk::static_plugin> builtin_plugins() noexcept {
#ifdef BOOTFW_HAVE_STATIC_PLUGINS
  return sdk::shipped_static_plugins();
#else
  return {};
#endif
}
}  // namespace bootfw::cli
