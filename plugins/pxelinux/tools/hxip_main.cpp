// bootfw-hxip: `bootfw hxip 192.168.24.203` prints C0A818CB (the seed's hxip() shell function, and syslinux's
// `gethostip -x`); `--chain` prints pxelinux's whole config search list for a client, one name per line.
// Exit status: 0 on success, 2 on bad usage or input.
#include <boost/program_options.hpp>

#include <iostream>
#include <string>
#include <vector>

#include <bootfw/pxelinux_names/search_order.hpp>

namespace po = boost::program_options;
using namespace bootfw;

namespace {

int usage_error(const std::string& message) {
  std::cerr << "bootfw hxip: " << message << "\n(see bootfw hxip --help)\n";
  return 2;
}

std::optional<sdk::ipv4_address> address_or_complain(const std::string& text) {
  auto a = sdk::ipv4_address::parse(text);
  if (!a) std::cerr << "bootfw hxip: '" << text << "' is not an IPv4 address (expected a dotted quad like 192.168.24.203)\n";
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible(
      "Usage: bootfw hxip ADDRESS...\n"
      "       bootfw hxip --chain [--uuid UUID] [--mac MAC] [--ip ADDRESS] [--directory DIR]\n\n"
      "Prints an IPv4 address in pxelinux's upper-case hex (192.168.24.203 -> C0A818CB), or with --chain the\n"
      "config files pxelinux tries, in its order: UUID, 01-MAC, hex IP dropping one digit at a time, default.\n\n"
      "Options");
  visible.add_options()("help,h", "show this help")("chain", "print the whole search list")(
      "mac", po::value<std::string>(), "client MAC address (08:00:07:26:c0:a5)")(
      "ip", po::value<std::string>(), "client IPv4 address")("uuid", po::value<std::string>(),
                                                            "client UUID (DHCP option 97), 8-4-4-4-12 hex")(
      "directory", po::value<std::string>(), "prefix every name with DIR/ (e.g. pxelinux.cfg)");
  po::options_description all;
  all.add(visible).add_options()("address", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("address", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  std::vector<std::string> addresses;
  if (vm.count("address")) addresses = vm["address"].as<std::vector<std::string>>();

  if (!vm.count("chain")) {
    if (vm.count("mac") || vm.count("uuid") || vm.count("directory"))
      return usage_error("--mac, --uuid and --directory need --chain");
    if (vm.count("ip")) addresses.insert(addresses.begin(), vm["ip"].as<std::string>());
    if (addresses.empty()) return usage_error("no address given");
    std::vector<std::string> out;
    for (const auto& text : addresses) {
      auto a = address_or_complain(text);
      if (!a) return 2;
      out.push_back(pxelinux::hex_ip(*a));
    }
    for (const auto& line : out) std::cout << line << "\n";
    return 0;
  }

  pxelinux::client_identity client;
  if (vm.count("ip") && !addresses.empty()) return usage_error("give the address once (--ip or positional)");
  if (vm.count("ip")) addresses.push_back(vm["ip"].as<std::string>());
  if (addresses.size() > 1) return usage_error("--chain takes one client");
  if (!addresses.empty()) {
    client.address = address_or_complain(addresses.front());
    if (!client.address) return 2;
  }
  if (vm.count("mac")) {
    auto text = vm["mac"].as<std::string>();
    client.mac = sdk::mac_address::parse(text);
    if (!client.mac) return usage_error("'" + text + "' is not a MAC address (expected 08:00:07:26:c0:a5)");
  }
  if (vm.count("uuid")) {
    auto text = vm["uuid"].as<std::string>();
    client.uuid = pxelinux::parse_uuid(text);
    if (!client.uuid) return usage_error("'" + text + "' is not a UUID (expected b8945908-d6a6-41a9-611d-74a6ab80b83d)");
  }
  if (!client.address && !client.mac && !client.uuid) return usage_error("--chain needs --uuid, --mac or --ip");
  std::string prefix = vm.count("directory") ? vm["directory"].as<std::string>() : "";
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  for (const auto& name : pxelinux::search_order(client)) std::cout << prefix << name << "\n";
  return 0;
}
