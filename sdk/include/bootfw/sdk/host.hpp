// bootfw SDK — the services bootfw gives every plugin instance.
//
// A plugin receives `host&` in configure(). Everything it needs from the outside world goes through it:
// logging, metrics, time, its executor (tasks, timers, UDP sockets, blocking work), and the pipeline
// (boot-policy chain, resolve chain, what DHCP told bootfw about a client). There are no globals.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <bootfw/sdk/artifact.hpp>
#include <bootfw/sdk/dhcp.hpp>
#include <bootfw/sdk/net.hpp>

namespace bootfw::sdk {
inline namespace abi_v1 {

enum class log_level : std::uint8_t { trace, debug, info, warn, error };

/// Logger bound to one plugin instance: every line is prefixed with the instance name.
/// Ownership: owned by bootfw. Thread-safety: all methods are thread-safe. Lifetime: until plugin destruction.
class logger {
 public:
  virtual ~logger() = default;
  virtual bool enabled(log_level level) const noexcept = 0;
  virtual void write(log_level level, std::string_view message) noexcept = 0;
  /// For per-packet messages: at most a few lines per second per `key`; the rest are counted and
  /// summarised ("… 123 more suppressed").
  virtual void write_limited(log_level level, std::string_view key, std::string_view message) noexcept = 0;

  void debug(std::string_view m) noexcept { write(log_level::debug, m); }
  void info(std::string_view m) noexcept { write(log_level::info, m); }
  void warn(std::string_view m) noexcept { write(log_level::warn, m); }
  void error(std::string_view m) noexcept { write(log_level::error, m); }
};

/// A monotonically increasing counter. Thread-safe, lock-free.
class counter {
 public:
  virtual ~counter() = default;
  virtual void add(std::uint64_t n = 1) noexcept = 0;
};
/// A value that goes up and down. Thread-safe, lock-free.
class gauge {
 public:
  virtual ~gauge() = default;
  virtual void set(std::int64_t v) noexcept = 0;
  virtual void add(std::int64_t d) noexcept = 0;
};
/// Registry of the plugin's metrics, exported in Prometheus text format as
/// bootfw_<name>{plugin="<instance>"}. Ownership: metrics are owned by bootfw and outlive the plugin.
/// Thread-safety: thread-safe. Registering the same name twice returns the same metric.
class metrics_registry {
 public:
  virtual ~metrics_registry() = default;
  virtual counter& make_counter(std::string_view name, std::string_view help) = 0;
  virtual gauge& make_gauge(std::string_view name, std::string_view help) = 0;
};

/// A one-shot timer on the plugin's executor.
/// Ownership: owned by the plugin (unique_ptr). Thread-safety: use from the plugin's executor only.
/// Lifetime: destroying or cancelling it guarantees the callback will not run afterwards.
class timer {
 public:
  virtual ~timer() = default;
  /// (Re)arms the timer; a previous pending callback is cancelled.
  virtual void expires_after(std::chrono::nanoseconds delay, std::function<void()> callback) = 0;
  virtual void cancel() noexcept = 0;
};

/// Where a datagram arrived (IP_PKTINFO).
struct datagram_info {
  udp_endpoint source;
  ipv4_address local_address;    ///< destination address the client used (may be broadcast)
  ipv4_address interface_address;  ///< primary address of the receiving interface
  std::uint32_t interface_index = 0;
  std::string_view interface_name;  ///< valid during the callback only
};

struct udp_options {
  udp_endpoint bind;             ///< port 0: an ephemeral port (a TFTP transfer's TID, RFC 1350 §4)
  std::string interface;         ///< SO_BINDTODEVICE when not empty
  bool reuse_address = false;    ///< SO_REUSEADDR
  bool broadcast = false;        ///< SO_BROADCAST
  std::size_t receive_buffer = 0;  ///< SO_RCVBUF when not 0
  std::size_t send_buffer = 0;     ///< SO_SNDBUF when not 0
  /// When set, the socket is connect(2)ed to `peer` after bind, so the kernel keeps the route both ways
  /// instead of looking it up for every datagram (a lockstep TFTP transfer sends one per ACK). Datagrams
  /// from any other source to the same port still reach the receive handler (a second, unconnected socket
  /// on that port takes them), so a TFTP server can still answer a wrong TID (RFC 1350 §4); replies to
  /// them leave from the same port.
  std::optional<udp_endpoint> peer;
};

/// A UDP socket run by bootfw's event loop.
/// Ownership: owned by the plugin (unique_ptr). Thread-safety: use from the plugin's executor only;
/// the receive callback runs on the plugin's executor. Lifetime: close() or destruction stops callbacks
/// immediately and releases the callback object.
class udp_socket {
 public:
  using receive_handler = std::function<void(std::span<const std::byte> data, const datagram_info& info)>;
  virtual ~udp_socket() = default;
  virtual udp_endpoint local_endpoint() const noexcept = 0;
  /// Starts receiving continuously; each datagram is handed to `handler` (data valid during the call).
  virtual void start_receive(receive_handler handler) = 0;
  /// Non-blocking send. Returns false with ec set when the kernel refused (e.g. EAGAIN): protocols
  /// that retransmit simply try again at their next timeout.
  virtual bool send_to(std::span<const std::byte> data, const udp_endpoint& to, std::error_code& ec) noexcept = 0;
  /// Sends several datagrams to one peer, in order, each with its own boundaries: one system call where
  /// possible (UDP GSO when all but the last have the same size, as a TFTP window does; else sendmmsg).
  /// Returns how many were sent (fewer when the kernel queue is full).
  virtual std::size_t send_batch(std::span<const std::span<const std::byte>> datagrams, const udp_endpoint& to,
                                 std::error_code& ec) noexcept = 0;
  virtual void close() noexcept = 0;
};

/// The plugin's executor: bootfw runs every call into one plugin instance (configure/start/stop, data-path
/// calls made by bootfw, posted tasks, timers, socket callbacks) serialised, so a plugin needs no locks for
/// its own state. Exception: config-resolver and artifact-provider methods are called from other plugins'
/// executors and must be thread-safe. Plugins never create threads or event loops of their own.
/// Ownership: owned by bootfw. Thread-safety: post() and run_blocking() may be called from any thread.
class executor {
 public:
  virtual ~executor() = default;
  /// Runs fn later on this plugin's executor. Dropped (not run) after the plugin stopped.
  virtual void post(std::function<void()> fn) = 0;
  virtual std::unique_ptr<timer> make_timer() = 0;
  /// Opens a UDP socket; nullptr with ec set on failure.
  virtual std::unique_ptr<udp_socket> open_udp(const udp_options& options, std::error_code& ec) = 0;
  /// Runs `work` on bootfw's blocking-work threads (fsync, large reads), then `done` on this executor.
  virtual void run_blocking(std::function<void()> work, std::function<void()> done) = 0;
};

/// What bootfw learnt about a client from the DHCP replies it delivered (mac ↔ address, host name …).
/// This is how client identity flows from DHCP to TFTP without plugins knowing each other.
struct client_record {
  mac_address mac;
  std::uint8_t hardware_type = 1;  ///< BOOTP htype of the request (ARP hardware type, 1 = Ethernet; RFC 951)
  ipv4_address address;
  ipv4_address netmask;
  ipv4_address router;
  ipv4_address server;          ///< server identifier / next server
  std::string host_name;
  std::vector<std::uint8_t> uuid;  ///< opt 97 as the client sent it
  std::vector<std::uint16_t> architectures;
  std::chrono::system_clock::time_point acked_at;
  std::uint32_t lease_seconds = 0;
};

/// A request to resolve a path asked by a transport into an artifact.
struct resolve_request {
  std::string_view path;           ///< as the client asked (already validated by the transport's protocol)
  std::string_view transport;      ///< "tftp", "http" …
  udp_endpoint client;             ///< client's address and port
  ipv4_address server_address;     ///< local address the request arrived on
  const client_record* client_info = nullptr;  ///< what DHCP told bootfw about this client, if known
};

/// A config-resolver's answer.
struct resolve_result {
  std::string path;        ///< the path to open instead (rewritten), when content is empty
  std::string content;     ///< generated content (served as is) when generated == true
  bool generated = false;
  std::string reason;      ///< for logs and `bootfw explain`
};

/// The outcome of host::resolve().
struct resolve_outcome {
  std::shared_ptr<sdk::artifact> opened;  ///< null on failure
  open_error error = open_error::none;
  std::string resolved_path;           ///< final path opened (or generated name)
  std::string decided_by;              ///< instance names that rewrote/opened, for logs
  std::string message;                 ///< human-readable reason on failure
};

/// A step in a client's boot timeline (for the per-node session log and metrics).
struct boot_event {
  enum class kind : std::uint8_t { transfer_started, transfer_done, transfer_failed };
  kind what = kind::transfer_started;
  ipv4_address client;
  std::string file;
  std::uint64_t bytes = 0;
  std::chrono::nanoseconds duration{0};
  std::string detail;  ///< options used, error text …
};

/// Services bootfw gives one plugin instance.
/// Ownership: owned by bootfw. Lifetime: valid from configure() until the plugin is destroyed.
/// Thread-safety: every method is thread-safe.
class host {
 public:
  virtual ~host() = default;
  /// This instance's name from plugins.toml.
  virtual std::string_view instance_name() const noexcept = 0;
  virtual logger& log() noexcept = 0;
  virtual metrics_registry& metrics() noexcept = 0;
  virtual executor& exec() noexcept = 0;
  virtual std::chrono::steady_clock::time_point now() const noexcept = 0;
  virtual std::chrono::system_clock::time_point wall_now() const noexcept = 0;
  /// Directory where this instance may keep durable state (created, private to it).
  virtual std::string state_directory() const = 0;
  /// MTU of an interface (for TFTP blksize, RFC 2348); 0 if unknown.
  virtual std::uint32_t interface_mtu(std::uint32_t interface_index) const noexcept = 0;

  /// Runs the boot-policy chain (plugins.toml order) for a client. Falls back to boot=false with a reason
  /// when no policy answers.
  virtual boot_decision decide_boot(const client_facts& facts) = 0;
  /// Runs the config-resolver chain then the artifact-provider chain.
  virtual resolve_outcome resolve(const resolve_request& request) = 0;
  /// Asks the artifact-provider chain whether `path` exists, without keeping it open (for resolvers that
  /// search, e.g. the pxelinux server-side mode). Returns open_error::none when it exists.
  virtual open_error probe(std::string_view path) = 0;
  /// What bootfw knows of the client at this address (from DHCP acks it delivered), if anything.
  virtual std::optional<client_record> find_client(ipv4_address address) const = 0;
  /// Adds a step to the client's boot timeline.
  virtual void record(const boot_event& event) noexcept = 0;
};

}  // namespace abi_v1
}  // namespace bootfw::sdk
