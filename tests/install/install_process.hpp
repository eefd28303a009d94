// A child process with its output in files, for the install tests: start, wait for a line, signal, reap.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace bootfw::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct child_process {
  pid_t pid = -1;
  std::string out, err;  ///< files receiving stdout and stderr

  child_process(std::vector<std::string> argv, std::string out_file, std::string err_file)
      : out(std::move(out_file)), err(std::move(err_file)) {
    pid = ::fork();
    if (pid == 0) {
      if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) ::_exit(126);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~child_process() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  /// Polls stdout+stderr for `needle` (bounded wait, not a timing assertion); false if the child exited.
  bool wait_for(const std::string& needle, int max_seconds = 20) {
    for (int i = 0; i < max_seconds * 20; ++i) {
      if ((read_file(out) + read_file(err)).find(needle) != std::string::npos) return true;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return (read_file(out) + read_file(err)).find(needle) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  /// Sends `sig` and reaps the child: its exit status, -1 if it did not exit normally, -2 if it was still
  /// running 20 s later (then it is killed): a hang on shutdown is a failure, not a stuck test.
  int stop(int sig) {
    if (pid <= 0) return -1;
    ::kill(pid, sig);
    int status = 0;
    for (int i = 0; i < 400; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    pid = -1;
    return -2;
  }
  std::string output() const { return read_file(out) + read_file(err); }
};

}  // namespace bootfw::test
