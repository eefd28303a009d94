// Parser of `match if` expressions (dhcp-eval(5) subset).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lexer.hpp"

namespace bootfw::isc_conf::detail {

/// Finds a dhcp-space option by name (standard or defined by the config); nullptr if unknown.
using option_lookup = std::function<const option_definition*(std::string_view name)>;

/// Parses a boolean expression from tokens[pos…], leaving pos on the token after it (the ';').
/// A chain `a or b or c` becomes one or_ node with every operand (and_ likewise). Nesting (`not`,
/// parentheses, substring/suffix) deeper than 256 levels is a parse_error, so nothing that walks the
/// tree recursively can overflow the stack.
/// Grammar: or := and ('or' and)* ; and := unary ('and' unary)* ;
///          unary := 'not' unary | '(' or ')' | 'exists' ['option'] NAME | data ('=' | '!=') data
///          data := 'option' NAME | 'substring' '(' data ',' N ',' N ')' | 'suffix' '(' data ',' N ')'
///                | 'hardware' | "text" | hex (01:02:0a)
expression_ptr parse_expression(const std::vector<token>& tokens, std::size_t& pos, const std::string& file,
                                const option_lookup& lookup);

/// Renders an expression back to dhcpd.conf syntax (for to_toml and explain).
std::string to_text(const expression& e);

}  // namespace bootfw::isc_conf::detail
