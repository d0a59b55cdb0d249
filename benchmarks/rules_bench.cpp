// Eligibility rules over a synthetic roster: the Xuyi plan's rules, and a plain sequential read of
// the same columns for comparison (the bandwidth a rule could at best reach).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>

#include "subsidy/rules.hpp"
#include "subsidy/synth.hpp"

namespace {

using namespace subsidy;

const Roster& roster_of(int64_t rows) {
  static std::map<int64_t, std::unique_ptr<Roster>> rosters;
  auto& slot = rosters[rows];
  if (!slot) {
    const std::string csv = synthetic_roster_csv({rows, 42});
    Result<Roster> loaded = parse_roster_csv(csv);
    if (!loaded.ok()) std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    slot = std::make_unique<Roster>(std::move(*loaded));
  }
  return *slot;
}

// Bytes of the columns a rule reads: values, plus validity and tag lists where it reads them.
double column_bytes(const Roster& roster, std::initializer_list<const char*> names) {
  double bytes = 0;
  for (const char* name : names) {
    const Column& column = roster.column(name);
    const double rows = static_cast<double>(roster.num_rows());
    switch (column.type()) {
      case ColumnType::kString:
      case ColumnType::kDate: bytes += 4 * rows; break;
      case ColumnType::kTags: {
        double codes = 0;
        for (RowIndex row = 0; row < roster.num_rows(); ++row) {
          codes += static_cast<double>(column.tags(row).size());
        }
        bytes += 8 * rows + 4 * codes;
        break;
      }
      default: bytes += 8 * rows; break;
    }
    if (column.null_count() > 0) bytes += rows / 8;
  }
  return bytes;
}

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
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(column_bytes(roster, columns)));
  state.counters["eligible"] = static_cast<double>(eligible);
}

// The tax-contribution program: three clauses.
void BM_XuyiTaxRule(benchmark::State& state) {
  run_rule(state, "region == \"320830\" and has_tag(\"入驻基地\") and tax_paid >= 20万",
           {"region", "tags", "tax_paid"});
}
BENCHMARK(BM_XuyiTaxRule)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// The start-up rent program: four clauses.
void BM_XuyiRentRule(benchmark::State& state) {
  run_rule(state,
           "region == \"320830\" and has_tag(\"入驻基地\") and age_years(registered_on) < 3 and "
           "rent_paid > 0",
           {"region", "tags", "registered_on", "rent_paid"});
}
BENCHMARK(BM_XuyiRentRule)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

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
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(column_bytes(roster, {"region", "tags", "tax_paid"})));
}
BENCHMARK(BM_SequentialReadTaxColumns)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
