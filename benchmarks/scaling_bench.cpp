// Allocation by scarcity method, and as the number of programs grows.
//
// BM_ScarcityAllocate/<method>/<rows> and BM_ScarcitySettle/<method>/<rows>: the Xuyi plan with
// its pool's `scarcity: pro_rata` replaced in the plan text by each method (pro_rata, equal_cap,
// priority by tax_paid desc with partial, lottery with partial; the start-up rent program's own
// budget stays priority), parsed with parse_plan and compiled once. The shared budget is scarce at
// every size, so every method does its whole work. Allocate times every stage (eligibility and
// awards dominate); Settle times only the budgets and scarcity over awards computed once (what
// tells the methods apart).
//
// BM_ProgramsAllocate/<programs>/<rows>: a plan generated in memory with 1, 5, 10 or 50 programs,
// copies of the Xuyi programs in turn (tax tiers, sales brackets, rent with its own budget) with
// distinct ids and thresholds (copy c: tax_paid >= (20 + c)万, sales_invoiced >= (1000 + 10c)万,
// rent_paid > 100c yuan), each copy's tax and sales programs in a stacking group of their own, the
// pool's received scaled with the copies. All copies read the same region and tag, as one
// county's programs do, so the clauses they share are evaluated once.
//
// Counters: items_per_second (roster rows), bytes_per_second (allocate: the bytes of the columns
// the plan reads), lines (award lines), funded (lines granted something in the first pool).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common_bench.hpp"
#include "subsidy/allocation.hpp"
#include "subsidy/plan.hpp"

namespace {

using namespace subsidy;

// ---- Scarcity methods ------------------------------------------------------------------------

struct Method {
  const char* name;
  const char* scarcity;  // the pool's `scarcity:` value
};

constexpr Method kMethods[] = {
    {"pro_rata", "pro_rata"},
    {"equal_cap", "equal_cap"},
    {"priority", "{method: priority, rank_by: [\"tax_paid desc\"], partial: true}"},
    {"lottery", "{method: lottery, partial: true}"},
};

// The Xuyi plan with its pool settled by `method`, parsed once per method.
const Plan& plan_with(const Method& method) {
  static std::map<std::string, std::unique_ptr<Plan>> plans;
  auto& slot = plans[method.name];
  if (!slot) {
    std::string text = subsidy_bench::xuyi_plan_text();
    const std::string from = "    scarcity: pro_rata\n";
    const size_t at = text.find(from);
    if (at == std::string::npos) {
      std::fprintf(stderr, "examples/xuyi-2023-plan.yaml has no `%s`\n", from.c_str());
      std::abort();
    }
    text.replace(at, from.size(), std::string("    scarcity: ") + method.scarcity + "\n");
    Result<Plan> plan = parse_plan(text, std::string("xuyi-") + method.name + ".yaml");
    if (!plan.ok()) {
      std::fprintf(stderr, "%s\n", plan.status().message().c_str());
      std::abort();
    }
    slot = std::make_unique<Plan>(std::move(*plan));
  }
  return *slot;
}

int64_t count_lines(const Allocation& allocation) {
  int64_t lines = 0;
  for (const ProgramAwards& program : allocation.awards.programs) {
    lines += static_cast<int64_t>(program.rows.size());
  }
  return lines;
}

void BM_ScarcityAllocate(benchmark::State& state, const Method* method) {
  const Roster& roster = subsidy_bench::synthetic_roster(state.range(0));
  Result<CompiledPlan> compiled = compile_plan(plan_with(*method), roster);
  if (!compiled.ok()) {
    state.SkipWithError(compiled.status().message().c_str());
    return;
  }
  int64_t lines = 0;
  int64_t funded = 0;
  for (auto _ : state) {
    Result<Allocation> allocation = allocate(*compiled, {.threads = 1});
    if (!allocation.ok()) {
      state.SkipWithError(allocation.status().message().c_str());
      return;
    }
    lines = count_lines(*allocation);
    funded = allocation->pools.front().funded;
    benchmark::DoNotOptimize(allocation->pools.data());
  }
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["funded"] = static_cast<double>(funded);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(subsidy_bench::xuyi_column_bytes(roster)));
}

void BM_ScarcitySettle(benchmark::State& state, const Method* method) {
  const Roster& roster = subsidy_bench::synthetic_roster(state.range(0));
  Result<CompiledPlan> compiled = compile_plan(plan_with(*method), roster);
  if (!compiled.ok()) {
    state.SkipWithError(compiled.status().message().c_str());
    return;
  }
  Result<Allocation> first = allocate(*compiled, {.threads = 1});
  if (!first.ok()) {
    state.SkipWithError(first.status().message().c_str());
    return;
  }
  int64_t funded = 0;
  for (auto _ : state) {
    state.PauseTiming();
    AwardsResult awards = first->awards;
    std::vector<std::vector<int16_t>> regions = first->region_of_row;
    state.ResumeTiming();
    Result<Allocation> settled = settle(*compiled, std::move(awards), std::move(regions));
    if (!settled.ok()) {
      state.SkipWithError(settled.status().message().c_str());
      return;
    }
    funded = settled->pools.front().funded;
    benchmark::DoNotOptimize(settled->pools.data());
  }
  state.counters["lines"] = static_cast<double>(count_lines(*first));
  state.counters["funded"] = static_cast<double>(funded);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// ---- Programs: 1 → 50 --------------------------------------------------------------------------

std::string generated_plan_text(int programs) {
  const int copies = (programs + 2) / 3;
  std::string text = "plan: xuyi-" + std::to_string(programs) +
                     "-programs\n"
                     "fiscal_year: 2023\n"
                     "as_of: 2023-06-30\n"
                     "round: {unit: yuan, mode: down}\n"
                     "pools:\n"
                     "  - id: county-base-fund\n"
                     "    level: county\n"
                     "    received: " +
                     std::to_string(80 * copies) +
                     "万\n"
                     "    reserve: 5%\n"
                     "    scarcity: pro_rata\n"
                     "programs:\n";
  std::vector<bool> grouped(static_cast<size_t>(copies), false);
  for (int k = 0; k < programs; ++k) {
    const int copy = k / 3;
    const std::string c = std::to_string(copy);
    const std::string base = "region == \"320830\" and has_tag(\"入驻基地\")";
    switch (k % 3) {
      case 0:
        grouped[static_cast<size_t>(copy)] = true;
        text += "  - id: tax-contribution-" + c +
                "\n"
                "    pool: county-base-fund\n"
                "    group: base-support-" +
                c +
                "\n"
                "    eligible: " +
                base + " and tax_paid >= " + std::to_string(20 + copy) +
                "万\n"
                "    award:\n"
                "      tiers:\n"
                "        base: tax_paid\n"
                "        bands:\n"
                "          - {from: 20万,  award: 2万}\n"
                "          - {from: 50万,  award: 5万}\n"
                "          - {from: 100万, award: 10万}\n"
                "          - {from: 300万, rate: 5%}\n"
                "    cap: 20万\n";
        break;
      case 1:
        text += "  - id: sales-contribution-" + c +
                "\n"
                "    pool: county-base-fund\n"
                "    group: base-support-" +
                c +
                "\n"
                "    eligible: " +
                base + " and sales_invoiced >= " + std::to_string(1000 + 10 * copy) +
                "万\n"
                "    award:\n"
                "      brackets:\n"
                "        base: sales_invoiced\n"
                "        bands:\n"
                "          - {from: 1000万, rate: 0.5%}\n"
                "          - {from: 5000万, rate: 0.3%}\n"
                "          - {from: 1亿,    rate: 0.1%}\n"
                "    cap: 30万\n";
        break;
      default:
        text +=
            "  - id: startup-rent-" + c +
            "\n"
            "    pool: county-base-fund\n"
            "    budget: 6万\n"
            "    eligible: " +
            base + " and age_years(registered_on) < 3 and rent_paid > " +
            std::to_string(100 * copy) +
            "\n"
            "    award: {rate: 50%, of: rent_paid}\n"
            "    cap: 3万\n"
            "    scarcity: {method: priority, rank_by: [\"registered_on asc\"], partial: false}\n";
        break;
    }
  }
  text += "stacking:\n";
  for (int copy = 0; copy < copies; ++copy) {
    if (grouped[static_cast<size_t>(copy)]) {
      text += "  - {group: base-support-" + std::to_string(copy) + ", rule: highest}\n";
    }
  }
  if (text.ends_with("stacking:\n")) text.resize(text.size() - std::string("stacking:\n").size());
  return text;
}

const Plan& plan_of(int programs) {
  static std::map<int, std::unique_ptr<Plan>> plans;
  auto& slot = plans[programs];
  if (!slot) {
    Result<Plan> plan = parse_plan(generated_plan_text(programs),
                                   "xuyi-" + std::to_string(programs) + "-programs.yaml");
    if (!plan.ok()) {
      std::fprintf(stderr, "%s\n", plan.status().message().c_str());
      std::abort();
    }
    slot = std::make_unique<Plan>(std::move(*plan));
  }
  return *slot;
}

// range(0): programs; range(1): rows; range(2): threads.
void BM_ProgramsAllocate(benchmark::State& state) {
  const Roster& roster = subsidy_bench::synthetic_roster(state.range(1));
  Result<CompiledPlan> compiled = compile_plan(plan_of(static_cast<int>(state.range(0))), roster);
  if (!compiled.ok()) {
    state.SkipWithError(compiled.status().message().c_str());
    return;
  }
  const AllocateOptions options{.threads = static_cast<int>(state.range(2))};
  int64_t lines = 0;
  for (auto _ : state) {
    Result<Allocation> allocation = allocate(*compiled, options);
    if (!allocation.ok()) {
      state.SkipWithError(allocation.status().message().c_str());
      return;
    }
    lines = count_lines(*allocation);
    benchmark::DoNotOptimize(allocation->pools.data());
  }
  state.counters["lines"] = static_cast<double>(lines);
  state.SetItemsProcessed(state.iterations() * state.range(1));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(subsidy_bench::xuyi_column_bytes(roster)));
}
BENCHMARK(BM_ProgramsAllocate)
    ->ArgNames({"programs", "rows", "threads"})
    ->ArgsProduct({{1, 3, 5, 10, 20, 50}, {1'000'000}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

const bool registered = [] {
  for (const Method& method : kMethods) {
    for (const auto& [prefix, function] : {std::pair{"BM_ScarcityAllocate/", &BM_ScarcityAllocate},
                                           std::pair{"BM_ScarcitySettle/", &BM_ScarcitySettle}}) {
      benchmark::internal::Benchmark* bench = benchmark::RegisterBenchmark(
          (std::string(prefix) + method.name).c_str(), function, &method);
      bench->Apply(subsidy_bench::roster_sizes)->Unit(benchmark::kMillisecond)->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
