// One generation of loaded plugin instances (one plugins.toml), with the chains that connect them.
// A reload builds a new pipeline, configures it fully, and only then replaces the running one.
#pragma once

#include <bootfw/sdk/plugin.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "loader.hpp"
#include "runtime.hpp"
#include "sessions.hpp"

namespace bootfw {

/// A plugin failed on the control path (configure/start); what() names the instance and the library.
class plugin_start_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct plugin_slot {
  plugin_entry entry;
  std::shared_ptr<plugin_library> library;
  std::unique_ptr<plugin_host> host;
  std::shared_ptr<sdk::plugin> instance;
  bool started = false;
  /// A draining tftp-transport's last idle() answer (set on its strand, read by the reload reaper).
  std::shared_ptr<std::atomic<bool>> idle;
};

class pipeline final : public pipeline_services {
 public:
  /// Loads every library, creates and configures every instance (control path: throws plugin_load_error,
  /// plugin_start_error or sdk::config_error text with the instance named). Nothing is started.
  pipeline(runtime_context& ctx, client_sessions& sessions, const server_config& config,
           const library_loader_options& loader);
  ~pipeline() override;

  /// Starts instances in dependency order (providers, resolvers, policies, responders, transports);
  /// on failure stops what was started and throws plugin_start_error.
  void start();
  void stop() noexcept;
  /// Reload: drain() on each tftp-transport (listeners closed, transfers in flight go on) and stop() on
  /// every other instance. stop() (or destruction) later ends what the transports still run.
  /// Returns how many transports were drained.
  std::size_t drain() noexcept;
  /// After drain(): true once every drained transport answered idle(). Never waits: each call posts the
  /// question to the transports' strands and reports the answers that came back since the last call.
  bool drained() noexcept;

  const std::vector<plugin_slot*>& chain(sdk::plugin_kind kind) const;
  const std::vector<std::unique_ptr<plugin_slot>>& slots() const noexcept { return slots_; }

  // pipeline_services
  sdk::boot_decision decide_boot(const sdk::client_facts& facts) override;
  sdk::resolve_outcome resolve(const sdk::resolve_request& request) override;
  sdk::open_error probe(std::string_view path) override;
  std::optional<sdk::client_record> find_client(sdk::ipv4_address address) const override;
  void record(std::string_view instance, const sdk::boot_event& event) noexcept override;

  /// When set, decide_boot/resolve append one line per step (for `bootfw explain`, single-threaded: set it
  /// before any concurrent use, never while transports run).
  void set_trace(std::vector<std::string>* trace) noexcept { trace_ = trace; }

 private:
  /// Stops every started instance in reverse start order; with keep_draining, not the draining transports.
  void stop_started(bool keep_draining) noexcept;
  sdk::resolve_outcome open_from_providers(const std::string& path, bool traced);
  /// One trace line, built only when a trace is being taken (decide_boot runs for every DHCP message).
  template <class Make>
  void note(Make&& make) const {
    if (trace_) trace_->push_back(std::forward<Make>(make)());
  }
  runtime_context& ctx_;
  client_sessions& sessions_;
  std::vector<std::unique_ptr<plugin_slot>> slots_;
  std::vector<plugin_slot*> chains_[6];
  std::vector<std::string>* trace_ = nullptr;
};

}  // namespace bootfw
