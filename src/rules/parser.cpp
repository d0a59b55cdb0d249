// The rule language's lexer and recursive-descent parser.
//
//   or      := and ("or" and)*
//   and     := not ("and" not)*
//   not     := "not" not | compare
//   compare := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum
//                  | ["not"] "in" sum | ["not"] "between" sum "and" sum | "within" sum ]
//   sum     := product (("+"|"-") product)*
//   product := unary (("*"|"/") unary)*
//   unary   := "-" unary | postfix
//   postfix := primary ("." name)*
//   primary := number | string | date | "true" | "false" | "[" [or ("," or)*] "]"
//            | name | name "(" [or ("," or)*] ")" | "(" or ")"
#include <fmt/format.h>

#include <algorithm>

#include "money/decimal_text.hpp"
#include "rules/ast.hpp"

namespace subsidy::internal {

namespace {

enum class TokenKind {
  kEnd, kName, kNumber, kString, kDate, kLeftParen, kRightParen, kLeftBracket, kRightBracket,
  kComma, kDot, kEq, kNe, kLt, kLe, kGt, kGe, kPlus, kMinus, kStar, kSlash
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  SourceSpan span;
  std::string text;  // name, string value, or the literal as written
  Rational number;
  int32_t date = 0;
};

bool is_name_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_name_char(unsigned char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd: return "the end of the rule";
    case TokenKind::kString: return "\"" + token.text + "\"";
    default: return "\"" + token.text + "\"";
  }
}

class Parser {
 public:
  Parser(std::string_view text, const RuleLimits& limits) : text_(text), limits_(limits) {}

  Result<Ast> parse();

 private:
  // --- lexing ---
  Status lex_all();
  Status lex_one(Token* token);
  void advance_byte(size_t count);
  Status error(const SourceSpan& span, const std::string& message) const {
    return invalid_argument(error_at(text_, span, message));
  }

  // --- parsing ---
  const Token& peek() const { return tokens_[position_]; }
  const Token& take() { return tokens_[position_++]; }
  bool peek_name(std::string_view name) const {
    return peek().kind == TokenKind::kName && peek().text == name;
  }
  Result<int> add_node(Node node);
  Status enter(const Token& at);
  Result<int> parse_or();
  Result<int> parse_and();
  Result<int> parse_not();
  Result<int> parse_compare();
  Result<int> parse_sum();
  Result<int> parse_product();
  Result<int> parse_unary();
  Result<int> parse_postfix();
  Result<int> parse_primary();
  Result<std::vector<int>> parse_arguments(TokenKind close, const Token& open, int max_count);
  Result<int> binary(BinaryOp op, int left, int right);
  Result<int> prefix(NodeKind kind, const Token& op, int operand);
  SourceSpan cover(int first, int last) const {
    SourceSpan span = ast_.nodes[first].span;
    span.end = ast_.nodes[last].span.end;
    return span;
  }

  std::string_view text_;
  const RuleLimits& limits_;
  size_t offset_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::vector<Token> tokens_;
  size_t position_ = 0;
  int depth_ = 0;
  Ast ast_;
  std::vector<int> heights_;  // by node
  static constexpr int kMaxHeight = 5000;
};

void Parser::advance_byte(size_t count) {
  for (size_t k = 0; k < count && offset_ < text_.size(); ++k) {
    const auto c = static_cast<unsigned char>(text_[offset_++]);
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column_;  // columns count characters, not bytes: continuation bytes add none
    }
  }
  // A continuation byte just consumed belongs to the character already counted; the first byte of
  // a multi-byte character counted it. Nothing else to adjust.
}

Status Parser::lex_one(Token* token) {
  while (offset_ < text_.size() &&
         (text_[offset_] == ' ' || text_[offset_] == '\t' || text_[offset_] == '\n' ||
          text_[offset_] == '\r')) {
    advance_byte(1);
  }
  token->span = SourceSpan{static_cast<int>(offset_), static_cast<int>(offset_), line_, column_};
  if (offset_ == text_.size()) {
    token->kind = TokenKind::kEnd;
    return Status::Ok();
  }
  const size_t start = offset_;
  const char c = text_[offset_];
  auto finish = [&](TokenKind kind, size_t length) {
    token->kind = kind;
    token->text = std::string(text_.substr(start, length));
    advance_byte(length);
    token->span.end = static_cast<int>(offset_);
    return Status::Ok();
  };
  // A date: four digits, '-', two digits, '-', two digits.
  if (text_.size() - offset_ >= 10 && is_digit(c) && is_digit(text_[offset_ + 1]) &&
      is_digit(text_[offset_ + 2]) && is_digit(text_[offset_ + 3]) && text_[offset_ + 4] == '-' &&
      is_digit(text_[offset_ + 5]) && is_digit(text_[offset_ + 6]) && text_[offset_ + 7] == '-' &&
      is_digit(text_[offset_ + 8]) && is_digit(text_[offset_ + 9]) &&
      (offset_ + 10 == text_.size() || !is_name_char(static_cast<unsigned char>(text_[offset_ + 10])))) {
    Result<Date> date = parse_date(text_.substr(offset_, 10));
    if (!date.ok()) {
      SourceSpan span = token->span;
      span.end = span.begin + 10;
      return error(span, date.status().message());
    }
    token->date = date->serial();
    return finish(TokenKind::kDate, 10);
  }
  if (is_digit(c)) {
    size_t end = offset_;
    while (end < text_.size() && (is_digit(text_[end]) || text_[end] == '_' || text_[end] == '.')) {
      ++end;
    }
    // A unit or percent sign may follow: 万, 亿, %, ‰.
    const std::string_view rest = text_.substr(end);
    for (const std::string_view suffix : {"万", "亿", "%", "‰"}) {
      if (rest.substr(0, suffix.size()) == suffix) {
        end += suffix.size();
        break;
      }
    }
    const std::string_view literal = text_.substr(offset_, end - offset_);
    SourceSpan span = token->span;
    span.end = static_cast<int>(end);
    if (end < text_.size() && is_name_char(static_cast<unsigned char>(text_[end]))) {
      // Quote the whole word that runs on (a Chinese unit such as 元 is one character, 3 bytes).
      size_t word_end = end;
      while (word_end < text_.size() && is_name_char(static_cast<unsigned char>(text_[word_end]))) {
        ++word_end;
      }
      return error(span, fmt::format("invalid number \"{}\"", text_.substr(offset_, word_end - offset_)));
    }
    DecimalText decimal;
    if (scan_decimal(literal, false, &decimal) != ScanError::kNone ||
        !(decimal.suffix.empty() || decimal.suffix == "万" || decimal.suffix == "亿" ||
          decimal.suffix == "%" || decimal.suffix == "‰")) {
      return error(span, fmt::format("invalid number \"{}\"", literal));
    }
    if (decimal.digit_count > 18 || decimal.fraction_digits > 18) {
      return error(span, fmt::format("number \"{}\" has more than 18 digits", literal));
    }
    Int128 numerator = decimal.mantissa;
    Int128 denominator = pow10(decimal.fraction_digits);
    if (decimal.suffix == "万") numerator *= 10'000;
    if (decimal.suffix == "亿") numerator *= 100'000'000;
    if (decimal.suffix == "%") denominator *= 100;
    if (decimal.suffix == "‰") denominator *= 1000;
    make_rational(numerator, denominator, &token->number);
    return finish(TokenKind::kNumber, end - offset_);
  }
  if (c == '"') {
    std::string value;
    size_t at = offset_ + 1;
    while (at < text_.size() && text_[at] != '"') {
      if (text_[at] == '\\' && at + 1 < text_.size() &&
          (text_[at + 1] == '"' || text_[at + 1] == '\\')) {
        ++at;
      }
      if (text_[at] == '\n') break;
      value.push_back(text_[at]);
      ++at;
    }
    if (at >= text_.size() || text_[at] != '"') {
      return error(token->span, "unterminated string (a string ends with \" on the same line)");
    }
    const Status status = finish(TokenKind::kString, at + 1 - offset_);
    token->text = std::move(value);
    return status;
  }
  if (is_name_start(static_cast<unsigned char>(c))) {
    size_t end = offset_;
    while (end < text_.size() && is_name_char(static_cast<unsigned char>(text_[end]))) ++end;
    return finish(TokenKind::kName, end - offset_);
  }
  const std::string_view two = text_.substr(offset_, 2);
  if (two == "==") return finish(TokenKind::kEq, 2);
  if (two == "!=") return finish(TokenKind::kNe, 2);
  if (two == "<=") return finish(TokenKind::kLe, 2);
  if (two == ">=") return finish(TokenKind::kGe, 2);
  switch (c) {
    case '(': return finish(TokenKind::kLeftParen, 1);
    case ')': return finish(TokenKind::kRightParen, 1);
    case '[': return finish(TokenKind::kLeftBracket, 1);
    case ']': return finish(TokenKind::kRightBracket, 1);
    case ',': return finish(TokenKind::kComma, 1);
    case '.': return finish(TokenKind::kDot, 1);
    case '<': return finish(TokenKind::kLt, 1);
    case '>': return finish(TokenKind::kGt, 1);
    case '+': return finish(TokenKind::kPlus, 1);
    case '-': return finish(TokenKind::kMinus, 1);
    case '*': return finish(TokenKind::kStar, 1);
    case '/': return finish(TokenKind::kSlash, 1);
    case '=':
      return error(token->span, "unexpected \"=\"; did you mean \"==\"?");
    case '\'':
      return error(token->span, "strings are written in double quotes: \"...\"");
    default: break;
  }
  size_t length = 1;
  const auto lead = static_cast<unsigned char>(c);
  if (lead >= 0xC0) length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  return error(token->span,
               fmt::format("unexpected character \"{}\"", text_.substr(offset_, length)));
}

Status Parser::lex_all() {
  while (true) {
    Token token;
    SUBSIDY_RETURN_IF_ERROR(lex_one(&token));
    const bool end = token.kind == TokenKind::kEnd;
    tokens_.push_back(std::move(token));
    if (end) return Status::Ok();
    if (static_cast<int64_t>(tokens_.size()) > 4 * static_cast<int64_t>(limits_.max_nodes)) {
      return error(tokens_.back().span,
                   fmt::format("the rule has more than {} terms", limits_.max_nodes));
    }
  }
}

Result<int> Parser::add_node(Node node) {
  if (static_cast<int>(ast_.nodes.size()) >= limits_.max_nodes) {
    return error(node.span, fmt::format("the rule has more than {} terms", limits_.max_nodes));
  }
  // Chains of and/or/+ parse in a loop but are trees for the binder and the evaluator, which walk
  // them recursively: bound their height too, whatever the limits, to bound the stack.
  int height = 1;
  for (const int child : node.children) height = std::max(height, heights_[child] + 1);
  if (height > kMaxHeight) {
    return error(node.span, fmt::format("the rule chains more than {} operators", kMaxHeight));
  }
  heights_.push_back(height);
  ast_.nodes.push_back(std::move(node));
  return static_cast<int>(ast_.nodes.size()) - 1;
}

// Called on entering every recursive level: bounds the nesting (and so the stack).
Status Parser::enter(const Token& at) {
  if (++depth_ > limits_.max_depth) {
    return error(at.span, fmt::format("the rule nests deeper than {} levels", limits_.max_depth));
  }
  return Status::Ok();
}

struct DepthGuard {
  int* depth;
  ~DepthGuard() { --*depth; }
};

// A prefix operator (`not`, unary minus): spans from the operator to the end of its operand.
Result<int> Parser::prefix(NodeKind kind, const Token& op, int operand) {
  Node node;
  node.kind = kind;
  node.span = op.span;
  node.span.end = ast_.nodes[operand].span.end;
  node.children = {operand};
  return add_node(std::move(node));
}

Result<int> Parser::binary(BinaryOp op, int left, int right) {
  Node node;
  node.kind = NodeKind::kBinary;
  node.op = op;
  node.span = cover(left, right);
  node.children = {left, right};
  return add_node(std::move(node));
}

Result<int> Parser::parse_or() {
  SUBSIDY_RETURN_IF_ERROR(enter(peek()));
  DepthGuard guard{&depth_};
  SUBSIDY_ASSIGN_OR_RETURN(int left, parse_and());
  while (peek_name("or")) {
    take();
    SUBSIDY_ASSIGN_OR_RETURN(const int right, parse_and());
    SUBSIDY_ASSIGN_OR_RETURN(left, binary(BinaryOp::kOr, left, right));
  }
  return left;
}

Result<int> Parser::parse_and() {
  SUBSIDY_ASSIGN_OR_RETURN(int left, parse_not());
  while (peek_name("and")) {
    take();
    SUBSIDY_ASSIGN_OR_RETURN(const int right, parse_not());
    SUBSIDY_ASSIGN_OR_RETURN(left, binary(BinaryOp::kAnd, left, right));
  }
  return left;
}

Result<int> Parser::parse_not() {
  if (peek_name("not")) {
    const Token& word = take();
    SUBSIDY_RETURN_IF_ERROR(enter(word));
    DepthGuard guard{&depth_};
    SUBSIDY_ASSIGN_OR_RETURN(const int operand, parse_not());
    return prefix(NodeKind::kNot, word, operand);
  }
  return parse_compare();
}

Result<int> Parser::parse_compare() {
  SUBSIDY_ASSIGN_OR_RETURN(const int left, parse_sum());
  const Token& next = peek();
  BinaryOp op;
  switch (next.kind) {
    case TokenKind::kEq: op = BinaryOp::kEq; break;
    case TokenKind::kNe: op = BinaryOp::kNe; break;
    case TokenKind::kLt: op = BinaryOp::kLt; break;
    case TokenKind::kLe: op = BinaryOp::kLe; break;
    case TokenKind::kGt: op = BinaryOp::kGt; break;
    case TokenKind::kGe: op = BinaryOp::kGe; break;
    default: {
      bool negated = false;
      if (peek_name("not") && (tokens_[position_ + 1].kind == TokenKind::kName &&
                               (tokens_[position_ + 1].text == "in" ||
                                tokens_[position_ + 1].text == "between"))) {
        take();
        negated = true;
      }
      if (peek_name("in")) {
        take();
        SUBSIDY_ASSIGN_OR_RETURN(const int list, parse_sum());
        Node node;
        node.kind = NodeKind::kIn;
        node.negated = negated;
        node.span = cover(left, list);
        node.children = {left, list};
        return add_node(std::move(node));
      }
      if (peek_name("between")) {
        take();
        SUBSIDY_ASSIGN_OR_RETURN(const int low, parse_sum());
        if (!peek_name("and")) {
          return error(peek().span, fmt::format("expected \"and\" in \"between ... and ...\", found {}",
                                                describe(peek())));
        }
        take();
        SUBSIDY_ASSIGN_OR_RETURN(const int high, parse_sum());
        Node node;
        node.kind = NodeKind::kBetween;
        node.negated = negated;
        node.span = cover(left, high);
        node.children = {left, low, high};
        return add_node(std::move(node));
      }
      if (peek_name("within")) {
        take();
        SUBSIDY_ASSIGN_OR_RETURN(const int prefix, parse_sum());
        Node node;
        node.kind = NodeKind::kWithin;
        node.span = cover(left, prefix);
        node.children = {left, prefix};
        return add_node(std::move(node));
      }
      return left;
    }
  }
  take();
  SUBSIDY_ASSIGN_OR_RETURN(const int right, parse_sum());
  const TokenKind after = peek().kind;
  if (after == TokenKind::kEq || after == TokenKind::kNe || after == TokenKind::kLt ||
      after == TokenKind::kLe || after == TokenKind::kGt || after == TokenKind::kGe) {
    return error(peek().span,
                 "comparisons do not chain; write \"a < b and b < c\" (or \"b between a and c\")");
  }
  return binary(op, left, right);
}

Result<int> Parser::parse_sum() {
  SUBSIDY_ASSIGN_OR_RETURN(int left, parse_product());
  while (peek().kind == TokenKind::kPlus || peek().kind == TokenKind::kMinus) {
    const BinaryOp op = take().kind == TokenKind::kPlus ? BinaryOp::kAdd : BinaryOp::kSub;
    SUBSIDY_ASSIGN_OR_RETURN(const int right, parse_product());
    SUBSIDY_ASSIGN_OR_RETURN(left, binary(op, left, right));
  }
  return left;
}

Result<int> Parser::parse_product() {
  SUBSIDY_ASSIGN_OR_RETURN(int left, parse_unary());
  while (peek().kind == TokenKind::kStar || peek().kind == TokenKind::kSlash) {
    const BinaryOp op = take().kind == TokenKind::kStar ? BinaryOp::kMul : BinaryOp::kDiv;
    SUBSIDY_ASSIGN_OR_RETURN(const int right, parse_unary());
    SUBSIDY_ASSIGN_OR_RETURN(left, binary(op, left, right));
  }
  return left;
}

Result<int> Parser::parse_unary() {
  if (peek().kind == TokenKind::kMinus) {
    const Token& minus = take();
    SUBSIDY_RETURN_IF_ERROR(enter(minus));
    DepthGuard guard{&depth_};
    SUBSIDY_ASSIGN_OR_RETURN(const int operand, parse_unary());
    return prefix(NodeKind::kNegate, minus, operand);
  }
  return parse_postfix();
}

Result<int> Parser::parse_postfix() {
  SUBSIDY_ASSIGN_OR_RETURN(int base, parse_primary());
  while (peek().kind == TokenKind::kDot) {
    take();
    if (peek().kind != TokenKind::kName) {
      return error(peek().span, fmt::format("expected a field name after \".\", found {}",
                                            describe(peek())));
    }
    const Token& field = take();
    Node node;
    node.kind = NodeKind::kField;
    node.span = ast_.nodes[base].span;
    node.span.end = field.span.end;
    node.text = field.text;
    node.children = {base};
    SUBSIDY_ASSIGN_OR_RETURN(base, add_node(std::move(node)));
  }
  return base;
}

Result<std::vector<int>> Parser::parse_arguments(TokenKind close, const Token& open,
                                                 int max_count) {
  std::vector<int> items;
  const char* closer = close == TokenKind::kRightParen ? ")" : "]";
  if (peek().kind == close) {
    take();
    return items;
  }
  while (true) {
    SUBSIDY_ASSIGN_OR_RETURN(const int item, parse_or());
    items.push_back(item);
    if (static_cast<int>(items.size()) > max_count) {
      return error(ast_.nodes[item].span,
                   close == TokenKind::kRightBracket
                       ? fmt::format("a list holds at most {} elements", max_count)
                       : fmt::format("a call takes at most {} arguments", max_count));
    }
    if (peek().kind == TokenKind::kComma) {
      take();
      continue;
    }
    if (peek().kind == close) {
      take();
      return items;
    }
    return error(peek().span, fmt::format("expected \",\" or \"{}\" to close \"{}\" at {}:{}, found {}",
                                          closer, open.text, open.span.line, open.span.column,
                                          describe(peek())));
  }
}

Result<int> Parser::parse_primary() {
  const Token& token = peek();
  SUBSIDY_RETURN_IF_ERROR(enter(token));
  DepthGuard guard{&depth_};
  Node node;
  node.span = token.span;
  switch (token.kind) {
    case TokenKind::kNumber:
      take();
      node.kind = NodeKind::kNumber;
      node.number = token.number;
      node.text = token.text;
      return add_node(std::move(node));
    case TokenKind::kString:
      take();
      node.kind = NodeKind::kString;
      node.text = token.text;
      return add_node(std::move(node));
    case TokenKind::kDate:
      take();
      node.kind = NodeKind::kDate;
      node.date = token.date;
      node.text = token.text;
      return add_node(std::move(node));
    case TokenKind::kLeftParen: {
      const Token& open = take();
      SUBSIDY_ASSIGN_OR_RETURN(const int inner, parse_or());
      if (peek().kind != TokenKind::kRightParen) {
        return error(peek().span, fmt::format("expected \")\" to close \"(\" at {}:{}, found {}",
                                              open.span.line, open.span.column, describe(peek())));
      }
      const Token& close = take();
      // The parenthesized expression spans its parentheses: clause texts and carets keep them.
      SourceSpan& span = ast_.nodes[inner].span;
      span.begin = open.span.begin;
      span.line = open.span.line;
      span.column = open.span.column;
      span.end = close.span.end;
      return inner;
    }
    case TokenKind::kLeftBracket: {
      const Token& open = take();
      SUBSIDY_ASSIGN_OR_RETURN(std::vector<int> items,
                               parse_arguments(TokenKind::kRightBracket, open, limits_.max_list));
      node.kind = NodeKind::kList;
      node.span.end = tokens_[position_ - 1].span.end;
      node.children = std::move(items);
      return add_node(std::move(node));
    }
    case TokenKind::kName: {
      static constexpr std::string_view kReserved[] = {"and", "or", "not", "in", "between",
                                                       "within"};
      for (const std::string_view word : kReserved) {
        if (token.text == word) {
          return error(token.span, fmt::format("expected a value, found \"{}\"", token.text));
        }
      }
      take();
      if (token.text == "true" || token.text == "false") {
        node.kind = NodeKind::kBool;
        node.boolean = token.text == "true";
        node.text = token.text;
        return add_node(std::move(node));
      }
      node.text = token.text;
      if (peek().kind == TokenKind::kLeftParen) {
        const Token& open = take();
        SUBSIDY_ASSIGN_OR_RETURN(std::vector<int> arguments,
                                 parse_arguments(TokenKind::kRightParen, open, 64));
        node.kind = NodeKind::kCall;
        node.span.end = tokens_[position_ - 1].span.end;
        node.children = std::move(arguments);
        return add_node(std::move(node));
      }
      node.kind = NodeKind::kColumn;
      return add_node(std::move(node));
    }
    case TokenKind::kEnd:
      return error(token.span, "the rule ends where a value was expected");
    default:
      return error(token.span, fmt::format("expected a value, found {}", describe(token)));
  }
}

Result<Ast> Parser::parse() {
  ast_.text = std::string(text_);
  if (text_.size() > limits_.max_length) {
    return invalid_argument(fmt::format("the rule is longer than {} bytes", limits_.max_length));
  }
  SUBSIDY_RETURN_IF_ERROR(lex_all());
  if (tokens_.front().kind == TokenKind::kEnd) {
    return error(tokens_.front().span, "the rule is empty");
  }
  SUBSIDY_ASSIGN_OR_RETURN(ast_.root, parse_or());
  if (peek().kind != TokenKind::kEnd) {
    return error(peek().span, fmt::format("unexpected {} after a complete rule", describe(peek())));
  }
  return std::move(ast_);
}

}  // namespace

std::string error_at(std::string_view text, const SourceSpan& span, const std::string& message) {
  // The line that holds the error, and a caret under its column (in characters).
  size_t line_start = static_cast<size_t>(span.begin);
  while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
  size_t line_end = text.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = text.size();
  std::string_view excerpt = text.substr(line_start, line_end - line_start);
  if (!excerpt.empty() && excerpt.back() == '\r') excerpt.remove_suffix(1);
  return fmt::format("{}:{}: {}\n  {}\n  {}^", span.line, span.column, message, excerpt,
                     std::string(static_cast<size_t>(span.column - 1), ' '));
}

Result<Ast> parse_rule(std::string_view text, const RuleLimits& limits) {
  Parser parser(text, limits);
  return parser.parse();
}

}  // namespace subsidy::internal
