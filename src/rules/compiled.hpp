// Internal: a rule compiled against one roster, and its batch evaluator.
#pragma once

#include <cstdint>
#include <vector>

#include "rules/ast.hpp"
#include "subsidy/rules.hpp"

namespace subsidy::internal {

// How a node's values are held while a batch is evaluated.
enum class Repr {
  kTruth,   // uint8 per row: 0 false, 1 unknown, 2 true — so `and` is min, `or` is max
  kInt,     // int64 per row in the node's unit (fen for money), with validity
  kRat,     // exact rational per row, with validity
  kCode,    // a dictionary code per row (a string column, or a field of one), with validity
  kText,    // a plain text column (id, name): compared character by character
  kTags,    // a tags column (read by has_tag)
  kConst,   // a folded number or a date literal: `constant`
  kLiteral  // a string literal, a list or a bool literal, read by its parent
};

struct CompiledRule {
  Ast ast;
  const Roster* roster = nullptr;
  RowIndex rows = 0;
  std::vector<Repr> repr;  // by node
  // By node, for predicates over a kCode operand: the truth of the predicate per dictionary code.
  std::vector<std::vector<uint8_t>> code_table;
  // By node, for has_tag: the literal's code in the tags dictionary (-1: no row has it).
  std::vector<int32_t> tag_code;
  std::vector<int> clauses;  // the operands of the outermost `and`s, left to right
};

// Assigns representations and builds the tables (after bind_rule).
void plan_rule(CompiledRule& rule);

// Evaluates the rule's root over `considered` rows (all when null; pct_rank ranks among them),
// computing only the rows of `within` when it is given. The mask holds the rows whose value is
// true.
Result<RowMask> evaluate_rule(const CompiledRule& rule, const EvalContext& context,
                              const RowMask* considered, const RowMask* within = nullptr);

// The exact value of the rule's numeric root for every row of `rows` (which pct_rank ranks over).
Result<RuleValues> evaluate_values(const CompiledRule& rule, const EvalContext& context,
                                   const RowMask& rows);

// The truth of each node in `nodes` for one row.
Result<std::vector<Truth>> evaluate_row(const CompiledRule& rule, const EvalContext& context,
                                        RowIndex row_idx, const std::vector<int>& nodes);

}  // namespace subsidy::internal
