// bootfw-serve — the image a serving bootfw runs as. `bootfw --plugins …` parses and checks its command
// line with Boost.Program_options, then execs this program in place (same PID: systemd's Type=notify and
// MAINPID still see bootfw). This program links neither Program_options nor iostreams: under GCC 12 their
// static initialisers alone keep ~0.5 MB of libstdc++ and option-parsing code resident in a process that
// never uses them again (measured in docs/performance.md, "RSS of the binary").
//
//   bootfw-serve --plugins FILE --plugin-dir DIR [--log-level LEVEL]
//
// Internal: the arguments are those bootfw passes, already validated; anything else is refused.
#include <cstdio>
#include <string_view>

#include "cli.hpp"
#include "log.hpp"

int main(int argc, char** argv) {
  using namespace bootfw;
  server_options options;
  bool ok = argc % 2 == 1, have_plugins = false, have_dir = false;
  for (int i = 1; ok && i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--plugins") {
      options.plugins_file = value;
      have_plugins = true;
    } else if (key == "--plugin-dir") {
      options.plugin_directory = value;
      have_dir = true;
    } else if (key == "--log-level") {
      options.log_level = parse_log_level(value);
      ok = options.log_level.has_value();
    } else {
      ok = false;
    }
  }
  if (!ok || !have_plugins || !have_dir) {
    std::fputs("bootfw-serve: started by bootfw, not by hand (run bootfw --help)\n", stderr);
    return 2;
  }
  options.builtins = cli::builtin_plugins();
  return cli::serve(options);
}
