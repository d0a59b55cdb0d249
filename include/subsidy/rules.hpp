// Eligibility rules: a small, side-effect-free expression language (SPEC §5), compiled once against
// a roster and evaluated column-wise in batches of 2048 rows.
//
//   using namespace subsidy;
//   Result<Rule> rule = compile_rule(
//       "region == \"320830\" and has_tag(\"入驻基地\") and tax_paid >= 20万", roster);
//   if (!rule.ok()) { std::cerr << rule.status().message(); return 2; }  // line:col, caret, hint
//   EvalContext context{.as_of = *parse_date("2023-06-30")};
//   Result<RowMask> eligible = rule->eligible(roster, context);   // true rows only
//   RuleExplanation why = rule->explain(roster, *roster.find_row("91320830MA1N000001"), context);
//
// Values are exact: money is int64 fen, numbers are exact rationals (`/` is exact; dividing by zero
// gives null), never floating point. Nulls are unknown in SQL's three-valued logic, and unknown is
// not eligible. A plain number next to money is yuan (`tax_paid >= 1000` is 1000 yuan).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/money.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

// "Today" for age_years(), age_months(); passed in, never global.
struct EvalContext {
  Date as_of;
};

// Bounds that keep a hostile rule from crashing or hanging the engine.
struct RuleLimits {
  size_t max_length = 64 * 1024;  // bytes of rule text
  int max_depth = 64;             // nesting of parentheses, operators and calls
  int max_nodes = 4096;           // operators, literals and references after parsing
  int max_list = 10000;           // elements of one [...] list
};

// The static type of an expression. Integer and rate columns are numbers; a plain numeric literal
// is a number that becomes yuan next to money.
enum class RuleType { kBool, kMoney, kNumber, kString, kDate, kTags, kList };
std::string_view rule_type_name(RuleType type);  // "bool", "money", "number", ...

// A set of rows as a bitmask (bit r of word r / 64).
struct RowMask {
  std::vector<uint64_t> words;
  RowIndex size = 0;  // rows the mask covers
  bool test(RowIndex row_idx) const { return (words[row_idx >> 6] >> (row_idx & 63)) & 1; }
  RowIndex count() const;
};

// The exact values of a numeric expression for some rows: value k is num[k] / den[k] (den > 0;
// den == 0 marks a null). Money is in fen, a date is its day serial (Date::serial()).
struct RuleValues {
  RuleType type = RuleType::kNumber;
  std::vector<Int128> num;
  std::vector<Int128> den;
};

enum class Truth { kFalse, kTrue, kUnknown };
std::string_view truth_name(Truth truth);  // "false", "true", "unknown"

// One top-level clause of a rule (the operands of its outermost `and`), for one enterprise.
struct ClauseExplanation {
  std::string text;                      // the clause as written
  int line = 1;                          // where it starts, 1-based, in characters
  int column = 1;
  Truth value = Truth::kUnknown;
  std::vector<std::string> null_fields;  // columns read by the clause that are null for this row
};

struct RuleExplanation {
  Truth value = Truth::kUnknown;
  std::vector<ClauseExplanation> clauses;
  // "eligible", or "not eligible: <clause> is false", or
  // "not eligible: <clause> is unknown (<field>, <field> is null)".
  std::string summary() const;
};

namespace internal {
struct CompiledRule;
}

class Rule {
 public:
  Rule(Rule&&) noexcept;
  Rule& operator=(Rule&&) noexcept;
  ~Rule();

  const std::string& text() const;
  RuleType type() const;

  // Rows where the rule is true. `roster` must be the roster the rule was compiled against.
  // A rule that is not bool is an error; so is arithmetic that leaves 128 bits (naming the row).
  Result<RowMask> eligible(const Roster& roster, const EvalContext& context) const;
  // The same over the rows of `considered` only (pct_rank ranks among them); others are false.
  Result<RowMask> eligible(const Roster& roster, const EvalContext& context,
                           const RowMask& considered) const;

  // The same as eligible(roster, context), computed only for the rows of `within` (the others are
  // false): for a caller that knows those are the only rows that can be true (pct_rank still ranks
  // over the whole roster).
  Result<RowMask> eligible_within(const Roster& roster, const EvalContext& context,
                                  const RowMask& within) const;

  // The operands of the rule's outermost `and`s, as written, left to right.
  std::vector<std::string> clauses() const;
  // The date columns the rule takes an age of (age_years, age_months): a date after the as-of
  // date makes that age null, and runs warn how many rows have one.
  std::vector<std::string> aged_columns() const;

  // The value of a money, number or date expression for each row of `rows`, in row order; pct_rank
  // ranks among those rows. Another type is an error.
  Result<RuleValues> values(const Roster& roster, const EvalContext& context,
                            const RowMask& rows) const;

  // Clause by clause, for one enterprise.
  RuleExplanation explain(const Roster& roster, RowIndex row_idx,
                          const EvalContext& context) const;

  // For the engine's own stages and tests: the compiled form.
  const internal::CompiledRule& compiled() const { return *compiled_; }

 private:
  friend Result<Rule> compile_rule(std::string_view, const Roster&, const RuleLimits&);
  explicit Rule(std::unique_ptr<internal::CompiledRule> compiled);
  std::unique_ptr<internal::CompiledRule> compiled_;
};

// Parses and type-checks `text` against the columns (and dictionaries) of `roster`. Errors give
// the position and an excerpt with a caret, and a hint where one helps:
//   1:1: unknown column "tax_piad"; did you mean "tax_paid"?
//     tax_piad >= 20万
//     ^
Result<Rule> compile_rule(std::string_view text, const Roster& roster,
                          const RuleLimits& limits = {});

// Parses `text` without a roster: syntax errors only (for plans checked before a roster is loaded).
Status check_rule_syntax(std::string_view text, const RuleLimits& limits = {});

}  // namespace subsidy
