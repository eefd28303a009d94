// The ISC-style DHCP server state machine (RFC 2131 §4.3) over an isc_conf model and a lease store.
//
// Ownership: owned by the plugin; holds references to the host, the settings and (while started) the
// store. Thread-safety: executor only. Lifetime: commit callbacks it hands the store capture `this`;
// the store drops them when it is destroyed, and the plugin destroys the store before the responder. The
// sweep timer's callback captures `this` too; the timer is a member, cancelled by detach_store() or with it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <bootfw/isc_conf/isc_conf.hpp>
#include <bootfw/leases/address_pool.hpp>
#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/plugin.hpp>

#include "isc_settings.hpp"

namespace bootfw::plugin_isc_dhcp {

/// One request's client identity and match, computed once per packet.
struct client_context {
  const sdk::dhcp_message* message = nullptr;
  const sdk::client_facts* facts = nullptr;
  sdk::mac_address mac;
  std::span<const std::uint8_t> client_id;  ///< empty when absent or unusable
  isc_conf::client_match match;
  sdk::dhcp_request* request = nullptr;
  mutable std::string last_note;  ///< why the latest decision was taken (for the log line of a refusal)
  void note(const std::string& line) const {
    last_note = line;
    request->note(line);
  }
};

/// The minimum lease time when no scope sets min-lease-time: ISC dhcpd 4.4's DEFAULT_MIN_LEASE_TIME
/// (includes/dhcpd.h). A shorter request gets default-lease-time (see lease_seconds()).
inline constexpr std::uint32_t unset_min_lease_seconds = 300;

/// An address chosen for a client, with the pool it came from (nullptr: a host's fixed address).
struct address_choice {
  sdk::ipv4_address address;
  const isc_conf::pool_decl* pool = nullptr;
};

class isc_responder {
 public:
  isc_responder(sdk::host& host, const isc_settings& settings, leases::lease_store* store);
  /// Stops using the store (and the sweep over it): the plugin is stopping.
  void detach_store() noexcept;

  sdk::verdict handle(sdk::dhcp_request& request, sdk::dhcp_message& reply);

 private:
  sdk::verdict on_discover(client_context& c, sdk::dhcp_message& reply);
  sdk::verdict on_request(client_context& c, sdk::dhcp_message& reply);
  sdk::verdict on_init_reboot(client_context& c, sdk::dhcp_message& reply, sdk::ipv4_address a, bool auth);
  sdk::verdict on_renewing(client_context& c, sdk::dhcp_message& reply, bool auth);
  sdk::verdict on_rebinding(client_context& c, sdk::dhcp_message& reply, bool auth);
  sdk::verdict grant_or_refuse(client_context& c, sdk::dhcp_message& reply, sdk::ipv4_address a, bool auth);
  sdk::verdict on_decline(client_context& c);
  sdk::verdict on_release(client_context& c);
  sdk::verdict on_inform(client_context& c, sdk::dhcp_message& reply);

  // isc_allocation.cpp
  /// RFC 2131 §4.3.2: a REQUEST with ciaddr, without 50 and 54, unicast and not relayed (RENEWING); the
  /// same broadcast or relayed is REBINDING.
  static bool renewing(const sdk::dhcp_message& m, const sdk::client_facts& f) noexcept;
  /// Whether `a` is on the matched subnet or on another subnet of its shared network.
  bool on_link_network(const isc_conf::client_match& m, sdk::ipv4_address a) const noexcept;
  std::optional<address_choice> choose_for_discover(const client_context& c);
  /// Whether `a` may be bound to this client (fixed address, or free/its own in a permitted pool).
  std::optional<address_choice> validate_for_client(const client_context& c, sdk::ipv4_address a, std::string& why);
  /// Whether `a` may go to this client; an abandoned address only when `reclaim_abandoned` (a REQUEST).
  bool available_to(const client_context& c, sdk::ipv4_address a, bool reclaim_abandoned = false) const;
  /// ISC's last resort when no address is free: the permitted pools' abandoned address that ends first.
  std::optional<address_choice> reclaim_abandoned(const client_context& c);
  std::uint32_t lease_seconds(const client_context& c, const isc_conf::resolved_parameters& p) const;
  bool authoritative(const isc_conf::resolved_parameters& p) const;
  std::optional<leases::lease> lease_of(const client_context& c) const;

  // isc_reply.cpp
  void fill_reply(const client_context& c, sdk::dhcp_message& reply, sdk::dhcp_message_type type,
                  const isc_conf::resolved_parameters& p, std::optional<std::uint32_t> lease_time, bool inform);
  sdk::verdict nak(const client_context& c, sdk::dhcp_message& reply, const std::string& why);
  sdk::verdict ack(const client_context& c, sdk::dhcp_message& reply, const address_choice& choice);

  std::int64_t wall_seconds() const;
  void mark_busy(sdk::ipv4_address a, bool busy);

  // isc_sweep.cpp: the periodic walk over the pools that frees what has expired.
  void start_sweep();
  void sweep_tick();
  /// Whether a pool address is taken now: fixed host address, a lease holding it, or a live offer.
  bool held(sdk::ipv4_address a, std::int64_t now) const;
  std::uint64_t free_addresses() const;

  sdk::host& host_;
  const isc_settings& settings_;
  leases::lease_store* store_;
  std::unordered_map<const isc_conf::pool_decl*, std::vector<leases::address_pool>> pools_;
  std::set<std::uint32_t> fixed_addresses_;  ///< never handed out dynamically
  std::vector<leases::address_pool*> ranges_;  ///< every range of pools_, in a fixed order for the sweep
  struct sweep_cursor {
    std::size_t range = 0;
    std::uint64_t offset = 0;
    std::uint64_t free_seen = 0;  ///< free addresses met so far in this pass
  } sweep_;
  sdk::counter& offers_;
  sdk::counter& acks_;
  sdk::counter& naks_;
  sdk::counter& refused_;
  sdk::counter& sweep_freed_;
  sdk::gauge& free_gauge_;
  std::unique_ptr<sdk::timer> sweep_timer_;  ///< last member: destroyed (cancelled) first
};

}  // namespace bootfw::plugin_isc_dhcp
