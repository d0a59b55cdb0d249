// Plans (SPEC §11): pools, programs, awards, scarcity and stacking, read from YAML (or JSON, which
// is YAML) and checked whole before anything runs.
//
//   using namespace subsidy;
//   Result<Plan> plan = load_plan("examples/xuyi-2023-plan.yaml");
//   if (!plan.ok()) { std::cerr << plan.status().message(); return 2; }
//   // e.g. plan.yaml:27: programs[0] (tax-contribution).award.tiers.bands[1].from: bands must be
//   //   strictly ascending: 50万 does not exceed 50万
//   for (const Program& program : plan->programs) std::cout << program.id << '\n';
//
// Every scalar is read from its text, whatever a YAML library would guess: amounts and rates by
// SPEC §3, booleans only `true`/`false`, ids as strings (`010` stays `010`). Unknown and repeated
// keys are errors with the path and, for a likely typo, a suggestion. The rules inside a plan are
// parsed here (syntax only); they are type-checked against a roster when the plan is compiled
// against it (compile_awards in awards.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/money.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

// Where a value came from: its path in the plan ("programs[0] (tax-contribution).cap") and line.
struct PlanSource {
  std::string path;
  int line = 0;  // 1-based; 0 when unknown
  // For a mapping (a pool, a program): the line of each of its keys, for checks made once the
  // whole plan is read.
  std::vector<std::pair<std::string, int>> key_lines = {};

  // `path.key` at the key's line (the mapping's line when the key is absent).
  PlanSource at(std::string_view key) const;
};

// A rule-language expression with its place in the plan, for error messages.
struct PlanExpression {
  std::string text;
  PlanSource source;
};

// An amount (`reserve: 4万`) or a rate of something (`reserve: 5%`).
struct AmountOrRate {
  bool is_rate = false;
  Money amount;
  Rate rate;
};

enum class PoolLevel { kCentral, kProvincial, kMunicipal, kCounty };
std::string_view pool_level_name(PoolLevel level);

enum class ScarcityMethod { kProRata, kPriority, kEqualCap, kLottery };
std::string_view scarcity_method_name(ScarcityMethod method);

// One `rank_by` key: "EXPR asc|desc" (asc when left out). Nulls sort last either way.
struct RankKey {
  PlanExpression expression;
  bool descending = false;
};

struct Scarcity {
  ScarcityMethod method = ScarcityMethod::kProRata;
  std::vector<RankKey> rank_by;       // priority only
  bool partial = false;               // priority, lottery
  bool skip = false;                  // priority, lottery (not with partial)
  std::optional<int64_t> max_funded;  // priority, lottery: stop after N lines granted
  std::optional<uint64_t> seed;       // lottery: default the as-of date as YYYYMMDD
};

// One factor of the factor method (因素法): `count` or `sum(column)`, with a weight.
struct SplitFactor {
  Rate weight;
  std::string column;  // empty for count
  PlanSource source;
};

struct Split {
  std::vector<std::string> regions;  // matched with `within`
  std::vector<SplitFactor> factors;
  PlanSource source;
};

struct Pool {
  std::string id;
  std::string name;
  PoolLevel level = PoolLevel::kCounty;
  Money received;
  std::optional<AmountOrRate> reserve;
  Scarcity scarcity;
  Rounding round;  // the plan's unless the pool gives its own; scarcity settles in round.unit
  std::optional<Split> split;
  PlanSource source;

  // received − reserve; a rate reserve is received × rate rounded half-up to the fen.
  Money reserve_amount() const;
  Money budget() const { return received - reserve_amount(); }
};

enum class AwardKind { kFixed, kRate, kTiers, kBrackets, kTable, kFormula };
std::string_view award_kind_name(AwardKind kind);

// A band of `tiers` (an amount or a rate of the base) or of `brackets` (a rate). Bands run from
// their `from` to the next band's `from`; the last is open-ended.
struct Band {
  Money from;
  bool is_rate = false;
  Money amount;
  Rate rate;
  PlanSource source;
};

enum class HitPolicy { kFirst, kUnique, kCollectSum, kCollectMax };
std::string_view hit_policy_name(HitPolicy hit);

struct TableRow {
  PlanExpression when;
  bool is_rate = false;
  Money amount;
  Rate rate;
  PlanExpression of;  // the base of a rate
  PlanSource source;
};

struct Award {
  AwardKind kind = AwardKind::kFixed;
  Money fixed;              // fixed
  Rate rate;                // rate
  PlanExpression base;      // rate (`of`), tiers and brackets (`base`)
  std::vector<Band> bands;  // tiers, brackets
  HitPolicy hit = HitPolicy::kFirst;
  std::vector<TableRow> rows;  // table
  PlanExpression formula;      // formula
  PlanSource source;
};

struct Program {
  std::string id;
  std::string name;
  std::string pool;
  std::string group;  // stacking group, empty for none
  PlanExpression eligible;
  Award award;
  std::optional<Money> cap;
  std::optional<Money> min_award;
  Rounding round;               // the plan's unless the program gives its own
  std::optional<Money> budget;  // its own sub-budget, carved from the pool first
  Scarcity scarcity;            // settles its own budget
  bool spill = false;           // unspent own budget joins the pool's shared budget
  PlanSource source;
};

enum class StackingRule { kHighest, kSumCap, kExclusive };
std::string_view stacking_rule_name(StackingRule rule);

struct Stacking {
  std::string group;
  StackingRule rule = StackingRule::kHighest;
  Money cap;  // sum_cap
  PlanSource source;
};

struct Plan {
  int format = 1;
  std::string name;
  int fiscal_year = 0;  // the as-of date's year when left out
  Date as_of;
  Rounding round;  // default fen, half_up
  std::vector<Pool> pools;
  std::vector<Program> programs;
  std::vector<Stacking> stacking;
  std::string file_name;  // as given to the reader, for messages

  const Pool* find_pool(std::string_view id) const;
  const Program* find_program(std::string_view id) const;
  const Stacking* find_stacking(std::string_view group) const;
};

// Whether `text` is an id of a pool or program: one or more of a-z, 0-9 and '-'.
bool is_plan_id(std::string_view text);

// An error about a part of the plan, found after it was read (against a roster, or while it runs):
// "<file>:<line>: <path>: <reason>".
Status plan_error(const Plan& plan, const PlanSource& source, const std::string& reason);

// Reads a plan from YAML or JSON text; `file_name` prefixes every error ("plan.yaml:12: path:
// why").
Result<Plan> parse_plan(std::string_view text, const std::string& file_name = "plan");
// Reads the file at `path`.
Result<Plan> load_plan(const std::string& path);
// The bytes of a plan file, as load_plan() reads them (what-if overrides the text itself).
Result<std::string> read_plan_text(const std::string& path);

}  // namespace subsidy
