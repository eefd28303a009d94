#include "metrics.hpp"

#include <fmt/format.h>

namespace bootfw {

namespace {
std::string sanitize(std::string_view name) {
  std::string out = "bootfw_";
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return out;
}
}  // namespace

metrics_store::series& metrics_store::get(std::string_view name, std::string_view help, std::string_view instance,
                                          bool is_counter) {
  std::lock_guard lock(mutex_);
  auto& s = series_[{sanitize(name), std::string(instance)}];
  if (!s) {
    s = std::make_unique<series>();
    s->is_counter = is_counter;
    s->help = std::string(help);
  }
  return *s;
}

sdk::counter& metrics_store::counter(std::string_view name, std::string_view help, std::string_view instance) {
  return get(name, help, instance, true);
}

sdk::gauge& metrics_store::gauge(std::string_view name, std::string_view help, std::string_view instance) {
  return get(name, help, instance, false);
}

std::int64_t metrics_store::value(std::string_view name, std::string_view instance) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find({sanitize(name), std::string(instance)});
  return it == series_.end() ? 0 : it->second->v.load();
}

std::string metrics_store::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  std::string last;
  for (const auto& [key, s] : series_) {
    if (key.first != last) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", key.first, s->help, key.first,
                         s->is_counter ? "counter" : "gauge");
      last = key.first;
    }
    out += fmt::format("{}{{plugin=\"{}\"}} {}\n", key.first, key.second, s->v.load(std::memory_order_relaxed));
  }
  return out;
}

}  // namespace bootfw
