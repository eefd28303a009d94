// dhcpd.conf class-expression match and scope resolution (plugins/support/isc_conf): the seed's `match if substring(option
// vendor-class-identifier, 0, 9) = "PXEClient"` class, a relay subnet and a 65 536-address pool.
#include <benchmark/benchmark.h>

#include <bootfw/isc_conf/isc_conf.hpp>

#include "micro_pxe_request.hpp"

namespace {

using namespace bootfw;

constexpr const char* config_text = R"(
ddns-update-style none;
option space PXE;
option PXE.mtftp-ip code 1 = ip-address;
class "pxeclients" {
  match if substring (option vendor-class-identifier, 0, 9) = "PXEClient";
  option vendor-class-identifier "PXEClient";
  vendor-option-space PXE;
  option PXE.mtftp-ip 0.0.0.0;
  filename "pxelinux.0";
  next-server 10.99.0.1;
}
class "ipxe" {
  match if exists user-class and option user-class = "iPXE";
  filename "boot.ipxe";
}
subnet 10.99.0.0 netmask 255.255.255.0 {
}
subnet 10.100.0.0 netmask 255.255.0.0 {
  pool {
    range 10.100.0.1 10.100.255.254;
    allow unknown clients;
  }
}
)";

void BM_isc_class_expression_match(benchmark::State& state) {
  auto model = isc_conf::parse_text(config_text);
  auto facts = micro::pxe_facts();
  auto request = isc_conf::options_from_facts(facts);
  const auto& cls = model.classes.front();
  for (auto _ : state) {
    auto v = isc_conf::evaluate_boolean(*cls.match, facts, request);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_isc_class_expression_match);

void BM_isc_match_client(benchmark::State& state) {
  auto model = isc_conf::parse_text(config_text);
  auto facts = micro::pxe_facts();
  auto request = isc_conf::options_from_facts(facts);
  for (auto _ : state) {
    auto m = isc_conf::match_client(model, facts, request);
    benchmark::DoNotOptimize(m);
    if (m.classes.size() != 1) state.SkipWithError("the PXE client did not match exactly its class");
  }
}
BENCHMARK(BM_isc_match_client);

// ISC's scope precedence for one client (class, pool, subnet, global): the lease times, boot fields and
// the option set, opt 43 encapsulated from the class's vendor-option-space. The responder and the boot
// policy resolve 4-5 times per DORA exchange.
void BM_isc_resolve(benchmark::State& state) {
  auto model = isc_conf::parse_text(config_text);
  auto facts = micro::pxe_facts();
  auto request = isc_conf::options_from_facts(facts);
  auto m = isc_conf::match_client(model, facts, request);
  const auto* pool = m.permitted_pools.empty() ? nullptr : m.permitted_pools.front();
  for (auto _ : state) {
    auto r = isc_conf::resolve(m, pool);
    benchmark::DoNotOptimize(r);
    if (!r.options.contains(43) || !r.filename) state.SkipWithError("resolve lost opt 43 or the filename");
  }
}
BENCHMARK(BM_isc_resolve);

}  // namespace
