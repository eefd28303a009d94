// Helpers shared by bootfw's integration tests: temporary directories, plugins.toml writing, a loopback
// UDP client with timeouts, and running the bootfw CLI.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace bootfw::test {

inline std::string fixture(const std::string& name) {
  return std::string(BOOTFW_TEST_FIXTURE_DIR) + "/" + name + ".so";
}

/// A temporary directory removed at scope exit.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("bootfw-test-" + std::to_string(rd()) + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string str() const { return path.string(); }
};

/// A UDP socket on 127.0.0.1 with an ephemeral (or given) port.
struct udp_client {
  int fd = -1;
  explicit udp_client(std::uint16_t port = 0) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  ~udp_client() {
    if (fd >= 0) ::close(fd);
  }
  std::uint16_t port() const {
    sockaddr_in sa{};
    socklen_t len = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return ntohs(sa.sin_port);
  }
  void send(const void* data, std::size_t n, std::uint16_t port) const {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, data, n, 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  void send(const std::string& s, std::uint16_t port) const { send(s.data(), s.size(), port); }
  /// Waits up to `timeout_ms` for a datagram.
  std::optional<std::vector<std::uint8_t>> receive(int timeout_ms = 3000) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    std::vector<std::uint8_t> buf(65536);
    auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(std::size_t(n));
    return buf;
  }
  std::optional<std::string> receive_text(int timeout_ms = 3000) const {
    auto b = receive(timeout_ms);
    if (!b) return std::nullopt;
    return std::string(b->begin(), b->end());
  }
};

/// Runs a command, returns {exit status, stdout+stderr}.
inline std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// The bootfw CLI as a child process (`bootfw --plugins FILE`), killed with SIGKILL at scope exit.
struct bootfw_process {
  pid_t pid = -1;
  explicit bootfw_process(const std::string& plugins_toml) {
    pid = ::fork();
    if (pid == 0) {
      ::execl(BOOTFW_CLI, BOOTFW_CLI, "--plugins", plugins_toml.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  bootfw_process(const bootfw_process&) = delete;
  bootfw_process& operator=(const bootfw_process&) = delete;
  /// SIGTERM: bootfw stops cleanly (journals closed and unlocked). Returns the wait status.
  int stop() { return end(SIGTERM); }
  /// SIGKILL: a crash at an arbitrary moment.
  void kill9() { end(SIGKILL); }
  bool alive() const { return pid > 0 && ::kill(pid, 0) == 0 && ::waitpid(pid, nullptr, WNOHANG) == 0; }
  /// VmRSS from /proc/PID/status, in KiB (0 when unknown).
  std::uint64_t rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
    return 0;
  }
  ~bootfw_process() { kill9(); }

 private:
  int end(int signal) {
    int status = -1;
    if (pid > 0) {
      ::kill(pid, signal);
      ::waitpid(pid, &status, 0);
      pid = -1;
    }
    return status;
  }
};

}  // namespace bootfw::test
