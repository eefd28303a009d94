// An in-memory cache of small, often-read boot files (pxelinux.0, ldlinux.c32, configs).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "file_artifacts.hpp"

namespace bootfw::plugin_file {

/// Keyed by (root, normalised name); an entry is valid only while the file's identity (inode, size, mtime,
/// ctime) is unchanged, so an edited or replaced file is re-read on its next open. Least recently used
/// entries are evicted to stay within max_total_bytes.
/// Ownership: owns the cached bytes (shared with artifacts in flight). Thread-safety: all methods are
/// thread-safe (one mutex; the critical sections do no I/O). Lifetime: the plugin's.
class small_file_cache {
 public:
  small_file_cache(std::uint64_t max_file_bytes, std::uint64_t max_total_bytes) noexcept
      : max_file_bytes_(max_file_bytes), max_total_bytes_(max_total_bytes) {}

  bool cacheable(std::uint64_t size) const noexcept {
    return size <= max_file_bytes_ && size <= max_total_bytes_ && max_file_bytes_ > 0;
  }
  /// The cached bytes if `key` is cached for exactly this version of the file; a stale entry is dropped.
  std::shared_ptr<const std::string> find(const std::string& key, const file_identity& identity);
  /// Stores (or replaces) the bytes for `key`, evicting least recently used entries as needed.
  void insert(const std::string& key, const file_identity& identity, std::shared_ptr<const std::string> bytes);
  std::uint64_t total_bytes() const;
  std::size_t entries() const;

 private:
  struct entry {
    file_identity identity;
    std::shared_ptr<const std::string> bytes;
    std::list<std::string>::iterator recency;
  };
  void erase_locked(std::unordered_map<std::string, entry>::iterator it);

  const std::uint64_t max_file_bytes_;
  const std::uint64_t max_total_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
  std::list<std::string> recency_;  // front = most recently used
  std::uint64_t total_bytes_ = 0;
};

}  // namespace bootfw::plugin_file
