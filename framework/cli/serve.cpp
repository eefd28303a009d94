// The serving half of the command line, shared by bootfw and bootfw-serve: the plugin directory lookup,
// the open-file limit and the signal loop. Nothing here uses iostreams or Boost.Program_options, so
// bootfw-serve, which the serving process runs as, maps none of their code (docs/performance.md).
#include <bootfw/sdk/embed.hpp>

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli.hpp"

namespace fs = std::filesystem;

namespace bootfw::cli {

fs::path self_directory() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec || !p.is_absolute() ? fs::path() : p.parent_path();
}

std::string default_plugin_directory() {
  if (const char* env = std::getenv("BOOTFW_PLUGIN_DIR")) return env;
  auto self = self_directory();
  if (self.empty()) return BOOTFW_PLUGIN_DIR;
  // The build tree (plugins-out), then an installed tree relocated anywhere (bin/../LIBDIR/bootfw/plugins).
  for (auto candidate : {self / ".." / "plugins-out", self / ".." / BOOTFW_LIBDIR / "bootfw" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate.lexically_normal().string();
  }
  return BOOTFW_PLUGIN_DIR;
}

// A TFTP transfer holds three descriptors (its socket connected to the client, the socket that hears
// everyone else on its port, its file), so the default 4096 sessions need more than the soft limit of 1024
// that systemd and login shells give. The hard limit stays the operator's (LimitNOFILE=); the soft one is
// raised to it, as systemd.exec(5) advises for programs that need many descriptors. bootfw waits with
// epoll, never select(), so descriptors above 1024 are safe.
void raise_open_file_limit() noexcept {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max) return;
  r.rlim_cur = std::min<rlim_t>(r.rlim_max, rlim_t(1) << 20);  // fs.nr_open's default caps an unlimited one
  ::setrlimit(RLIMIT_NOFILE, &r);
}

int serve(server_options options) {
  // Signals are handled by sigwait on this thread: block them before any worker thread exists so none of
  // them receives one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  raise_open_file_limit();
  server srv(options);
  try {
    srv.start();
  } catch (const std::exception& e) {
    std::fputs(fmt::format("bootfw: cannot start: {}\n", e.what()).c_str(), stderr);
    return 1;
  }
  notify_service_manager("READY=1");
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      notify_service_manager("RELOADING=1");
      std::string error;
      srv.reload(error);  // logs either way; an invalid config leaves the running one in place
      if (!srv.running()) {  // neither the new configuration nor the previous one could start
        notify_service_manager("STOPPING=1");
        std::fputs(fmt::format("bootfw: stopped: {}\n", error).c_str(), stderr);
        return 1;
      }
      notify_service_manager("READY=1");
      continue;
    }
    break;
  }
  notify_service_manager("STOPPING=1");
  srv.stop();
  return 0;
}

}  // namespace bootfw::cli
