#include "file_provider.hpp"

#include <fmt/format.h>

namespace bootfw::plugin_file {
namespace {

std::string absolute(const sdk::config_view& node, const std::string& p) {
  if (p.empty()) throw sdk::config_error(node, "empty root directory");
  if (p.front() == '/') return p;
  std::string base = node.base_directory();
  return base.empty() ? p : base + (base.back() == '/' ? "" : "/") + p;
}

// Client-supplied names may hold any byte: escape them before they reach a log line.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 200)) {
    if (c < 0x20 || c >= 0x7f || c == '\\') out += fmt::format("\\x{:02x}", c);
    else out += char(c);
  }
  return s.size() > 200 ? out + "…" : out;
}

}  // namespace

file_settings parse_file_settings(const sdk::config_view& config) {
  config.allow_only({"root", "roots", "cache_max_file_bytes", "cache_max_total_bytes"});
  file_settings s;
  const auto& root = config["root"];
  const auto& roots = config["roots"];
  if (root.present() == roots.present())
    throw sdk::config_error(config, "set exactly one of 'root' (a directory) or 'roots' (directories searched in order)");
  if (root.present()) {
    auto v = root.as_string();
    if (!v) throw sdk::config_error(root, "expected a string");
    s.roots.push_back(absolute(root, *v));
  } else {
    if (!roots.is_array() || roots.size() == 0) throw sdk::config_error(roots, "expected a non-empty array of directories");
    for (std::size_t i = 0; i < roots.size(); ++i) {
      auto v = roots[i].as_string();
      if (!v) throw sdk::config_error(roots[i], "expected a string");
      s.roots.push_back(absolute(roots[i], *v));
    }
  }
  s.cache_max_file_bytes = std::uint64_t(config.get_int("cache_max_file_bytes", std::int64_t(s.cache_max_file_bytes), 0,
                                                        std::int64_t(1) << 30));
  s.cache_max_total_bytes = std::uint64_t(config.get_int("cache_max_total_bytes",
                                                         std::int64_t(s.cache_max_total_bytes), 0, std::int64_t(1) << 40));
  return s;
}

void file_provider::configure(sdk::host& host, const sdk::config_view& config) {
  host_ = &host;
  settings_ = parse_file_settings(config);
  roots_.clear();
  for (std::size_t i = 0; i < settings_.roots.size(); ++i) {
    const auto& node = config["root"].present() ? config["root"] : config["roots"][i];
    try {
      roots_.emplace_back(settings_.roots[i]);
    } catch (const std::system_error& e) {
      throw sdk::config_error(node, fmt::format("cannot open root directory {}: {}", settings_.roots[i],
                                                e.code().message()));
    }
  }
  cache_ = std::make_unique<small_file_cache>(settings_.cache_max_file_bytes, settings_.cache_max_total_bytes);
  auto& m = host.metrics();
  opens_ = &m.make_counter("file_opens_total", "Artifacts opened");
  refusals_ = &m.make_counter("file_refused_total", "Requests refused (bad name, outside the root, not a regular file)");
  hits_ = &m.make_counter("file_cache_hits_total", "Opens served from the in-memory cache");
  misses_ = &m.make_counter("file_cache_misses_total", "Opens of cacheable files not (or no longer) in the cache");
  bytes_read_ = &m.make_counter("file_bytes_read_total", "Bytes handed to transports");
  cached_bytes_ = &m.make_gauge("file_cache_bytes", "Bytes held by the in-memory cache");
  for (const auto& r : roots_)
    host.log().info(fmt::format("serving {} ({})", r.directory(),
                                r.used() == confined_root::strategy::openat2 ? "openat2 RESOLVE_BENEATH" : "O_NOFOLLOW walk"));
}

std::shared_ptr<sdk::artifact> file_provider::open(std::string_view path, sdk::open_error& error) {
  std::string why;
  for (std::size_t i = 0; i < roots_.size(); ++i) {
    auto file = roots_[i].open(path, error, why);
    if (file.fd) {
      opens_->add();
      std::string name = confined_root::normalize_name(path, error, why);
      error = sdk::open_error::none;
      return make_artifact(i, name, std::move(file));
    }
    if (error != sdk::open_error::not_found) {  // refused: the same in every root, and worth a line
      refusals_->add();
      host_->log().write_limited(sdk::log_level::warn, "refused",
                                 fmt::format("refused '{}': {} ({})", printable(path), to_string(error), why));
      return nullptr;
    }
  }
  error = sdk::open_error::not_found;
  return nullptr;
}

std::shared_ptr<sdk::artifact> file_provider::make_artifact(std::size_t root_index, const std::string& name,
                                                            confined_root::opened_file file) {
  std::string full = roots_[root_index].directory() + "/" + name;
  auto identity = file_identity::of(file.status);
  if (!cache_->cacheable(std::uint64_t(identity.size)))
    return std::make_shared<file_artifact>(std::move(file), std::move(full), *bytes_read_);
  std::string key = std::to_string(root_index) + ':' + name;
  if (auto bytes = cache_->find(key, identity)) {
    hits_->add();
    return std::make_shared<memory_artifact>(std::move(bytes), std::move(full), *bytes_read_);
  }
  misses_->add();
  if (auto bytes = read_whole(file)) {
    cache_->insert(key, identity, bytes);
    cached_bytes_->set(std::int64_t(cache_->total_bytes()));
    return std::make_shared<memory_artifact>(std::move(bytes), std::move(full), *bytes_read_);
  }
  return std::make_shared<file_artifact>(std::move(file), std::move(full), *bytes_read_);
}

}  // namespace bootfw::plugin_file
