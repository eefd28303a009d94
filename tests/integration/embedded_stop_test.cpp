// A host program that shares its io_context with bootfw: its handlers may run on bootfw's workers, ask the
// server about itself while it stops, and even stop it from there. None of that may deadlock or terminate.
#include <bootfw/sdk/embed.hpp>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "../support/test_support.hpp"

using namespace bootfw;
using bootfw::test::fixture;
using bootfw::test::temp_dir;
namespace asio = boost::asio;

namespace {

std::string policy_toml(const temp_dir& dir) {
  return fmt::format("[server]\nthreads = 2\nlog_level = \"warn\"\nstate_directory = \"{}\"\n"
                     "[server.ipv6_ra]\nenabled = false\n"
                     "[[plugin]]\nname = \"p\"\nkind = \"boot-policy\"\nlibrary = \"{}\"\n",
                     dir.str() + "/state", fixture("fixture_policy"));
}

server_options options_for(const std::string& file) {
  server_options o;
  o.plugins_file = file;
  return o;
}

// A deadlock shows as this never becoming ready; the bound is generous and only there to fail, not to time.
bool finishes(std::future<void>& f) { return f.wait_for(std::chrono::seconds(60)) == std::future_status::ready; }

}  // namespace

TEST(embedded_server, host_handlers_may_query_the_server_while_it_stops) {
  temp_dir dir;
  asio::io_context io;
  server srv(io, options_for(dir.write("plugins.toml", policy_toml(dir))));
  srv.start();
  std::atomic<bool> keep_going{true};
  std::atomic<int> queries{0};
  std::function<void()> poll = [&] {
    (void)srv.plugin_names();
    (void)srv.dhcp_endpoint();
    ++queries;
    if (keep_going) asio::post(io, poll);
  };
  asio::post(io, poll);
  while (queries < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto stopped = std::async(std::launch::async, [&] { srv.stop(); });
  ASSERT_TRUE(finishes(stopped)) << "stop() deadlocked against a host handler calling the server";
  keep_going = false;
  io.run_for(std::chrono::milliseconds(50));  // drain the host's last handler on this thread
  EXPECT_TRUE(srv.plugin_names().empty());
}

TEST(embedded_server, stop_may_be_called_from_a_handler_on_a_bootfw_worker) {
  temp_dir dir;
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  server srv(io, options_for(dir.write("plugins.toml", policy_toml(dir))));
  srv.start();
  std::promise<void> done;
  auto stopped = done.get_future();
  // Only bootfw's threads run `io`, so this handler runs on one of its workers.
  asio::post(io, [&] {
    srv.stop();
    done.set_value();
  });
  ASSERT_TRUE(finishes(stopped));
  EXPECT_TRUE(srv.plugin_names().empty());
  srv.stop();  // idempotent
}
