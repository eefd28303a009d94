#include "lexer.hpp"

namespace bootfw::isc_conf::detail {
namespace {

bool is_punct_char(char c) noexcept {
  switch (c) {
    case ';': case '{': case '}': case '(': case ')': case ',': case '=': case '!': return true;
    default: return false;
  }
}
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

}  // namespace

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
