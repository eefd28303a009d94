// Block production: octet windows, netascii conversion across block boundaries, resuming, short reads.
#include <gtest/gtest.h>

#include "block_reader.hpp"
#include "tftp_test_support.hpp"

using namespace bootfw::plugin_tftp;
using namespace bootfw::plugin_tftp::testing;

namespace {

/// Reads the whole artifact `window` blocks at a time and concatenates the payloads.
std::string read_all(block_reader& r, std::uint32_t blksize, std::uint32_t window, std::size_t* blocks = nullptr) {
  std::vector<std::byte> area(std::size_t(window) * (blksize + 4));
  std::vector<std::uint32_t> lengths;
  std::string out, error;
  std::uint64_t first = 1;
  for (;;) {
    EXPECT_TRUE(r.read_window(first, window, {area, blksize + 4, 4}, lengths, error)) << error;
    if (lengths.empty()) return out;
    for (std::size_t i = 0; i < lengths.size(); ++i)
      out += text(std::span(area).subspan(i * (blksize + 4) + 4, lengths[i]));
    first += lengths.size();
    if (lengths.back() < blksize) break;
  }
  if (blocks) *blocks = first - 1;
  return out;
}

std::string to_netascii(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '\n') out += "\r\n";
    else if (c == '\r') out += std::string("\r\0", 2);
    else out += c;
  }
  return out;
}

TEST(tftp_block_reader, octet_reads_one_window_per_call) {
  auto content = pattern(10 * 512 + 100);
  auto art = std::make_shared<memory_artifact>(content);
  block_reader r(art, transfer_mode::octet, 512, nullptr);
  std::size_t blocks = 0;
  EXPECT_EQ(read_all(r, 512, 4, &blocks), content);
  EXPECT_EQ(blocks, 11u);
  EXPECT_EQ(art->reads, 3u);  // 4 + 4 + 3 blocks: one pread each
  EXPECT_LE(art->largest_read, 4u * 512);
}

TEST(tftp_block_reader, octet_exact_multiple_ends_with_empty_block) {
  auto content = pattern(3 * 512);
  block_reader r(std::make_shared<memory_artifact>(content), transfer_mode::octet, 512, nullptr);
  std::size_t blocks = 0;
  EXPECT_EQ(read_all(r, 512, 1, &blocks), content);
  EXPECT_EQ(blocks, 4u);  // RFC 1350 §6: a final zero-length DATA
}

TEST(tftp_block_reader, empty_file_is_one_empty_block) {
  block_reader r(std::make_shared<memory_artifact>(""), transfer_mode::octet, 512, nullptr);
  std::size_t blocks = 0;
  EXPECT_EQ(read_all(r, 512, 8, &blocks), "");
  EXPECT_EQ(blocks, 1u);
}

TEST(tftp_block_reader, netascii_converts_across_every_block_boundary) {
  // Line ends placed so CR LF and CR NUL pairs straddle boundaries of an 8-byte block at every offset.
  std::string content;
  for (int i = 0; i < 40; ++i) content += std::string(std::size_t(i % 9), 'x') + (i % 3 ? "\n" : "\r") + "y";
  content += "\n";
  for (std::uint32_t window : {1u, 3u, 16u}) {
    block_reader r(std::make_shared<memory_artifact>(content), transfer_mode::netascii, 8, nullptr);
    EXPECT_EQ(read_all(r, 8, window), to_netascii(content)) << "window " << window;
  }
}

TEST(tftp_block_reader, netascii_pair_split_exactly_at_the_end) {
  // 7 bytes + LF: the CR fills block 1, the LF becomes block 2 alone, then an empty-free end (1 < 8).
  block_reader r(std::make_shared<memory_artifact>("abcdefg\n"), transfer_mode::netascii, 8, nullptr);
  std::size_t blocks = 0;
  EXPECT_EQ(read_all(r, 8, 4, &blocks), "abcdefg\r\n");
  EXPECT_EQ(blocks, 2u);
}

TEST(tftp_block_reader, netascii_resumes_from_an_earlier_block_of_the_window) {
  std::string content = "line one\nline two\r\nline three\n";
  auto expected = to_netascii(content);
  auto art = std::make_shared<memory_artifact>(content);
  block_reader r(art, transfer_mode::netascii, 8, nullptr);
  std::vector<std::byte> area(4 * 12);
  std::vector<std::uint32_t> lengths;
  std::string error;
  ASSERT_TRUE(r.read_window(1, 4, {area, 12, 4}, lengths, error));
  ASSERT_EQ(lengths.size(), 4u);
  // The client acknowledged block 2 only: resume at block 3 (RFC 7440 §4 window restart).
  ASSERT_TRUE(r.read_window(3, 4, {area, 12, 4}, lengths, error)) << error;
  std::string got;
  for (std::size_t i = 0; i < lengths.size(); ++i) got += text(std::span(area).subspan(i * 12 + 4, lengths[i]));
  EXPECT_EQ(got, expected.substr(16));
  // A block never reached cannot be resumed.
  EXPECT_FALSE(r.read_window(40, 1, {area, 12, 4}, lengths, error));
}

TEST(tftp_block_reader, shrunk_file_is_an_error_not_wrong_bytes) {
  auto art = std::make_shared<memory_artifact>(pattern(4096));
  art->shrink_to(1000);
  block_reader r(art, transfer_mode::octet, 512, nullptr);
  std::vector<std::byte> area(4 * 516);
  std::vector<std::uint32_t> lengths;
  std::string error;
  EXPECT_FALSE(r.read_window(1, 4, {area, 516, 4}, lengths, error));
  EXPECT_NE(error.find("changed size"), std::string::npos);
}

}  // namespace
