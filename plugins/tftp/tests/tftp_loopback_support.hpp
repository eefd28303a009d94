// Loopback test helpers: a `bootfw` process running the real bootfw-tftp.so on 127.0.0.1 with a file
// provider, a raw TFTP client socket that sees the server's TID, SHA-256 of files, running commands.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tftp_loopback {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs a shell command; returns {exit status, stdout+stderr}.
inline std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// SHA-256 of a file as hex (coreutils sha256sum), "" when it does not exist.
inline std::string sha256(const fs::path& p) {
  if (!fs::exists(p)) return "";
  auto [rc, out] = run("sha256sum '" + p.string() + "'");
  return rc == 0 ? out.substr(0, 64) : "";
}

/// Deterministic pseudo-random bytes (distinct content in every block).
inline std::string pattern(std::size_t n, std::uint32_t seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = char(x >> 24);
  }
  return s;
}

/// A raw UDP socket for speaking TFTP by hand; remembers where the last datagram came from (the TID).
struct raw_client {
  int fd = -1;
  std::uint16_t last_from_port = 0;
  explicit raw_client(const char* address = "127.0.0.1") {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    ::inet_pton(AF_INET, address, &sa.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  raw_client(const raw_client&) = delete;
  raw_client(raw_client&& o) noexcept : fd(std::exchange(o.fd, -1)), last_from_port(o.last_from_port) {}
  ~raw_client() {
    if (fd >= 0) ::close(fd);
  }
  void send(const std::string& data, std::uint16_t port) const {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  /// Waits up to `timeout_ms` for a datagram.
  std::optional<std::string> receive(int timeout_ms = 3000) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    std::string buf(65536, '\0');
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    auto n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return std::nullopt;
    last_from_port = ntohs(from.sin_port);
    buf.resize(std::size_t(n));
    return buf;
  }
};

// TFTP packets by hand (RFC 1350 §5, RFC 2347).
inline std::string u16(unsigned v) { return {char(v >> 8), char(v & 0xff)}; }
inline std::string rrq(const std::string& file, const std::string& mode = "octet",
                       const std::vector<std::pair<std::string, std::string>>& options = {}) {
  std::string p = u16(1) + file + '\0' + mode + '\0';
  for (auto& [n, v] : options) p += n + '\0' + v + '\0';
  return p;
}
inline std::string ack(unsigned block) { return u16(4) + u16(block & 0xffff); }
inline unsigned opcode_of(const std::string& p) { return p.size() < 2 ? 0 : unsigned(std::uint8_t(p[0])) << 8 | std::uint8_t(p[1]); }
inline unsigned block_of(const std::string& p) { return p.size() < 4 ? 0 : unsigned(std::uint8_t(p[2])) << 8 | std::uint8_t(p[3]); }

/// A free UDP port on 127.0.0.1 (bound once, then released).
inline std::uint16_t free_port() {
  raw_client c;
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  ::getsockname(c.fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

/// `bootfw --plugins <dir>/plugins.toml` with bootfw-tftp.so on 127.0.0.1:<port> and a file provider whose
/// root is <dir>/root. <dir>/outside.txt lies next to the root, for escape attempts.
class bootfw_tftp_server {
 public:
  /// `provider`: the provider module's path; `tftp_config`: extra lines for the tftp [plugin.config].
  bootfw_tftp_server(const std::string& provider, const std::string& tftp_config) {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("bootfw-tftp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(dir_ / "root");
    fs::create_directories(dir_ / "state");
    std::ofstream(dir_ / "outside.txt") << "secret outside the root\n";
    port_ = free_port();
    std::ofstream(dir_ / "plugins.toml")
        << "[server]\nthreads = 2\nlog_level = \"info\"\nstate_directory = \"" << (dir_ / "state").string() << "\"\n\n"
        << "[[plugin]]\nname = \"files\"\nkind = \"artifact-provider\"\nlibrary = \"" << provider << "\"\n"
        << "[plugin.config]\nroot = \"" << (dir_ / "root").string() << "\"\n\n"
        << "[[plugin]]\nname = \"tftp\"\nkind = \"tftp-transport\"\nlibrary = \"" << BOOTFW_TEST_PLUGIN_DIR
        << "/bootfw-tftp.so\"\n[plugin.config]\naddress = \"127.0.0.1\"\nport = " << port_ << "\n"
        << tftp_config << "\n";
  }
  ~bootfw_tftp_server() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Writes a file under the root (creating directories).
  fs::path put(const std::string& name, const std::string& content) const {
    auto p = root() / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  /// Starts bootfw and waits until it answers an RRQ (ERROR 1 for a missing file). False on failure.
  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = (dir_ / "bootfw.log").string();
      std::freopen(log.c_str(), "w", stderr);
      std::freopen(log.c_str(), "a", stdout);
      std::string toml = (dir_ / "plugins.toml").string();
      ::execl(BOOTFW_CLI, BOOTFW_CLI, "--plugins", toml.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    raw_client probe;
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      probe.send(rrq("bootfw-readiness-probe"), port_);
      if (auto r = probe.receive(100); r && opcode_of(*r) == 5) return true;
    }
    return false;
  }
  /// SIGTERM and wait; returns the exit status (-1 when not running or killed by a signal).
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  /// True while the process runs (it has not crashed).
  bool running() {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }
  /// Edits plugins.toml: every `from` becomes `to`.
  void edit(const std::string& from, const std::string& to) const {
    auto toml = read_file(dir_ / "plugins.toml");
    for (std::size_t at = 0; (at = toml.find(from, at)) != std::string::npos; at += to.size())
      toml.replace(at, from.size(), to);
    std::ofstream(dir_ / "plugins.toml") << toml;
  }
  /// edit(), then SIGHUP to the running bootfw; waits until it logs the reload.
  bool reload(const std::string& from, const std::string& to) {
    if (pid_ <= 0) return false;  // never kill(-1, …)
    edit(from, to);
    auto count = [this] {
      std::size_t n = 0;
      auto text = log();
      for (std::size_t at = 0; (at = text.find("reloaded", at)) != std::string::npos; ++at) ++n;
      return n;
    };
    const auto before = count();
    ::kill(pid_, SIGHUP);
    for (int i = 0; i < 100; ++i) {
      if (count() > before) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  /// Waits up to `ms` for `text` to appear in the log.
  bool log_shows(const std::string& text, int ms = 5000) const {
    for (int waited = 0; waited < ms; waited += 50) {
      if (log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return log().find(text) != std::string::npos;
  }
  std::string log() const { return read_file(dir_ / "bootfw.log"); }
  std::uint16_t port() const { return port_; }
  fs::path root() const { return dir_ / "root"; }
  fs::path dir() const { return dir_; }

 private:
  fs::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

/// The providers to run the tests against: this folder's test provider, and the shipped file provider
/// (bootfw-file.so, key `root`) once it is built.
inline std::vector<std::string> providers() {
  std::vector<std::string> out{TFTP_TEST_PROVIDER};
  std::string shipped = std::string(BOOTFW_TEST_PLUGIN_DIR) + "/bootfw-file.so";
  if (fs::exists(shipped)) out.push_back(shipped);
  return out;
}

}  // namespace tftp_loopback
