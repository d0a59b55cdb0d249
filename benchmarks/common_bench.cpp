// What the benchmark files share: synthetic rosters built once per process (one copy per size for
// the whole executable, so that 10M rows are held once), the Xuyi plan, the sizes every stage runs
// at, the bytes of the columns a rule or plan reads, and a STREAM-like read to set those against.
// Declared in common_bench.hpp.
//
// Sizes: 10k, 100k and 1M rows; 10M only with SUBSIDY_BENCH_10M=1 (the roster takes a few GB and
// about a minute to build).
#include "common_bench.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/synth.hpp"

namespace subsidy_bench {

using namespace subsidy;

bool with_10m() {
  const char* flag = std::getenv("SUBSIDY_BENCH_10M");
  return flag != nullptr && *flag != '\0' && std::string(flag) != "0";
}

std::vector<int64_t> sizes() {
  std::vector<int64_t> out{10'000, 100'000, 1'000'000};
  if (with_10m()) out.push_back(10'000'000);
  return out;
}

void roster_sizes(benchmark::internal::Benchmark* bench) {
  for (const int64_t rows : sizes()) bench->Arg(rows);
}

void roster_sizes_by_threads(benchmark::internal::Benchmark* bench) {
  for (const int64_t rows : sizes()) {
    for (const int64_t threads : {1, 2}) bench->Args({rows, threads});
  }
}

// The synthetic roster of `rows` rows, seed 42: the same bytes as `subsidy synth --rows N --seed
// 42`.
const Roster& synthetic_roster(int64_t rows) {
  static std::map<int64_t, std::unique_ptr<Roster>> rosters;
  auto& slot = rosters[rows];
  if (!slot) {
    Result<Roster> loaded = parse_roster_csv(synthetic_roster_csv({rows, 42}));
    if (!loaded.ok()) {
      std::fprintf(stderr, "synthetic roster of %lld rows: %s\n", static_cast<long long>(rows),
                   loaded.status().message().c_str());
      std::abort();
    }
    slot = std::make_unique<Roster>(std::move(*loaded));
  }
  return *slot;
}

// The repository root: $SUBSIDY_SOURCE_DIR when set, else the source tree this was built from.
std::string source_path(const std::string& relative) {
  if (const char* dir = std::getenv("SUBSIDY_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return std::string(dir) + "/" + relative;
  }
#ifdef SUBSIDY_SOURCE_DIR
  return std::string(SUBSIDY_SOURCE_DIR) + "/" + relative;
#else
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / relative).string();
#endif
}

const std::string& xuyi_plan_text() {
  static const std::string text = [] {
    const std::string path = source_path("examples/xuyi-2023-plan.yaml");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      std::abort();
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }();
  return text;
}

const Plan& xuyi_plan() {
  static const Plan plan = [] {
    Result<Plan> parsed = parse_plan(xuyi_plan_text(), "xuyi-2023-plan.yaml");
    if (!parsed.ok()) {
      std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return plan;
}

// Bytes of the columns a rule or plan reads: values (4 bytes for dictionary codes and dates, 8
// for amounts and integers), the offsets and codes of tag lists, and the validity bitmap of a
// column with nulls.
double column_bytes(const Roster& roster, std::initializer_list<const char*> names) {
  double bytes = 0;
  const double rows = static_cast<double>(roster.num_rows());
  for (const char* name : names) {
    const Column& column = roster.column(name);
    switch (column.type()) {
      case ColumnType::kString:
      case ColumnType::kDate:
        bytes += 4 * rows;
        break;
      case ColumnType::kTags: {
        double codes = 0;
        for (RowIndex row = 0; row < roster.num_rows(); ++row) {
          codes += static_cast<double>(column.tags(row).size());
        }
        bytes += 8 * rows + 4 * codes;
        break;
      }
      default:
        bytes += 8 * rows;
        break;
    }
    if (column.null_count() > 0) bytes += rows / 8;
  }
  return bytes;
}

// The columns examples/xuyi-2023-plan.yaml reads (rules, award bases, rank_by).
double xuyi_column_bytes(const Roster& roster) {
  return column_bytes(
      roster, {"region", "tags", "tax_paid", "sales_invoiced", "registered_on", "rent_paid"});
}

namespace {

// STREAM-like read: the sum of a 1 GiB int64 array (far larger than any cache), split into
// range(0) contiguous slices read by as many threads. bytes_per_second is what the memory
// delivers to a plain sequential read on this machine, the ceiling for a pass over columns.
constexpr size_t kStreamWords = (size_t{1} << 30) / sizeof(int64_t);

const std::vector<int64_t>& stream_array() {
  static const std::vector<int64_t> words = [] {
    std::vector<int64_t> filled(kStreamWords);
    for (size_t i = 0; i < filled.size(); ++i) filled[i] = static_cast<int64_t>(i * 2654435761u);
    return filled;
  }();
  return words;
}

int64_t sum_words(const int64_t* begin, const int64_t* end) {
  // Four accumulators so that the sum is bounded by the loads, not by the additions' latency.
  int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const int64_t* p = begin;
  for (; p + 4 <= end; p += 4) {
    s0 += p[0];
    s1 += p[1];
    s2 += p[2];
    s3 += p[3];
  }
  for (; p < end; ++p) s0 += *p;
  return s0 + s1 + s2 + s3;
}

void BM_StreamRead(benchmark::State& state) {
  const std::vector<int64_t>& words = stream_array();
  const auto threads = static_cast<size_t>(state.range(0));
  const size_t slice = words.size() / threads;
  for (auto _ : state) {
    std::vector<int64_t> sums(threads, 0);
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) {
      workers.emplace_back([&, t] {
        sums[t] =
            sum_words(words.data() + t * slice, t + 1 == threads ? words.data() + words.size()
                                                                 : words.data() + (t + 1) * slice);
      });
    }
    sums[0] =
        sum_words(words.data(), threads == 1 ? words.data() + words.size() : words.data() + slice);
    for (std::thread& worker : workers) worker.join();
    int64_t total = 0;
    for (const int64_t s : sums) total += s;
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(words.size() * sizeof(int64_t)));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(words.size()));
  state.counters["gib"] = static_cast<double>(words.size() * sizeof(int64_t)) / (1 << 30);
}
BENCHMARK(BM_StreamRead)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

}  // namespace subsidy_bench
