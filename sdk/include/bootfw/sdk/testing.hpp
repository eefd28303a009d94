// bootfw SDK — test helpers for plugin authors: an in-memory config tree and a fake host.
//
// Unit-test a plugin without sockets or bootfw itself:
//   bootfw::sdk::testing::fake_host host;
//   auto cfg = bootfw::sdk::testing::config_node::table({{"root", "/srv/tftp"}, {"cache", true}});
//   my_plugin p; p.configure(host, cfg); p.start();
//   host.run_pending();          // runs posted tasks and due timers
// For tests through the real loader and real sockets, load the plugin with bootfw itself.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <bootfw/sdk/config.hpp>
#include <bootfw/sdk/host.hpp>

namespace bootfw::sdk {
inline namespace abi_v1 {
namespace testing {

/// An in-memory configuration tree. Build with config_node::table({...}) / array({...}) / scalars.
class config_node final : public config_view {
 public:
  using table_t = std::vector<std::pair<std::string, config_node>>;
  using array_t = std::vector<config_node>;

  config_node() = default;  // missing
  config_node(bool b) : v_(b) {}
  config_node(int i) : v_(std::int64_t(i)) {}
  config_node(std::int64_t i) : v_(i) {}
  config_node(double d) : v_(d) {}
  config_node(const char* s) : v_(std::string(s)) {}
  config_node(std::string s) : v_(std::move(s)) {}

  static config_node table(table_t entries) {
    config_node n;
    n.v_ = std::move(entries);
    n.fix_paths("config");
    return n;
  }
  static config_node array(array_t items) {
    config_node n;
    n.v_ = std::move(items);
    n.fix_paths("config");
    return n;
  }
  /// Relative paths in the config resolve against this directory.
  config_node& with_base_directory(std::string dir) {
    base_ = std::move(dir);
    propagate_base();
    return *this;
  }

  value_type type() const noexcept override {
    switch (v_.index()) {
      case 0: return value_type::missing;
      case 1: return value_type::boolean;
      case 2: return value_type::integer;
      case 3: return value_type::floating;
      case 4: return value_type::string;
      case 5: return value_type::array;
      default: return value_type::table;
    }
  }
  std::string where() const override { return "test-config"; }
  std::string path() const override { return path_; }
  std::string base_directory() const override { return base_; }
  std::optional<bool> as_bool() const noexcept override {
    if (auto* b = std::get_if<bool>(&v_)) return *b;
    return std::nullopt;
  }
  std::optional<std::int64_t> as_int() const noexcept override {
    if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
    return std::nullopt;
  }
  std::optional<double> as_double() const noexcept override {
    if (auto* d = std::get_if<double>(&v_)) return *d;
    if (auto* i = std::get_if<std::int64_t>(&v_)) return double(*i);
    return std::nullopt;
  }
  std::optional<std::string> as_string() const override {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    return std::nullopt;
  }
  std::vector<std::string> keys() const override {
    std::vector<std::string> out;
    if (auto* t = std::get_if<table_t>(&v_))
      for (auto& [k, _] : *t) out.push_back(k);
    return out;
  }
  const config_view& operator[](std::string_view key) const noexcept override {
    if (auto* t = std::get_if<table_t>(&v_))
      for (auto& [k, n] : *t)
        if (k == key) return n;
    return missing_;
  }
  std::size_t size() const noexcept override {
    if (auto* a = std::get_if<array_t>(&v_)) return a->size();
    return 0;
  }
  const config_view& operator[](std::size_t i) const noexcept override {
    if (auto* a = std::get_if<array_t>(&v_))
      if (i < a->size()) return (*a)[i];
    return missing_;
  }

 private:
  void fix_paths(const std::string& p) {
    path_ = p;
    if (auto* t = std::get_if<table_t>(&v_))
      for (auto& [k, n] : *t) n.fix_paths(p + "." + k);
    if (auto* a = std::get_if<array_t>(&v_))
      for (std::size_t i = 0; i < a->size(); ++i) (*a)[i].fix_paths(p + "[" + std::to_string(i) + "]");
  }
  void propagate_base() {
    if (auto* t = std::get_if<table_t>(&v_))
      for (auto& [k, n] : *t) n.with_base_directory(base_);
    if (auto* a = std::get_if<array_t>(&v_))
      for (auto& n : *a) n.with_base_directory(base_);
  }
  std::variant<std::monostate, bool, std::int64_t, double, std::string, array_t, table_t> v_;
  std::string path_ = "config";
  std::string base_;
  static const config_node missing_;
};
inline const config_node config_node::missing_{};

/// A host for unit tests: captures log lines, counts metrics, runs posted work and timers on demand
/// (fake steady and wall clocks, both moved by advance()), and lets the test script the pipeline with
/// std::function hooks.
class fake_host final : public host {
 public:
  struct log_line {
    log_level level;
    std::string text;
  };

  // Pipeline hooks a test may set.
  std::function<boot_decision(const client_facts&)> on_decide_boot;
  std::function<resolve_outcome(const resolve_request&)> on_resolve;
  std::function<open_error(std::string_view)> on_probe;
  std::map<std::uint32_t, client_record> clients;  ///< by address
  std::vector<boot_event> events;
  std::string state_dir = "/tmp";
  std::uint32_t mtu = 1500;

  std::string_view instance_name() const noexcept override { return name_; }
  logger& log() noexcept override { return log_; }
  metrics_registry& metrics() noexcept override { return metrics_; }
  executor& exec() noexcept override { return exec_; }
  std::chrono::steady_clock::time_point now() const noexcept override { return exec_.now_; }
  /// Starts at the real time of construction and moves only with advance(), like now().
  std::chrono::system_clock::time_point wall_now() const noexcept override {
    return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(exec_.now_ - steady_start_);
  }
  std::string state_directory() const override { return state_dir; }
  std::uint32_t interface_mtu(std::uint32_t) const noexcept override { return mtu; }
  boot_decision decide_boot(const client_facts& f) override {
    if (on_decide_boot) return on_decide_boot(f);
    boot_decision d;
    d.boot = false;
    d.reason = "no boot-policy in this test";
    return d;
  }
  resolve_outcome resolve(const resolve_request& r) override {
    if (on_resolve) return on_resolve(r);
    resolve_outcome o;
    o.error = open_error::not_found;
    return o;
  }
  open_error probe(std::string_view path) override { return on_probe ? on_probe(path) : open_error::not_found; }
  std::optional<client_record> find_client(ipv4_address a) const override {
    auto it = clients.find(a.to_uint());
    if (it == clients.end()) return std::nullopt;
    return it->second;
  }
  void record(const boot_event& e) noexcept override { events.push_back(e); }

  explicit fake_host(std::string name = "test") : name_(std::move(name)) {}

  const std::vector<log_line>& lines() const { return log_.lines; }
  bool logged(std::string_view needle) const {
    return std::any_of(log_.lines.begin(), log_.lines.end(),
                       [&](const log_line& l) { return l.text.find(needle) != std::string::npos; });
  }
  std::uint64_t counter_value(const std::string& name) const {
    auto it = metrics_.counters.find(name);
    return it == metrics_.counters.end() ? 0 : it->second->value;
  }
  /// The last value set on a gauge (0 when the plugin never made it).
  std::int64_t gauge_value(const std::string& name) const {
    auto it = metrics_.gauges.find(name);
    return it == metrics_.gauges.end() ? 0 : it->second->value;
  }
  /// Runs posted tasks and completed blocking work until none is left.
  std::size_t run_pending() { return exec_.run_pending(); }
  /// Advances the fake clock and fires due timers.
  void advance(std::chrono::nanoseconds d) {
    exec_.now_ += d;
    exec_.fire_due();
    exec_.run_pending();
  }

 private:
  struct capture_logger final : logger {
    std::vector<log_line> lines;
    bool enabled(log_level) const noexcept override { return true; }
    void write(log_level l, std::string_view m) noexcept override { lines.push_back({l, std::string(m)}); }
    void write_limited(log_level l, std::string_view, std::string_view m) noexcept override { write(l, m); }
  };
  struct simple_counter final : counter {
    std::uint64_t value = 0;
    void add(std::uint64_t n) noexcept override { value += n; }
  };
  struct simple_gauge final : gauge {
    std::int64_t value = 0;
    void set(std::int64_t v) noexcept override { value = v; }
    void add(std::int64_t d) noexcept override { value += d; }
  };
  struct simple_metrics final : metrics_registry {
    std::map<std::string, std::unique_ptr<simple_counter>> counters;
    std::map<std::string, std::unique_ptr<simple_gauge>> gauges;
    counter& make_counter(std::string_view n, std::string_view) override {
      auto& c = counters[std::string(n)];
      if (!c) c = std::make_unique<simple_counter>();
      return *c;
    }
    gauge& make_gauge(std::string_view n, std::string_view) override {
      auto& g = gauges[std::string(n)];
      if (!g) g = std::make_unique<simple_gauge>();
      return *g;
    }
  };
  struct manual_executor;
  struct manual_timer final : timer {
    manual_executor* ex;
    std::uint64_t id = 0;
    explicit manual_timer(manual_executor* e) : ex(e) {}
    ~manual_timer() override { cancel(); }
    void expires_after(std::chrono::nanoseconds d, std::function<void()> cb) override {
      cancel();
      id = ++ex->next_id;
      ex->timers.push_back({ex->now_ + d, id, std::move(cb)});
    }
    void cancel() noexcept override {
      std::erase_if(ex->timers, [this](const pending_timer& t) { return t.id == id; });
    }
  };
  struct pending_timer {
    std::chrono::steady_clock::time_point due;
    std::uint64_t id;
    std::function<void()> fn;
  };
  struct manual_executor final : executor {
    std::deque<std::function<void()>> tasks;
    std::vector<pending_timer> timers;
    std::uint64_t next_id = 0;
    std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
    void post(std::function<void()> fn) override { tasks.push_back(std::move(fn)); }
    std::unique_ptr<timer> make_timer() override { return std::make_unique<manual_timer>(this); }
    std::unique_ptr<udp_socket> open_udp(const udp_options&, std::error_code& ec) override {
      ec = std::make_error_code(std::errc::operation_not_supported);
      return nullptr;
    }
    void run_blocking(std::function<void()> work, std::function<void()> done) override {
      work();
      tasks.push_back(std::move(done));
    }
    std::size_t run_pending() {
      std::size_t n = 0;
      while (!tasks.empty()) {
        auto fn = std::move(tasks.front());
        tasks.pop_front();
        fn();
        ++n;
      }
      return n;
    }
    void fire_due() {
      for (;;) {
        auto it = std::min_element(timers.begin(), timers.end(),
                                   [](const pending_timer& a, const pending_timer& b) { return a.due < b.due; });
        if (it == timers.end() || it->due > now_) return;
        auto fn = std::move(it->fn);
        timers.erase(it);
        fn();
      }
    }
  };

  std::string name_;
  capture_logger log_;
  simple_metrics metrics_;
  manual_executor exec_;
  std::chrono::steady_clock::time_point steady_start_ = exec_.now_;
  std::chrono::system_clock::time_point wall_start_ = std::chrono::system_clock::now();
};

}  // namespace testing
}  // namespace abi_v1
}  // namespace bootfw::sdk
