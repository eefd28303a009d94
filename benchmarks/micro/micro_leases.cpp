// Lease store (plugins/support/leases) in a 65 536-address pool: allocation of the next free address and
// commit of its lease, lookup by MAC and by address in a full table, and journal append + group commit
// (64 leases per flush, fdatasync on the real disk: BOOTFW_BENCH_STATE_DIR, default /var/tmp).
#include <benchmark/benchmark.h>

#include <bootfw/leases/address_pool.hpp>
#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/testing.hpp>

#include <cstdlib>
#include <filesystem>

#include "micro_pxe_request.hpp"

namespace {

using namespace bootfw;
namespace fs = std::filesystem;

constexpr std::uint32_t pool_first = (10u << 24) | (100u << 16);  // 10.100.0.0
constexpr std::uint32_t pool_size = 65536;

/// A fresh state directory on the real disk, removed afterwards.
struct state_dir {
  fs::path path;
  state_dir() {
    const char* base = std::getenv("BOOTFW_BENCH_STATE_DIR");
    path = fs::path(base ? base : "/var/tmp") / ("bootfw-micro-leases-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~state_dir() { fs::remove_all(path); }
  leases::store_options options() const {
    leases::store_options o;
    o.directory = path.string();
    // As the isc-dhcp responder does: its pools are the store's dense ranges (leases by pool offset).
    o.dense_ranges.emplace_back(sdk::ipv4_address(pool_first), sdk::ipv4_address(pool_first + pool_size - 1));
    return o;
  }
};

leases::lease make_lease(std::uint32_t i, sdk::ipv4_address a) {
  leases::lease l;
  l.address = a;
  l.mac = micro::pxe_facts(i).mac;
  l.starts = 1'700'000'000;
  l.ends = l.starts + 43200;
  return l;
}

/// Fills the pool with one lease per address (the steady state of a full /16).
void fill(sdk::testing::fake_host& host, leases::lease_store& store, leases::address_pool& pool) {
  for (std::uint32_t i = 0; i < pool_size; ++i) {
    auto a = pool.next_free([&](sdk::ipv4_address x) { return !store.find(x); });
    if (!a) break;
    pool.mark_busy(*a);
    store.commit(make_lease(i, *a), [](std::error_code) {});
    if (i % 4096 == 0) host.run_pending();
  }
  host.run_pending();
}

void BM_lease_allocate_and_commit(benchmark::State& state) {
  state_dir dir;
  sdk::testing::fake_host host;
  leases::lease_store store(host, dir.options());
  leases::address_pool pool(sdk::ipv4_address(pool_first), sdk::ipv4_address(pool_first + pool_size - 1));
  std::uint32_t i = 0;
  for (auto _ : state) {
    auto a = pool.next_free([&](sdk::ipv4_address x) { return !store.find(x); });
    if (!a) {  // the pool is full: start again with an empty store (not timed)
      state.PauseTiming();
      state.SkipWithError("pool exhausted; lower the iteration count");
      break;
    }
    pool.mark_busy(*a);
    store.commit(make_lease(i++, *a), [](std::error_code) {});
    if (i % 64 == 0) host.run_pending();  // group commit: one flush for what queued meanwhile
  }
  host.run_pending();
  state.counters["index_bytes_per_lease"] = double(store.stats().memory_bytes) / std::max(1u, i);
}
BENCHMARK(BM_lease_allocate_and_commit)->Iterations(60000);

void BM_lease_lookup_full_pool(benchmark::State& state) {
  state_dir dir;
  sdk::testing::fake_host host;
  leases::lease_store store(host, dir.options());
  leases::address_pool pool(sdk::ipv4_address(pool_first), sdk::ipv4_address(pool_first + pool_size - 1));
  fill(host, store, pool);
  std::uint32_t i = 0;
  for (auto _ : state) {
    auto by_mac = store.find_client(micro::pxe_facts(i % pool_size).mac, {});
    auto by_addr = store.find(sdk::ipv4_address(pool_first + (i * 7919) % pool_size));
    benchmark::DoNotOptimize(by_mac);
    benchmark::DoNotOptimize(by_addr);
    ++i;
  }
  auto s = store.stats();
  state.counters["leases"] = double(s.leases);
  state.counters["index_bytes_per_lease"] = double(s.memory_bytes) / double(std::max<std::uint64_t>(1, s.leases));
  state.counters["pool_bitmap_bytes"] = double(pool.memory_bytes());
}
BENCHMARK(BM_lease_lookup_full_pool);

void BM_journal_group_commit_64(benchmark::State& state) {
  state_dir dir;
  sdk::testing::fake_host host;
  leases::lease_store store(host, dir.options());
  std::uint32_t i = 0;
  for (auto _ : state) {
    for (int k = 0; k < 64; ++k, ++i)
      store.commit(make_lease(i, sdk::ipv4_address(pool_first + i % pool_size)), [](std::error_code) {});
    host.run_pending();
  }
  state.SetItemsProcessed(std::int64_t(i));
  state.counters["flushes"] = double(store.stats().flushes);
}
BENCHMARK(BM_journal_group_commit_64)->UseRealTime();

}  // namespace
