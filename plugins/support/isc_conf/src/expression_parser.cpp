#include "expression_parser.hpp"

#include <charconv>

#include "option_values.hpp"

namespace bootfw::isc_conf::detail {
namespace {

class expression_parser {
 public:
  expression_parser(const std::vector<token>& t, std::size_t& p, const std::string& f, const option_lookup& l)
      : tokens_(t), pos_(p), file_(f), lookup_(l) {}

  /// Far above anything a real dhcpd.conf writes; low enough that the recursion stays well inside a
  /// thread's stack.
  static constexpr int max_depth = 256;

  expression_ptr parse_or() { return chain(expression::kind::or_, "or", &expression_parser::parse_and); }

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

  /// `a OP b OP c …` as one node with every operand: and/or are associative (also in ISC's three-valued
  /// logic), and a flat node keeps the tree as deep as the nesting written (bounded by max_depth), so
  /// evaluate_boolean(), to_text() and the destructor do not recurse once per operand of a long chain.
  expression_ptr chain(expression::kind k, std::string_view op, expression_ptr (expression_parser::*operand)()) {
    auto first = (this->*operand)();
    if (!peek().is_word(op)) return first;
    auto e = std::make_shared<expression>();
    e->what = k;
    e->operands.push_back(std::move(first));
    while (peek().is_word(op)) {
      ++pos_;
      e->operands.push_back((this->*operand)());
    }
    return e;
  }

  expression_ptr parse_and() { return chain(expression::kind::and_, "and", &expression_parser::parse_unary); }

  /// Counts one level of nesting (`not`, parentheses, substring/suffix) for as long as it lives. The
  /// parser is recursive, as ISC's is: past max_depth it stops with a parse error instead of
  /// overflowing the stack on a hostile file.
  class nesting {
   public:
    explicit nesting(expression_parser& p) : p_(p) {
      if (++p_.depth_ > max_depth)
        p_.fail("expression nested more than " + std::to_string(max_depth) + " levels deep");
    }
    ~nesting() { --p_.depth_; }
    nesting(const nesting&) = delete;
    nesting& operator=(const nesting&) = delete;

   private:
    expression_parser& p_;
  };

  expression_ptr parse_unary() {
    if (peek().is_word("not")) {
      nesting level(*this);
      ++pos_;
      auto e = std::make_shared<expression>();
      e->what = expression::kind::not_;
      e->operands = {parse_unary()};
      return e;
    }
    if (peek().is_punct('(')) {
      nesting level(*this);
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
      nesting level(*this);
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
  int depth_ = 0;
};

}  // namespace

expression_ptr parse_expression(const std::vector<token>& tokens, std::size_t& pos, const std::string& file,
                                const option_lookup& lookup) {
  return expression_parser(tokens, pos, file, lookup).parse_or();
}

namespace {

// Appends to one string: text built level by level would be copied once per level of nesting.
void append_text(const expression& e, std::string& out) {
  auto op = [&](std::size_t i) { append_text(*e.operands[i], out); };
  auto chain = [&](std::string_view sep) {
    out += '(';
    for (std::size_t i = 0; i < e.operands.size(); ++i) {
      if (i) out += sep;
      op(i);
    }
    out += ')';
  };
  switch (e.what) {
    case expression::kind::equal:
    case expression::kind::not_equal:
      op(0);
      out += e.what == expression::kind::equal ? " = " : " != ";
      op(1);
      return;
    case expression::kind::and_: chain(" and "); return;
    case expression::kind::or_: chain(" or "); return;
    case expression::kind::not_:
      out += "not ";
      op(0);
      return;
    case expression::kind::exists: out += "exists " + e.option_name; return;
    case expression::kind::option: out += "option " + e.option_name; return;
    case expression::kind::substring:
      out += "substring(";
      op(0);
      out += ", " + std::to_string(e.offset) + ", " + std::to_string(e.length) + ")";
      return;
    case expression::kind::suffix:
      out += "suffix(";
      op(0);
      out += ", " + std::to_string(e.length) + ")";
      return;
    case expression::kind::hardware: out += "hardware"; return;
    case expression::kind::literal:
      if (!e.literal_is_text) {
        out += to_hex(e.data);
        return;
      }
      out += '"';
      out.append(e.data.begin(), e.data.end());
      out += '"';
      return;
  }
}

}  // namespace

std::string to_text(const expression& e) {
  std::string out;
  append_text(e, out);
  return out;
}

}  // namespace bootfw::isc_conf::detail
