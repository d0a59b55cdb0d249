// Internal: the rule language's syntax tree, typed in place by the binder.
//
// Nodes live in one vector (an arena) and refer to their children by index, so a rule is one
// allocation and copying it is cheap. The parser fills kind, op, position, text and children;
// the binder (bind.cpp) fills type, column, constant and the coercions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/rational.hpp"
#include "subsidy/rules.hpp"

namespace subsidy::internal {

struct SourceSpan {
  int begin = 0;  // byte offsets into the rule text
  int end = 0;
  int line = 1;  // 1-based, in characters, of `begin`
  int column = 1;
};

enum class NodeKind {
  kNumber,   // value in `number` (exact)
  kString,   // value in `text`
  kDate,     // value in `date`
  kBool,     // value in `boolean`
  kList,     // children: the elements
  kColumn,   // name in `text`
  kField,    // children[0] the column; `text` is "section" or "division"
  kNot,      // children[0]
  kNegate,   // children[0]
  kBinary,   // op; children[0], children[1]
  kIn,       // negated; children[0] the value, children[1] the list
  kBetween,  // negated; children: value, low, high
  kWithin,   // children[0] the code column, children[1] the prefix string
  kCall,     // `text` the function; children the arguments
};

enum class BinaryOp { kAnd, kOr, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv };

enum class Function {
  kNone, kIf, kMin, kMax, kAbs, kCoalesce, kHasTag, kAgeYears, kAgeMonths, kYear, kQuarter,
  kPctRank
};

struct Node {
  NodeKind kind = NodeKind::kNumber;
  BinaryOp op = BinaryOp::kAnd;
  bool negated = false;
  SourceSpan span;
  std::string text;
  std::vector<int> children;
  // Literal values.
  Rational number;
  int32_t date = 0;
  bool boolean = false;
  // Filled by the binder.
  RuleType type = RuleType::kBool;
  bool number_literal = false;  // a plain number, still free to become yuan next to money
  int column = -1;              // roster column index (kColumn, and the base of kField)
  Function function = Function::kNone;
  std::optional<Rational> constant;  // a folded numeric value (in fen when type is money)
};

struct Ast {
  std::string text;
  std::vector<Node> nodes;
  int root = -1;
};

// Parses `text` into an untyped tree, or an error "line:col: message" followed by an excerpt of
// the line and a caret under the column.
Result<Ast> parse_rule(std::string_view text, const RuleLimits& limits);

// Types the tree against the roster's columns in place (see bind.cpp for the rules).
Status bind_rule(Ast& ast, const Roster& roster);

// "line:col: message\n  <the line>\n  <spaces>^" for an error at `span` of `text`.
std::string error_at(std::string_view text, const SourceSpan& span, const std::string& message);

}  // namespace subsidy::internal
