#include "option_values.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace bootfw::isc_conf {
namespace {

using t = option_type;
// RFC 2132 (and RFC 4578 for 93/94/97) options, with the names and formats of ISC's common/tables.c.
// Built on first use rather than at load time: a program that links isc_conf but never reads a
// dhcpd.conf (bootfw with its static plugin table, serving through the .so plugins) does not run this.
const std::array<option_definition, 44>& standard_options() {
  static const std::array<option_definition, 44> table{{
      {"dhcp", "subnet-mask", 1, {t::ip_address, false}},
      {"dhcp", "time-offset", 2, {t::int32, false}},
      {"dhcp", "routers", 3, {t::ip_address, true}},
      {"dhcp", "time-servers", 4, {t::ip_address, true}},
      {"dhcp", "domain-name-servers", 6, {t::ip_address, true}},
      {"dhcp", "log-servers", 7, {t::ip_address, true}},
      {"dhcp", "lpr-servers", 9, {t::ip_address, true}},
      {"dhcp", "host-name", 12, {t::text, false}},
      {"dhcp", "boot-size", 13, {t::uint16, false}},
      {"dhcp", "merit-dump", 14, {t::text, false}},
      {"dhcp", "domain-name", 15, {t::text, false}},
      {"dhcp", "swap-server", 16, {t::ip_address, false}},
      {"dhcp", "root-path", 17, {t::text, false}},
      {"dhcp", "extensions-path", 18, {t::text, false}},
      {"dhcp", "ip-forwarding", 19, {t::boolean, false}},
      {"dhcp", "default-ip-ttl", 23, {t::uint8, false}},
      {"dhcp", "interface-mtu", 26, {t::uint16, false}},
      {"dhcp", "broadcast-address", 28, {t::ip_address, false}},
      {"dhcp", "static-routes", 33, {t::ip_address, true}},
      {"dhcp", "nis-domain", 40, {t::text, false}},
      {"dhcp", "nis-servers", 41, {t::ip_address, true}},
      {"dhcp", "ntp-servers", 42, {t::ip_address, true}},
      {"dhcp", "vendor-encapsulated-options", 43, {t::string, false}},
      {"dhcp", "netbios-name-servers", 44, {t::ip_address, true}},
      {"dhcp", "netbios-node-type", 46, {t::uint8, false}},
      {"dhcp", "netbios-scope", 47, {t::text, false}},
      {"dhcp", "dhcp-requested-address", 50, {t::ip_address, false}},
      {"dhcp", "dhcp-lease-time", 51, {t::uint32, false}},
      {"dhcp", "dhcp-option-overload", 52, {t::uint8, false}},
      {"dhcp", "dhcp-message-type", 53, {t::uint8, false}},
      {"dhcp", "dhcp-server-identifier", 54, {t::ip_address, false}},
      {"dhcp", "dhcp-parameter-request-list", 55, {t::uint8, true}},
      {"dhcp", "dhcp-message", 56, {t::text, false}},
      {"dhcp", "dhcp-max-message-size", 57, {t::uint16, false}},
      {"dhcp", "dhcp-renewal-time", 58, {t::uint32, false}},
      {"dhcp", "dhcp-rebinding-time", 59, {t::uint32, false}},
      {"dhcp", "vendor-class-identifier", 60, {t::string, false}},
      {"dhcp", "dhcp-client-identifier", 61, {t::string, false}},
      {"dhcp", "tftp-server-name", 66, {t::text, false}},
      {"dhcp", "bootfile-name", 67, {t::text, false}},
      {"dhcp", "user-class", 77, {t::string, false}},
      {"dhcp", "pxe-system-type", 93, {t::uint16, true}},
      {"dhcp", "pxe-interface-id", 94, {t::string, false}},
      {"dhcp", "pxe-client-id", 97, {t::string, false}},
  }};
  return table;
}

}  // namespace

const option_definition* find_standard_option(std::string_view name) noexcept {
  for (const auto& d : standard_options())
    if (d.name == name) return &d;
  return nullptr;
}
const option_definition* find_standard_option(std::uint8_t code) noexcept {
  for (const auto& d : standard_options())
    if (d.code == code) return &d;
  return nullptr;
}

namespace detail {
namespace {

[[noreturn]] void fail(const std::string& file, int line, const std::string& m) { throw parse_error({file, line}, m); }

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::int64_t> parse_int(std::string_view w) noexcept {
  std::int64_t v = 0;
  auto* first = w.data();
  auto* last = w.data() + w.size();
  int base = 10;
  if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
    first += 2;
    base = 16;
  }
  auto [p, ec] = std::from_chars(first, last, v, base);
  if (ec != std::errc() || p != last || w.empty()) return std::nullopt;
  return v;
}

void put_int(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(std::uint8_t(v >> (8 * i)));
}

// One element of an option value; appends its wire bytes (RFC 2132 §2: integers in network byte order).
void encode_one(option_type type, const token& tok, const std::string& what, const std::string& file,
                std::vector<std::uint8_t>& out) {
  auto bad = [&](const std::string& expected) {
    fail(file, tok.line, what + ": '" + tok.text + "' is not " + expected);
  };
  switch (type) {
    case option_type::ip_address: {
      auto a = tok.what == token::kind::word ? sdk::ipv4_address::parse(tok.text) : std::nullopt;
      if (!a) bad("an IPv4 address (host names are not supported)");
      put_int(out, a->to_uint(), 4);
      return;
    }
    case option_type::boolean: {
      if (tok.is_word("true") || tok.is_word("on")) out.push_back(1);
      else if (tok.is_word("false") || tok.is_word("off")) out.push_back(0);
      else bad("a boolean (true, false, on, off)");
      return;
    }
    case option_type::text:
      if (tok.what != token::kind::quoted) bad("a \"quoted\" text");
      out.insert(out.end(), tok.text.begin(), tok.text.end());
      return;
    case option_type::string: {
      if (tok.what == token::kind::quoted) {
        out.insert(out.end(), tok.text.begin(), tok.text.end());
        return;
      }
      auto h = tok.what == token::kind::word ? parse_hex(tok.text) : std::nullopt;
      if (!h) bad("a \"quoted\" string or colon-separated hex bytes");
      out.insert(out.end(), h->begin(), h->end());
      return;
    }
    default: break;
  }
  struct range { int bytes; std::int64_t lo, hi; };
  range r{};
  switch (type) {
    case option_type::uint8: r = {1, 0, 0xff}; break;
    case option_type::uint16: r = {2, 0, 0xffff}; break;
    case option_type::uint32: r = {4, 0, 0xffffffffLL}; break;
    case option_type::int8: r = {1, -128, 127}; break;
    case option_type::int16: r = {2, -32768, 32767}; break;
    default: r = {4, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()}; break;
  }
  auto v = tok.what == token::kind::word ? parse_int(tok.text) : std::nullopt;
  if (!v || *v < r.lo || *v > r.hi)
    bad("an integer in " + std::to_string(r.lo) + ".." + std::to_string(r.hi));
  put_int(out, std::uint64_t(*v), r.bytes);
}

}  // namespace

std::string format_name(const option_format& f) {
  static constexpr const char* names[] = {"ip-address",          "unsigned integer 8", "unsigned integer 16",
                                          "unsigned integer 32", "signed integer 8",   "signed integer 16",
                                          "signed integer 32",   "boolean",            "text",
                                          "string"};
  std::string n = names[static_cast<int>(f.type)];
  return f.array ? "array of " + n : n;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view word) {
  std::vector<std::uint8_t> out;
  std::size_t i = 0;
  while (i <= word.size()) {
    std::size_t j = word.find(':', i);
    if (j == std::string_view::npos) j = word.size();
    auto part = word.substr(i, j - i);
    if (part.empty() || part.size() > 2) return std::nullopt;
    int v = 0;
    for (char c : part) {
      int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    out.push_back(std::uint8_t(v));
    i = j + 1;
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += ':';
    s += hex[bytes[i] >> 4];
    s += hex[bytes[i] & 15];
  }
  return s;
}

option_format parse_format(const std::vector<token>& tokens, std::size_t& pos, const std::string& file) {
  option_format f;
  auto word = [&](std::string_view w) { return tokens[pos].is_word(w) ? (++pos, true) : false; };
  int line = tokens[pos].line;
  if (word("array")) {
    if (!word("of")) fail(file, line, "expected 'of' after 'array'");
    f.array = true;
  }
  if (word("ip-address")) f.type = option_type::ip_address;
  else if (word("boolean")) f.type = option_type::boolean;
  else if (word("text")) f.type = option_type::text;
  else if (word("string")) f.type = option_type::string;
  else if (tokens[pos].is_word("unsigned") || tokens[pos].is_word("signed")) {
    bool is_signed = tokens[pos].text == "signed";
    ++pos;
    if (!word("integer")) fail(file, line, "expected 'integer'");
    const auto& w = tokens[pos++];
    if (w.is_word("8")) f.type = is_signed ? option_type::int8 : option_type::uint8;
    else if (w.is_word("16")) f.type = is_signed ? option_type::int16 : option_type::uint16;
    else if (w.is_word("32")) f.type = is_signed ? option_type::int32 : option_type::uint32;
    else fail(file, line, "integer width must be 8, 16 or 32, not '" + w.text + "'");
  } else {
    fail(file, line, "unsupported option type '" + tokens[pos].text +
                         "' (supported: ip-address, [un]signed integer 8/16/32, boolean, text, string, array of …)");
  }
  if (f.array && (f.type == option_type::text || f.type == option_type::string))
    fail(file, line, "arrays of text or string are not supported");
  return f;
}

std::vector<std::uint8_t> encode_value(const option_definition& def, const std::vector<token>& tokens,
                                       std::size_t& pos, const std::string& file, std::string& text_out) {
  std::vector<std::uint8_t> out;
  std::string what = "option " + (def.space == "dhcp" ? def.name : def.space + "." + def.name);
  int line = tokens[pos].line;
  for (;;) {
    const auto& tok = tokens[pos];
    if (tok.what == token::kind::end || tok.what == token::kind::punct)
      fail(file, tok.line, what + ": missing value");
    encode_one(def.format.type, tok, what, file, out);
    text_out += tok.what == token::kind::quoted ? "\"" + tok.text + "\"" : tok.text;
    ++pos;
    if (!tokens[pos].is_punct(',')) break;
    if (!def.format.array) fail(file, tokens[pos].line, what + ": takes one value, not a list");
    text_out += ", ";
    ++pos;
  }
  if (!tokens[pos].is_punct(';')) fail(file, tokens[pos].line, what + ": expected ';' after the value");
  if (out.size() > 255) fail(file, line, what + ": value longer than 255 bytes");
  return out;
}

}  // namespace detail
}  // namespace bootfw::isc_conf
