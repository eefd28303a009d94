// The plugins.toml the process tests run the real bootfw with: this plugin on a loopback DHCP service in
// relay mode (replies go to the test's relay socket), optionally with the pxe-policy plugin, both reading
// dhcpd.conf next to it.
#pragma once

#include <cstdint>
#include <string>

#include "../../../tests/support/test_support.hpp"

namespace bootfw::plugin_isc_dhcp::test {

struct process_config {
  std::string state_directory;   ///< empty: <dir>/state
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;        ///< the server's DHCP port
  std::uint16_t relay_port = 0;  ///< where replies to a relay (giaddr) go: the test's socket
  std::string log_level = "error";
  int threads = 0;               ///< 0: bootfw's default
  bool pxe_policy = false;       ///< also load bootfw-pxe-policy.so
};

/// Writes <dir>/plugins.toml for `c` and returns its path.
inline std::string write_plugins_toml(const bootfw::test::temp_dir& dir, const process_config& c) {
  const std::string lib = BOOTFW_TEST_PLUGIN_DIR;
  std::string toml = "[server]\n";
  if (c.threads > 0) toml += "threads = " + std::to_string(c.threads) + "\n";
  toml += "log_level = \"" + c.log_level + "\"\n";
  toml += "state_directory = \"" + (c.state_directory.empty() ? dir.str() + "/state" : c.state_directory) + "\"\n";
  // client_port: an unused port, so no reply can reach a real DHCP client on this machine.
  toml += "[server.dhcp]\naddress = \"" + c.address + "\"\nport = " + std::to_string(c.port) +
          "\nclient_port = " + std::to_string(bootfw::test::udp_client().port()) +
          "\nrelay_port = " + std::to_string(c.relay_port) + "\n";
  toml += "\n[[plugin]]\nname = \"dhcp\"\nkind = \"dhcp-responder\"\nlibrary = \"" + lib +
          "/bootfw-isc-dhcp.so\"\n[plugin.config]\ndhcpd_conf = \"dhcpd.conf\"\n";
  if (c.pxe_policy)
    toml += "\n[[plugin]]\nname = \"pxe\"\nkind = \"boot-policy\"\nlibrary = \"" + lib +
            "/bootfw-pxe-policy.so\"\n[plugin.config]\ndhcpd_conf = \"dhcpd.conf\"\n";
  return dir.write("plugins.toml", toml);
}

}  // namespace bootfw::plugin_isc_dhcp::test
