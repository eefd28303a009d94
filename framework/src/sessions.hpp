// What bootfw learnt about each client (from the DHCP replies it delivered) and each client's boot
// timeline: DISCOVER → OFFER → REQUEST → ACK → RRQ … → done, logged as one session per MAC.
#pragma once

#include <bootfw/sdk/dhcp.hpp>
#include <bootfw/sdk/host.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "client_table.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace bootfw {

/// Thread-safe; one per server, kept across reloads. Remembers the most recent `capacity` clients.
/// Sized so that a storm of that many simultaneous boots is followed, and no more: about 80 bytes each
/// (client_table.hpp).
class client_sessions {
 public:
  client_sessions(log_sink& sink, metrics_store& metrics);

  /// A DHCP request arrived (starts or continues the client's timeline).
  void dhcp_request(const sdk::dhcp_message& request, const sdk::client_facts& facts);
  /// bootfw delivered a reply; an ACK updates the client table (address ↔ MAC, host name, netmask …).
  void dhcp_reply(const sdk::dhcp_message& request, const sdk::client_facts& facts, const sdk::dhcp_message& reply,
                  std::string_view responder);
  /// A transport reported a transfer step.
  void transfer(std::string_view instance, const sdk::boot_event& event);

  std::optional<sdk::client_record> find(sdk::ipv4_address address) const;
  /// Number of TFTP requests seen from a client (tests, explain).
  std::size_t transfer_requests(sdk::ipv4_address address) const;

 private:
  /// Seconds since the client's session began; starts it when new (or `restart`). Runs for every DHCP
  /// message: the log line that shows it is formatted only when that level is enabled.
  double elapsed(const sdk::mac_address& mac, bool restart);
  named_logger log_;
  metrics_store& metrics_;
  // The boot timeline in numbers (Prometheus counters, instance "session"); sums divide by their counts.
  sdk::counter& acks_;
  sdk::counter& discover_to_ack_ms_;
  sdk::counter& requests_;
  sdk::counter& transfers_;
  sdk::counter& transfer_bytes_;
  sdk::counter& transfer_ms_;
  sdk::counter& failures_;
  mutable std::mutex mutex_;
  client_table table_;  // one boot session per MAC, with the record of its last ACK
};

}  // namespace bootfw
