// bootfw — the command line: run a server from plugins.toml, check a configuration, or run a subcommand.
//
//   bootfw --plugins plugins.toml [--log-level debug]     serve until SIGTERM/SIGINT; SIGHUP reloads
//   bootfw --check --plugins plugins.toml                 validate (parse, load, configure); exit 0/1
//   bootfw explain --plugins plugins.toml --mac …         run the pipeline for a client without sockets
//   bootfw <sub> …                                        runs bootfw-<sub> (hxip, import-isc, …)
#include <bootfw/sdk/embed.hpp>
#include <bootfw/sdk/static_plugins.hpp>

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "log.hpp"
#include "version.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace bootfw::cli {

fs::path self_directory() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : p.parent_path();
}

std::string default_plugin_directory() {
  if (const char* env = std::getenv("BOOTFW_PLUGIN_DIR")) return env;
  auto self = self_directory();
  // The build tree (plugins-out), then an installed tree relocated anywhere (bin/../LIBDIR/bootfw/plugins).
  for (auto candidate : {self / ".." / "plugins-out", self / ".." / BOOTFW_LIBDIR / "bootfw" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate.lexically_normal().string();
  }
  return BOOTFW_PLUGIN_DIR;
}

namespace {

int exec_subcommand(const std::string& name, int argc, char** argv) {
  auto self = self_directory();
  std::vector<fs::path> candidates = {self / ("bootfw-" + name), self / ".." / "libexec" / "bootfw" / ("bootfw-" + name)};
  for (auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) {
      std::vector<char*> args;
      std::string prog = c.string();
      args.push_back(prog.data());
      for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
      args.push_back(nullptr);
      ::execv(prog.c_str(), args.data());
      std::cerr << fmt::format("bootfw: cannot run {}: {}\n", prog, std::strerror(errno));
      return 1;
    }
  }
  std::cerr << fmt::format("bootfw: unknown command '{}' (see bootfw --help)\n", name);
  return 2;
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

  server srv(options);
  try {
    srv.start();
  } catch (const std::exception& e) {
    std::cerr << fmt::format("bootfw: cannot start: {}\n", e.what());
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
      notify_service_manager("READY=1");
      continue;
    }
    break;
  }
  notify_service_manager("STOPPING=1");
  srv.stop();
  return 0;
}

void usage(std::ostream& out, const po::options_description& opts) {
  out << "usage: bootfw --plugins plugins.toml [options]\n"
         "       bootfw --check --plugins plugins.toml\n"
         "       bootfw explain --plugins plugins.toml --mac MAC [--vendor-class S] [--user-class S] [--arch N] "
         "[--relay ADDR]\n"
         "       bootfw hxip ADDRESS | bootfw hxip --chain [--mac M] [--ip A] [--uuid U]\n"
         "       bootfw import-isc dhcpd.conf\n\n"
      << opts;
}

// A TFTP transfer holds three descriptors (its socket connected to the client, the socket that hears
// everyone else on its port, its file), so the default 4096 sessions need more than the soft limit of 1024
// that systemd and login shells give. The hard limit stays the operator's (LimitNOFILE=); the soft one is
// raised to it, as systemd.exec(5) advises for programs that need many descriptors. bootfw waits with
// epoll, never select(), so descriptors above 1024 are safe.
void raise_open_file_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max) return;
  r.rlim_cur = std::min<rlim_t>(r.rlim_max, rlim_t(1) << 20);  // fs.nr_open's default caps an unlimited one
  ::setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace
}  // namespace bootfw::cli

int main(int argc, char** argv) {
  using namespace bootfw;
  if (argc >= 2 && argv[1][0] != '-') {
    std::string sub = argv[1];
    if (sub == "explain") return cli::explain_main(argc - 1, argv + 1);
    return cli::exec_subcommand(sub, argc, argv);
  }
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("version", "print bootfw and plugin ABI versions")(
      "plugins,p", po::value<std::string>(), "plugins.toml to run")(
      "check", "validate the configuration (parse, load and configure every plugin) without binding sockets")(
      "log-level", po::value<std::string>(), "trace, debug, info, warn or error (overrides [server].log_level)")(
      "foreground,f", "stay in the foreground (the default: bootfw never daemonizes; for systemd and scripts)")(
      "plugin-dir", po::value<std::string>(), "directory for bare plugin library names");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "bootfw: " << e.what() << "\n";
    cli::usage(std::cerr, opts);
    return 2;
  }
  if (vm.count("help")) {
    cli::usage(std::cout, opts);
    return 0;
  }
  if (vm.count("version")) {
    std::cout << fmt::format("bootfw {}\nplugin ABI {} (SDK digest {}, {})\n", version(), BOOTFW_SDK_ABI_VERSION,
                             sdk_digest(), BOOTFW_SDK_STDLIB_TAG);
    return 0;
  }
  if (!vm.count("plugins")) {
    std::cerr << "bootfw: --plugins plugins.toml is required\n";
    cli::usage(std::cerr, opts);
    return 2;
  }
  server_options options;
  options.plugins_file = vm["plugins"].as<std::string>();
  options.plugin_directory =
      vm.count("plugin-dir") ? vm["plugin-dir"].as<std::string>() : cli::default_plugin_directory();
  options.builtins = cli::builtin_plugins();
  if (vm.count("log-level")) {
    auto l = parse_log_level(vm["log-level"].as<std::string>());
    if (!l) {
      std::cerr << "bootfw: --log-level: expected trace, debug, info, warn or error\n";
      return 2;
    }
    options.log_level = *l;
  }
  if (vm.count("check")) {
    auto error = check_configuration(options);
    if (!error.empty()) {
      std::cerr << "bootfw: " << error << "\n";
      return 1;
    }
    std::cout << fmt::format("{}: OK\n", options.plugins_file);
    return 0;
  }
  cli::raise_open_file_limit();
  return cli::serve(options);
}
