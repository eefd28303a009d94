// bootfw embedding API — for host programs (appliance firmware) that run bootfw inside their own process.
//
// Not part of the plugin ABI: plugins never include this header, and it is not hashed into the SDK digest,
// so changes here never force a plugin rebuild.
//
//   boost::asio::io_context io;                       // the host's own loop
//   bootfw::server srv(io, {.plugins_file = "plugins.toml",
//                           .builtins = bootfw::sdk::shipped_static_plugins()});
//   srv.start();                                      // throws std::runtime_error with a clear message
//   ... io.run() in the host's threads, next to its own work ...
//   srv.stop();
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <bootfw/sdk/host.hpp>
#include <bootfw/sdk/net.hpp>
#include <bootfw/sdk/static_plugins.hpp>

namespace boost::asio {
class io_context;
}

namespace bootfw {

struct server_options {
  std::string plugins_file;                              ///< path of plugins.toml
  std::string plugin_directory;                          ///< where bare library names are found
  std::span<const sdk::static_plugin> builtins;          ///< for library = "builtin:<name>"
  std::optional<sdk::log_level> log_level;               ///< overrides [server].log_level
  std::FILE* log_stream = stderr;
  std::optional<unsigned> threads;                       ///< overrides [server].threads
};

/// A bootfw server: its plugins, DHCP service and worker threads. No global state: several servers can
/// live in one process. Thread-safety: start/stop/reload from one control thread at a time.
class server {
 public:
  /// Runs on its own io_context.
  explicit server(server_options options);
  /// Runs on the host's io_context; bootfw adds its own worker threads to it and removes them at stop().
  server(boost::asio::io_context& io, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Loads plugins.toml, loads and configures every plugin, starts them and the DHCP service.
  /// Throws std::runtime_error naming the file/line/key or the plugin on any failure (nothing left running).
  void start();
  /// Graceful stop: plugins stopped in reverse order, sockets closed, worker threads joined. Idempotent.
  /// May be called from a handler running on one of bootfw's workers (that worker leaves once the handler
  /// returns); the server must not be destroyed from such a handler. The read-only accessors below never
  /// wait for a stop or reload in progress, so handlers may call them at any time.
  void stop() noexcept;
  /// Re-reads plugins.toml and validates it fully (parse, load, configure) before swapping; on failure the
  /// running configuration stays and `error` says why. Returns true when the new configuration runs.
  /// Every instance is restarted with the new file. TFTP transfers in progress finish on the previous
  /// tftp-transports for up to [server].reload_drain_seconds (0: they end at the reload; stop() ends them).
  /// When the new configuration fails to start, the previous one is started again; when that fails too, the
  /// server stops (running() turns false).
  bool reload(std::string& error);
  /// False before start(), after stop(), and after a reload that left nothing to run.
  bool running() const noexcept;
  /// Blocks until stop() is called from another thread or a signal handler.
  void wait();

  /// Prometheus text of the server's metrics.
  std::string metrics_text() const;
  /// The bound DHCP endpoint (port 0 in the config → ephemeral), if the DHCP service runs.
  std::optional<sdk::udp_endpoint> dhcp_endpoint() const;
  /// What bootfw knows of the client at `address` (from the DHCP replies it delivered).
  std::optional<sdk::client_record> find_client(sdk::ipv4_address address) const;
  /// TFTP/transfer requests seen from the client at `address` in its current boot session.
  std::size_t transfer_requests(sdk::ipv4_address address) const;
  /// Instance names of the running configuration, in plugins.toml order.
  std::vector<std::string> plugin_names() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

/// Validates a configuration without binding sockets (bootfw --check): parse, load every plugin library,
/// configure every instance. Returns an empty string when valid, else the first error.
std::string check_configuration(const server_options& options);

}  // namespace bootfw
