#include "loader.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <boost/dll/shared_library.hpp>
#include <system_error>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace bootfw {
namespace {

using info_fn = const bootfw_plugin_info_record*();
using create_fn = sdk::plugin*();
using destroy_fn = void(sdk::plugin*);

// The smallest record we can read safely: up to and including `kind` in ABI 1.
constexpr std::uint32_t min_record_size = sizeof(bootfw_plugin_info_record);

const char* or_unknown(const char* s) { return s ? s : "(null)"; }

class dll_library final : public plugin_library {
 public:
  explicit dll_library(const std::string& path) : origin_(path) {
    namespace dll = boost::dll;
    std::error_code ec;
    // RTLD_NOW: a missing symbol fails here, not at the first packet. RTLD_LOCAL: plugins cannot see or
    // interpose each other's symbols.
    lib_.load(path, dll::load_mode::rtld_now | dll::load_mode::rtld_local, ec);
    if (ec) throw plugin_load_error(fmt::format("{}: cannot load plugin library: {}", path, dlopen_error(path, ec)));
    for (auto name : {"bootfw_plugin_info", "bootfw_plugin_create", "bootfw_plugin_destroy"})
      if (!lib_.has(name))
        throw plugin_load_error(fmt::format(
            "{}: missing entry point '{}' (is the plugin exported with BOOTFW_PLUGIN(...)?)", path, name));
    info_ = &lib_.get<info_fn>("bootfw_plugin_info");
    create_ = &lib_.get<create_fn>("bootfw_plugin_create");
    destroy_ = &lib_.get<destroy_fn>("bootfw_plugin_destroy");
    record_ = info_();
    replaced_ = mapped_file_differs(reinterpret_cast<const void*>(info_), path);
  }
  bool replaced_on_disk() const noexcept override { return replaced_; }
  const bootfw_plugin_info_record& info() const noexcept override { return *record_; }
  const bootfw_plugin_info_record* record() const noexcept { return record_; }
  const std::string& origin() const noexcept override { return origin_; }
  sdk::plugin* create() const override { return create_(); }
  void destroy(sdk::plugin* p) const noexcept override { destroy_(p); }

 private:
  // Boost.DLL reports dlopen failures as a generic error code; dlerror() has the useful text (missing
  // symbol, wrong ELF class …) but Boost consumed it, so ask dlopen once more for the message.
  static std::string dlopen_error(const std::string& path, const std::error_code& ec) {
    if (void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      ::dlclose(h);
      return ec.message();
    }
    const char* e = ::dlerror();
    return e ? e : ec.message();
  }
  // Compares the inode of the mapping that holds `code` (/proc/self/maps) with the file now at `path`.
  static bool mapped_file_differs(const void* code, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    FILE* maps = std::fopen("/proc/self/maps", "re");
    if (!maps) return false;
    const auto at = reinterpret_cast<std::uintptr_t>(code);
    bool differs = false;
    char line[4096];
    while (std::fgets(line, sizeof line, maps)) {
      unsigned long long lo = 0, hi = 0, inode = 0;
      unsigned major = 0, minor = 0;
      if (std::sscanf(line, "%llx-%llx %*s %*s %x:%x %llu", &lo, &hi, &major, &minor, &inode) != 5) continue;
      if (at < lo || at >= hi) continue;
      differs = inode != st.st_ino || makedev(major, minor) != st.st_dev;
      break;
    }
    std::fclose(maps);
    return differs;
  }
  boost::dll::shared_library lib_;
  bool replaced_ = false;
  std::string origin_;
  info_fn* info_ = nullptr;
  create_fn* create_ = nullptr;
  destroy_fn* destroy_ = nullptr;
  const bootfw_plugin_info_record* record_ = nullptr;
};

class static_library final : public plugin_library {
 public:
  explicit static_library(const sdk::static_plugin& p) : p_(p), origin_(std::string("builtin:") + p.name) {}
  const bootfw_plugin_info_record& info() const noexcept override { return *p_.info(); }
  const std::string& origin() const noexcept override { return origin_; }
  sdk::plugin* create() const override { return p_.create(); }
  void destroy(sdk::plugin* p) const noexcept override { p_.destroy(p); }

 private:
  sdk::static_plugin p_;
  std::string origin_;
};

}  // namespace

std::string check_info_record(const bootfw_plugin_info_record* rec, sdk::plugin_kind expected_kind) {
  if (!rec) return "bootfw_plugin_info() returned no record";
  // ABI version first: if it differs, nothing after it can be trusted to have our layout.
  if (rec->abi_version != BOOTFW_SDK_ABI_VERSION)
    return fmt::format("plugin ABI version {} but bootfw speaks ABI version {}; rebuild the plugin against the "
                       "installed bootfw SDK",
                       rec->abi_version, BOOTFW_SDK_ABI_VERSION);
  if (rec->struct_size < min_record_size)
    return fmt::format("info record is {} bytes, ABI {} needs at least {}", rec->struct_size,
                       BOOTFW_SDK_ABI_VERSION, min_record_size);
  if (!rec->sdk_digest || std::strcmp(rec->sdk_digest, BOOTFW_SDK_DIGEST) != 0)
    return fmt::format("plugin was built against SDK headers with digest {} but bootfw has {} (same ABI number, "
                       "different headers); rebuild the plugin against the installed bootfw SDK",
                       or_unknown(rec->sdk_digest), BOOTFW_SDK_DIGEST);
  if (!rec->stdlib_tag || std::strcmp(rec->stdlib_tag, BOOTFW_SDK_STDLIB_TAG) != 0)
    return fmt::format("plugin uses standard library '{}' (compiler {}) but bootfw uses '{}' (compiler {})",
                       or_unknown(rec->stdlib_tag), or_unknown(rec->compiler_tag), BOOTFW_SDK_STDLIB_TAG,
                       BOOTFW_SDK_COMPILER_TAG);
  if (!rec->name || !*rec->name) return "info record has no plugin name";
  if (!rec->version) return fmt::format("plugin '{}': info record has no version", rec->name);
  auto kind = static_cast<sdk::plugin_kind>(rec->kind);
  const char* kn = sdk::kind_name(kind);
  if (!kn) return fmt::format("plugin '{}' declares unknown kind {}", rec->name, rec->kind);
  if (kind != expected_kind)
    return fmt::format("plugin '{}' is of kind {} but plugins.toml says kind = \"{}\"", rec->name, kn,
                       sdk::kind_name(expected_kind));
  return {};
}

std::shared_ptr<plugin_library> load_plugin_library(const std::string& path, sdk::plugin_kind expected_kind,
                                                    const library_loader_options& options) {
  std::shared_ptr<plugin_library> lib;
  if (path.rfind("builtin:", 0) == 0) {
    auto name = path.substr(8);
    for (const auto& p : options.builtins)
      if (name == p.name) lib = std::make_shared<static_library>(p);
    if (!lib) {
      std::string known;
      for (const auto& p : options.builtins) known += (known.empty() ? "" : ", ") + std::string(p.name);
      throw plugin_load_error(fmt::format("{}: no built-in plugin of that name (built in: {})", path,
                                          known.empty() ? "none — this bootfw was built without static plugins"
                                                        : known));
    }
  } else {
    lib = std::make_shared<dll_library>(path);
  }
  if (auto why = check_info_record(&lib->info(), expected_kind); !why.empty())
    throw plugin_load_error(fmt::format("{}: refused: {}", path, why));
  return lib;
}

std::shared_ptr<sdk::plugin> create_instance(const std::shared_ptr<plugin_library>& lib) {
  sdk::plugin* raw = nullptr;
  try {
    raw = lib->create();
  } catch (const std::exception& e) {
    throw plugin_load_error(fmt::format("{}: plugin factory threw: {}", lib->origin(), e.what()));
  } catch (...) {
    throw plugin_load_error(fmt::format("{}: plugin factory threw a non-standard exception", lib->origin()));
  }
  if (!raw) throw plugin_load_error(fmt::format("{}: plugin factory returned null", lib->origin()));
  // The deleter lives in the framework and holds the library: destroy() runs plugin code while it is
  // still mapped, then the last reference may unload it.
  return std::shared_ptr<sdk::plugin>(raw, [lib](sdk::plugin* p) { lib->destroy(p); });
}

}  // namespace bootfw
