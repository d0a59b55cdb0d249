// What-if: a 100-point sweep of one tier's award over a synthetic roster (10k to 1M rows, 10M with
// SUBSIDY_BENCH_10M=1; 1 and 2 threads), and at 1M rows with 2 threads side by
// side with 100 separate from-scratch runs of the library (roster already loaded in both, no CSV
// reading): each point's plan read, compiled against the roster and allocated.
//
// Issue 7's targets on this machine: the sweep ≤ 5 s at 1M rows, and ≥ 10× faster than the 100
// from-scratch runs. BM_WhatifAllocateOnly100 is the strictest comparison: the 100 plans compiled
// beforehand (sharing the id ranks), only allocate() timed.
#include <benchmark/benchmark.h>

#include <memory>

#include "common_bench.hpp"
#include "subsidy/whatif.hpp"

namespace {

using namespace subsidy;

constexpr const char* kPath = "programs.tax-contribution.award.tiers.bands[1].award";
constexpr int kPoints = 100;

// The plan of one point of the sweep: the Xuyi plan with the band's award set to `value`.
std::unique_ptr<Plan> point_plan(const std::string& value) {
  Result<Plan> plan =
      apply_overrides(subsidy_bench::xuyi_plan_text(), "xuyi.yaml", {{kPath, value}});
  return std::make_unique<Plan>(std::move(*plan));
}

// 100 awards for the 50万 band: 3万, 3.1万, ... 12.9万.
SweepAxis axis() {
  Result<SweepAxis> parsed = parse_sweep(std::string(kPath) + "=30000:129000:1000");
  return *parsed;
}

void BM_WhatifSweep100(benchmark::State& state) {
  const Roster& roster = subsidy_bench::synthetic_roster(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  Result<ScenarioRunner> runner =
      ScenarioRunner::create(subsidy_bench::xuyi_plan_text(), "xuyi.yaml", roster, threads);
  if (!runner.ok()) {
    state.SkipWithError(runner.status().message().c_str());
    return;
  }
  const SweepAxis values = axis();
  for (auto _ : state) {
    Result<SweepResult> sweep = run_sweep(*runner, {values});
    if (!sweep.ok() || sweep->points.size() != kPoints) {
      state.SkipWithError(sweep.ok() ? "wrong point count" : sweep.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(sweep->slope);
  }
  state.counters["points"] = kPoints;
  state.SetItemsProcessed(state.iterations() * kPoints * state.range(0));
}
BENCHMARK(BM_WhatifSweep100)
    ->Apply(subsidy_bench::roster_sizes_by_threads)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// What an analyst does without the runner: per point, read the plan, compile it, allocate.
void BM_WhatifFromScratch100(benchmark::State& state) {
  const Roster& roster = subsidy_bench::synthetic_roster(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const SweepAxis values = axis();
  for (auto _ : state) {
    for (int k = 0; k < kPoints; ++k) {
      const std::unique_ptr<Plan> plan = point_plan(values.values[k]);
      Result<CompiledPlan> compiled = compile_plan(*plan, roster);
      Result<Allocation> run = allocate(*compiled, {.threads = threads});
      if (!run.ok()) {
        state.SkipWithError(run.status().message().c_str());
        return;
      }
      benchmark::DoNotOptimize(run->pools.data());
    }
  }
  state.counters["points"] = kPoints;
  state.SetItemsProcessed(state.iterations() * kPoints * state.range(0));
}
BENCHMARK(BM_WhatifFromScratch100)
    ->Args({1'000'000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

// The strictest baseline: the 100 plans read and compiled beforehand (sharing the id ranks, as
// the runner does), only the 100 allocate() calls timed.
void BM_WhatifAllocateOnly100(benchmark::State& state) {
  const Roster& roster = subsidy_bench::synthetic_roster(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const SweepAxis values = axis();
  Result<CompiledPlan> base = compile_plan(subsidy_bench::xuyi_plan(), roster);
  std::vector<std::unique_ptr<Plan>> plans;
  std::vector<CompiledPlan> compiled;
  for (int k = 0; k < kPoints; ++k) {
    plans.push_back(point_plan(values.values[k]));
    Result<CompiledPlan> one = compile_plan_like(*plans.back(), *base);
    compiled.push_back(std::move(*one));
  }
  for (auto _ : state) {
    for (int k = 0; k < kPoints; ++k) {
      Result<Allocation> run = allocate(compiled[k], {.threads = threads});
      if (!run.ok()) {
        state.SkipWithError(run.status().message().c_str());
        return;
      }
      benchmark::DoNotOptimize(run->pools.data());
    }
  }
  state.counters["points"] = kPoints;
  state.SetItemsProcessed(state.iterations() * kPoints * state.range(0));
}
BENCHMARK(BM_WhatifAllocateOnly100)
    ->Args({1'000'000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
