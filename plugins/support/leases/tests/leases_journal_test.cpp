// The journal format: CRC32C, record framing, and the scanner that recovery relies on.
#include <gtest/gtest.h>

#include "crc32c.hpp"
#include "lease_record.hpp"
#include "leases_test_support.hpp"

namespace bootfw::leases {
namespace {

std::vector<std::uint8_t> image_of(const std::vector<lease>& ls) {
  std::vector<std::uint8_t> img(journal_magic.begin(), journal_magic.end());
  for (const auto& l : ls) append_record(img, l);
  return img;
}

TEST(leases_journal, crc32c_matches_the_rfc_3720_check_value) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32c({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}), 0xE3069283u);
  std::vector<std::uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);  // RFC 3720 §B.4 test vector
}

TEST(leases_journal, record_round_trips_every_field) {
  lease l = test::make_lease(7);
  l.client_id = {1, 0x08, 0, 7, 0x26, 0xc0, 0xa5};
  l.state = lease_state::abandoned;
  l.starts = -5;
  l.ends = 4'000'000'000'000;
  auto scan = scan_journal(image_of({l}));
  ASSERT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.records[0], l);
  EXPECT_EQ(scan.tail_problem, nullptr);
}

TEST(leases_journal, longest_client_id_fits_a_record) {
  lease l = test::make_lease(1);
  l.client_id.assign(max_client_id, 0xab);
  auto scan = scan_journal(image_of({l}));
  ASSERT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.records[0].client_id.size(), max_client_id);
}

TEST(leases_journal, scan_stops_at_every_possible_tear_of_the_last_record) {
  auto full = image_of({test::make_lease(1), test::make_lease(2), test::make_lease(3)});
  const std::size_t two = image_of({test::make_lease(1), test::make_lease(2)}).size();
  for (std::size_t cut = two; cut < full.size(); ++cut) {
    auto scan = scan_journal(std::span(full).first(cut));
    ASSERT_EQ(scan.records.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(scan.good_bytes, two);
    EXPECT_EQ(scan.tail_problem != nullptr, cut != two) << "cut at " << cut;
  }
  EXPECT_EQ(scan_journal(full).records.size(), 3u);
}

TEST(leases_journal, flipped_bit_is_a_checksum_mismatch) {
  auto img = image_of({test::make_lease(1), test::make_lease(2)});
  img.back() ^= 0x10;
  auto scan = scan_journal(img);
  EXPECT_EQ(scan.records.size(), 1u);
  ASSERT_NE(scan.tail_problem, nullptr);
  EXPECT_STREQ(scan.tail_problem, "checksum mismatch");
}

TEST(leases_journal, absurd_length_is_rejected_without_reading_past_the_end) {
  auto img = image_of({test::make_lease(1)});
  const std::size_t good = img.size();
  img.insert(img.end(), {0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 2, 3});
  auto scan = scan_journal(img);
  EXPECT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.good_bytes, good);
  EXPECT_STREQ(scan.tail_problem, "bad record length");
}

TEST(leases_journal, foreign_file_is_not_taken_for_a_journal) {
  std::string text = "lease 192.168.24.203 { starts 4 2024/01/01 00:00:00; }";
  auto scan = scan_journal({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  EXPECT_TRUE(scan.bad_header);
  EXPECT_TRUE(scan.records.empty());
}

}  // namespace
}  // namespace bootfw::leases
