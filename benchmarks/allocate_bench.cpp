// Full allocation of the Xuyi plan (every stage: eligibility, awards, stacking, budgets and
// scarcity) over synthetic rosters already loaded, and the stages on their own.
//
// Counters: items_per_second (roster rows), bytes_per_second (the bytes of the columns the plan
// reads: region, tags, tax_paid, sales_invoiced, registered_on, rent_paid), lines (award lines).
//
// 10M rows take ~4 GB and a minute to build: set SUBSIDY_BENCH_10M=1 to include them.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "common_bench.hpp"
#include "subsidy/allocation.hpp"
#include "subsidy/results.hpp"

namespace {

using namespace subsidy;
using subsidy_bench::synthetic_roster;
using subsidy_bench::xuyi_plan;

// range(0): rows; range(1): threads.
void BM_XuyiAllocate(benchmark::State& state) {
  const Roster& roster = synthetic_roster(state.range(0));
  Result<CompiledPlan> compiled = compile_plan(xuyi_plan(), roster);
  if (!compiled.ok()) {
    state.SkipWithError(compiled.status().message().c_str());
    return;
  }
  const AllocateOptions options{.threads = static_cast<int>(state.range(1))};
  int64_t lines = 0;
  for (auto _ : state) {
    Result<Allocation> allocation = allocate(*compiled, options);
    if (!allocation.ok()) {
      state.SkipWithError(allocation.status().message().c_str());
      return;
    }
    lines = 0;
    for (const ProgramAwards& program : allocation->awards.programs) {
      lines += static_cast<int64_t>(program.rows.size());
    }
    benchmark::DoNotOptimize(allocation->pools.data());
  }
  state.counters["lines"] = static_cast<double>(lines);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(subsidy_bench::xuyi_column_bytes(roster)));
}

// Settlement alone (pools and scarcity over the awards already computed).
void BM_XuyiSettle(benchmark::State& state) {
  const Roster& roster = synthetic_roster(state.range(0));
  Result<CompiledPlan> compiled = compile_plan(xuyi_plan(), roster);
  if (!compiled.ok()) {
    state.SkipWithError(compiled.status().message().c_str());
    return;
  }
  Result<Allocation> first = allocate(*compiled, {.threads = 1});
  for (auto _ : state) {
    state.PauseTiming();
    AwardsResult awards = first->awards;
    std::vector<std::vector<int16_t>> regions = first->region_of_row;
    state.ResumeTiming();
    Result<Allocation> settled = settle(*compiled, std::move(awards), std::move(regions));
    benchmark::DoNotOptimize(settled->pools.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// compile_plan: rules type-checked against the roster, ids ranked for ties (done once per plan and
// roster, outside BM_XuyiAllocate's loop; `subsidy allocate` pays it once per run).
void BM_XuyiCompilePlan(benchmark::State& state) {
  const Roster& roster = synthetic_roster(state.range(0));
  for (auto _ : state) {
    Result<CompiledPlan> compiled = compile_plan(xuyi_plan(), roster);
    if (!compiled.ok()) {
      state.SkipWithError(compiled.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(&compiled->data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// What the Python face does for each allocate() after the first over a roster: compile the plan
// sharing the first plan's id ranks (compile_plan_like) and allocate; with range(2) = 1, also lay
// out awards.csv's rows as columns (award_table), what its awards frame starts from.
// benchmarks/python_bench.py compares Python's allocate() and allocate() + awards frame with these.
void BM_XuyiCompileLikeAllocate(benchmark::State& state) {
  const Roster& roster = synthetic_roster(state.range(0));
  Result<CompiledPlan> first = compile_plan(xuyi_plan(), roster);
  if (!first.ok()) {
    state.SkipWithError(first.status().message().c_str());
    return;
  }
  const AllocateOptions options{.threads = static_cast<int>(state.range(1))};
  for (auto _ : state) {
    Result<CompiledPlan> compiled = compile_plan_like(xuyi_plan(), *first);
    Result<Allocation> allocation = allocate(*compiled, options);
    if (!allocation.ok()) {
      state.SkipWithError(allocation.status().message().c_str());
      return;
    }
    if (state.range(2) == 1) {
      const AwardTable table = award_table(*compiled, *allocation);
      benchmark::DoNotOptimize(table.granted.data());
    }
    benchmark::DoNotOptimize(allocation->pools.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_XuyiAllocate)->Apply(subsidy_bench::roster_sizes_by_threads)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_XuyiCompilePlan)
    ->Apply(subsidy_bench::roster_sizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_XuyiCompileLikeAllocate)
    ->ArgsProduct({{1'000'000}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_XuyiSettle)->Args({1'000'000, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
