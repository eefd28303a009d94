// pxelinux resolution (plugins/pxelinux): the configuration search order pxelinux walks for one client
// (UUID, 01-MAC, hex IP dropping a digit, default), computed per request by the server-side resolver.
#include <benchmark/benchmark.h>

#include "micro_pxe_request.hpp"
#include <bootfw/pxelinux_names/search_order.hpp>

namespace {

using namespace bootfw;

void BM_pxelinux_search_order(benchmark::State& state) {
  auto facts = micro::pxe_facts(0x01020304);
  pxelinux::client_identity id;
  id.uuid = pxelinux::uuid_from_option(facts.uuid);
  id.mac = facts.mac;
  id.address = sdk::ipv4_address(10, 100, 3, 4);
  for (auto _ : state) {
    auto names = pxelinux::search_order(id);
    benchmark::DoNotOptimize(names);
  }
}
BENCHMARK(BM_pxelinux_search_order);

void BM_pxelinux_classify_request(benchmark::State& state) {
  for (auto _ : state) {
    auto f = pxelinux::classify_name("0A640304");
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_pxelinux_classify_request);

}  // namespace
