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

std::string_view printable(std::string_view in, std::string& scratch) {
  auto clean = [](unsigned char c) { return c >= 0x20 && c < 0x7f; };
  std::size_t i = 0;
  while (i < in.size() && clean(static_cast<unsigned char>(in[i]))) ++i;
  if (i == in.size()) return in;  // the usual case: plain ASCII, no copy
  scratch.assign(in.substr(0, i));
  auto escape = [&](unsigned char c) { scratch += fmt::format("\\x{:02x}", c); };
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (clean(c)) {
      scratch += char(c);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (RFC 3629 §4) of a printable code point passes; C1 controls
    // (U+0080–U+009F), overlong forms, surrogates and stray bytes are escaped byte by byte.
    std::size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    bool ok = len != 0 && i + len <= in.size();
    std::uint32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = cp << 6 | (cc & 0x3f);
    }
    ok = ok && cp >= 0xa0 && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
         !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0x2028 && cp != 0x2029;
    if (ok) {
      scratch.append(in.substr(i, len));
      i += len;
    } else {
      escape(c);
      ++i;
    }
  }
  return scratch;
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
