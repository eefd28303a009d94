// Produces the DATA payloads of a transfer, one window at a time, from an artifact: octet blocks straight
// from artifact::read, netascii blocks converted on the fly (RFC 1350 §5, NVT rules of RFC 764:
// LF → CR LF, CR → CR NUL). Never holds more than one window of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <bootfw/sdk/artifact.hpp>

#include "tftp_packet.hpp"

namespace bootfw::plugin_tftp {

/// Window-sized working memory shared by every transfer of one server. Sends copy datagrams into the
/// kernel synchronously and retransmissions read the file again, so no transfer needs its own window
/// buffers between two events: memory stays flat however many clients are in flight.
/// Ownership: shared (server and sessions). Thread-safety: one executor only.
struct scratch_buffers {
  std::vector<std::byte> input;    ///< file bytes of the window being built
  std::vector<std::byte> packets;  ///< DATA datagrams of the window being sent
  static std::span<std::byte> at_least(std::vector<std::byte>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return {v.data(), n};
  }
};

/// Where to put the blocks of one window: block i of the window is written at
/// out[i * stride + offset], up to blksize bytes (the caller leaves room for its DATA header before it).
struct window_layout {
  std::span<std::byte> out;
  std::size_t stride = 0;
  std::size_t offset = 0;
};

/// Ownership: shares the artifact. Thread-safety: one transfer, its executor only.
class block_reader {
 public:
  block_reader(std::shared_ptr<sdk::artifact> source, transfer_mode mode, std::uint32_t blksize,
               std::shared_ptr<scratch_buffers> scratch);

  /// Fills blocks [first, first + count) (absolute numbers starting at 1, no wrap) into `layout` and returns
  /// their lengths; fewer than `count` when the file ends (the last length is then < blksize, possibly 0).
  /// `first` must be 1, or a block whose start was reached by an earlier call (a netascii stream can only
  /// be resumed where it has been before). Returns false with `error` set on a short read (the artifact
  /// changed size or failed): the transfer must abort rather than send wrong bytes.
  bool read_window(std::uint64_t first, std::uint32_t count, const window_layout& layout,
                   std::vector<std::uint32_t>& lengths, std::string& error);

  std::uint32_t blksize() const noexcept { return blksize_; }

 private:
  /// Netascii position at the start of a block: input offset and the byte still owed from a split pair.
  struct netascii_position {
    std::uint64_t input_offset = 0;
    int pending = -1;  ///< -1: none; otherwise the second byte of "\r\n" or "\r\0" not yet emitted
  };
  bool read_octet(std::uint64_t first, std::uint32_t count, const window_layout& layout,
                  std::vector<std::uint32_t>& lengths, std::string& error);
  bool read_netascii(std::uint64_t first, std::uint32_t count, const window_layout& layout,
                     std::vector<std::uint32_t>& lengths, std::string& error);
  bool read_exactly(std::uint64_t offset, std::span<std::byte> out, std::string& error);
  std::span<std::byte> input(std::size_t n) { return scratch_buffers::at_least(scratch_->input, n); }

  std::shared_ptr<sdk::artifact> source_;
  transfer_mode mode_;
  std::uint32_t blksize_;
  std::shared_ptr<scratch_buffers> scratch_;
  // Netascii: positions of blocks [positions_first_, positions_first_ + positions_.size()).
  std::uint64_t positions_first_ = 1;
  std::vector<netascii_position> positions_{netascii_position{}};
};

}  // namespace bootfw::plugin_tftp
