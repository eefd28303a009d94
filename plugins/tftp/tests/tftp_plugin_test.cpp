// The plugin as bootfw drives it: configure (keys, defaults, errors), start (listening socket), a transfer
// through the listening socket, stop.
#include <gtest/gtest.h>

#include "tftp_plugin.hpp"
#include "tftp_test_support.hpp"

using namespace bootfw::plugin_tftp;
using namespace bootfw::plugin_tftp::testing;
using namespace std::chrono_literals;
using bootfw::sdk::config_error;
using bootfw::sdk::testing::config_node;

namespace {

TEST(tftp_plugin, defaults) {
  bootfw::sdk::testing::fake_host host;
  tftp_transport_plugin p;
  p.configure(host, config_node::table({}));
  const auto& s = p.settings();
  EXPECT_EQ(s.address.to_string(), "0.0.0.0");
  EXPECT_EQ(s.port, 69);
  EXPECT_EQ(s.interface, "");
  EXPECT_EQ(s.timeout, 1000ms);
  EXPECT_EQ(s.retries, 5u);
  EXPECT_EQ(s.max_blksize, 0u);
  EXPECT_EQ(s.max_windowsize, 64u);
  EXPECT_EQ(s.max_window_bytes, 4u << 20);
  EXPECT_EQ(s.max_sessions, 4096u);
  EXPECT_EQ(s.max_sessions_per_client, 11u);
  EXPECT_EQ(s.max_new_sessions_per_second, 100u);
  EXPECT_EQ(s.pause, 2s);
}

TEST(tftp_plugin, all_keys) {
  bootfw::sdk::testing::fake_host host;
  tftp_transport_plugin p;
  p.configure(host, config_node::table({{"address", "127.0.0.1"}, {"port", 6969}, {"interface", "br0"},
                                        {"timeout_ms", 250}, {"retries", 3}, {"max_blksize", 1432},
                                        {"max_windowsize", 16}, {"max_window_bytes", 1 << 20},
                                        {"max_sessions", 100}, {"max_sessions_per_client", 4},
                                        {"max_new_sessions_per_second", 0}, {"pause_seconds", 5}}));
  const auto& s = p.settings();
  EXPECT_EQ(s.address.to_string(), "127.0.0.1");
  EXPECT_EQ(s.port, 6969);
  EXPECT_EQ(s.interface, "br0");
  EXPECT_EQ(s.timeout, 250ms);
  EXPECT_EQ(s.max_blksize, 1432u);
  EXPECT_EQ(s.max_windowsize, 16u);
  EXPECT_EQ(s.max_new_sessions_per_second, 0u);
  EXPECT_EQ(s.pause, 5s);
}

TEST(tftp_plugin, bad_configuration_is_refused_and_changes_nothing) {
  bootfw::sdk::testing::fake_host host;
  tftp_transport_plugin p;
  p.configure(host, config_node::table({{"port", 6969}}));
  auto refused = [&](config_node cfg, std::string_view needle) {
    try {
      p.configure(host, cfg);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  refused(config_node::table({{"root", "/srv/tftp"}}), "unknown key 'root'");
  refused(config_node::table({{"address", "0.0.0.0.0"}}), "not an IPv4 address");
  refused(config_node::table({{"port", 0}}), "out of range");
  refused(config_node::table({{"port", "69"}}), "expected an integer");
  refused(config_node::table({{"max_blksize", 7}}), "max_blksize");
  refused(config_node::table({{"max_blksize", 65465}}), "out of range");
  refused(config_node::table({{"max_windowsize", 0}}), "out of range");
  refused(config_node::table({{"timeout_ms", 0}}), "out of range");
  refused(config_node::table({{"upload_directory", "/srv/up"}}), "uploads are not supported");
  EXPECT_EQ(p.settings().port, 6969);
}

TEST(tftp_plugin, start_listens_serves_and_stop_closes_everything) {
  bootfw::sdk::testing::fake_host host;
  host.on_resolve = [](const bootfw::sdk::resolve_request& r) {
    bootfw::sdk::resolve_outcome o;
    o.opened = std::make_shared<memory_artifact>("hello\n");
    o.resolved_path = std::string(r.path);
    return o;
  };
  fake_network net;
  tftp_transport_plugin p;
  p.set_socket_opener(net.opener());
  p.configure(host, config_node::table({{"address", "127.0.0.1"}, {"port", 6969}, {"interface", "lo"}}));
  p.start();
  ASSERT_EQ(net.sockets.size(), 1u);
  auto listener = net.sockets[0];
  EXPECT_EQ(listener->options.bind.to_string(), "127.0.0.1:6969");
  EXPECT_EQ(listener->options.interface, "lo");
  EXPECT_FALSE(listener->options.reuse_address);  // a second server on the port must fail, not share it
  EXPECT_TRUE(host.logged("serving TFTP on 127.0.0.1:6969"));

  ASSERT_TRUE(listener->deliver(build_request(opcode::rrq, "motd", "netascii"), client_a));
  ASSERT_EQ(net.sockets.size(), 2u);
  auto transfer = net.sockets[1];
  EXPECT_EQ(transfer->options.bind.port, 0);
  auto data = transfer->take();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].payload(), "hello\r\n");
  transfer->deliver(build_ack(1), client_a);
  EXPECT_EQ(host.counter_value("tftp_transfers_total"), 1u);

  ASSERT_TRUE(listener->deliver(build_request(opcode::rrq, "motd", "octet"), {client_a.address, 3000}));
  p.stop();
  EXPECT_TRUE(listener->destroyed);
  EXPECT_EQ(net.live(), 0u);
  host.advance(10s);
}

TEST(tftp_plugin, start_fails_clearly_when_the_port_cannot_be_opened) {
  bootfw::sdk::testing::fake_host host;
  tftp_transport_plugin p;  // no opener override: fake_host.open_udp always fails
  p.configure(host, config_node::table({{"port", 6969}}));
  try {
    p.start();
    ADD_FAILURE() << "start() succeeded without a socket";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 0.0.0.0:6969"), std::string::npos) << e.what();
  }
  p.stop();
}

}  // namespace
