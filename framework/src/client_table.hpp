// The boot sessions bootfw remembers: at most `capacity` clients keyed by MAC, the oldest session start
// forgotten first, and for each client the record of its last ACK, found by address.
//
// Memory: one 72-byte entry per client in blocks of 512 (allocated as the table fills), two
// open-addressing indexes of 2-byte slots (MAC, address) sized once for the capacity, and a side map only
// for what does not fit the entry (a host name, a client UUID longer than 17 bytes, more than two
// architectures). About 80 bytes a client, against ~300 for node-based maps of sdk::client_record.
// Ownership: owned by client_sessions. Thread-safety: none (client_sessions holds its mutex).
#pragma once

#include <bootfw/sdk/host.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace bootfw {

class client_table {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;
  static constexpr std::size_t block_entries = 512;

  /// At most max_capacity clients (the indexes hold 2-byte slots).
  explicit client_table(std::size_t capacity);
  static constexpr std::size_t max_capacity = 0xfffe;

  /// The client's session, or none.
  std::uint32_t find(const sdk::mac_address& mac) const noexcept;
  /// Starts a session for a client that has none, forgetting the oldest one (and its record) when full.
  /// For a client that has one, restarts it in place (its place in the eviction order stays).
  std::uint32_t start(const sdk::mac_address& mac, std::chrono::steady_clock::time_point now);

  std::chrono::steady_clock::time_point started(std::uint32_t s) const noexcept { return entry_at(s).started; }
  sdk::mac_address mac(std::uint32_t s) const noexcept { return sdk::mac_address(entry_at(s).mac); }
  std::uint32_t transfer_requests(std::uint32_t s) const noexcept { return entry_at(s).rrqs; }
  void count_transfer_request(std::uint32_t s) noexcept { ++entry_at(s).rrqs; }

  /// Records the client's ACK (rec.mac must be the session's MAC). An address bound to another client
  /// moves to this one; this client's previous address is forgotten.
  void bind(std::uint32_t s, const sdk::client_record& rec);
  /// The session whose last ACK gave it `address`, or none.
  std::uint32_t find_address(sdk::ipv4_address address) const noexcept;
  std::optional<sdk::client_record> record(sdk::ipv4_address address) const;

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t memory_bytes() const noexcept;

 private:
  struct entry {
    std::chrono::steady_clock::time_point started;
    std::chrono::system_clock::rep acked_at;
    std::uint32_t address, netmask, router, server;  ///< address 0: no ACK recorded
    std::uint32_t lease_seconds;
    std::uint32_t rrqs;
    std::array<std::uint8_t, 6> mac;
    std::uint8_t uuid_len;    ///< inline bytes of uuid (when !in_extras)
    std::uint8_t arch_count;  ///< inline architectures (when !in_extras)
    std::array<std::uint8_t, 17> uuid;  ///< opt 97: type byte + 16 (RFC 4578 §2.3)
    std::uint8_t flags;
    std::uint8_t hardware_type;  ///< BOOTP htype (fits the padding before architectures)
    std::array<std::uint16_t, 2> architectures;
  };
  static_assert(sizeof(entry) <= 72);
  static constexpr std::uint8_t has_extras = 1;
  struct extras {
    std::string host_name;
    std::vector<std::uint8_t> uuid;
    std::vector<std::uint16_t> architectures;
  };
  static constexpr std::uint8_t in_extras = 0xff;  ///< uuid_len / arch_count: the value lives in extras_

  entry& entry_at(std::uint32_t s) noexcept { return blocks_[s / block_entries][s % block_entries]; }
  const entry& entry_at(std::uint32_t s) const noexcept { return blocks_[s / block_entries][s % block_entries]; }
  // Open addressing, linear probing, deletion by backward shift (no tombstones: evictions never stop).
  template <class Match>
  std::size_t bucket_of(const std::vector<std::uint16_t>& index, std::uint64_t hash, Match&& match) const noexcept;
  void index_insert(std::vector<std::uint16_t>& index, std::uint64_t hash, std::uint32_t s);
  template <class Hash>
  void index_erase(std::vector<std::uint16_t>& index, std::uint32_t s, std::uint64_t hash, Hash&& hash_of);
  std::uint64_t mac_hash(std::uint32_t s) const noexcept;
  std::uint64_t address_hash(std::uint32_t s) const noexcept;
  void unbind(std::uint32_t s);
  void evict(std::uint32_t s);

  std::size_t capacity_;
  std::size_t size_ = 0;
  std::uint32_t next_ = 0;  ///< the slot the next new session takes (the oldest once the table is full)
  std::vector<std::unique_ptr<entry[]>> blocks_;
  std::vector<std::uint16_t> by_mac_, by_address_;  ///< slot numbers; free_bucket marks a free one
  static constexpr std::uint16_t free_bucket = 0xffff;
  std::unordered_map<std::uint32_t, extras> extras_;
};

}  // namespace bootfw
