// bootfw SDK — small network value types: IPv4 address, MAC address, UDP endpoint.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// An IPv4 address in host byte order. Value type; thread-safe to copy.
class ipv4_address {
 public:
  constexpr ipv4_address() noexcept = default;
  constexpr explicit ipv4_address(std::uint32_t host_order) noexcept : value_(host_order) {}
  constexpr ipv4_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept
      : value_((std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) | d) {}

  constexpr std::uint32_t to_uint() const noexcept { return value_; }
  constexpr std::array<std::uint8_t, 4> octets() const noexcept {
    return {std::uint8_t(value_ >> 24), std::uint8_t(value_ >> 16), std::uint8_t(value_ >> 8), std::uint8_t(value_)};
  }
  constexpr bool is_unspecified() const noexcept { return value_ == 0; }
  constexpr bool is_broadcast() const noexcept { return value_ == 0xffffffffu; }
  constexpr auto operator<=>(const ipv4_address&) const noexcept = default;

  /// Dotted quad, e.g. "192.168.24.203".
  std::string to_string() const {
    auto o = octets();
    return std::to_string(o[0]) + '.' + std::to_string(o[1]) + '.' + std::to_string(o[2]) + '.' + std::to_string(o[3]);
  }
  /// Strict dotted-quad parser: four decimal octets 0..255, no leading '+', no spaces.
  static std::optional<ipv4_address> parse(std::string_view s) noexcept {
    std::uint32_t v = 0;
    int parts = 0;
    std::size_t i = 0;
    while (parts < 4) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
      std::uint32_t octet = 0;
      std::size_t digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        octet = octet * 10 + std::uint32_t(s[i] - '0');
        if (++digits > 3 || octet > 255) return std::nullopt;
        ++i;
      }
      v = (v << 8) | octet;
      if (++parts < 4) {
        if (i >= s.size() || s[i] != '.') return std::nullopt;
        ++i;
      }
    }
    if (i != s.size()) return std::nullopt;
    return ipv4_address(v);
  }

 private:
  std::uint32_t value_ = 0;
};

/// A 48-bit Ethernet hardware address. Value type.
class mac_address {
 public:
  constexpr mac_address() noexcept = default;
  constexpr explicit mac_address(const std::array<std::uint8_t, 6>& b) noexcept : bytes_(b) {}
  constexpr const std::array<std::uint8_t, 6>& bytes() const noexcept { return bytes_; }
  constexpr auto operator<=>(const mac_address&) const noexcept = default;

  /// Lower-case, with the given separator: "08:00:07:26:c0:a5" or "08-00-07-26-c0-a5".
  std::string to_string(char separator = ':') const {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 6; ++i) {
      if (i) out += separator;
      out += hex[bytes_[i] >> 4];
      out += hex[bytes_[i] & 15];
    }
    return out;
  }
  /// Accepts six hex pairs separated by ':' or '-' (any case).
  static std::optional<mac_address> parse(std::string_view s) noexcept {
    if (s.size() != 17) return std::nullopt;
    std::array<std::uint8_t, 6> b{};
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::size_t i = 0; i < 6; ++i) {
      int hi = nib(s[i * 3]), lo = nib(s[i * 3 + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      if (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-') return std::nullopt;
      b[i] = std::uint8_t(hi << 4 | lo);
    }
    return mac_address(b);
  }

 private:
  std::array<std::uint8_t, 6> bytes_{};
};

/// An IPv4 UDP endpoint. Value type.
struct udp_endpoint {
  ipv4_address address;
  std::uint16_t port = 0;
  constexpr auto operator<=>(const udp_endpoint&) const noexcept = default;
  std::string to_string() const { return address.to_string() + ':' + std::to_string(port); }
};

}  // namespace abi_v1
}  // namespace bootfw::sdk
