// bootfw::server (sdk/include/bootfw/sdk/embed.hpp): owns one configuration generation at a time, the DHCP
// service, the worker threads, and everything shared across reloads (logs, metrics, client sessions).
#include <bootfw/sdk/embed.hpp>

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <future>
#include <thread>

#include "config.hpp"
#include "dhcp/service.hpp"
#include "interfaces.hpp"
#include "loader.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "metrics_http.hpp"
#include "offline.hpp"
#include "pipeline.hpp"
#include "ra/service.hpp"
#include "runtime.hpp"
#include "sessions.hpp"
#include "version.hpp"

namespace bootfw {

namespace asio = boost::asio;

struct server::impl {
  server_options options;
  std::unique_ptr<asio::io_context> owned_io;
  asio::io_context& io;
  log_sink sink;
  named_logger log{sink, "bootfw"};
  metrics_store metrics;
  interface_table interfaces;
  asio::thread_pool blocking{1};
  runtime_context ctx{io, blocking, sink, metrics, interfaces};
  client_sessions sessions{sink, metrics};

  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  // With our own io_context and more than one thread: thread 0 runs `io` (DHCP, RA, metrics), each other
  // thread one of these, and plugin instances are spread over them (runtime_context::plugin_context).
  std::vector<std::unique_ptr<asio::io_context>> plugin_contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> plugin_work;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};

  // `control` serialises start/stop/reload and is held through a whole teardown. `state` guards the
  // pointers below for readers (dhcp_endpoint, plugin_names, wait), which may run in handlers on bootfw's own
  // workers: they must never wait for a teardown that waits for those workers.
  std::mutex control;
  mutable std::mutex state;
  std::condition_variable stopped_cv;
  bool running = false;
  server_config config;
  std::shared_ptr<pipeline> current;
  std::shared_ptr<dhcp::service> dhcp;
  std::shared_ptr<ra::service> ra;  // IPv6 router advertisements; null when off or unavailable
  std::shared_ptr<metrics_endpoint> metrics_http;

  /// The teardown of stop(), with `control` held (also a reload that can run neither configuration).
  void shutdown() noexcept;

  // Reload: previous generations whose tftp-transports still finish their transfers (pipeline::drain),
  // each until drained or its deadline. A timer on `io` polls them. `draining_mutex`, not `control`, guards
  // them: a reload holds `control` while it waits for work on `io`, where the poller runs.
  struct draining_generation {
    std::shared_ptr<pipeline> generation;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::seconds limit;
  };
  std::mutex draining_mutex;
  std::vector<draining_generation> draining;
  bool draining_closed = false;  ///< set by shutdown(): nothing is kept any more
  std::optional<asio::steady_timer> drain_timer;  ///< io only

  /// Keeps `generation` (already drained) until its transfers end or `limit` passes.
  void keep_draining(std::shared_ptr<pipeline> generation, std::chrono::seconds limit) {
    {
      std::lock_guard lock(draining_mutex);
      if (draining_closed) return;  // `generation` is destroyed here, its transfers end
      draining.push_back({std::move(generation), std::chrono::steady_clock::now() + limit, limit});
    }
    asio::post(io, [this] { arm_drain_timer(); });
  }
  void arm_drain_timer() {  // io only
    if (!drain_timer) drain_timer.emplace(io);
    drain_timer->expires_after(std::chrono::milliseconds(200));
    drain_timer->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll_draining();  // aborted: the server (and `this`) may be gone
    });
  }
  void poll_draining() noexcept {  // io only
    std::lock_guard lock(draining_mutex);  // held while a generation is destroyed: shutdown() waits for it
    const auto now = std::chrono::steady_clock::now();
    for (auto it = draining.begin(); it != draining.end();) {
      bool done = it->generation->drained();
      if (!done && now < it->deadline) {
        ++it;
        continue;
      }
      if (done) {
        log.write(log_level::info, "the previous configuration's transfers have ended");
      } else {
        log.write(log_level::warn, fmt::format("[server].reload_drain_seconds ({}) passed: ending the previous "
                                               "configuration's remaining transfers",
                                               it->limit.count()));
      }
      it->generation->stop();
      it = draining.erase(it);  // destroys the generation: its instances, on their strands
    }
    if (!draining.empty() && !draining_closed) arm_drain_timer();
  }
  /// shutdown(): ends the transfers of every draining generation.
  void end_draining() noexcept {
    std::vector<draining_generation> ending;
    {
      std::lock_guard lock(draining_mutex);
      draining_closed = true;
      ending = std::move(draining);
      draining.clear();
    }
    for (auto& d : ending) d.generation->stop();
  }

  // [server].metrics_address on reload: the endpoint moves, starts or stops with it. A new address that
  // cannot be bound is logged and leaves the server without the endpoint rather than refusing the reload.
  void update_metrics_endpoint(const server_config& cfg, const server_config& previous) {
    if (cfg.metrics_address == previous.metrics_address) return;
    if (metrics_http) metrics_http->stop();
    metrics_http.reset();
    if (!cfg.metrics_address) return;
    auto endpoint = std::make_shared<metrics_endpoint>(io, [this] { return metrics.render(); });
    try {
      endpoint->start(*cfg.metrics_address);
      metrics_http = std::move(endpoint);
    } catch (const std::exception& e) {
      log.write(log_level::error, fmt::format("reloaded, but without the metrics endpoint: {}", e.what()));
    }
  }

  impl(asio::io_context* given, server_options o)
      : options(std::move(o)),
        owned_io(given ? nullptr : std::make_unique<asio::io_context>()),
        io(given ? *given : *owned_io),
        sink(options.log_level.value_or(log_level::info), options.log_stream ? options.log_stream : stderr) {}

  library_loader_options loader() const { return {options.builtins}; }

  /// Stops the DHCP service outside the state lock, then forgets it (readers never wait on a teardown).
  void unpublish_dhcp() noexcept {
    std::shared_ptr<dhcp::service> d;
    {
      std::lock_guard unpublished(state);
      d = std::move(dhcp);
    }
    if (d) d->stop();
  }

  void run_loop(asio::io_context& loop) {
    // run_for in a loop rather than run(): on a host's shared io_context our threads must be able to
    // leave at stop() while the host's own work keeps the context alive.
    while (!stopping.load()) {
      if (loop.stopped()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      try {
        loop.run_for(std::chrono::milliseconds(200));
      } catch (const std::exception& e) {
        log.write(log_level::error, fmt::format("event loop handler threw: {}", e.what()));
      }
    }
  }

  void start_threads(unsigned n) {
    stopping = false;
    work.emplace(io.get_executor());
    // A host's io_context: all our threads run it, as the host may expect. Ours: one loop per thread.
    const unsigned extra = owned_io && n > 1 ? n - 1 : 0;
    if (plugin_contexts.size() != extra) {  // nothing lives on them between stop() and start()
      ctx.plugin_io.clear();
      plugin_contexts.clear();
      for (unsigned i = 0; i < extra; ++i) plugin_contexts.push_back(std::make_unique<asio::io_context>(1));
      for (auto& c : plugin_contexts) ctx.plugin_io.push_back(c.get());
    }
    for (auto& c : plugin_contexts) {
      c->restart();
      plugin_work.emplace_back(c->get_executor());
    }
    const unsigned on_io = extra ? 1 : n;
    for (unsigned i = 0; i < on_io; ++i) threads.emplace_back([this] { run_loop(io); });
    for (auto& c : plugin_contexts) threads.emplace_back([this, loop = c.get()] { run_loop(*loop); });
  }

  void stop_threads() noexcept {
    stopping = true;
    work.reset();
    plugin_work.clear();
    bool on_worker = false;
    for (auto& t : threads) {
      if (!t.joinable()) continue;
      // stop() from a handler on one of our workers: that worker leaves its loop when the handler returns.
      if (t.get_id() == std::this_thread::get_id()) {
        on_worker = true;
        t.detach();
      } else {
        t.join();
      }
    }
    threads.clear();
    if (owned_io) {
      // Blocking work still running (a journal flush) may hold the last reference to a pipeline through a
      // deferred reply, and then destroys it on the pool's thread: let it finish before the loops are polled
      // one last time here, so that no strand runs on two threads at once. Only when every loop of ours
      // has ended: on a host's io_context, or on one of our workers, this thread may be the one that
      // pool work waits for.
      if (!on_worker) {
        std::promise<void> idle;
        asio::post(blocking, [&idle] { idle.set_value(); });
        idle.get_future().wait();
      }
      // Run what the teardown posted (handlers releasing plugin objects; they may post to another loop).
      for (int round = 0; round < 2; ++round) {
        for (auto& c : plugin_contexts) {
          c->restart();
          c->poll();
        }
        owned_io->restart();
        owned_io->poll();
      }
    }
  }

  std::shared_ptr<dhcp::service> make_dhcp(const server_config& cfg, const std::shared_ptr<pipeline>& p) {
    if (!cfg.dhcp_enabled || p->chain(sdk::plugin_kind::dhcp_responder).empty()) return nullptr;
    auto s = std::make_shared<dhcp::service>(ctx, sessions, cfg);
    s->use(p);
    s->start();
    return s;
  }

  // [server.ipv6_ra]: "auto" runs next to a DHCP service that serves links (listens on the wildcard address;
  // one bound to a unicast address such as 127.0.0.1 serves none) and only warns when the raw socket cannot
  // be opened (not root); true makes that a start-up error. Kept across reloads when its settings are unchanged.
  void update_ra(const server_config& cfg, const server_config* previous) {
    using mode = ipv6_ra_config::mode;
    bool serves_links = dhcp && cfg.dhcp_listen.address.is_unspecified();
    bool wanted = cfg.ipv6_ra.enabled == mode::on || (cfg.ipv6_ra.enabled == mode::automatic && serves_links);
    if (ra && wanted && previous && previous->ipv6_ra == cfg.ipv6_ra && previous->interfaces == cfg.interfaces) return;
    if (ra) ra->stop();
    ra.reset();
    if (!wanted) return;
    auto s = std::make_shared<ra::service>(ctx, cfg);
    try {
      s->start();
    } catch (const std::exception& e) {
      s->stop();
      if (cfg.ipv6_ra.enabled == mode::on) throw;
      log.write(log_level::warn, fmt::format("{}; running without the IPv6 router-advertisement responder "
                                             "([server.ipv6_ra] enabled = false silences this)",
                                             e.what()));
      return;
    }
    ra = std::move(s);
    std::string names;
    for (auto& n : ra->link_names()) names += (names.empty() ? "" : ", ") + n;
    log.write(log_level::info, fmt::format("IPv6 router solicitations answered (lifetime {}) on: {}",
                                           cfg.ipv6_ra.router_lifetime, names.empty() ? "(no interface yet)" : names));
  }
};

server::server(server_options options) : impl_(std::make_unique<impl>(nullptr, std::move(options))) {}
server::server(boost::asio::io_context& io, server_options options)
    : impl_(std::make_unique<impl>(&io, std::move(options))) {}
server::~server() { stop(); }

void server::start() {
  auto& m = *impl_;
  std::lock_guard lock(m.control);
  if (m.running) return;
  auto cfg = load_server_config(m.options.plugins_file, m.options.plugin_directory);
  m.sink.set_level(m.options.log_level.value_or(cfg.log_level));
  {
    std::lock_guard reopened(m.draining_mutex);
    m.draining_closed = false;
  }
  m.start_threads(m.options.threads.value_or(cfg.threads));
  try {
    auto p = std::make_shared<pipeline>(m.ctx, m.sessions, cfg, m.loader());
    p->start();
    try {
      auto d = m.make_dhcp(cfg, p);
      {
        std::lock_guard published(m.state);
        m.dhcp = std::move(d);
      }
      m.update_ra(cfg, nullptr);
    } catch (...) {
      m.unpublish_dhcp();
      p->stop();
      throw;
    }
    if (cfg.metrics_address) {
      m.metrics_http = std::make_shared<metrics_endpoint>(m.io, [&m] { return m.metrics.render(); });
      try {
        m.metrics_http->start(*cfg.metrics_address);
      } catch (...) {
        if (m.ra) m.ra->stop();
        m.ra.reset();
        m.unpublish_dhcp();
        p->stop();
        throw;
      }
    }
    std::lock_guard published(m.state);
    m.current = std::move(p);
    m.config = std::move(cfg);
    m.running = true;
  } catch (...) {
    {
      std::lock_guard unpublished(m.state);
      m.current.reset();
    }
    m.metrics_http.reset();
    m.stop_threads();
    throw;
  }
  std::string names;
  for (auto& s : m.current->slots())
    names += fmt::format("{}{} ({} {})", names.empty() ? "" : ", ", s->entry.name, s->library->info().name,
                         sdk::kind_name(s->entry.kind));
  m.log.write(log_level::info, fmt::format("bootfw {} (plugin ABI {}) serving with {} thread(s): {}", version(),
                                           BOOTFW_SDK_ABI_VERSION, m.threads.size(), names));
  if (m.dhcp)
    if (auto ep = m.dhcp->endpoint()) m.log.write(log_level::info, fmt::format("DHCP on {}", ep->to_string()));
}

void server::stop() noexcept {
  auto& m = *impl_;
  std::lock_guard lock(m.control);
  m.shutdown();
}

bool server::running() const noexcept {
  std::lock_guard lock(impl_->state);
  return impl_->running;
}

void server::impl::shutdown() noexcept {
  auto& m = *this;
  std::shared_ptr<pipeline> current;
  std::shared_ptr<dhcp::service> dhcp;
  {
    std::lock_guard unpublished(m.state);
    if (!m.running) return;
    m.running = false;
    current = std::move(m.current);
    dhcp = std::move(m.dhcp);
  }
  if (m.metrics_http) m.metrics_http->stop();
  if (m.ra) m.ra->stop();
  m.ra.reset();
  if (dhcp) dhcp->stop();
  if (current) current->stop();
  m.end_draining();  // while the threads run: generations are destroyed on their strands
  dhcp.reset();
  current.reset();  // destroys instances on their strands: threads must still run
  m.stop_threads();
  m.log.write(log_level::info, "stopped");
  std::lock_guard notified(m.state);
  m.stopped_cv.notify_all();
}

bool server::reload(std::string& error) {
  auto& m = *impl_;
  std::lock_guard lock(m.control);
  if (!m.running) {
    error = "server is not running";
    return false;
  }
  std::shared_ptr<pipeline> next;
  server_config cfg;
  try {
    cfg = load_server_config(m.options.plugins_file, m.options.plugin_directory);
    next = std::make_shared<pipeline>(m.ctx, m.sessions, cfg, m.loader());
  } catch (const std::exception& e) {
    error = e.what();
    m.log.write(log_level::error, fmt::format("reload refused, the running configuration stays: {}", error));
    return false;
  }
  // The new configuration is valid: swap. Sockets (TFTP port, DHCP port) move from old to new. The old
  // tftp-transports only close their listeners and keep their transfers until these end (keep_draining).
  if (m.dhcp) m.dhcp->stop();
  const auto drain_limit = cfg.reload_drain;
  std::size_t draining = drain_limit.count() > 0 ? m.current->drain() : 0;
  if (!draining) m.current->stop();
  auto previous = m.current;
  try {
    next->start();
    auto d = m.make_dhcp(cfg, next);
    std::lock_guard published(m.state);
    m.dhcp = std::move(d);
  } catch (const std::exception& e) {
    error = e.what();
    m.log.write(log_level::error, fmt::format("reload failed to start, restoring the previous configuration: {}", error));
    next.reset();
    try {
      auto restored = std::make_shared<pipeline>(m.ctx, m.sessions, m.config, m.loader());
      restored->start();
      auto d = m.make_dhcp(m.config, restored);
      {
        std::lock_guard published(m.state);
        m.dhcp = std::move(d);
        m.current = std::move(restored);
      }
      if (draining) m.keep_draining(std::move(previous), drain_limit);
    } catch (const std::exception& e2) {
      // Nothing can serve: stop rather than live on answering nobody, so that the service manager (or the
      // embedding host, through running()) sees it and restarts bootfw.
      m.log.write(log_level::error,
                  fmt::format("could not restore the previous configuration, stopping: {}", e2.what()));
      error += fmt::format("; the previous configuration could not be restored ({}): stopped", e2.what());
      previous.reset();  // shutdown() destroys it while the threads still run
      m.shutdown();
    }
    return false;
  }
  m.sink.set_level(m.options.log_level.value_or(cfg.log_level));
  m.update_metrics_endpoint(cfg, m.config);
  if (!m.options.threads && cfg.threads != m.config.threads)
    m.log.write(log_level::warn, fmt::format("[server].threads = {} takes effect at the next start; running with {}",
                                             cfg.threads, m.threads.size()));
  try {
    m.update_ra(cfg, &m.config);
  } catch (const std::exception& e) {
    m.log.write(log_level::error, fmt::format("reloaded, but without IPv6 router advertisements: {}", e.what()));
  }
  {
    std::lock_guard published(m.state);
    m.current = std::move(next);
    m.config = std::move(cfg);
  }
  if (draining) m.keep_draining(std::move(previous), drain_limit);
  m.log.write(log_level::info, fmt::format("reloaded {}", m.options.plugins_file));
  return true;
}

void server::wait() {
  auto& m = *impl_;
  std::unique_lock lock(m.state);
  m.stopped_cv.wait(lock, [&] { return !m.running; });
}

std::string server::metrics_text() const { return impl_->metrics.render(); }

std::optional<sdk::udp_endpoint> server::dhcp_endpoint() const {
  std::lock_guard lock(impl_->state);
  return impl_->dhcp ? impl_->dhcp->endpoint() : std::nullopt;
}

std::optional<sdk::client_record> server::find_client(sdk::ipv4_address address) const {
  return impl_->sessions.find(address);
}

std::size_t server::transfer_requests(sdk::ipv4_address address) const {
  return impl_->sessions.transfer_requests(address);
}

std::vector<std::string> server::plugin_names() const {
  std::lock_guard lock(impl_->state);
  std::vector<std::string> out;
  if (impl_->current)
    for (auto& s : impl_->current->slots()) out.push_back(s->entry.name);
  return out;
}

std::string check_configuration(const server_options& options) {
  try {
    auto cfg = load_server_config(options.plugins_file, options.plugin_directory);
    offline_pipeline p(cfg, library_loader_options{options.builtins}, options.log_level.value_or(log_level::warn),
                       options.log_stream ? options.log_stream : stderr);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace bootfw
