// Test doubles for the tftp plugin: a scriptable UDP socket, an in-memory artifact and client-side helpers.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <bootfw/sdk/testing.hpp>

#include "tftp_packet.hpp"
#include "tftp_server.hpp"

namespace bootfw::plugin_tftp::testing {

inline std::vector<std::byte> bytes(std::string_view s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}
inline std::string text(std::span<const std::byte> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

struct sent_datagram {
  std::vector<std::byte> data;
  sdk::udp_endpoint to;
  std::uint16_t opcode() const { return data.size() < 2 ? 0 : std::uint16_t(std::to_integer<unsigned>(data[0]) << 8 | std::to_integer<unsigned>(data[1])); }
  std::uint16_t block() const { return std::uint16_t(std::to_integer<unsigned>(data[2]) << 8 | std::to_integer<unsigned>(data[3])); }
  std::string payload() const { return text(std::span(data).subspan(4)); }
};

/// What a fake socket did; shared with the test so it survives the socket's destruction.
struct fake_socket_state {
  sdk::udp_options options;
  sdk::udp_endpoint local;
  sdk::udp_socket::receive_handler handler;
  std::vector<sent_datagram> sent;
  std::size_t batches = 0;
  bool closed = false;
  bool destroyed = false;

  /// Delivers a datagram as if it arrived from `from`; false when nobody listens any more.
  bool deliver(std::span<const std::byte> data, sdk::udp_endpoint from) {
    if (destroyed || closed || !handler) return false;
    sdk::datagram_info info;
    info.source = from;
    info.local_address = local.address;
    info.interface_address = local.address;
    handler(data, info);
    return true;
  }
  std::vector<sent_datagram> take() { return std::exchange(sent, {}); }
};

class fake_socket final : public sdk::udp_socket {
 public:
  explicit fake_socket(std::shared_ptr<fake_socket_state> s) : s_(std::move(s)) {}
  ~fake_socket() override { s_->destroyed = true; s_->handler = nullptr; }
  sdk::udp_endpoint local_endpoint() const noexcept override { return s_->local; }
  void start_receive(receive_handler h) override { s_->handler = std::move(h); }
  bool send_to(std::span<const std::byte> d, const sdk::udp_endpoint& to, std::error_code&) noexcept override {
    s_->sent.push_back({{d.begin(), d.end()}, to});
    return true;
  }
  std::size_t send_batch(std::span<const std::span<const std::byte>> ds, const sdk::udp_endpoint& to,
                         std::error_code& ec) noexcept override {
    ++s_->batches;
    for (auto d : ds) send_to(d, to, ec);
    return ds.size();
  }
  void close() noexcept override { s_->closed = true; s_->handler = nullptr; }

 private:
  std::shared_ptr<fake_socket_state> s_;
};

/// Opens fake sockets with ephemeral ports 40000, 40001 … and remembers them all.
struct fake_network {
  std::vector<std::shared_ptr<fake_socket_state>> sockets;
  std::uint16_t next_port = 40000;
  bool fail = false;
  socket_opener opener() {
    return [this](const sdk::udp_options& o, std::error_code& ec) -> std::unique_ptr<sdk::udp_socket> {
      if (fail) {
        ec = std::make_error_code(std::errc::too_many_files_open);
        return nullptr;
      }
      auto s = std::make_shared<fake_socket_state>();
      s->options = o;
      s->local = {o.bind.address, o.bind.port ? o.bind.port : next_port++};
      sockets.push_back(s);
      return std::make_unique<fake_socket>(s);
    };
  }
  std::size_t live() const {
    std::size_t n = 0;
    for (auto& s : sockets) n += !s->destroyed;
    return n;
  }
};

/// An artifact over a string; `shrink_to` simulates a file truncated during the transfer.
class memory_artifact final : public sdk::artifact {
 public:
  explicit memory_artifact(std::string content, std::string name = "mem")
      : content_(std::move(content)), size_(content_.size()), name_(std::move(name)) {}
  std::uint64_t size() const noexcept override { return size_; }
  std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code&) noexcept override {
    ++reads;
    largest_read = std::max(largest_read, out.size());
    if (offset >= content_.size()) return 0;
    std::size_t n = std::min<std::size_t>(out.size(), content_.size() - offset);
    std::memcpy(out.data(), content_.data() + offset, n);
    return n;
  }
  std::string name() const override { return name_; }
  void shrink_to(std::size_t n) { content_.resize(n); }
  std::size_t reads = 0;
  std::size_t largest_read = 0;

 private:
  std::string content_;
  std::uint64_t size_;
  std::string name_;
};

/// Deterministic pseudo-random content (so block boundaries carry distinct bytes).
inline std::string pattern(std::size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = char(x >> 24);
  }
  return s;
}

inline const sdk::udp_endpoint client_a{sdk::ipv4_address(192, 168, 24, 203), 2070};
inline const sdk::ipv4_address server_ip{192, 168, 24, 202};

}  // namespace bootfw::plugin_tftp::testing
