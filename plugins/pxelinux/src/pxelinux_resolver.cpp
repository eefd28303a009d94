#include "pxelinux_resolver.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bootfw::pxelinux {
namespace {

using search_mode = pxelinux_settings::search_mode;
constexpr std::size_t max_remembered_clients = 65536;

std::uint64_t mac_key(const sdk::mac_address& mac) {
  std::uint64_t k = 0;
  for (auto b : mac.bytes()) k = (k << 8) | b;
  return k;
}

// RFC 2132 §9.2: a lease time of 0xffffffff means infinity.
constexpr std::uint32_t infinite_lease = 0xffffffff;

// A DHCP record is bootfw's view of an address only while the lease it acked is current; once it ended, the
// address may be another machine's.
bool lease_current(const sdk::client_record& record, std::chrono::system_clock::time_point wall_now) {
  return record.lease_seconds == infinite_lease ||
         record.acked_at + std::chrono::seconds(record.lease_seconds) > wall_now;
}

// pxelinux names itself: "01-" is its own ARP type and hardware address (syslinux doc/pxelinux.txt), so a name
// carrying another MAC than the record's comes from another machine (the address was given out again, or by
// another DHCP server), which tftp-hpa would serve its own search.
bool names_another_machine(const sdk::client_record& record, const name_facts& facts) {
  return facts.mac && record.mac != sdk::mac_address{} && *facts.mac != record.mac;
}

// What pxelinux itself would use in its search: the (usable) DHCP lease bootfw delivered (the UUID the client
// sent in option 97, its MAC and address), else the request's source address, completed by what the requested
// name reveals ("01-<mac>" gives the MAC and ARP type, a UUID name the UUID).
client_identity identify(const sdk::resolve_request& request, const std::optional<sdk::client_record>& record,
                         const name_facts& facts) {
  client_identity c;
  if (record) {
    c.uuid = uuid_from_option(record->uuid);
    if (record->mac != sdk::mac_address{}) {
      c.mac = record->mac;
      c.hardware_type = record->hardware_type;  // pxelinux's "<type>-<mac>" name uses the ARP type it booted with
    }
    if (!record->address.is_unspecified()) c.address = record->address;
  }
  if (!c.address && !request.client.address.is_unspecified()) c.address = request.client.address;
  if (!c.uuid && facts.uuid) c.uuid = facts.uuid;
  // The record's MAC equals the name's here (names_another_machine); the prefix is pxelinux's own ARP type.
  if (facts.mac && (!c.mac || *c.mac == *facts.mac)) {
    c.mac = facts.mac;
    c.hardware_type = facts.hardware_type;
  }
  return c;
}

std::string who(const client_identity& c) {
  return c.address ? c.address->to_string() : c.mac ? c.mac->to_string() : std::string("unknown client");
}

}  // namespace

pxelinux_settings parse_pxelinux_settings(const sdk::config_view& config) {
  config.allow_only({"mode", "config_directory", "node", "session_seconds"});
  pxelinux_settings s;
  auto mode = config.get_string("mode", "passthrough");
  if (mode == "server-side") s.mode = search_mode::server_side;
  else if (mode != "passthrough")
    throw sdk::config_error(config["mode"], "unknown mode '" + mode + "' (known: passthrough, server-side)");
  s.config_directory = config.get_string("config_directory", s.config_directory);
  while (!s.config_directory.empty() && s.config_directory.back() == '/') s.config_directory.pop_back();
  while (!s.config_directory.empty() && s.config_directory.front() == '/') s.config_directory.erase(0, 1);
  if (s.config_directory.empty())
    throw sdk::config_error(config["config_directory"], "empty config_directory (pxelinux uses \"pxelinux.cfg\")");
  s.session = std::chrono::seconds(config.get_int("session_seconds", s.session.count(), 1, 86400));
  const auto& nodes = config["node"];
  if (nodes.present() && !nodes.is_array())
    throw sdk::config_error(nodes, "expected an array of tables ([[plugin.config.node]])");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto n = parse_node(nodes[i]);
    bool twice = (n.mac && !s.node_by_mac.emplace(mac_key(*n.mac), s.nodes.size()).second) ||
                 (n.ip && !s.node_by_ip.emplace(n.ip->to_uint(), s.nodes.size()).second);
    if (twice) throw sdk::config_error(nodes[i], "node " + n.label() + " is listed twice");
    s.nodes.push_back(std::move(n));
  }
  return s;
}

void pxelinux_resolver::configure(sdk::host& host, const sdk::config_view& config) {
  host_ = &host;
  settings_ = parse_pxelinux_settings(config);
  host.log().info(fmt::format("{} mode for {}/, {} generated node config(s)",
                              settings_.mode == search_mode::server_side ? "server-side" : "passthrough",
                              settings_.config_directory, settings_.nodes.size()));
}

sdk::verdict pxelinux_resolver::resolve(const sdk::resolve_request& request, sdk::resolve_result& result) {
  std::string_view path = request.path;
  while (path.starts_with('/')) path.remove_prefix(1);
  // pxelinux asks <current directory><config directory>/<name>: its current directory is DHCP option 210
  // (pathprefix, RFC 5071) or the directory its own file was loaded from ("bios/pxelinux.0" gives "bios/"),
  // pxelinux(1) "CURRENT DIRECTORY". So the configured directory is matched at the end of the asked one, and
  // the search stays in the directory the client asked in.
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == path.size()) return sdk::verdict::pass;
  const std::string dir(path.substr(0, slash));
  const auto& configured = settings_.config_directory;
  if (dir != configured && !(dir.ends_with(configured) && dir[dir.size() - configured.size() - 1] == '/'))
    return sdk::verdict::pass;
  std::string name(path.substr(slash + 1));

  auto facts = classify_name(name);
  auto record = request.client_info ? std::optional(*request.client_info) : host_->find_client(request.client.address);
  auto unused_record = drop_unusable(record, facts, request.client.address);
  auto client = identify(request, record, facts);

  auto verdict = [&] {
    if (const auto* node = node_named(facts))
      return generate(*node, request, record, client, result,
                      fmt::format("{}/{} names node {}", dir, name, node->label()));
    if (settings_.mode == search_mode::passthrough) return sdk::verdict::pass;

    // Server-side: only names pxelinux would try for this client, and only its first one of this boot.
    auto order = search_order(client);
    if (std::find(order.begin(), order.end(), name) == order.end() || !client.address) return sdk::verdict::pass;
    if (!first_request(*client.address, record)) {
      result.reason = fmt::format("server-side: {} was answered already this boot; served as asked", who(client));
      return sdk::verdict::pass;
    }
    if (const auto* node = node_for(client))
      return generate(*node, request, record, client, result,
                      fmt::format("server-side: first request of {} ({}/{}), node {}", who(client), dir, name,
                                  node->label()));
    return search(dir, name, client, result);
  }();
  if (!unused_record.empty() && !result.reason.empty()) result.reason += " (" + unused_record + ")";
  return verdict;
}

std::optional<std::size_t> pxelinux_resolver::node_index(const std::optional<sdk::mac_address>& mac,
                                                          const std::optional<sdk::ipv4_address>& ip) const {
  std::optional<std::size_t> found;
  if (mac)
    if (auto it = settings_.node_by_mac.find(mac_key(*mac)); it != settings_.node_by_mac.end()) found = it->second;
  if (ip)
    if (auto it = settings_.node_by_ip.find(ip->to_uint()); it != settings_.node_by_ip.end())
      found = found ? std::min(*found, it->second) : it->second;  // the first listed wins, as in the file
  return found;
}

const node_entry* pxelinux_resolver::node_named(const name_facts& facts) const {
  std::optional<std::size_t> i;
  if (facts.what == name_facts::kind::hardware && facts.hardware_type == 1) i = node_index(facts.mac, std::nullopt);
  if (facts.what == name_facts::kind::hex_ip) i = node_index(std::nullopt, facts.address);
  return i ? &settings_.nodes[*i] : nullptr;
}

const node_entry* pxelinux_resolver::node_for(const client_identity& client) const {
  auto i = node_index(client.mac, client.address);
  return i ? &settings_.nodes[*i] : nullptr;
}

sdk::verdict pxelinux_resolver::generate(const node_entry& node, const sdk::resolve_request& request,
                                         const std::optional<sdk::client_record>& record,
                                         const client_identity& client, sdk::resolve_result& result,
                                         std::string why) {
  node_values v;
  auto address = node.ip ? node.ip : record && !record->address.is_unspecified() ? record->address : client.address;
  if (address) v.ip = address->to_string();
  if (auto mac = node.mac ? node.mac : client.mac) v.mac = mac->to_string();
  v.hostname = !node.hostname.empty() ? node.hostname : record ? safe_value(record->host_name) : std::string();
  if (record && !record->server.is_unspecified()) v.server = record->server.to_string();
  else if (!request.server_address.is_unspecified()) v.server = request.server_address.to_string();
  if (record && !record->netmask.is_unspecified()) v.netmask = record->netmask.to_string();
  if (record && !record->router.is_unspecified()) v.gateway = record->router.to_string();

  std::vector<std::string> unknown;
  result.content = render_config(node, v, fmt::format("pxelinux resolver {}", host_->instance_name()), unknown);
  result.generated = true;
  result.path = std::string(request.path);
  result.reason = "generated: " + why;
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "${" : ", ${") + u + "}";
    result.reason += " (unknown for this client, left empty: " + list + ")";
    host_->log().write_limited(sdk::log_level::warn, "unknown-variable",
                               fmt::format("node {}: {} unknown, left empty", node.label(), list));
  }
  return sdk::verdict::answer;
}

sdk::verdict pxelinux_resolver::search(const std::string& dir, const std::string& requested,
                                       const client_identity& client, sdk::resolve_result& result) {
  auto order = search_order(client);
  std::string missing;
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::string candidate = dir + "/" + order[i];
    if (host_->probe(candidate) == sdk::open_error::none) {
      result.path = candidate;
      result.reason = fmt::format("server-side: {} is the best existing match for {} (asked {}/{}; candidate {} of {}{})",
                                  candidate, who(client), dir, requested, i + 1, order.size(),
                                  missing.empty() ? "" : "; missing: " + missing);
      return sdk::verdict::answer;
    }
    missing += (missing.empty() ? "" : " ") + order[i];
  }
  result.reason = fmt::format("server-side: none of the {} candidates for {} exists", order.size(), who(client));
  return sdk::verdict::pass;
}

std::string pxelinux_resolver::drop_unusable(std::optional<sdk::client_record>& record, const name_facts& facts,
                                             sdk::ipv4_address source) {
  if (!record) return {};
  std::string why;
  if (!lease_current(*record, host_->wall_now())) {
    why = fmt::format("DHCP record of {} not used: its lease ended", record->mac.to_string());
  } else if (names_another_machine(*record, facts)) {
    why = fmt::format("DHCP record of {} not used: the name asked is {}'s", record->mac.to_string(),
                      facts.mac->to_string());
    // That machine's later names carry no MAC (hex IP, default): they must not be taken for the record's
    // client either, until the record's client DHCPs again.
    std::lock_guard lock(answered_mutex_);
    if (disowned_.size() >= max_remembered_clients) disowned_.clear();
    disowned_[source.to_uint()] = record->acked_at;
  } else if (!facts.mac) {
    std::lock_guard lock(answered_mutex_);
    auto it = disowned_.find(source.to_uint());
    if (it != disowned_.end() && it->second == record->acked_at)
      why = fmt::format("DHCP record of {} not used: another MAC asked from {} since its ack",
                        record->mac.to_string(), source.to_string());
  }
  if (!why.empty()) record.reset();
  return why;
}

bool pxelinux_resolver::first_request(sdk::ipv4_address client, const std::optional<sdk::client_record>& record) {
  auto now = host_->now();
  auto acked_at = record ? std::optional(record->acked_at) : std::nullopt;
  std::lock_guard lock(answered_mutex_);
  auto it = answered_.find(client.to_uint());
  // Same boot, where pxelinux asks again on purpose (a menu entry's CONFIG pxelinux.cfg/default, minutes later):
  // with a current lease, until a new DHCP ack (the PXE ROM does DHCP again on every boot); without one, the
  // session window is all that tells boots apart.
  if (it != answered_.end() && it->second.acked_at == acked_at &&
      (acked_at || now - it->second.answered_at < settings_.session))
    return false;
  if (answered_.size() >= max_remembered_clients) {
    std::erase_if(answered_, [&](const auto& e) { return now - e.second.answered_at >= settings_.session; });
    if (answered_.size() >= max_remembered_clients) answered_.clear();
  }
  answered_[client.to_uint()] = {acked_at, now};
  return true;
}

}  // namespace bootfw::pxelinux
