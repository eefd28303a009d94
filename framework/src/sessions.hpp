// What bootfw learnt about each client (from the DHCP replies it delivered) and each client's boot
// timeline: DISCOVER → OFFER → REQUEST → ACK → RRQ … → done, logged as one session per MAC.
#pragma once

#include <bootfw/sdk/dhcp.hpp>
#include <bootfw/sdk/host.hpp>

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "log.hpp"
#include "metrics.hpp"

namespace bootfw {

struct mac_hash {
  std::size_t operator()(const sdk::mac_address& m) const noexcept {
    std::uint64_t v = 0;
    for (auto b : m.bytes()) v = v << 8 | b;
    return std::hash<std::uint64_t>{}(v);
  }
};

/// Thread-safe; one per server, kept across reloads. Remembers the most recent `capacity` clients.
/// Sized so that a storm of that many simultaneous boots is followed, and no more: about 300 bytes each.
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
  // One client's boot session, keyed by MAC: when it started, how many transfers it asked for, and the
  // address its last ACK gave it (0 before that).
  struct session {
    std::chrono::steady_clock::time_point started;
    std::size_t rrqs = 0;
    std::uint32_t address = 0;
    std::uint64_t sequence = 0;  // matches its entry in order_ while this is the session's latest start
  };
  std::string elapsed(const sdk::mac_address& mac, bool restart);
  /// Forgets the oldest sessions (and their client records) beyond capacity: memory stays bounded whatever
  /// the number of MACs, and the clients that are booting now are the ones remembered.
  void evict_oldest();
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
  std::unordered_map<sdk::mac_address, session, mac_hash> sessions_;
  std::unordered_map<std::uint32_t, sdk::client_record> by_address_;
  std::deque<std::pair<sdk::mac_address, std::uint64_t>> order_;  // session starts, oldest first
  std::uint64_t next_sequence_ = 0;
};

}  // namespace bootfw
