// Building replies: options like ISC dhcpd 4.4, NAK, and the ACK that waits for its lease to be durable.
#include <algorithm>

#include "isc_responder.hpp"

namespace bootfw::plugin_isc_dhcp {
namespace opt = sdk::dhcp_option;

namespace {

// Options the boot decision owns (the boot-policy interface may replace the PXE class entirely).
bool boot_option(std::uint8_t code) {
  return code == opt::vendor_specific || code == opt::vendor_class_identifier || code == opt::tftp_server_name ||
         code == opt::bootfile_name;
}
// Options a server never copies from configuration into a reply (they are set here or are the client's).
bool protocol_option(std::uint8_t code) {
  return code == opt::lease_time || code == opt::message_type || code == opt::server_identifier ||
         code == opt::parameter_request_list || code == opt::requested_address || code == opt::client_identifier ||
         code == opt::relay_agent_info || code == opt::overload || code == opt::max_message_size;
}

}  // namespace

void isc_responder::fill_reply(const client_context& c, sdk::dhcp_message& reply, sdk::dhcp_message_type type,
                               const isc_conf::resolved_parameters& p, std::optional<std::uint32_t> lease_time,
                               bool inform) {
  reply.set_type(type);
  if (p.server_identifier) reply.options.set_address(opt::server_identifier, *p.server_identifier);
  if (lease_time) reply.options.set_u32(opt::lease_time, *lease_time);  // RFC 2131 §4.3.1: OFFER/ACK only
  // RFC 3011 §3: a server that honours the subnet-selection option returns an identical copy, asked or not.
  if (auto s = isc_conf::subnet_selection_of(c.message->options)) reply.options.set_address(118, *s);
  // ISC sends, when the client sent opt 55, what it asked for (plus the subnet mask, except to INFORM);
  // without opt 55, everything in scope. 58/59 only when configured (ISC 4.4 does not invent them).
  // An empty opt 55 is malformed (RFC 2132 §9.8: length 1 or more): read as absent, as ISC does.
  auto prl = c.message->options.find(opt::parameter_request_list);
  if (prl && prl->empty()) prl.reset();
  auto wanted = [&](std::uint8_t code) {
    if (!prl) return true;
    if (code == opt::subnet_mask && !inform) return true;
    return std::find(prl->begin(), prl->end(), code) != prl->end();
  };
  for (const auto& [code, value] : p.options.entries())
    if (!protocol_option(code) && !boot_option(code) && wanted(code)) reply.options.set(code, value);

  sdk::boot_decision d = host_.decide_boot(*c.facts);
  c.note("boot: " + (d.reason.empty() ? std::string(d.boot ? "boot" : "no boot") : d.reason));
  if (!d.boot) return;
  reply.file = d.filename.substr(0, 127);
  reply.sname = d.server_name.substr(0, 63);
  if (d.next_server) reply.siaddr = *d.next_server;
  for (const auto& [code, value] : d.options.entries())
    if (!protocol_option(code) && wanted(code)) reply.options.set(code, value);
}

// RFC 2131 §4.3.2 and table 3: a NAK carries no address, no lease time and no configuration.
sdk::verdict isc_responder::nak(const client_context& c, sdk::dhcp_message& reply, const std::string& why) {
  c.note("NAK: " + why);
  auto server_id = reply.options.find(opt::server_identifier);
  sdk::dhcp_options o;
  o.set_u8(opt::message_type, std::uint8_t(sdk::dhcp_message_type::nak));
  if (server_id) o.set(opt::server_identifier, {server_id->begin(), server_id->end()});
  o.set_string(opt::message, why.substr(0, 200));
  reply.options = std::move(o);
  reply.ciaddr = reply.yiaddr = reply.siaddr = sdk::ipv4_address();
  reply.file.clear();
  reply.sname.clear();
  naks_.add();
  host_.log().write_limited(sdk::log_level::info, "nak", "DHCPNAK to " + c.mac.to_string() + ": " + why);
  return sdk::verdict::answer;
}

// RFC 2131 §4.3.2: the ACK leaves only once its lease is durable (ARCHITECTURE.md "State and durability").
sdk::verdict isc_responder::ack(const client_context& c, sdk::dhcp_message& reply, const address_choice& choice) {
  const auto p = isc_conf::resolve(c.match, choice.pool);
  const auto t = lease_seconds(c, p);
  c.note("lease time " + std::to_string(t) + " s" + (choice.pool ? "" : " (fixed address: no pool scope)"));
  fill_reply(c, reply, sdk::dhcp_message_type::ack, p, t, false);
  reply.yiaddr = choice.address;

  leases::lease l;
  l.address = choice.address;
  l.mac = c.mac;
  l.client_id.assign(c.client_id.begin(), c.client_id.end());
  l.starts = wall_seconds();
  l.ends = l.starts + t;
  if (c.request->dry_run()) {
    c.note("would commit the lease of " + l.address.to_string() + " then ACK");
    return sdk::verdict::answer;
  }
  if (!store_) {
    c.note("not started: no lease store");
    return sdk::verdict::drop;
  }
  if (auto prev = store_->find(l.address);
      prev && prev->state == leases::lease_state::abandoned && prev->holds_address(l.starts))
    host_.log().write_limited(sdk::log_level::warn, "reclaim-abandoned",
                              "Reclaiming REQUESTed abandoned IP address " + l.address.to_string() + " for " +
                                  c.mac.to_string());
  auto deferred = c.request->defer();
  auto out = std::make_shared<sdk::dhcp_message>(reply);
  mark_busy(l.address, true);
  store_->commit(l, [this, deferred, out](std::error_code ec) {
    if (ec) {
      deferred->drop("lease " + out->yiaddr.to_string() + " not durable (" + ec.message() + "): no DHCPACK");
      return;
    }
    acks_.add();
    deferred->send(std::move(*out));
  });
  return sdk::verdict::defer;
}

}  // namespace bootfw::plugin_isc_dhcp
