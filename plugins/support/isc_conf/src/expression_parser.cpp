#include "expression_parser.hpp"

#include <charconv>

#include "option_values.hpp"

namespace bootfw::isc_conf::detail {
namespace {

class expression_parser {
 public:
  expression_parser(const std::vector<token>& t, std::size_t& p, const std::string& f, const option_lookup& l)
      : tokens_(t), pos_(p), file_(f), lookup_(l) {}

  expression_ptr parse_or() {
    auto left = parse_and();
    while (peek().is_word("or")) {
      ++pos_;
      left = binary(expression::kind::or_, left, parse_and());
    }
    return left;
  }

 private:
  const token& peek() const { return tokens_[pos_]; }
  [[noreturn]] void fail(const std::string& m) const { throw parse_error({file_, peek().line}, m); }
  void expect(char c) {
    if (!peek().is_punct(c)) fail(std::string("expected '") + c + "' in expression, found '" + peek().text + "'");
    ++pos_;
  }
  static expression_ptr binary(expression::kind k, expression_ptr a, expression_ptr b) {
    auto e = std::make_shared<expression>();
    e->what = k;
    e->operands = {std::move(a), std::move(b)};
    return e;
  }

  expression_ptr parse_and() {
    auto left = parse_unary();
    while (peek().is_word("and")) {
      ++pos_;
      left = binary(expression::kind::and_, left, parse_unary());
    }
    return left;
  }

  expression_ptr parse_unary() {
    if (peek().is_word("not")) {
      ++pos_;
      auto e = std::make_shared<expression>();
      e->what = expression::kind::not_;
      e->operands = {parse_unary()};
      return e;
    }
    if (peek().is_punct('(')) {
      ++pos_;
      auto inner = parse_or();
      expect(')');
      return inner;
    }
    if (peek().is_word("exists")) {
      ++pos_;
      if (peek().is_word("option")) ++pos_;
      auto e = option_reference(expression::kind::exists);
      return e;
    }
    auto left = parse_data();
    expression::kind k;
    if (peek().is_punct('=')) {
      k = expression::kind::equal;
      ++pos_;
    } else if (peek().is_punct('!') && tokens_[pos_ + 1].is_punct('=')) {
      k = expression::kind::not_equal;
      pos_ += 2;
    } else {
      fail("expected '=' or '!=' after a data expression, found '" + peek().text + "'");
    }
    return binary(k, left, parse_data());
  }

  expression_ptr option_reference(expression::kind k) {
    const auto& name = peek();
    if (name.what != token::kind::word) fail("expected an option name");
    if (name.text.find('.') != std::string::npos)
      fail("option '" + name.text + "': options of other spaces cannot be matched (only the dhcp space)");
    const auto* def = lookup_(name.text);
    if (!def) fail("unknown option '" + name.text + "'");
    ++pos_;
    auto e = std::make_shared<expression>();
    e->what = k;
    e->option_code = def->code;
    e->option_name = def->name;
    return e;
  }

  std::uint32_t number() {
    std::uint32_t v = 0;
    const auto& w = peek().text;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (peek().what != token::kind::word || ec != std::errc() || p != w.data() + w.size())
      fail("expected a number, found '" + w + "'");
    ++pos_;
    return v;
  }

  expression_ptr parse_data() {
    auto e = std::make_shared<expression>();
    const auto& t = peek();
    if (t.is_word("option")) {
      ++pos_;
      return option_reference(expression::kind::option);
    }
    if (t.is_word("substring") || t.is_word("suffix")) {
      bool sub = t.text == "substring";
      ++pos_;
      expect('(');
      e->what = sub ? expression::kind::substring : expression::kind::suffix;
      e->operands = {parse_data()};
      expect(',');
      if (sub) {
        e->offset = number();
        expect(',');
      }
      e->length = number();
      expect(')');
      return e;
    }
    if (t.is_word("hardware")) {
      ++pos_;
      e->what = expression::kind::hardware;
      return e;
    }
    e->what = expression::kind::literal;
    if (t.what == token::kind::quoted) {
      e->data.assign(t.text.begin(), t.text.end());
      e->literal_is_text = true;
      ++pos_;
      return e;
    }
    if (t.what == token::kind::word) {
      if (auto h = parse_hex(t.text)) {
        e->data = std::move(*h);
        ++pos_;
        return e;
      }
    }
    fail("unsupported expression '" + t.text +
         "' (supported: option, substring, suffix, hardware, exists, \"text\", hex, and, or, not, =, !=)");
  }

  const std::vector<token>& tokens_;
  std::size_t& pos_;
  const std::string& file_;
  const option_lookup& lookup_;
};

}  // namespace

expression_ptr parse_expression(const std::vector<token>& tokens, std::size_t& pos, const std::string& file,
                                const option_lookup& lookup) {
  return expression_parser(tokens, pos, file, lookup).parse_or();
}

std::string to_text(const expression& e) {
  auto op = [&](std::size_t i) { return to_text(*e.operands[i]); };
  switch (e.what) {
    case expression::kind::equal: return op(0) + " = " + op(1);
    case expression::kind::not_equal: return op(0) + " != " + op(1);
    case expression::kind::and_: return "(" + op(0) + " and " + op(1) + ")";
    case expression::kind::or_: return "(" + op(0) + " or " + op(1) + ")";
    case expression::kind::not_: return "not " + op(0);
    case expression::kind::exists: return "exists " + e.option_name;
    case expression::kind::option: return "option " + e.option_name;
    case expression::kind::substring:
      return "substring(" + op(0) + ", " + std::to_string(e.offset) + ", " + std::to_string(e.length) + ")";
    case expression::kind::suffix: return "suffix(" + op(0) + ", " + std::to_string(e.length) + ")";
    case expression::kind::hardware: return "hardware";
    case expression::kind::literal:
      return e.literal_is_text ? "\"" + std::string(e.data.begin(), e.data.end()) + "\"" : to_hex(e.data);
  }
  return {};
}

}  // namespace bootfw::isc_conf::detail
