#include "block_reader.hpp"

#include <algorithm>
#include <cstring>

namespace bootfw::plugin_tftp {

block_reader::block_reader(std::shared_ptr<sdk::artifact> source, transfer_mode mode, std::uint32_t blksize,
                           std::shared_ptr<scratch_buffers> scratch)
    : source_(std::move(source)), mode_(mode), blksize_(blksize), scratch_(std::move(scratch)) {
  if (!scratch_) scratch_ = std::make_shared<scratch_buffers>();
}

bool block_reader::read_window(std::uint64_t first, std::uint32_t count, const window_layout& layout,
                               std::vector<std::uint32_t>& lengths, std::string& error) {
  lengths.clear();
  count = std::min<std::uint32_t>(count, std::uint32_t(layout.stride ? layout.out.size() / layout.stride : 0));
  if (count == 0 || layout.stride < layout.offset + blksize_) {
    error = "window layout too small";
    return false;
  }
  return mode_ == transfer_mode::octet ? read_octet(first, count, layout, lengths, error)
                                       : read_netascii(first, count, layout, lengths, error);
}

bool block_reader::read_exactly(std::uint64_t offset, std::span<std::byte> out, std::string& error) {
  if (out.empty()) return true;
  std::error_code ec;
  std::size_t got = source_->read(offset, out, ec);
  if (got == out.size()) return true;
  // The size is fixed at open (artifact.hpp): fewer bytes means the file shrank or failed under us.
  error = ec ? "read failed: " + ec.message() : "file changed size during the transfer";
  return false;
}

bool block_reader::read_octet(std::uint64_t first, std::uint32_t count, const window_layout& layout,
                              std::vector<std::uint32_t>& lengths, std::string& error) {
  const std::uint64_t size = source_->size();
  const std::uint64_t start = (first - 1) * blksize_;
  if (start > size) {
    error = "block beyond the end of the file";
    return false;
  }
  // One pread for the whole window, then one copy per block next to its DATA header.
  std::size_t want = std::size_t(std::min<std::uint64_t>(size - start, std::uint64_t(count) * blksize_));
  auto in = input(want);
  if (!read_exactly(start, in, error)) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::size_t from = std::size_t(i) * blksize_;
    std::uint32_t len = from >= want ? 0 : std::uint32_t(std::min<std::size_t>(blksize_, want - from));
    if (len) std::memcpy(layout.out.data() + i * layout.stride + layout.offset, in.data() + from, len);
    lengths.push_back(len);
    // RFC 1350 §6: a block shorter than blksize (0 bytes when the size is a multiple) ends the transfer.
    if (len < blksize_) break;
  }
  return true;
}

bool block_reader::read_netascii(std::uint64_t first, std::uint32_t count, const window_layout& layout,
                                 std::vector<std::uint32_t>& lengths, std::string& error) {
  if (first < positions_first_ || first >= positions_first_ + positions_.size()) {
    error = "netascii stream cannot resume at this block";
    return false;
  }
  netascii_position pos = positions_[first - positions_first_];
  const std::uint64_t size = source_->size();
  // Each input byte yields at least one output byte, so one window of output never needs more input.
  std::size_t want = std::size_t(std::min<std::uint64_t>(size - pos.input_offset, std::uint64_t(count) * blksize_));
  auto text = input(want);
  if (!read_exactly(pos.input_offset, text, error)) return false;

  std::vector<netascii_position> positions{pos};
  std::size_t in = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::byte* out = layout.out.data() + i * layout.stride + layout.offset;
    std::uint32_t len = 0;
    while (len < blksize_) {
      if (pos.pending >= 0) {  // the second half of a pair split by the previous block boundary
        out[len++] = std::byte(pos.pending);
        pos.pending = -1;
        continue;
      }
      if (in == want) break;
      auto c = std::to_integer<unsigned char>(text[in++]);
      ++pos.input_offset;
      if (c == '\n') {  // RFC 764 NVT: end of line is CR LF
        out[len++] = std::byte('\r');
        pos.pending = '\n';
      } else if (c == '\r') {  // a bare CR is CR NUL
        out[len++] = std::byte('\r');
        pos.pending = '\0';
      } else {
        out[len++] = std::byte(c);
      }
    }
    lengths.push_back(len);
    positions.push_back(pos);
    if (len < blksize_) break;
  }
  positions_first_ = first;
  positions_ = std::move(positions);
  return true;
}

}  // namespace bootfw::plugin_tftp
