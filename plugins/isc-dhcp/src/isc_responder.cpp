// The DHCP server state machine: RFC 2131 §4.3 (DISCOVER, REQUEST in its four states, DECLINE, RELEASE,
// INFORM) with ISC dhcpd's choices where the RFC leaves room.
#include "isc_responder.hpp"

namespace bootfw::plugin_isc_dhcp {
namespace opt = sdk::dhcp_option;
using sdk::verdict;

sdk::verdict isc_responder::handle(sdk::dhcp_request& request, sdk::dhcp_message& reply) {
  const auto& msg = request.message();
  const auto& facts = request.facts();
  client_context c;
  c.message = &msg;
  c.facts = &facts;
  c.request = &request;
  c.mac = facts.mac;
  if (msg.op != 1) {  // RFC 2131 §2: servers only answer BOOTREQUESTs
    c.note("not a BOOTREQUEST: ignored");
    return verdict::drop;
  }
  const auto type = msg.type();
  if (type == sdk::dhcp_message_type::none) {
    c.note("no valid DHCP message type (opt 53): ignored");
    host_.log().write_limited(sdk::log_level::info, "bad-type", "request without a valid opt 53 from " + c.mac.to_string());
    return verdict::drop;
  }
  // RFC 2132 §9.14: a client identifier is at least 2 bytes (type and a value); ISC drops a shorter one
  // rather than reading it as absent, which would give the client its MAC's lease.
  const auto id = msg.options.find(opt::client_identifier);
  if ((id && id->size() < 2) || facts.client_id.size() > leases::max_client_id) {
    const auto n = id ? id->size() : facts.client_id.size();
    c.note("client identifier of " + std::to_string(n) + " bytes: ignored");
    host_.log().write_limited(sdk::log_level::info, "bad-client-id",
                              "request from " + c.mac.to_string() + " with a " +
                                  std::to_string(n) + "-byte client identifier: dropped");
    return verdict::drop;
  }
  c.client_id = facts.client_id;
  const auto link = isc_conf::link_address_of(facts, msg.options);
  if (type == sdk::dhcp_message_type::request && renewing(msg, facts)) {
    // RFC 2131 §4.3.2 RENEWING: unicast straight from the client (no relay), "the DHCP server will trust
    // the value in 'ciaddr'": the client's network is the one ciaddr is on, wherever the request came in.
    c.match = isc_conf::match_client(*settings_.model, facts, msg.options, msg.ciaddr);
  } else if (link.is_unspecified() && request.dry_run() && settings_.model->subnets.size() == 1) {
    // `bootfw explain` without --relay knows no interface: the only subnet is the one it means.
    c.note("no link address given: using the only subnet");
    c.match = isc_conf::match_client(*settings_.model, facts, msg.options, settings_.model->subnets[0].network);
  } else {
    c.match = isc_conf::match_client(*settings_.model, facts, msg.options);
  }
  if (!c.match.subnet) {
    c.note("no subnet declaration for link address " + link.to_string() + ": not ours");
    return verdict::pass;
  }
  c.note("subnet " + c.match.subnet->network.to_string() + " netmask " + c.match.subnet->netmask.to_string());
  c.note(c.match.host ? "host " + c.match.host->name : std::string("unknown client (no host declaration)"));
  for (const auto* cl : c.match.classes) c.note("class \"" + cl->name + "\" matches");

  switch (type) {
    case sdk::dhcp_message_type::discover: return on_discover(c, reply);
    case sdk::dhcp_message_type::request: return on_request(c, reply);
    case sdk::dhcp_message_type::decline: return on_decline(c);
    case sdk::dhcp_message_type::release: return on_release(c);
    case sdk::dhcp_message_type::inform: return on_inform(c, reply);
    default:
      c.note(std::string(to_string(type)) + " is a server message: ignored");
      return verdict::drop;
  }
}

// RFC 2131 §4.3.1
sdk::verdict isc_responder::on_discover(client_context& c, sdk::dhcp_message& reply) {
  auto choice = choose_for_discover(c);
  if (!choice) {
    refused_.add();
    host_.log().write_limited(sdk::log_level::info, "no-offer",
                              "DHCPDISCOVER from " + c.mac.to_string() + ": no offer: " + c.last_note);
    return verdict::drop;
  }
  const auto p = isc_conf::resolve(c.match, choice->pool);
  const auto t = lease_seconds(c, p);
  c.note("offer " + choice->address.to_string() + ", lease time " + std::to_string(t) + " s" +
         (choice->pool ? "" : " (fixed address: no pool scope)"));
  fill_reply(c, reply, sdk::dhcp_message_type::offer, p, t, false);
  reply.yiaddr = choice->address;
  if (!c.request->dry_run() && store_) {
    store_->reserve(choice->address, c.mac, c.client_id, settings_.offer_hold);
    mark_busy(choice->address, true);
  }
  offers_.add();
  return verdict::answer;
}

// RFC 2131 §4.3.2: SELECTING (server id present), INIT-REBOOT (requested address, no ciaddr),
// RENEWING / REBINDING (ciaddr).
sdk::verdict isc_responder::on_request(client_context& c, sdk::dhcp_message& reply) {
  const auto& o = c.message->options;
  const auto server_id = o.get_address(opt::server_identifier);
  const auto requested = o.get_address(opt::requested_address);
  const auto ciaddr = c.message->ciaddr;
  const auto scope = isc_conf::resolve(c.match, nullptr);
  const bool auth = authoritative(scope);
  std::string why;

  if (o.contains(opt::server_identifier)) {
    auto ours = scope.server_identifier ? scope.server_identifier : reply.options.get_address(opt::server_identifier);
    if (!server_id || (ours && *server_id != *ours)) {
      // The client chose another server: forget our offer (RFC 2131 §4.3.2 "SELECTING state").
      if (store_ && !c.request->dry_run())
        if (auto offered = store_->offered_to(c.mac, c.client_id)) {
          store_->forget_offer(*offered);
          mark_busy(*offered, false);
        }
      c.note("SELECTING: the client chose server " + (server_id ? server_id->to_string() : "?") + ": silent");
      return verdict::drop;
    }
    const auto a = requested ? *requested : ciaddr;
    if (a.is_unspecified()) {
      c.note("SELECTING without a requested address: ignored");
      return verdict::drop;
    }
    c.note("SELECTING " + a.to_string());
    if (auto choice = validate_for_client(c, a, why)) return ack(c, reply, *choice);
    return nak(c, reply, why);
  }

  if (ciaddr.is_unspecified()) return on_init_reboot(c, reply, requested.value_or(sdk::ipv4_address()), auth);
  if (renewing(*c.message, *c.facts)) return on_renewing(c, reply, auth);
  return on_rebinding(c, reply, auth);
}

// RFC 2131 §4.3.2 INIT-REBOOT: "If the DHCP server has no record of this client, then it MUST remain silent";
// a wrong address on a network the server knows is NAKed.
sdk::verdict isc_responder::on_init_reboot(client_context& c, sdk::dhcp_message& reply, sdk::ipv4_address a,
                                           bool auth) {
  if (a.is_unspecified()) {
    c.note("REQUEST with neither ciaddr nor a requested address: ignored");
    return verdict::drop;
  }
  c.note("INIT-REBOOT " + a.to_string());
  return grant_or_refuse(c, reply, a, auth);
}

// RFC 2131 §4.3.2 RENEWING: ciaddr set, no 50/54, unicast to this server. The client believes this server
// granted its lease; the subnet was chosen by ciaddr (handle()), so there is no "wrong network" here —
// ISC dhcpd cannot tell this case from a local REBINDING one and never NAKs it for its network either.
sdk::verdict isc_responder::on_renewing(client_context& c, sdk::dhcp_message& reply, bool auth) {
  c.note("RENEWING " + c.message->ciaddr.to_string() + " (unicast to this server)");
  return grant_or_refuse(c, reply, c.message->ciaddr, auth);
}

// RFC 2131 §4.3.2 REBINDING: ciaddr set, no 50/54, broadcast (or relayed: RENEWING is never relayed). "The
// DHCP server SHOULD check 'ciaddr' for correctness before replying": like ISC dhcpd (dhcprequest(), the
// ciaddr && giaddr case), an address off the network the request came from is NAKed only when
// authoritative — another server may well own that network.
sdk::verdict isc_responder::on_rebinding(client_context& c, sdk::dhcp_message& reply, bool auth) {
  const auto a = c.message->ciaddr;
  c.note("REBINDING " + a.to_string() + (c.facts->relay.is_unspecified() ? " (broadcast)" : " (relayed)"));
  if (!on_link_network(c.match, a)) {
    const std::string why = a.to_string() + " is not on the client's network (" +
                            c.match.subnet->network.to_string() + ")";
    if (auth) return nak(c, reply, why);
    c.note("would NAK (" + why + ") but not authoritative: silent");
    refused_.add();
    return verdict::drop;
  }
  return grant_or_refuse(c, reply, a, auth);
}

// The ACK / NAK / silence decision shared by INIT-REBOOT, RENEWING and REBINDING once the network is right.
sdk::verdict isc_responder::grant_or_refuse(client_context& c, sdk::dhcp_message& reply, sdk::ipv4_address a,
                                            bool auth) {
  std::string why;
  auto choice = validate_for_client(c, a, why);
  const auto record = lease_of(c);
  if (!choice) {
    // Like ISC dhcpd 4.4 (checked against Debian's): even when not authoritative it NAKs an address on
    // its own subnet that is not the client's (the client has another binding here, or the address is
    // someone else's); what it does not know (no binding, another network) only an authoritative server NAKs.
    const auto& m = c.match;
    const bool has_binding = (m.host && m.host->fixed_address && m.subnet->contains(*m.host->fixed_address)) ||
                             (record && record->state == leases::lease_state::active);
    const auto other = store_ ? store_->find(a) : std::nullopt;
    const bool someone_elses = other && other->holds_address(wall_seconds()) && !other->belongs_to(c.mac, c.client_id);
    if (auth || (m.subnet->contains(a) && (has_binding || someone_elses))) return nak(c, reply, why);
    c.note("would NAK (" + why + ") but not authoritative: silent");
    refused_.add();
    return verdict::drop;
  }
  const bool known = !choice->pool || (record && record->address == a);
  if (!known && !auth) {
    // RFC 2131 §4.3.2: a server with no record of the client must remain silent.
    c.note("no record of this client's lease and not authoritative: silent");
    refused_.add();
    return verdict::drop;
  }
  return ack(c, reply, *choice);
}

// RFC 2131 §4.3.3: the address is in use by someone else. Like ISC dhcpd, it stays abandoned for the
// abandon time (abandon-lease-time), then is free again; until then it is offered only as a last resort.
sdk::verdict isc_responder::on_decline(client_context& c) {
  const auto a = c.message->options.get_address(opt::requested_address);
  if (!a || !store_) {
    c.note("DECLINE without a requested address: ignored");
    return verdict::drop;
  }
  const auto current = store_->find(*a);
  const bool ours = (current && current->belongs_to(c.mac, c.client_id)) ||
                    store_->offered_to(c.mac, c.client_id) == *a ||
                    (c.match.host && c.match.host->fixed_address == *a);
  if (!ours) {
    c.note("DECLINE of " + a->to_string() + ", which was not given to this client: ignored");
    host_.log().write_limited(sdk::log_level::warn, "spoofed-decline",
                              "ignored DHCPDECLINE of " + a->to_string() + " from " + c.mac.to_string() +
                                  ": not its lease");
    return verdict::drop;
  }
  if (c.request->dry_run()) {
    c.note("would mark " + a->to_string() + " abandoned");
    return verdict::drop;
  }
  leases::lease l;
  l.address = *a;
  l.mac = c.mac;
  l.client_id.assign(c.client_id.begin(), c.client_id.end());
  l.state = leases::lease_state::abandoned;
  l.starts = wall_seconds();
  l.ends = l.starts + settings_.abandon_time.count();
  store_->forget_offer(*a);
  store_->commit(l, {});
  mark_busy(*a, true);
  if (c.match.host && c.match.host->fixed_address == *a) {
    // A fixed address is the host's whatever the lease table says: it is offered again at once (as by ISC).
    host_.log().warn("DHCPDECLINE of " + a->to_string() + " from " + c.mac.to_string() +
                     ": another device answers on this host's fixed-address; it is offered to the host again");
  } else {
    host_.log().warn("DHCPDECLINE of " + a->to_string() + " from " + c.mac.to_string() + ": address abandoned for " +
                     std::to_string(settings_.abandon_time.count()) + " s");
  }
  return verdict::drop;
}

// RFC 2131 §4.3.4: only the lease's own client may release it.
sdk::verdict isc_responder::on_release(client_context& c) {
  const auto a = c.message->ciaddr;
  auto current = store_ ? store_->find(a) : std::nullopt;
  if (!current || current->state != leases::lease_state::active || !current->belongs_to(c.mac, c.client_id)) {
    c.note("RELEASE of " + a.to_string() + " by a client that does not hold it: ignored");
    host_.log().write_limited(sdk::log_level::warn, "spoofed-release",
                              "ignored DHCPRELEASE of " + a.to_string() + " from " + c.mac.to_string() +
                                  ": not its lease");
    return verdict::drop;
  }
  if (c.request->dry_run()) {
    c.note("would release " + a.to_string());
    return verdict::drop;
  }
  current->state = leases::lease_state::released;
  current->ends = wall_seconds();
  store_->commit(*current, {});
  mark_busy(a, false);
  c.note("released " + a.to_string());
  return verdict::drop;
}

// RFC 2131 §4.3.5: configuration only: no yiaddr, no lease time. ISC dhcpd 4.4 answers an INFORM only
// for a subnet it is authoritative for (dhcpinform(): "not authoritative for subnet …", seen in the
// differential test with the seed), so that a server that merely shares the wire stays quiet.
sdk::verdict isc_responder::on_inform(client_context& c, sdk::dhcp_message& reply) {
  const auto p = isc_conf::resolve(c.match, isc_conf::find_pool(c.match, c.message->ciaddr));
  if (!authoritative(p)) {
    host_.log().write_limited(sdk::log_level::info, "inform",
                              "DHCPINFORM from " + c.message->ciaddr.to_string() + ": not authoritative for subnet " +
                                  (c.match.subnet ? c.match.subnet->network.to_string() : std::string("?")));
    return verdict::drop;
  }
  fill_reply(c, reply, sdk::dhcp_message_type::ack, p, std::nullopt, true);
  reply.yiaddr = sdk::ipv4_address();
  c.note("INFORM from " + c.message->ciaddr.to_string() + ": options only");
  return verdict::answer;
}

}  // namespace bootfw::plugin_isc_dhcp
