// bootfw-embed-example — a host program (think appliance firmware) that runs bootfw inside its own process.
//
// It owns the boost::asio::io_context, links libbootfw and the shipped plugins statically (plugins.toml
// names them `library = "builtin:<name>"`, no dlopen), does its own periodic work next to the DHCP/TFTP
// server (a heartbeat timer) and stops everything cleanly on SIGINT or SIGTERM.
//
//   bootfw-embed-example --plugins plugins.toml [--heartbeat-ms 1000]
#include <bootfw/sdk/embed.hpp>
#include <bootfw/sdk/static_plugins.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <future>
#include <string>
#include <string_view>
#include <thread>

namespace asio = boost::asio;

namespace {

/// The host's own work: a line every period, with a figure read from bootfw's metrics.
/// The handler may run on any thread that runs the io_context (bootfw's workers too), so it only calls
/// bootfw::server::metrics_text(), which takes no lock that stop() holds (the accessors plugin_names()
/// and dhcp_endpoint() do: calling them here would deadlock against a concurrent stop()).
class heartbeat {
 public:
  heartbeat(asio::io_context& io, const bootfw::server& srv, std::chrono::milliseconds period)
      : timer_(io), srv_(srv), period_(period) {}
  void start() { arm(); }
  /// cancel() alone is not enough: a wait that has just expired already has its handler queued, and that
  /// handler would arm the timer again. The flag ends the chain either way.
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void arm() {
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;  // cancelled at shutdown, or stopped just after the timer expired
      std::size_t samples = 0;
      std::istringstream metrics(srv_.metrics_text());
      for (std::string line; std::getline(metrics, line);) samples += !line.empty() && line[0] != '#';
      std::printf("heartbeat %llu: bootfw exports %zu metric samples\n", ++beats_, samples);
      std::fflush(stdout);
      arm();
    });
  }
  asio::steady_timer timer_;
  const bootfw::server& srv_;
  std::chrono::milliseconds period_;
  unsigned long long beats_ = 0;
  std::atomic<bool> stopped_{false};
};

int usage() {
  std::fprintf(stderr, "usage: bootfw-embed-example --plugins plugins.toml [--heartbeat-ms N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugins_file;
  long heartbeat_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--plugins" && i + 1 < argc)
      plugins_file = argv[++i];
    else if (a == "--heartbeat-ms" && i + 1 < argc)
      heartbeat_ms = std::strtol(argv[++i], nullptr, 10);
    else
      return usage();
  }
  if (plugins_file.empty() || heartbeat_ms <= 0) return usage();

  asio::io_context io;  // the host's loop; bootfw adds its worker threads to it while it runs

  bootfw::server_options options;
  options.plugins_file = plugins_file;
  options.builtins = bootfw::sdk::shipped_static_plugins();  // resolves library = "builtin:<name>"
  bootfw::server srv(io, options);
  try {
    srv.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bootfw-embed-example: bootfw did not start: %s\n", e.what());
    return 1;
  }

  heartbeat beat(io, srv, std::chrono::milliseconds(heartbeat_ms));
  beat.start();

  // Shutdown. bootfw's worker threads run this io_context too, so any handler — the signal handler
  // included — may run on one of them, and server::stop() joins those threads: it must be called from a
  // thread bootfw does not own. The signal handler only hands the request to a control thread, which
  // stops bootfw, then cancels the heartbeat on the loop (by then only this main thread runs it), after
  // which nothing keeps io.run() going.
  std::promise<int> stop_requested;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (!ec) stop_requested.set_value(signo);
  });
  std::thread control([&, requested = stop_requested.get_future()]() mutable {
    int signo = requested.get();
    std::printf("signal %d: stopping bootfw\n", signo);
    std::fflush(stdout);
    srv.stop();
    asio::post(io, [&] { beat.stop(); });
  });

  // Read once, here on the main thread, before anything can stop the server.
  auto names = srv.plugin_names();
  auto dhcp = srv.dhcp_endpoint();
  std::printf("host running: bootfw serves %zu plugin(s) of %zu built in, DHCP %s\n", names.size(),
              options.builtins.size(), dhcp ? dhcp->to_string().c_str() : "off");
  std::fflush(stdout);
  io.run();
  control.join();
  std::printf("stopped cleanly\n");
  return 0;
}
