// Tokenizer for dhcpd.conf (dhcpd.conf(5) "DESCRIPTION": free-form, '#' comments, ';'-terminated).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <bootfw/isc_conf/isc_conf.hpp>
#include <bootfw/sdk/text.hpp>

namespace bootfw::isc_conf::detail {

struct token {
  enum class kind : std::uint8_t { word, quoted, punct, end };
  kind what = kind::end;
  std::string text;  ///< word text, unescaped string contents, or the punctuation character
  int line = 0;

  bool is_word(std::string_view w) const noexcept { return what == kind::word && text == w; }
  bool is_punct(char c) const noexcept { return what == kind::punct && text.size() == 1 && text[0] == c; }
};

/// `s` safe to print on a terminal or in a log line (the SDK's escaping, as bootfw's log uses).
using sdk::printable;

/// Splits `text` into tokens; the last one is kind::end. Throws parse_error on an unterminated string.
/// How many tokens a dhcpd.conf may have (4 million: about 300 000 host declarations).
inline constexpr std::size_t max_tokens = 4'000'000;

std::vector<token> tokenize(std::string_view text, const std::string& file);

}  // namespace bootfw::isc_conf::detail
