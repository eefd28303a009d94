// The log sink: client bytes in messages (file names, vendor classes, ERROR texts) cannot forge lines or
// send terminal controls; well-formed UTF-8 passes unchanged.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "log.hpp"

namespace bootfw {
namespace {

std::string escaped(std::string_view in) {
  std::string scratch;
  return std::string(printable(in, scratch));
}

TEST(log_printable, plain_ascii_is_returned_without_a_copy) {
  std::string scratch;
  std::string_view in = "refused request from 10.0.0.7:2070: ERROR 1 File not found (pxelinux.cfg/01-aa)";
  EXPECT_EQ(printable(in, scratch).data(), in.data());
  EXPECT_TRUE(scratch.empty());
}

TEST(log_printable, controls_and_malformed_utf8_are_escaped) {
  EXPECT_EQ(escaped("PXEClient\nFAKE LINE"), "PXEClient\\x0aFAKE LINE");
  EXPECT_EQ(escaped("a\rb\tc\x1b[31md\x7f"), "a\\x0db\\x09c\\x1b[31md\\x7f");
  EXPECT_EQ(escaped(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(escaped("zz\x9b" "31m"), "zz\\x9b31m");                  // 8-bit CSI, not UTF-8
  EXPECT_EQ(escaped("c1 \xc2\x9b here"), "c1 \\xc2\\x9b here");         // U+009B, a C1 control in UTF-8
  EXPECT_EQ(escaped("overlong \xc0\xaf"), "overlong \\xc0\\xaf");
  EXPECT_EQ(escaped("surrogate \xed\xa0\x80"), "surrogate \\xed\\xa0\\x80");
  EXPECT_EQ(escaped("cut \xe2\x86"), "cut \\xe2\\x86");
  EXPECT_EQ(escaped("sep \xe2\x80\xa8"), "sep \\xe2\\x80\\xa8");        // U+2028 LINE SEPARATOR
}

TEST(log_printable, well_formed_utf8_passes) {
  EXPECT_EQ(escaped("pxelinux → files"), "pxelinux → files");
  EXPECT_EQ(escaped("Größe ü 日本 \xf0\x9f\x98\x80"), "Größe ü 日本 \xf0\x9f\x98\x80");
  EXPECT_EQ(escaped("\xc2\xa0nbsp"), "\xc2\xa0nbsp");
}

TEST(log_sink, a_newline_in_a_message_stays_on_one_line) {
  std::FILE* f = std::tmpfile();
  ASSERT_TRUE(f);
  log_sink sink(log_level::info, f);
  sink.write(log_level::info, "session", "vendor=PXEClient\n2026-01-01T00:00:00.000Z error [bootfw] FAKE");
  std::rewind(f);
  char buf[512] = {};
  auto n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  std::string text(buf, n);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find('\n'), text.size() - 1) << text;
  EXPECT_NE(text.find("vendor=PXEClient\\x0a2026"), std::string::npos) << text;
}

}  // namespace
}  // namespace bootfw
