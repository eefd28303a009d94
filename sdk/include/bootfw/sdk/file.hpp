// bootfw SDK — reading a small file a configuration names (plugins.toml, a dhcpd.conf), for the framework
// and for plugins alike.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// What read_whole_file throws: errno as code(), and the step that failed.
class file_error : public std::system_error {
 public:
  file_error(int err, const char* step, const std::string& path)
      : std::system_error(err, std::generic_category(), std::string("cannot ") + step + " " + path), step_(step) {}
  /// "open" or "read".
  const char* step() const noexcept { return step_; }

 private:
  const char* step_;
};

/// The whole file at `path`, read with POSIX open/read. Not std::ifstream: a stream builds std::locale and
/// all its facets, whose libstdc++ pages a serving process would then keep resident for nothing
/// (docs/performance.md, "The serving image"). Throws file_error when the file cannot be opened or
/// read; a directory fails with EISDIR. Not for FIFOs or devices: it reads until end of file.
inline std::string read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw file_error(errno, "open", path);
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw file_error(err, "read", path);
    }
    if (n == 0) break;
    text.append(buf, std::size_t(n));
  }
  ::close(fd);
  return text;
}

}  // namespace abi_v1
}  // namespace bootfw::sdk
