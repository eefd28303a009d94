#include "log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace bootfw {

std::optional<log_level> parse_log_level(std::string_view s) noexcept {
  if (s == "trace") return log_level::trace;
  if (s == "debug") return log_level::debug;
  if (s == "info") return log_level::info;
  if (s == "warn" || s == "warning") return log_level::warn;
  if (s == "error") return log_level::error;
  return std::nullopt;
}

const char* log_level_name(log_level l) noexcept {
  switch (l) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "?";
}

void log_sink::write(log_level l, std::string_view source, std::string_view message) noexcept {
  if (!enabled(l)) return;
  try {
    // Messages carry client bytes (file names, vendor classes, error texts): a newline would forge a line
    // and terminal controls would reach whoever reads the log. Escaped here, for every writer at once.
    std::string scratch;
    message = printable(message, scratch);
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::string line = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z {:<5} [{}] {}\n",
                                   fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms, log_level_name(l),
                                   source, message);
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
  } catch (...) {
    // Logging must never take the server down.
  }
}

void log_sink::write_limited(log_level l, std::string_view source, std::string_view key,
                             std::string_view message) noexcept {
  if (!enabled(l)) return;
  unsigned long suppressed = 0;
  try {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    std::string k;
    k.reserve(source.size() + key.size() + 1);
    k.append(source).append("\x1f").append(key);
    auto& b = buckets_[k];
    if (now - b.window_start >= period) {
      suppressed = b.suppressed;
      b = bucket{now, 0, 0};
    }
    if (b.in_window >= burst) {
      ++b.suppressed;
      return;
    }
    ++b.in_window;
    // Bound the table: a flood of distinct keys must not grow memory without limit.
    if (buckets_.size() > 4096) buckets_.clear();
  } catch (...) {
    return;
  }
  if (suppressed)
    write(l, source, fmt::format("{} ({} similar messages suppressed)", message, suppressed));
  else
    write(l, source, message);
}

}  // namespace bootfw
