// bootfw SDK — the plugin base class, the five plugin interfaces and the BOOTFW_PLUGIN export macro.
//
// Lifecycle (control path, may throw; bootfw catches everything and names the plugin):
//   create → configure(host, config) → start() → … data path … → stop() → destroy
// configure() must only validate and prepare (it also runs for `bootfw --check` and for a SIGHUP reload
// that may be abandoned); start() acquires resources (sockets, lease files, locks); stop() releases them.
// Data-path methods return a verdict and should not throw; if they do, bootfw drops that one packet and
// logs it (rate-limited) with the plugin's name.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <bootfw/sdk/abi.hpp>
#include <bootfw/sdk/artifact.hpp>
#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/dhcp.hpp>
#include <bootfw/sdk/host.hpp>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// A chain link's verdict (chains run in plugins.toml order).
enum class verdict : std::uint8_t {
  answer,  ///< this link answered; the chain stops
  pass,    ///< not mine: ask the next link
  drop,    ///< refuse: the chain stops with no answer
  defer,   ///< (dhcp-responder only) answer later through dhcp_request::defer()
};

/// Base of every plugin. Ownership: created and destroyed through the plugin library's exported factory;
/// bootfw owns the instance and keeps the library loaded while it (or any object it made) lives.
/// Thread-safety: bootfw serialises all calls on the instance's executor (see executor).
class plugin {
 public:
  virtual ~plugin() = default;
  /// Validate and keep the configuration. `h` stays valid for the plugin's whole life.
  virtual void configure(host& h, const config_view& config) = 0;
  virtual void start() {}
  virtual void stop() noexcept {}
};

// ---------------------------------------------------------------------------------------------------------
// dhcp-responder

/// A reply completed later (e.g. after the lease is durable). Ownership: shared between bootfw and the
/// plugin. Thread-safety: send()/drop() may be called once, from any thread. Lifetime: if destroyed without
/// send(), the request is dropped.
class deferred_reply {
 public:
  virtual ~deferred_reply() = default;
  virtual void send(dhcp_message reply) noexcept = 0;
  virtual void drop(std::string_view reason) noexcept = 0;
};

/// One decoded request handed to the responder chain.
/// Ownership: owned by bootfw; valid during handle() only (copy what you keep). Thread-safety: none needed.
class dhcp_request {
 public:
  virtual ~dhcp_request() = default;
  virtual const dhcp_message& message() const noexcept = 0;
  virtual const client_facts& facts() const noexcept = 0;
  /// True in `bootfw explain` (no sockets, no durable side effects wanted).
  virtual bool dry_run() const noexcept = 0;
  /// Records one line of reasoning for `bootfw explain` and debug logs.
  virtual void note(std::string_view line) noexcept = 0;
  /// Take the reply handle to answer later; return verdict::defer from handle().
  virtual std::shared_ptr<deferred_reply> defer() = 0;
};

/// Answers DHCP requests. bootfw pre-fills `reply` as a BOOTREPLY for the request (op, htype, hlen,
/// xid, flags, giaddr, chaddr copied; server identifier = receiving interface address). The responder sets
/// yiaddr, siaddr, file, options and the message type. bootfw encodes and delivers it (RFC 2131 §4.1).
class dhcp_responder : public plugin {
 public:
  static constexpr plugin_kind kind = plugin_kind::dhcp_responder;
  virtual verdict handle(dhcp_request& request, dhcp_message& reply) = 0;
};

// ---------------------------------------------------------------------------------------------------------
// boot-policy

/// Decides what a client boots. Called by responders through host::decide_boot().
/// Thread-safety: may be called from any responder's executor: must be thread-safe (usually immutable
/// after configure()).
class boot_policy : public plugin {
 public:
  static constexpr plugin_kind kind = plugin_kind::boot_policy;
  virtual verdict decide(const client_facts& facts, boot_decision& decision) = 0;
};

// ---------------------------------------------------------------------------------------------------------
// tftp-transport

/// Owns its sockets (opened through host().exec()) and streams artifacts obtained from host::resolve().
/// Everything happens between start() and stop().
///
/// Reload (SIGHUP, server::reload): bootfw calls drain() on the running instance before it starts the new
/// configuration's transports. A transport that supports draining closes its listening sockets there (the
/// new instance binds them next), accepts nothing more, lets the transfers in flight run to their end on
/// their own sockets, and returns true; bootfw then asks idle() now and then and calls stop() once it is
/// true, or when [server].reload_drain_seconds have passed. The default returns false: bootfw calls stop()
/// at once, and a reload ends the transfers as a restart does.
class tftp_transport : public plugin {
 public:
  static constexpr plugin_kind kind = plugin_kind::tftp_transport;
  virtual bool drain() noexcept { return false; }
  /// True when no transfer is left (only asked after drain() returned true).
  virtual bool idle() const noexcept { return true; }
};

// ---------------------------------------------------------------------------------------------------------
// config-resolver

/// Maps a requested path to another path or to generated content (pxelinux search order, per-node configs).
/// Thread-safety: called concurrently from transports: must be thread-safe.
class config_resolver : public plugin {
 public:
  static constexpr plugin_kind kind = plugin_kind::config_resolver;
  /// answer: `result` holds a rewritten path or generated content; pass: unchanged; drop: refuse.
  /// host::probe() lets a resolver ask the artifact providers what exists (server-side search).
  virtual verdict resolve(const resolve_request& request, resolve_result& result) = 0;
};

// ---------------------------------------------------------------------------------------------------------
// artifact-provider

/// Opens artifacts by path. Thread-safety: called concurrently: must be thread-safe.
class artifact_provider : public plugin {
 public:
  static constexpr plugin_kind kind = plugin_kind::artifact_provider;
  /// Returns the artifact, or nullptr with `error` set. open_error::not_found lets the next provider try.
  virtual std::shared_ptr<artifact> open(std::string_view path, open_error& error) = 0;
};

}  // namespace abi_v1
}  // namespace bootfw::sdk

// ---------------------------------------------------------------------------------------------------------
// Export macro

#if defined(BOOTFW_STATIC_PLUGIN_ID)
// Static (embedded) build: entry points get a per-plugin suffix so many plugins link into one program;
// a table generated at CMake time lists them (no dlopen, no registration at static-init time).
#define BOOTFW_PLUGIN_CAT2(a, b) a##b
#define BOOTFW_PLUGIN_CAT(a, b) BOOTFW_PLUGIN_CAT2(a, b)
#define BOOTFW_PLUGIN_ENTRY(base) BOOTFW_PLUGIN_CAT(base##_, BOOTFW_STATIC_PLUGIN_ID)
#define BOOTFW_PLUGIN_VISIBILITY
#else
#define BOOTFW_PLUGIN_ENTRY(base) base
#define BOOTFW_PLUGIN_VISIBILITY __attribute__((visibility("default")))
#endif

/// Exports a plugin class. Use once per plugin library, at namespace scope:
///   BOOTFW_PLUGIN(my_policy, "mac-prefix-policy", "1.2.0")
/// `cls` must derive from exactly one of the five interfaces and be default-constructible.
#define BOOTFW_PLUGIN(cls, name_literal, version_literal)                                                 \
  extern "C" BOOTFW_PLUGIN_VISIBILITY const ::bootfw_plugin_info_record* BOOTFW_PLUGIN_ENTRY(            \
      bootfw_plugin_info)() noexcept {                                                                     \
    static constexpr ::bootfw_plugin_info_record record{                                                  \
        sizeof(::bootfw_plugin_info_record), BOOTFW_SDK_ABI_VERSION, BOOTFW_SDK_DIGEST,                   \
        BOOTFW_SDK_STDLIB_TAG,               BOOTFW_SDK_COMPILER_TAG, name_literal,                       \
        version_literal,                     static_cast<std::uint32_t>(cls::kind)};                      \
    return &record;                                                                                        \
  }                                                                                                        \
  extern "C" BOOTFW_PLUGIN_VISIBILITY ::bootfw::sdk::plugin* BOOTFW_PLUGIN_ENTRY(bootfw_plugin_create)() { \
    return new cls();                                                                                      \
  }                                                                                                        \
  extern "C" BOOTFW_PLUGIN_VISIBILITY void BOOTFW_PLUGIN_ENTRY(bootfw_plugin_destroy)(                   \
      ::bootfw::sdk::plugin * p) noexcept {                                                                \
    delete p;                                                                                              \
  }
