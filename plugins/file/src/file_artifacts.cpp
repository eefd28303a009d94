#include "file_artifacts.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bootfw::plugin_file {

file_identity file_identity::of(const struct ::stat& st) noexcept {
  return {st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

bool file_identity::operator==(const file_identity& o) const noexcept {
  return device == o.device && inode == o.inode && size == o.size && modified.tv_sec == o.modified.tv_sec &&
         modified.tv_nsec == o.modified.tv_nsec && changed.tv_sec == o.changed.tv_sec &&
         changed.tv_nsec == o.changed.tv_nsec;
}

bool file_identity::same_content(const file_identity& o) const noexcept {
  return device == o.device && inode == o.inode && size == o.size && modified.tv_sec == o.modified.tv_sec &&
         modified.tv_nsec == o.modified.tv_nsec;
}

file_artifact::file_artifact(confined_root::opened_file file, std::string name, sdk::counter& bytes_read)
    : fd_(std::move(file.fd)), identity_(file_identity::of(file.status)), name_(std::move(name)),
      bytes_read_(bytes_read) {}

std::size_t file_artifact::read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept {
  ec.clear();
  if (offset >= size()) return 0;
  std::size_t want = std::size_t(std::min<std::uint64_t>(out.size(), size() - offset));
  std::size_t got = 0;
  while (got < want) {
    auto n = ::pread(fd_.get(), out.data() + got, want - got, off_t(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ec = std::error_code(errno, std::generic_category());
      break;
    }
    if (n == 0) {  // end of file before size(): the file shrank since open
      ec = std::make_error_code(std::errc::io_error);
      break;
    }
    got += std::size_t(n);
  }
  // A file rewritten in place (cp over it, an editor saving) changes its mtime: the bytes just read may
  // mix two versions, so none of them is handed out. Replacing by rename keeps the old inode and its bytes:
  // unaffected, as are chmod and hard links (same_content ignores ctime).
  // The check (an fstat) runs on every read that returns the file's last byte — so a transfer of a file
  // that changed can never complete — and otherwise once per check_interval bytes, so it fails early
  // without an fstat for every 512-byte TFTP block.
  const bool last = offset + got >= size();
  const bool due = unchecked_.fetch_add(got, std::memory_order_relaxed) + got >= check_interval;
  if (!ec && (last || due)) {
    unchecked_.store(0, std::memory_order_relaxed);
    struct ::stat now {};
    if (::fstat(fd_.get(), &now) != 0 || !file_identity::of(now).same_content(identity_)) {
      ec = std::make_error_code(std::errc::io_error);
      got = 0;
    }
  }
  bytes_read_.add(got);
  return got;
}

std::size_t memory_artifact::read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept {
  ec.clear();
  if (offset >= bytes_->size()) return 0;
  std::size_t n = std::min<std::size_t>(out.size(), std::size_t(bytes_->size() - offset));
  std::memcpy(out.data(), bytes_->data() + offset, n);
  bytes_read_.add(n);
  return n;
}

std::shared_ptr<const std::string> read_whole(const confined_root::opened_file& file) {
  auto bytes = std::make_shared<std::string>(std::size_t(file.status.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes->size()) {
    auto n = ::pread(file.fd.get(), bytes->data() + got, bytes->size() - got, off_t(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;
    got += std::size_t(n);
  }
  struct ::stat after {};
  if (::fstat(file.fd.get(), &after) != 0 || !(file_identity::of(after) == file_identity::of(file.status)))
    return nullptr;  // changed while we read it: serve it from the descriptor, uncached
  return bytes;
}

}  // namespace bootfw::plugin_file
