// The binder: resolves names against the roster and types every node.
//
// Types: bool, money (fen), number (integers, rates and ratios: exact rationals), string, date,
// tags, list (of literals, on the right of `in`). A plain numeric literal — or an expression of
// literals only — is a number that becomes money in yuan next to money (`tax_paid >= 1000`), and
// is folded to its value here. Money times a number is money; money over money is a number; money
// times money, or a number over money, is an error, as is mixing money with a number column.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/suggest.hpp"
#include "rules/ast.hpp"

namespace subsidy::internal {

namespace {

struct FunctionInfo {
  std::string_view name;
  Function function;
};
constexpr std::array<FunctionInfo, 11> kFunctions = {{
    {"if", Function::kIf},
    {"min", Function::kMin},
    {"max", Function::kMax},
    {"abs", Function::kAbs},
    {"coalesce", Function::kCoalesce},
    {"has_tag", Function::kHasTag},
    {"age_years", Function::kAgeYears},
    {"age_months", Function::kAgeMonths},
    {"year", Function::kYear},
    {"quarter", Function::kQuarter},
    {"pct_rank", Function::kPctRank},
}};

std::string type_phrase(RuleType type) {
  switch (type) {
    case RuleType::kBool: return "true/false";
    case RuleType::kMoney: return "money";
    case RuleType::kNumber: return "a number";
    case RuleType::kString: return "text";
    case RuleType::kDate: return "a date";
    case RuleType::kTags: return "a tag set";
    case RuleType::kList: return "a list";
  }
  return "a value";
}

class Binder {
 public:
  Binder(Ast& ast, const Roster& roster) : ast_(ast), roster_(roster) {}

  Status bind(int index);

 private:
  Status bind_node(int index);
  Node& node(int index) { return ast_.nodes[index]; }
  Status error(int index, const std::string& message) const {
    return invalid_argument(error_at(ast_.text, ast_.nodes[index].span, message));
  }
  // The operand as written, for messages: tax_paid, "abc", 2023-01-01.
  std::string quote(int index) const {
    const SourceSpan& span = ast_.nodes[index].span;
    std::string text(ast_.text.substr(span.begin, span.end - span.begin));
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
  }
  std::string described(int index) const {
    return fmt::format("{} ({})", type_phrase(ast_.nodes[index].type), quote(index));
  }
  Status expect(int index, RuleType type, std::string_view where) {
    if (node(index).type == type) return Status::Ok();
    return error(index, fmt::format("{} needs {}, not {}", where, type_phrase(type),
                                    described(index)));
  }
  // Turns a number literal into yuan; an amount finer than a fen is an error (SPEC §3).
  void to_money(int index) {
    Node& literal = node(index);
    Rational fen;
    const bool ok = multiply(*literal.constant, Rational{100, 1}, &fen);
    if (!ok && pending_.ok()) {
      pending_ = error(index, fmt::format("amount \"{}\" is too large", quote(index)));
    } else if (fen.den != 1 && pending_.ok()) {
      pending_ = error(index, fmt::format("amount \"{}\" is finer than a fen", quote(index)));
    }
    literal.constant = fen;
    literal.type = RuleType::kMoney;
    literal.number_literal = false;
  }
  // Makes two operands agree on money vs number where a literal allows it; false if they cannot.
  bool unify_numeric(int a, int b) {
    Node& left = node(a);
    Node& right = node(b);
    if (left.type == RuleType::kMoney && right.type == RuleType::kNumber && right.number_literal) {
      to_money(b);
    } else if (right.type == RuleType::kMoney && left.type == RuleType::kNumber &&
               left.number_literal) {
      to_money(a);
    }
    return node(a).type == node(b).type;
  }
  // Operands of ==, <, in, between, if, min, coalesce: the same type after unification.
  bool unify(int a, int b) {
    const RuleType left = node(a).type;
    const RuleType right = node(b).type;
    if ((left == RuleType::kMoney || left == RuleType::kNumber) &&
        (right == RuleType::kMoney || right == RuleType::kNumber)) {
      return unify_numeric(a, b);
    }
    return left == right;
  }
  bool is_numeric(int index) const {
    const RuleType type = ast_.nodes[index].type;
    return type == RuleType::kMoney || type == RuleType::kNumber;
  }
  Status fold(int index);
  Status bind_column(int index);
  Status bind_binary(int index);
  Status bind_call(int index);

  Ast& ast_;
  const Roster& roster_;
  bool inside_pct_rank_ = false;

 public:
  // An error found while coercing (reported once binding of the node is done).
  Status pending_;
};

RuleType column_rule_type(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
    case ColumnType::kString: return RuleType::kString;
    case ColumnType::kMoney: return RuleType::kMoney;
    case ColumnType::kInteger:
    case ColumnType::kRate: return RuleType::kNumber;
    case ColumnType::kBool: return RuleType::kBool;
    case ColumnType::kDate: return RuleType::kDate;
    case ColumnType::kTags: return RuleType::kTags;
  }
  return RuleType::kString;
}

Status Binder::bind_column(int index) {
  Node& column = node(index);
  const auto& columns = roster_.columns();
  for (size_t col_idx = 0; col_idx < columns.size(); ++col_idx) {
    if (columns[col_idx].name() == column.text) {
      column.column = static_cast<int>(col_idx);
      column.type = column_rule_type(columns[col_idx].type());
      return Status::Ok();
    }
  }
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == column.text) {
      return error(index, fmt::format("{} is a function: write {}(...)", column.text, column.text));
    }
  }
  std::vector<std::string_view> names;
  for (const Column& candidate : columns) names.push_back(candidate.name());
  return error(index, fmt::format("unknown column \"{}\"{}", column.text,
                                  did_you_mean(column.text, names)));
}

// Folds an arithmetic node whose operands are constants (a division by zero is left to run time,
// where it gives null).
Status Binder::fold(int index) {
  Node& parent = node(index);
  for (const int child : parent.children) {
    if (!node(child).constant) return Status::Ok();
  }
  Rational value;
  bool ok = true;
  if (parent.kind == NodeKind::kNegate) {
    const Rational& operand = *node(parent.children[0]).constant;
    ok = subtract(Rational{0, 1}, operand, &value);
  } else {
    const Rational& a = *node(parent.children[0]).constant;
    const Rational& b = *node(parent.children[1]).constant;
    switch (parent.op) {
      case BinaryOp::kAdd: ok = add(a, b, &value); break;
      case BinaryOp::kSub: ok = subtract(a, b, &value); break;
      case BinaryOp::kMul: ok = multiply(a, b, &value); break;
      case BinaryOp::kDiv:
        if (b.num == 0) return Status::Ok();
        ok = divide(a, b, &value);
        break;
      default: return Status::Ok();
    }
  }
  if (!ok) return error(index, "the numbers here are too large to compute exactly");
  parent.constant = value;
  bool literal = true;
  for (const int child : parent.children) literal = literal && node(child).number_literal;
  parent.number_literal = literal;
  return Status::Ok();
}

Status Binder::bind_binary(int index) {
  const int a = node(index).children[0];
  const int b = node(index).children[1];
  const BinaryOp op = node(index).op;
  switch (op) {
    case BinaryOp::kAnd:
    case BinaryOp::kOr: {
      const char* word = op == BinaryOp::kAnd ? "\"and\"" : "\"or\"";
      SUBSIDY_RETURN_IF_ERROR(expect(a, RuleType::kBool, word));
      SUBSIDY_RETURN_IF_ERROR(expect(b, RuleType::kBool, word));
      node(index).type = RuleType::kBool;
      return Status::Ok();
    }
    case BinaryOp::kEq:
    case BinaryOp::kNe:
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe: {
      if (!unify(a, b)) {
        return error(index, fmt::format("cannot compare {} with {}", described(a), described(b)));
      }
      const RuleType type = node(a).type;
      const bool ordering = op != BinaryOp::kEq && op != BinaryOp::kNe;
      if (type == RuleType::kTags || type == RuleType::kList) {
        return error(index, fmt::format("{} cannot be compared; use has_tag(\"...\")",
                                        described(a)));
      }
      if (ordering && (type == RuleType::kString || type == RuleType::kBool)) {
        return error(index, fmt::format("{} compares only with == and !=", type_phrase(type)));
      }
      if (type == RuleType::kString && node(a).kind != NodeKind::kString &&
          node(b).kind != NodeKind::kString) {
        return error(index, "text compares with a literal (\"...\"), not with another column");
      }
      if (type == RuleType::kString && node(a).kind == NodeKind::kString &&
          node(b).kind == NodeKind::kString) {
        return error(index, "compare a column with a literal, not two literals");
      }
      node(index).type = RuleType::kBool;
      return Status::Ok();
    }
    case BinaryOp::kAdd:
    case BinaryOp::kSub: {
      if (!is_numeric(a) || !is_numeric(b)) {
        const int bad = is_numeric(a) ? b : a;
        return error(bad, fmt::format("\"{}\" needs money or numbers, not {}",
                                      op == BinaryOp::kAdd ? "+" : "-", described(bad)));
      }
      if (!unify_numeric(a, b)) {
        return error(index, fmt::format("cannot {} {} and {}",
                                        op == BinaryOp::kAdd ? "add" : "subtract", described(a),
                                        described(b)));
      }
      node(index).type = node(a).type;
      return fold(index);
    }
    case BinaryOp::kMul:
    case BinaryOp::kDiv: {
      if (!is_numeric(a) || !is_numeric(b)) {
        const int bad = is_numeric(a) ? b : a;
        return error(bad, fmt::format("\"{}\" needs money or numbers, not {}",
                                      op == BinaryOp::kMul ? "*" : "/", described(bad)));
      }
      const bool money_a = node(a).type == RuleType::kMoney;
      const bool money_b = node(b).type == RuleType::kMoney;
      if (op == BinaryOp::kMul) {
        if (money_a && money_b) {
          return error(index, fmt::format("cannot multiply money by money ({} * {})", quote(a),
                                          quote(b)));
        }
        node(index).type = money_a || money_b ? RuleType::kMoney : RuleType::kNumber;
      } else {
        if (!money_a && money_b) {
          return error(index, fmt::format("cannot divide a number by money ({} / {})", quote(a),
                                          quote(b)));
        }
        node(index).type = money_a && !money_b ? RuleType::kMoney : RuleType::kNumber;
      }
      return fold(index);
    }
  }
  return Status::Ok();
}

Status Binder::bind_call(int index) {
  Node& call = node(index);
  for (const FunctionInfo& info : kFunctions) {
    if (info.name == call.text) call.function = info.function;
  }
  if (call.function == Function::kNone) {
    std::vector<std::string_view> names;
    for (const FunctionInfo& info : kFunctions) names.push_back(info.name);
    return error(index, fmt::format("unknown function \"{}\"{}", call.text,
                                    did_you_mean(call.text, names)));
  }
  const std::vector<int> args = call.children;
  const std::string name = call.text;
  auto arity = [&](size_t low, size_t high) -> Status {
    if (args.size() >= low && args.size() <= high) return Status::Ok();
    const std::string wanted = low == high ? std::to_string(low)
                               : high > 64 ? fmt::format("at least {}", low)
                                           : fmt::format("{} or {}", low, high);
    return error(index, fmt::format("{}() takes {} argument{}, not {}", name, wanted,
                                    low == 1 && high == 1 ? "" : "s", args.size()));
  };
  switch (call.function) {
    case Function::kIf: {
      SUBSIDY_RETURN_IF_ERROR(arity(3, 3));
      SUBSIDY_RETURN_IF_ERROR(expect(args[0], RuleType::kBool, "the condition of if()"));
      if (!unify(args[1], args[2])) {
        return error(index, fmt::format("if() gives {} or {}: they must agree", described(args[1]),
                                        described(args[2])));
      }
      node(index).type = node(args[1]).type;
      if (node(index).type == RuleType::kString || node(index).type == RuleType::kTags ||
          node(index).type == RuleType::kList) {
        return error(index, "if() gives money, numbers, dates or true/false");
      }
      break;
    }
    case Function::kMin:
    case Function::kMax:
    case Function::kCoalesce: {
      SUBSIDY_RETURN_IF_ERROR(arity(2, 1000));
      for (size_t k = 1; k < args.size(); ++k) {
        for (size_t j = 0; j < k; ++j) unify(args[j], args[k]);
      }
      for (size_t k = 1; k < args.size(); ++k) {
        if (!unify(args[0], args[k])) {
          return error(args[k], fmt::format("{}() needs arguments of one type: {} and {}", name,
                                            described(args[0]), described(args[k])));
        }
      }
      const RuleType type = node(args[0]).type;
      if (call.function != Function::kCoalesce && type != RuleType::kMoney &&
          type != RuleType::kNumber && type != RuleType::kDate) {
        return error(args[0], fmt::format("{}() needs money, numbers or dates, not {}", name,
                                          described(args[0])));
      }
      if (type == RuleType::kTags || type == RuleType::kList || type == RuleType::kString) {
        return error(args[0], fmt::format("{}() cannot take {}", name, described(args[0])));
      }
      node(index).type = type;
      break;
    }
    case Function::kAbs:
      SUBSIDY_RETURN_IF_ERROR(arity(1, 1));
      if (!is_numeric(args[0])) {
        return error(args[0], fmt::format("abs() needs money or a number, not {}",
                                          described(args[0])));
      }
      node(index).type = node(args[0]).type;
      break;
    case Function::kHasTag: {
      SUBSIDY_RETURN_IF_ERROR(arity(1, 2));
      const int tag = args.back();
      if (node(tag).kind != NodeKind::kString) {
        return error(tag, "has_tag() takes the tag as a literal: has_tag(\"专精特新\")");
      }
      if (args.size() == 2) {
        SUBSIDY_RETURN_IF_ERROR(expect(args[0], RuleType::kTags, "has_tag()"));
        if (node(args[0]).kind != NodeKind::kColumn) {
          return error(args[0], "has_tag() reads a tags column: has_tag(tags, \"...\")");
        }
        node(index).column = node(args[0]).column;
      } else {
        const Column* tags = roster_.find("tags");
        if (tags == nullptr || tags->type() != ColumnType::kTags) {
          return error(index, "has_tag() reads the tags column, and the roster has none");
        }
        const auto& columns = roster_.columns();
        node(index).column = static_cast<int>(tags - columns.data());
      }
      node(index).type = RuleType::kBool;
      break;
    }
    case Function::kAgeYears:
    case Function::kAgeMonths:
    case Function::kYear:
    case Function::kQuarter:
      SUBSIDY_RETURN_IF_ERROR(arity(1, 1));
      SUBSIDY_RETURN_IF_ERROR(expect(args[0], RuleType::kDate, name + "()"));
      node(index).type = RuleType::kNumber;
      break;
    case Function::kPctRank:
      SUBSIDY_RETURN_IF_ERROR(arity(1, 1));
      if (!is_numeric(args[0]) && node(args[0]).type != RuleType::kDate) {
        return error(args[0], fmt::format("pct_rank() ranks money, numbers or dates, not {}",
                                          described(args[0])));
      }
      node(index).type = RuleType::kNumber;
      break;
    case Function::kNone: break;
  }
  return Status::Ok();
}

Status Binder::bind(int index) {
  SUBSIDY_RETURN_IF_ERROR(bind_node(index));
  return pending_;
}

Status Binder::bind_node(int index) {
  // Children first (the parser has already bounded the depth).
  const NodeKind kind = node(index).kind;
  const bool pct_rank = kind == NodeKind::kCall && node(index).text == "pct_rank";
  if (pct_rank) {
    if (inside_pct_rank_) return error(index, "pct_rank() cannot be nested in pct_rank()");
    inside_pct_rank_ = true;
  }
  for (const int child : std::vector<int>(node(index).children)) SUBSIDY_RETURN_IF_ERROR(bind(child));
  if (pct_rank) inside_pct_rank_ = false;
  Node& current = node(index);
  switch (kind) {
    case NodeKind::kNumber:
      current.type = RuleType::kNumber;
      current.number_literal = true;
      current.constant = current.number;
      return Status::Ok();
    case NodeKind::kString: current.type = RuleType::kString; return Status::Ok();
    case NodeKind::kDate:
      current.type = RuleType::kDate;
      current.constant = Rational{current.date, 1};  // a day serial, compared as a number
      return Status::Ok();
    case NodeKind::kBool: current.type = RuleType::kBool; return Status::Ok();
    case NodeKind::kList: {
      for (const int element : current.children) {
        const NodeKind element_kind = node(element).kind;
        const bool literal = element_kind == NodeKind::kString || element_kind == NodeKind::kDate ||
                             element_kind == NodeKind::kBool || node(element).constant.has_value();
        if (!literal) return error(element, "a list holds literals only");
      }
      current.type = RuleType::kList;
      return Status::Ok();
    }
    case NodeKind::kColumn: return bind_column(index);
    case NodeKind::kField: {
      const int base = current.children[0];
      if (node(base).kind != NodeKind::kColumn || node(base).type != RuleType::kString ||
          roster_.columns()[node(base).column].type() != ColumnType::kString) {
        return error(index, "fields (.section, .division) belong to code columns such as industry");
      }
      if (current.text != "section" && current.text != "division") {
        return error(index, fmt::format("unknown field \"{}\"; a code has .section and .division",
                                        current.text));
      }
      current.column = node(base).column;
      current.type = RuleType::kString;
      return Status::Ok();
    }
    case NodeKind::kNot:
      SUBSIDY_RETURN_IF_ERROR(expect(current.children[0], RuleType::kBool, "\"not\""));
      node(index).type = RuleType::kBool;
      return Status::Ok();
    case NodeKind::kNegate:
      if (!is_numeric(current.children[0])) {
        return error(index, fmt::format("\"-\" needs money or a number, not {}",
                                        described(current.children[0])));
      }
      current.type = node(current.children[0]).type;
      return fold(index);
    case NodeKind::kBinary: return bind_binary(index);
    case NodeKind::kIn: {
      const int value = current.children[0];
      const int list = current.children[1];
      if (node(list).kind != NodeKind::kList) {
        return error(list, "\"in\" takes a list: in [\"a\", \"b\"]");
      }
      if (node(value).type == RuleType::kTags) {
        return error(value, "a tag set is tested with has_tag(\"...\"), not \"in\"");
      }
      if (node(value).type == RuleType::kString && node(value).kind != NodeKind::kColumn &&
          node(value).kind != NodeKind::kField) {
        return error(value, "\"in\" tests a column against a list of literals");
      }
      for (const int element : std::vector<int>(node(list).children)) {
        if (!unify(value, element)) {
          return error(element, fmt::format("cannot compare {} with {}", described(value),
                                            described(element)));
        }
      }
      node(index).type = RuleType::kBool;
      return Status::Ok();
    }
    case NodeKind::kBetween: {
      const auto& children = current.children;
      for (const int bound : {children[1], children[2]}) {
        if (!unify(children[0], bound)) {
          return error(bound, fmt::format("cannot compare {} with {}", described(children[0]),
                                          described(bound)));
        }
      }
      const RuleType type = node(children[0]).type;
      if (type != RuleType::kMoney && type != RuleType::kNumber && type != RuleType::kDate) {
        return error(index, fmt::format("\"between\" needs money, numbers or dates, not {}",
                                        described(children[0])));
      }
      node(index).type = RuleType::kBool;
      return Status::Ok();
    }
    case NodeKind::kWithin: {
      const int code = current.children[0];
      const int prefix = current.children[1];
      if (node(code).kind != NodeKind::kColumn || node(code).type != RuleType::kString) {
        return error(code, fmt::format("\"within\" applies to a code column such as region, not {}",
                                       described(code)));
      }
      if (node(prefix).kind != NodeKind::kString) {
        return error(prefix, "\"within\" takes a literal code: region within \"5101\"");
      }
      node(index).type = RuleType::kBool;
      return Status::Ok();
    }
    case NodeKind::kCall: return bind_call(index);
  }
  return Status::Ok();
}

}  // namespace

Status bind_rule(Ast& ast, const Roster& roster) {
  Binder binder(ast, roster);
  SUBSIDY_RETURN_IF_ERROR(binder.bind(ast.root));
  return binder.pending_;
}

}  // namespace subsidy::internal
