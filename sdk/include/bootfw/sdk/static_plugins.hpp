// bootfw SDK — statically linked plugins (embedded builds without dlopen).
//
// A host program that links bootfw::static_plugins gets a constant table of the shipped plugins' entry
// points, generated at CMake time; it hands the table to bootfw (see embed.hpp). Nothing registers itself
// at static-initialisation time.
#pragma once

#include <span>

#include <bootfw/sdk/abi.hpp>
#include <bootfw/sdk/plugin.hpp>

namespace bootfw::sdk {
inline namespace abi_v1 {

struct static_plugin {
  const char* name;  ///< plugin type name, as `library = "builtin:<name>"` in plugins.toml
  const bootfw_plugin_info_record* (*info)() noexcept;
  plugin* (*create)();
  void (*destroy)(plugin*) noexcept;
};

/// The table of bootfw::static_plugins (defined in the generated source of that library).
std::span<const static_plugin> shipped_static_plugins() noexcept;

}  // namespace abi_v1
}  // namespace bootfw::sdk
