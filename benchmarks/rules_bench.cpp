// Eligibility rules over a synthetic roster: the Xuyi plan's rules, and a plain sequential read of
// the same columns for comparison (the bandwidth a rule could at best reach).
//
// bytes_per_second is the bytes of the columns the rule reads (common_bench.cpp's column_bytes:
// region codes, tag offsets and codes, amounts, dates, validity) over its time: its effective
// bandwidth, to set against BM_StreamRead/threads:1 (a rule runs on one thread).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <initializer_list>

#include "common_bench.hpp"
#include "subsidy/rules.hpp"

namespace {

using namespace subsidy;
using subsidy_bench::column_bytes;
using subsidy_bench::roster_sizes;

const Roster& roster_of(int64_t rows) { return subsidy_bench::synthetic_roster(rows); }

void run_rule(benchmark::State& state, const char* text,
              std::initializer_list<const char*> columns) {
  const Roster& roster = roster_of(state.range(0));
  Result<Rule> rule = compile_rule(text, roster);
  if (!rule.ok()) {
    state.SkipWithError(rule.status().message().c_str());
    return;
  }
  const EvalContext context{*parse_date("2023-06-30")};
  RowIndex eligible = 0;
  for (auto _ : state) {
    Result<RowMask> mask = rule->eligible(roster, context);
    eligible = mask->count();
    benchmark::DoNotOptimize(eligible);
  }
  state.SetItemsProcessed(state.iterations() * roster.num_rows());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(column_bytes(roster, columns)));
  state.counters["eligible"] = static_cast<double>(eligible);
}

// The tax-contribution program: three clauses.
void BM_XuyiTaxRule(benchmark::State& state) {
  run_rule(state, "region == \"320830\" and has_tag(\"入驻基地\") and tax_paid >= 20万",
           {"region", "tags", "tax_paid"});
}
BENCHMARK(BM_XuyiTaxRule)->Apply(roster_sizes)->Unit(benchmark::kMillisecond);

// The start-up rent program: four clauses.
void BM_XuyiRentRule(benchmark::State& state) {
  run_rule(state,
           "region == \"320830\" and has_tag(\"入驻基地\") and age_years(registered_on) < 3 and "
           "rent_paid > 0",
           {"region", "tags", "registered_on", "rent_paid"});
}
BENCHMARK(BM_XuyiRentRule)->Apply(roster_sizes)->Unit(benchmark::kMillisecond);

// A sequential read of the tax rule's columns: region codes, tag lists, tax amounts.
void BM_SequentialReadTaxColumns(benchmark::State& state) {
  const Roster& roster = roster_of(state.range(0));
  const Column& region = roster.column("region");
  const Column& tags = roster.column("tags");
  const Column& tax = roster.column("tax_paid");
  for (auto _ : state) {
    int64_t sum = 0;
    for (const int32_t code : region.int32s()) sum += code;
    for (RowIndex row = 0; row < roster.num_rows(); ++row) {
      for (const int32_t code : tags.tags(row)) sum += code;
    }
    for (const int64_t fen : tax.int64s()) sum += fen;
    for (const uint64_t word : tax.validity_words()) sum += static_cast<int64_t>(word & 1);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * roster.num_rows());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(column_bytes(
                                                   roster, {"region", "tags", "tax_paid"})));
}
BENCHMARK(BM_SequentialReadTaxColumns)->Apply(roster_sizes)->Unit(benchmark::kMillisecond);

}  // namespace
