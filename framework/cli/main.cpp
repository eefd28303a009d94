// bootfw — the command line: run a server from plugins.toml, check a configuration, or run a subcommand.
//
//   bootfw --plugins plugins.toml [--log-level debug]     serve until SIGTERM/SIGINT; SIGHUP reloads
//   bootfw --check --plugins plugins.toml                 validate (parse, load, configure); exit 0/1/2
//   bootfw explain --plugins plugins.toml --mac …         run the pipeline for a client without sockets
//   bootfw <sub> …                                        runs bootfw-<sub> (hxip, import-isc, …)
#include <bootfw/sdk/embed.hpp>
#include <bootfw/sdk/static_plugins.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "log.hpp"
#include "version.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace bootfw::cli {

namespace {

// The helper program `name` (bootfw-hxip, bootfw-serve …): next to this binary (the build tree), else in
// the installed libexec directory. Empty when there is none or /proc/self/exe is unreadable.
fs::path find_helper(const std::string& name) {
  auto self = self_directory();
  if (self.empty()) return {};
  for (auto c : {self / name, self / ".." / BOOTFW_LIBEXECDIR / "bootfw" / name})
    if (::access(c.c_str(), X_OK) == 0) return c;
  return {};
}

// Replaces this process with `words` (words[0] is the program); returns only when execv failed.
void exec_words(std::vector<std::string> words) {
  std::vector<char*> args;
  for (auto& w : words) args.push_back(w.data());
  args.push_back(nullptr);
  ::execv(args[0], args.data());
}

int exec_subcommand(const std::string& name, int argc, char** argv) {
  auto prog = find_helper("bootfw-" + name);
  if (prog.empty()) {
    if (name == "hxip" || name == "import-isc") {  // the helpers --help lists
      auto self = self_directory();
      std::cerr << fmt::format("bootfw: '{}' runs the helper program bootfw-{}, which is not installed with this "
                               "bootfw (looked in {} and {})\n",
                               name, name, self.empty() ? "(unknown: no /proc)" : self.string(),
                               self.empty() ? "libexec" : (self / ".." / BOOTFW_LIBEXECDIR / "bootfw").lexically_normal().string());
      return 1;
    }
    std::cerr << fmt::format("bootfw: unknown command '{}' (see bootfw --help)\n", name);
    return 2;
  }
  std::vector<std::string> words = {prog.string()};
  for (int i = 2; i < argc; ++i) words.push_back(argv[i]);
  exec_words(std::move(words));
  std::cerr << fmt::format("bootfw: cannot run {}: {}\n", prog.string(), std::strerror(errno));
  return 1;
}

// Serving runs as bootfw-serve, exec'd in place (same PID), so that the serving process maps neither
// Program_options nor iostreams (see serve_main.cpp). Without bootfw-serve next to this binary or in
// libexec (a binary copied alone), bootfw serves itself: the same server, 0.5 MB more resident.
int run_server(const server_options& options, const std::string& log_level) {
  if (auto prog = find_helper("bootfw-serve"); !prog.empty()) {
    std::vector<std::string> words = {prog.string(), "--plugins", options.plugins_file, "--plugin-dir",
                                      options.plugin_directory};
    if (!log_level.empty()) words.insert(words.end(), {"--log-level", log_level});
    exec_words(std::move(words));
    std::cerr << fmt::format("bootfw: cannot run {} ({}); serving in this process\n", prog.string(),
                             std::strerror(errno));
  }
  return serve(options);
}

void usage(std::ostream& out, const po::options_description& opts) {
  out << "usage: bootfw --plugins plugins.toml [options]\n"
         "       bootfw --check --plugins plugins.toml\n"
         "       bootfw explain --plugins plugins.toml --mac MAC [--vendor-class S] [--user-class S] [--arch N] "
         "[--uuid U]\n"
         "                      [--relay ADDR] [--server-address ADDR] [--plugin-dir DIR]\n"
         "       bootfw hxip ADDRESS | bootfw hxip --chain [--mac M] [--ip A] [--uuid U]\n"
         "       bootfw import-isc dhcpd.conf\n\n"
      << opts;
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
    // No positional arguments: `bootfw --check --plugins a.toml b.toml` must not check a.toml alone.
    po::store(po::command_line_parser(argc, argv).options(opts).positional({}).run(), vm);
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
  return cli::run_server(options, vm.count("log-level") ? vm["log-level"].as<std::string>() : std::string());
}
