// sdk::udp_socket on the server's io_context: readiness-driven recvmsg() with IP_PKTINFO so every
// datagram says which interface and address it arrived on, and non-blocking sends. With a peer
// (udp_options::peer) it is two sockets on one port: one connected to the peer, one for everyone else.
#pragma once

#include <bootfw/sdk/host.hpp>

#include <memory>
#include <optional>

namespace bootfw {

class instance_executor;

class udp_socket_impl final : public sdk::udp_socket {
 public:
  /// Opens, configures and binds; nullptr with ec on failure.
  static std::unique_ptr<udp_socket_impl> open(std::shared_ptr<instance_executor> exec,
                                               const sdk::udp_options& options, std::error_code& ec);
  ~udp_socket_impl() override;

  sdk::udp_endpoint local_endpoint() const noexcept override;
  void start_receive(receive_handler handler) override;
  bool send_to(std::span<const std::byte> data, const sdk::udp_endpoint& to, std::error_code& ec) noexcept override;
  std::size_t send_batch(std::span<const std::span<const std::byte>> datagrams, const sdk::udp_endpoint& to,
                         std::error_code& ec) noexcept override;
  void close() noexcept override;

  /// Sends out of a given interface with a given source address (IP_PKTINFO on sendmsg): DHCP replies
  /// must leave by the interface the request came in on, from that interface's address (RFC 2131 §4.1).
  bool send_via(std::span<const std::byte> data, const sdk::udp_endpoint& to, std::uint32_t interface_index,
                sdk::ipv4_address source, std::error_code& ec) noexcept;
  int native_handle() const noexcept;

  struct state;

 private:
  udp_socket_impl(std::shared_ptr<state> s, std::shared_ptr<state> stray, std::optional<sdk::udp_endpoint> peer)
      : state_(std::move(s)), stray_(std::move(stray)), peer_(peer) {}
  /// The socket a datagram to `to` leaves by; `connected`: it is the connected one and `to` its peer.
  int fd_for(const sdk::udp_endpoint& to, bool& connected) const noexcept;
  std::shared_ptr<state> state_;
  std::shared_ptr<state> stray_;  ///< with a peer: the unconnected socket on the same port (everyone else)
  std::optional<sdk::udp_endpoint> peer_;
};

}  // namespace bootfw
