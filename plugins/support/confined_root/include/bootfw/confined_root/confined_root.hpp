// bootfw support — open files strictly beneath a root directory (TFTP root, HTTP root …).
//
// Name rules (the same for every transport, so a name means the same file over TFTP and HTTP):
//   - leading '/' are stripped: "/etc/passwd" is "etc/passwd" under the root (tftp-hpa -s semantics);
//   - empty components ("a//b") and "." are skipped; any ".." component is refused (invalid_name), even
//     one that would stay inside the root: clients have no business walking up;
//   - '\\' is refused (invalid_name) rather than guessed to be a separator;
//   - '%' is NOT decoded: "%2e%2e" names a file literally called "%2e%2e" (URL decoding is the HTTP
//     transport's job, before it asks);
//   - control characters (0x00–0x1f, 0x7f) are refused; other bytes (UTF-8, binary) are taken literally;
//   - an empty name, a name over 4095 bytes or a component over 255 bytes is refused (invalid_name).
// Symlinks are followed only while they stay beneath the root (absolute targets and escapes are refused,
// access_denied). Only regular files open: directories, FIFOs, sockets and devices are refused without
// blocking (opened O_NONBLOCK, then fstat S_ISREG).
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>
#include <utility>

#include <bootfw/sdk/artifact.hpp>

namespace bootfw::confined_root {

/// An owned file descriptor. Move-only; closes on destruction.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// How paths are resolved beneath the root.
enum class strategy {
  automatic,  ///< openat2 when the kernel has it, else walk
  openat2,    ///< openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): the kernel enforces confinement
  walk,       ///< component-by-component openat(O_NOFOLLOW), resolving in-root symlinks here
};

/// A successfully opened regular file.
struct opened_file {
  unique_fd fd;
  struct ::stat status {};
};

/// Checks a requested name against the rules above and returns it normalised ("a/b", no leading '/',
/// no empty or "." components), or an empty string with `error` = invalid_name and `why` set.
std::string normalize_name(std::string_view name, sdk::open_error& error, std::string& why);

/// A root directory. Ownership: owns an O_PATH descriptor of the directory. Thread-safety: open() is
/// thread-safe (immutable after construction). Lifetime: the directory may be renamed; it stays the root.
class root_directory {
 public:
  /// Throws std::system_error when `directory` cannot be opened as a directory (control path).
  explicit root_directory(const std::string& directory, strategy s = strategy::automatic);

  /// Opens `name` (a client's request) beneath the root. On failure returns an empty fd, sets `error`
  /// (not_found, access_denied, invalid_name, busy, io_error) and `why` (for logs).
  opened_file open(std::string_view name, sdk::open_error& error, std::string& why) const;

  /// The strategy actually in use (automatic resolved at construction).
  strategy used() const noexcept { return strategy_; }
  const std::string& directory() const noexcept { return directory_; }

 private:
  opened_file open_with_openat2(const std::string& relative, sdk::open_error& error, std::string& why) const;
  opened_file open_with_walk(const std::string& relative, sdk::open_error& error, std::string& why) const;

  std::string directory_;
  unique_fd root_;
  strategy strategy_;
};

/// True when the running kernel supports openat2 (probed on `directory_fd`, no global state).
bool kernel_has_openat2(int directory_fd) noexcept;

}  // namespace bootfw::confined_root
