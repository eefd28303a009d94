// Plugin loader: Boost.DLL with RTLD_NOW | RTLD_LOCAL, the ABI handshake, and instances that keep their
// library loaded for as long as they (or anything they made) live.
#pragma once

#include <bootfw/sdk/plugin.hpp>
#include <bootfw/sdk/static_plugins.hpp>

#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace bootfw {

/// Any refusal to load: wrong ABI, wrong digest, missing entry point, dlopen failure. what() names the
/// plugin library and both sides of a mismatch.
class plugin_load_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A loaded plugin library (or a static table entry). Shared: every instance and every object handed out
/// by an instance holds a reference, so the code stays mapped while any of it can still run.
class plugin_library {
 public:
  virtual ~plugin_library() = default;
  virtual const bootfw_plugin_info_record& info() const noexcept = 0;
  virtual const std::string& origin() const noexcept = 0;  ///< path or "builtin:<name>"
  virtual sdk::plugin* create() const = 0;
  virtual void destroy(sdk::plugin* p) const noexcept = 0;
  /// True when the file at origin() is no longer the one mapped: it was replaced (a package upgrade) while
  /// a handle to the old one stayed open, so dlopen handed back the old code.
  virtual bool replaced_on_disk() const noexcept { return false; }
};

struct library_loader_options {
  std::span<const sdk::static_plugin> builtins;  ///< for "builtin:<name>" (static builds)
};

/// Opens the library at `path` ("builtin:<name>" looks in options.builtins) and checks its info record
/// against this framework: ABI version, SDK digest, standard library tag, and `expected_kind`.
std::shared_ptr<plugin_library> load_plugin_library(const std::string& path, sdk::plugin_kind expected_kind,
                                                    const library_loader_options& options);

/// Creates an instance; the returned pointer's deleter calls the plugin's destroy() and then releases the
/// library reference.
std::shared_ptr<sdk::plugin> create_instance(const std::shared_ptr<plugin_library>& lib);

/// Checks an info record against this framework; empty when it matches, else the reason (both sides named).
std::string check_info_record(const bootfw_plugin_info_record* rec, sdk::plugin_kind expected_kind);

}  // namespace bootfw
