#include "tftp_session.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace bootfw::plugin_tftp {

tftp_session::tftp_session(sdk::host& host, std::unique_ptr<sdk::udp_socket> socket,
                           std::shared_ptr<sdk::artifact> source, session_config config, finished_handler finished,
                           std::shared_ptr<scratch_buffers> scratch)
    : host_(host),
      socket_(std::move(socket)),
      timer_(host.exec().make_timer()),
      config_(std::move(config)),
      finished_(std::move(finished)),
      scratch_(scratch ? std::move(scratch) : std::make_shared<scratch_buffers>()),
      reader_(std::move(source), config_.mode, config_.options.blksize, scratch_),
      retries_left_(config_.retries),
      timeout_(config_.options.timeout ? std::chrono::nanoseconds(*config_.options.timeout)
                                       : std::chrono::nanoseconds(config_.timeout)) {}

void tftp_session::begin() {
  socket_->start_receive([this](std::span<const std::byte> data, const sdk::datagram_info& info) {
    on_datagram(data, info.source);
  });
  began_at_ = host_.now();
  if (!config_.options.acknowledged.empty()) {
    // RFC 2347: options acknowledged → OACK first; DATA 1 follows the client's ACK of block 0.
    state_ = state::awaiting_option_ack;
    oack_ = build_oack(config_.options.acknowledged);
    send_option_ack();
  } else {
    state_ = state::sending;
    send_window();
  }
}

void tftp_session::send_option_ack() {
  std::error_code ec;
  socket_->send_to(oack_, config_.client, ec);  // a refused send is retried at the next timeout
  arm_timer();
}

void tftp_session::next_window() {
  if (!config_.full_speed || config_.full_speed()) {
    send_window();
    return;
  }
  // Paced: the client gets this window a little later, well within its retransmission timeout, so that
  // the transfers of older boots run at full speed meanwhile. Its duplicate ACKs are ignored as ever.
  held_ = true;
  deadline_ = host_.now() + config_.pause;
  timer_armed_ = true;
  timer_->expires_after(config_.pause, [this] { on_timer(); });
}

void tftp_session::send_window() {
  const std::uint32_t blksize = config_.options.blksize;
  const std::size_t stride = 4 + std::size_t(blksize);
  std::uint32_t count = config_.options.windowsize;
  if (last_block_) count = std::uint32_t(std::min<std::uint64_t>(count, last_block_ - base_ + 1));

  auto packets = scratch_buffers::at_least(scratch_->packets, std::size_t(count) * stride);
  std::string error;
  if (!reader_.read_window(base_, count, {packets, stride, 4}, window_lengths_, error)) {
    fail(fmt::format("{}: {}", config_.file, error), error_code::not_defined, true);
    return;
  }
  window_first_ = base_;
  const std::size_t n = window_lengths_.size();
  if (window_lengths_.back() < blksize) last_block_ = base_ + n - 1;

  auto& datagrams = datagrams_;  // reused: no allocation per window
  datagrams.clear();
  for (std::size_t i = 0; i < n; ++i) {
    std::byte* packet = packets.data() + i * stride;
    // RFC 1350 §5: 16-bit block numbers; past 65535 they wrap to 0 (as tftp-hpa, atftp and curl expect).
    write_data_header(packet, std::uint16_t((base_ + i) & 0xffff));
    datagrams.emplace_back(packet, 4 + std::size_t(window_lengths_[i]));
  }
  std::error_code ec;
  if (n == 1) {
    socket_->send_to(datagrams.front(), config_.client, ec);
  } else {
    socket_->send_batch(datagrams, config_.client, ec);  // RFC 7440: the whole window back to back
  }
  sent_end_ = base_ + n;
  arm_timer();
}

void tftp_session::arm_timer() {
  // Every send pushes the deadline back, but the timer itself is armed only when idle: re-arming an OS
  // timer per packet cost a timer cancellation and a timerfd_settime for every block of a lockstep transfer.
  deadline_ = host_.now() + timeout_;
  if (timer_armed_) return;
  timer_armed_ = true;
  timer_->expires_after(timeout_, [this] { on_timer(); });
}

void tftp_session::on_timer() {
  timer_armed_ = false;
  const auto now = host_.now();
  if (now < deadline_) {  // traffic moved the deadline since the timer was armed
    timer_armed_ = true;
    timer_->expires_after(deadline_ - now, [this] { on_timer(); });
    return;
  }
  if (held_) {
    held_ = false;
    send_window();
    return;
  }
  on_timeout();
}

void tftp_session::on_datagram(std::span<const std::byte> data, const sdk::udp_endpoint& from) {
  if (state_ == state::finished) return;
  if (from != config_.client) {
    // RFC 1350 §4: a packet from another TID gets ERROR 5 and the transfer goes on undisturbed.
    if (peek_opcode(data) == opcode::error) return;  // never answer an ERROR with an ERROR (RFC 1350 §7)
    std::error_code ec;
    socket_->send_to(build_error(error_code::unknown_transfer_id, "Unknown transfer ID"), from, ec);
    host_.log().write_limited(sdk::log_level::debug, "tftp-wrong-tid",
                              fmt::format("packet from {} on the transfer of {} to {}: ERROR 5", from.to_string(),
                                          config_.file, config_.client.to_string()));
    return;
  }
  last_heard_ = host_.now();
  auto op = peek_opcode(data);
  if (op == opcode::error) {
    // RFC 1350 §7: the client aborts; any length, even a bare opcode, ends the transfer. No reply.
    auto e = parse_error(data);
    session_outcome out;
    out.bytes = bytes_acked_;
    out.option_handshake_failed = state_ == state::awaiting_option_ack;
    out.detail = fmt::format("client sent ERROR {}{}{}", e ? e->code : 0, e && !e->message.empty() ? ": " : "",
                             e ? e->message : "");
    finish(std::move(out));
    return;
  }
  if (auto block = parse_ack(data)) {
    on_ack(*block);
    return;
  }
  host_.log().write_limited(sdk::log_level::debug, "tftp-unexpected",
                            fmt::format("ignored an unexpected packet from {} during the transfer of {}",
                                        from.to_string(), config_.file));
}

void tftp_session::on_ack(std::uint16_t block) {
  if (state_ == state::awaiting_option_ack) {
    // RFC 2347: the client accepts the OACK with ACK 0; anything else is stale or bogus.
    if (block != 0) return;
    state_ = state::sending;
    retries_left_ = config_.retries;
    next_window();
    return;
  }
  // Map the 16-bit number onto the window in flight: delta 0 acknowledges the block before the window.
  const std::uint16_t before_window = std::uint16_t((base_ - 1) & 0xffff);
  const std::uint64_t delta = std::uint16_t(block - before_window);
  const std::uint64_t outstanding = sent_end_ - base_;
  if (delta == 0 || delta > outstanding) {
    // A duplicate (or stale) ACK never triggers a send: only the timer retransmits. This is the fix for the
    // Sorcerer's Apprentice syndrome (RFC 1123 §4.2.3.1); it also bounds RFC 7440 windows to one burst.
    return;
  }
  for (std::uint64_t b = base_; b < base_ + delta; ++b) bytes_acked_ += window_lengths_[b - window_first_];
  base_ += delta;
  retries_left_ = config_.retries;
  if (last_block_ && base_ > last_block_) {
    // RFC 1350 §6: the ACK of the short final block ends the transfer.
    session_outcome out;
    out.success = true;
    out.bytes = bytes_acked_;
    finish(std::move(out));
    return;
  }
  // RFC 7440 §4: an ACK inside the window means the client lost the next block: restart the window there.
  // An ACK of the whole window moves on to the next one.
  next_window();
}

void tftp_session::on_timeout() {
  if (state_ == state::finished) return;
  if (retries_left_ == 0) {
    // The client vanished: give up silently (nobody is listening for an ERROR).
    session_outcome out;
    out.bytes = bytes_acked_;
    out.option_handshake_failed = state_ == state::awaiting_option_ack;
    out.detail = fmt::format("no answer from the client after {} retransmissions", config_.retries);
    finish(std::move(out));
    return;
  }
  --retries_left_;
  // RFC 1350 §2 / RFC 7440 §4: retransmit what is unacknowledged, from the first unacknowledged block.
  if (state_ == state::awaiting_option_ack) {
    send_option_ack();
  } else {
    send_window();
  }
}

void tftp_session::fail(std::string detail, error_code code, bool tell_client) {
  if (tell_client) {
    std::error_code ec;
    socket_->send_to(build_error(code, detail), config_.client, ec);
  }
  session_outcome out;
  out.bytes = bytes_acked_;
  out.detail = std::move(detail);
  finish(std::move(out));
}

void tftp_session::abandon(std::string_view reason) {
  if (state_ == state::finished) return;
  session_outcome out;
  out.bytes = bytes_acked_;
  out.option_handshake_failed = state_ == state::awaiting_option_ack;
  out.detail = std::string(reason);
  finish(std::move(out));
}

void tftp_session::finish(session_outcome outcome) {
  if (state_ == state::finished) return;
  state_ = state::finished;
  timer_->cancel();
  timer_armed_ = false;
  if (finished_) finished_(*this, outcome);
}

}  // namespace bootfw::plugin_tftp
