// bootfw isc_conf — parse an ISC dhcpd.conf subset and evaluate it for one client.
//
// How a dhcp-responder uses it:
//
//   // configure(): parse once, keep the model immutable (throws isc_conf::parse_error "file:line: …").
//   isc_conf::config_model model = isc_conf::parse_file(config.get_path("dhcpd_conf", "dhcpd.conf"));
//   for (auto& w : model.warnings) host.log().warn(w.where.to_string() + ": " + w.message);
//
//   // per request: subnet (by giaddr, else the receiving interface address), host, classes, pools.
//   isc_conf::client_match m = isc_conf::match_client(model, request.facts(), request.message().options);
//   if (!m.subnet) → not our network: no reply
//   if (m.host && m.host->fixed_address && m.subnet->contains(*m.host->fixed_address))
//       → fixed address, pool = nullptr (ISC: a fixed-address lease has no pool scope)
//   else pick a free address in one of m.permitted_pools (already filtered by allow/deny permits)
//        and remember that pool_decl* (isc_conf::find_pool(m, address) finds it again for a REQUEST).
//   isc_conf::resolved_parameters p = isc_conf::resolve(m, pool);
//   p.lease.default_time / max_time / min_time → opt 51 (RFC 2131 §3.3, client's opt 51 clamped)
//   p.options → the option set, wire-encoded (1 subnet mask from the subnet when not set, 43 built from
//               vendor-option-space, 60, 12 …); p.filename / p.next_server / p.server_name → file/siaddr/sname.
//   if (!m.unknown_clients_allowed() && !m.host) → ISC `deny unknown clients` outside pools: no reply.
//
// Scope precedence is ISC's (dhcpd.conf(5) "REFERENCE: DECLARATIONS"): host > classes (first matched
// first) > pool > subnet > shared-network > global. m.scopes(pool) lists them, highest first.
//
// Ownership: results point into the model (keep it alive). Thread-safety: every function here is pure
// and reads a const model: call them concurrently. Errors: parse_* throw parse_error (control path);
// evaluation never throws except std::bad_alloc.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <bootfw/isc_conf/model.hpp>
#include <bootfw/sdk/dhcp.hpp>

namespace bootfw::isc_conf {

/// A statement the subset does not support, an unknown option name, bad syntax, an unreadable file.
/// what() is "file:line: message", with control characters and invalid UTF-8 (from a binary file, echoed
/// in a token) written as \xNN so that printing it cannot drive the terminal.
class parse_error : public std::runtime_error {
 public:
  parse_error(source_location where, const std::string& message);
  const source_location& where() const noexcept { return where_; }

 private:
  source_location where_;
};

/// Parses a file: a regular file of at most 64 MiB (a FIFO, device or directory is a parse_error). A UTF-8
/// byte order mark at its start is skipped. `hostname X;` is accepted with a warning as `option host-name "X";`.
config_model parse_file(const std::string& path);
/// Parses text; `file_name` is used in messages and source locations.
config_model parse_text(std::string_view text, const std::string& file_name = "dhcpd.conf");

/// The standard RFC 2132 options the subset knows (space "dhcp"), by name or code; nullptr if unknown.
const option_definition* find_standard_option(std::string_view name) noexcept;
const option_definition* find_standard_option(std::uint8_t code) noexcept;

// ---- evaluation ----

/// The request's options as the responder sees them; for a boot-policy (which only has client_facts)
/// build them with options_from_facts(): the request's own (client_facts::options) when the facts carry them.
sdk::dhcp_options options_from_facts(const sdk::client_facts& facts);

/// `match if` evaluation (dhcp-eval(5)): nullopt when the expression cannot be evaluated (an option the
/// client did not send), which counts as "no match".
std::optional<bool> evaluate_boolean(const expression& e, const sdk::client_facts& facts,
                                     const sdk::dhcp_options& request);
std::optional<std::vector<std::uint8_t>> evaluate_data(const expression& e, const sdk::client_facts& facts,
                                                       const sdk::dhcp_options& request);

/// The subnet a link address belongs to (giaddr when relayed, else the receiving interface address).
const subnet_decl* find_subnet(const config_model& model, sdk::ipv4_address link_address) noexcept;
/// The host declaration for a client: by client identifier (opt 61) first, then hardware ethernet.
const host_decl* find_host(const config_model& model, const sdk::client_facts& facts,
                           const sdk::dhcp_options& request) noexcept;

/// Everything about one client that does not depend on the address chosen.
struct client_match {
  const config_model* model = nullptr;
  const subnet_decl* subnet = nullptr;                  ///< null: not a network this config serves
  const shared_network_decl* shared_network = nullptr;  ///< null when the subnet is not in one
  const host_decl* host = nullptr;                      ///< null: an unknown client
  std::vector<const class_decl*> classes;               ///< matching classes, file order
  /// Pools of the subnet (and of its shared network, with their other subnets) whose permit lists
  /// admit this client (dhcpd.conf(5) "PERMIT LISTS"), file order.
  std::vector<const pool_decl*> permitted_pools;

  bool known() const noexcept { return host != nullptr; }
  bool in_class(std::string_view name) const noexcept;
  /// Scopes in ISC precedence order, highest first: host, classes, `pool` (when not null), subnet,
  /// shared-network, global.
  std::vector<const parameters*> scopes(const pool_decl* pool = nullptr) const;
  /// ISC `allow|deny unknown clients` at subnet/shared-network/global scope (default: allowed).
  bool unknown_clients_allowed() const;
};

/// Matches a client; the subnet is chosen by `link_address` (see find_subnet()).
client_match match_client(const config_model& model, const sdk::client_facts& facts,
                          const sdk::dhcp_options& request, sdk::ipv4_address link_address);
/// Same, with link_address = link_address_of(facts, request).
client_match match_client(const config_model& model, const sdk::client_facts& facts,
                          const sdk::dhcp_options& request);

/// The address that names the client's network, in ISC dhcpd's order (locate_network): the relay agent's
/// link-selection sub-option (opt 82 sub-option 5, RFC 3527 §3), else the subnet-selection option (118,
/// RFC 3011 §3), else giaddr, else the receiving interface's address. A malformed option is not used.
sdk::ipv4_address link_address_of(const sdk::client_facts& facts, const sdk::dhcp_options& request);
/// The subnet-selection option (118, RFC 3011) the request carried, when well-formed: the server that
/// uses it returns an identical copy in its reply (RFC 3011 §3).
std::optional<sdk::ipv4_address> subnet_selection_of(const sdk::dhcp_options& request);

/// The pool (of the client's subnet or shared network) whose ranges contain `address`, or nullptr.
const pool_decl* find_pool(const client_match& match, sdk::ipv4_address address) noexcept;
/// True when the pool's permit lists admit this client.
bool pool_permits(const pool_decl& pool, const client_match& match) noexcept;

/// ISC defaults: default-lease-time 43200, max-lease-time 86400; min-lease-time unset unless a scope sets it
/// (the responder then applies its own floor: an unset minimum is not a licence for 0-second leases).
struct lease_times {
  std::uint32_t default_time = 43200;
  std::uint32_t max_time = 86400;
  std::optional<std::uint32_t> min_time;
};

/// The effective parameters for a client and a chosen pool (nullptr for a fixed address).
struct resolved_parameters {
  lease_times lease;
  std::optional<std::string> filename;
  std::optional<std::string> server_name;
  std::optional<sdk::ipv4_address> next_server;
  std::optional<sdk::ipv4_address> server_identifier;
  std::optional<bool> authoritative;
  std::string vendor_option_space;  ///< empty when none
  /// Every dhcp-space option in effect, encoded, ascending code; opt 1 from the subnet's netmask when not
  /// set; opt 43 encapsulating the vendor-option-space's options (RFC 2132 §8.4) when that space has any.
  sdk::dhcp_options options;
};
resolved_parameters resolve(const client_match& match, const pool_decl* pool);

// ---- native TOML ----

/// The equivalent native bootfw TOML (see plugins/support/isc_conf/README.md for the schema).
std::string to_toml(const config_model& model);

}  // namespace bootfw::isc_conf
