// A minimal HTTP endpoint for Prometheus scrapes ([server].metrics_address): any GET gets the text format.
#pragma once

#include <bootfw/sdk/net.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

namespace bootfw {

class metrics_endpoint : public std::enable_shared_from_this<metrics_endpoint> {
 public:
  metrics_endpoint(boost::asio::io_context& io, std::function<std::string()> render)
      : acceptor_(io), render_(std::move(render)) {}
  /// Binds and starts accepting; throws std::runtime_error naming the address on failure.
  void start(const sdk::udp_endpoint& at);
  void stop() noexcept;
  std::uint16_t port() const;

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  std::function<std::string()> render_;
};

}  // namespace bootfw
