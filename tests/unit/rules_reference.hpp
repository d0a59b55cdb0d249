// A plain row-at-a-time reference interpreter of the rule language (SPEC §5), for the tests.
//
// It walks the bound syntax tree (ast.hpp) recursively, one row at a time, with values held as a
// std::variant and numbers as Boost's arbitrary-precision rationals. It shares nothing with the
// batch evaluator (evaluate.cpp) but the tree the binder typed: not its int128 rationals, not its
// representations, not its code tables, not its bound arithmetic. Literal numbers are read again
// from their text, so the binder's folding is checked too (check_constants()).
//
// Money is fen throughout. A plain number next to money is yuan: the binder marks such a number
// (or an expression of plain numbers, folded) by giving it the money type while none of its
// children is money; that is the one place the interpreter multiplies by 100.
//
// Slow by design: clarity over speed. Fine for rosters of a few thousand rows.
#pragma once

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rules/ast.hpp"
#include "subsidy/calendar.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"

namespace subsidy::rules_reference {

using BigInt = boost::multiprecision::cpp_int;
using BigRational = boost::multiprecision::cpp_rational;

struct Null {};
struct DateValue {
  int32_t serial = 0;
};
using TagSet = std::vector<std::string>;
// bool for true/false (with Null as unknown), BigRational for money (fen) and numbers.
using Value = std::variant<Null, bool, BigRational, std::string, DateValue, TagSet>;

inline bool is_null(const Value& value) { return std::holds_alternative<Null>(value); }

inline BigInt to_big(Int128 value) {
  // Through the magnitude in two 64-bit halves: no reliance on cpp_int knowing __int128.
  const bool negative = value < 0;
  const unsigned __int128 magnitude =
      negative ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(value)
               : static_cast<unsigned __int128>(value);
  BigInt result = BigInt(static_cast<uint64_t>(magnitude >> 64));
  result <<= 64;
  result += BigInt(static_cast<uint64_t>(magnitude));
  return negative ? BigInt(-result) : result;
}

inline BigRational to_big(const internal::Rational& value) {
  return BigRational(to_big(value.num), to_big(value.den));
}

// A numeric literal as the parser saw it: digits with '_' separators and at most one '.', then
// an optional 万, 亿, % or ‰.
inline BigRational parse_number_literal(std::string_view text) {
  BigRational scale = 1;
  const std::pair<std::string_view, BigRational> suffixes[] = {{"万", BigRational(10'000)},
                                                               {"亿", BigRational(100'000'000)},
                                                               {"%", BigRational(1, 100)},
                                                               {"‰", BigRational(1, 1000)}};
  for (const auto& [suffix, factor] : suffixes) {
    if (text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      text.remove_suffix(suffix.size());
      scale = factor;
      break;
    }
  }
  BigInt mantissa = 0;
  BigInt denominator = 1;
  bool fraction = false;
  for (const char c : text) {
    if (c == '_') continue;
    if (c == '.') {
      fraction = true;
      continue;
    }
    mantissa = mantissa * 10 + (c - '0');
    if (fraction) denominator *= 10;
  }
  return BigRational(mantissa, denominator) * scale;
}

inline std::string describe(const Value& value) {
  struct Visitor {
    std::string operator()(const Null&) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const BigRational& r) const { return r.str(); }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const DateValue& d) const {
      return Date::from_serial(d.serial).to_string();
    }
    std::string operator()(const TagSet& tags) const {
      std::string out = "{";
      for (const std::string& tag : tags) out += (out.size() > 1 ? ";" : "") + tag;
      return out + "}";
    }
  };
  return std::visit(Visitor{}, value);
}

inline Truth truth_of(const Value& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? Truth::kTrue : Truth::kFalse;
  return Truth::kUnknown;
}

inline Value from_truth(Truth truth) {
  if (truth == Truth::kUnknown) return Null{};
  return truth == Truth::kTrue;
}

// SQL's three-valued logic, written out case by case rather than as min/max over an encoding.
inline Truth and3(Truth a, Truth b) {
  if (a == Truth::kFalse || b == Truth::kFalse) return Truth::kFalse;
  if (a == Truth::kTrue && b == Truth::kTrue) return Truth::kTrue;
  return Truth::kUnknown;
}
inline Truth or3(Truth a, Truth b) {
  if (a == Truth::kTrue || b == Truth::kTrue) return Truth::kTrue;
  if (a == Truth::kFalse && b == Truth::kFalse) return Truth::kFalse;
  return Truth::kUnknown;
}
inline Truth not3(Truth a) {
  if (a == Truth::kUnknown) return Truth::kUnknown;
  return a == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

// -1, 0, 1 for two non-null values of one type; strings and bools only say equal (0) or not (1).
inline int order_of(const Value& a, const Value& b) {
  if (const auto* x = std::get_if<BigRational>(&a)) {
    const BigRational& y = std::get<BigRational>(b);
    return *x < y ? -1 : *x > y ? 1 : 0;
  }
  if (const auto* x = std::get_if<DateValue>(&a)) {
    const int32_t y = std::get<DateValue>(b).serial;
    return x->serial < y ? -1 : x->serial > y ? 1 : 0;
  }
  if (const auto* x = std::get_if<std::string>(&a)) return *x == std::get<std::string>(b) ? 0 : 1;
  if (const auto* x = std::get_if<bool>(&a)) return *x == std::get<bool>(b) ? 0 : 1;
  return 1;
}

inline Truth compare3(internal::BinaryOp op, const Value& a, const Value& b) {
  if (is_null(a) || is_null(b)) return Truth::kUnknown;
  const int order = order_of(a, b);
  bool result = false;
  switch (op) {
    case internal::BinaryOp::kEq:
      result = order == 0;
      break;
    case internal::BinaryOp::kNe:
      result = order != 0;
      break;
    case internal::BinaryOp::kLt:
      result = order < 0;
      break;
    case internal::BinaryOp::kLe:
      result = order <= 0;
      break;
    case internal::BinaryOp::kGt:
      result = order > 0;
      break;
    case internal::BinaryOp::kGe:
      result = order >= 0;
      break;
    default:
      break;
  }
  return result ? Truth::kTrue : Truth::kFalse;
}

class Interpreter {
 public:
  Interpreter(const internal::Ast& ast, const Roster& roster, Date as_of)
      : ast_(ast), roster_(roster), as_of_(as_of), literals_(ast.nodes.size()) {
    // Literals read once from their text (not per row: that would be most of the work).
    for (size_t index = 0; index < ast_.nodes.size(); ++index) {
      const internal::Node& node = ast_.nodes[index];
      if (node.kind == internal::NodeKind::kNumber) {
        BigRational value = parse_number_literal(node.text);
        // A plain number next to money is yuan.
        if (node.type == RuleType::kMoney) value *= 100;
        literals_[index] = value;
      } else if (node.kind == internal::NodeKind::kDate) {
        literals_[index] = DateValue{parse_date(node.text)->serial()};
      }
    }
    // The argument of every pct_rank() once per row; the ranks depend on the rows considered.
    for (size_t index = 0; index < ast_.nodes.size(); ++index) {
      const internal::Node& call = ast_.nodes[index];
      if (call.kind != internal::NodeKind::kCall || call.function != internal::Function::kPctRank) {
        continue;
      }
      std::vector<Value>& values = pct_args_[static_cast<int>(index)];
      for (RowIndex row = 0; row < roster_.num_rows(); ++row) {
        values.push_back(eval(call.children[0], row));
      }
    }
    consider(nullptr);
  }

  bool has_pct_rank() const { return !pct_args_.empty(); }

  // The rows pct_rank() ranks over: nullptr for the whole roster.
  void consider(const std::vector<bool>* considered) {
    pct_values_.clear();
    for (const auto& [index, args] : pct_args_) {
      // PERCENT_RANK = (rank − 1) / (n − 1), and rank − 1 is the count of considered non-null
      // values strictly below this one: ties then share the lowest rank without any sorting
      // by rows. The sorted copy only makes that count a binary search.
      std::vector<BigRational> sorted;
      for (RowIndex row = 0; row < roster_.num_rows(); ++row) {
        if (considered != nullptr && !(*considered)[row]) continue;
        if (is_null(args[row])) continue;
        sorted.push_back(as_number(args[row]));
      }
      std::sort(sorted.begin(), sorted.end());
      const auto n = static_cast<int64_t>(sorted.size());
      std::vector<Value>& out = pct_values_[index];
      out.assign(static_cast<size_t>(roster_.num_rows()), Null{});
      for (RowIndex row = 0; row < roster_.num_rows(); ++row) {
        if (considered != nullptr && !(*considered)[row]) continue;
        if (is_null(args[row])) continue;
        const BigRational x = as_number(args[row]);
        const auto below = std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin();
        out[row] = n == 1 ? BigRational(0) : BigRational(static_cast<int64_t>(below), n - 1);
      }
    }
  }

  Truth truth(RowIndex row) const { return truth_of(eval(ast_.root, row)); }

  // The value of node `index` for `row`.
  Value eval(int index, RowIndex row) const {
    using internal::BinaryOp;
    using internal::Function;
    using internal::NodeKind;
    const internal::Node& node = ast_.nodes[index];
    switch (node.kind) {
      case NodeKind::kNumber:
        return *literals_[index];
      case NodeKind::kString:
        return node.text;
      case NodeKind::kDate:
        return *literals_[index];
      case NodeKind::kBool:
        return node.boolean;
      case NodeKind::kList:
        return Null{};  // read element by element by `in`
      case NodeKind::kColumn:
        return cell(node.column, row);
      case NodeKind::kField: {
        const Value base = eval(node.children[0], row);
        if (is_null(base)) return Null{};
        const std::string& code = std::get<std::string>(base);
        if (node.text == "section") return code.substr(0, code.empty() ? 0 : 1);
        return code.size() >= 3 ? code.substr(1, 2) : std::string();
      }
      case NodeKind::kNot:
        return from_truth(not3(truth_of(eval(node.children[0], row))));
      case NodeKind::kNegate: {
        const Value operand = eval(node.children[0], row);
        if (is_null(operand)) return Null{};
        return yuan_to_fen(node, -std::get<BigRational>(operand));
      }
      case NodeKind::kBinary: {
        const BinaryOp op = node.op;
        if (op == BinaryOp::kAnd || op == BinaryOp::kOr) {
          const Truth a = truth_of(eval(node.children[0], row));
          const Truth b = truth_of(eval(node.children[1], row));
          return from_truth(op == BinaryOp::kAnd ? and3(a, b) : or3(a, b));
        }
        const Value a = eval(node.children[0], row);
        const Value b = eval(node.children[1], row);
        if (op == BinaryOp::kEq || op == BinaryOp::kNe || op == BinaryOp::kLt ||
            op == BinaryOp::kLe || op == BinaryOp::kGt || op == BinaryOp::kGe) {
          return from_truth(compare3(op, a, b));
        }
        if (is_null(a) || is_null(b)) return Null{};
        const BigRational& x = std::get<BigRational>(a);
        const BigRational& y = std::get<BigRational>(b);
        switch (op) {
          case BinaryOp::kAdd:
            return yuan_to_fen(node, x + y);
          case BinaryOp::kSub:
            return yuan_to_fen(node, x - y);
          case BinaryOp::kMul:
            return yuan_to_fen(node, x * y);
          case BinaryOp::kDiv:
            if (y == 0) return Null{};  // dividing by zero gives null
            return yuan_to_fen(node, x / y);
          default:
            return Null{};
        }
      }
      case NodeKind::kIn: {
        const Value value = eval(node.children[0], row);
        Truth found = Truth::kUnknown;
        if (!is_null(value)) {
          found = Truth::kFalse;
          for (const int element : ast_.nodes[node.children[1]].children) {
            found = or3(found, compare3(BinaryOp::kEq, value, eval(element, row)));
          }
        }
        return from_truth(node.negated ? not3(found) : found);
      }
      case NodeKind::kBetween: {
        const Value value = eval(node.children[0], row);
        const Truth inside = and3(compare3(BinaryOp::kGe, value, eval(node.children[1], row)),
                                  compare3(BinaryOp::kLe, value, eval(node.children[2], row)));
        return from_truth(node.negated ? not3(inside) : inside);
      }
      case NodeKind::kWithin: {
        const Value code = eval(node.children[0], row);
        if (is_null(code)) return Null{};
        const std::string& text = std::get<std::string>(code);
        const std::string& prefix = ast_.nodes[node.children[1]].text;
        return text.starts_with(prefix);
      }
      case NodeKind::kCall:
        return eval_call(index, row);
    }
    return Null{};
  }

  // Nodes whose folded constant (the binder's) disagrees with the interpreter's reading of the
  // same literals, as "<text>: constant <c>, reference <r>".
  std::vector<std::string> check_constants() const {
    std::vector<std::string> problems;
    for (size_t index = 0; index < ast_.nodes.size(); ++index) {
      const internal::Node& node = ast_.nodes[index];
      if (!node.constant) continue;
      const Value value = eval(static_cast<int>(index), 0);
      BigRational reference;
      if (const auto* date = std::get_if<DateValue>(&value)) {
        reference = date->serial;
      } else if (const auto* number = std::get_if<BigRational>(&value)) {
        reference = *number;
      } else {
        problems.push_back(span_text(static_cast<int>(index)) + ": constant of a non-number");
        continue;
      }
      const BigRational constant = to_big(*node.constant);
      if (constant != reference) {
        problems.push_back(span_text(static_cast<int>(index)) + ": constant " + constant.str() +
                           ", reference " + reference.str());
      }
    }
    return problems;
  }

  std::string span_text(int index) const {
    const internal::SourceSpan& span = ast_.nodes[index].span;
    return ast_.text.substr(span.begin, span.end - span.begin);
  }

 private:
  static BigRational as_number(const Value& value) {
    if (const auto* date = std::get_if<DateValue>(&value)) return BigRational(date->serial);
    return std::get<BigRational>(value);
  }

  // An arithmetic node the binder made money while none of its operands is money: an expression
  // of plain numbers next to money, which is yuan.
  Value yuan_to_fen(const internal::Node& node, BigRational value) const {
    if (node.type != RuleType::kMoney) return value;
    for (const int child : node.children) {
      if (ast_.nodes[child].type == RuleType::kMoney) return value;
    }
    return BigRational(value * 100);
  }

  Value cell(int column_index, RowIndex row) const {
    const Column& column = roster_.columns()[column_index];
    if (column.is_null(row)) return Null{};
    switch (column.type()) {
      case ColumnType::kMoney:
      case ColumnType::kInteger:
        return BigRational(column.int64s()[row]);
      case ColumnType::kRate:
        return BigRational(column.int64s()[row], 1'000'000'000);
      case ColumnType::kBool:
        return column.int64s()[row] != 0;
      case ColumnType::kDate:
        return DateValue{column.int32s()[row]};
      case ColumnType::kString:
        return std::string(column.dictionary().value(column.int32s()[row]));
      case ColumnType::kText:
        return std::string(column.text(row));
      case ColumnType::kTags: {
        TagSet tags;
        for (const int32_t code : column.tags(row)) {
          tags.emplace_back(column.dictionary().value(code));
        }
        return tags;
      }
    }
    return Null{};
  }

  Value eval_call(int index, RowIndex row) const {
    using internal::Function;
    const internal::Node& call = ast_.nodes[index];
    const std::vector<int>& args = call.children;
    switch (call.function) {
      case Function::kIf:
        // Unknown is not true: the else branch, as SQL's CASE.
        return truth_of(eval(args[0], row)) == Truth::kTrue ? eval(args[1], row)
                                                            : eval(args[2], row);
      case Function::kMin:
      case Function::kMax: {
        std::optional<Value> best;
        for (const int arg : args) {
          Value value = eval(arg, row);
          if (is_null(value)) return Null{};
          const bool better =
              !best || (call.function == Function::kMin ? order_of(value, *best) < 0
                                                        : order_of(value, *best) > 0);
          if (better) best = std::move(value);
        }
        return *best;
      }
      case Function::kAbs: {
        const Value value = eval(args[0], row);
        if (is_null(value)) return Null{};
        return BigRational(abs(std::get<BigRational>(value)));
      }
      case Function::kCoalesce:
        for (const int arg : args) {
          Value value = eval(arg, row);
          if (!is_null(value)) return value;
        }
        return Null{};
      case Function::kHasTag: {
        const Value tags = args.size() == 2 ? eval(args[0], row) : cell(call.column, row);
        if (is_null(tags)) return Null{};
        const std::string& wanted = ast_.nodes[args.back()].text;
        const TagSet& set = std::get<TagSet>(tags);
        return std::find(set.begin(), set.end(), wanted) != set.end();
      }
      case Function::kAgeYears:
      case Function::kAgeMonths:
      case Function::kYear:
      case Function::kQuarter: {
        const Value value = eval(args[0], row);
        if (is_null(value)) return Null{};
        const Date date = Date::from_serial(std::get<DateValue>(value).serial);
        if (call.function == Function::kYear) return BigRational(date.year());
        if (call.function == Function::kQuarter) return BigRational(quarter_of(date));
        const std::optional<int> whole = call.function == Function::kAgeYears
                                             ? whole_years_between(date, as_of_)
                                             : whole_months_between(date, as_of_);
        if (!whole) return Null{};  // registered after the as-of date
        return BigRational(*whole);
      }
      case Function::kPctRank:
        return pct_values_.at(index)[row];
      case Function::kNone:
        break;
    }
    return Null{};
  }

  const internal::Ast& ast_;
  const Roster& roster_;
  Date as_of_;
  std::vector<std::optional<Value>> literals_;    // by node: numbers and dates
  std::map<int, std::vector<Value>> pct_args_;    // by pct_rank node: its argument per row
  std::map<int, std::vector<Value>> pct_values_;  // by pct_rank node: its value per row
};

}  // namespace subsidy::rules_reference
