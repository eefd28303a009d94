// Evaluation of a parsed dhcpd.conf for one client: class matching (dhcp-eval(5)), host lookup, permit
// lists, and ISC's scope precedence for parameters and options.
#include <algorithm>
#include <array>
#include <bit>

#include <bootfw/isc_conf/isc_conf.hpp>

namespace bootfw::isc_conf {
namespace {

using bytes = std::vector<std::uint8_t>;

void put_u16(bytes& out, std::uint16_t v) {
  out.push_back(std::uint8_t(v >> 8));
  out.push_back(std::uint8_t(v));
}

/// The scopes that apply to a client, highest precedence first (see isc_conf.hpp): host, classes (in
/// file order), pool, subnet, shared-network, global. Resolved several times per DHCP exchange, so it
/// stays on the stack unless a client is in more than `inline_scopes` - 5 classes.
class scope_list {
 public:
  static constexpr std::size_t inline_scopes = 16;
  scope_list(const client_match& m, const pool_decl* pool) {
    if (m.host) push(&m.host->params);
    for (const auto* c : m.classes) push(&c->params);
    const subnet_decl* subnet = m.subnet;
    if (pool) {
      push(&pool->params);
      if (pool->subnet >= 0 && m.model) subnet = &m.model->subnets[std::size_t(pool->subnet)];
    }
    if (subnet) push(&subnet->params);
    if (m.shared_network) push(&m.shared_network->params);
    if (m.model) push(&m.model->global);
  }
  const parameters* const* begin() const noexcept { return more_.empty() ? fixed_.data() : more_.data(); }
  const parameters* const* end() const noexcept { return begin() + size_; }

 private:
  void push(const parameters* p) {
    if (size_ < inline_scopes && more_.empty()) {
      fixed_[size_++] = p;
      return;
    }
    if (more_.empty()) more_.assign(fixed_.begin(), fixed_.begin() + long(size_));
    more_.push_back(p);
    ++size_;
  }
  std::array<const parameters*, inline_scopes> fixed_{};
  std::vector<const parameters*> more_;
  std::size_t size_ = 0;
};

template <class T, class F>
std::optional<T> first_set(const scope_list& scopes, F get) {
  for (const auto* s : scopes)
    if (const auto& v = get(*s)) return *v;
  return std::nullopt;
}

/// For each code of one option space, the setting of the highest-precedence scope that has it. Built
/// several times per DHCP exchange: only the codes present are touched (a bit per code says which).
class effective_options {
 public:
  template <class Scopes>
  effective_options(const Scopes& scopes, std::string_view space) {
    for (const auto* p : scopes)
      for (const auto& o : p->options)
        if (!has(o.code) && o.space == space) {
          present_[o.code / 64] |= std::uint64_t(1) << (o.code % 64);
          chosen_[o.code] = &o;
        }
  }
  bool has(std::uint8_t code) const noexcept { return present_[code / 64] >> (code % 64) & 1; }
  const option_setting* operator[](std::uint8_t code) const noexcept { return has(code) ? chosen_[code] : nullptr; }
  /// Calls f(code, setting) in ascending code order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t w = 0; w < present_.size(); ++w)
      for (std::uint64_t bits = present_[w]; bits; bits &= bits - 1) {
        const auto code = std::uint8_t(w * 64 + std::size_t(std::countr_zero(bits)));
        f(code, *chosen_[code]);
      }
  }

 private:
  std::array<std::uint64_t, 4> present_{};
  std::array<const option_setting*, 256> chosen_;  // read only where present_ has the bit
};

/// RFC 2132 §8.4 encapsulation of one option space's effective options: code, len, value, … (ascending
/// code) in the byte layout ISC dhcpd 4.4 sends (no END sub-option). Empty when the space has none.
template <class Scopes>
std::vector<std::uint8_t> encode_space(const Scopes& scopes, std::string_view space) {
  bytes out;
  bool full = false;
  // RFC 2132 §8.4: encapsulated vendor options use the code/len/value layout of the options field.
  effective_options(scopes, space).for_each([&](std::uint8_t code, const option_setting& o) {
    if (full || out.size() + 2 + o.value.size() > 255) {  // opt 43 is one option: at most 255 bytes
      full = true;
      return;
    }
    out.push_back(code);
    out.push_back(std::uint8_t(o.value.size()));
    out.insert(out.end(), o.value.begin(), o.value.end());
  });
  // No END sub-option: ISC dhcpd 4.4 sends the seed's opt 43 as 01 04 00 00 00 00 (captured, see README).
  return out;
}

bool permit_matches(const permit& p, const client_match& m) noexcept {
  switch (p.what) {
    case permit::kind::all_clients: return true;
    case permit::kind::known_clients: return m.known();
    case permit::kind::unknown_clients: return !m.known();
    case permit::kind::members_of: return m.in_class(p.class_name);
  }
  return false;
}

}  // namespace

sdk::dhcp_options options_from_facts(const sdk::client_facts& f) {
  if (!f.options.empty()) return f.options;  // the request's own options: every class sees what ISC would
  sdk::dhcp_options o;
  namespace opt = sdk::dhcp_option;
  if (!f.requested_host_name.empty()) o.set_string(opt::host_name, f.requested_host_name);
  if (!f.vendor_class.empty()) o.set_string(opt::vendor_class_identifier, f.vendor_class);
  if (!f.client_id.empty()) o.set(opt::client_identifier, f.client_id);
  if (!f.user_class.empty()) o.set(opt::user_class, f.user_class);
  if (!f.relay_info.empty()) o.set(opt::relay_agent_info, f.relay_info);
  if (!f.architectures.empty()) {
    bytes a;
    for (auto v : f.architectures) put_u16(a, v);  // RFC 4578 §2.1: list of 16-bit types
    o.set(opt::client_system_arch, std::move(a));
  }
  if (f.ndi) o.set(opt::client_ndi, bytes(f.ndi->begin(), f.ndi->end()));
  if (!f.uuid.empty()) o.set(opt::client_uuid, f.uuid);
  return o;
}

std::optional<bytes> evaluate_data(const expression& e, const sdk::client_facts& facts,
                                   const sdk::dhcp_options& request) {
  switch (e.what) {
    case expression::kind::literal: return e.data;
    case expression::kind::option: {
      auto v = request.find(e.option_code);
      if (!v) return std::nullopt;
      return bytes(v->begin(), v->end());
    }
    case expression::kind::hardware: {
      // dhcp-eval(5): the hardware type followed by the hardware address.
      bytes out{facts.htype};
      out.insert(out.end(), facts.mac.bytes().begin(), facts.mac.bytes().end());
      return out;
    }
    case expression::kind::substring: {
      auto v = evaluate_data(*e.operands[0], facts, request);
      if (!v) return std::nullopt;
      if (e.offset >= v->size()) return bytes{};  // ISC: an offset past the end gives an empty string
      auto len = std::min<std::size_t>(e.length, v->size() - e.offset);
      return bytes(v->begin() + e.offset, v->begin() + e.offset + len);
    }
    case expression::kind::suffix: {
      auto v = evaluate_data(*e.operands[0], facts, request);
      if (!v) return std::nullopt;
      auto len = std::min<std::size_t>(e.length, v->size());
      return bytes(v->end() - len, v->end());
    }
    default: return std::nullopt;
  }
}

std::optional<bool> evaluate_boolean(const expression& e, const sdk::client_facts& facts,
                                     const sdk::dhcp_options& request) {
  switch (e.what) {
    case expression::kind::equal:
    case expression::kind::not_equal: {
      auto a = evaluate_data(*e.operands[0], facts, request);
      auto b = evaluate_data(*e.operands[1], facts, request);
      bool same;
      if (a && b) same = *a == *b;
      else if (!a && !b) same = true;  // ISC: two null values compare equal
      else return std::nullopt;
      return e.what == expression::kind::equal ? same : !same;
    }
    case expression::kind::and_:
    case expression::kind::or_: {
      // Left to right, as ISC does: `and` is decided by the first false operand, `or` by the first true
      // one; otherwise an unevaluable operand makes the whole unevaluable. The parser makes a chain one
      // node with every operand, so this loops instead of recursing down a long chain.
      const bool decisive = e.what == expression::kind::or_;
      bool all_known = true;
      for (const auto& operand : e.operands) {
        auto v = evaluate_boolean(*operand, facts, request);
        if (v && *v == decisive) return decisive;
        all_known = all_known && v.has_value();
      }
      if (all_known) return !decisive;
      return std::nullopt;
    }
    case expression::kind::not_: {
      auto a = evaluate_boolean(*e.operands[0], facts, request);
      if (!a) return std::nullopt;
      return !*a;
    }
    case expression::kind::exists: return request.contains(e.option_code);
    default: return std::nullopt;
  }
}

const subnet_decl* find_subnet(const config_model& model, sdk::ipv4_address link_address) noexcept {
  if (link_address.is_unspecified()) return nullptr;
  const subnet_decl* best = nullptr;
  for (const auto& s : model.subnets)  // the most specific subnet wins
    if (s.contains(link_address) && (!best || s.netmask > best->netmask)) best = &s;
  return best;
}

const host_decl* find_host(const config_model& model, const sdk::client_facts& facts,
                           const sdk::dhcp_options& request) noexcept {
  // ISC looks hosts up by client identifier first, then by hardware address (dhcpd.conf(5) "host").
  if (auto id = request.find(sdk::dhcp_option::client_identifier); id && !id->empty())
    for (const auto& h : model.hosts)
      if (!h.client_id.empty() && std::equal(h.client_id.begin(), h.client_id.end(), id->begin(), id->end()))
        return &h;
  if (facts.htype == 1)
    for (const auto& h : model.hosts)
      if (h.hardware_ethernet && *h.hardware_ethernet == facts.mac) return &h;
  return nullptr;
}

bool client_match::in_class(std::string_view name) const noexcept {
  return std::any_of(classes.begin(), classes.end(), [&](const class_decl* c) { return c->name == name; });
}

std::vector<const parameters*> client_match::scopes(const pool_decl* pool) const {
  scope_list l(*this, pool);
  return {l.begin(), l.end()};
}

bool client_match::unknown_clients_allowed() const {
  for (const parameters* p : {subnet ? &subnet->params : nullptr, shared_network ? &shared_network->params : nullptr,
                              model ? &model->global : nullptr})
    if (p && p->unknown_clients) return *p->unknown_clients;
  return true;
}

bool pool_permits(const pool_decl& pool, const client_match& m) noexcept {
  // dhcpd.conf(5) "PERMIT LISTS": with an allow list only listed clients may use the pool; a client
  // matching any deny entry may not.
  if (!pool.allow.empty() &&
      std::none_of(pool.allow.begin(), pool.allow.end(), [&](const permit& p) { return permit_matches(p, m); }))
    return false;
  return std::none_of(pool.deny.begin(), pool.deny.end(), [&](const permit& p) { return permit_matches(p, m); });
}

client_match match_client(const config_model& model, const sdk::client_facts& facts,
                          const sdk::dhcp_options& request, sdk::ipv4_address link_address) {
  client_match m;
  m.model = &model;
  m.subnet = find_subnet(model, link_address);
  if (m.subnet && m.subnet->shared_network >= 0)
    m.shared_network = &model.shared_networks[std::size_t(m.subnet->shared_network)];
  m.host = find_host(model, facts, request);
  // Classes are global in ISC even when declared inside a subnet; every class is tested, in file order.
  for (const auto& c : model.classes)
    if (c.match && evaluate_boolean(*c.match, facts, request).value_or(false)) m.classes.push_back(&c);
  auto add_pools = [&](const std::vector<pool_decl>& pools) {
    for (const auto& p : pools)
      if (pool_permits(p, m)) m.permitted_pools.push_back(&p);
  };
  if (m.shared_network) {
    for (int i : m.shared_network->subnets) add_pools(model.subnets[std::size_t(i)].pools);
    add_pools(m.shared_network->pools);
  } else if (m.subnet) {
    add_pools(m.subnet->pools);
  }
  return m;
}

client_match match_client(const config_model& model, const sdk::client_facts& facts,
                          const sdk::dhcp_options& request) {
  return match_client(model, facts, request, link_address_of(facts, request));
}

std::optional<sdk::ipv4_address> subnet_selection_of(const sdk::dhcp_options& request) {
  auto v = request.find(118);  // RFC 3011 §3: code 118, length 4, one IPv4 address
  if (!v || v->size() != 4) return std::nullopt;
  return sdk::ipv4_address((*v)[0], (*v)[1], (*v)[2], (*v)[3]);
}

sdk::ipv4_address link_address_of(const sdk::client_facts& facts, const sdk::dhcp_options& request) {
  // RFC 3527 §3: sub-option 5 of the relay agent information option, 4 bytes. Sub-options are
  // code/length/value (RFC 3046 §2.0); a truncated list is not searched further.
  if (auto ri = request.find(sdk::dhcp_option::relay_agent_info)) {
    for (std::size_t i = 0; i + 2 <= ri->size();) {
      const std::uint8_t code = (*ri)[i], len = (*ri)[i + 1];
      if (i + 2 + len > ri->size()) break;
      if (code == 5 && len == 4) return sdk::ipv4_address((*ri)[i + 2], (*ri)[i + 3], (*ri)[i + 4], (*ri)[i + 5]);
      i += 2 + std::size_t(len);
    }
  }
  if (auto s = subnet_selection_of(request)) return *s;
  return facts.relay.is_unspecified() ? facts.interface_address : facts.relay;
}

const pool_decl* find_pool(const client_match& m, sdk::ipv4_address address) noexcept {
  if (!m.model) return nullptr;
  auto in = [&](const pool_decl& p) {
    return std::any_of(p.ranges.begin(), p.ranges.end(),
                       [&](const address_range& r) { return r.first <= address && address <= r.last; });
  };
  auto search = [&](const std::vector<pool_decl>& pools) -> const pool_decl* {
    for (const auto& p : pools)
      if (in(p)) return &p;
    return nullptr;
  };
  if (m.shared_network) {
    for (int i : m.shared_network->subnets)
      if (auto* p = search(m.model->subnets[std::size_t(i)].pools)) return p;
    return search(m.shared_network->pools);
  }
  return m.subnet ? search(m.subnet->pools) : nullptr;
}

resolved_parameters resolve(const client_match& m, const pool_decl* pool) {
  resolved_parameters r;
  const scope_list scopes(m, pool);
  if (auto v = first_set<std::uint32_t>(scopes, [](const parameters& p) { return p.default_lease_time; }))
    r.lease.default_time = *v;
  if (auto v = first_set<std::uint32_t>(scopes, [](const parameters& p) { return p.max_lease_time; }))
    r.lease.max_time = *v;
  if (auto v = first_set<std::uint32_t>(scopes, [](const parameters& p) { return p.min_lease_time; }))
    r.lease.min_time = *v;
  r.filename = first_set<std::string>(scopes, [](const parameters& p) { return p.filename; });
  r.server_name = first_set<std::string>(scopes, [](const parameters& p) { return p.server_name; });
  r.next_server = first_set<sdk::ipv4_address>(scopes, [](const parameters& p) { return p.next_server; });
  r.server_identifier = first_set<sdk::ipv4_address>(scopes, [](const parameters& p) { return p.server_identifier; });
  r.authoritative = first_set<bool>(scopes, [](const parameters& p) { return p.authoritative; });
  r.vendor_option_space =
      first_set<std::string>(scopes, [](const parameters& p) { return p.vendor_option_space; }).value_or("");

  const effective_options chosen(scopes, "dhcp");
  const subnet_decl* subnet =
      pool && pool->subnet >= 0 && m.model ? &m.model->subnets[std::size_t(pool->subnet)] : m.subnet;
  // Ascending code order, as ISC dhcpd sends them: opt 1 from the netmask and opt 43 from the
  // vendor-option-space go in at their place unless a scope sets them.
  bool mask_done = chosen.has(sdk::dhcp_option::subnet_mask) || !subnet;
  bool vendor_done = chosen.has(sdk::dhcp_option::vendor_specific) || r.vendor_option_space.empty();
  auto derived = [&](unsigned upto) {
    if (!mask_done && upto > sdk::dhcp_option::subnet_mask) {
      r.options.set_address(sdk::dhcp_option::subnet_mask, subnet->netmask);
      mask_done = true;
    }
    if (!vendor_done && upto > sdk::dhcp_option::vendor_specific) {
      if (auto v = encode_space(scopes, r.vendor_option_space); !v.empty())
        r.options.set(sdk::dhcp_option::vendor_specific, std::move(v));
      vendor_done = true;
    }
  };
  chosen.for_each([&](std::uint8_t code, const option_setting& o) {
    derived(code);
    r.options.set(code, o.value);
  });
  derived(256);
  return r;
}

}  // namespace bootfw::isc_conf
