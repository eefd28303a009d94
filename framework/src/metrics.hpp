// Metrics registry: lock-free counters and gauges, exported in Prometheus text format.
#pragma once

#include <bootfw/sdk/host.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace bootfw {

/// One per server. Thread-safe. Metrics outlive the plugins that registered them (a reloaded plugin
/// instance with the same name gets the same series back).
class metrics_store {
 public:
  sdk::counter& counter(std::string_view name, std::string_view help, std::string_view instance);
  sdk::gauge& gauge(std::string_view name, std::string_view help, std::string_view instance);
  /// Prometheus text exposition format (version 0.0.4).
  std::string render() const;
  /// Current value, for tests and `bootfw explain` (0 when unknown).
  std::int64_t value(std::string_view name, std::string_view instance) const;

 private:
  struct series final : sdk::counter, sdk::gauge {
    std::atomic<std::int64_t> v{0};
    bool is_counter = true;
    std::string help;
    void add(std::uint64_t n) noexcept override { v.fetch_add(std::int64_t(n), std::memory_order_relaxed); }
    void set(std::int64_t x) noexcept override { v.store(x, std::memory_order_relaxed); }
    void add(std::int64_t d) noexcept override { v.fetch_add(d, std::memory_order_relaxed); }
  };
  series& get(std::string_view name, std::string_view help, std::string_view instance, bool is_counter);
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<series>> series_;  // (name, instance)
};

/// The sdk::metrics_registry view of one plugin instance.
class instance_metrics final : public sdk::metrics_registry {
 public:
  instance_metrics(metrics_store& store, std::string instance) : store_(store), instance_(std::move(instance)) {}
  sdk::counter& make_counter(std::string_view name, std::string_view help) override {
    return store_.counter(name, help, instance_);
  }
  sdk::gauge& make_gauge(std::string_view name, std::string_view help) override {
    return store_.gauge(name, help, instance_);
  }

 private:
  metrics_store& store_;
  std::string instance_;
};

}  // namespace bootfw
