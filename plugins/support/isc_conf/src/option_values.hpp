// Option definitions (the RFC 2132 table) and encoding of option values to wire bytes.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lexer.hpp"

namespace bootfw::isc_conf::detail {

/// "ip-address", "unsigned integer 16", "array of text" … as written in dhcpd.conf.
std::string format_name(const option_format& f);

/// Colon-separated hex bytes ("01:02:0a", "7"), as ISC accepts for string data; nullopt if not hex.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view word);

/// Renders bytes as colon-separated lower-case hex.
std::string to_hex(std::span<const std::uint8_t> bytes);

/// Parses the TYPE of `option X code N = TYPE;` from tokens[pos…] (stops before ';'). Throws parse_error.
option_format parse_format(const std::vector<token>& tokens, std::size_t& pos, const std::string& file);

/// Encodes `option X VALUE;` from tokens[pos…] up to (not including) ';'. Throws parse_error naming the
/// option when the value does not fit its format. `text_out` receives the value as written.
std::vector<std::uint8_t> encode_value(const option_definition& def, const std::vector<token>& tokens,
                                       std::size_t& pos, const std::string& file, std::string& text_out);

}  // namespace bootfw::isc_conf::detail
