// Plugin call overhead: boot_policy::decide() on the fixture policy loaded through the real loader
// (Boost.DLL, RTLD_NOW | RTLD_LOCAL), against the same call on a class compiled into this program.
// The difference is what the plugin boundary costs per call (goal: under 20 ns).
#include <benchmark/benchmark.h>

#include <bootfw/sdk/testing.hpp>

#include "loader.hpp"
#include "micro_pxe_request.hpp"

namespace {

using namespace bootfw;

/// The fixture policy's logic, compiled in (the baseline: a direct virtual call).
class local_policy final : public sdk::boot_policy {
 public:
  void configure(sdk::host&, const sdk::config_view&) override {}
  sdk::verdict decide(const sdk::client_facts& f, sdk::boot_decision& d) override {
    if (!f.is_pxe_client()) return sdk::verdict::pass;
    d.filename = "pxelinux.0";
    d.next_server = sdk::ipv4_address(10, 0, 0, 1);
    d.reason = "fixture policy";
    return sdk::verdict::answer;
  }
};

void run_decide(benchmark::State& state, sdk::boot_policy& policy) {
  auto facts = micro::pxe_facts();
  sdk::boot_decision d;
  for (auto _ : state) {
    auto v = policy.decide(facts, d);
    benchmark::DoNotOptimize(v);
    benchmark::DoNotOptimize(d);
  }
}

void BM_plugin_call_direct_virtual(benchmark::State& state) {
  local_policy p;
  sdk::boot_policy* base = &p;
  benchmark::DoNotOptimize(base);
  run_decide(state, *base);
}
BENCHMARK(BM_plugin_call_direct_virtual);

void BM_plugin_call_through_loader(benchmark::State& state) {
  std::shared_ptr<sdk::plugin> instance;
  try {
    auto lib = load_plugin_library(std::string(BOOTFW_FIXTURE_DIR) + "/fixture_policy.so",
                                   sdk::plugin_kind::boot_policy, {});
    instance = create_instance(lib);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  sdk::testing::fake_host host;
  auto config = sdk::testing::config_node::table({{"filename", "pxelinux.0"}, {"next_server", "10.0.0.1"}});
  instance->configure(host, config);
  auto* policy = dynamic_cast<sdk::boot_policy*>(instance.get());
  if (!policy) return state.SkipWithError("fixture_policy is not a boot_policy");
  run_decide(state, *policy);
}
BENCHMARK(BM_plugin_call_through_loader);

}  // namespace
