#include "storm_proc.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace storm {
namespace {

// A process may exit while it is read: libstdc++ then throws from the read (ESRCH); it counts as gone.
std::uint64_t status_kb(pid_t pid, const std::string& key) try {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  return 0;
} catch (const std::exception&) {
  return 0;
}

/// Fields of /proc/PID/stat after the command name (proc(5)): index 0 is field 3 (state).
std::vector<std::string> stat_fields(pid_t pid) try {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  auto close = all.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) return out;
  std::istringstream rest(all.substr(close + 2));
  for (std::string f; rest >> f;) out.push_back(f);
  return out;
} catch (const std::exception&) {
  return {};
}

}  // namespace

process_usage read_usage(const std::vector<pid_t>& pids) {
  process_usage u;
  const double tick = double(sysconf(_SC_CLK_TCK));
  for (pid_t pid : pids) {
    auto f = stat_fields(pid);
    if (f.size() < 15) continue;
    // proc(5): utime(14) stime(15) cutime(16) cstime(17) → indices 11..14 here.
    for (int i = 11; i <= 14; ++i) u.cpu_seconds += double(std::stoull(f[i])) / tick;
    u.hwm_kb += status_kb(pid, "VmHWM");
  }
  // The process tree: parent links from every /proc/N/stat (field 4, index 1).
  std::map<pid_t, pid_t> parent;
  std::map<pid_t, double> own_cpu;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto f = stat_fields(pid_t(std::stol(name)));
    if (f.size() < 13) continue;
    parent[pid_t(std::stol(name))] = pid_t(std::stol(f[1]));
    own_cpu[pid_t(std::stol(name))] = double(std::stoull(f[11]) + std::stoull(f[12])) / tick;
  }
  for (const auto& [pid, ppid] : parent) {
    for (pid_t p = pid; p > 1;) {
      bool watched = false;
      for (pid_t w : pids) watched |= (w == p);
      if (watched) {
        u.rss_kb += status_kb(pid, "VmRSS");
        u.anon_kb += status_kb(pid, "RssAnon");
        u.tree_cpu[pid] = own_cpu[pid];
        break;
      }
      auto it = parent.find(p);
      if (it == parent.end()) break;
      p = it->second;
    }
  }
  return u;
}

}  // namespace storm
