// Pools and allocation (SPEC §7, §8): budgets, the factor-method split among regions, and the
// scarcity methods that settle scarce funds exactly, in multiples of the rounding unit.
//
//   using namespace subsidy;
//   Result<Plan> plan = load_plan("examples/xuyi-2023-plan.yaml");
//   Result<Roster> roster = load_roster_csv("examples/roster-small.csv");
//   Result<CompiledPlan> compiled = compile_plan(*plan, *roster);   // once per plan and roster
//   Result<Allocation> run = allocate(*compiled, {.threads = 2});
//   for (const PoolSummary& pool : run->pools) { /* pool.id, pool.granted, pool.remaining ... */ }
//   std::string why = explain_enterprise(*compiled, *run, "91320830MA1N000002").value();
//
// Every amount is int64 fen and every share an exact rational: ties go to the lower enterprise id
// (byte order), then the earlier program in plan order; the same inputs give the same result
// whatever the thread count or the order of the roster's rows.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "subsidy/awards.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

// The final status of an award line (awards.csv).
enum class LineStatus : uint8_t {
  kGranted,          // granted = requested > 0
  kScaled,           // 0 < granted < requested
  kUnfunded,         // requested > 0, granted 0 by scarcity
  kStackedOut,       // cut to 0 by stacking
  kDroppedBelowMin,  // its award was under min_award
};
std::string_view line_status_name(LineStatus status);  // "granted", "scaled", ...

// One row of pools.csv: a pool, a child of a split pool (`<pool>/<region>`), or a program's own
// budget (`<pool>:<program>`). Children and programs have no received or reserve of their own.
struct PoolSummary {
  enum class Kind { kPool, kRegion, kProgram };
  std::string id;
  Kind kind = Kind::kPool;
  std::optional<Money> received;
  std::optional<Money> reserve;
  Money budget;
  Money requested;  // Σ requested of the lines it settles (stacked-out and dropped excluded)
  Money granted;
  Money remaining;     // budget − granted
  int64_t funded = 0;  // lines with granted > 0
  ScarcityMethod method = ScarcityMethod::kProRata;
  Unit unit = Unit::kFen;
  std::optional<int64_t> max_funded;  // priority, lottery: the walk's limit, if any
};

std::string_view pool_kind_name(PoolSummary::Kind kind);  // "pool", "region", "program"

// Per program, aligned with the award stage's lines (awards.programs[p]).
struct ProgramGrants {
  // 1 where `skip` passed the line over because it did not fit what was left.
  std::vector<uint8_t> passed_over;
  std::vector<int64_t> granted;  // fen
  std::vector<LineStatus> status;
  std::vector<int32_t> settlement;  // index into Allocation::pools of the budget that settled it;
                                    // -1 for stacked-out and dropped lines
};

struct Allocation {
  AwardsResult awards;
  std::vector<ProgramGrants> grants;  // in plan order
  std::vector<PoolSummary> pools;     // pools.csv order
  // Region of each roster row among a split pool's regions, by pool index (empty when not split):
  // -1 outside every listed region.
  std::vector<std::vector<int16_t>> region_of_row;
  // For people: rows whose dates lie after the as-of date where a rule takes their age, ...
  std::vector<std::string> warnings;
};

namespace internal {
struct CompiledPlanData;
}

// A plan compiled against a roster: its rules, rank_by keys and split measures. `plan` and
// `roster` must outlive it.
class CompiledPlan {
 public:
  CompiledPlan(CompiledPlan&&) noexcept;
  CompiledPlan& operator=(CompiledPlan&&) noexcept;
  ~CompiledPlan();

  const Plan& plan() const;
  const Roster& roster() const;
  const CompiledAwards& awards() const;
  // For people, found when the plan was compiled: rows whose dates lie after the as-of date where
  // a rule takes their age (allocate() copies them into Allocation::warnings).
  const std::vector<std::string>& warnings() const;
  const internal::CompiledPlanData& data() const { return *data_; }

 private:
  friend Result<CompiledPlan> compile_plan(const Plan&, const Roster&);
  friend Result<CompiledPlan> compile_plan_like(const Plan&, const CompiledPlan&);
  explicit CompiledPlan(std::unique_ptr<internal::CompiledPlanData> data);
  std::unique_ptr<internal::CompiledPlanData> data_;
};

// Compiles every rule, rank_by key and split measure; errors name the plan path. This is what
// `subsidy validate --plan P --roster R` runs.
Result<CompiledPlan> compile_plan(const Plan& plan, const Roster& roster);
// Compiles `plan` against the roster of `base`, sharing what depends on the roster alone (the
// ranks of the enterprise ids, the costly part at a million rows): what-if compiles each scenario
// this way. `base` must outlive the result.
Result<CompiledPlan> compile_plan_like(const Plan& plan, const CompiledPlan& base);

struct AllocateOptions {
  int threads = 0;  // 0: all cores; the result is the same for any value
};

// Every stage: eligibility, awards, stacking, budgets and scarcity.
Result<Allocation> allocate(const CompiledPlan& compiled, const AllocateOptions& options = {});

// The region of every roster row among each split pool's listed regions, by pool index (empty for
// pools that are not split; -1 outside every listed region): settle()'s last argument.
std::vector<std::vector<int16_t>> split_regions_of_rows(const CompiledPlan& compiled);

// Settles the awards already computed (what-if reuses them when only budgets change).
Result<Allocation> settle(const CompiledPlan& compiled, AwardsResult awards,
                          std::vector<std::vector<int16_t>> region_of_row);

// The reason of a line for people: the award's arithmetic, stacking and scarcity.
std::string describe_line(const CompiledPlan& compiled, const Allocation& allocation,
                          size_t program, size_t line);

// The whole path of one enterprise through every program: eligibility clause by clause, award,
// stacking, scarcity. An unknown id is a NotFound error.
Result<std::string> explain_enterprise(const CompiledPlan& compiled, const Allocation& allocation,
                                       std::string_view enterprise_id);

}  // namespace subsidy
