// Abandoned leases end (ISC abandon-lease-time), journals from before that still load, and the pool
// bitmap's counts and offer reservations the responder's sweep relies on.
#include <gtest/gtest.h>

#include <bootfw/leases/address_pool.hpp>
#include <bootfw/leases/lease_store.hpp>
#include <bootfw/sdk/testing.hpp>

#include "leases_test_support.hpp"

namespace bootfw::leases {
namespace {

struct abandoned_store : ::testing::Test {
  test::temp_dir dir;
  sdk::testing::fake_host host;
  store_options options(std::int64_t legacy_abandon = 86400) {
    store_options o;
    o.directory = dir.path;
    o.legacy_abandon_seconds = legacy_abandon;
    return o;
  }
  void commit(lease_store& s, const lease& l) {
    bool done = false;
    s.commit(l, [&](std::error_code ec) { done = !ec; });
    host.run_pending();
    ASSERT_TRUE(done);
  }
};

lease abandoned(std::int64_t starts, std::int64_t ends) {
  lease l = test::make_lease(7);
  l.state = lease_state::abandoned;
  l.starts = starts;
  l.ends = ends;
  return l;
}

TEST(lease, abandoned_holds_its_address_until_it_ends) {
  const auto l = abandoned(1000, 1600);
  EXPECT_TRUE(l.holds_address(1000));
  EXPECT_TRUE(l.holds_address(1599));
  EXPECT_FALSE(l.holds_address(1600));
  lease released = l;
  released.state = lease_state::released;
  EXPECT_FALSE(released.holds_address(1000));
}

TEST_F(abandoned_store, abandoned_lease_keeps_its_end_time_across_a_restart) {
  const auto l = abandoned(1'700'000'000, 1'700'000'000 + 3600);
  {
    lease_store s(host, options(5));
    commit(s, l);
  }
  lease_store s(host, options(5));  // an end time of its own is kept, whatever the legacy setting
  EXPECT_EQ(s.find(l.address), l);
}

// Before the abandon time, a DECLINE was stored with ends == starts ("abandoned forever"). Such a record
// now means: abandoned at `starts` for the owner's abandon time.
TEST_F(abandoned_store, pre_abandon_time_journal_reads_as_abandoned_for_the_abandon_time_from_its_start) {
  const auto old = abandoned(1'700'000'000, 1'700'000'000);
  {
    lease_store s(host, options());
    commit(s, old);
  }
  lease_store s(host, options(600));
  auto got = s.find(old.address);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, lease_state::abandoned);
  EXPECT_EQ(got->starts, old.starts);
  EXPECT_EQ(got->ends, old.starts + 600);
  EXPECT_TRUE(got->holds_address(old.starts + 599));
  EXPECT_FALSE(got->holds_address(old.starts + 600));
}

TEST_F(abandoned_store, reserved_is_true_only_while_an_offer_holds_the_address) {
  lease_store s(host, options());
  const sdk::ipv4_address a(10, 0, 0, 9);
  EXPECT_FALSE(s.reserved(a));
  s.reserve(a, test::mac_n(1), {}, std::chrono::seconds(30));
  EXPECT_TRUE(s.reserved(a));
  host.advance(std::chrono::seconds(30));
  EXPECT_FALSE(s.reserved(a));
}

TEST(address_pool, clear_count_and_marked_busy_follow_the_bits) {
  address_pool p(sdk::ipv4_address(10, 0, 0, 0), sdk::ipv4_address(10, 0, 0, 99));  // 100: a partial word
  EXPECT_EQ(p.clear_count(), 100u);
  p.mark_busy(sdk::ipv4_address(10, 0, 0, 0));
  p.mark_busy(sdk::ipv4_address(10, 0, 0, 99));
  p.mark_busy(sdk::ipv4_address(10, 0, 1, 0));  // outside: ignored
  EXPECT_EQ(p.clear_count(), 98u);
  EXPECT_TRUE(p.marked_busy(sdk::ipv4_address(10, 0, 0, 99)));
  EXPECT_FALSE(p.marked_busy(sdk::ipv4_address(10, 0, 0, 98)));
  EXPECT_FALSE(p.marked_busy(sdk::ipv4_address(10, 0, 1, 0)));
  p.mark_free(sdk::ipv4_address(10, 0, 0, 0));
  EXPECT_EQ(p.clear_count(), 99u);
}

}  // namespace
}  // namespace bootfw::leases
