// The lease sweep: ISC dhcpd frees expired leases with a timer instead of waiting for the allocator to
// trip over them. A cursor walks every pool range, settings.sweep_batch addresses per tick, and sets each
// address's busy bit to what the store says now: expired leases, lapsed offers and abandoned leases whose
// abandon time is up become free (pass 1 of next_free finds them at once). The count of free addresses
// is published after each full pass. No journal writes: an expired record stays as it is, for affinity.
#include "isc_responder.hpp"

namespace bootfw::plugin_isc_dhcp {

bool isc_responder::held(sdk::ipv4_address a, std::int64_t now) const {
  if (fixed_addresses_.count(a.to_uint())) return true;
  if (auto l = store_->find(a); l && l->holds_address(now)) return true;
  return store_->reserved(a);
}

std::uint64_t isc_responder::free_addresses() const {
  std::uint64_t n = 0;
  for (const auto* r : ranges_) n += r->clear_count();
  return n;
}

void isc_responder::start_sweep() {
  // The bits are exact here (the constructor marked every held address), so the gauge starts right.
  free_gauge_.set(std::int64_t(free_addresses()));
  if (ranges_.empty()) return;
  sweep_timer_ = host_.exec().make_timer();
  sweep_timer_->expires_after(settings_.sweep_interval, [this] { sweep_tick(); });
}

void isc_responder::sweep_tick() {
  if (!store_) return;
  const auto now = wall_seconds();
  std::uint64_t budget = settings_.sweep_batch;
  while (budget > 0) {
    auto& r = *ranges_[sweep_.range];
    const std::uint64_t n = std::min<std::uint64_t>(budget, r.size() - sweep_.offset);
    for (std::uint64_t i = sweep_.offset; i < sweep_.offset + n; ++i) {
      const sdk::ipv4_address a(r.first().to_uint() + std::uint32_t(i));
      if (held(a, now)) {
        r.mark_busy(a);
        continue;
      }
      if (r.marked_busy(a)) {
        r.mark_free(a);
        sweep_freed_.add();
      }
      ++sweep_.free_seen;
    }
    budget -= n;
    sweep_.offset += n;
    if (sweep_.offset < r.size()) break;  // budget spent inside this range
    sweep_.offset = 0;
    if (++sweep_.range == ranges_.size()) {
      sweep_.range = 0;
      free_gauge_.set(std::int64_t(sweep_.free_seen));
      sweep_.free_seen = 0;
      break;  // at most one full pass per tick, however small the pools
    }
  }
  sweep_timer_->expires_after(settings_.sweep_interval, [this] { sweep_tick(); });
}

}  // namespace bootfw::plugin_isc_dhcp
