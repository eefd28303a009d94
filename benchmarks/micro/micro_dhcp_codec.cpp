// DHCP wire codec (framework/src/dhcp/codec.hpp): decode of a relayed PXE DISCOVER, encode of a PXE OFFER.
#include <benchmark/benchmark.h>

#include "dhcp/codec.hpp"
#include "micro_pxe_request.hpp"

namespace {

using namespace bootfw;

sdk::dhcp_message pxe_offer() {
  auto m = micro::pxe_discover();
  m.op = 2;
  m.yiaddr = sdk::ipv4_address(10, 100, 0, 10);
  m.siaddr = sdk::ipv4_address(10, 99, 0, 1);
  m.file = "pxelinux.0";
  m.options.clear();
  m.options.set_u8(sdk::dhcp_option::message_type, 2);
  m.options.set_address(sdk::dhcp_option::server_identifier, sdk::ipv4_address(10, 99, 0, 1));
  m.options.set_u32(sdk::dhcp_option::lease_time, 43200);
  m.options.set_address(sdk::dhcp_option::subnet_mask, sdk::ipv4_address(255, 255, 0, 0));
  m.options.set_string(sdk::dhcp_option::vendor_class_identifier, "PXEClient");
  m.options.set(sdk::dhcp_option::vendor_specific, {1, 4, 0, 0, 0, 0, 255});
  return m;
}

void BM_dhcp_decode_pxe_discover(benchmark::State& state) {
  auto request = micro::pxe_discover();
  auto wire = dhcp::encode(request, dhcp::encode_limits{});
  for (auto _ : state) {
    auto r = dhcp::decode(wire);
    benchmark::DoNotOptimize(r);
    if (!r.message) state.SkipWithError("the codec refused its own DISCOVER");
  }
}
BENCHMARK(BM_dhcp_decode_pxe_discover);

void BM_dhcp_encode_pxe_offer(benchmark::State& state) {
  auto request = micro::pxe_discover();
  auto limits = dhcp::limits_for(request);
  auto reply = pxe_offer();
  for (auto _ : state) {
    auto wire = dhcp::encode(reply, limits);
    benchmark::DoNotOptimize(wire);
  }
}
BENCHMARK(BM_dhcp_encode_pxe_offer);

}  // namespace
