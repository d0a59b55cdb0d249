// Full allocation of the Xuyi plan (every stage: eligibility, awards, stacking, budgets and
// scarcity) over synthetic rosters already loaded, and the stages on their own.
//
// 10M rows take ~4 GB and a minute to build: set SUBSIDY_BENCH_10M=1 to include them.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "subsidy/allocation.hpp"
#include "subsidy/synth.hpp"

namespace {

using namespace subsidy;

const Roster& synthetic(int64_t rows) {
  static std::map<int64_t, std::unique_ptr<Roster>> rosters;
  auto& slot = rosters[rows];
  if (!slot) {
    Result<Roster> loaded = parse_roster_csv(synthetic_roster_csv({rows, 42}));
    if (!loaded.ok()) std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    slot = std::make_unique<Roster>(std::move(*loaded));
  }
  return *slot;
}

const Plan& xuyi_plan() {
  static const Plan plan = [] {
    Result<Plan> loaded = load_plan(SUBSIDY_SOURCE_DIR "/examples/xuyi-2023-plan.yaml");
    if (!loaded.ok()) std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return std::move(*loaded);
  }();
  return plan;
}

// range(0): rows; range(1): threads.
void BM_XuyiAllocate(benchmark::State& state) {
  const Roster& roster = synthetic(state.range(0));
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
}

// Settlement alone (pools and scarcity over the awards already computed).
void BM_XuyiSettle(benchmark::State& state) {
  const Roster& roster = synthetic(state.range(0));
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

void sizes(benchmark::internal::Benchmark* bench) {
  for (const int64_t rows : {10'000, 100'000, 1'000'000}) {
    for (const int64_t threads : {1, 2}) bench->Args({rows, threads});
  }
  if (std::getenv("SUBSIDY_BENCH_10M") != nullptr) {
    for (const int64_t threads : {1, 2}) bench->Args({10'000'000, threads});
  }
}

BENCHMARK(BM_XuyiAllocate)->Apply(sizes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_XuyiSettle)->Args({1'000'000, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
