// bootfw leases — a durable lease store owned by one plugin instance.
//
// Memory: a lease is a 16-byte record; leases in the owner's dynamic ranges (store_options::dense_ranges)
// are found by pool offset, others through an address index. MAC and client id are indexed by
// open-addressing tables of 4-byte slots; client ids share one byte arena. Addresses nobody leased cost
// nothing here (pools keep a bitmap, see address_pool.hpp).
// Durability: every change is one record (length, CRC32C, payload) appended to `leases.journal` in the
// state directory. commit() queues the record; one flush (write + fdatasync) runs at a time on bootfw's
// blocking threads, and everything queued meanwhile goes into the next flush (group commit). Callbacks run
// on the plugin's executor once their record is durable — or with the error that kept it from being so.
// The journal is compacted atomically (temp file, fsync, rename, fsync directory) when it grows past a few
// times its live size. At open, a torn or corrupt tail record is dropped with a warning naming its offset.
//
// Ownership: owned by the plugin (unique_ptr), created in start(), destroyed in stop().
// Thread-safety: use from the plugin's executor only (as every call into a plugin is).
// Lifetime: destroying the store drops callbacks not yet run (their replies are never sent) and releases
// the directory lock once any flush in flight has finished.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <bootfw/leases/lease.hpp>
#include <bootfw/sdk/host.hpp>

namespace bootfw::leases {

/// The system calls the journal uses, injectable so tests can simulate ENOSPC and EIO.
/// Each returns what the POSIX call returns and sets errno on failure. Called from blocking threads.
struct file_ops {
  std::function<ssize_t(int fd, const void* data, std::size_t size)> write;
  std::function<int(int fd)> fdatasync;
};

struct store_options {
  std::string directory;  ///< default: host.state_directory()
  file_ops ops;           ///< default: ::write / ::fdatasync
  /// Compact when the journal exceeds max(compact_min_bytes, compact_ratio × live size).
  std::uint64_t compact_min_bytes = 4u << 20;
  std::uint32_t compact_ratio = 4;
  /// The owner's dynamic ranges (first, last inclusive). A lease in one is kept by pool offset: 16 bytes,
  /// no address index, in blocks of 1024 addresses allocated when their first lease arrives. Any other
  /// address also works and costs about 30 bytes. Only memory depends on this, never behaviour.
  std::vector<std::pair<sdk::ipv4_address, sdk::ipv4_address>> dense_ranges;
  /// Journals written before abandoned leases had an end time recorded a DECLINE with ends == starts.
  /// Recovery reads such a record as abandoned for this long from its `starts` (the owner's abandon time).
  std::int64_t legacy_abandon_seconds = 86400;
};

/// Completion of commit(): ec is empty when the record is durable.
using commit_callback = std::function<void(std::error_code ec)>;

struct store_stats {
  std::uint64_t leases = 0;          ///< entries in memory (any state)
  std::uint64_t flushes = 0;         ///< write + fdatasync rounds since open
  std::uint64_t records_written = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t compactions = 0;
  std::uint64_t journal_bytes = 0;
  std::uint64_t memory_bytes = 0;    ///< heap held by the index (capacities, not sizes)
  std::uint64_t recovered_records = 0;
  std::uint64_t dropped_tail_bytes = 0;  ///< torn/corrupt bytes dropped at open
};

class lease_store {
 public:
  /// Locks the directory, recovers the journal and opens it for appending. Throws std::runtime_error
  /// (naming the directory) when another instance holds the lock or the files cannot be opened.
  lease_store(sdk::host& host, store_options options = {});
  ~lease_store();
  lease_store(const lease_store&) = delete;
  lease_store& operator=(const lease_store&) = delete;

  std::optional<lease> find(sdk::ipv4_address address) const;
  /// The client's most recent lease (by client id when it sends one, else by MAC; RFC 2131 §4.2).
  std::optional<lease> find_client(const sdk::mac_address& mac, std::span<const std::uint8_t> client_id) const;
  /// Calls fn for every lease (unspecified order).
  void for_each(const std::function<void(const lease&)>& fn) const;

  /// Applies the change in memory at once and makes it durable with the next flush; `done` runs on the
  /// executor afterwards. A client id longer than max_client_id fails with errc::invalid_argument.
  void commit(const lease& l, commit_callback done);

  // Offers (RFC 2131 §4.3.1): reservations held in memory only, so that two clients are not offered the
  // same address. An offer expires by itself after `hold`.
  void reserve(sdk::ipv4_address address, const sdk::mac_address& mac, std::span<const std::uint8_t> client_id,
               std::chrono::steady_clock::duration hold);
  /// The address offered to this client and not yet expired, if any.
  std::optional<sdk::ipv4_address> offered_to(const sdk::mac_address& mac,
                                              std::span<const std::uint8_t> client_id) const;
  /// True when the address is reserved for a different client.
  bool offered_to_other(sdk::ipv4_address address, const sdk::mac_address& mac,
                        std::span<const std::uint8_t> client_id) const;
  void forget_offer(sdk::ipv4_address address);
  /// True when an offer that has not expired reserves the address (for any client).
  bool reserved(sdk::ipv4_address address) const;

  /// Starts a compaction now (after the flush in flight, if any). `done` may be empty.
  void compact(commit_callback done = {});

  store_stats stats() const;
  std::string journal_path() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace bootfw::leases
