// The framework's DHCP service: the port-67 socket, decoding, the dhcp-responder chain (plugins.toml
// order, each responder on its own executor), encoding and delivery per RFC 2131 §4.1.
#pragma once

#include <bootfw/sdk/plugin.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config.hpp"
#include "pipeline.hpp"
#include "runtime.hpp"
#include "sessions.hpp"
#include "udp.hpp"

namespace bootfw::dhcp {

/// The part of one request's handling that outlives the responder call (for deferred replies).
struct exchange;

class service : public std::enable_shared_from_this<service> {
 public:
  service(runtime_context& ctx, client_sessions& sessions, const server_config& config);
  ~service();

  /// Binds the socket; throws std::runtime_error naming the address and the errno text.
  void start();
  void stop() noexcept;
  /// The responder chain to use from now on (swapped at reload; the old pipeline is kept alive by
  /// in-flight exchanges).
  void use(std::shared_ptr<pipeline> p);
  std::optional<sdk::udp_endpoint> endpoint() const;

  /// Handles one datagram (the socket's receive path; also used by tests).
  void on_datagram(std::span<const std::byte> data, const sdk::datagram_info& info);
  /// Delivers a reply for an exchange (called on the service's executor).
  void deliver(const std::shared_ptr<exchange>& ex, sdk::dhcp_message reply, const std::string& responder);
  /// Runs the chain from responder `index` on.
  void run_chain(std::shared_ptr<exchange> ex, std::size_t index);

  instance_executor& executor() noexcept { return *executor_; }
  named_logger& log() noexcept { return log_; }

 private:
  void drop(std::string_view key, std::string_view why);
  runtime_context& ctx_;
  client_sessions& sessions_;
  std::vector<std::string> interfaces_;
  sdk::udp_endpoint listen_;
  std::uint16_t client_port_, relay_port_;
  named_logger log_;
  std::shared_ptr<instance_executor> executor_;
  std::unique_ptr<udp_socket_impl> socket_;
  mutable std::mutex mutex_;
  std::shared_ptr<pipeline> pipeline_;
  sdk::counter& received_;
  sdk::counter& dropped_;
  sdk::counter& replied_;
};

}  // namespace bootfw::dhcp
