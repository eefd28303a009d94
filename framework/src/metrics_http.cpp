#include "metrics_http.hpp"

#include <fmt/format.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace bootfw {

namespace asio = boost::asio;
using asio::ip::tcp;

void metrics_endpoint::start(const sdk::udp_endpoint& at) {
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::address_v4(at.address.to_uint()), at.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) throw std::runtime_error(fmt::format("metrics: cannot listen on {}: {}", at.to_string(), ec.message()));
  accept();
}

void metrics_endpoint::stop() noexcept {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

std::uint16_t metrics_endpoint::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void metrics_endpoint::accept() {
  acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      auto buf = std::make_shared<asio::streambuf>(8192);
      // Read the request head (bounded by the streambuf's limit), then answer and close.
      asio::async_read_until(*s, *buf, "\r\n\r\n", [self, s, buf](boost::system::error_code rec, std::size_t) {
        if (rec) return;
        auto body = std::make_shared<std::string>();
        std::string text = self->render_();
        *body = fmt::format("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n"
                            "Connection: close\r\n\r\n{}",
                            text.size(), text);
        asio::async_write(*s, asio::buffer(*body), [s, body](boost::system::error_code, std::size_t) {
          boost::system::error_code ignored;
          s->shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
    }
    self->accept();
  });
}

}  // namespace bootfw
