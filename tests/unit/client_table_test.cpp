// The client table behind the boot sessions: ring-order eviction, address moves, exact records, memory.
#include <gtest/gtest.h>

#include "client_table.hpp"

using namespace bootfw;

namespace {

sdk::mac_address mac_n(std::uint32_t i) {
  return sdk::mac_address({2, 0, std::uint8_t(i >> 24), std::uint8_t(i >> 16), std::uint8_t(i >> 8), std::uint8_t(i)});
}
sdk::client_record record_n(std::uint32_t i) {
  sdk::client_record r;
  r.mac = mac_n(i);
  r.address = sdk::ipv4_address(0x0a000000u + i);
  r.netmask = sdk::ipv4_address(255, 255, 0, 0);
  r.router = sdk::ipv4_address(10, 0, 0, 1);
  r.server = sdk::ipv4_address(10, 99, 0, 1);
  r.uuid.assign(17, std::uint8_t(i));
  r.architectures = {7};
  r.acked_at = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1'700'000'000'123'456'789));
  r.lease_seconds = 43200;
  return r;
}
void expect_same(const sdk::client_record& a, const sdk::client_record& b) {
  EXPECT_EQ(a.mac, b.mac);
  EXPECT_EQ(a.hardware_type, b.hardware_type);
  EXPECT_EQ(a.address, b.address);
  EXPECT_EQ(a.netmask, b.netmask);
  EXPECT_EQ(a.router, b.router);
  EXPECT_EQ(a.server, b.server);
  EXPECT_EQ(a.host_name, b.host_name);
  EXPECT_EQ(a.uuid, b.uuid);
  EXPECT_EQ(a.architectures, b.architectures);
  EXPECT_EQ(a.acked_at, b.acked_at);
  EXPECT_EQ(a.lease_seconds, b.lease_seconds);
}
const auto t0 = std::chrono::steady_clock::time_point(std::chrono::seconds(100));

}  // namespace

TEST(client_table, records_come_back_exactly_including_what_does_not_fit_inline) {
  client_table t(16);
  auto plain = record_n(1);
  auto odd = record_n(2);
  odd.host_name = "rambox01";
  odd.hardware_type = 6;                  // IEEE 802 (token ring): pxelinux names it 06-<mac>
  odd.uuid.assign(40, 0xab);              // longer than opt 97's usual 17 bytes
  odd.architectures = {0, 7, 9, 11};      // more than two
  auto s1 = t.start(plain.mac, t0), s2 = t.start(odd.mac, t0);
  t.bind(s1, plain);
  t.bind(s2, odd);
  expect_same(*t.record(plain.address), plain);
  expect_same(*t.record(odd.address), odd);
  odd.host_name.clear();  // back to inline only
  odd.uuid.clear();
  odd.architectures.clear();
  t.bind(s2, odd);
  expect_same(*t.record(odd.address), odd);
  EXPECT_FALSE(t.record(sdk::ipv4_address(10, 0, 0, 3)));
}

TEST(client_table, the_oldest_session_is_forgotten_first_with_its_address) {
  client_table t(4);
  for (std::uint32_t i = 0; i < 4; ++i) t.bind(t.start(mac_n(i), t0), record_n(i));
  t.count_transfer_request(t.find(mac_n(1)));
  t.start(mac_n(1), t0 + std::chrono::seconds(1));  // restart in place: stays second oldest
  EXPECT_EQ(t.transfer_requests(t.find(mac_n(1))), 0u);
  t.start(mac_n(10), t0);  // full: evicts 0
  EXPECT_EQ(t.find(mac_n(0)), client_table::none);
  EXPECT_FALSE(t.record(record_n(0).address));
  t.start(mac_n(11), t0);  // evicts 1
  EXPECT_EQ(t.find(mac_n(1)), client_table::none);
  for (std::uint32_t i : {2u, 3u}) {
    ASSERT_NE(t.find(mac_n(i)), client_table::none);
    EXPECT_EQ(t.record(record_n(i).address)->mac, mac_n(i));
  }
  EXPECT_EQ(t.size(), 4u);
}

TEST(client_table, an_address_moving_to_another_client_leaves_the_first_without_one) {
  client_table t(8);
  auto a = t.start(mac_n(1), t0), b = t.start(mac_n(2), t0);
  t.bind(a, record_n(1));
  auto moved = record_n(1);
  moved.mac = mac_n(2);
  t.bind(b, moved);
  EXPECT_EQ(t.find_address(moved.address), b);
  EXPECT_EQ(t.record(moved.address)->mac, mac_n(2));
  t.bind(a, record_n(3));  // the first client gets a new address; the moved one is untouched
  EXPECT_EQ(t.find_address(moved.address), b);
  EXPECT_EQ(t.find_address(record_n(3).address), a);
  t.bind(b, record_n(4));  // and a client's previous address is forgotten
  EXPECT_EQ(t.find_address(moved.address), client_table::none);
}

TEST(client_table, every_remembered_client_stays_findable_through_many_evictions) {
  const std::size_t cap = 1000;
  client_table t(cap);
  const std::uint32_t n = 20'000;
  for (std::uint32_t i = 0; i < n; ++i) t.bind(t.start(mac_n(i * 7919), t0), record_n(i * 7919));
  EXPECT_EQ(t.size(), cap);
  for (std::uint32_t i = 0; i < n; ++i) {
    const bool kept = i >= n - cap;
    EXPECT_EQ(t.find(mac_n(i * 7919)) != client_table::none, kept) << i;
    EXPECT_EQ(t.record(record_n(i * 7919).address).has_value(), kept) << i;
  }
}

TEST(client_table, a_full_8192_table_costs_under_90_bytes_a_client) {
  client_table t(8192);
  for (std::uint32_t i = 0; i < 20'000; ++i) t.bind(t.start(mac_n(i), t0), record_n(i));
  EXPECT_LT(t.memory_bytes() / t.capacity(), 90u) << t.memory_bytes();
  EXPECT_EQ(client_table(1u << 20).capacity(), client_table::max_capacity) << "slots must fit the 2-byte indexes";
}
