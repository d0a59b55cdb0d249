// The award stage over a synthetic roster: every program of examples/xuyi-2023-plan.yaml (tiers on
// tax, brackets on sales, a rate of rent; cap; stacking `highest`), compiled once outside the loop,
// on one thread. BM_XuyiEligibility runs the eligibility rules alone and BM_XuyiRequested the
// award part alone (exact awards, cap, round, stacking), so that the two can be told apart.
//
// Counters: items_per_second (roster rows); bytes_per_second, for the awards and the eligibility,
// the bytes of the columns the plan reads (common_bench.cpp's xuyi_column_bytes).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common_bench.hpp"
#include "subsidy/awards.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"

namespace {

using namespace subsidy;

const Roster& roster_of(int64_t rows) { return subsidy_bench::synthetic_roster(rows); }

// The Xuyi plan compiled against a roster of `rows` rows, once per size.
struct Xuyi {
  Plan plan;
  std::optional<CompiledAwards> compiled;
  EvalContext context;
  std::string error;
};

const Xuyi& xuyi_of(int64_t rows) {
  static std::map<int64_t, std::unique_ptr<Xuyi>> plans;
  auto& slot = plans[rows];
  if (!slot) {
    slot = std::make_unique<Xuyi>();
    slot->plan = subsidy_bench::xuyi_plan();
    slot->context = EvalContext{slot->plan.as_of};
    Result<CompiledAwards> compiled = compile_awards(slot->plan, roster_of(rows));
    if (!compiled.ok()) {
      slot->error = compiled.status().message();
      return *slot;
    }
    slot->compiled.emplace(std::move(*compiled));
  }
  return *slot;
}

// Lines with something requested, and the total requested (fen), over all programs.
void count_lines(benchmark::State& state, const AwardsResult& awards) {
  double lines = 0;
  double requested = 0;
  for (const ProgramAwards& program : awards.programs) {
    for (size_t k = 0; k < program.rows.size(); ++k) {
      if (program.requested[k] > 0) ++lines;
      requested += static_cast<double>(program.requested[k]);
    }
  }
  state.counters["lines"] = lines;
  state.counters["requested_yuan"] = requested / 100;
}

// compute_awards: eligibility, exact awards, cap, min_award, round and stacking.
void BM_XuyiAwards(benchmark::State& state) {
  const Roster& roster = roster_of(state.range(0));
  const Xuyi& xuyi = xuyi_of(state.range(0));
  if (!xuyi.error.empty()) {
    state.SkipWithError(xuyi.error.c_str());
    return;
  }
  std::optional<AwardsResult> last;
  for (auto _ : state) {
    Result<AwardsResult> awards = compute_awards(*xuyi.compiled, xuyi.context);
    if (!awards.ok()) {
      state.SkipWithError(awards.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(awards->programs.data());
    last = std::move(*awards);
  }
  state.SetItemsProcessed(state.iterations() * roster.num_rows());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(subsidy_bench::xuyi_column_bytes(roster)));
  if (last) count_lines(state, *last);
}
BENCHMARK(BM_XuyiAwards)->Apply(subsidy_bench::roster_sizes)->Unit(benchmark::kMillisecond);

// evaluate_eligibility only: the three programs' rules.
void BM_XuyiEligibility(benchmark::State& state) {
  const Roster& roster = roster_of(state.range(0));
  const Xuyi& xuyi = xuyi_of(state.range(0));
  if (!xuyi.error.empty()) {
    state.SkipWithError(xuyi.error.c_str());
    return;
  }
  RowIndex eligible = 0;
  for (auto _ : state) {
    Result<std::vector<RowMask>> masks = evaluate_eligibility(*xuyi.compiled, xuyi.context);
    if (!masks.ok()) {
      state.SkipWithError(masks.status().message().c_str());
      return;
    }
    eligible = 0;
    for (const RowMask& mask : *masks) eligible += mask.count();
    benchmark::DoNotOptimize(eligible);
  }
  state.SetItemsProcessed(state.iterations() * roster.num_rows());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(subsidy_bench::xuyi_column_bytes(roster)));
  state.counters["eligible"] = static_cast<double>(eligible);
}
BENCHMARK(BM_XuyiEligibility)->Apply(subsidy_bench::roster_sizes)->Unit(benchmark::kMillisecond);

// The award part only: compute_requested and apply_stacking over masks evaluated once (the masks
// are copied into each iteration, as compute_requested takes them).
void BM_XuyiRequested(benchmark::State& state) {
  const Roster& roster = roster_of(state.range(0));
  const Xuyi& xuyi = xuyi_of(state.range(0));
  if (!xuyi.error.empty()) {
    state.SkipWithError(xuyi.error.c_str());
    return;
  }
  Result<std::vector<RowMask>> masks = evaluate_eligibility(*xuyi.compiled, xuyi.context);
  if (!masks.ok()) {
    state.SkipWithError(masks.status().message().c_str());
    return;
  }
  std::optional<AwardsResult> last;
  for (auto _ : state) {
    Result<AwardsResult> awards = compute_requested(*xuyi.compiled, xuyi.context, *masks);
    if (!awards.ok()) {
      state.SkipWithError(awards.status().message().c_str());
      return;
    }
    apply_stacking(xuyi.plan, *awards);
    benchmark::DoNotOptimize(awards->programs.data());
    last = std::move(*awards);
  }
  state.SetItemsProcessed(state.iterations() * roster.num_rows());
  if (last) count_lines(state, *last);
}
BENCHMARK(BM_XuyiRequested)->Apply(subsidy_bench::roster_sizes)->Unit(benchmark::kMillisecond);

}  // namespace
