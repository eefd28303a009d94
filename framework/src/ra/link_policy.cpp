#include "ra/link_policy.hpp"

#include <algorithm>

namespace bootfw::ra {

bool link_policy::silenced(ra_clock::time_point now) const noexcept {
  // Listen first: an RA from another router within the quiet window keeps us silent on this link.
  return last_foreign_ && now - *last_foreign_ < quiet_;
}

link_policy::decision link_policy::on_solicitation(ra_clock::time_point now, const ipv6_bytes& solicitor,
                                                   std::chrono::milliseconds delay) {
  decision d;
  d.destination = answer_destination(solicitor);  // RFC 4861 §6.2.6
  if (silenced(now)) return d;
  auto same = [&](const pending_answer& p) { return p.destination == d.destination; };
  if (std::any_of(pending_.begin(), pending_.end(), same)) {
    // RFC 4861 §6.2.6: one advertisement may answer several solicitations; its delay counts from the first.
    d.what = action::merged;
    return d;
  }
  if (pending_.size() >= max_pending_answers) return d;
  delay = std::clamp(delay, std::chrono::milliseconds(0), std::chrono::milliseconds(max_ra_delay_time));
  d.send_at = now + delay;  // RFC 4861 §6.2.6: random delay in [0, MAX_RA_DELAY_TIME]
  bool multicast = d.destination == all_nodes();
  // RFC 4861 §6.2.6: multicast RAs at most one per MIN_DELAY_BETWEEN_RAS; a later one is scheduled for
  // MIN_DELAY_BETWEEN_RAS after the previous.
  if (multicast && last_multicast_) d.send_at = std::max(d.send_at, *last_multicast_ + min_delay_between_ras);
  pending_.push_back({d.destination, now});
  d.what = action::schedule;
  return d;
}

bool link_policy::on_due(ra_clock::time_point now, const ipv6_bytes& destination) {
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const pending_answer& p) { return p.destination == destination; });
  if (it == pending_.end()) return false;
  auto solicited_at = it->solicited_at;
  pending_.erase(it);
  // Another router spoke while our answer was waiting: it answers the solicitor, we stay silent.
  if (last_foreign_ && (*last_foreign_ >= solicited_at || silenced(now))) return false;
  if (destination == all_nodes()) last_multicast_ = now;
  return true;
}

bool link_policy::on_foreign_advertisement(ra_clock::time_point now, const ipv6_bytes& router) {
  bool news = !silenced(now) || last_router_ != router;
  last_foreign_ = now;
  last_router_ = router;
  return news;
}

}  // namespace bootfw::ra
