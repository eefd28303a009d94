// Test-only artifact provider for the tftp loopback tests: regular files under `root`, read with pread.
// Deliberately strict and small (the shipped provider is plugins/file): any ".." component, a leading '/',
// a symlink anywhere or a non-regular file is refused. Built as a MODULE exactly like a shipped plugin and
// loaded by the real bootfw loader.
#include <bootfw/sdk/sdk.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace tftp_test {
using namespace bootfw::sdk;

class file_artifact final : public artifact {
 public:
  file_artifact(int fd, std::uint64_t size, std::string name) : fd_(fd), size_(size), name_(std::move(name)) {}
  ~file_artifact() override { ::close(fd_); }
  std::uint64_t size() const noexcept override { return size_; }
  std::size_t read(std::uint64_t offset, std::span<std::byte> out, std::error_code& ec) noexcept override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, off_t(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ec = std::error_code(errno, std::system_category());
        break;
      }
      if (n == 0) break;
      done += std::size_t(n);
    }
    return done;
  }
  std::string name() const override { return name_; }

 private:
  int fd_;
  std::uint64_t size_;
  std::string name_;
};

class dir_provider final : public artifact_provider {
 public:
  void configure(host&, const config_view& c) override {
    c.allow_only({"root"});
    root_ = c.get_path("root", "");
    if (root_.empty()) throw config_error(c, "missing required key 'root'");
  }
  void start() override {
    root_fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) throw config_error("cannot open root " + root_);
  }
  void stop() noexcept override {
    if (root_fd_ >= 0) ::close(root_fd_);
    root_fd_ = -1;
  }
  std::shared_ptr<artifact> open(std::string_view path, open_error& err) override {
    std::string p(path);
    if (p.empty() || p.front() == '/' || p == ".." || p.starts_with("../") || p.ends_with("/..") ||
        p.find("/../") != std::string::npos) {
      err = open_error::invalid_name;
      return nullptr;
    }
    // Walk component by component without following symlinks (a test provider: no openat2 needed).
    int dir = ::dup(root_fd_);
    std::size_t at = 0;
    for (;;) {
      auto slash = p.find('/', at);
      std::string part = p.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
      bool last = slash == std::string::npos;
      int fd = ::openat(dir, part.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
      int saved = errno;
      ::close(dir);
      if (fd < 0) {
        err = saved == ENOENT || saved == ENOTDIR ? open_error::not_found : open_error::access_denied;
        return nullptr;
      }
      if (last) {
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
          ::close(fd);
          err = open_error::access_denied;
          return nullptr;
        }
        return std::make_shared<file_artifact>(fd, std::uint64_t(st.st_size), p);
      }
      dir = fd;
      at = slash + 1;
    }
  }

 private:
  std::string root_;
  int root_fd_ = -1;
};

}  // namespace tftp_test

BOOTFW_PLUGIN(tftp_test::dir_provider, "tftp-test-provider", "1.0.0")
