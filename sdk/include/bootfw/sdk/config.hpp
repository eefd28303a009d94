// bootfw SDK — the read-only configuration view a plugin is configured with.
//
// The view is owned by bootfw (parsed from the plugin's [plugin.config] table in plugins.toml); no toml++
// types cross the boundary. Values remember where they were written, so a plugin's error message names
// the file, line and column: throw config_error(node, "…") and bootfw prints "plugins.toml:12:5: …".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// One node of the configuration tree (a table, an array or a scalar).
/// Ownership: owned by bootfw; a reference stays valid until the plugin's configure() returns
///   (copy what you need). Thread-safety: immutable, safe to read from any thread.
/// Lifetime: configure() only.
class config_view {
 public:
  enum class value_type { missing, boolean, integer, floating, string, array, table };

  virtual ~config_view() = default;

  virtual value_type type() const noexcept = 0;
  /// "file:line:column" of this value (or of its parent table when missing).
  virtual std::string where() const = 0;
  /// Dotted key path for messages, e.g. "plugin[tftp].config.roots[1]".
  virtual std::string path() const = 0;
  /// Directory of the file this value came from: relative paths in a plugin's config are relative to it.
  virtual std::string base_directory() const = 0;

  virtual std::optional<bool> as_bool() const noexcept = 0;
  virtual std::optional<std::int64_t> as_int() const noexcept = 0;
  virtual std::optional<double> as_double() const noexcept = 0;  ///< integers convert
  /// The string value. bootfw's own views throw config_error for a string holding a NUL ("\u0000"):
  /// it would cut the value short wherever it becomes a C string or a path.
  virtual std::optional<std::string> as_string() const = 0;

  /// Table keys in file order (empty for non-tables).
  virtual std::vector<std::string> keys() const = 0;
  /// Child of a table; a node of type `missing` when absent (never throws).
  virtual const config_view& operator[](std::string_view key) const noexcept = 0;
  /// Number of array elements (0 for non-arrays).
  virtual std::size_t size() const noexcept = 0;
  /// Array element; a `missing` node when out of range.
  virtual const config_view& operator[](std::size_t index) const noexcept = 0;

  // ---- conveniences, defined inline on top of the virtual interface ----
  bool present() const noexcept { return type() != value_type::missing; }
  bool is_table() const noexcept { return type() == value_type::table; }
  bool is_array() const noexcept { return type() == value_type::array; }

  /// Throws config_error for every key not in `allowed`: unknown keys are errors, never ignored.
  inline void allow_only(std::initializer_list<std::string_view> allowed) const;
  /// Typed getters: the default when missing, config_error when present with the wrong type or range.
  /// The string getters (get_string, require_string, get_path, get_strings) also refuse a NUL character.
  inline std::string get_string(std::string_view key, std::string_view fallback) const;
  inline std::int64_t get_int(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  inline bool get_bool(std::string_view key, bool fallback) const;
  /// Required variants: config_error when missing.
  inline std::string require_string(std::string_view key) const;
  /// A path setting made absolute against base_directory().
  inline std::string get_path(std::string_view key, std::string_view fallback) const;
  /// Strings of a string-or-array-of-strings setting.
  inline std::vector<std::string> get_strings(std::string_view key) const;
};

/// Thrown by plugins from configure() (control path only) to reject their configuration.
class config_error : public std::runtime_error {
 public:
  config_error(const config_view& node, const std::string& message)
      : std::runtime_error(node.where() + ": " + node.path() + ": " + message) {}
  explicit config_error(const std::string& message) : std::runtime_error(message) {}
};

// ---- inline definitions ----

namespace detail {
// A NUL inside a value would silently cut it where it becomes a C string (open(), a path, a log line).
inline std::string refuse_nul(const config_view& node, std::string s) {
  if (s.find('\0') != std::string::npos)
    throw config_error(node, "must not contain a NUL character (\\u0000)");
  return s;
}
}  // namespace detail

inline void config_view::allow_only(std::initializer_list<std::string_view> allowed) const {
  if (!present()) return;
  if (!is_table()) throw config_error(*this, "expected a table");
  for (const auto& k : keys()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw config_error((*this)[k], "unknown key '" + k + "' (known keys: " + list + ")");
    }
  }
}

inline std::string config_view::get_string(std::string_view key, std::string_view fallback) const {
  const auto& n = (*this)[key];
  if (!n.present()) return std::string(fallback);
  auto v = n.as_string();
  if (!v) throw config_error(n, "expected a string");
  return detail::refuse_nul(n, std::move(*v));
}

inline std::int64_t config_view::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                                         std::int64_t max) const {
  const auto& n = (*this)[key];
  if (!n.present()) return fallback;
  auto v = n.as_int();
  if (!v) throw config_error(n, "expected an integer");
  if (*v < min || *v > max)
    throw config_error(n, "value " + std::to_string(*v) + " out of range " + std::to_string(min) + ".." +
                              std::to_string(max));
  return *v;
}

inline bool config_view::get_bool(std::string_view key, bool fallback) const {
  const auto& n = (*this)[key];
  if (!n.present()) return fallback;
  auto v = n.as_bool();
  if (!v) throw config_error(n, "expected true or false");
  return *v;
}

inline std::string config_view::require_string(std::string_view key) const {
  const auto& n = (*this)[key];
  if (!n.present()) throw config_error(*this, "missing required key '" + std::string(key) + "'");
  return get_string(key, {});
}

inline std::string config_view::get_path(std::string_view key, std::string_view fallback) const {
  std::string p = get_string(key, fallback);
  if (p.empty() || p.front() == '/') return p;
  std::string base = base_directory();
  if (base.empty()) return p;
  return base.back() == '/' ? base + p : base + '/' + p;
}

inline std::vector<std::string> config_view::get_strings(std::string_view key) const {
  const auto& n = (*this)[key];
  std::vector<std::string> out;
  if (!n.present()) return out;
  if (auto s = n.as_string()) {
    out.push_back(detail::refuse_nul(n, std::move(*s)));
    return out;
  }
  if (!n.is_array()) throw config_error(n, "expected a string or an array of strings");
  for (std::size_t i = 0; i < n.size(); ++i) {
    auto s = n[i].as_string();
    if (!s) throw config_error(n[i], "expected a string");
    out.push_back(detail::refuse_nul(n[i], std::move(*s)));
  }
  return out;
}

}  // namespace abi_v1
}  // namespace bootfw::sdk
