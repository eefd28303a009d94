#include "tftp_packet.hpp"

#include <algorithm>

namespace bootfw::plugin_tftp {
namespace {

std::uint16_t read_u16(std::span<const std::byte> p, std::size_t at) noexcept {
  return std::uint16_t((std::to_integer<unsigned>(p[at]) << 8) | std::to_integer<unsigned>(p[at + 1]));
}

void append_u16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(std::byte(v >> 8));
  out.push_back(std::byte(v & 0xff));
}

void append_string(std::vector<std::byte>& out, std::string_view s) {
  for (char c : s) out.push_back(std::byte(static_cast<unsigned char>(c)));
  out.push_back(std::byte{0});
}

/// Reads a NUL-terminated string starting at `pos`; nullopt when no terminator before the end.
std::optional<std::string> take_string(std::span<const std::byte> p, std::size_t& pos) {
  std::string out;
  for (std::size_t i = pos; i < p.size(); ++i) {
    if (p[i] == std::byte{0}) {
      pos = i + 1;
      return out;
    }
    out.push_back(static_cast<char>(std::to_integer<unsigned char>(p[i])));
  }
  return std::nullopt;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
  return s;
}

bool is_control(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

parsed_request refuse(error_code code, std::string message) {
  parsed_request r;
  r.error = {code, std::move(message)};
  return r;
}

}  // namespace

std::optional<opcode> peek_opcode(std::span<const std::byte> packet) noexcept {
  if (packet.size() < 2) return std::nullopt;
  auto v = read_u16(packet, 0);
  if (v < 1 || v > 6) return std::nullopt;
  return static_cast<opcode>(v);
}

parsed_request parse_request(std::span<const std::byte> packet) {
  auto op = peek_opcode(packet);
  if (!op || (*op != opcode::rrq && *op != opcode::wrq))
    return refuse(error_code::illegal_operation, "not a read or write request");
  std::size_t pos = 2;
  // RFC 1350 §5: filename NUL mode NUL. A name "with a NUL inside" ends early and leaves its tail to
  // be read as the mode, which is then refused below.
  auto name = take_string(packet, pos);
  if (!name) return refuse(error_code::illegal_operation, "malformed request: file name not terminated");
  auto mode = take_string(packet, pos);
  if (!mode) return refuse(error_code::illegal_operation, "malformed request: mode not terminated");

  request req;
  req.op = *op;
  auto m = lower(*mode);  // RFC 1350 §5: the mode is case-insensitive
  if (m == "octet") {
    req.mode = transfer_mode::octet;
  } else if (m == "netascii") {
    req.mode = transfer_mode::netascii;
  } else if (m == "mail") {
    return refuse(error_code::illegal_operation, "mail mode is not supported");
  } else {
    return refuse(error_code::illegal_operation, "unknown transfer mode");
  }

  if (name->empty()) return refuse(error_code::access_violation, "empty file name");
  if (name->size() > max_filename_length) return refuse(error_code::access_violation, "file name too long");
  if (std::any_of(name->begin(), name->end(), is_control))
    return refuse(error_code::access_violation, "control character in file name");
  // Like tftp-hpa -s: clients often ask for "/pxelinux.0" meaning the root's pxelinux.0.
  if (name->front() == '/') name->erase(0, 1);
  if (name->empty()) return refuse(error_code::access_violation, "empty file name");
  req.filename = std::move(*name);

  // RFC 2347: option name NUL value NUL pairs follow the mode. A trailing fragment without its value (or
  // NUL padding some clients add) is ignored rather than failing the whole request.
  while (pos < packet.size()) {
    std::size_t at = pos;
    auto opt_name = take_string(packet, at);
    if (!opt_name) break;
    auto opt_value = take_string(packet, at);
    if (!opt_value) break;
    pos = at;
    if (opt_name->empty()) continue;
    auto key = lower(*opt_name);
    bool seen = std::any_of(req.options.begin(), req.options.end(),
                            [&](const request_option& o) { return o.name == key; });
    if (!seen) req.options.push_back({std::move(key), std::move(*opt_value)});
  }
  parsed_request r;
  r.value = std::move(req);
  return r;
}

std::optional<std::uint16_t> parse_ack(std::span<const std::byte> packet) noexcept {
  if (packet.size() < 4 || read_u16(packet, 0) != std::uint16_t(opcode::ack)) return std::nullopt;
  return read_u16(packet, 2);
}

std::optional<error_packet> parse_error(std::span<const std::byte> packet) {
  if (packet.size() < 2 || read_u16(packet, 0) != std::uint16_t(opcode::error)) return std::nullopt;
  error_packet e;
  if (packet.size() >= 4) e.code = read_u16(packet, 2);
  for (std::size_t i = 4; i < packet.size() && e.message.size() < 200; ++i) {
    char c = static_cast<char>(std::to_integer<unsigned char>(packet[i]));
    if (c == '\0') break;
    e.message.push_back(is_control(c) ? '?' : c);
  }
  return e;
}

std::vector<std::byte> build_error(error_code code, std::string_view message) {
  std::vector<std::byte> out;
  out.reserve(5 + message.size());
  append_u16(out, std::uint16_t(opcode::error));
  append_u16(out, std::uint16_t(code));
  append_string(out, message);
  return out;
}

std::vector<std::byte> build_oack(const std::vector<std::pair<std::string, std::string>>& options) {
  std::vector<std::byte> out;
  append_u16(out, std::uint16_t(opcode::oack));
  for (const auto& [name, value] : options) {
    append_string(out, name);
    append_string(out, value);
  }
  return out;
}

void write_data_header(std::byte* out, std::uint16_t block) noexcept {
  out[0] = std::byte{0};
  out[1] = std::byte(opcode::data);
  out[2] = std::byte(block >> 8);
  out[3] = std::byte(block & 0xff);
}

std::vector<std::byte> build_request(opcode op, std::string_view filename, std::string_view mode,
                                     const std::vector<std::pair<std::string, std::string>>& options) {
  std::vector<std::byte> out;
  append_u16(out, std::uint16_t(op));
  append_string(out, filename);
  append_string(out, mode);
  for (const auto& [name, value] : options) {
    append_string(out, name);
    append_string(out, value);
  }
  return out;
}

std::vector<std::byte> build_ack(std::uint16_t block) {
  std::vector<std::byte> out;
  append_u16(out, std::uint16_t(opcode::ack));
  append_u16(out, block);
  return out;
}

std::string_view to_string(transfer_mode mode) noexcept {
  return mode == transfer_mode::netascii ? "netascii" : "octet";
}

}  // namespace bootfw::plugin_tftp
