// The bootfw command line: --version, --help, --check exit codes and messages, signals.
#include <bootfw/sdk/abi.hpp>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "../support/test_support.hpp"

using bootfw::test::fixture;
using bootfw::test::run;
using bootfw::test::temp_dir;

namespace {

const std::string cli = BOOTFW_CLI;

/// A plugins.toml with one boot-policy (the fixture) and its state in `dir`: enough for bootfw to serve.
std::string policy_only_config(const temp_dir& dir) {
  return dir.write("plugins.toml", fmt::format("[server]\nstate_directory = \"{}\"\n[[plugin]]\nname = \"p\"\n"
                                               "kind = \"boot-policy\"\nlibrary = \"{}\"\n",
                                               dir.str(), fixture("fixture_policy")));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

/// Runs `program args…` with stderr to `log` (after `in_child`, in the child) and waits until it serves.
pid_t start_serving(const std::string& program, std::vector<std::string> args, const std::string& log,
                    const std::function<void()>& in_child = {}) {
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (in_child) in_child();
    ::freopen(log.c_str(), "w", stderr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 100 && read_text(log).find("serving") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return pid;
}

/// SIGTERM, then the exit status (128 + signal when it died of one).
int stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Serving starts `bootfw` (Program_options, iostreams) and ends as bootfw-serve exec'd in place: the same
// PID (what systemd and the tests signal), a different image.
std::string exe_of(pid_t pid) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

TEST(cli, version_names_bootfw_and_the_plugin_abi) {
  auto [status, out] = run(cli + " --version");
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find("bootfw 0."), std::string::npos) << out;
  EXPECT_NE(out.find("plugin ABI 1 (SDK digest " BOOTFW_SDK_DIGEST), std::string::npos) << out;
}

TEST(cli, help_lists_the_options_and_subcommands) {
  auto [status, out] = run(cli + " --help");
  EXPECT_EQ(status, 0);
  for (auto word : {"--plugins", "--check", "--log-level", "--foreground", "explain", "hxip", "import-isc"})
    EXPECT_NE(out.find(word), std::string::npos) << word;
}

TEST(cli, stray_arguments_are_refused_not_ignored) {
  temp_dir dir;
  auto file = policy_only_config(dir);
  for (std::string args : {std::string(" --version garbage"), " --check --plugins " + file + " " + file,
                    " explain --plugins " + file + " --mac 08:00:07:26:c0:a5 extra"}) {
    auto [status, out] = run(cli + args);
    EXPECT_EQ(status, 2) << args << "\n" << out;
    EXPECT_NE(out.find("too many positional options"), std::string::npos) << args << "\n" << out;
  }
  // "-1" used to be reported as 4294967295 (program_options' unsigned parse).
  for (std::string arch : {"70000", "-1", "7x", "0x7", "''"}) {
    auto [status, out] = run(cli + " explain --plugins " + file + " --mac 08:00:07:26:c0:a5 --arch " + arch);
    EXPECT_EQ(status, 2) << arch << "\n" << out;
    auto shown = arch == "''" ? std::string() : arch;
    EXPECT_NE(out.find("--arch: '" + shown + "' is not an architecture code 0..65535"), std::string::npos)
        << arch << "\n" << out;
  }
}

TEST(cli, a_bootfw_copied_alone_says_which_helper_a_listed_command_needs) {
  temp_dir dir;
  auto alone = dir.str() + "/bootfw";
  std::filesystem::copy_file(cli, alone);
  auto [status, out] = run(alone + " hxip 1.2.3.4");
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("'hxip' runs the helper program bootfw-hxip, which is not installed"), std::string::npos) << out;
  std::tie(status, out) = run(alone + " frobnicate");
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("unknown command 'frobnicate'"), std::string::npos) << out;
}

TEST(cli, check_accepts_a_valid_configuration) {
  temp_dir dir;
  auto file = dir.write("plugins.toml", fmt::format("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\n"
                                                    "library = \"{}\"\n[plugin.config]\nfilename = \"x\"\n",
                                                    fixture("fixture_policy")));
  auto [status, out] = run(cli + " --check --plugins " + file);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;
}

struct check_case {
  std::string toml;
  std::string expected;
};

// Each plugins.toml must fail `bootfw --check` (exit 1) with its expected message.
void expect_check_failures(const std::vector<check_case>& cases) {
  for (auto& c : cases) {
    temp_dir dir;
    auto file = dir.write("plugins.toml", c.toml);
    auto [status, out] = run(cli + " --check --plugins " + file);
    EXPECT_EQ(status, 1) << c.toml << out;
    EXPECT_NE(out.find(c.expected), std::string::npos) << "expected: " << c.expected << "\ngot: " << out;
  }
}

TEST(cli, check_rejects_each_malformed_configuration_naming_file_line_and_key) {
  const std::string policy = fixture("fixture_policy");
  std::vector<check_case> cases = {
      {"[server]\nthreads = -1\n", "plugins.toml:2:11: server.threads: -1 is out of range"},
      {"[server]\nbogus = 1\n", "plugins.toml:2:1: server.bogus: unknown key"},
      {"[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"missing.so\"\n",
       "plugins.toml:4:11: plugin[p].library: no plugin library at"},
      // A plugin's own key errors carry the position of the setting inside [plugin.config] (the value's
      // column: the SDK's config_view knows values, not keys).
      {fmt::format("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"{}\"\n[plugin.config]\n"
                   "filenme = \"x\"\n",
                   policy),
       "plugins.toml:6:11: plugin[p].config.filenme: unknown key 'filenme'"},
      {fmt::format("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"{}\"\n[plugin.config]\n"
                   "all_clients = \"yes\"\n",
                   policy),
       "plugins.toml:6:15: plugin[p].config.all_clients: expected true or false"},
      {fmt::format("[[plugin]]\nname = \"p\"\nkind = \"tftp-transport\"\nlibrary = \"{}\"\n", policy),
       "plugins.toml:1:1: plugin[p].library: "},
      {fmt::format("[[plugin]]\nname = \"p\"\nkind = \"tftp-transport\"\nlibrary = \"{}\"\n", policy),
       "is of kind boot-policy but plugins.toml says kind = \"tftp-transport\""},
  };
  expect_check_failures(cases);
}

// What used to pass --check and fail only at start (or hang, or be cut short silently).
TEST(cli, check_rejects_what_would_fail_only_at_start) {
  const std::string policy = fixture("fixture_policy");
  temp_dir dir;
  const auto not_a_dir = dir.write("leases", "a file");
  std::vector<check_case> cases = {
      // A 300-character instance name made its state path fail with ENAMETOOLONG.
      {fmt::format("[[plugin]]\nname = \"{}\"\nkind = \"boot-policy\"\nlibrary = \"{}\"\n", std::string(300, 'p'),
                   policy),
       "plugins.toml:2:8: plugin[0].name: 300 characters long; at most 64"},
      {fmt::format("[server]\nstate_directory = \"{}\"\n[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\n"
                   "library = \"{}\"\n",
                   not_a_dir, policy),
       fmt::format("plugins.toml:2:19: server.state_directory: {} exists and is not a directory", not_a_dir)},
      // "\u0000" in a value: the plugin's boot file would have been cut to "pxelinux".
      {fmt::format("[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"{}\"\n[plugin.config]\n"
                   "filename = \"pxelinux\\u0000.0\"\n",
                   policy),
       "plugins.toml:6:12: plugin[p].config.filename: must not contain a NUL character"},
      {"[server]\nlog_level = \"info\\u0000\"\n",
       "plugins.toml:2:13: server.log_level: must not contain a NUL character"},
  };
  expect_check_failures(cases);
}

// A FIFO used to block --check (and a SIGHUP reload) in open() until some writer came; a device was read as
// empty (/dev/null passed) or forever (/dev/zero). `timeout` ends a hang as a failure rather than a stuck test.
TEST(cli, check_refuses_a_plugins_file_that_is_not_a_regular_file_without_hanging) {
  temp_dir dir;
  const auto fifo = dir.str() + "/plugins.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& path : {fifo, std::string("/dev/null"), dir.str()}) {
    auto [status, out] = run("timeout 20 " + cli + " --check --plugins " + path);
    EXPECT_EQ(status, 1) << path << ": " << out;
    EXPECT_NE(out.find(path + ": cannot read the configuration file: not a regular file"), std::string::npos)
        << path << ": " << out;
  }
}

TEST(cli, sigterm_stops_the_server_gracefully) {
  temp_dir dir;
  auto file = policy_only_config(dir);
  auto log = dir.str() + "/log";
  pid_t pid = start_serving(cli, {"--plugins", file, "--foreground"}, log);
  EXPECT_EQ(stop(pid), 0);
  EXPECT_NE(read_text(log).find("[bootfw] stopped"), std::string::npos) << read_text(log);
}

TEST(cli, serving_raises_the_soft_open_file_limit_to_the_hard_one) {
  // Started as systemd starts a service (soft limit 1024 below a higher hard one): a TFTP transfer holds
  // three descriptors, so bootfw raises the soft limit itself; the hard limit stays the operator's.
  rlimit mine{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &mine), 0);
  if (mine.rlim_max < 2048) GTEST_SKIP() << "hard RLIMIT_NOFILE below 2048 here";
  const rlim_t hard = std::min<rlim_t>(mine.rlim_max, 8192);
  temp_dir dir;
  auto file = policy_only_config(dir);
  auto log = dir.str() + "/log";
  pid_t pid = start_serving(cli, {"--plugins", file}, log, [hard] {
    rlimit r{1024, hard};
    ::setrlimit(RLIMIT_NOFILE, &r);
  });
  std::string limit;
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(limits, line);)
    if (line.rfind("Max open files", 0) == 0) limit = line;
  stop(pid);
  // "Max open files            8192                 8192                 files"
  std::istringstream fields(limit.substr(std::string("Max open files").size()));
  std::uint64_t soft = 0, hard_seen = 0;
  fields >> soft >> hard_seen;
  EXPECT_EQ(soft, hard) << limit;
  EXPECT_EQ(hard_seen, hard) << limit;
}

TEST(cli, tells_systemd_it_is_ready_only_once_serving_and_that_it_stops) {
  temp_dir dir;
  auto file = policy_only_config(dir);
  // Plays systemd: a datagram socket named by NOTIFY_SOCKET (sd_notify(3) protocol).
  auto sock_path = dir.str() + "/notify";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  auto next_state = [&] {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return std::string("(timeout)");
    char buf[256];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    return std::string(buf, n > 0 ? std::size_t(n) : 0);
  };
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("NOTIFY_SOCKET", sock_path.c_str(), 1);
    ::freopen((dir.str() + "/log").c_str(), "w", stderr);
    ::execl(cli.c_str(), cli.c_str(), "--plugins", file.c_str(), nullptr);
    ::_exit(127);
  }
  EXPECT_EQ(next_state(), "READY=1");
  ::kill(pid, SIGHUP);
  EXPECT_EQ(next_state(), "RELOADING=1");
  EXPECT_EQ(next_state(), "READY=1");
  ::kill(pid, SIGTERM);
  EXPECT_EQ(next_state(), "STOPPING=1");
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ::close(fd);
}

TEST(cli, the_serving_process_is_bootfw_serve_under_the_pid_bootfw_started_with) {
  temp_dir dir;
  auto file = policy_only_config(dir);
  auto log = dir.str() + "/log";
  pid_t pid = start_serving(cli, {"--plugins", file, "--log-level", "debug"}, log);
  EXPECT_EQ(std::filesystem::path(exe_of(pid)).filename(), "bootfw-serve");
  EXPECT_EQ(stop(pid), 0);
  EXPECT_NE(read_text(log).find("[p] started"), std::string::npos) << "--log-level debug reaches bootfw-serve:\n"
                                                                    << read_text(log);
}

TEST(cli, a_bootfw_copied_without_bootfw_serve_serves_in_its_own_image) {
  temp_dir dir;
  auto file = policy_only_config(dir);
  auto alone = dir.str() + "/bootfw";
  std::filesystem::copy_file(cli, alone);
  auto log = dir.str() + "/log";
  pid_t pid = start_serving(alone, {"--plugins", file, "--log-level", "info"}, log);
  EXPECT_EQ(exe_of(pid), alone);
  EXPECT_EQ(stop(pid), 0);
  EXPECT_NE(read_text(log).find("[bootfw] stopped"), std::string::npos) << read_text(log);
}

TEST(cli, bootfw_serve_refuses_anything_but_the_arguments_bootfw_passes) {
  const auto serve = (std::filesystem::path(cli).parent_path() / "bootfw-serve").string();
  for (const char* args : {"", " --help", " --plugins x.toml", " --plugins x.toml --plugin-dir /x --log-level loud",
                           " --plugins x.toml --plugin-dir /x --bogus 1", " --plugins x.toml --plugin-dir"}) {
    auto [status, out] = run(serve + args);
    EXPECT_EQ(status, 2) << args << "\n" << out;
    EXPECT_NE(out.find("started by bootfw"), std::string::npos) << args << "\n" << out;
  }
}

}  // namespace
