// When to answer a Router Solicitation on one link, as a pure state machine with the clock passed in:
// listen first (stay silent while another router advertises), delay each answer (MAX_RA_DELAY_TIME),
// rate-limit multicast answers (MIN_DELAY_BETWEEN_RAS), merge duplicate solicitations (RFC 4861 §6.2.6).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "ra/packet.hpp"

namespace bootfw::ra {

using ra_clock = std::chrono::steady_clock;

constexpr auto max_ra_delay_time = std::chrono::milliseconds(500);  // RFC 4861 §10
constexpr auto min_delay_between_ras = std::chrono::seconds(3);     // RFC 4861 §10
constexpr std::size_t max_pending_answers = 64;                      // bounds memory under an RS flood

/// One link's state. Not thread-safe: used on the RA service's strand only.
class link_policy {
 public:
  explicit link_policy(std::chrono::seconds quiet) : quiet_(quiet) {}

  enum class action {
    schedule,  ///< arm a timer for `send_at`, then call on_due()
    merged,    ///< an answer to the same destination is already pending: nothing to do
    silent,    ///< another router advertises here (or too many answers pending): do not answer
  };
  struct decision {
    action what = action::silent;
    ra_clock::time_point send_at{};
    ipv6_bytes destination{};
  };

  /// A valid RS from `solicitor` at `now`; `delay` is the caller's random draw in [0, max_ra_delay_time].
  decision on_solicitation(ra_clock::time_point now, const ipv6_bytes& solicitor, std::chrono::milliseconds delay);
  /// The timer for `destination` fired: true means send now. Forgets the pending answer either way.
  bool on_due(ra_clock::time_point now, const ipv6_bytes& destination);
  /// A valid RA from another router. True when it is news for the log (the link was not silent before,
  /// or another router than the last one).
  bool on_foreign_advertisement(ra_clock::time_point now, const ipv6_bytes& router);

  bool silenced(ra_clock::time_point now) const noexcept;
  std::optional<ipv6_bytes> last_router() const noexcept { return last_router_; }
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  struct pending_answer {
    ipv6_bytes destination;
    ra_clock::time_point solicited_at;
  };
  std::chrono::seconds quiet_;
  std::optional<ra_clock::time_point> last_foreign_;
  std::optional<ipv6_bytes> last_router_;
  std::optional<ra_clock::time_point> last_multicast_;
  std::vector<pending_answer> pending_;
};

}  // namespace bootfw::ra
