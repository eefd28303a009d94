// bootfw SDK — client bytes made safe for a log line or a terminal, for the framework and plugins alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bootfw::sdk {
inline namespace abi_v1 {

/// `in` with control characters (C0, DEL, C1 U+0080–U+009F, U+2028/U+2029) and bytes that are not
/// well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, at most U+10FFFF) written as \xNN;
/// printable UTF-8 passes. Returns `in` itself (no copy) when it is printable ASCII, else a view of
/// `scratch`, which holds the escaped text.
inline std::string_view printable(std::string_view in, std::string& scratch) {
  auto clean = [](unsigned char c) { return c >= 0x20 && c < 0x7f; };
  std::size_t i = 0;
  while (i < in.size() && clean(static_cast<unsigned char>(in[i]))) ++i;
  if (i == in.size()) return in;  // the usual case: plain ASCII, no copy
  scratch.assign(in.substr(0, i));
  auto escape = [&](unsigned char c) {
    static constexpr char hex[] = "0123456789abcdef";
    scratch += "\\x";
    scratch += hex[c >> 4];
    scratch += hex[c & 0xf];
  };
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (clean(c)) {
      scratch += char(c);
      ++i;
      continue;
    }
    // A well-formed sequence of a printable code point passes; anything else is escaped byte by byte.
    std::size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    bool ok = len != 0 && i + len <= in.size();
    std::uint32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(in[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = cp << 6 | (cc & 0x3f);
    }
    ok = ok && cp >= 0xa0 && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
         !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0x2028 && cp != 0x2029;
    if (ok) {
      scratch.append(in.substr(i, len));
      i += len;
    } else {
      escape(c);
      ++i;
    }
  }
  return scratch;
}

/// The same, as an owned string.
inline std::string printable(std::string_view in) {
  std::string scratch;
  return std::string(printable(in, scratch));
}

}  // namespace abi_v1
}  // namespace bootfw::sdk
