// What-if: overrides by path, the incremental runner against from-scratch runs (every award kind,
// random scenarios), the stages a change re-runs, metrics, comparisons and sweeps — exact amounts.
#include "subsidy/whatif.hpp"

#include <gtest/gtest.h>

#include <random>

#include "subsidy/results.hpp"
#include "subsidy/synth.hpp"
#include "test_files.hpp"

namespace {

using namespace subsidy;

// Every award kind over the example roster; one pool shared pro rata, one program with its own
// budget, a stacking group.
const char kPlan[] = R"(plan: every-kind
fiscal_year: 2023
as_of: 2023-06-30
round: {unit: yuan, mode: down}
pools:
  - id: fund
    level: county
    received: 60万
    reserve: 5%
    scarcity: pro_rata
  - id: rent-fund
    level: county
    received: 5万
    scarcity: {method: priority, rank_by: ["registered_on asc"], partial: true}
programs:
  - id: fixed-grant
    pool: fund
    group: base
    eligible: employees >= 100
    award: {fixed: 1万}
  - id: tax-rate
    pool: fund
    group: base
    eligible: tax_paid >= 50万
    award: {rate: 2%, of: tax_paid}
    cap: 8万
  - id: tax-tiers
    pool: fund
    eligible: tax_paid >= 20万
    award:
      tiers:
        base: tax_paid
        bands:
          - {from: 20万, award: 1万}
          - {from: 100万, award: 3万}
          - {from: 300万, rate: 2%}
  - id: sales-brackets
    pool: fund
    eligible: sales_invoiced >= 1000万
    award:
      brackets:
        base: sales_invoiced
        bands:
          - {from: 1000万, rate: 0.2%}
          - {from: 1亿, rate: 0.1%}
    min_award: 5000
  - id: tag-table
    pool: fund
    eligible: region within "3208"
    award:
      table:
        hit: collect_sum
        rows:
          - {when: 'has_tag("专精特新")', award: 2万}
          - {when: 'has_tag("高新技术企业")', rate: 0.1%, of: revenue}
  - id: rent-formula
    pool: rent-fund
    eligible: rent_paid > 0
    award: {formula: rent_paid * 0.5}
    cap: 2万
stacking:
  - {group: base, rule: highest}
)";

const Roster& example_roster() {
  static const Roster roster = [] {
    Result<Roster> loaded =
        load_roster_csv(std::string(SUBSIDY_SOURCE_DIR) + "/examples/roster-small.csv");
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return std::move(*loaded);
  }();
  return roster;
}

// awards.csv and pools.csv of a from-scratch run of `plan`.
std::string from_scratch(const Plan& plan, const Roster& roster) {
  Result<CompiledPlan> compiled = compile_plan(plan, roster);
  if (!compiled.ok()) return "compile: " + compiled.status().message();
  Result<Allocation> run = allocate(*compiled, {.threads = 1});
  if (!run.ok()) return "allocate: " + run.status().message();
  return awards_csv(*compiled, *run) + pools_csv(*run);
}

std::string of_result(const ScenarioResult& result) {
  return awards_csv(result.compiled(), result.allocation) + pools_csv(result.allocation);
}

ScenarioRunner make_runner(const std::string& text, const Roster& roster, int threads = 1) {
  Result<ScenarioRunner> runner = ScenarioRunner::create(text, "every.yaml", roster, threads);
  EXPECT_TRUE(runner.ok()) << runner.status().message();
  return std::move(*runner);
}

Scenario scenario(const std::vector<std::string>& sets) {
  Result<Scenario> made = parse_scenario("s", sets);
  EXPECT_TRUE(made.ok()) << made.status().message();
  return *made;
}

// Runs the scenario incrementally and from scratch; they must agree byte for byte.
void expect_same_as_from_scratch(const ScenarioRunner& runner, const Scenario& change,
                                 const Roster& roster) {
  Result<ScenarioResult> result = runner.run(change);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(of_result(*result), from_scratch(result->plan(), roster));
}

// ---------------------------------------------------------------------------------------------
// Overrides

TEST(WhatifOverrides, SetsValuesByIdAndIndexAndAddsMissingKeys) {
  Result<Plan> plan = apply_overrides(
      kPlan, "every.yaml",
      {{"programs.tax-tiers.award.tiers.bands[1].award", "6万"},
       {"pools.fund.received", "100万"},
       {"programs.fixed-grant.cap", "5000"},  // not in the plan: added
       {"stacking.base.rule", "sum_cap"},
       {"stacking.base.cap", "3万"},
       {"programs.tag-table.award.table.rows[1].rate", "0.2%"},
       {"programs.tax-rate.eligible", "tax_paid >= 100万 and region == \"320830\""}});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->file_name, "every.yaml");
  EXPECT_EQ(plan->programs[2].award.bands[1].amount.fen(), 6'000'000);
  EXPECT_EQ(plan->programs[2].award.bands[0].amount.fen(), 1'000'000);
  EXPECT_EQ(plan->pools[0].received.fen(), 100'000'000);
  ASSERT_TRUE(plan->programs[0].cap.has_value());
  EXPECT_EQ(plan->programs[0].cap->fen(), 500'000);
  EXPECT_EQ(plan->stacking[0].rule, StackingRule::kSumCap);
  EXPECT_EQ(plan->stacking[0].cap.fen(), 3'000'000);
  EXPECT_EQ(plan->programs[4].award.rows[1].rate.nanos(), 2'000'000);
  EXPECT_EQ(plan->programs[1].eligible.text, "tax_paid >= 100万 and region == \"320830\"");
  // Everything else as in the file: the Chinese text, the other programs.
  EXPECT_EQ(plan->programs[4].award.rows[0].when.text, "has_tag(\"专精特新\")");
  EXPECT_EQ(plan->programs.size(), 6u);
}

TEST(WhatifOverrides, ErrorsNameTheOverride) {
  auto error = [](const std::string& path, const std::string& value) {
    Result<Plan> plan = apply_overrides(kPlan, "every.yaml", {{path, value}});
    return plan.ok() ? "ok" : plan.status().message();
  };
  EXPECT_EQ(error("programs.rent.award.rate", "40%"),
            "--set programs.rent.award.rate=40%: programs has no item named \"rent\"; it has "
            "fixed-grant, tax-rate, tax-tiers, sales-brackets, tag-table, rent-formula");
  EXPECT_EQ(error("programs.tax-tiers.award.tiers.bands[3].award", "1"),
            "--set programs.tax-tiers.award.tiers.bands[3].award=1: "
            "programs.tax-tiers.award.tiers.bands has 3 items; [3] is past its end");
  EXPECT_EQ(error("programs.tax-tiers.awrd.tiers", "1"),
            "--set programs.tax-tiers.awrd.tiers=1: programs.tax-tiers.awrd is not in the plan");
  EXPECT_EQ(error("programs.tax-tiers", "1"),
            "--set programs.tax-tiers=1: programs.tax-tiers is a whole item; set one of its keys");
  EXPECT_EQ(error("programs.tax-tiers.award.tiers.bands[x]", "1"),
            "--set programs.tax-tiers.award.tiers.bands[x]=1: \"programs.tax-tiers.award.tiers."
            "bands[x]\": \"bands[x]\" is not key[index] with an index from 0");
  // A value the plan reader refuses: its path and why, without the lines of a text the user
  // never saw.
  EXPECT_EQ(error("pools.fund.received", "12a"),
            "every.yaml with --set pools.fund.received=12a: pools[0] (fund).received: invalid "
            "amount \"12a\": expected a number of yuan such as 1234.5, 1_000, 50万 or 8.1亿");
  EXPECT_EQ(error("programs.tax-tiers.award.tiers.bands[1].from", "10万"),
            "every.yaml with --set programs.tax-tiers.award.tiers.bands[1].from=10万: "
            "programs[2] (tax-tiers).award.tiers.bands[1].from: bands must be strictly ascending: "
            "10万 does not exceed 20万");
  EXPECT_EQ(parse_override("no-equals").status().message(),
            "\"no-equals\" is not PATH=VALUE (e.g. pools.city-sme.received=4000万)");
}

// ---------------------------------------------------------------------------------------------
// The runner

TEST(WhatifRunner, BaseEqualsAllocate) {
  const ScenarioRunner runner = make_runner(kPlan, example_roster());
  const std::string scratch = from_scratch(runner.plan(), example_roster());
  EXPECT_EQ(awards_csv(runner.base_plan(), runner.base()) + pools_csv(runner.base()), scratch);
  // The example roster gives every program lines.
  for (const ProgramAwards& program : runner.base().awards.programs) {
    EXPECT_GT(program.rows.size(), 0u);
  }
}

TEST(WhatifRunner, OverridesOfEveryAwardKindEqualFromScratch) {
  const ScenarioRunner runner = make_runner(kPlan, example_roster());
  const std::vector<std::vector<std::string>> changes = {
      {"programs.fixed-grant.award.fixed=2万"},
      {"programs.tax-rate.award.rate=5%"},
      {"programs.tax-rate.award.of=sales_invoiced"},
      {"programs.tax-tiers.award.tiers.bands[1].award=6万"},
      {"programs.tax-tiers.award.tiers.bands[2].rate=10%"},
      {"programs.sales-brackets.award.brackets.bands[0].rate=1%"},
      {"programs.tag-table.award.table.hit=collect_max"},
      {"programs.tag-table.award.table.rows[0].award=5万"},
      {"programs.rent-formula.award.formula=rent_paid * 0.8"},
      {"programs.tax-rate.cap=1万"},
      {"programs.sales-brackets.min_award=3万"},
      {"programs.tax-tiers.eligible=tax_paid >= 100万"},
      {"pools.fund.received=10万"},
      {"pools.fund.scarcity=equal_cap"},
      {"pools.rent-fund.scarcity.partial=false"},
      {"stacking.base.rule=exclusive"},
      {"as_of=2024-06-30"},
      {"round.unit=hundred", "round.mode=half_up"},
  };
  for (const std::vector<std::string>& sets : changes) {
    SCOPED_TRACE(sets[0]);
    expect_same_as_from_scratch(runner, scenario(sets), example_roster());
  }
}

TEST(WhatifRunner, ReRunsOnlyTheStagesAChangeTouches) {
  const ScenarioRunner runner = make_runner(kPlan, example_roster());
  auto stages = [&](const std::vector<std::string>& sets) {
    Result<ScenarioResult> result = runner.run(scenario(sets));
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result->stages;
  };
  const std::vector<uint8_t> none(6, 0);
  // An award change: that program's awards, no eligibility.
  StagesRun award = stages({"programs.tax-tiers.award.tiers.bands[1].award=6万"});
  EXPECT_EQ(award.eligibility, none);
  EXPECT_EQ(award.awards, (std::vector<uint8_t>{0, 0, 1, 0, 0, 0}));
  EXPECT_FALSE(award.from_scratch);
  // A pool's size: allocation only.
  StagesRun pool = stages({"pools.fund.received=100万"});
  EXPECT_EQ(pool.eligibility, none);
  EXPECT_EQ(pool.awards, none);
  // Stacking: allocation only.
  EXPECT_EQ(stages({"stacking.base.rule=exclusive"}).awards, none);
  // A rule: that program's eligibility and awards.
  StagesRun rule = stages({"programs.tax-rate.eligible=tax_paid >= 100万"});
  EXPECT_EQ(rule.eligibility, (std::vector<uint8_t>{0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(rule.awards, (std::vector<uint8_t>{0, 1, 0, 0, 0, 0}));
  // The as-of date: everything (ages).
  StagesRun as_of = stages({"as_of=2024-01-01"});
  EXPECT_EQ(as_of.eligibility, std::vector<uint8_t>(6, 1));
  // A program's id: the programs changed, so from scratch.
  EXPECT_TRUE(stages({"programs.tax-rate.id=tax-rate-2"}).from_scratch);
}

TEST(WhatifRunner, RandomScenariosEqualFromScratch) {
  Result<Roster> roster = parse_roster_csv(synthetic_roster_csv({3000, 7}));
  ASSERT_TRUE(roster.ok()) << roster.status().message();
  const std::string xuyi_text =
      subsidy_test::read_file(std::string(SUBSIDY_SOURCE_DIR) + "/examples/xuyi-2023-plan.yaml");
  const ScenarioRunner runner = make_runner(xuyi_text, *roster, 2);
  // Candidate overrides: a path and the values it may take.
  const std::vector<std::pair<std::string, std::vector<std::string>>> candidates = {
      {"pools.county-base-fund.received", {"10万", "50万", "80万", "200万", "1000万"}},
      {"pools.county-base-fund.reserve", {"0", "5%", "10万"}},
      {"pools.county-base-fund.scarcity", {"pro_rata", "equal_cap"}},
      {"programs.tax-contribution.award.tiers.bands[0].award", {"1万", "2万", "3万"}},
      {"programs.tax-contribution.award.tiers.bands[1].award", {"4万", "5万", "6万"}},
      {"programs.tax-contribution.award.tiers.bands[3].rate", {"3%", "5%", "8%"}},
      {"programs.tax-contribution.cap", {"10万", "20万", "50万"}},
      {"programs.tax-contribution.eligible",
       {"region == \"320830\" and has_tag(\"入驻基地\") and tax_paid >= 20万",
        "region == \"320830\" and tax_paid >= 30万", "tax_paid >= 50万"}},
      {"programs.sales-contribution.award.brackets.bands[0].rate", {"0.3%", "0.5%", "1%"}},
      {"programs.sales-contribution.cap", {"20万", "30万"}},
      {"programs.startup-rent.budget", {"3万", "6万", "10万"}},
      {"programs.startup-rent.award.rate", {"30%", "50%", "80%"}},
      {"programs.startup-rent.scarcity.partial", {"true", "false"}},
      {"stacking[0].rule", {"highest", "exclusive"}},
      {"round.mode", {"down", "half_up", "up"}},
  };
  std::mt19937_64 random(99);
  std::vector<Scenario> scenarios;
  for (int k = 0; k < 40; ++k) {
    Scenario s{"random " + std::to_string(k), {}};
    const int changes = 1 + static_cast<int>(random() % 3);
    for (int c = 0; c < changes; ++c) {
      const auto& [path, values] = candidates[random() % candidates.size()];
      s.overrides.push_back({path, values[random() % values.size()]});
    }
    scenarios.push_back(std::move(s));
  }
  std::vector<Result<ScenarioResult>> results = runner.run_all(scenarios);
  ASSERT_EQ(results.size(), scenarios.size());
  int compared = 0;
  for (size_t k = 0; k < results.size(); ++k) {
    SCOPED_TRACE(scenarios[k].name);
    if (!results[k].ok()) {
      // Some combinations are not valid plans (an own budget over the pool's budget): the same
      // plan from scratch must be refused too, with the same message.
      Result<Plan> plan = apply_overrides(xuyi_text, "every.yaml", scenarios[k].overrides);
      std::string scratch_error = plan.ok() ? "" : plan.status().message();
      if (plan.ok()) {
        Result<CompiledPlan> compiled = compile_plan(*plan, *roster);
        scratch_error = compiled.ok() ? "" : compiled.status().message();
      }
      EXPECT_EQ(results[k].status().message(), scratch_error);
      EXPECT_NE(scratch_error.find("--set"), std::string::npos) << scratch_error;
      continue;
    }
    EXPECT_EQ(of_result(*results[k]), from_scratch(results[k]->plan(), *roster));
    ++compared;
  }
  EXPECT_GE(compared, 30);
}

// ---------------------------------------------------------------------------------------------
// Metrics and comparisons, by hand

const char kTinyRoster[] =
    "id,name,region,employees,revenue,tax_paid,industry\n"
    "A,a,320830,10,1000000,100000,C3911\n"  // small (industry: employees ≥ 20? no) — see size
    "B,b,320830,300,500000000,300000,C3911\n"
    "C,c,320831,50,30000000,500000,C3911\n"
    "D,d,320831,5,100000,0,C3911\n";

const char kTinyPlan[] = R"(plan: tiny
as_of: 2023-06-30
round: {unit: yuan, mode: down}
pools:
  - id: fund
    level: county
    received: 100万
programs:
  - id: rate
    pool: fund
    eligible: tax_paid > 0
    award: {rate: 10%, of: tax_paid}
)";

TEST(WhatifMetrics, ByHand) {
  Result<Roster> roster = parse_roster_csv(kTinyRoster);
  ASSERT_TRUE(roster.ok()) << roster.status().message();
  const ScenarioRunner runner = make_runner(kTinyPlan, *roster);
  const RunMetrics metrics = run_metrics(runner.base_plan(), runner.base());
  // 10% of 100000, 300000, 500000 yuan: 10000, 30000, 50000 (budget 100万 is enough).
  EXPECT_EQ(metrics.requested.fen(), 9'000'000);
  EXPECT_EQ(metrics.granted.fen(), 9'000'000);
  EXPECT_EQ(metrics.funded, 3);
  EXPECT_EQ(metrics.funded_lines, 3);
  EXPECT_EQ(metrics.mean_award.fen(), 3'000'000);
  EXPECT_EQ(metrics.median_award.fen(), 3'000'000);
  EXPECT_EQ(metrics.remaining.fen(), 100'000'000 - 9'000'000);
  // Gini of (1, 3, 5): (2·(1·1 + 2·3 + 3·5)) / (3·9) − 4/3 = 44/27 − 36/27 = 8/27.
  EXPECT_NEAR(metrics.gini, 8.0 / 27.0, 1e-12);
  // Sizes (industry C: micro below 20 employees or 300万 revenue): A micro, B medium, C small.
  EXPECT_EQ(metrics.small_micro.fen(), 1'000'000 + 5'000'000);
  ASSERT_EQ(metrics.by_region.size(), 2u);
  EXPECT_EQ(metrics.by_region[0].region, "320830");
  EXPECT_EQ(metrics.by_region[0].granted.fen(), 4'000'000);
  EXPECT_EQ(metrics.by_region[0].funded, 2);
  EXPECT_EQ(metrics.by_region[1].region, "320831");
  EXPECT_EQ(metrics.by_region[1].granted.fen(), 5'000'000);

  // Scarce: 4万 pro rata over 1万, 3万, 5万 (9万): 4444.44…, 13333.33…, 22222.22… → to the yuan,
  // largest remainders: 4444 + 13333 + 22222 = 39999, one yuan left to the largest remainder
  // (.44 for A, .33 for B, .22 for C → A): 4445, 13333, 22222.
  Result<ScenarioResult> scarce = runner.run(scenario({"pools.fund.received=4万"}));
  ASSERT_TRUE(scarce.ok()) << scarce.status().message();
  const RunMetrics low = run_metrics(scarce->compiled(), scarce->allocation);
  EXPECT_EQ(low.granted.fen(), 4'000'000);
  EXPECT_EQ(low.median_award.fen(), 1'333'300);
  EXPECT_EQ(low.mean_award.fen(), 1'333'333);  // 40000 / 3 = 13333.333… → 13333.33
  const Comparison change =
      compare_runs(runner.base_plan(), runner.base(), scarce->compiled(), scarce->allocation, 2);
  EXPECT_EQ(change.winners, 0);
  EXPECT_EQ(change.losers, 3);
  EXPECT_EQ(change.unchanged, 0);
  EXPECT_EQ(change.gains.fen(), 0);
  EXPECT_EQ(change.losses.fen(), -5'000'000);
  ASSERT_EQ(change.top_losses.size(), 2u);
  EXPECT_EQ(change.top_losses[0].enterprise, "C");  // 50000 → 22222: −27778
  EXPECT_EQ(change.top_losses[0].change().fen(), -2'777'800);
  EXPECT_EQ(change.top_losses[1].enterprise, "B");  // 30000 → 13333: −16667
  EXPECT_EQ(change.top_losses[1].change().fen(), -1'666'700);
  EXPECT_TRUE(change.top_gains.empty());
  // Buckets: A −5555 (1千–1万), B −16667 and C −27778 (1万–10万).
  ASSERT_EQ(change.by_change.size(), 8u);
  EXPECT_EQ(change.by_change[5].key, "loss 1千–1万");
  EXPECT_EQ(change.by_change[5].losers, 1);
  EXPECT_EQ(change.by_change[6].key, "loss 1万–10万");
  EXPECT_EQ(change.by_change[6].losers, 2);
  EXPECT_EQ(change.by_change[6].before.fen(), 8'000'000);
  EXPECT_EQ(change.by_change[6].after.fen(), 3'555'500);
  ASSERT_EQ(change.by_region.size(), 2u);
  EXPECT_EQ(change.by_region[0].key, "320830");
  EXPECT_EQ(change.by_region[0].before.fen(), 4'000'000);
  EXPECT_EQ(change.by_region[0].after.fen(), 444'500 + 1'333'300);
  EXPECT_EQ(change.by_region[0].losers, 2);
}

// ---------------------------------------------------------------------------------------------
// Sweeps

TEST(WhatifSweep, ParsesRangesAndLists) {
  Result<SweepAxis> money = parse_sweep("pools.fund.received=10万:12万:5000");
  ASSERT_TRUE(money.ok()) << money.status().message();
  EXPECT_EQ(money->path, "pools.fund.received");
  EXPECT_EQ(money->values, (std::vector<std::string>{"100000.00", "105000.00", "110000.00",
                                                     "115000.00", "120000.00"}));
  EXPECT_DOUBLE_EQ(money->numbers[1], 105000.0);
  Result<SweepAxis> rates = parse_sweep("programs.x.award.rate=1%:2%:0.25%");
  ASSERT_TRUE(rates.ok()) << rates.status().message();
  EXPECT_EQ(rates->values, (std::vector<std::string>{"0.01", "0.0125", "0.015", "0.0175", "0.02"}));
  Result<SweepAxis> list = parse_sweep("pools.fund.scarcity=pro_rata,equal_cap");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->values, (std::vector<std::string>{"pro_rata", "equal_cap"}));
  EXPECT_TRUE(std::isnan(list->numbers[0]));
  EXPECT_EQ(parse_sweep("p=1:2").status().message(), "--sweep p=1:2: a range is from:to:step");
  EXPECT_EQ(parse_sweep("p=2:1:1").status().message(),
            "--sweep p=2:1:1: the range ends before it starts");
  EXPECT_EQ(parse_sweep("p=1:2:0").status().message(),
            "--sweep p=1:2:0: the step must be positive");
  EXPECT_EQ(parse_sweep("p=1:100000:1").status().message(),
            "--sweep p=1:100000:1: more than 10000 points");
}

TEST(WhatifSweep, PoolSizeUnderProRataGrantsTheSmallerOfBudgetAndRequested) {
  // One pool, no own budgets, pro rata, fen: every point grants exactly min(budget, requested).
  const std::string plan = std::string(kPlan).substr(0, std::string(kPlan).find("programs:")) +
                           R"(programs:
  - id: tax-tiers
    pool: fund
    eligible: tax_paid >= 20万
    award:
      tiers:
        base: tax_paid
        bands:
          - {from: 20万, award: 1万}
          - {from: 100万, award: 3万}
          - {from: 300万, rate: 2%}
  - id: sales-brackets
    pool: fund
    eligible: sales_invoiced >= 1000万
    award: {brackets: {base: sales_invoiced, bands: [{from: 1000万, rate: 0.2%}]}}
)";
  Result<Roster> roster = parse_roster_csv(synthetic_roster_csv({5000, 3}));
  ASSERT_TRUE(roster.ok());
  const ScenarioRunner runner = make_runner(plan, *roster, 2);
  const std::vector<Override> fixed = {{"pools.fund.reserve", "0"}, {"round.unit", "fen"}};
  Result<ScenarioResult> in_fen = runner.run(Scenario{"fen", fixed});
  ASSERT_TRUE(in_fen.ok()) << in_fen.status().message();
  const Money requested = run_metrics(in_fen->compiled(), in_fen->allocation).requested;
  ASSERT_GT(requested.fen(), 0);
  const Money rent_fund = Money::from_fen(5'000'000);  // the other pool, untouched: remaining
  Result<SweepAxis> axis = parse_sweep("pools.fund.received=0.01:" + format_yuan(requested * 2) +
                                       ":" + format_yuan(Money::from_fen(requested.fen() / 9 + 7)));
  ASSERT_TRUE(axis.ok()) << axis.status().message();
  Result<SweepResult> sweep = run_sweep(runner, {*axis}, fixed);
  ASSERT_TRUE(sweep.ok()) << sweep.status().message();
  ASSERT_EQ(sweep->points.size(), axis->values.size());
  ASSERT_GE(sweep->points.size(), 15u);
  for (const SweepPoint& point : sweep->points) {
    SCOPED_TRACE(point.values[0]);
    const Money budget = *parse_money(point.values[0]);
    EXPECT_EQ(point.metrics.requested, requested);
    EXPECT_EQ(point.metrics.granted, std::min(budget, requested));
    EXPECT_EQ(point.metrics.remaining, budget - std::min(budget, requested) + rent_fund);
  }
  // Cost grows with the pool until it covers every request: a positive slope.
  ASSERT_TRUE(sweep->slope.has_value());
  EXPECT_GT(*sweep->slope, 0.0);
  EXPECT_LT(*sweep->slope, 1.0);
}

TEST(WhatifSweep, SlopeOfALinearCost) {
  // Rate of tax_paid with no scarcity: granted = rate × Σ tax, exactly linear in the rate.
  Result<Roster> roster = parse_roster_csv(kTinyRoster);
  ASSERT_TRUE(roster.ok());
  const ScenarioRunner runner = make_runner(kTinyPlan, *roster);
  Result<SweepAxis> axis = parse_sweep("programs.rate.award.rate=5%:20%:5%");
  ASSERT_TRUE(axis.ok());
  Result<SweepResult> sweep = run_sweep(runner, {*axis});
  ASSERT_TRUE(sweep.ok()) << sweep.status().message();
  ASSERT_EQ(sweep->points.size(), 4u);
  EXPECT_EQ(sweep->points[0].metrics.granted.fen(), 4'500'000);  // 5% of 90万
  EXPECT_EQ(sweep->points[3].metrics.granted.fen(), 18'000'000);
  EXPECT_NEAR(*sweep->slope, 900'000.0, 1e-6);  // yuan per unit of rate
  EXPECT_NEAR(*sweep->intercept, 0.0, 1e-6);
  // A grid of two.
  Result<SweepAxis> pool = parse_sweep("pools.fund.received=5万,100万");
  ASSERT_TRUE(pool.ok());
  Result<SweepResult> grid = run_sweep(runner, {*axis, *pool});
  ASSERT_TRUE(grid.ok()) << grid.status().message();
  ASSERT_EQ(grid->points.size(), 8u);
  EXPECT_EQ(grid->points[1].values, (std::vector<std::string>{"0.05", "100万"}));
  EXPECT_EQ(grid->points[6].metrics.granted.fen(), 5'000'000);  // 20% wants 18万 of a 5万 pool
  EXPECT_FALSE(grid->slope.has_value());
}

}  // namespace
