// Which event loop a plugin instance lives on (runtime_context::context_for): a DHCP exchange goes from the
// DHCP service on the framework loop to the responders and from there to the boot-policies, so those share
// that loop; the other kinds go to the plugin loops, round robin, and leave the framework loop to DHCP.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "interfaces.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "runtime.hpp"

namespace bootfw {
namespace {

struct placement : ::testing::Test {
  boost::asio::io_context io, loop_a, loop_b;
  boost::asio::thread_pool blocking{1};
  log_sink sink{log_level::error};
  metrics_store metrics;
  interface_table interfaces;
  runtime_context ctx{io, blocking, sink, metrics, interfaces};
};

TEST_F(placement, dhcp_path_kinds_share_the_framework_loop_and_the_rest_spread_over_plugin_loops) {
  ctx.plugin_io = {&loop_a, &loop_b};
  EXPECT_EQ(&ctx.context_for(sdk::plugin_kind::dhcp_responder), &io);
  EXPECT_EQ(&ctx.context_for(sdk::plugin_kind::boot_policy), &io);
  // Placing DHCP-path instances does not take a turn of the round robin.
  EXPECT_EQ(&ctx.context_for(sdk::plugin_kind::tftp_transport), &loop_a);
  EXPECT_EQ(&ctx.context_for(sdk::plugin_kind::dhcp_responder), &io);
  EXPECT_EQ(&ctx.context_for(sdk::plugin_kind::config_resolver), &loop_b);
  EXPECT_EQ(&ctx.context_for(sdk::plugin_kind::artifact_provider), &loop_a);
}

TEST_F(placement, without_plugin_loops_everything_runs_on_the_framework_loop) {
  for (auto k : {sdk::plugin_kind::dhcp_responder, sdk::plugin_kind::boot_policy, sdk::plugin_kind::tftp_transport,
                 sdk::plugin_kind::config_resolver, sdk::plugin_kind::artifact_provider})
    EXPECT_EQ(&ctx.context_for(k), &io);
}

}  // namespace
}  // namespace bootfw
