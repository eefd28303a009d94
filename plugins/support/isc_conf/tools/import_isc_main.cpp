// bootfw-import-isc: prints the native bootfw TOML equivalent of an ISC dhcpd.conf (the subset bootfw
// reads). Run as `bootfw import-isc dhcpd.conf` (the CLI execs this helper) or directly.
// Exit status: 0 printed, 1 the file does not parse (message "file:line: …" on stderr), 2 usage.
#include <cstring>
#include <iostream>
#include <string>

#include <bootfw/isc_conf/isc_conf.hpp>

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::cout << "usage: bootfw import-isc DHCPD_CONF\n"
                 "Prints the equivalent native bootfw TOML on standard output; warnings go to standard error.\n";
    return 0;
  }
  if (argc != 2) {
    std::cerr << "usage: bootfw import-isc DHCPD_CONF\n";
    return 2;
  }
  // "--bogus" is a mistyped option, not a file name ("./-x" names such a file), as with the other commands.
  std::string path = argv[1];
  if (path.size() > 1 && path.front() == '-') {
    std::cerr << "bootfw import-isc: unknown option '" << path << "' (a file named so: ./" << path << ")\n"
              << "usage: bootfw import-isc DHCPD_CONF\n";
    return 2;
  }
  try {
    auto model = bootfw::isc_conf::parse_file(path);
    for (const auto& w : model.warnings) std::cerr << "warning: " << w.where.to_string() << ": " << w.message << "\n";
    std::cout << bootfw::isc_conf::to_toml(model);
    return std::cout.good() ? 0 : 1;
  } catch (const bootfw::isc_conf::parse_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
