// The per-instance runtime bootfw gives a plugin: a strand executor on the server's io_context, timers,
// UDP sockets (recvmsg with IP_PKTINFO), blocking work, and the sdk::host that bundles them.
//
// Lifetime rule (STYLE.md, Boost.DLL): every asio handler that may run plugin code, or destroy a
// std::function made by plugin code, holds the instance_executor, which holds the plugin's library.
#pragma once

#include <bootfw/sdk/abi.hpp>
#include <bootfw/sdk/host.hpp>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "interfaces.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace bootfw {

class plugin_library;
class udp_poller;

/// What the pipeline offers a plugin through its host (implemented by the server's pipeline).
class pipeline_services {
 public:
  virtual ~pipeline_services() = default;
  virtual sdk::boot_decision decide_boot(const sdk::client_facts& facts) = 0;
  virtual sdk::resolve_outcome resolve(const sdk::resolve_request& request) = 0;
  virtual sdk::open_error probe(std::string_view path) = 0;
  virtual std::optional<sdk::client_record> find_client(sdk::ipv4_address address) const = 0;
  virtual void record(std::string_view instance, const sdk::boot_event& event) noexcept = 0;
};

/// Shared by all instances of one server.
struct runtime_context {
  boost::asio::io_context& io;  ///< framework services (DHCP, RA, metrics) and the control path
  boost::asio::thread_pool& blocking;
  log_sink& sink;
  metrics_store& metrics;
  interface_table& interfaces;
  /// Event loops for plugin instances, each run by one thread of its own (server.cpp): an instance's strand
  /// then never hops between threads, and a TFTP storm does not pay a thread hand-off per datagram.
  /// Empty: instances share `io` (one thread, or a host's own io_context).
  std::vector<boost::asio::io_context*> plugin_io = {};
  std::atomic<unsigned> next_plugin_io{0};

  /// The loop for the next plugin instance: round robin over plugin_io, else `io`.
  boost::asio::io_context& plugin_context() noexcept {
    if (plugin_io.empty()) return io;
    return *plugin_io[next_plugin_io.fetch_add(1, std::memory_order_relaxed) % plugin_io.size()];
  }
  /// The loop an instance of this kind lives on. A DHCP exchange goes from the DHCP service (on `io`) to
  /// each dhcp-responder and, from there, to the boot-policies: those share `io`, so that an exchange does
  /// not wake a second thread twice (service → responder → service). The other kinds (the TFTP transfers
  /// and what they call) are spread over plugin_io and leave `io` to DHCP.
  boost::asio::io_context& context_for(sdk::plugin_kind kind) noexcept {
    if (kind == sdk::plugin_kind::dhcp_responder || kind == sdk::plugin_kind::boot_policy) return io;
    return plugin_context();
  }
};

/// A plugin instance's executor: an asio strand, so calls into one instance never run concurrently.
class instance_executor final : public sdk::executor, public std::enable_shared_from_this<instance_executor> {
 public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  /// Runs on `io` when given (a plugin instance: ctx.plugin_context()), else on ctx.io.
  instance_executor(runtime_context& ctx, std::shared_ptr<const plugin_library> lib, named_logger& log,
                    boost::asio::io_context* io = nullptr);

  void post(std::function<void()> fn) override;
  std::unique_ptr<sdk::timer> make_timer() override;
  std::unique_ptr<sdk::udp_socket> open_udp(const sdk::udp_options& options, std::error_code& ec) override;
  void run_blocking(std::function<void()> work, std::function<void()> done) override;

  /// Runs fn on the strand and waits for it (control path: configure/start/stop). Runs inline when the
  /// caller already runs on the io_context. What fn threw comes back as std::runtime_error with its message
  /// (the original belongs to the plugin library, which the caller may unload).
  void run_and_wait(const std::function<void()>& fn);
  /// Runs a data-path call: anything thrown is logged (rate-limited) and swallowed.
  void guarded(const char* what, const std::function<void()>& fn) noexcept;
  /// After stop: posted work and timers are dropped instead of run.
  void mark_stopped() noexcept { stopped_.store(true); }
  bool stopped() const noexcept { return stopped_.load(); }

  strand_type& strand() noexcept { return strand_; }
  /// Two datagram-sized slots for every socket of this executor (read with one recvmmsg): their receive
  /// callbacks are serialised on the strand, so one pair suffices (a buffer per socket cost 64 KiB per TFTP
  /// transfer). The second slot's pages are touched only when two datagrams are queued. Strand only.
  static constexpr std::size_t receive_slots = 2;
  static constexpr std::size_t receive_slot_bytes = 65536;  ///< any UDP datagram fits
  using receive_buffer_type = std::array<std::byte, receive_slots * receive_slot_bytes>;
  std::span<std::byte> receive_buffer() {
    if (!receive_buffer_) receive_buffer_ = std::make_unique_for_overwrite<receive_buffer_type>();
    return *receive_buffer_;
  }
  runtime_context& context() noexcept { return ctx_; }
  /// The epoll set this executor's UDP sockets are read through (created on first use). Thread-safe.
  udp_poller& poller();
  /// The event loop this executor's strand, sockets and timers live on.
  boost::asio::io_context& io() noexcept { return io_; }
  named_logger& log() noexcept { return log_; }

 private:
  runtime_context& ctx_;
  boost::asio::io_context& io_;
  std::shared_ptr<const plugin_library> lib_;  // keeps the plugin's code mapped while handlers exist
  named_logger& log_;
  strand_type strand_;
  std::atomic<bool> stopped_{false};
  std::unique_ptr<receive_buffer_type> receive_buffer_;
  std::once_flag poller_once_;
  std::shared_ptr<udp_poller> poller_;
};

/// sdk::host for one plugin instance.
class plugin_host final : public sdk::host {
 public:
  /// The instance's strand, sockets and timers run on `loop` (ctx.context_for(kind)).
  plugin_host(runtime_context& ctx, std::string instance, std::shared_ptr<const plugin_library> lib,
              std::string state_directory, boost::asio::io_context& loop);
  ~plugin_host() override;

  void attach(pipeline_services* pipeline) noexcept { pipeline_ = pipeline; }

  std::string_view instance_name() const noexcept override { return name_; }
  sdk::logger& log() noexcept override { return log_; }
  sdk::metrics_registry& metrics() noexcept override { return metrics_; }
  sdk::executor& exec() noexcept override { return *executor_; }
  std::chrono::steady_clock::time_point now() const noexcept override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wall_now() const noexcept override {
    return std::chrono::system_clock::now();
  }
  std::string state_directory() const override;
  std::uint32_t interface_mtu(std::uint32_t interface_index) const noexcept override;
  sdk::boot_decision decide_boot(const sdk::client_facts& facts) override;
  sdk::resolve_outcome resolve(const sdk::resolve_request& request) override;
  sdk::open_error probe(std::string_view path) override;
  std::optional<sdk::client_record> find_client(sdk::ipv4_address address) const override;
  void record(const sdk::boot_event& event) noexcept override;

  instance_executor& executor_impl() noexcept { return *executor_; }
  named_logger& logger_impl() noexcept { return log_; }

 private:
  runtime_context& ctx_;
  std::string name_;
  named_logger log_;
  instance_metrics metrics_;
  std::shared_ptr<instance_executor> executor_;
  std::string state_dir_;
  pipeline_services* pipeline_ = nullptr;
};

}  // namespace bootfw
