// Server-side cost as the kernel accounts it: CPU time (/proc/PID/stat utime+stime, plus cutime+cstime of
// reaped children for servers that fork per transfer) and memory (VmHWM, and the RSS of the process tree
// sampled while the storm runs, so forked tftpd children count too).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <vector>

namespace storm {

struct process_usage {
  double cpu_seconds = 0;        ///< utime+stime+cutime+cstime summed over the watched processes
  std::uint64_t hwm_kb = 0;      ///< VmHWM summed over the watched processes
  std::uint64_t rss_kb = 0;      ///< VmRSS of the watched processes and all their descendants, now
  std::uint64_t anon_kb = 0;     ///< RssAnon of the same tree: private memory, without shared libraries' pages
  std::map<pid_t, double> tree_cpu;  ///< utime+stime of each process in the tree, now (seconds)
};

/// CPU of a process tree over a run, from samples: forked children (tftp-hpa forks per transfer and its
/// grandchildren are reaped by init, so no cutime ever shows them) count from the samples they appear in.
class tree_cpu_meter {
 public:
  void baseline(const process_usage& u) { base_ = u.tree_cpu; }
  void sample(const process_usage& u) {
    for (const auto& [pid, cpu] : u.tree_cpu) last_[pid] = cpu;
  }
  double seconds() const {
    double total = 0;
    for (const auto& [pid, cpu] : last_) {
      auto b = base_.find(pid);
      total += cpu - (b == base_.end() ? 0.0 : b->second);
    }
    return total;
  }

 private:
  std::map<pid_t, double> base_, last_;
};

/// Reads the current usage of `pids` (missing processes count as zero).
process_usage read_usage(const std::vector<pid_t>& pids);

}  // namespace storm
