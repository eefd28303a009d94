#include "dhcp/codec.hpp"

#include <algorithm>
#include <array>

namespace bootfw::dhcp {

namespace {

using bytes = std::vector<std::uint8_t>;
namespace opt = sdk::dhcp_option;

std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t(b[at]) << 24 | std::uint32_t(b[at + 1]) << 16 | std::uint32_t(b[at + 2]) << 8 | b[at + 3];
}
void put32(bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = std::uint8_t(v >> 24);
  b[at + 1] = std::uint8_t(v >> 16);
  b[at + 2] = std::uint8_t(v >> 8);
  b[at + 3] = std::uint8_t(v);
}

// A NUL-terminated field (sname, file); bytes after the first NUL are ignored.
std::string c_string(std::span<const std::uint8_t> field) {
  auto end = std::find(field.begin(), field.end(), std::uint8_t(0));
  return std::string(field.begin(), end);
}

// A set of option codes: one bit each (decode and encode run for every datagram; no allocation).
struct code_set {
  std::array<std::uint64_t, 4> bits{};
  bool has(std::uint8_t code) const noexcept { return bits[code / 64] >> (code % 64) & 1; }
  void add(std::uint8_t code) noexcept { bits[code / 64] |= std::uint64_t(1) << (code % 64); }
};

// Options accumulated in first-seen order; a repeated code is concatenated (RFC 3396 §6). The pieces are
// only referenced here (spans into the datagram), chained per code; each option's value is built once, at
// its final size, by take().
struct option_accumulator {
  struct piece {
    std::span<const std::uint8_t> bytes;
    std::int32_t next = -1;
  };
  std::vector<piece> pieces;
  // Per code, valid only where `present` has the code (nothing else is initialised).
  code_set present;
  std::array<std::int32_t, 256> first, last;
  std::array<std::uint32_t, 256> length;
  std::array<std::uint8_t, 256> order;
  std::size_t codes = 0;
  option_accumulator() { pieces.reserve(32); }
  bool has(std::uint8_t code) const noexcept { return present.has(code); }
  void add(std::uint8_t code, std::span<const std::uint8_t> v) {
    const auto at = std::int32_t(pieces.size());
    pieces.push_back({v});
    if (!has(code)) {
      present.add(code);
      first[code] = at;
      length[code] = 0;
      order[codes++] = code;
    } else {
      pieces[std::size_t(last[code])].next = at;
    }
    last[code] = at;
    length[code] += std::uint32_t(v.size());
  }
  bytes take(std::uint8_t code) const {
    bytes v;
    if (!has(code)) return v;
    v.reserve(length[code]);
    for (auto i = first[code]; i >= 0; i = pieces[std::size_t(i)].next)
      v.insert(v.end(), pieces[std::size_t(i)].bytes.begin(), pieces[std::size_t(i)].bytes.end());
    return v;
  }
};

// Parses one option area. `needs_end`: the main options field must be closed by END (RFC 2131 §4.1 says
// the field is terminated by END); overloaded file/sname areas may simply run to their end.
bool parse_area(std::span<const std::uint8_t> area, option_accumulator& acc, bool needs_end, std::string& why,
                const char* area_name) {
  std::size_t i = 0;
  while (i < area.size()) {
    std::uint8_t code = area[i];
    if (code == opt::pad) {
      ++i;
      continue;
    }
    if (code == opt::end) return true;
    if (i + 1 >= area.size()) {
      why = std::string("option ") + std::to_string(code) + " in " + area_name + " has no length byte";
      return false;
    }
    std::size_t len = area[i + 1];
    if (i + 2 + len > area.size()) {
      why = std::string("option ") + std::to_string(code) + " in " + area_name + " runs past the end (length " +
            std::to_string(len) + ")";
      return false;
    }
    acc.add(code, area.subspan(i + 2, len));
    i += 2 + len;
  }
  if (needs_end) {
    why = std::string("no END option in ") + area_name;
    return false;
  }
  return true;
}

}  // namespace

decode_result decode(std::span<const std::uint8_t> d) {
  decode_result r;
  if (d.size() < fixed_header_size + 4) {
    r.detail = "datagram of " + std::to_string(d.size()) + " bytes is shorter than a DHCP message (240)";
    return r;
  }
  if (get32(d, fixed_header_size) != magic_cookie) {
    r.detail = "no DHCP magic cookie (plain BOOTP is not served)";
    return r;
  }
  sdk::dhcp_message m;
  m.op = d[0];
  m.htype = d[1];
  m.hlen = d[2];
  m.hops = d[3];
  if (m.op != 1 && m.op != 2) {
    r.detail = "op " + std::to_string(m.op) + " is neither BOOTREQUEST nor BOOTREPLY";
    return r;
  }
  if (m.hlen > 16) {  // RFC 2131 §2: chaddr is 16 bytes
    r.detail = "hlen " + std::to_string(m.hlen) + " exceeds the 16-byte chaddr";
    return r;
  }
  if (m.hops > 16) {  // RFC 1542 §4.1.1: relays discard beyond 16 hops; so do we
    r.detail = "hops " + std::to_string(m.hops) + " exceeds 16";
    return r;
  }
  m.xid = get32(d, 4);
  m.secs = std::uint16_t(d[8] << 8 | d[9]);
  m.flags = std::uint16_t(d[10] << 8 | d[11]);
  m.ciaddr = sdk::ipv4_address(get32(d, 12));
  m.yiaddr = sdk::ipv4_address(get32(d, 16));
  m.siaddr = sdk::ipv4_address(get32(d, 20));
  m.giaddr = sdk::ipv4_address(get32(d, 24));
  std::copy_n(d.begin() + 28, m.hlen, m.chaddr.begin());
  auto sname = d.subspan(44, 64), file = d.subspan(108, 128);

  option_accumulator acc;
  if (!parse_area(d.subspan(fixed_header_size + 4), acc, true, r.detail, "options")) return r;
  // RFC 2132 §9.3: overload 1 = file, 2 = sname, 3 = both; RFC 3396 §5: options, then file, then sname.
  std::uint8_t overload = 0;
  if (acc.has(opt::overload)) {
    auto v = acc.take(opt::overload);
    if (v.size() != 1 || v[0] < 1 || v[0] > 3) {
      r.detail = "malformed option overload (52)";
      return r;
    }
    overload = v[0];
  }
  if (overload & 1) {
    if (!parse_area(file, acc, false, r.detail, "file (overloaded)")) return r;
  } else {
    m.file = c_string(file);
  }
  if (overload & 2) {
    if (!parse_area(sname, acc, false, r.detail, "sname (overloaded)")) return r;
  } else {
    m.sname = c_string(sname);
  }
  if (acc.has(opt::message_type) && acc.length[opt::message_type] != 1) {
    r.detail = "message type option (53) must be one byte";
    return r;
  }
  for (std::size_t i = 0; i < acc.codes; ++i)
    if (acc.order[i] != opt::overload) m.options.set(acc.order[i], acc.take(acc.order[i]));
  r.message = std::move(m);
  return r;
}

encode_limits limits_for(const sdk::dhcp_message& request) {
  encode_limits l;
  if (auto mms = request.options.get_u16(opt::max_message_size))
    l.max_size = std::clamp<std::size_t>(*mms, 576, 1500) - ip_udp_overhead;
  if (auto prl = request.options.find(opt::parameter_request_list)) l.parameter_order.assign(prl->begin(), prl->end());
  if (auto ri = request.options.find(opt::relay_agent_info)) l.relay_info = bytes(ri->begin(), ri->end());
  return l;
}

namespace {

// One option as it goes on the wire: code/len/value, split in 255-byte pieces (RFC 3396 §7).
std::size_t wire_size(std::size_t value_size) {
  return value_size + 2 * std::max<std::size_t>(1, (value_size + 254) / 255);
}
void append_wire(bytes& out, std::uint8_t code, std::span<const std::uint8_t> value) {
  std::size_t at = 0;
  do {
    std::size_t n = std::min<std::size_t>(255, value.size() - at);
    out.push_back(code);
    out.push_back(std::uint8_t(n));
    out.insert(out.end(), value.begin() + long(at), value.begin() + long(at + n));
    at += n;
  } while (at < value.size());
}

// Fills option areas in order; an option goes whole into the first area with room for it.
struct area {
  std::size_t capacity;  // bytes available, END excluded
  bytes data;
  bool fits(std::size_t n) const { return data.size() + n <= capacity; }
};

}  // namespace

std::vector<std::uint8_t> encode(const sdk::dhcp_message& reply, const encode_limits& limits,
                                 encode_report* report) {
  encode_report local;
  auto& notes = report ? *report : local;
  notes = {};
  // Priority: message type, server identifier, what the client asked for (opt 55 order), the rest as
  // the responder set them. Opt 82 is handled separately: it must be echoed, and last (RFC 3046 §2.2).
  std::vector<const sdk::dhcp_options::entry*> ordered;
  const auto& entries = reply.options.entries();
  ordered.reserve(entries.size());
  code_set taken;  // codes already in `ordered` (dhcp_options holds each code once)
  auto take = [&](std::uint8_t code) {
    if (taken.has(code)) return;
    for (auto& e : entries)
      if (e.first == code) {
        ordered.push_back(&e);
        taken.add(code);
        return;
      }
  };
  take(opt::message_type);
  take(opt::server_identifier);
  for (auto code : limits.parameter_order) take(code);
  for (auto& e : entries) take(e.first);

  const std::size_t max_size = std::max(limits.max_size, std::size_t(576 - ip_udp_overhead));
  // Main area: after header + cookie, keep room for END and for a possible overload option (3 bytes).
  std::size_t main_capacity = max_size - fixed_header_size - 4 - 1 - 3;

  // RFC 3046 §2.2: the server SHALL echo the whole option, as one option (any length up to 255 is legal),
  // in the options field, last. It is budgeted first so the other options yield to it: they can move to
  // file/sname (RFC 2132 §9.3), it cannot. The message type must stay in the options field beside it.
  bytes relay;
  std::optional<std::span<const std::uint8_t>> relay_value;
  if (auto own = reply.options.find(opt::relay_agent_info))
    relay_value = *own;
  else if (limits.relay_info)
    relay_value = std::span<const std::uint8_t>(*limits.relay_info);
  if (relay_value) {
    const bool one_option = relay_value->size() <= 255;
    if (one_option && 2 + relay_value->size() + 3 <= main_capacity) {
      append_wire(relay, opt::relay_agent_info, *relay_value);
      main_capacity -= relay.size();
    } else {
      notes.relay_info_left_out = true;
      notes.relay_info_size = relay_value->size();
    }
  }
  area main{main_capacity, {}};
  area file{reply.file.empty() ? 127u : 0u, {}};   // 128 bytes, END excluded
  area sname{reply.sname.empty() ? 63u : 0u, {}};  // 64 bytes, END excluded
  main.data.reserve(main.capacity);
  for (auto* e : ordered) {
    if (e->first == opt::pad || e->first == opt::end || e->first == opt::overload ||
        e->first == opt::relay_agent_info)
      continue;
    const auto n = wire_size(e->second.size());
    bool placed = false;
    for (auto* a : {&main, &file, &sname})
      if (a->fits(n)) {
        append_wire(a->data, e->first, e->second);
        placed = true;
        break;
      }
    if (!placed) ++notes.options_left_out;  // fits nowhere: left out
  }
  std::uint8_t overload = (file.data.empty() ? 0 : 1) | (sname.data.empty() ? 0 : 2);

  bytes out;
  out.reserve(std::max<std::size_t>(min_message_size, fixed_header_size + 4 + 3 + main.data.size() + relay.size() + 1));
  out.resize(fixed_header_size, 0);
  out[0] = reply.op;
  out[1] = reply.htype;
  out[2] = std::min<std::uint8_t>(reply.hlen, 16);
  out[3] = reply.hops;
  put32(out, 4, reply.xid);
  out[8] = std::uint8_t(reply.secs >> 8);
  out[9] = std::uint8_t(reply.secs);
  out[10] = std::uint8_t(reply.flags >> 8);
  out[11] = std::uint8_t(reply.flags);
  put32(out, 12, reply.ciaddr.to_uint());
  put32(out, 16, reply.yiaddr.to_uint());
  put32(out, 20, reply.siaddr.to_uint());
  put32(out, 24, reply.giaddr.to_uint());
  std::copy(reply.chaddr.begin(), reply.chaddr.end(), out.begin() + 28);
  auto put_field = [&](std::size_t at, std::size_t size, const std::string& text, const bytes& options) {
    if (!options.empty()) {
      std::copy(options.begin(), options.end(), out.begin() + long(at));
      out[at + options.size()] = opt::end;
    } else if (text.size() < size) {
      std::copy(text.begin(), text.end(), out.begin() + long(at));
    }  // else: left empty, reported below
  };
  if (file.data.empty() && reply.file.size() >= 128) notes.file_too_long = reply.file.size();
  if (sname.data.empty() && reply.sname.size() >= 64) notes.sname_too_long = reply.sname.size();
  put_field(44, 64, reply.sname, sname.data);
  put_field(108, 128, reply.file, file.data);
  out.resize(fixed_header_size + 4);
  put32(out, fixed_header_size, magic_cookie);
  // Message type first, then the overload flag, then everything else.
  out.insert(out.end(), main.data.begin(), main.data.end());
  if (overload) {
    bytes o{opt::overload, 1, overload};
    auto pos = out.begin() + long(fixed_header_size + 4);
    if (!main.data.empty() && main.data[0] == opt::message_type) pos += 3;
    out.insert(pos, o.begin(), o.end());
  }
  out.insert(out.end(), relay.begin(), relay.end());
  out.push_back(opt::end);
  if (out.size() < min_message_size) out.resize(min_message_size, 0);
  return out;
}

}  // namespace bootfw::dhcp
