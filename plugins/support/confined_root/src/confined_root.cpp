// Confined opens: openat2(RESOLVE_BENEATH) when the kernel has it (Linux 5.6+), else a component walk.
#include <bootfw/confined_root/confined_root.hpp>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <system_error>
#include <vector>

namespace bootfw::confined_root {
namespace {

constexpr std::size_t max_name_bytes = 4095;     // PATH_MAX - 1
constexpr std::size_t max_component_bytes = 255;  // NAME_MAX
constexpr int max_symlinks = 40;                  // the kernel's own limit (MAXSYMLINKS)
constexpr int file_flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

long sys_openat2(int dirfd, const char* path, const open_how& how) noexcept {
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

sdk::open_error error_for_errno(int e) noexcept {
  switch (e) {
    case ENOENT:
    case ENOTDIR: return sdk::open_error::not_found;
    case EXDEV:    // RESOLVE_BENEATH: the path (or a symlink in it) leaves the root
    case ELOOP:    // symlink loop, or a magic link (RESOLVE_NO_MAGICLINKS), or O_NOFOLLOW hit
    case EACCES:
    case EPERM:
    case ENXIO:    // socket or device without a driver
    case ENODEV:
    case EISDIR: return sdk::open_error::access_denied;
    case ENAMETOOLONG: return sdk::open_error::invalid_name;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EAGAIN:
    case EBUSY: return sdk::open_error::busy;
    default: return sdk::open_error::io_error;
  }
}

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool names_a_directory(std::string_view name) {
  return name.ends_with('/') || name == "." || name.ends_with("/.");
}

// Accepts the opened descriptor only if it is a regular file.
opened_file check_regular(unique_fd fd, sdk::open_error& error, std::string& why) {
  opened_file f;
  if (::fstat(fd.get(), &f.status) != 0) {
    error = error_for_errno(errno);
    why = std::string("fstat: ") + std::strerror(errno);
    return {};
  }
  if (!S_ISREG(f.status.st_mode)) {
    error = sdk::open_error::access_denied;
    why = S_ISDIR(f.status.st_mode)    ? "is a directory"
          : S_ISFIFO(f.status.st_mode) ? "is a FIFO"
          : S_ISSOCK(f.status.st_mode) ? "is a socket"
                                       : "is a device or special file";
    return {};
  }
  f.fd = std::move(fd);
  error = sdk::open_error::none;
  return f;
}

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}
unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string normalize_name(std::string_view name, sdk::open_error& error, std::string& why) {
  error = sdk::open_error::invalid_name;
  if (name.size() > max_name_bytes) {
    why = "name longer than 4095 bytes";
    return {};
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      why = "control character in name";
      return {};
    }
    if (c == '\\') {
      why = "backslash in name";
      return {};
    }
  }
  std::string out;
  for (const auto& part : split(name)) {  // leading '/' and empty components vanish here
    if (part == ".") continue;
    if (part == "..") {
      why = "'..' in name";
      return {};
    }
    if (part.size() > max_component_bytes) {
      why = "path component longer than 255 bytes";
      return {};
    }
    if (!out.empty()) out += '/';
    out += part;
  }
  if (out.empty()) {
    why = "empty name";
    return {};
  }
  error = sdk::open_error::none;
  why.clear();
  return out;
}

bool kernel_has_openat2(int directory_fd) noexcept {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = sys_openat2(directory_fd, ".", how);
  if (fd >= 0) {
    ::close(int(fd));
    return true;
  }
  return errno != ENOSYS && errno != EPERM && errno != E2BIG;  // EPERM: a seccomp filter refusing it
}

root_directory::root_directory(const std::string& directory, strategy s) : directory_(directory) {
  root_ = unique_fd(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_) throw std::system_error(errno, std::generic_category(), "cannot open root directory " + directory);
  if (s == strategy::automatic) s = kernel_has_openat2(root_.get()) ? strategy::openat2 : strategy::walk;
  strategy_ = s;
}

opened_file root_directory::open(std::string_view name, sdk::open_error& error, std::string& why) const {
  std::string relative = normalize_name(name, error, why);
  if (relative.empty()) return {};
  auto file = strategy_ == strategy::openat2 ? open_with_openat2(relative, error, why)
                                             : open_with_walk(relative, error, why);
  // POSIX path resolution: a trailing '/' (or a last component '.') names a directory, so "kernel/" is not the
  // file "kernel" (open(2) fails it with ENOTDIR, tftp-hpa answers File not found). normalize_name drops those
  // ends, so look at the name as asked; a directory was refused as one above.
  if (file.fd && names_a_directory(name)) {
    error = sdk::open_error::not_found;
    why = "a name ending in '/' or '/.' names a directory, not a file";
    return {};
  }
  return file;
}

opened_file root_directory::open_with_openat2(const std::string& relative, sdk::open_error& error,
                                              std::string& why) const {
  open_how how{};
  how.flags = file_flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = sys_openat2(root_.get(), relative.c_str(), how);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    error = error_for_errno(errno);
    why = errno == EXDEV ? "leaves the root" : std::strerror(errno);
    return {};
  }
  return check_regular(unique_fd(int(fd)), error, why);
}

// The fallback for kernels before 5.6: every component is opened with O_NOFOLLOW relative to the directory
// opened before it; a symlink is read and its target spliced into the remaining components, with ".."
// popping a directory we opened ourselves — popping past the root is an escape. This is RESOLVE_BENEATH's
// semantics done in user space, and no name is ever resolved by the kernel across a symlink.
opened_file root_directory::open_with_walk(const std::string& relative, sdk::open_error& error,
                                           std::string& why) const {
  auto parts = split(relative);
  std::deque<std::string> pending(parts.begin(), parts.end());
  std::vector<unique_fd> opened_dirs;  // the directories below the root on the current path
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {  // only reachable through a symlink target
      if (opened_dirs.empty()) {
        error = sdk::open_error::access_denied;
        why = "a symlink leaves the root";
        return {};
      }
      opened_dirs.pop_back();
      continue;
    }
    int dirfd = opened_dirs.empty() ? root_.get() : opened_dirs.back().get();
    bool last = pending.empty();
    int flags = last ? file_flags | O_NOFOLLOW : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd;
    do {
      fd = ::openat(dirfd, part.c_str(), flags);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) {
      if (last) return check_regular(unique_fd(fd), error, why);
      opened_dirs.emplace_back(fd);
      continue;
    }
    int open_errno = errno;
    if (open_errno == ELOOP || open_errno == ENOTDIR) {  // maybe a symlink: O_NOFOLLOW refused it
      char target[4096];
      auto n = ::readlinkat(dirfd, part.c_str(), target, sizeof(target) - 1);
      if (n >= 0) {
        if (++links > max_symlinks) {
          error = sdk::open_error::access_denied;
          why = "too many symlinks";
          return {};
        }
        std::string_view t(target, std::size_t(n));
        if (t.empty() || t.front() == '/') {
          error = sdk::open_error::access_denied;
          why = t.empty() ? "empty symlink" : "a symlink leaves the root (absolute target)";
          return {};
        }
        auto spliced = split(t);
        pending.insert(pending.begin(), spliced.begin(), spliced.end());
        continue;
      }
    }
    error = error_for_errno(open_errno);
    why = std::strerror(open_errno);
    return {};
  }
  error = sdk::open_error::access_denied;  // a symlink chain that ended in the root itself
  why = "is a directory";
  return {};
}

}  // namespace bootfw::confined_root
