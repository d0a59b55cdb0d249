// What the benchmark files share (defined in common_bench.cpp): synthetic rosters built once per
// process (one copy per size for the whole executable), the Xuyi plan, the sizes every stage runs
// at, and the bytes of the columns a rule or plan reads.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"

namespace subsidy_bench {

bool with_10m();                                           // SUBSIDY_BENCH_10M=1
std::vector<int64_t> sizes();                              // 10k, 100k, 1M (+10M)
void roster_sizes(benchmark::internal::Benchmark* bench);  // an Arg per size
void roster_sizes_by_threads(benchmark::internal::Benchmark* bench);  // (size, 1), (size, 2)
const subsidy::Roster& synthetic_roster(int64_t rows);     // seed 42
const std::string& xuyi_plan_text();
const subsidy::Plan& xuyi_plan();
double column_bytes(const subsidy::Roster& roster, std::initializer_list<const char*> names);
double xuyi_column_bytes(const subsidy::Roster& roster);

}  // namespace subsidy_bench
