// IPv6 RA responder timing policy (RFC 4861 §6.2.6): listen first, random delay, multicast rate limit, merging.
#include <gtest/gtest.h>

#include "ra/link_policy.hpp"

using namespace bootfw::ra;
using namespace std::chrono_literals;

namespace {

const ipv6_bytes host_a{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
const ipv6_bytes host_b{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};
const ipv6_bytes router{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
const ipv6_bytes unspecified{};

const ra_clock::time_point t0 = ra_clock::time_point() + 1000h;

TEST(ra_policy, answers_a_solicitor_after_the_drawn_delay_by_unicast) {
  link_policy p(1800s);
  auto d = p.on_solicitation(t0, host_a, 120ms);
  ASSERT_EQ(d.what, link_policy::action::schedule);
  EXPECT_EQ(d.destination, host_a);
  EXPECT_EQ(d.send_at, t0 + 120ms);
  EXPECT_TRUE(p.on_due(t0 + 120ms, host_a));
  EXPECT_EQ(p.pending(), 0u);
}

TEST(ra_policy, never_delays_more_than_max_ra_delay_time) {
  link_policy p(1800s);
  auto d = p.on_solicitation(t0, host_a, 5s);
  EXPECT_EQ(d.send_at, t0 + 500ms);
}

TEST(ra_policy, an_unspecified_solicitor_is_answered_on_all_nodes_and_rate_limited) {
  link_policy p(1800s);
  auto first = p.on_solicitation(t0, unspecified, 100ms);
  ASSERT_EQ(first.what, link_policy::action::schedule);
  EXPECT_EQ(first.destination, all_nodes());
  EXPECT_EQ(p.on_solicitation(t0 + 50ms, unspecified, 10ms).what, link_policy::action::merged);
  ASSERT_TRUE(p.on_due(t0 + 100ms, all_nodes()));
  auto second = p.on_solicitation(t0 + 1s, unspecified, 0ms);
  ASSERT_EQ(second.what, link_policy::action::schedule);
  EXPECT_EQ(second.send_at, t0 + 100ms + 3s) << "MIN_DELAY_BETWEEN_RAS after the previous multicast RA";
}

TEST(ra_policy, unicast_answers_are_not_held_back_by_the_multicast_limit) {
  link_policy p(1800s);
  p.on_solicitation(t0, unspecified, 0ms);
  ASSERT_TRUE(p.on_due(t0, all_nodes()));
  auto d = p.on_solicitation(t0 + 10ms, host_b, 30ms);
  EXPECT_EQ(d.send_at, t0 + 40ms);
}

TEST(ra_policy, stays_silent_while_another_router_advertised_within_the_quiet_window) {
  link_policy p(1800s);
  EXPECT_TRUE(p.on_foreign_advertisement(t0, router)) << "first sighting is logged";
  EXPECT_FALSE(p.on_foreign_advertisement(t0 + 600s, router)) << "and only once";
  EXPECT_EQ(p.on_solicitation(t0 + 601s, host_a, 0ms).what, link_policy::action::silent);
  EXPECT_EQ(p.on_solicitation(t0 + 600s + 1799s, host_a, 0ms).what, link_policy::action::silent);
  EXPECT_EQ(p.on_solicitation(t0 + 600s + 1800s, host_a, 0ms).what, link_policy::action::schedule)
      << "the other router went away: answer again";
  ASSERT_TRUE(p.last_router());
  EXPECT_EQ(*p.last_router(), router);
}

TEST(ra_policy, a_router_that_speaks_while_our_answer_waits_silences_it) {
  link_policy p(0s);  // even with no quiet window
  auto d = p.on_solicitation(t0, host_a, 400ms);
  ASSERT_EQ(d.what, link_policy::action::schedule);
  p.on_foreign_advertisement(t0 + 100ms, router);
  EXPECT_FALSE(p.on_due(t0 + 400ms, host_a));
  EXPECT_EQ(p.pending(), 0u);
}

TEST(ra_policy, a_new_router_on_a_quiet_link_is_news_again) {
  link_policy p(1800s);
  EXPECT_TRUE(p.on_foreign_advertisement(t0, router));
  EXPECT_TRUE(p.on_foreign_advertisement(t0 + 1s, host_b));
  EXPECT_TRUE(p.on_foreign_advertisement(t0 + 10000s, host_b)) << "silent window had expired";
}

TEST(ra_policy, bounds_the_pending_answers_under_a_flood) {
  link_policy p(1800s);
  for (std::size_t i = 0; i < max_pending_answers; ++i) {
    auto src = host_a;
    src[13] = 0x99;  // distinct from host_b
    src[14] = std::uint8_t(i >> 8);
    src[15] = std::uint8_t(i);
    ASSERT_EQ(p.on_solicitation(t0, src, 1ms).what, link_policy::action::schedule);
  }
  EXPECT_EQ(p.on_solicitation(t0, host_b, 1ms).what, link_policy::action::silent);
  EXPECT_EQ(p.pending(), max_pending_answers);
}

TEST(ra_policy, a_timer_for_an_unknown_answer_sends_nothing) {
  link_policy p(1800s);
  EXPECT_FALSE(p.on_due(t0, host_a));
}

}  // namespace
