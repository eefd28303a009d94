#include "config.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <thread>

#include <bootfw/sdk/file.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "log.hpp"

namespace bootfw {
namespace {

namespace fs = std::filesystem;

std::string where_of(const std::string& file, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", file, r.begin.line, r.begin.column);
}

/// File order of two keys: toml++ keeps a table sorted by key, errors and config_view::keys() go by the file.
bool earlier_in_file(const toml::key& a, const toml::key& b) {
  const auto &x = a.source().begin, &y = b.source().begin;
  return x.line != y.line ? x.line < y.line : x.column < y.column;
}

/// config_view over a toml++ node. The whole tree is built at construction so operator[] can hand out
/// references; the document is shared so the views stay valid as long as any holder lives.
class toml_view final : public sdk::config_view {
 public:
  toml_view(std::shared_ptr<const toml::table> doc, const toml::node* node, std::string file, std::string base,
            std::string path, std::string parent_where)
      : doc_(std::move(doc)), node_(node), file_(std::move(file)), base_(std::move(base)), path_(std::move(path)) {
    where_ = node_ ? where_of(file_, node_->source()) : std::move(parent_where);
    if (!node_) return;  // a missing node: its children are itself
    missing_ = std::make_unique<toml_view>(doc_, nullptr, file_, base_, path_ + ".?", where_);
    if (auto* t = node_->as_table()) {
      std::vector<const toml::key*> in_file_order;
      for (auto& [k, v] : *t) {
        std::string key(k.str());
        in_file_order.push_back(&k);
        children_.emplace(key, std::make_unique<toml_view>(doc_, &v, file_, base_, path_ + "." + key, where_));
      }
      // toml++ keeps a table sorted by key; config_view promises file order (the first typo is reported first).
      std::stable_sort(in_file_order.begin(), in_file_order.end(),
                       [](const toml::key* a, const toml::key* b) { return earlier_in_file(*a, *b); });
      for (const auto* k : in_file_order) keys_.emplace_back(k->str());
    } else if (auto* a = node_->as_array()) {
      for (std::size_t i = 0; i < a->size(); ++i)
        items_.push_back(std::make_unique<toml_view>(doc_, a->get(i), file_, base_,
                                                     fmt::format("{}[{}]", path_, i), where_));
    }
  }

  value_type type() const noexcept override {
    if (!node_) return value_type::missing;
    switch (node_->type()) {
      case toml::node_type::boolean: return value_type::boolean;
      case toml::node_type::integer: return value_type::integer;
      case toml::node_type::floating_point: return value_type::floating;
      case toml::node_type::string: return value_type::string;
      case toml::node_type::array: return value_type::array;
      case toml::node_type::table: return value_type::table;
      default: return value_type::string;  // dates and times: readable as text only
    }
  }
  std::string where() const override { return where_; }
  std::string path() const override { return path_; }
  std::string base_directory() const override { return base_; }
  std::optional<bool> as_bool() const noexcept override {
    if (node_)
      if (auto v = node_->value_exact<bool>()) return *v;
    return std::nullopt;
  }
  std::optional<std::int64_t> as_int() const noexcept override {
    if (node_)
      if (auto v = node_->value_exact<std::int64_t>()) return *v;
    return std::nullopt;
  }
  std::optional<double> as_double() const noexcept override {
    if (!node_) return std::nullopt;
    if (auto v = node_->value_exact<double>()) return *v;
    if (auto v = node_->value_exact<std::int64_t>()) return double(*v);
    return std::nullopt;
  }
  std::optional<std::string> as_string() const override {
    if (!node_) return std::nullopt;
    if (auto v = node_->value_exact<std::string>()) {
      // Also for plugins that read as_string() directly rather than through the SDK's getters.
      if (v->find('\0') != std::string::npos)
        throw sdk::config_error(*this, "must not contain a NUL character (\\u0000)");
      return *v;
    }
    return std::nullopt;
  }
  std::vector<std::string> keys() const override { return keys_; }
  const config_view& operator[](std::string_view key) const noexcept override {
    if (!node_) return *this;
    auto it = children_.find(key);
    return it == children_.end() ? static_cast<const config_view&>(*missing_) : *it->second;
  }
  std::size_t size() const noexcept override { return items_.size(); }
  const config_view& operator[](std::size_t i) const noexcept override {
    if (!node_) return *this;
    return i < items_.size() ? static_cast<const config_view&>(*items_[i]) : *missing_;
  }

 private:
  std::shared_ptr<const toml::table> doc_;
  const toml::node* node_;
  std::string file_, base_, path_, where_;
  std::unique_ptr<toml_view> missing_;
  std::vector<std::string> keys_;
  std::map<std::string, std::unique_ptr<toml_view>, std::less<>> children_;
  std::vector<std::unique_ptr<toml_view>> items_;
};

[[noreturn]] void fail(const std::string& file, const toml::node& n, std::string_view key, std::string_view msg) {
  throw config_file_error(fmt::format("{}: {}: {}", where_of(file, n.source()), key, msg));
}

// Far below NAME_MAX (255): the name is one component of a state path and prefixes every log line.
constexpr std::size_t max_instance_name = 64;

// The name is also a directory under state_directory (leases, locks): it starts with a letter or a digit,
// so "." and ".." (which would share or escape that directory) and hidden names are refused.
bool valid_instance_name(const std::string& name) {
  return !name.empty() && name.size() <= max_instance_name && std::isalnum(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

void check_keys(const std::string& file, const toml::table& t, std::string_view table_name,
                std::initializer_list<std::string_view> allowed) {
  // toml++ keeps a table sorted by key: the first unknown key in the file is the one reported.
  const toml::key* first = nullptr;
  for (auto& [k, v] : t) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k.str();
    if (!ok && (!first || earlier_in_file(k, *first))) first = &k;
  }
  if (!first) return;
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  // The key's own position (column of the key, not of its value): that is where the typo is.
  throw config_file_error(fmt::format("{}: {}.{}: unknown key (known keys: {})", where_of(file, first->source()),
                                      table_name, first->str(), list));
}

// A string value, refusing a NUL: toml++ accepts "\u0000", but the value would be cut short where it
// becomes a C string (a path, an interface name, a library to dlopen).
std::optional<std::string> string_value(const std::string& file, const toml::node& n, std::string_view key) {
  auto v = n.value_exact<std::string>();
  if (v && v->find('\0') != std::string::npos) fail(file, n, key, "must not contain a NUL character (\\u0000)");
  return v;
}

std::string get_string(const std::string& file, const toml::table& t, std::string_view table, std::string_view key,
                       std::string fallback) {
  auto* n = t.get(key);
  if (!n) return fallback;
  auto v = string_value(file, *n, fmt::format("{}.{}", table, key));
  if (!v) fail(file, *n, fmt::format("{}.{}", table, key), "expected a string");
  return *v;
}

std::int64_t get_int(const std::string& file, const toml::table& t, std::string_view table, std::string_view key,
                     std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto* n = t.get(key);
  if (!n) return fallback;
  auto v = n->value_exact<std::int64_t>();
  if (!v) fail(file, *n, fmt::format("{}.{}", table, key), "expected an integer");
  if (*v < min || *v > max)
    fail(file, *n, fmt::format("{}.{}", table, key), fmt::format("{} is out of range {}..{}", *v, min, max));
  return *v;
}

bool get_bool(const std::string& file, const toml::table& t, std::string_view table, std::string_view key,
              bool fallback) {
  auto* n = t.get(key);
  if (!n) return fallback;
  auto v = n->value_exact<bool>();
  if (!v) fail(file, *n, fmt::format("{}.{}", table, key), "expected true or false");
  return *v;
}

std::optional<sdk::udp_endpoint> parse_endpoint(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto addr = sdk::ipv4_address::parse(s.substr(0, colon));
  auto port_s = s.substr(colon + 1);
  if (!addr || port_s.empty() || port_s.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_s) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + unsigned(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return sdk::udp_endpoint{*addr, std::uint16_t(port)};
}

std::optional<sdk::plugin_kind> parse_kind(std::string_view s) {
  for (auto k : {sdk::plugin_kind::dhcp_responder, sdk::plugin_kind::boot_policy, sdk::plugin_kind::tftp_transport,
                 sdk::plugin_kind::config_resolver, sdk::plugin_kind::artifact_provider})
    if (s == sdk::kind_name(k)) return k;
  return std::nullopt;
}

// Start creates the state directory (and its parents) on first use, so a missing one is fine; but a file
// where it or a parent should be fails only then, behind --check's back. Says so now.
void check_state_directory(const std::string& file, const toml::node& n, const std::string& dir) {
  std::error_code ec;
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty(); p = p.parent_path()) {
    auto st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found) {
      if (fs::is_symlink(fs::symlink_status(p, ec)))
        fail(file, n, "server.state_directory", fmt::format("{} is a dangling symbolic link", p.string()));
      if (p == p.parent_path()) return;
      continue;
    }
    if (st.type() == fs::file_type::directory) return;
    if (ec) return;  // cannot tell (permissions): start reports what it finds
    fail(file, n, "server.state_directory",
         p.string() == fs::path(dir).lexically_normal().string()
             ? fmt::format("{} exists and is not a directory", p.string())
             : fmt::format("{} (a parent of {}) exists and is not a directory", p.string(), dir));
  }
}

void parse_ipv6_ra_table(const std::string& file, const toml::node& n, ipv6_ra_config& ra) {
  auto* t = n.as_table();
  if (!t) fail(file, n, "server.ipv6_ra", "expected a table");
  check_keys(file, *t, "server.ipv6_ra", {"enabled", "quiet_seconds", "router_lifetime", "managed", "other_config"});
  if (auto* e = t->get("enabled")) {
    if (auto b = e->value_exact<bool>())
      ra.enabled = *b ? ipv6_ra_config::mode::on : ipv6_ra_config::mode::off;
    else if (string_value(file, *e, "server.ipv6_ra.enabled") != std::optional<std::string>("auto"))
      fail(file, *e, "server.ipv6_ra.enabled", "expected \"auto\", true or false");
  }
  ra.quiet = std::chrono::seconds(get_int(file, *t, "server.ipv6_ra", "quiet_seconds", 1800, 0, 86400 * 7));
  // RFC 4861 §6.2.1: AdvDefaultLifetime is 0 or up to 9000 seconds.
  ra.router_lifetime = std::uint16_t(get_int(file, *t, "server.ipv6_ra", "router_lifetime", 0, 0, 9000));
  ra.managed = get_bool(file, *t, "server.ipv6_ra", "managed", false);
  ra.other_config = get_bool(file, *t, "server.ipv6_ra", "other_config", false);
}

void parse_server_table(const std::string& file, const toml::table& t, server_config& cfg) {
  check_keys(file, t, "server",
             {"interfaces", "threads", "log_level", "state_directory", "metrics_address", "plugin_directory",
              "reload_drain_seconds", "dhcp", "ipv6_ra"});
  if (auto* n = t.get("interfaces")) {
    auto* a = n->as_array();
    if (!a) fail(file, *n, "server.interfaces", "expected an array of interface names");
    for (auto& e : *a) {
      auto v = string_value(file, e, "server.interfaces");
      if (!v || v->empty() || v->size() >= 16) fail(file, e, "server.interfaces", "expected an interface name");
      cfg.interfaces.push_back(*v);
    }
  }
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  cfg.threads = unsigned(get_int(file, t, "server", "threads", std::min(hw, 4u), 1, 256));
  auto level = get_string(file, t, "server", "log_level", "info");
  auto parsed = parse_log_level(level);
  if (!parsed) fail(file, *t.get("log_level"), "server.log_level", "expected trace, debug, info, warn or error");
  cfg.log_level = *parsed;
  cfg.state_directory = get_string(file, t, "server", "state_directory", cfg.state_directory);
  if (cfg.state_directory.empty())  // would put every plugin's state in the working directory
    fail(file, *t.get("state_directory"), "server.state_directory",
         "must not be empty (a path; relative paths are relative to plugins.toml)");
  if (!cfg.state_directory.empty() && cfg.state_directory.front() != '/')
    cfg.state_directory = (fs::path(cfg.base_directory) / cfg.state_directory).lexically_normal().string();
  check_state_directory(file, t.get("state_directory") ? *t.get("state_directory") : static_cast<const toml::node&>(t),
                        cfg.state_directory);
  if (auto* n = t.get("metrics_address")) {
    auto s = string_value(file, *n, "server.metrics_address");
    auto ep = s ? parse_endpoint(*s) : std::nullopt;
    if (!ep) fail(file, *n, "server.metrics_address", "expected \"address:port\", e.g. \"127.0.0.1:9267\"");
    cfg.metrics_address = ep;
  }
  // Up to an hour: a lockstep kernel download in a storm takes a minute; longer would keep a stale
  // generation of plugins alive behind a client that keeps acknowledging forever.
  cfg.reload_drain = std::chrono::seconds(
      get_int(file, t, "server", "reload_drain_seconds", cfg.reload_drain.count(), 0, 3600));
  auto pdir = get_string(file, t, "server", "plugin_directory", "");
  if (!pdir.empty())
    cfg.plugin_directory = pdir.front() == '/' ? pdir : (fs::path(cfg.base_directory) / pdir).lexically_normal().string();
  if (auto* n = t.get("dhcp")) {
    auto* d = n->as_table();
    if (!d) fail(file, *n, "server.dhcp", "expected a table");
    check_keys(file, *d, "server.dhcp", {"enabled", "address", "port", "client_port", "relay_port"});
    cfg.dhcp_enabled = get_bool(file, *d, "server.dhcp", "enabled", true);
    auto addr_s = get_string(file, *d, "server.dhcp", "address", "0.0.0.0");
    auto addr = sdk::ipv4_address::parse(addr_s);
    if (!addr) fail(file, *d->get("address"), "server.dhcp.address", "expected an IPv4 address");
    cfg.dhcp_listen = {*addr, std::uint16_t(get_int(file, *d, "server.dhcp", "port", 67, 0, 65535))};
    cfg.dhcp_client_port = std::uint16_t(get_int(file, *d, "server.dhcp", "client_port", 68, 1, 65535));
    cfg.dhcp_relay_port = std::uint16_t(get_int(file, *d, "server.dhcp", "relay_port", 67, 1, 65535));
  }
  if (auto* n = t.get("ipv6_ra")) parse_ipv6_ra_table(file, *n, cfg.ipv6_ra);
}

std::string resolve_library(const std::string& file, const toml::node& n, const std::string& label,
                            const std::string& lib, const server_config& cfg) {
  if (lib.rfind("builtin:", 0) == 0) return lib;
  fs::path p(lib);
  fs::path resolved;
  if (p.is_absolute())
    resolved = p;
  else if (lib.find('/') != std::string::npos)
    resolved = fs::path(cfg.base_directory) / p;  // relative to plugins.toml
  else
    resolved = fs::path(cfg.plugin_directory) / p;  // bare name: the plugin directory
  resolved = resolved.lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(resolved, ec))
    fail(file, n, label + ".library", fmt::format("no plugin library at {}", resolved.string()));
  return resolved.string();
}

// plugins.toml: only a regular file of bounded size (sdk::read_whole_file), so --plugins /dev/zero or a FIFO
// is an error at once, also on SIGHUP.
std::string read_config_file(const std::string& path) {
  try {
    return sdk::read_whole_file(path);
  } catch (const sdk::file_error& e) {
    throw config_file_error(fmt::format("{}: cannot read the configuration file: {}", path, e.reason()));
  }
}

}  // namespace

server_config parse_server_config(const std::string& text, const std::string& path,
                                  const std::string& default_plugin_dir) {
  server_config cfg;
  cfg.file = path;
  cfg.base_directory = fs::path(path).parent_path().string();
  if (cfg.base_directory.empty()) cfg.base_directory = ".";
  cfg.plugin_directory = default_plugin_dir;

  std::shared_ptr<toml::table> doc;
  try {
    doc = std::make_shared<toml::table>(toml::parse(text, path));
  } catch (const toml::parse_error& e) {
    throw config_file_error(fmt::format("{}:{}:{}: syntax error: {}", path, e.source().begin.line,
                                        e.source().begin.column, e.description()));
  }
  check_keys(path, *doc, "(top level)", {"server", "plugin"});
  if (auto* n = doc->get("server")) {
    auto* t = n->as_table();
    if (!t) fail(path, *n, "server", "expected a table");
    parse_server_table(path, *t, cfg);
  }
  auto* plugins = doc->get("plugin");
  if (plugins && !plugins->as_array()) fail(path, *plugins, "plugin", "expected [[plugin]] entries");
  std::set<std::string> names;
  if (plugins) {
    std::size_t index = 0;
    for (auto& node : *plugins->as_array()) {
      auto* t = node.as_table();
      if (!t) fail(path, node, "plugin", "expected a table");
      std::string label = fmt::format("plugin[{}]", index++);
      // Name the instance in messages as soon as its name is known, even for errors in other keys.
      if (auto n = t->get_as<std::string>("name"); n && valid_instance_name(n->get()))
        label = fmt::format("plugin[{}]", n->get());
      check_keys(path, *t, label, {"name", "kind", "library", "config"});
      plugin_entry e;
      e.where = where_of(path, t->source());
      e.name = get_string(path, *t, label, "name", "");
      if (e.name.empty()) fail(path, *t, label + ".name", "missing (every plugin instance needs a unique name)");
      if (e.name.size() > max_instance_name)
        fail(path, *t->get("name"), label + ".name",
             fmt::format("{} characters long; at most {} (it names the instance's state directory)", e.name.size(),
                         max_instance_name));
      if (!valid_instance_name(e.name))
        fail(path, *t->get("name"), label + ".name",
             "start with a letter or a digit, then use letters, digits, '-', '_' or '.'");
      label = fmt::format("plugin[{}]", e.name);
      // bootfw's own log lines (and the DHCP service's metrics) carry these names: an instance called so
      // would be taken for bootfw itself.
      for (const char* reserved : {"bootfw", "session", "dhcp-service", "ipv6-ra"})
        if (e.name == reserved)
          fail(path, *t->get("name"), label + ".name",
               fmt::format("'{}' is reserved for bootfw's own log lines; choose another name", e.name));
      if (!names.insert(e.name).second)
        fail(path, *t->get("name"), label + ".name", fmt::format("duplicate plugin instance name '{}'", e.name));
      auto kind_s = get_string(path, *t, label, "kind", "");
      auto kind = parse_kind(kind_s);
      if (!kind)
        fail(path, t->get("kind") ? *t->get("kind") : static_cast<const toml::node&>(*t), label + ".kind",
             "expected one of dhcp-responder, boot-policy, tftp-transport, config-resolver, artifact-provider");
      e.kind = *kind;
      e.library = get_string(path, *t, label, "library", "");
      if (e.library.empty()) fail(path, *t, label + ".library", "missing (a .so path or \"builtin:<name>\")");
      e.library_path = resolve_library(path, *t->get("library"), label, e.library, cfg);
      auto* c = t->get("config");
      if (c && !c->as_table()) fail(path, *c, label + ".config", "expected a table");
      e.config = std::make_shared<toml_view>(doc, c, path, cfg.base_directory, label + ".config", e.where);
      cfg.plugins.push_back(std::move(e));
    }
  }
  return cfg;
}

server_config load_server_config(const std::string& path, const std::string& default_plugin_dir) {
  std::error_code ec;
  auto abs = fs::absolute(path, ec);
  return parse_server_config(read_config_file(path), ec ? path : abs.lexically_normal().string(), default_plugin_dir);
}

}  // namespace bootfw
