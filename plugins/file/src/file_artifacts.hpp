// The artifacts the file provider hands out: an open file read with pread, or a cached copy in memory.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>

#include <bootfw/confined_root/confined_root.hpp>
#include <bootfw/sdk/artifact.hpp>
#include <bootfw/sdk/host.hpp>

namespace bootfw::plugin_file {

/// What identifies one version of a file: a change of inode, size, mtime or ctime means "changed".
struct file_identity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  timespec modified{};
  timespec changed{};
  static file_identity of(const struct ::stat& st) noexcept;
  bool operator==(const file_identity& o) const noexcept;
  /// The same bytes as far as an open descriptor can tell: inode, size and mtime equal. ctime is left out:
  /// it also moves when the inode loses a name (a new version renamed over it, an unlink), gains a hard
  /// link or changes mode or owner, none of which touches the bytes a transfer in flight reads.
  bool same_content(const file_identity& o) const noexcept;
};

/// A regular file read with pread. Ownership: owns the descriptor. Thread-safety: read() is thread-safe
/// (pread has no shared offset). Lifetime: the shared_ptr's; the file may be renamed or unlinked meanwhile.
/// If the file shrinks or is modified in place after open, read() returns fewer bytes with ec set
/// (std::errc::io_error): always on the read that reaches the end of the file, and at the latest
/// check_interval bytes after the change — a transfer never completes with bytes of two versions.
class file_artifact final : public sdk::artifact {
 public:
  file_artifact(confined_root::opened_file file, std::string name, sdk::counter& bytes_read);
  std::uint64_t size() const noexcept override { return std::uint64_t(identity_.size); }
  std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept override;
  std::string name() const override { return name_; }

  static constexpr std::uint64_t check_interval = 256 * 1024;

 private:
  confined_root::unique_fd fd_;
  std::atomic<std::uint64_t> unchecked_{0};  // bytes read since the last identity check
  file_identity identity_;
  std::string name_;
  sdk::counter& bytes_read_;
};

/// A cached copy of a small file. Ownership: shares the immutable bytes with the cache. Thread-safety:
/// read() is thread-safe. Lifetime: the copy stays valid after the cache drops or replaces it.
class memory_artifact final : public sdk::artifact {
 public:
  memory_artifact(std::shared_ptr<const std::string> bytes, std::string name, sdk::counter& bytes_read)
      : bytes_(std::move(bytes)), name_(std::move(name)), bytes_read_(bytes_read) {}
  std::uint64_t size() const noexcept override { return bytes_->size(); }
  std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept override;
  std::string name() const override { return name_; }

 private:
  std::shared_ptr<const std::string> bytes_;
  std::string name_;
  sdk::counter& bytes_read_;
};

/// Reads the whole (small) file into memory; nullptr if it changed or could not be read completely.
std::shared_ptr<const std::string> read_whole(const confined_root::opened_file& file);

}  // namespace bootfw::plugin_file
