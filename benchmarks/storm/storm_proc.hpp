// Server-side cost as the kernel accounts it: CPU time (/proc/PID/stat utime+stime, plus cutime+cstime of
// reaped children for servers that fork per transfer) and memory (VmHWM, and the RSS of the process tree
// sampled while the storm runs, so forked tftpd children count too).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace storm {

struct process_usage {
  double cpu_seconds = 0;        ///< utime+stime+cutime+cstime summed over the watched processes
  std::uint64_t hwm_kb = 0;      ///< VmHWM summed over the watched processes
  std::uint64_t rss_kb = 0;      ///< VmRSS of the watched processes and all their descendants, now
};

/// Reads the current usage of `pids` (missing processes count as zero).
process_usage read_usage(const std::vector<pid_t>& pids);

}  // namespace storm
