// Statement parser for the dhcpd.conf subset (dhcpd.conf(5), dhcp-options(5)). Anything outside the
// subset is a parse_error naming file:line and the statement: nothing is silently ignored.
#include <bootfw/sdk/file.hpp>

#include <initializer_list>
#include <string_view>

#include "expression_parser.hpp"
#include "lexer.hpp"
#include "option_values.hpp"
#include "validate.hpp"

namespace bootfw::isc_conf {
namespace detail {
namespace {

enum class scope_kind : std::uint8_t { global, shared_network, subnet, pool, class_, host };
constexpr const char* scope_name(scope_kind k) {
  switch (k) {
    case scope_kind::global: return "global scope";
    case scope_kind::shared_network: return "a shared-network";
    case scope_kind::subnet: return "a subnet";
    case scope_kind::pool: return "a pool";
    case scope_kind::class_: return "a class";
    case scope_kind::host: return "a host";
  }
  return "?";
}

/// Where the statements being parsed go. Declarations are built in locals and moved into the model when
/// their block closes, so no pointer here dangles when the model's vectors grow.
struct scope {
  scope_kind kind = scope_kind::global;
  parameters* params = nullptr;
  int subnet = -1;          ///< index the enclosing subnet will have
  int shared_network = -1;  ///< index the enclosing shared-network will have
  subnet_decl* subnet_decl_ptr = nullptr;
  shared_network_decl* shared_ptr = nullptr;
  pool_decl* pool = nullptr;
  class_decl* cls = nullptr;
  host_decl* host = nullptr;
};

class statement_parser {
 public:
  statement_parser(config_model& m, std::vector<token> t) : m_(m), tokens_(std::move(t)) {}

  void parse() {
    scope global{scope_kind::global, &m_.global};
    parse_statements(global);
    if (peek().what != token::kind::end) fail("unexpected '}'");
    validate_model(m_);
  }

 private:
  const token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const token& next() {
    const auto& t = peek();
    if (t.what != token::kind::end) ++pos_;
    return t;
  }
  source_location here() const { return {m_.file, peek().line}; }
  [[noreturn]] void fail(const std::string& message) const { throw parse_error(here(), message); }
  [[noreturn]] void fail_at(int line, const std::string& message) const { throw parse_error({m_.file, line}, message); }
  void expect_punct(char c, const std::string& after) {
    if (!peek().is_punct(c)) fail(std::string("expected '") + c + "' after " + after + ", found '" + peek().text + "'");
    next();
  }
  std::string expect_word(const std::string& what) {
    if (peek().what != token::kind::word) fail("expected " + what + ", found '" + peek().text + "'");
    return next().text;
  }
  std::string expect_quoted_or_word(const std::string& what) {
    if (peek().what != token::kind::word && peek().what != token::kind::quoted)
      fail("expected " + what + ", found '" + peek().text + "'");
    return next().text;
  }
  sdk::ipv4_address expect_address(const std::string& what) {
    int line = peek().line;
    auto w = expect_word(what);
    auto a = sdk::ipv4_address::parse(w);
    if (!a) fail_at(line, what + ": '" + w + "' is not an IPv4 address (host names are not supported)");
    return *a;
  }
  std::uint32_t expect_seconds(const std::string& what) {
    int line = peek().line;
    auto w = expect_word(what);
    std::uint64_t v = 0;
    for (char c : w) {
      if (c < '0' || c > '9' || (v = v * 10 + std::uint64_t(c - '0')) > 0xffffffffULL)
        fail_at(line, what + ": '" + w + "' is not a number of seconds");
    }
    if (w.empty()) fail_at(line, what + ": missing value");
    return std::uint32_t(v);
  }
  void end_statement(const std::string& what) { expect_punct(';', what); }
  void only_in(const scope& s, std::initializer_list<scope_kind> kinds, const std::string& what, int line) const {
    for (auto k : kinds)
      if (k == s.kind) return;
    fail_at(line, "'" + what + "' is not allowed in " + scope_name(s.kind));
  }

  void parse_statements(scope& s) {
    while (peek().what != token::kind::end && !peek().is_punct('}')) statement(s);
  }
  // Blocks recurse (block → statement → block), but only_in() lets a block hold only declarations of a
  // lower kind (shared-network > subnet > pool/host/class), so braces nest at most three deep; `group`
  // and a bare '{' are errors. Supporting `group` would need a nesting limit here.
  void block(scope& s, const std::string& what) {
    expect_punct('{', what);
    parse_statements(s);
    if (!peek().is_punct('}')) fail("missing '}' closing " + what);
    next();
  }

  void statement(scope& s) {
    const token& t = peek();
    int line = t.line;
    if (t.what != token::kind::word) fail("expected a statement, found '" + t.text + "'");
    std::string w = next().text;
    using k = scope_kind;
    if (w == "ddns-update-style") {
      only_in(s, {k::global}, w, line);
      m_.ddns_update_style = expect_word("a ddns-update-style");
      if (*m_.ddns_update_style != "none")
        fail_at(line, "ddns-update-style '" + *m_.ddns_update_style + "' is not supported (only none)");
      end_statement(w);
    } else if (w == "abandon-lease-time") {
      // dhcpd.conf(5): how long a DECLINEd address stays abandoned; ISC reads it from the global scope only.
      only_in(s, {k::global}, w, line);
      m_.abandon_lease_time = expect_seconds(w);
      if (*m_.abandon_lease_time == 0) fail_at(line, "abandon-lease-time: must be at least 1 second");
      end_statement(w);
    } else if (w == "authoritative") {
      s.params->authoritative = true;
      end_statement(w);
    } else if (w == "not") {
      if (!peek().is_word("authoritative")) fail_at(line, "unsupported statement 'not " + peek().text + "'");
      next();
      s.params->authoritative = false;
      end_statement("not authoritative");
    } else if (w == "option") {
      option_statement(s, line);
    } else if (w == "subnet") {
      only_in(s, {k::global, k::shared_network}, w, line);
      subnet_statement(s, line);
    } else if (w == "shared-network") {
      only_in(s, {k::global}, w, line);
      shared_network_statement(line);
    } else if (w == "pool") {
      only_in(s, {k::subnet, k::shared_network}, w, line);
      pool_statement(s, line);
    } else if (w == "range") {
      only_in(s, {k::subnet, k::pool}, w, line);
      range_statement(s, line);
    } else if (w == "host") {
      only_in(s, {k::global, k::shared_network, k::subnet}, w, line);
      host_statement(s, line);
    } else if (w == "class") {
      only_in(s, {k::global, k::shared_network, k::subnet}, w, line);
      class_statement(s, line);
    } else if (w == "match") {
      only_in(s, {k::class_}, w, line);
      if (!peek().is_word("if")) fail_at(line, "unsupported statement 'match " + peek().text + "' (only 'match if')");
      next();
      s.cls->match = parse_expression(tokens_, pos_, m_.file, [this](std::string_view n) { return lookup(n); });
      s.cls->match_text = to_text(*s.cls->match);
      end_statement("match if");
    } else if (w == "hardware") {
      only_in(s, {k::host}, w, line);
      if (!peek().is_word("ethernet")) fail_at(line, "unsupported hardware type '" + peek().text + "' (only ethernet)");
      next();
      auto mac_text = expect_word("a MAC address");
      auto mac = sdk::mac_address::parse(mac_text);
      if (!mac) fail_at(line, "hardware ethernet: '" + mac_text + "' is not a MAC address");
      s.host->hardware_ethernet = *mac;
      end_statement(w);
    } else if (w == "fixed-address") {
      only_in(s, {k::host}, w, line);
      s.host->fixed_address = expect_address("fixed-address");
      if (peek().is_punct(',')) fail_at(line, "fixed-address with several addresses is not supported");
      end_statement(w);
    } else if (w == "hostname") {
      // Not an ISC statement (dhcpd 4.4 rejects it); the seed uses it for `option host-name`.
      auto name = expect_quoted_or_word("a host name");
      m_.warnings.push_back({{m_.file, line}, printable("'hostname " + name + ";' is not ISC syntax; treated as option host-name \"" +
                                                            name + "\"")});
      set_option(s, *find_standard_option(std::uint8_t(sdk::dhcp_option::host_name)),
                 std::vector<std::uint8_t>(name.begin(), name.end()), "\"" + name + "\"", line);
      end_statement(w);
    } else if (w == "default-lease-time") {
      s.params->default_lease_time = expect_seconds(w);
      end_statement(w);
    } else if (w == "max-lease-time") {
      s.params->max_lease_time = expect_seconds(w);
      end_statement(w);
    } else if (w == "min-lease-time") {
      s.params->min_lease_time = expect_seconds(w);
      end_statement(w);
    } else if (w == "allow" || w == "deny" || w == "ignore") {
      permit_statement(s, w, line);
    } else if (w == "filename") {
      if (peek().what != token::kind::quoted) fail_at(line, "filename: expected a \"quoted\" file name");
      s.params->filename = next().text;
      end_statement(w);
    } else if (w == "server-name") {
      if (peek().what != token::kind::quoted) fail_at(line, "server-name: expected a \"quoted\" name");
      s.params->server_name = next().text;
      end_statement(w);
    } else if (w == "next-server") {
      s.params->next_server = expect_address(w);
      end_statement(w);
    } else if (w == "server-identifier") {
      s.params->server_identifier = expect_address(w);
      end_statement(w);
    } else if (w == "vendor-option-space") {
      s.params->vendor_option_space = expect_word("an option space name");
      end_statement(w);
    } else {
      fail_at(line, "unsupported statement '" + w + "'");
    }
  }

  const option_definition* lookup(std::string_view name) const {
    std::string space = "dhcp";
    std::string_view bare = name;
    if (auto dot = name.find('.'); dot != std::string_view::npos) {
      space = std::string(name.substr(0, dot));
      bare = name.substr(dot + 1);
    }
    for (auto it = m_.definitions.rbegin(); it != m_.definitions.rend(); ++it)
      if (it->space == space && it->name == bare) return &*it;
    return space == "dhcp" ? find_standard_option(bare) : nullptr;
  }
  bool space_declared(const std::string& space) const {
    for (const auto& s : m_.option_spaces)
      if (s == space) return true;
    return false;
  }

  void option_statement(scope& s, int line) {
    if (peek().is_word("space")) {
      next();
      only_in(s, {scope_kind::global}, "option space", line);
      auto name = expect_word("an option space name");
      if (name == "dhcp" || name.find('.') != std::string::npos) fail_at(line, "invalid option space name '" + name + "'");
      if (!peek().is_punct(';'))
        fail_at(line, "unsupported 'option space " + name + " " + peek().text + "' (code/length width settings)");
      if (!space_declared(name)) m_.option_spaces.push_back(name);
      end_statement("option space");
      return;
    }
    auto name = expect_word("an option name");
    if (peek().is_word("code")) {
      next();
      only_in(s, {scope_kind::global}, "option … code", line);
      option_definition def;
      auto dot = name.find('.');
      def.space = dot == std::string::npos ? "dhcp" : name.substr(0, dot);
      def.name = dot == std::string::npos ? name : name.substr(dot + 1);
      if (def.space != "dhcp" && !space_declared(def.space))
        fail_at(line, "option " + name + ": option space '" + def.space + "' is not declared (option space " + def.space + ";)");
      auto code_text = expect_word("an option code");
      int code = 0;
      for (char c : code_text) code = (c >= '0' && c <= '9' && code < 1000) ? code * 10 + (c - '0') : 1000;
      if (code < 1 || code > 254) fail_at(line, "option " + name + ": code '" + code_text + "' is not in 1..254");
      def.code = std::uint8_t(code);
      expect_punct('=', "the option code");
      def.format = parse_format(tokens_, pos_, m_.file);
      m_.definitions.push_back(def);
      end_statement("option definition");
      return;
    }
    const auto* def = lookup(name);
    if (!def) fail_at(line, "unknown option '" + name + "'");
    std::string text;
    auto value = encode_value(*def, tokens_, pos_, m_.file, text);
    if (def->space == "dhcp" && def->code == sdk::dhcp_option::client_identifier && s.kind == scope_kind::host)
      s.host->client_id = value;
    set_option(s, *def, std::move(value), text, line);
    end_statement("option " + name);
  }

  void set_option(scope& s, const option_definition& def, std::vector<std::uint8_t> value, std::string text, int line) {
    auto& opts = s.params->options;
    option_setting o{def.space, def.name, def.code, std::move(value), std::move(text), {m_.file, line}};
    for (auto& e : opts)
      if (e.space == o.space && e.code == o.code) {
        e = std::move(o);
        return;
      }
    opts.push_back(std::move(o));
  }

  void subnet_statement(scope& s, int line) {
    subnet_decl sn;
    sn.where = {m_.file, line};
    sn.network = expect_address("subnet");
    if (!peek().is_word("netmask")) fail("expected 'netmask' after the subnet number");
    next();
    sn.netmask = expect_address("netmask");
    std::uint32_t mask = sn.netmask.to_uint();
    if ((~mask & (~mask + 1)) != 0 || (sn.network.to_uint() & ~mask) != 0)
      fail_at(line, "subnet " + sn.network.to_string() + " netmask " + sn.netmask.to_string() +
                        ": bad subnet number/mask combination");
    sn.shared_network = s.shared_network;
    scope inner{scope_kind::subnet, &sn.params, int(m_.subnets.size()), s.shared_network, &sn, s.shared_ptr};
    block(inner, "subnet " + sn.network.to_string());
    for (auto& p : sn.pools) p.subnet = inner.subnet;
    if (s.shared_ptr) s.shared_ptr->subnets.push_back(inner.subnet);
    m_.subnets.push_back(std::move(sn));
  }

  void shared_network_statement(int line) {
    shared_network_decl sh;
    sh.where = {m_.file, line};
    sh.name = expect_quoted_or_word("a shared-network name");
    scope inner{scope_kind::shared_network, &sh.params, -1, int(m_.shared_networks.size()), nullptr, &sh};
    block(inner, "shared-network " + sh.name);
    // ISC: a pool written in a shared-network belongs to the subnet holding its ranges.
    for (auto& p : sh.pools) {
      for (int i : sh.subnets)
        if (!p.ranges.empty() && m_.subnets[std::size_t(i)].contains(p.ranges.front().first)) p.subnet = i;
      if (p.subnet < 0 && !p.ranges.empty())
        fail_at(p.where.line, "pool range " + p.ranges.front().first.to_string() + " is in no subnet of shared-network " + sh.name);
    }
    m_.shared_networks.push_back(std::move(sh));
  }

  void pool_statement(scope& s, int line) {
    pool_decl p;
    p.where = {m_.file, line};
    scope inner{scope_kind::pool, &p.params, s.subnet, s.shared_network, s.subnet_decl_ptr, s.shared_ptr, &p};
    block(inner, "pool");
    if (p.ranges.empty()) fail_at(line, "pool without a range");
    if (s.kind == scope_kind::subnet) s.subnet_decl_ptr->pools.push_back(std::move(p));
    else s.shared_ptr->pools.push_back(std::move(p));
  }

  void range_statement(scope& s, int line) {
    if (peek().is_word("dynamic-bootp")) fail_at(line, "unsupported 'range dynamic-bootp' (BOOTP is not supported)");
    address_range r;
    r.first = expect_address("range");
    r.last = peek().is_punct(';') ? r.first : expect_address("range");
    if (r.last < r.first) fail_at(line, "range " + r.first.to_string() + " " + r.last.to_string() + ": first address after last");
    end_statement("range");
    if (s.subnet_decl_ptr && (!s.subnet_decl_ptr->contains(r.first) || !s.subnet_decl_ptr->contains(r.last)))
      fail_at(line, "range " + r.first.to_string() + " " + r.last.to_string() + " is not inside subnet " +
                        s.subnet_decl_ptr->network.to_string());
    if (s.kind == scope_kind::pool) {
      s.pool->ranges.push_back(r);
      return;
    }
    // `range` directly in a subnet: ISC puts it in an implicit pool of that subnet.
    auto& pools = s.subnet_decl_ptr->pools;
    if (pools.empty() || !pools.back().implicit) {
      pool_decl p;
      p.where = {m_.file, line};
      p.implicit = true;
      pools.push_back(std::move(p));
    }
    pools.back().ranges.push_back(r);
  }

  void host_statement(scope& s, int line) {
    host_decl h;
    h.where = {m_.file, line};
    h.name = expect_quoted_or_word("a host name");
    h.subnet = s.subnet;
    scope inner{scope_kind::host, &h.params, s.subnet, s.shared_network, nullptr, nullptr};
    inner.host = &h;
    block(inner, "host " + h.name);
    if (!h.hardware_ethernet && h.client_id.empty())
      fail_at(line, "host " + h.name + ": needs 'hardware ethernet' or 'option dhcp-client-identifier'");
    m_.hosts.push_back(std::move(h));
  }

  void class_statement(scope& s, int line) {
    class_decl c;
    c.where = {m_.file, line};
    c.name = expect_quoted_or_word("a class name");
    c.subnet = s.subnet;
    for (const auto& other : m_.classes)
      if (other.name == c.name) fail_at(line, "class \"" + c.name + "\" is declared twice");
    scope inner{scope_kind::class_, &c.params, s.subnet, s.shared_network, nullptr, nullptr};
    inner.cls = &c;
    block(inner, "class " + c.name);
    if (!c.match) fail_at(line, "class \"" + c.name + "\" has no 'match if' (subclasses are not supported)");
    m_.classes.push_back(std::move(c));
  }

  void permit_statement(scope& s, const std::string& verb, int line) {
    permit p;
    std::string what;
    if (peek().is_word("unknown-clients") || (peek().is_word("unknown") && peek(1).is_word("clients"))) {
      p.what = permit::kind::unknown_clients;
    } else if (peek().is_word("known-clients") || (peek().is_word("known") && peek(1).is_word("clients"))) {
      p.what = permit::kind::known_clients;
    } else if (peek().is_word("all") && peek(1).is_word("clients")) {
      p.what = permit::kind::all_clients;
    } else if (peek().is_word("members") && peek(1).is_word("of")) {
      p.what = permit::kind::members_of;
    } else {
      fail_at(line, "unsupported statement '" + verb + " " + peek().text + "'");
    }
    bool two_words = !(peek().is_word("unknown-clients") || peek().is_word("known-clients"));
    next();
    if (two_words) next();
    if (p.what == permit::kind::members_of) {
      if (peek().what != token::kind::quoted) fail_at(line, verb + " members of: expected a \"quoted\" class name");
      p.class_name = next().text;
    }
    end_statement(verb);
    if (s.kind == scope_kind::pool) {
      if (verb == "ignore") fail_at(line, "'ignore' is not a permit (use allow or deny in a pool)");
      (verb == "allow" ? s.pool->allow : s.pool->deny).push_back(std::move(p));
      return;
    }
    only_in(s, {scope_kind::global, scope_kind::shared_network, scope_kind::subnet}, verb, line);
    if (p.what != permit::kind::unknown_clients)
      fail_at(line, "'" + verb + "' of known/all clients or class members is only supported inside a pool");
    s.params->unknown_clients = verb == "allow";
  }

  config_model& m_;
  std::vector<token> tokens_;
  std::size_t pos_ = 0;
};

/// The whole of a regular file of at most 64 MiB (sdk::read_whole_file): a config naming /dev/zero or a FIFO
/// gives an error at once, in --check and on SIGHUP alike.
std::string read_regular_file(const std::string& path) {
  try {
    return sdk::read_whole_file(path);
  } catch (const sdk::file_error& e) {
    throw parse_error({path, 0}, std::string(e.step() == std::string_view("open") ? "cannot open" : "cannot read") +
                                     " dhcpd.conf: " + e.reason());
  }
}

}  // namespace
}  // namespace detail

parse_error::parse_error(source_location where, const std::string& message)
    : std::runtime_error(detail::printable(where.to_string() + ": " + message)), where_(std::move(where)) {}

config_model parse_text(std::string_view text, const std::string& file_name) {
  // A UTF-8 byte order mark, which Windows editors write at the start: not part of the first statement.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  config_model m;
  m.file = file_name;
  detail::statement_parser(m, detail::tokenize(text, file_name)).parse();
  return m;
}

config_model parse_file(const std::string& path) { return parse_text(detail::read_regular_file(path), path); }

}  // namespace bootfw::isc_conf
