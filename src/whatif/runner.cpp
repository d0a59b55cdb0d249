// The scenario runner: the base plan compiled and run once; a scenario re-runs eligibility only for
// programs whose rule (or what restricts it) changed, awards only for programs whose award changed,
// and always stacking and settlement, which are cheap.
#include <fmt/format.h>

#include <optional>

#include "common/parallel.hpp"
#include "subsidy/whatif.hpp"

namespace subsidy {

namespace {

bool same_split(const Plan& a, const Plan& b, const std::string& pool_id) {
  const Pool* x = a.find_pool(pool_id);
  const Pool* y = b.find_pool(pool_id);
  if (x == nullptr || y == nullptr) return false;
  if (x->split.has_value() != y->split.has_value()) return false;
  return !x->split || x->split->regions == y->split->regions;
}

bool same_award(const Award& a, const Award& b) {
  if (a.kind != b.kind || a.fixed != b.fixed || a.rate != b.rate || a.base.text != b.base.text ||
      a.hit != b.hit || a.formula.text != b.formula.text || a.bands.size() != b.bands.size() ||
      a.rows.size() != b.rows.size()) {
    return false;
  }
  for (size_t k = 0; k < a.bands.size(); ++k) {
    const Band& x = a.bands[k];
    const Band& y = b.bands[k];
    if (x.from != y.from || x.is_rate != y.is_rate || x.amount != y.amount || x.rate != y.rate) {
      return false;
    }
  }
  for (size_t k = 0; k < a.rows.size(); ++k) {
    const TableRow& x = a.rows[k];
    const TableRow& y = b.rows[k];
    if (x.when.text != y.when.text || x.is_rate != y.is_rate || x.amount != y.amount ||
        x.rate != y.rate || x.of.text != y.of.text) {
      return false;
    }
  }
  return true;
}

// What a scenario must run again, program by program, comparing its plan with the base's.
StagesRun stages_to_run(const Plan& base, const Plan& plan) {
  const size_t count = plan.programs.size();
  StagesRun stages;
  stages.eligibility.assign(count, 1);
  stages.awards.assign(count, 1);
  bool same_programs = base.programs.size() == count;
  for (size_t p = 0; same_programs && p < count; ++p) {
    same_programs = base.programs[p].id == plan.programs[p].id;
  }
  if (!same_programs) {
    stages.from_scratch = true;
    return stages;
  }
  for (size_t p = 0; p < count; ++p) {
    const Program& before = base.programs[p];
    const Program& after = plan.programs[p];
    // Eligibility reads the rule, the as-of date (ages) and, for a split pool, its regions.
    const bool eligible_same = base.as_of == plan.as_of && before.pool == after.pool &&
                               before.eligible.text == after.eligible.text &&
                               same_split(base, plan, after.pool);
    const bool award_same = eligible_same && same_award(before.award, after.award) &&
                            before.cap == after.cap && before.min_award == after.min_award &&
                            before.round.unit == after.round.unit &&
                            before.round.mode == after.round.mode;
    stages.eligibility[p] = eligible_same ? 0 : 1;
    stages.awards[p] = award_same ? 0 : 1;
  }
  return stages;
}

bool same_regions(const Plan& base, const Plan& plan) {
  if (base.pools.size() != plan.pools.size()) return false;
  for (size_t k = 0; k < plan.pools.size(); ++k) {
    if (base.pools[k].id != plan.pools[k].id || !same_split(base, plan, plan.pools[k].id)) {
      return false;
    }
  }
  return true;
}

}  // namespace

struct ScenarioRunner::Impl {
  std::string text;
  std::string file_name;
  const Roster* roster = nullptr;
  int threads = 0;
  std::unique_ptr<Plan> plan;
  std::unique_ptr<CompiledPlan> compiled;
  std::vector<RowMask> eligible;  // by program
  AwardsResult requested;         // before stacking
  Allocation base;
};

ScenarioRunner::ScenarioRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScenarioRunner::ScenarioRunner(ScenarioRunner&&) noexcept = default;
ScenarioRunner& ScenarioRunner::operator=(ScenarioRunner&&) noexcept = default;
ScenarioRunner::~ScenarioRunner() = default;

const Plan& ScenarioRunner::plan() const { return *impl_->plan; }
const CompiledPlan& ScenarioRunner::base_plan() const { return *impl_->compiled; }
const Allocation& ScenarioRunner::base() const { return impl_->base; }
int ScenarioRunner::threads() const { return impl_->threads; }

Result<ScenarioRunner> ScenarioRunner::create(std::string plan_text, std::string file_name,
                                              const Roster& roster, int threads) {
  auto impl = std::make_unique<Impl>();
  impl->text = std::move(plan_text);
  impl->file_name = std::move(file_name);
  impl->roster = &roster;
  impl->threads = threads;
  SUBSIDY_ASSIGN_OR_RETURN(Plan plan, parse_plan(impl->text, impl->file_name));
  impl->plan = std::make_unique<Plan>(std::move(plan));
  SUBSIDY_ASSIGN_OR_RETURN(CompiledPlan compiled, compile_plan(*impl->plan, roster));
  impl->compiled = std::make_unique<CompiledPlan>(std::move(compiled));
  // The base run, stage by stage, keeping what scenarios reuse.
  const EvalContext context{impl->plan->as_of};
  SUBSIDY_ASSIGN_OR_RETURN(impl->eligible,
                           evaluate_eligibility(impl->compiled->awards(), context, threads));
  SUBSIDY_ASSIGN_OR_RETURN(impl->requested, compute_requested(impl->compiled->awards(), context,
                                                              impl->eligible, threads));
  AwardsResult stacked = impl->requested;
  apply_stacking(*impl->plan, stacked);
  SUBSIDY_ASSIGN_OR_RETURN(impl->base, settle(*impl->compiled, std::move(stacked),
                                              split_regions_of_rows(*impl->compiled)));
  impl->base.warnings = impl->compiled->warnings();
  return ScenarioRunner(std::move(impl));
}

Result<ScenarioResult> ScenarioRunner::run(const Scenario& scenario) const {
  const Impl& base = *impl_;
  ScenarioResult result;
  result.name = scenario.name;
  SUBSIDY_ASSIGN_OR_RETURN(Plan plan,
                           apply_overrides(base.text, base.file_name, scenario.overrides));
  result.plan_ = std::make_unique<Plan>(std::move(plan));
  const Plan& scenario_plan = *result.plan_;
  SUBSIDY_ASSIGN_OR_RETURN(CompiledPlan compiled, compile_plan_like(scenario_plan, *base.compiled));
  result.compiled_ = std::make_unique<CompiledPlan>(std::move(compiled));
  result.stages = stages_to_run(*base.plan, scenario_plan);
  const StagesRun& stages = result.stages;
  const EvalContext context{scenario_plan.as_of};
  // One thread per scenario: scenarios themselves run in parallel.
  SUBSIDY_ASSIGN_OR_RETURN(
      std::vector<RowMask> eligible,
      evaluate_eligibility(result.compiled_->awards(), context, stages.eligibility, 1));
  for (size_t p = 0; p < eligible.size(); ++p) {
    if (!stages.eligibility[p]) eligible[p] = base.eligible[p];
  }
  SUBSIDY_ASSIGN_OR_RETURN(AwardsResult awards,
                           compute_requested(result.compiled_->awards(), context,
                                             std::move(eligible), stages.awards, 1));
  for (size_t p = 0; p < awards.programs.size(); ++p) {
    if (!stages.awards[p]) awards.programs[p] = base.requested.programs[p];
  }
  apply_stacking(scenario_plan, awards);
  std::vector<std::vector<int16_t>> regions = same_regions(*base.plan, scenario_plan)
                                                  ? base.base.region_of_row
                                                  : split_regions_of_rows(*result.compiled_);
  SUBSIDY_ASSIGN_OR_RETURN(result.allocation,
                           settle(*result.compiled_, std::move(awards), std::move(regions)));
  result.allocation.warnings = result.compiled_->warnings();
  return result;
}

std::vector<Result<ScenarioResult>> ScenarioRunner::run_all(
    const std::vector<Scenario>& scenarios) const {
  std::vector<std::optional<Result<ScenarioResult>>> slots(scenarios.size());
  internal::parallel_for(scenarios.size(), impl_->threads,
                         [&](size_t k) { slots[k].emplace(run(scenarios[k])); });
  std::vector<Result<ScenarioResult>> results;
  results.reserve(slots.size());
  for (auto& slot : slots) results.push_back(std::move(*slot));
  return results;
}

}  // namespace subsidy
