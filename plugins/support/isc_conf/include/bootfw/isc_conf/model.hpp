// bootfw isc_conf — the parsed model of an ISC dhcpd.conf subset (value types only).
//
// Ownership: a config_model is a plain value; everything in it is owned by it (expressions through
// shared_ptr<const …>, so copies are cheap and the tree is immutable once parsed).
// Thread-safety: a const config_model may be read from any number of threads.
// Lifetime: pointers handed out by the evaluation API (evaluate.hpp) point into the model: keep it alive.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bootfw/sdk/net.hpp>

namespace bootfw::isc_conf {

/// Where a statement was written ("dhcpd.conf", 42).
struct source_location {
  std::string file;
  int line = 0;
  std::string to_string() const { return file + ":" + std::to_string(line); }
};

/// Option data formats of `option NAME code N = TYPE;` (dhcp-options(5) "DEFINING NEW OPTIONS").
enum class option_type : std::uint8_t {
  ip_address,  ///< 4 bytes, network order
  uint8,
  uint16,
  uint32,
  int8,
  int16,
  int32,
  boolean,  ///< 1 byte, 0 or 1
  text,     ///< NVT ASCII, written as "quoted"
  string,   ///< opaque bytes, written as "quoted" or colon-separated hex 01:02:0a
};

struct option_format {
  option_type type = option_type::string;
  bool array = false;  ///< `array of TYPE`: comma-separated values, concatenated on the wire
};

/// A known option: RFC 2132 standard ones (space "dhcp") and the ones a config defines.
struct option_definition {
  std::string space;  ///< "dhcp" for the standard space, else the `option space NAME` it belongs to
  std::string name;   ///< without the space prefix ("mtftp-ip")
  std::uint8_t code = 0;
  option_format format;
};

/// `option [SPACE.]NAME value;` — already encoded to its wire bytes.
struct option_setting {
  std::string space;  ///< "dhcp" or a user option space
  std::string name;
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;  ///< encoded data (no code/length header)
  std::string source_text;          ///< the value as written, for to_toml() and explain
  source_location where;
};

// ---- match expressions (dhcp-eval(5) subset) ----

/// A node of a `match if` expression. Boolean nodes: equal, not_equal, and_, or_, not_, exists.
/// Data nodes: option, substring, suffix, hardware, literal.
struct expression {
  enum class kind : std::uint8_t { equal, not_equal, and_, or_, not_, exists, option, substring, suffix, hardware, literal };
  kind what = kind::literal;
  std::vector<std::shared_ptr<const expression>> operands;  ///< sub-expressions; and_/or_ have two or more
  std::uint8_t option_code = 0;   ///< option / exists: code in the request (dhcp space)
  std::string option_name;        ///< as written, for messages and to_toml()
  std::uint32_t offset = 0;       ///< substring
  std::uint32_t length = 0;       ///< substring / suffix
  std::vector<std::uint8_t> data; ///< literal bytes
  bool literal_is_text = false;   ///< literal was "quoted"
};
using expression_ptr = std::shared_ptr<const expression>;

// ---- scopes ----

/// Parameters any scope may carry. Unset optionals inherit from the next scope in precedence order.
struct parameters {
  std::optional<std::uint32_t> default_lease_time;  ///< seconds
  std::optional<std::uint32_t> max_lease_time;
  std::optional<std::uint32_t> min_lease_time;
  std::optional<std::string> filename;               ///< BOOTP `file`
  std::optional<std::string> server_name;            ///< BOOTP `sname`
  std::optional<sdk::ipv4_address> next_server;      ///< siaddr
  std::optional<sdk::ipv4_address> server_identifier;
  std::optional<std::string> vendor_option_space;    ///< options of this space are sent encapsulated in opt 43
  std::optional<bool> authoritative;
  /// `allow|deny unknown clients` outside a pool (ISC: a boolean parameter; false = do not serve
  /// clients without a host declaration).
  std::optional<bool> unknown_clients;
  std::vector<option_setting> options;  ///< file order; a later setting of the same code replaces an earlier one
};

/// An `allow`/`deny` permit in a pool (dhcpd.conf(5) "PERMIT LISTS").
struct permit {
  enum class kind : std::uint8_t { unknown_clients, known_clients, all_clients, members_of };
  kind what = kind::all_clients;
  std::string class_name;  ///< members_of
};

struct address_range {
  sdk::ipv4_address first;
  sdk::ipv4_address last;  ///< == first for `range A;`
};

struct pool_decl {
  parameters params;
  std::vector<address_range> ranges;
  std::vector<permit> allow;
  std::vector<permit> deny;
  source_location where;
  int subnet = -1;  ///< index of the subnet whose network holds its ranges (its subnet scope)
  bool implicit = false;  ///< created for `range` written directly in a subnet (ISC does the same)
};

struct class_decl {
  std::string name;
  expression_ptr match;   ///< `match if EXPR;` (null: the class has no match rule and never matches)
  std::string match_text; ///< the expression as written
  parameters params;
  int subnet = -1;        ///< index of the subnet it was declared in, -1 at global scope
  source_location where;
};

struct host_decl {
  std::string name;
  std::optional<sdk::mac_address> hardware_ethernet;
  std::vector<std::uint8_t> client_id;  ///< `option dhcp-client-identifier …` (matched against opt 61)
  std::optional<sdk::ipv4_address> fixed_address;
  parameters params;  ///< its own statements (its options include host-name)
  int subnet = -1;    ///< index of the subnet it was declared in, -1 at global/shared-network scope
  source_location where;
};

struct subnet_decl {
  sdk::ipv4_address network;
  sdk::ipv4_address netmask;
  parameters params;
  std::vector<pool_decl> pools;
  int shared_network = -1;  ///< index into config_model::shared_networks, -1 when not in one
  source_location where;

  bool contains(sdk::ipv4_address a) const noexcept {
    return (a.to_uint() & netmask.to_uint()) == network.to_uint();
  }
};

struct shared_network_decl {
  std::string name;
  parameters params;
  std::vector<pool_decl> pools;  ///< pools written directly in the shared-network
  std::vector<int> subnets;      ///< indexes into config_model::subnets
  source_location where;
};

/// A warning the parser accepted but wants the operator to see (e.g. `hostname x;`).
struct parse_warning {
  source_location where;
  std::string message;
};

/// The whole file.
struct config_model {
  std::string file;  ///< path as given to parse_file()
  parameters global;
  std::optional<std::string> ddns_update_style;
  std::optional<std::uint32_t> abandon_lease_time;  ///< `abandon-lease-time N;` (global only, N ≥ 1)
  std::vector<std::string> option_spaces;           ///< `option space NAME;` in file order
  std::vector<option_definition> definitions;       ///< user definitions (`option X.Y code N = T;`)
  std::vector<subnet_decl> subnets;
  std::vector<shared_network_decl> shared_networks;
  std::vector<class_decl> classes;                  ///< file order (ISC matches every class, in this order)
  std::vector<host_decl> hosts;
  std::vector<parse_warning> warnings;
};

}  // namespace bootfw::isc_conf
