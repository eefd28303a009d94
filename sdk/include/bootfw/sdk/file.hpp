// bootfw SDK — reading a small file a configuration names (plugins.toml, a dhcpd.conf), for the framework
// and for plugins alike.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// What read_whole_file throws: the step that failed, why in words (reason()), and errno as code() when
/// the system said no (0 when the file was refused: not a regular file, too large).
class file_error : public std::system_error {
 public:
  file_error(int err, const char* step, const std::string& path)
      : std::system_error(err, std::generic_category()),
        step_(step),
        reason_(std::generic_category().message(err)),
        what_(std::string("cannot ") + step + " " + path + ": " + reason_) {}
  file_error(const char* step, const std::string& path, std::string reason)
      : std::system_error(std::error_code()),
        step_(step),
        reason_(std::move(reason)),
        what_(std::string("cannot ") + step + " " + path + ": " + reason_) {}
  /// "open", "read" or "check" (the file is not one a configuration may name).
  const char* step() const noexcept { return step_; }
  /// "No such file or directory", "not a regular file", "larger than 64 MiB" …
  const std::string& reason() const noexcept { return reason_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  const char* step_;
  std::string reason_;
  std::string what_;
};

/// Far above any real configuration file, far below what would hurt a server reading one on SIGHUP.
inline constexpr std::size_t max_config_file_bytes = std::size_t(64) << 20;

/// The whole of the regular file at `path`, read with POSIX open/read. Not std::ifstream: a stream builds
/// std::locale and all its facets, whose libstdc++ pages a serving process would then keep resident for
/// nothing (docs/performance.md, "The serving image"). Only a regular file of at most `max_bytes`: opened
/// with O_NONBLOCK, so a FIFO does not wait for a writer, and refused after fstat like a device (/dev/zero
/// would be read until memory runs out) or a directory. Throws file_error.
inline std::string read_whole_file(const std::string& path, std::size_t max_bytes = max_config_file_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw file_error(errno, "open", path);
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_at_exit{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw file_error(errno, "read", path);
  if (!S_ISREG(st.st_mode)) throw file_error("check", path, "not a regular file");
  const auto too_large = [&] {
    return file_error("check", path,
                      max_bytes % (std::size_t(1) << 20) == 0 ? "larger than " + std::to_string(max_bytes >> 20) + " MiB"
                                                              : "larger than " + std::to_string(max_bytes) + " bytes");
  };
  if (std::uint64_t(st.st_size) > max_bytes) throw too_large();
  std::string text;
  text.reserve(std::size_t(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw file_error(errno, "read", path);
    if (n == 0) break;
    // Bounded here too: st_size can be stale (the file grows while read, /proc files say 0).
    if (text.size() + std::size_t(n) > max_bytes) throw too_large();
    text.append(buf, std::size_t(n));
  }
  return text;
}

}  // namespace abi_v1
}  // namespace bootfw::sdk
