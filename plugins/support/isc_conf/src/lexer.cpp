#include "lexer.hpp"

#include <algorithm>

namespace bootfw::isc_conf::detail {
namespace {

bool is_punct_char(char c) noexcept {
  switch (c) {
    case ';': case '{': case '}': case '(': case ')': case ',': case '=': case '!': return true;
    default: return false;
  }
}
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/// Length of the valid UTF-8 sequence at s[i] (RFC 3629 §4: no overlong forms, no surrogates, at most
/// U+10FFFF), 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xbf) { return at(k) >= lo && at(k) <= hi; };
  const unsigned c = at(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  auto escape = [&](unsigned char c) {
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 0xf];
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += s[i++];
      continue;
    }
    const std::size_t n = c < 0x80 ? 0 : utf8_length(s, i);
    // U+0080..U+009F (C2 80..C2 9F) are C1 controls: CSI is U+009B.
    const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) <= 0x9f;
    if (n == 0 || c1) {
      for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k) escape(static_cast<unsigned char>(s[i + k]));
      i += std::max<std::size_t>(n, 1);
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::vector<token> tokenize(std::string_view text, const std::string& file) {
  std::vector<token> out;
  int line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    // The parser holds every token at once (tens of bytes each): 64 MiB of ';' took 3.2 GB and 17 s, on a
    // SIGHUP reload too. A host declaration is a dozen tokens, so this is hundreds of thousands of hosts.
    if (out.size() >= max_tokens)
      throw parse_error({file, line}, "more than " + std::to_string(max_tokens) + " words and symbols: too large a dhcpd.conf");
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (is_space(c)) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (is_punct_char(c)) {
      out.push_back({token::kind::punct, std::string(1, c), line});
      ++i;
    } else if (c == '"') {
      // Quoted strings: backslash escapes \" \\ \n \t as in ISC's lexer (common/conflex.c).
      token t{token::kind::quoted, {}, line};
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char d = text[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d == '\n') ++line;
        if (d == '\\' && i < text.size()) {
          char e = text[i++];
          d = e == 'n' ? '\n' : e == 't' ? '\t' : e;
        }
        t.text += d;
      }
      if (!closed) throw parse_error({file, t.line}, "unterminated quoted string");
      out.push_back(std::move(t));
    } else {
      token t{token::kind::word, {}, line};
      while (i < text.size() && !is_space(text[i]) && !is_punct_char(text[i]) && text[i] != '"' && text[i] != '#')
        t.text += text[i++];
      out.push_back(std::move(t));
    }
  }
  out.push_back({token::kind::end, {}, line});
  return out;
}

}  // namespace bootfw::isc_conf::detail
