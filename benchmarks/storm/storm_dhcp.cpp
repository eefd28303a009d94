#include "storm_dhcp.hpp"

#include <cstring>

namespace storm {
namespace {

constexpr std::size_t fixed_header = 236;  // RFC 2131 §2, figure 1
constexpr std::uint8_t cookie[4] = {99, 130, 83, 99};  // RFC 2131 §3
constexpr const char vendor_class[] = "PXEClient:Arch:00000:UNDI:002001";

void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = std::uint8_t(v >> 24), p[1] = std::uint8_t(v >> 16), p[2] = std::uint8_t(v >> 8), p[3] = std::uint8_t(v);
}
std::uint32_t get_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
void option(std::vector<std::uint8_t>& out, std::uint8_t code, std::span<const std::uint8_t> value) {
  out.push_back(code);
  out.push_back(std::uint8_t(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}
void option_u32(std::vector<std::uint8_t>& out, std::uint8_t code, std::uint32_t v) {
  std::uint8_t b[4];
  put_u32(b, v);
  option(out, code, b);
}

}  // namespace

mac_address mac_for(std::uint32_t index) {
  return {0x02, 0xbf, std::uint8_t(index >> 24), std::uint8_t(index >> 16), std::uint8_t(index >> 8),
          std::uint8_t(index)};
}

std::vector<std::uint8_t> build_request(const pxe_identity& id, std::uint8_t type, std::uint32_t giaddr,
                                        std::uint32_t requested, std::uint32_t server_id) {
  std::vector<std::uint8_t> m;
  m.reserve(548);
  m.resize(fixed_header, 0);
  m[0] = 1;  // BOOTREQUEST
  m[1] = 1;  // htype Ethernet
  m[2] = 6;  // hlen
  m[3] = 1;  // hops: one relay (RFC 1542 §4.1.1)
  put_u32(&m[4], id.xid);
  put_u32(&m[24], giaddr);
  std::memcpy(&m[28], id.mac.data(), id.mac.size());
  m.insert(m.end(), std::begin(cookie), std::end(cookie));
  const std::uint8_t t[1] = {type};
  option(m, 53, t);
  const std::uint8_t max_size[2] = {0x04, 0xec};  // opt 57: 1260, what PXE ROMs send (RFC 2132 §9.10)
  option(m, 57, max_size);
  if (type == 3) {  // RFC 2131 §4.3.2 SELECTING: requested address and server identifier
    option_u32(m, 50, requested);
    option_u32(m, 54, server_id);
  }
  const std::uint8_t arch[2] = {0, 0};  // RFC 4578 §2.1: 0 = x86 BIOS
  option(m, 93, arch);
  const std::uint8_t ndi[3] = {1, 2, 1};  // RFC 4578 §2.2: UNDI 2.1
  option(m, 94, ndi);
  std::uint8_t uuid[17] = {0};  // RFC 4578 §2.3: type 0 + 16-byte GUID
  std::memcpy(uuid + 1, id.uuid.data(), 16);
  option(m, 97, uuid);
  option(m, 60, std::span(reinterpret_cast<const std::uint8_t*>(vendor_class), sizeof vendor_class - 1));
  // The parameter request list of an Intel PXE 2.1 ROM.
  const std::uint8_t prl[] = {1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51,
                              54, 58, 59, 60, 66, 67, 128, 129, 130, 131, 132, 133, 134, 135};
  option(m, 55, prl);
  m.push_back(255);
  if (m.size() < 300) m.resize(300, 0);  // RFC 1542 §3.1.1: BOOTP messages are at least 300 bytes
  return m;
}

std::optional<dhcp_reply> parse_reply(std::span<const std::uint8_t> d) {
  if (d.size() < fixed_header + 4 || d[0] != 2 || std::memcmp(&d[fixed_header], cookie, 4) != 0) return {};
  dhcp_reply r;
  r.xid = get_u32(&d[4]);
  r.yiaddr = get_u32(&d[16]);
  r.siaddr = get_u32(&d[20]);
  const char* file = reinterpret_cast<const char*>(&d[108]);
  r.file.assign(file, strnlen(file, 128));
  std::string opt67;
  // RFC 2132 §2: options, PAD and END; opt 52 overload is not used by the servers measured.
  for (std::size_t i = fixed_header + 4; i < d.size();) {
    std::uint8_t code = d[i];
    if (code == 0) { ++i; continue; }
    if (code == 255 || i + 1 >= d.size()) break;
    std::size_t len = d[i + 1];
    if (i + 2 + len > d.size()) return {};
    const std::uint8_t* v = &d[i + 2];
    if (code == 53 && len == 1) r.type = v[0];
    if (code == 54 && len == 4) r.server_id = get_u32(v);
    if (code == 67)  // dnsmasq sends it NUL-terminated for PXE ROMs; the name ends at the first NUL
      opt67.assign(reinterpret_cast<const char*>(v), strnlen(reinterpret_cast<const char*>(v), len));
    i += 2 + len;
  }
  if (r.type == 0) return {};
  if (r.file.empty()) r.file = opt67;
  return r;
}

}  // namespace storm
