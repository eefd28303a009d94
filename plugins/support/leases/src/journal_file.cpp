#include "journal_file.hpp"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bootfw::leases {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

int open_0640(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0640);
  if (fd >= 0) ::fchmod(fd, 0640);  // the umask may only have narrowed it; make it exact
  return fd;
}

}  // namespace

journal_file::journal_file(std::string directory, file_ops ops) : directory_(std::move(directory)), ops_(std::move(ops)) {
  if (!ops_.write) ops_.write = [](int fd, const void* d, std::size_t n) { return ::write(fd, d, n); };
  if (!ops_.fdatasync) ops_.fdatasync = [](int fd) { return ::fdatasync(fd); };
  if (directory_.empty()) throw std::runtime_error("lease store: no state directory");
  const std::string lock_path = directory_ + "/leases.lock";
  lock_fd_ = open_0640(lock_path, O_RDWR | O_CREAT);
  if (lock_fd_ < 0)
    throw std::runtime_error("lease store " + directory_ + ": cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK)
      throw std::runtime_error("lease store " + directory_ +
                               " is in use by another bootfw instance (lock held on " + lock_path + ")");
    throw std::runtime_error("lease store " + directory_ + ": cannot lock " + lock_path + ": " + std::strerror(err));
  }
  journal_fd_ = open_0640(journal_path(), O_RDWR | O_CREAT | O_APPEND);
  if (journal_fd_ < 0) {
    const int err = errno;
    ::close(lock_fd_);
    throw std::runtime_error("lease store " + directory_ + ": cannot open " + journal_path() + ": " +
                             std::strerror(err));
  }
}

journal_file::~journal_file() { close(); }

void journal_file::close() noexcept {
  std::lock_guard guard(mutex_);
  if (closed_) return;
  closed_ = true;
  if (journal_fd_ >= 0) ::close(journal_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  journal_fd_ = lock_fd_ = -1;
}

journal_scan journal_file::recover(const std::function<void(lease&&)>& on_record) {
  struct stat st {};
  if (::fstat(journal_fd_, &st) != 0) throw std::runtime_error("lease store " + directory_ + ": fstat failed");
  const auto size = std::size_t(st.st_size);
  // Bounded reads: a large journal never sits in memory whole next to the table it rebuilds.
  constexpr std::size_t chunk = 64 * 1024;
  std::vector<std::uint8_t> buf;
  std::size_t read_off = 0;
  auto read_more = [&](std::size_t want) {
    const std::size_t n = std::min(want, size - read_off), old = buf.size();
    buf.resize(old + n);
    for (std::size_t got = 0; got < n;) {
      ssize_t r = ::pread(journal_fd_, buf.data() + old + got, n - got, off_t(read_off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) throw std::runtime_error("lease store " + directory_ + ": cannot read " + journal_path());
      got += std::size_t(r);
    }
    read_off += n;
  };
  journal_scan scan;
  scan.file_bytes = size;
  read_more(journal_magic.size());
  if (buf.size() < journal_magic.size()) {
    // A crash between create and the header's fsync leaves a short file: treat it as empty.
    scan.tail_problem = buf.empty() ? nullptr : "torn file header";
  } else if (!std::equal(journal_magic.begin(), journal_magic.end(), buf.begin())) {
    scan.bad_header = true;
  } else {
    buf.clear();
    scan.good_bytes = journal_magic.size();
    for (;;) {
      read_more(chunk);
      const char* problem = nullptr;
      bool incomplete = false;
      const std::size_t used = scan_records(
          buf, [&](lease&& l) { ++scan.record_count, on_record(std::move(l)); }, problem, incomplete);
      scan.good_bytes += used;
      buf.erase(buf.begin(), buf.begin() + std::ptrdiff_t(used));
      if (read_off < size && (!problem || incomplete)) continue;  // a record cut by the chunk's end
      scan.tail_problem = problem;
      break;
    }
  }
  if (scan.bad_header)
    throw std::runtime_error("lease store " + directory_ + ": " + journal_path() +
                             " is not a bootfw lease journal (refusing to overwrite it)");
  if (scan.good_bytes < size || size < journal_magic.size()) {
    if (::ftruncate(journal_fd_, off_t(scan.good_bytes)) != 0)
      throw std::runtime_error("lease store " + directory_ + ": cannot truncate " + journal_path());
  }
  good_size_ = scan.good_bytes;
  if (good_size_ == 0) {
    std::vector<std::uint8_t> header(journal_magic.begin(), journal_magic.end());
    if (auto ec = append(header)) throw std::runtime_error("lease store " + directory_ + ": " + ec.message());
  }
  return scan;
}

std::error_code journal_file::write_all(int fd, const std::uint8_t* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ops_.write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return last_error();
    if (w == 0) return std::make_error_code(std::errc::no_space_on_device);
    data += w;
    n -= std::size_t(w);
  }
  return {};
}

std::error_code journal_file::append(const std::vector<std::uint8_t>& batch) {
  std::lock_guard guard(mutex_);
  if (closed_) return std::make_error_code(std::errc::operation_canceled);
  if (needs_cut_) {
    if (::ftruncate(journal_fd_, off_t(good_size_)) != 0) return last_error();
    needs_cut_ = false;
  }
  std::error_code ec = write_all(journal_fd_, batch.data(), batch.size());
  if (!ec && ops_.fdatasync(journal_fd_) != 0) ec = last_error();
  if (ec) {
    // Cut the partial batch off: appending after it would hide every later record from recovery.
    needs_cut_ = ::ftruncate(journal_fd_, off_t(good_size_)) != 0;
    return ec;
  }
  good_size_ += batch.size();
  return {};
}

std::error_code journal_file::replace(const std::vector<std::uint8_t>& image) {
  std::lock_guard guard(mutex_);
  if (closed_) return std::make_error_code(std::errc::operation_canceled);
  const std::string tmp = directory_ + "/leases.journal.tmp";
  int fd = open_0640(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND);
  if (fd < 0) return last_error();
  std::error_code ec = write_all(fd, image.data(), image.size());
  if (!ec && ops_.fdatasync(fd) != 0) ec = last_error();
  if (!ec && ::rename(tmp.c_str(), journal_path().c_str()) != 0) ec = last_error();
  if (ec) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return ec;
  }
  // The rename is durable only once the directory entry is (POSIX leaves it to fsync on the directory).
  int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    if (::fsync(dir) != 0) ec = last_error();
    ::close(dir);
  }
  ::close(journal_fd_);
  journal_fd_ = fd;
  good_size_ = image.size();
  needs_cut_ = false;
  return ec;
}

}  // namespace bootfw::leases
