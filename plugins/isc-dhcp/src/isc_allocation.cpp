// Address selection and lease times (RFC 2131 §4.3.1, dhcpd.conf(5) "PERMIT LISTS", ISC lease-time rules).
#include <algorithm>

#include "isc_responder.hpp"

namespace bootfw::plugin_isc_dhcp {
namespace opt = sdk::dhcp_option;

isc_responder::isc_responder(sdk::host& host, const isc_settings& settings, leases::lease_store* store)
    : host_(host),
      settings_(settings),
      store_(store),
      offers_(host.metrics().make_counter("dhcp_offers_total", "DHCPOFFERs sent")),
      acks_(host.metrics().make_counter("dhcp_acks_total", "DHCPACKs sent after their lease was durable")),
      naks_(host.metrics().make_counter("dhcp_naks_total", "DHCPNAKs sent")),
      refused_(host.metrics().make_counter("dhcp_refused_total", "requests left unanswered on purpose")),
      sweep_freed_(host.metrics().make_counter(
          "dhcp_sweep_freed_total", "pool addresses the lease sweep found free again (expired, lapsed, abandon time up)")),
      free_gauge_(host.metrics().make_gauge("dhcp_free_addresses",
                                            "free addresses in all pools, as of the lease sweep's last full pass")) {
  const auto& model = *settings.model;
  auto add_pools = [&](const std::vector<isc_conf::pool_decl>& pools) {
    for (const auto& p : pools)
      for (const auto& r : p.ranges) pools_[&p].emplace_back(r.first, r.last);
  };
  for (const auto& s : model.subnets) add_pools(s.pools);
  for (const auto& n : model.shared_networks) add_pools(n.pools);
  for (auto& [decl, ranges] : pools_)
    for (auto& r : ranges) ranges_.push_back(&r);
  for (const auto& h : model.hosts)
    if (h.fixed_address) {
      fixed_addresses_.insert(h.fixed_address->to_uint());
      mark_busy(*h.fixed_address, true);
    }
  // A subnet's network and broadcast addresses (RFC 919, RFC 950) are nobody's: a client given one cannot use
  // it, and the broadcast one would make every host on the link answer for it. Reserved like fixed
  // addresses, with a warning when a range includes them (a /31 or /32 has neither, RFC 3021).
  std::unordered_map<std::uint32_t, std::string> unusable;  // address → "network address of subnet X"
  for (const auto& sub : model.subnets) {
    if (sub.netmask.to_uint() >= 0xfffffffeu) continue;
    for (const auto a : {sub.network, sdk::ipv4_address(sub.network.to_uint() | ~sub.netmask.to_uint())}) {
      const std::string what = std::string(a == sub.network ? "network" : "broadcast") + " address of subnet " +
                               sub.network.to_string();
      bool in_range = false;
      for (auto& [decl, ranges] : pools_)
        for (auto& r : ranges) in_range = in_range || r.contains(a);
      if (in_range)
        host_.log().warn(sub.where.to_string() + ": a range includes " + a.to_string() + ", the " + what +
                         ": never handed out");
      unusable.emplace(a.to_uint(), what);
      fixed_addresses_.insert(a.to_uint());
      mark_busy(a, true);
    }
  }
  // A host's fixed-address is its own and still given (as ISC dhcpd does), but it cannot work there.
  for (const auto& h : model.hosts)
    if (h.fixed_address)
      if (auto it = unusable.find(h.fixed_address->to_uint()); it != unusable.end())
        host_.log().warn(h.where.to_string() + ": host " + h.name + ": fixed-address " +
                         h.fixed_address->to_string() + " is the " + it->second + "; the client cannot use it");
  if (store_) {
    const auto now = wall_seconds();
    store_->for_each([&](const leases::lease& l) {
      if (l.holds_address(now)) mark_busy(l.address, true);
    });
    start_sweep();
  }
}

void isc_responder::detach_store() noexcept {
  sweep_timer_.reset();
  store_ = nullptr;
}

std::int64_t isc_responder::wall_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(host_.wall_now().time_since_epoch()).count();
}

void isc_responder::mark_busy(sdk::ipv4_address a, bool busy) {
  for (auto& [decl, ranges] : pools_)
    for (auto& r : ranges)
      if (r.contains(a)) busy ? r.mark_busy(a) : r.mark_free(a);
}

bool isc_responder::renewing(const sdk::dhcp_message& m, const sdk::client_facts& f) noexcept {
  return !m.ciaddr.is_unspecified() && m.giaddr.is_unspecified() && !f.broadcast &&
         !m.options.contains(opt::server_identifier) && !m.options.contains(opt::requested_address);
}

bool isc_responder::on_link_network(const isc_conf::client_match& m, sdk::ipv4_address a) const noexcept {
  if (m.subnet->contains(a)) return true;
  if (!m.shared_network) return false;
  const auto& subnets = settings_.model->subnets;
  return std::any_of(m.shared_network->subnets.begin(), m.shared_network->subnets.end(),
                     [&](int i) { return subnets[std::size_t(i)].contains(a); });
}

std::optional<leases::lease> isc_responder::lease_of(const client_context& c) const {
  if (!store_) return std::nullopt;
  return store_->find_client(c.mac, c.client_id);
}

bool isc_responder::available_to(const client_context& c, sdk::ipv4_address a, bool reclaim_abandoned) const {
  if (fixed_addresses_.count(a.to_uint())) return false;  // reserved for its host
  if (!store_) return true;
  if (auto l = store_->find(a); l && l->holds_address(wall_seconds())) {
    // RFC 2131 §4.3.3: a declined address is in use by someone unknown until its abandon time is up;
    // ISC dhcpd lets a client that REQUESTs it reclaim it ("Reclaiming REQUESTed abandoned IP address").
    if (l->state == leases::lease_state::abandoned && !reclaim_abandoned) return false;
    if (l->state == leases::lease_state::active && !l->belongs_to(c.mac, c.client_id)) return false;
  }
  return !store_->offered_to_other(a, c.mac, c.client_id);
}

std::optional<address_choice> isc_responder::reclaim_abandoned(const client_context& c) {
  if (!store_) return std::nullopt;
  const auto now = wall_seconds();
  std::optional<address_choice> best;
  std::int64_t best_ends = 0;
  for (const auto* p : c.match.permitted_pools) {
    auto it = pools_.find(p);
    if (it == pools_.end()) continue;
    for (const auto& range : it->second)
      for (std::uint64_t i = 0; i < range.size(); ++i) {
        const sdk::ipv4_address a(range.first().to_uint() + std::uint32_t(i));
        if (fixed_addresses_.count(a.to_uint())) continue;
        auto l = store_->find(a);
        if (!l || l->state != leases::lease_state::abandoned || !l->holds_address(now)) continue;
        if (store_->offered_to_other(a, c.mac, c.client_id) || (best && l->ends >= best_ends)) continue;
        best = address_choice{a, p};
        best_ends = l->ends;
      }
  }
  return best;
}

std::optional<address_choice> isc_responder::choose_for_discover(const client_context& c) {
  const auto& m = c.match;
  if (m.host && m.host->fixed_address) {
    if (m.subnet->contains(*m.host->fixed_address)) {
      c.note("host " + m.host->name + ": fixed-address " + m.host->fixed_address->to_string());
      return address_choice{*m.host->fixed_address, nullptr};
    }
    c.note("host " + m.host->name + ": fixed-address " + m.host->fixed_address->to_string() +
           " is not on this subnet: ignored");
  }
  if (!m.host && !m.unknown_clients_allowed()) {
    c.note("unknown client refused: deny unknown clients");
    return std::nullopt;
  }
  if (m.permitted_pools.empty()) {
    c.note(m.host ? "no pool admits this client (permit lists)"
                  : "unknown client refused: no pool allows unknown clients (deny unknown clients)");
    return std::nullopt;
  }
  auto permitted_pool = [&](sdk::ipv4_address a) -> const isc_conf::pool_decl* {
    const auto* p = isc_conf::find_pool(m, a);
    return p && std::find(m.permitted_pools.begin(), m.permitted_pools.end(), p) != m.permitted_pools.end() ? p
                                                                                                          : nullptr;
  };
  if (auto l = lease_of(c); l && l->state != leases::lease_state::abandoned) {
    if (auto* p = permitted_pool(l->address); p && available_to(c, l->address)) {
      c.note("pool: the client's previous lease " + l->address.to_string());
      return address_choice{l->address, p};
    }
  }
  if (store_)
    if (auto o = store_->offered_to(c.mac, c.client_id))
      if (auto* p = permitted_pool(*o)) return address_choice{*o, p};
  if (auto want = c.message->options.get_address(opt::requested_address)) {
    if (auto* p = permitted_pool(*want); p && available_to(c, *want)) {
      c.note("pool: the requested address " + want->to_string());
      return address_choice{*want, p};
    }
  }
  for (const auto* p : m.permitted_pools) {
    auto it = pools_.find(p);
    if (it == pools_.end()) continue;
    for (auto& range : it->second)
      if (auto a = range.next_free([&](sdk::ipv4_address x) { return available_to(c, x); })) {
        c.note("pool: free address " + a->to_string() + " (" + p->where.to_string() + ")");
        return address_choice{*a, p};
      }
  }
  // ISC dhcpd (allocate_lease()): with no free address left, hand out an abandoned one rather than
  // nothing — the one whose abandon time ends first.
  if (auto a = reclaim_abandoned(c)) {
    c.note("pool: no free address; reclaiming abandoned " + a->address.to_string());
    if (!c.request->dry_run())
      host_.log().write_limited(sdk::log_level::warn, "reclaim-abandoned",
                                "Reclaiming abandoned lease " + a->address.to_string() + " for " + c.mac.to_string() +
                                    ": no free address left");
    return a;
  }
  c.note("no free address in the pools this client may use");
  host_.log().write_limited(sdk::log_level::warn, "no-free-leases",
                            "no free leases for " + c.mac.to_string() + " on subnet " +
                                m.subnet->network.to_string());
  return std::nullopt;
}

std::optional<address_choice> isc_responder::validate_for_client(const client_context& c, sdk::ipv4_address a,
                                                                 std::string& why) {
  const auto& m = c.match;
  if (m.host && m.host->fixed_address && m.subnet->contains(*m.host->fixed_address)) {
    if (a == *m.host->fixed_address) return address_choice{a, nullptr};
    why = a.to_string() + " is not host " + m.host->name + "'s fixed-address " + m.host->fixed_address->to_string();
    return std::nullopt;
  }
  if (!m.host && !m.unknown_clients_allowed()) {
    why = "unknown client (deny unknown clients)";
    return std::nullopt;
  }
  const auto* pool = isc_conf::find_pool(m, a);
  if (!pool) {
    why = a.to_string() + " is not in any pool of this network";
    return std::nullopt;
  }
  if (!isc_conf::pool_permits(*pool, m)) {
    why = "the pool of " + a.to_string() + " does not admit this client";
    return std::nullopt;
  }
  if (!available_to(c, a, true)) {
    why = a.to_string() + " is in use by another client";
    return std::nullopt;
  }
  if (auto l = store_ ? store_->find(a) : std::nullopt;
      l && l->state == leases::lease_state::abandoned && l->holds_address(wall_seconds())) {
    // RFC 2131 §4.3.3: the server MUST mark a declined address as not available. Only the last-resort
    // offer of it (no free address left, "Reclaiming abandoned lease") may be taken up by its REQUEST;
    // ISC dhcpd 4.4.3 (Debian) likewise does not hand a declined address to a client that just asks for it.
    if (store_->offered_to(c.mac, c.client_id) != a) {
      why = a.to_string() + " was declined (abandoned until its abandon time ends)";
      return std::nullopt;
    }
    c.note("the REQUESTed address " + a.to_string() + " is abandoned and was offered as the last resort: reclaimed");
  }
  return address_choice{a, pool};
}

// ISC dhcpd 4.4 ack_lease(): the client's opt 51 (RFC 2132 §9.2) is honoured up to max-lease-time; a time
// below the minimum becomes the minimum (default-lease-time when the minimum is 0). Without a configured
// min-lease-time the minimum is unset_min_lease_seconds (at most max-lease-time, as ISC clamps it), so a
// client asking for 0 s gets 300 s, as from ISC dhcpd 4.4: a lease that ends as it starts would free
// its address for the next client in the same second. A fixed address has no pool scope (RFC 2131 §3.3).
std::uint32_t isc_responder::lease_seconds(const client_context& c, const isc_conf::resolved_parameters& p) const {
  std::uint32_t t = p.lease.default_time;
  if (auto asked = c.message->options.get_u32(opt::lease_time)) {
    t = std::min(*asked, p.lease.max_time);
    c.note("lease time: client asked " + std::to_string(*asked) + " s, max-lease-time " +
           std::to_string(p.lease.max_time));
  }
  const std::uint32_t min = p.lease.min_time.value_or(std::min(unset_min_lease_seconds, p.lease.max_time));
  if (t < min) {
    t = min ? min : p.lease.default_time;
    c.note("lease time below the minimum " + std::to_string(min) + " s: " + std::to_string(t) + " s" +
           (p.lease.min_time ? "" : " (no min-lease-time configured: ISC's default minimum)"));
  }
  // Only `min-lease-time 0; default-lease-time 0;` gets here with 0: still no lease that is over at birth.
  return std::max<std::uint32_t>(t, 1);
}

bool isc_responder::authoritative(const isc_conf::resolved_parameters& p) const {
  return settings_.authoritative.value_or(p.authoritative.value_or(false));
}

}  // namespace bootfw::plugin_isc_dhcp
