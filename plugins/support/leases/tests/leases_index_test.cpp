// The in-memory lease table: pool-offset records, addresses outside the ranges, side maps, memory.
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "lease_index.hpp"
#include "leases_test_support.hpp"

namespace bootfw::leases {
namespace {

using test::make_lease;
using range = lease_index::range;

const range pool{sdk::ipv4_address(0x0a000000u), sdk::ipv4_address(0x0a00ffffu)};  // 10.0.0.0 – 10.0.255.255

TEST(lease_index, dense_and_other_addresses_round_trip_exactly) {
  const range ranges[] = {pool};
  lease_index ix(ranges);
  lease in_pool = make_lease(5);
  lease outside = make_lease(5);
  outside.address = sdk::ipv4_address(192, 168, 1, 7);
  outside.mac = test::mac_n(99);
  outside.client_id = {1, 2, 3};
  ix.put(in_pool);
  ix.put(outside);
  EXPECT_EQ(ix.size(), 2u);
  EXPECT_EQ(ix.find(in_pool.address), in_pool);
  EXPECT_EQ(ix.find(outside.address), outside);
  EXPECT_FALSE(ix.find(make_lease(6).address));               // same block, never leased
  EXPECT_FALSE(ix.find(sdk::ipv4_address(192, 168, 1, 8)));   // outside, never leased
  EXPECT_EQ(ix.find_client(test::mac_n(5), {}), in_pool);
  const std::uint8_t cid[] = {1, 2, 3};
  EXPECT_EQ(ix.find_client(test::mac_n(1234), cid), outside);
}

TEST(lease_index, times_beyond_32_bits_are_kept_whole) {
  const range ranges[] = {pool};
  lease_index ix(ranges);
  lease far = make_lease(1, 4'000'000'000'000);
  lease negative = make_lease(2);
  negative.starts = -5;
  lease backwards = make_lease(3, 10);  // ends before starts: stored as given
  for (const auto& l : {far, negative, backwards}) ix.put(l);
  EXPECT_EQ(ix.find(far.address), far);
  EXPECT_EQ(ix.find(negative.address), negative);
  EXPECT_EQ(ix.find(backwards.address), backwards);
  far.ends = far.starts + 60;  // back to 32 bits
  ix.put(far);
  EXPECT_EQ(ix.find(far.address), far);
}

TEST(lease_index, replacing_a_lease_moves_its_mac_and_client_id) {
  const range ranges[] = {pool};
  lease_index ix(ranges);
  lease l = make_lease(7);
  l.client_id = {9, 9, 9, 9};
  ix.put(l);
  l.mac = test::mac_n(8);
  l.client_id = {9};
  ix.put(l);
  const std::uint8_t old_cid[] = {9, 9, 9, 9}, new_cid[] = {9};
  EXPECT_FALSE(ix.find_client(test::mac_n(7), old_cid));
  EXPECT_EQ(ix.find_client(test::mac_n(7), new_cid), l);
  l.client_id.clear();
  ix.put(l);
  EXPECT_EQ(ix.find_client(test::mac_n(8), {}), l);
  EXPECT_FALSE(ix.find_client(test::mac_n(8), new_cid));
  EXPECT_EQ(ix.size(), 1u);
}

TEST(lease_index, overlapping_ranges_are_merged_and_every_lease_is_visited_once) {
  const range ranges[] = {{sdk::ipv4_address(0x0a000100u), sdk::ipv4_address(0x0a0001ffu)},
                          {sdk::ipv4_address(0x0a000000u), sdk::ipv4_address(0x0a000180u)},
                          {sdk::ipv4_address(0x0a000300u), sdk::ipv4_address(0x0a0002ffu)}};  // empty range
  lease_index ix(ranges);
  std::set<std::uint32_t> put;
  for (std::uint32_t n = 0; n < 0x400; n += 3) {
    ix.put(make_lease(n));
    put.insert(0x0a000000u + n);
  }
  std::set<std::uint32_t> seen;
  ix.for_each([&](const lease& l) { EXPECT_TRUE(seen.insert(l.address.to_uint()).second); });
  EXPECT_EQ(seen, put);
  EXPECT_EQ(ix.size(), put.size());
  for (auto a : put) EXPECT_EQ(ix.find(sdk::ipv4_address(a))->address.to_uint(), a);
}

TEST(lease_index, a_full_65536_pool_costs_about_24_bytes_a_lease) {
  const range ranges[] = {pool};
  lease_index ix(ranges);
  const std::uint32_t n = 65536;
  for (std::uint32_t i = 0; i < n; ++i) ix.put(make_lease(i));
  ASSERT_EQ(ix.size(), n);
  // 16 bytes of record plus the MAC index (4-byte slots at load 0.6–0.8).
  EXPECT_LE(ix.memory_bytes(), n * 16u + (1u << 20) + 4096) << ix.memory_bytes();
  EXPECT_EQ(ix.find(make_lease(n - 1).address), make_lease(n - 1));
  EXPECT_EQ(ix.find_client(test::mac_n(12345), {}), make_lease(12345));
  RecordProperty("bytes_per_lease", std::to_string(ix.memory_bytes() / n));
}

TEST(lease_index, without_ranges_every_address_still_works) {
  lease_index ix;
  for (std::uint32_t i = 0; i < 5000; ++i) ix.put(make_lease(i * 977));
  EXPECT_EQ(ix.size(), 5000u);
  for (std::uint32_t i = 0; i < 5000; i += 7) EXPECT_EQ(ix.find(make_lease(i * 977).address), make_lease(i * 977));
  EXPECT_FALSE(ix.find(make_lease(1).address));
}

}  // namespace
}  // namespace bootfw::leases
