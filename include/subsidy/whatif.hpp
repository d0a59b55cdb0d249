// What-if policy simulation (SPEC §9): scenarios — a base plan plus overrides by path — run against
// a roster compiled once, re-running only the stages a change touches; sweeps of a parameter over
// values; metrics of a run; the comparison of two runs.
//
//   using namespace subsidy;
//   Result<ScenarioRunner> runner = ScenarioRunner::create(plan_text, "xuyi.yaml", roster);
//   Result<Scenario> more = parse_scenario("more", {"pools.county-base-fund.received=100万"});
//   Result<ScenarioResult> result = runner->run(*more);            // only allocation re-runs
//   RunMetrics metrics = run_metrics(result->compiled(), result->allocation);
//   Comparison change = compare_runs(runner->base_plan(), runner->base(), result->compiled(),
//                                    result->allocation, 10);
//
// Paths name programs and pools by id, and list items by index from 0:
//   programs.tax-contribution.award.tiers.bands[1].award=6万
//   pools.county-base-fund.received=100万
//   stacking.base-support.rule=sum_cap
// A path may set a key the plan leaves out (programs.x.cap=5万); the plan is then read again by the
// plan reader, so a scenario is checked exactly like a plan file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/allocation.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

struct Override {
  std::string path;
  std::string value;  // the text of a plan value: "6万", "40%", "pro_rata", "region == \"5101\""
};

// "PATH=VALUE" (split at the first '='). Errors quote the text.
Result<Override> parse_override(std::string_view text);

// The plan text (YAML or JSON) with the overrides applied, read like a plan file. Errors name the
// override that does not fit ("--set programs.rent.award.rate=40%: no program with id rent; ...")
// or, for a value the plan reader refuses, the plan path and why.
Result<Plan> apply_overrides(std::string_view plan_text, const std::string& file_name,
                             const std::vector<Override>& overrides);

struct Scenario {
  std::string name;
  std::vector<Override> overrides;
};
Result<Scenario> parse_scenario(std::string name, const std::vector<std::string>& sets);

// Which stages a scenario re-ran, by program (for tests and the curious).
struct StagesRun {
  std::vector<uint8_t> eligibility;  // 1: the program's rule was evaluated again
  std::vector<uint8_t> awards;       // 1: its awards were computed again
  bool from_scratch = false;         // the programs themselves changed (ids, order, count)
};

class ScenarioResult {
 public:
  std::string name;
  Allocation allocation;
  StagesRun stages;

  const Plan& plan() const { return *plan_; }
  const CompiledPlan& compiled() const { return *compiled_; }

 private:
  friend class ScenarioRunner;
  std::unique_ptr<Plan> plan_;  // stable addresses: the compiled plan points at the plan
  std::unique_ptr<CompiledPlan> compiled_;
};

// The base plan compiled against a roster and run once; scenarios reuse its eligibility masks and
// award lines wherever their change does not reach. `roster` must outlive the runner.
class ScenarioRunner {
 public:
  static Result<ScenarioRunner> create(std::string plan_text, std::string file_name,
                                       const Roster& roster, int threads = 0);
  ScenarioRunner(ScenarioRunner&&) noexcept;
  ScenarioRunner& operator=(ScenarioRunner&&) noexcept;
  ~ScenarioRunner();

  const Plan& plan() const;
  const CompiledPlan& base_plan() const;
  const Allocation& base() const;
  int threads() const;  // as given to create(): 0 for every core

  // One scenario (on the calling thread). The result equals a from-scratch allocate() of the
  // overridden plan.
  Result<ScenarioResult> run(const Scenario& scenario) const;
  // Many scenarios in parallel on the runner's threads; results in the order given.
  std::vector<Result<ScenarioResult>> run_all(const std::vector<Scenario>& scenarios) const;

 private:
  struct Impl;
  explicit ScenarioRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Metrics of a run

struct RegionAmount {
  std::string region;  // "" for enterprises without one
  Money granted;
  int64_t funded = 0;  // enterprises
};

struct RunMetrics {
  Money requested;           // Σ requested of the lines that ask for anything
  Money granted;             // Σ granted
  int64_t funded = 0;        // enterprises granted anything (all programs together)
  int64_t funded_lines = 0;  // award lines granted anything
  Money mean_award;          // granted / funded, half-up to the fen (0 when none)
  Money median_award;  // of the funded enterprises' totals; the mean of the middle two, half-up
  Money small_micro;   // granted to enterprises of size small or micro (SME classes)
  double gini = 0;     // of the funded enterprises' totals (statistics: not money)
  Money remaining;     // Σ remaining of the plan's pools
  std::vector<RegionAmount> by_region;  // ordered by region, "" last
};
RunMetrics run_metrics(const CompiledPlan& compiled, const Allocation& allocation);

// ---------------------------------------------------------------------------------------------
// Comparing two runs of one roster

struct EnterpriseChange {
  std::string enterprise;
  std::string region;
  Money before;
  Money after;
  Money change() const { return after - before; }
};

struct ChangeGroup {
  std::string key;  // a region, a size class, or a bucket of change ("gain 1万–10万")
  Money before;
  Money after;
  int64_t winners = 0;
  int64_t losers = 0;
};

struct Comparison {
  int64_t winners = 0;
  int64_t losers = 0;
  int64_t unchanged = 0;  // enterprises granted something in either run, with no change
  Money gains;            // Σ of the positive changes
  Money losses;           // Σ of the negative changes (≤ 0)
  std::vector<ChangeGroup> by_change;  // buckets of the size of a change, gains then losses
  std::vector<ChangeGroup> by_region;
  std::vector<ChangeGroup> by_size;
  std::vector<EnterpriseChange> top_gains;   // largest first, ties by enterprise id
  std::vector<EnterpriseChange> top_losses;  // largest loss first
};
// `before` and `after` must be runs over the same roster.
Comparison compare_runs(const CompiledPlan& before_plan, const Allocation& before,
                        const CompiledPlan& after_plan, const Allocation& after, size_t top = 10);

// ---------------------------------------------------------------------------------------------
// Sweeps

// One parameter's values: "PATH=a:b:step" (from a to b inclusive, by step; amounts or rates) or
// "PATH=v1,v2,v3".
struct SweepAxis {
  std::string path;
  std::vector<std::string> values;  // plan texts ("20000", "0.05")
  std::vector<double> numbers;      // the same values as numbers (yuan or fractions), for slopes
};
Result<SweepAxis> parse_sweep(std::string_view text);

struct SweepPoint {
  std::vector<std::string> values;  // one per axis
  RunMetrics metrics;
};

struct SweepResult {
  std::vector<SweepAxis> axes;     // one, or two for a grid
  std::vector<SweepPoint> points;  // a grid runs the first axis slowest
  // One axis only: the least-squares slope of total granted (yuan) over the parameter (yuan, or
  // the rate as a fraction) — the cost's sensitivity to it — and its intercept.
  std::optional<double> slope;
  std::optional<double> intercept;
};

// Runs every point (in parallel on the runner's threads) with the fixed overrides `base` applied
// first. A point the plan reader refuses is the sweep's error.
Result<SweepResult> run_sweep(const ScenarioRunner& runner, const std::vector<SweepAxis>& axes,
                              const std::vector<Override>& base = {});

// ---------------------------------------------------------------------------------------------
// Tables (CSV, amounts as yuan with two decimals, ratios to six decimals) and a summary for people

// metric,base,scenario,change — one row per metric of RunMetrics.
std::string metrics_csv(const RunMetrics& base, const RunMetrics& scenario);
// key,before,after,change,winners,losers for by_region / by_size / by_change.
std::string change_groups_csv(const std::vector<ChangeGroup>& groups, std::string_view key_name);
// direction,rank,enterprise,region,before,after,change.
std::string top_changes_csv(const Comparison& comparison);
// One row per point: the axes' paths, then the metrics.
std::string sweep_csv(const SweepResult& sweep);
// One row per point and region: the axes' paths, region, granted, funded.
std::string sweep_regions_csv(const SweepResult& sweep);
std::string scenario_summary(const std::string& name, const RunMetrics& base,
                             const RunMetrics& scenario, const Comparison& comparison);
std::string sweep_summary(const SweepResult& sweep);

}  // namespace subsidy
