// Logging: plain lines on stderr (journald-friendly), levels, timestamps, per-plugin prefix and
// rate limiting for per-packet messages.
#pragma once

#include <bootfw/sdk/host.hpp>
#include <bootfw/sdk/text.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bootfw {

using sdk::log_level;

std::optional<log_level> parse_log_level(std::string_view s) noexcept;
const char* log_level_name(log_level l) noexcept;

/// The escaping every log line gets (the SDK's, shared with plugins that echo client bytes elsewhere).
using sdk::printable;

/// Where every line goes. One per server; thread-safe.
class log_sink {
 public:
  explicit log_sink(log_level level = log_level::info, std::FILE* out = stderr) : level_(level), out_(out) {}
  void set_level(log_level l) noexcept { level_.store(l, std::memory_order_relaxed); }
  log_level level() const noexcept { return level_.load(std::memory_order_relaxed); }
  bool enabled(log_level l) const noexcept { return l >= level(); }
  /// Writes "2026-11-24T10:00:00.123Z info  [source] message".
  void write(log_level l, std::string_view source, std::string_view message) noexcept;
  /// Rate-limited write: at most `burst` lines per `key` every `period`; suppressed lines are counted and
  /// reported with the next line that passes.
  void write_limited(log_level l, std::string_view source, std::string_view key, std::string_view message) noexcept;

 private:
  struct bucket {
    std::chrono::steady_clock::time_point window_start;
    unsigned in_window = 0;
    unsigned long suppressed = 0;
  };
  static constexpr unsigned burst = 5;
  static constexpr std::chrono::seconds period{10};
  std::atomic<log_level> level_;  // changed by a reload while workers log
  std::FILE* out_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

/// The sdk::logger handed to one plugin instance (or a framework component): prefixes its name.
class named_logger final : public sdk::logger {
 public:
  named_logger(log_sink& sink, std::string name) : sink_(sink), name_(std::move(name)) {}
  bool enabled(log_level l) const noexcept override { return sink_.enabled(l); }
  void write(log_level l, std::string_view m) noexcept override { sink_.write(l, name_, m); }
  void write_limited(log_level l, std::string_view key, std::string_view m) noexcept override {
    sink_.write_limited(l, name_, key, m);
  }
  const std::string& name() const noexcept { return name_; }

 private:
  log_sink& sink_;
  std::string name_;
};

}  // namespace bootfw
