// Tests of the rule language's API (SPEC §5) beyond the golden cases of rules_golden_test.cpp:
// the limits that keep a hostile rule from crashing or hanging the engine, explanations clause by
// clause, Rule::eligible over a `considered` mask and over many batches, the errors of eligible(),
// and the small helpers (rule_type_name, truth_name, RowMask::count).
//
// Messages are asserted whole. A test named BUG_... states the correct behaviour where the engine
// does not have it yet; it fails until the engine is fixed.
#include "subsidy/rules.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

std::string source_path(std::string_view relative) {
  return std::string(SUBSIDY_SOURCE_DIR) + "/" + std::string(relative);
}

Roster load_small_roster() {
  Result<Roster> roster = load_roster_csv(source_path("examples/roster-small.csv"));
  if (!roster.ok()) {
    ADD_FAILURE() << roster.status().message();
    return Roster();
  }
  return std::move(*roster);
}

// examples/roster-small.csv, loaded once.
const Roster& small_roster() {
  static const Roster* roster = new Roster(load_small_roster());
  return *roster;
}

// Row of enterprise #n of roster-small (the last two digits of its id).
RowIndex small_row(int n) { return n - 1; }

EvalContext as_of(std::string_view date) {
  Result<Date> parsed = parse_date(date);
  EXPECT_TRUE(parsed.ok()) << date;
  return EvalContext{.as_of = parsed.ok() ? *parsed : Date()};
}

// The as-of date of most tests.
const EvalContext& mid_year() {
  static const EvalContext context = as_of("2023-06-30");
  return context;
}

std::string repeat(std::string_view text, int count) {
  std::string out;
  out.reserve(text.size() * static_cast<size_t>(count));
  for (int k = 0; k < count; ++k) out += text;
  return out;
}

// The error format of the rule language for a one-line rule: "1:col: message", the line, a caret.
std::string one_line_error(const std::string& text, int column, const std::string& message) {
  return "1:" + std::to_string(column) + ": " + message + "\n  " + text + "\n  " +
         std::string(static_cast<size_t>(column - 1), ' ') + "^";
}

std::string compile_error(std::string_view text, const RuleLimits& limits = {},
                          const Roster& roster = small_roster()) {
  Result<Rule> rule = compile_rule(text, roster, limits);
  if (rule.ok()) return "<compiled>";
  return rule.status().message();
}

std::vector<std::string> eligible_ids(const Roster& roster, const RowMask& mask) {
  std::vector<std::string> ids;
  const Column& id = roster.column("id");
  for (RowIndex row_idx = 0; row_idx < mask.size; ++row_idx) {
    if (mask.test(row_idx)) ids.emplace_back(id.text(row_idx));
  }
  return ids;
}

std::vector<std::string> small_ids(std::initializer_list<int> numbers) {
  std::vector<std::string> ids;
  const Column& id = small_roster().column("id");
  for (const int n : numbers) ids.emplace_back(id.text(small_row(n)));
  return ids;
}

RowMask mask_of_rows(RowIndex size, RowIndex begin, RowIndex end) {
  RowMask mask;
  mask.size = size;
  mask.words.assign(static_cast<size_t>((size + 63) / 64), 0);
  for (RowIndex row_idx = begin; row_idx < end; ++row_idx) {
    mask.words[row_idx >> 6] |= uint64_t{1} << (row_idx & 63);
  }
  return mask;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Limits: length

TEST(RulesLimits, LongerThanMaxLengthIsRefused) {
  const std::string text = repeat("employees > 1 or ", 4000) + "true";  // 68,004 bytes
  ASSERT_GT(text.size(), RuleLimits{}.max_length);
  EXPECT_EQ(compile_error(text), "the rule is longer than 65536 bytes");
}

TEST(RulesLimits, MaxLengthCountsBytesNotCharacters) {
  // 15 characters, 17 bytes: 万 is three bytes in UTF-8.
  const std::string text = "tax_paid >= 50万";
  ASSERT_EQ(text.size(), 17u);
  EXPECT_EQ(compile_error(text, RuleLimits{.max_length = 16}), "the rule is longer than 16 bytes");
  EXPECT_EQ(compile_error(text, RuleLimits{.max_length = 17}), "<compiled>");
}

// ---------------------------------------------------------------------------------------------
// Limits: nesting. Every level of parentheses costs two (the "or" inside and the value), so the
// 33rd "(" is the first too deep; "not" and "-" cost one each after the rule's own level.

TEST(RulesLimits, TenThousandOpenParentheses) {
  const std::string text = repeat("(", 10000) + "true";
  EXPECT_EQ(compile_error(text), one_line_error(text, 33, "the rule nests deeper than 64 levels"));
}

TEST(RulesLimits, TenThousandBalancedParenthesesHitTheTermLimitFirst) {
  // 20,001 tokens: the lexer stops at the 16,385th (four per term allowed), a ")" at byte 16,387.
  const std::string text = repeat("(", 10000) + "true" + repeat(")", 10000);
  EXPECT_EQ(compile_error(text), one_line_error(text, 16388, "the rule has more than 4096 terms"));
}

TEST(RulesLimits, TenThousandNots) {
  const std::string text = repeat("not ", 10000) + "true";
  // The 64th "not" (at column 63 * 4 + 1) is level 65.
  EXPECT_EQ(compile_error(text), one_line_error(text, 253, "the rule nests deeper than 64 levels"));
}

TEST(RulesLimits, TenThousandMinuses) {
  const std::string text = repeat("-", 10000) + "1 > 0";
  EXPECT_EQ(compile_error(text), one_line_error(text, 64, "the rule nests deeper than 64 levels"));
}

TEST(RulesLimits, TenThousandOpenBrackets) {
  // The first "[" is already level 2, so the 33rd (at column 13 + 33) is the first too deep.
  const std::string text = "employees in " + repeat("[", 10000);
  EXPECT_EQ(compile_error(text), one_line_error(text, 46, "the rule nests deeper than 64 levels"));
}

TEST(RulesLimits, TenThousandNestedCalls) {
  // 20,001 tokens: the term limit comes first, at the 16,385th token (abs number 8193).
  const std::string text = repeat("abs(", 10000) + "employees";
  EXPECT_EQ(compile_error(text), one_line_error(text, 32769, "the rule has more than 4096 terms"));
  // 4,000 calls: abs( is four characters, and the 33rd abs is level 65.
  const std::string fewer = repeat("abs(", 4000) + "employees";
  EXPECT_EQ(compile_error(fewer),
            one_line_error(fewer, 129, "the rule nests deeper than 64 levels"));
}

TEST(RulesLimits, DepthBoundary) {
  const std::string deepest = repeat("(", 31) + "employees > 1" + repeat(")", 31);
  EXPECT_EQ(compile_error(deepest), "<compiled>");
  const std::string too_deep = repeat("(", 32) + "employees > 1" + repeat(")", 32);
  EXPECT_EQ(compile_error(too_deep),
            one_line_error(too_deep, 33, "the rule nests deeper than 64 levels"));
}

TEST(RulesLimits, CustomDepth) {
  const RuleLimits limits{.max_depth = 3};
  // The rule, each "not" and the value are a level each.
  EXPECT_EQ(compile_error("not true", limits), "<compiled>");
  EXPECT_EQ(compile_error("not not true", limits),
            one_line_error("not not true", 9, "the rule nests deeper than 3 levels"));
}

// ---------------------------------------------------------------------------------------------
// Limits: terms (nodes) and lists

TEST(RulesLimits, MoreThanMaxNodes) {
  // "employees > 0" is 3 nodes, each further " or employees > 0" 4: 1024 terms are 4095 nodes,
  // and the 4097th node is the "0" of term 1025, at column 17 * 1024 + 13.
  std::string text = "employees > 0";
  for (int k = 1; k < 1100; ++k) text += " or employees > 0";
  EXPECT_EQ(compile_error(text), one_line_error(text, 17421, "the rule has more than 4096 terms"));
}

TEST(RulesLimits, MaxNodesBoundary) {
  const std::string text = "employees > 1 or employees > 2 or employees > 3";  // 11 nodes
  EXPECT_EQ(compile_error(text, RuleLimits{.max_nodes = 11}), "<compiled>");
  // The 11th node is the last "or", which starts where the rule does.
  EXPECT_EQ(compile_error(text, RuleLimits{.max_nodes = 10}),
            one_line_error(text, 1, "the rule has more than 10 terms"));
}

TEST(RulesLimits, LargestRulesWithinTheLimitsRun) {
  const Roster& roster = small_roster();
  // 1024 terms: 4095 nodes in a chain of 1023 "or"s.
  std::string chain = "employees > 0";
  for (int k = 1; k < 1024; ++k) chain += " or employees > 0";
  Result<Rule> rule = compile_rule(chain, roster);
  ASSERT_TRUE(rule.ok()) << rule.status().message();
  Result<RowMask> mask = rule->eligible(roster, mid_year());
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(mask->count(), 23);  // all but #13, whose employees are null
  const RuleExplanation why = rule->explain(roster, small_row(13), mid_year());
  EXPECT_EQ(why.value, Truth::kUnknown);
  ASSERT_EQ(why.clauses.size(), 1u);
  EXPECT_EQ(why.clauses[0].null_fields, std::vector<std::string>{"employees"});

  // 2047 ones: 4095 nodes folded to one constant.
  const std::string sum = "1" + repeat(" + 1", 2046) + " > 0";
  Result<Rule> folded = compile_rule(sum, roster);
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  Result<RowMask> all = folded->eligible(roster, mid_year());
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->count(), 24);
}

TEST(RulesLimits, ListOverMaxList) {
  const RuleLimits limits{.max_list = 3};
  EXPECT_EQ(compile_error("employees in [1, 2, 3]", limits), "<compiled>");
  EXPECT_EQ(compile_error("employees in [1, 2, 3, 4]", limits),
            one_line_error("employees in [1, 2, 3, 4]", 24, "a list holds at most 3 elements"));
}

TEST(RulesLimits, ListOverDefaultMaxList) {
  // With the default limits a list of 10,001 elements is refused by the term limit first.
  const std::string text = "employees in [" + repeat("1, ", 10000) + "1]";
  EXPECT_NE(compile_error(text).find(": the rule has more than 4096 terms\n"), std::string::npos);
  // Raising the term limit leaves the list limit: element 10,001 starts at column 15 + 3 * 10000.
  EXPECT_EQ(compile_error(text, RuleLimits{.max_nodes = 100000}),
            one_line_error(text, 30015, "a list holds at most 10000 elements"));
}

TEST(RulesLimits, FunctionArgumentsAreBounded) {
  const std::string text = "min(" + repeat("1, ", 64) + "1) > 0";  // 65 arguments
  EXPECT_EQ(compile_error(text), one_line_error(text, 197, "a call takes at most 64 arguments"));
}

// ---------------------------------------------------------------------------------------------
// Limits: hostile input is an error, quickly

TEST(RulesLimits, OneMegabyteRuleIsRefusedQuickly) {
  std::string text = "a";
  while (text.size() < (1u << 20)) text += " or a";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(compile_error(text), "the rule is longer than 65536 bytes");
  EXPECT_LT(seconds_since(start), 1.0);

  // Allowed in length, it still stops at the 16,385th token, an "a" at byte 5 * 8192.
  const auto again = std::chrono::steady_clock::now();
  const std::string message = compile_error(text, RuleLimits{.max_length = 2u << 20});
  EXPECT_LT(seconds_since(again), 1.0);
  EXPECT_EQ(message, one_line_error(text, 40961, "the rule has more than 4096 terms"));
}

TEST(RulesLimits, HostileBytesAreErrors) {
  const std::vector<std::string> texts = {
      std::string("employees > 1\0", 14),  // a NUL byte
      "\x80\x80\x80",                      // continuation bytes alone
      "employees > \xF0",                  // a 4-byte lead at the end
      "\"" + repeat("x", 70000),           // unterminated and too long
      repeat("\"", 5000),                  // 2500 empty strings in a row
      repeat("()", 5000),                  // empty parentheses
      repeat("[]", 5000),
      repeat(",", 5000),
      repeat("has_tag(", 5000),
      "employees in [" + repeat("[1], ", 3000) + "]",
  };
  for (const std::string& text : texts) {
    Result<Rule> rule = compile_rule(text, small_roster());
    EXPECT_FALSE(rule.ok()) << text.substr(0, 40);
  }
}

TEST(RulesLimits, MaxNodesNearIntMaxRefusesEveryRule) {
  // RuleLimits{.max_nodes = INT_MAX} ("no practical limit") should accept a small rule; the lexer's
  // token bound 4 * max_nodes overflows int (undefined behaviour) and refuses it instead.
  const RuleLimits limits{.max_nodes = std::numeric_limits<int>::max()};
  EXPECT_EQ(compile_error("employees > 0", limits), "<compiled>");
  EXPECT_EQ(compile_error("employees > 0", RuleLimits{.max_nodes = 1 << 30}), "<compiled>");
}

// Compiles and evaluates a chain of 50,000 "or"s with the node limit raised; exits 0 when that
// gives an error or the right answer.
[[noreturn]] void run_long_chain() {
  std::string text = "employees > 0";
  for (int k = 1; k < 50000; ++k) text += " or employees > 0";
  RuleLimits limits;
  limits.max_length = 4u << 20;
  limits.max_nodes = 1'000'000;
  Result<Rule> rule = compile_rule(text, small_roster(), limits);
  if (!rule.ok()) std::exit(0);
  Result<RowMask> mask = rule->eligible(small_roster(), mid_year());
  std::exit(!mask.ok() || mask->count() == 23 ? 0 : 1);
}

// Death tests run the statement in a child process, so a crash fails the test, not the suite.
TEST(RulesDeathTest, LongOperatorChainWithRaisedLimitsDoesNotCrash) {
  // With the node limit raised, a chain of 50,000 "or"s (nesting depth 1 for the parser, but a
  // tree 50,000 deep) overflows the stack of the recursive binder/evaluator. It should either run
  // or be refused with an error.
  EXPECT_EXIT(run_long_chain(), ::testing::ExitedWithCode(0), "");
}

// ---------------------------------------------------------------------------------------------
// Explanations (examples/roster-small.csv as of 2023-06-30)

constexpr char kThreeClauses[] = "has_tag(\"入驻基地\") and employees <= 100 and tax_paid >= 10万";

Rule compile_or_die(std::string_view text, const Roster& roster = small_roster()) {
  Result<Rule> rule = compile_rule(text, roster);
  if (!rule.ok()) {
    ADD_FAILURE() << text << ": " << rule.status().message();
    return std::move(*compile_rule("false", roster));  // keeps the test going, failed
  }
  return std::move(*rule);
}

std::vector<Truth> clause_values(const RuleExplanation& why) {
  std::vector<Truth> values;
  for (const ClauseExplanation& clause : why.clauses) values.push_back(clause.value);
  return values;
}

TEST(RulesExplain, ClauseTextsAndPositions) {
  const Rule rule = compile_or_die(kThreeClauses);
  const RuleExplanation why = rule.explain(small_roster(), small_row(1), mid_year());
  ASSERT_EQ(why.clauses.size(), 3u);
  // Columns count characters: has_tag("入驻基地") is 15 characters.
  EXPECT_EQ(why.clauses[0].text, "has_tag(\"入驻基地\")");
  EXPECT_EQ(why.clauses[0].line, 1);
  EXPECT_EQ(why.clauses[0].column, 1);
  EXPECT_EQ(why.clauses[1].text, "employees <= 100");
  EXPECT_EQ(why.clauses[1].line, 1);
  EXPECT_EQ(why.clauses[1].column, 21);
  EXPECT_EQ(why.clauses[2].text, "tax_paid >= 10万");
  EXPECT_EQ(why.clauses[2].line, 1);
  EXPECT_EQ(why.clauses[2].column, 42);
}

TEST(RulesExplain, ClausePositionsOnSeveralLines) {
  const Rule rule =
      compile_or_die("has_tag(\"入驻基地\")\n  and employees <= 100\n  and tax_paid >= 10万");
  const RuleExplanation why = rule.explain(small_roster(), small_row(1), mid_year());
  ASSERT_EQ(why.clauses.size(), 3u);
  EXPECT_EQ(why.clauses[1].text, "employees <= 100");
  EXPECT_EQ(why.clauses[1].line, 2);
  EXPECT_EQ(why.clauses[1].column, 7);
  EXPECT_EQ(why.clauses[2].text, "tax_paid >= 10万");
  EXPECT_EQ(why.clauses[2].line, 3);
  EXPECT_EQ(why.clauses[2].column, 7);
}

TEST(RulesExplain, EligibleEnterprise) {
  // #1: 入驻基地, 86 employees, 1,260,000 tax.
  const Rule rule = compile_or_die(kThreeClauses);
  const RuleExplanation why = rule.explain(small_roster(), small_row(1), mid_year());
  EXPECT_EQ(why.value, Truth::kTrue);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kTrue, Truth::kTrue, Truth::kTrue}));
  for (const ClauseExplanation& clause : why.clauses) EXPECT_TRUE(clause.null_fields.empty());
  EXPECT_EQ(why.summary(), "eligible");
}

TEST(RulesExplain, OneClauseFalse) {
  // #5: 入驻基地, 18 employees, but 95,000 tax.
  const Rule rule = compile_or_die(kThreeClauses);
  const RuleExplanation why = rule.explain(small_roster(), small_row(5), mid_year());
  EXPECT_EQ(why.value, Truth::kFalse);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kTrue, Truth::kTrue, Truth::kFalse}));
  EXPECT_EQ(why.summary(), "not eligible: tax_paid >= 10万 is false");
}

TEST(RulesExplain, FirstFalseClauseIsNamed) {
  // #6: no tags, 150 employees, 1,990,000 tax.
  const Rule rule = compile_or_die(kThreeClauses);
  const RuleExplanation why = rule.explain(small_roster(), small_row(6), mid_year());
  EXPECT_EQ(why.value, Truth::kFalse);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kFalse, Truth::kFalse, Truth::kTrue}));
  EXPECT_EQ(why.summary(), "not eligible: has_tag(\"入驻基地\") is false");
}

TEST(RulesExplain, UnknownBecauseEmployeesIsNull) {
  // #13: 入驻基地, employees missing, 160,000 tax.
  const Rule rule = compile_or_die(kThreeClauses);
  const RuleExplanation why = rule.explain(small_roster(), small_row(13), mid_year());
  EXPECT_EQ(why.value, Truth::kUnknown);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kTrue, Truth::kUnknown, Truth::kTrue}));
  EXPECT_TRUE(why.clauses[0].null_fields.empty());
  EXPECT_EQ(why.clauses[1].null_fields, std::vector<std::string>{"employees"});
  EXPECT_TRUE(why.clauses[2].null_fields.empty());
  EXPECT_EQ(why.summary(), "not eligible: employees <= 100 is unknown (employees is null)");
}

TEST(RulesExplain, FalseClauseWinsOverUnknown) {
  // #13 again: unknown and false is false, and the summary names the false clause.
  const Rule rule = compile_or_die("employees <= 100 and tax_paid >= 100万");
  const RuleExplanation why = rule.explain(small_roster(), small_row(13), mid_year());
  EXPECT_EQ(why.value, Truth::kFalse);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kUnknown, Truth::kFalse}));
  EXPECT_EQ(why.clauses[0].null_fields, std::vector<std::string>{"employees"});
  EXPECT_EQ(why.summary(), "not eligible: tax_paid >= 100万 is false");
}

TEST(RulesExplain, SeveralNullFields) {
  // #22 has neither revenue nor tax.
  const Rule rule = compile_or_die("has_tag(\"高新技术企业\") and revenue - tax_paid > 0");
  const RuleExplanation why = rule.explain(small_roster(), small_row(22), mid_year());
  EXPECT_EQ(why.value, Truth::kUnknown);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kTrue, Truth::kUnknown}));
  EXPECT_TRUE(why.clauses[0].null_fields.empty());
  EXPECT_EQ(why.clauses[1].null_fields, (std::vector<std::string>{"revenue", "tax_paid"}));
  EXPECT_EQ(why.summary(),
            "not eligible: revenue - tax_paid > 0 is unknown (revenue, tax_paid is null)");
}

TEST(RulesExplain, DerivedAndFieldColumnsAreNamed) {
  // #14's size is null (its revenue is); industry.section reads industry, which is present.
  const Rule rule = compile_or_die("size == \"small\" and industry.section == \"C\"");
  const RuleExplanation why = rule.explain(small_roster(), small_row(14), mid_year());
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kUnknown, Truth::kTrue}));
  EXPECT_EQ(why.clauses[0].null_fields, std::vector<std::string>{"size"});
  EXPECT_TRUE(why.clauses[1].null_fields.empty());
  EXPECT_EQ(why.summary(), "not eligible: size == \"small\" is unknown (size is null)");
}

TEST(RulesExplain, NullReadByAClauseThatIsStillTrue) {
  // #13: true or unknown is true; the clause still lists the null it read.
  const Rule rule = compile_or_die("has_tag(\"入驻基地\") or employees > 100");
  const RuleExplanation why = rule.explain(small_roster(), small_row(13), mid_year());
  EXPECT_EQ(why.value, Truth::kTrue);
  ASSERT_EQ(why.clauses.size(), 1u);
  EXPECT_EQ(why.clauses[0].text, "has_tag(\"入驻基地\") or employees > 100");
  EXPECT_EQ(why.clauses[0].value, Truth::kTrue);
  EXPECT_EQ(why.clauses[0].null_fields, std::vector<std::string>{"employees"});
  EXPECT_EQ(why.summary(), "eligible");
}

TEST(RulesExplain, AgesAfterTheAsOfDateAreUnknown) {
  // #16 was registered on 2024-03-01, after the as-of date.
  const Rule rule = compile_or_die("age_years(registered_on) < 3 and has_tag(\"科技型中小企业\")");
  const RuleExplanation why = rule.explain(small_roster(), small_row(16), mid_year());
  EXPECT_EQ(why.value, Truth::kUnknown);
  EXPECT_EQ(clause_values(why), (std::vector<Truth>{Truth::kUnknown, Truth::kTrue}));
  EXPECT_EQ(why.summary(), "not eligible: age_years(registered_on) < 3 is unknown");
  const RuleExplanation later = rule.explain(small_roster(), small_row(16), as_of("2024-03-01"));
  EXPECT_EQ(later.value, Truth::kTrue);
}

TEST(RulesExplain, AgreesWithEligible) {
  const Roster& roster = small_roster();
  for (const char* text : {kThreeClauses, "pct_rank(tax_paid) >= 50% and size != \"medium\"",
                           "not (employees > 50) and region within \"5101\""}) {
    const Rule rule = compile_or_die(text);
    Result<RowMask> mask = rule.eligible(roster, mid_year());
    ASSERT_TRUE(mask.ok()) << mask.status().message();
    for (RowIndex row_idx = 0; row_idx < roster.num_rows(); ++row_idx) {
      const RuleExplanation why = rule.explain(roster, row_idx, mid_year());
      EXPECT_EQ(why.value == Truth::kTrue, mask->test(row_idx)) << text << ", row " << row_idx;
      EXPECT_EQ(why.summary() == "eligible", mask->test(row_idx)) << text << ", row " << row_idx;
    }
  }
}

TEST(RulesExplain, ClauseTextKeepsClosingParenthesis) {
  // A clause ending in a parenthesis is cut before it: "not (... > 50" and "2 * (100万 + 50万".
  const Rule rule = compile_or_die(
      "not (has_tag(\"小巨人\") and employees > 50) and tax_paid >= 2 * (100万 + 50万)");
  const RuleExplanation why = rule.explain(small_roster(), small_row(1), mid_year());
  ASSERT_EQ(why.clauses.size(), 2u);
  EXPECT_EQ(why.clauses[0].text, "not (has_tag(\"小巨人\") and employees > 50)");
  EXPECT_EQ(why.clauses[1].text, "tax_paid >= 2 * (100万 + 50万)");
  EXPECT_EQ(why.summary(), "not eligible: tax_paid >= 2 * (100万 + 50万) is false");
}

TEST(RulesDeathTest, ExplainOfNonBoolRuleDoesNotCrash) {
  // explain() of a rule that compiled but is not true/false reads a truth vector that was never
  // filled (out of bounds). It should give an unknown explanation (eligible() reports the error).
  EXPECT_EXIT(
      {
        Result<Rule> rule = compile_rule("tax_paid + 1", small_roster());
        if (!rule.ok()) std::exit(2);
        const RuleExplanation why = rule->explain(small_roster(), 0, mid_year());
        std::exit(why.value == Truth::kTrue ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

// ---------------------------------------------------------------------------------------------
// Rule::eligible

TEST(RulesEligible, ConsideredMaskRanksAmongTheConsidered) {
  const Roster& roster = small_roster();
  const Rule rule = compile_or_die("pct_rank(tax_paid) >= 50%");
  // Rows #15..#24 (region 5101..): nine taxes (#22's is null), ranked 0..8 over 8:
  // 12k #16, 61k #19, 150k #24, 390k #20 | 410k #18, 880k #15, 2.1M #23, 2.45M #17, 9.8M #21.
  const RowMask considered = mask_of_rows(roster.num_rows(), small_row(15), small_row(24) + 1);
  Result<RowMask> mask = rule.eligible(roster, mid_year(), considered);
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(eligible_ids(roster, *mask), small_ids({15, 17, 18, 21, 23}));
  // Over the whole roster (23 taxes) the median is higher: #20 and #24 are out, #1.. are in.
  Result<RowMask> whole = rule.eligible(roster, mid_year());
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  EXPECT_EQ(eligible_ids(roster, *whole), small_ids({1, 2, 4, 6, 8, 10, 11, 15, 17, 18, 21, 23}));
}

TEST(RulesEligible, ConsideredMaskLimitsTheRows) {
  const Roster& roster = small_roster();
  const Rule rule = compile_or_die("employees > 100");
  const RowMask first_ten = mask_of_rows(roster.num_rows(), 0, 10);
  Result<RowMask> mask = rule.eligible(roster, mid_year(), first_ten);
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(mask->size, roster.num_rows());
  EXPECT_EQ(eligible_ids(roster, *mask), small_ids({2, 6, 8}));  // not #11, #21, #23
  const RowMask none = mask_of_rows(roster.num_rows(), 0, 0);
  Result<RowMask> empty = rule.eligible(roster, mid_year(), none);
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(empty->count(), 0);
}

TEST(RulesEligible, ConsideredMaskOfTheWrongSize) {
  const Roster& roster = small_roster();
  const Rule rule = compile_or_die("employees > 100");
  Result<RowMask> mask = rule.eligible(roster, mid_year(), mask_of_rows(23, 0, 23));
  ASSERT_FALSE(mask.ok());
  EXPECT_EQ(mask.status().message(), "the rows considered do not match the roster");
}

TEST(RulesEligible, AnotherRosterIsAnError) {
  const Roster& roster = small_roster();
  const Roster copy = load_small_roster();  // the same rows, another roster
  const Rule rule = compile_or_die("employees > 100");
  Result<RowMask> mask = rule.eligible(copy, mid_year());
  ASSERT_FALSE(mask.ok());
  EXPECT_EQ(mask.status().message(), "the rule was compiled against another roster");
  Result<RowMask> considered = rule.eligible(copy, mid_year(), mask_of_rows(24, 0, 24));
  ASSERT_FALSE(considered.ok());
  EXPECT_EQ(considered.status().message(), "the rule was compiled against another roster");
  EXPECT_TRUE(rule.eligible(roster, mid_year()).ok());
}

TEST(RulesEligible, RuleThatIsNotTrueFalseIsAnError) {
  const Roster& roster = small_roster();
  const struct {
    const char* text;
    RuleType type;
    const char* message;
  } cases[] = {
      {"tax_paid + 1", RuleType::kMoney, "the rule gives money, not true/false"},
      {"employees * 2", RuleType::kNumber, "the rule gives number, not true/false"},
      {"tax_paid / revenue", RuleType::kNumber, "the rule gives number, not true/false"},
      {"registered_on", RuleType::kDate, "the rule gives date, not true/false"},
      {"region", RuleType::kString, "the rule gives string, not true/false"},
      {"tags", RuleType::kTags, "the rule gives tags, not true/false"},
      {"[1, 2]", RuleType::kList, "the rule gives list, not true/false"},
  };
  for (const auto& item : cases) {
    const Rule rule = compile_or_die(item.text);
    EXPECT_EQ(rule.type(), item.type) << item.text;
    Result<RowMask> mask = rule.eligible(roster, mid_year());
    ASSERT_FALSE(mask.ok()) << item.text;
    EXPECT_EQ(mask.status().message(), item.message);
    Result<RowMask> considered = rule.eligible(roster, mid_year(), mask_of_rows(24, 0, 24));
    ASSERT_FALSE(considered.ok()) << item.text;
    EXPECT_EQ(considered.status().message(), item.message);
  }
}

TEST(RulesEligible, TextAndType) {
  const Rule rule = compile_or_die("  tax_paid >= 50万\n");
  EXPECT_EQ(rule.text(), "  tax_paid >= 50万\n");
  EXPECT_EQ(rule.type(), RuleType::kBool);
  Result<RowMask> mask = rule.eligible(small_roster(), mid_year());
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(mask->count(), 10);  // 510,000 (#10) and up; 480,000 (#4) is below
}

// 5000 rows: three batches of 2048 and words of 64 rows. Row i has employees i % 100 and a tax
// of i yuan.
Roster many_rows() {
  std::string csv = "id,employees,tax_paid\n";
  for (int row = 0; row < 5000; ++row) {
    csv += "R" + std::to_string(10000 + row) + "," + std::to_string(row % 100) + "," +
           std::to_string(row) + "\n";
  }
  Result<Roster> roster = parse_roster_csv(csv);
  if (!roster.ok()) {
    ADD_FAILURE() << roster.status().message();
    return Roster();
  }
  return std::move(*roster);
}

TEST(RulesEligible, ManyBatches) {
  const Roster roster = many_rows();
  ASSERT_EQ(roster.num_rows(), 5000);
  const struct {
    const char* text;
    RowIndex count;
    RowIndex first;  // the first eligible row
  } cases[] = {
      {"employees >= 90", 500, 90},
      {"tax_paid >= 4000", 1000, 4000},
      {"tax_paid between 2047 and 2048", 2, 2047},  // across the first batch boundary
      // rank r of 5000 over 4999: r / 4999 >= 0.5 from r = 2500.
      {"pct_rank(tax_paid) >= 50%", 2500, 2500},
      // 0 employees every 100th row: they tie for rank 0.
      {"pct_rank(employees) == 0", 50, 0},
  };
  for (const auto& item : cases) {
    const Rule rule = compile_or_die(item.text, roster);
    Result<RowMask> mask = rule.eligible(roster, mid_year());
    ASSERT_TRUE(mask.ok()) << mask.status().message();
    EXPECT_EQ(mask->size, 5000);
    EXPECT_EQ(mask->words.size(), 79u);
    EXPECT_EQ(mask->count(), item.count) << item.text;
    RowIndex first = -1;
    for (RowIndex row_idx = 0; row_idx < 5000 && first < 0; ++row_idx) {
      if (mask->test(row_idx)) first = row_idx;
    }
    EXPECT_EQ(first, item.first) << item.text;
  }
  // Ranked within the second batch only (rows 2048..4095, 2048 values): r / 2047 >= 0.5 from
  // r = 1024, row 3072.
  const Rule ranked = compile_or_die("pct_rank(tax_paid) >= 50%", roster);
  Result<RowMask> mask = ranked.eligible(roster, mid_year(), mask_of_rows(5000, 2048, 4096));
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_EQ(mask->count(), 1024);
  EXPECT_FALSE(mask->test(3071));
  EXPECT_TRUE(mask->test(3072));
  EXPECT_TRUE(mask->test(4095));
  EXPECT_FALSE(mask->test(4096));
}

// ---------------------------------------------------------------------------------------------
// Names and masks

TEST(RulesNames, RuleTypeNames) {
  EXPECT_EQ(rule_type_name(RuleType::kBool), "bool");
  EXPECT_EQ(rule_type_name(RuleType::kMoney), "money");
  EXPECT_EQ(rule_type_name(RuleType::kNumber), "number");
  EXPECT_EQ(rule_type_name(RuleType::kString), "string");
  EXPECT_EQ(rule_type_name(RuleType::kDate), "date");
  EXPECT_EQ(rule_type_name(RuleType::kTags), "tags");
  EXPECT_EQ(rule_type_name(RuleType::kList), "list");
}

TEST(RulesNames, TruthNames) {
  EXPECT_EQ(truth_name(Truth::kFalse), "false");
  EXPECT_EQ(truth_name(Truth::kTrue), "true");
  EXPECT_EQ(truth_name(Truth::kUnknown), "unknown");
}

TEST(RulesRowMask, Count) {
  RowMask empty;
  EXPECT_EQ(empty.count(), 0);
  RowMask mask;
  mask.size = 130;
  mask.words = {0b1011, ~uint64_t{0}, 0b10};
  EXPECT_EQ(mask.count(), 3 + 64 + 1);
  EXPECT_TRUE(mask.test(0));
  EXPECT_FALSE(mask.test(2));
  EXPECT_TRUE(mask.test(64));
  EXPECT_TRUE(mask.test(127));
  EXPECT_FALSE(mask.test(128));
  EXPECT_TRUE(mask.test(129));
  EXPECT_EQ(mask_of_rows(5000, 10, 4010).count(), 4000);
}

}  // namespace
}  // namespace subsidy

namespace subsidy {
namespace {

// has_tag reads the column's bitmaps for its first 64 tags and walks the row's list beyond them:
// both give the same answers.
TEST(RulesTagIndex, BitmapAndListAgree) {
  std::string csv = "id,tags\n";
  for (int row = 0; row < 200; ++row) {
    csv += "E" + std::to_string(row) + ",";
    for (int tag = 0; tag < 100; ++tag) {
      if ((row + tag) % 7 == 0) csv += "t" + std::to_string(tag) + ";";
    }
    csv += "\n";
  }
  Result<Roster> roster = parse_roster_csv(csv);
  ASSERT_TRUE(roster.ok()) << roster.status().message();
  const Column& tags = roster->column("tags");
  ASSERT_GE(tags.dictionary().size(), 100);
  EXPECT_NE(tags.tag_bitmap(0), nullptr);
  EXPECT_EQ(tags.tag_bitmap(64), nullptr);
  const EvalContext context{*parse_date("2023-06-30")};
  for (const int tag : {0, 5, 63, 64, 99}) {
    const std::string name = "t" + std::to_string(tag);
    Result<Rule> rule = compile_rule("has_tag(\"" + name + "\")", *roster);
    ASSERT_TRUE(rule.ok()) << rule.status().message();
    Result<RowMask> mask = rule->eligible(*roster, context);
    ASSERT_TRUE(mask.ok());
    for (RowIndex row = 0; row < roster->num_rows(); ++row) {
      EXPECT_EQ(mask->test(row), (row + tag) % 7 == 0) << name << " row " << row;
    }
  }
}

}  // namespace
}  // namespace subsidy
