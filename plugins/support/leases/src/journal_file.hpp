// The store's files: the directory lock and the journal. Blocking operations only; the store runs them
// through host.exec().run_blocking(), at most one at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include <bootfw/leases/lease_store.hpp>

#include "lease_record.hpp"

namespace bootfw::leases {

/// Ownership: shared by the store and the blocking job in flight (so closing the store while a flush
/// runs is safe). Thread-safety: one job at a time (the store serialises them).
class journal_file {
 public:
  /// Takes the lock (flock LOCK_EX|LOCK_NB on <dir>/leases.lock) and opens <dir>/leases.journal,
  /// creating both with mode 0640. Throws std::runtime_error naming the directory.
  journal_file(std::string directory, file_ops ops);
  ~journal_file();
  journal_file(const journal_file&) = delete;
  journal_file& operator=(const journal_file&) = delete;

  /// Reads and scans the journal in bounded chunks (64 KiB), handing each good record to on_record;
  /// truncates a torn/corrupt tail so appends continue after the last good record. Control path
  /// (start()): throws on I/O errors and on a file that is not a journal.
  journal_scan recover(const std::function<void(lease&&)>& on_record);

  /// Appends `batch` and makes it durable. On failure the journal is cut back to its previous end
  /// (so a half-written record never sits in front of later ones) and the error is returned.
  std::error_code append(const std::vector<std::uint8_t>& batch);

  /// Writes `image` (header + records) to a temp file, fsyncs it, renames it over the journal, fsyncs
  /// the directory, and continues appending to the new file.
  std::error_code replace(const std::vector<std::uint8_t>& image);

  /// Releases the files and the lock now, waiting for an append/replace in progress; later ones fail
  /// with operation_canceled. Lets a reload's new instance take the directory at once.
  void close() noexcept;

  std::uint64_t size() const noexcept { return good_size_; }
  const std::string& directory() const noexcept { return directory_; }
  std::string journal_path() const { return directory_ + "/leases.journal"; }

 private:
  std::error_code write_all(int fd, const std::uint8_t* data, std::size_t n);

  std::string directory_;
  file_ops ops_;
  std::mutex mutex_;     ///< held by append/replace (blocking threads) and close() (the owner's executor)
  bool closed_ = false;
  int lock_fd_ = -1;
  int journal_fd_ = -1;
  std::uint64_t good_size_ = 0;  ///< bytes known durable and well-formed
  bool needs_cut_ = false;       ///< a failed append left bytes past good_size_ that a cut could not remove
};

}  // namespace bootfw::leases
