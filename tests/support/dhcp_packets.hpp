// Hand-built DHCP datagrams for integration tests (independent of the codec under test).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bootfw::test {

struct dhcp_packet_spec {
  std::uint8_t type = 1;  // DISCOVER
  std::array<std::uint8_t, 6> mac{0x08, 0x00, 0x07, 0x26, 0xc0, 0xa5};
  std::uint32_t xid = 0x12345678;
  std::uint32_t ciaddr = 0;
  std::uint32_t giaddr = 0;
  std::uint16_t flags = 0;
  std::string vendor_class = "PXEClient:Arch:00000:UNDI:002001";
  std::vector<std::vector<std::uint8_t>> extra_options;  // raw code,len,value…
};

inline void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  b[at] = std::uint8_t(v >> 24);
  b[at + 1] = std::uint8_t(v >> 16);
  b[at + 2] = std::uint8_t(v >> 8);
  b[at + 3] = std::uint8_t(v);
}

/// RFC 2131 §2 layout: 236-byte header, magic cookie, options, END, padded to 300 bytes.
inline std::vector<std::uint8_t> dhcp_request_bytes(const dhcp_packet_spec& s) {
  std::vector<std::uint8_t> b(236, 0);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  put32(b, 4, s.xid);
  b[10] = std::uint8_t(s.flags >> 8);
  b[11] = std::uint8_t(s.flags);
  put32(b, 12, s.ciaddr);
  put32(b, 24, s.giaddr);
  for (int i = 0; i < 6; ++i) b[28 + i] = s.mac[i];
  for (std::uint8_t c : {99, 130, 83, 99}) b.push_back(c);
  for (std::uint8_t c : {std::uint8_t(53), std::uint8_t(1), s.type}) b.push_back(c);
  if (!s.vendor_class.empty()) {
    b.push_back(60);
    b.push_back(std::uint8_t(s.vendor_class.size()));
    b.insert(b.end(), s.vendor_class.begin(), s.vendor_class.end());
  }
  for (auto& o : s.extra_options) b.insert(b.end(), o.begin(), o.end());
  b.push_back(255);
  if (b.size() < 300) b.resize(300, 0);
  return b;
}

struct dhcp_reply_view {
  std::uint8_t op = 0;
  std::uint32_t xid = 0, yiaddr = 0, siaddr = 0;
  std::string file;
  std::uint8_t type = 0;
  std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> options;
};

inline std::uint32_t get32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return std::uint32_t(b[at]) << 24 | std::uint32_t(b[at + 1]) << 16 | std::uint32_t(b[at + 2]) << 8 | b[at + 3];
}

inline std::optional<dhcp_reply_view> parse_dhcp_reply(const std::vector<std::uint8_t>& b) {
  if (b.size() < 240) return std::nullopt;
  dhcp_reply_view v;
  v.op = b[0];
  v.xid = get32(b, 4);
  v.yiaddr = get32(b, 16);
  v.siaddr = get32(b, 20);
  for (std::size_t i = 108; i < 236 && b[i]; ++i) v.file += char(b[i]);
  std::size_t i = 240;
  while (i < b.size() && b[i] != 255) {
    if (b[i] == 0) {
      ++i;
      continue;
    }
    if (i + 1 >= b.size() || i + 2 + b[i + 1] > b.size()) return std::nullopt;
    v.options.emplace_back(b[i], std::vector<std::uint8_t>(b.begin() + long(i) + 2, b.begin() + long(i) + 2 + b[i + 1]));
    if (b[i] == 53 && b[i + 1] == 1) v.type = b[i + 2];
    i += 2 + b[i + 1];
  }
  return v;
}

}  // namespace bootfw::test
