// bootfw SDK — ABI version, plugin kinds and the exported info record.
//
// Every plugin library exports two C-linkage entry points (see BOOTFW_PLUGIN in plugin.hpp):
//   bootfw_plugin_info()    -> const bootfw_plugin_info_record*   (read first, before anything else)
//   bootfw_plugin_create()  -> bootfw::sdk::plugin*               (only after the record matched)
//   bootfw_plugin_destroy(p)                                      (the plugin deletes what it created)
// The record layout below is frozen forever: new fields go at the end and struct_size tells them apart,
// so any loader can read any plugin's record and name the mismatch.
#pragma once

#include <cstdint>

#include <bootfw/sdk/abi_digest.hpp>  // generated at build time: BOOTFW_SDK_DIGEST

// Bump when any SDK type or interface changes in a way that breaks a compiled plugin.
#define BOOTFW_SDK_ABI_VERSION 1u

// The standard library decides the layout of std::string, std::vector, std::function … that cross the
// boundary; the compiler itself does not (g++ and clang++ with libstdc++ interoperate).
#define BOOTFW_SDK_STR2(x) #x
#define BOOTFW_SDK_STR(x) BOOTFW_SDK_STR2(x)
#if defined(_LIBCPP_VERSION)
#define BOOTFW_SDK_STDLIB_TAG "libc++/abi" BOOTFW_SDK_STR(_LIBCPP_ABI_VERSION)
#elif defined(__GLIBCXX__)
#if _GLIBCXX_USE_CXX11_ABI
#define BOOTFW_SDK_STDLIB_TAG "libstdc++/cxx11"
#else
#define BOOTFW_SDK_STDLIB_TAG "libstdc++/cxx98"
#endif
#else
#define BOOTFW_SDK_STDLIB_TAG "unknown-stdlib"
#endif

#if defined(__clang__)
#define BOOTFW_SDK_COMPILER_TAG "clang-" BOOTFW_SDK_STR(__clang_major__) "." BOOTFW_SDK_STR(__clang_minor__)
#elif defined(__GNUC__)
#define BOOTFW_SDK_COMPILER_TAG "gcc-" BOOTFW_SDK_STR(__GNUC__) "." BOOTFW_SDK_STR(__GNUC_MINOR__)
#else
#define BOOTFW_SDK_COMPILER_TAG "unknown-compiler"
#endif

extern "C" {

/// The info record a plugin exports. Plain C, frozen layout (fields are only ever appended).
struct bootfw_plugin_info_record {
  std::uint32_t struct_size;   ///< sizeof the record as the plugin compiled it
  std::uint32_t abi_version;   ///< BOOTFW_SDK_ABI_VERSION the plugin was built against
  const char* sdk_digest;      ///< BOOTFW_SDK_DIGEST: hash of the SDK headers the plugin saw
  const char* stdlib_tag;      ///< BOOTFW_SDK_STDLIB_TAG
  const char* compiler_tag;    ///< BOOTFW_SDK_COMPILER_TAG (informational)
  const char* name;            ///< plugin type name, e.g. "isc-dhcp"
  const char* version;         ///< plugin's own version, e.g. "1.0.0"
  std::uint32_t kind;          ///< bootfw::sdk::plugin_kind
};
}

namespace bootfw::sdk {
inline namespace abi_v1 {

/// The five kinds of plugin. Values are part of the ABI.
enum class plugin_kind : std::uint32_t {
  dhcp_responder = 1,
  boot_policy = 2,
  tftp_transport = 3,
  config_resolver = 4,
  artifact_provider = 5,
};

/// "dhcp-responder", "boot-policy", … as written in plugins.toml; nullptr for an unknown value.
constexpr const char* kind_name(plugin_kind k) noexcept {
  switch (k) {
    case plugin_kind::dhcp_responder: return "dhcp-responder";
    case plugin_kind::boot_policy: return "boot-policy";
    case plugin_kind::tftp_transport: return "tftp-transport";
    case plugin_kind::config_resolver: return "config-resolver";
    case plugin_kind::artifact_provider: return "artifact-provider";
  }
  return nullptr;
}

}  // namespace abi_v1
}  // namespace bootfw::sdk
