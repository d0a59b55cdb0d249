// The ledger: reading a ledger CSV, importing its disbursement events into a SQLite ledger (one
// transaction, every rule replayed), and execution ratios by region over them; 10k to 1M events,
// 10M with SUBSIDY_BENCH_10M=1.
//
// Its events: one pool, 200 regions × 5 programs, each arranged once; then N disbursements to
// enterprises spread over the year, each 1 fen to 1000 yuan, never past their arrangement.
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common_bench.hpp"
#include "subsidy/execution.hpp"
#include "subsidy/ledger.hpp"

namespace {

using namespace subsidy;

constexpr int kRegions = 200;
constexpr int kPrograms = 5;

std::string region_code(int r) { return std::to_string(510000 + r); }
std::string program_id(int p) { return "program-" + std::to_string(p); }

// The ledger CSV: receipts and arrangements, then `disbursements` spending events.
const std::string& ledger_csv(int64_t disbursements) {
  static std::string text;
  static int64_t made = -1;
  if (made == disbursements) return text;
  made = disbursements;
  text = "date,event,pool,program,region,enterprise,amount,voucher\n";
  text += "2023-01-10,received,central-fund,,,,5000亿,CZ-1\n";
  for (int r = 0; r < kRegions; ++r) {
    for (int p = 0; p < kPrograms; ++p) {
      text += "2023-02-01,arranged,central-fund," + program_id(p) + "," + region_code(r) +
              ",,2亿,AP-" + std::to_string(r * kPrograms + p) + "\n";
    }
  }
  char line[160];
  uint64_t state = 42;
  for (int64_t k = 0; k < disbursements; ++k) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto r = static_cast<int>((state >> 33) % kRegions);
    const auto p = static_cast<int>((state >> 20) % kPrograms);
    const auto month = static_cast<int>(3 + (state >> 45) % 10);
    const auto fen = static_cast<int64_t>(1 + (state >> 12) % 100'000);
    std::snprintf(
        line, sizeof line,
        "2023-%02d-15,disbursed,central-fund,program-%d,%06d,91510000MA%08lld,%lld.%02lld,"
        "ZF-%lld\n",
        month, p, 510000 + r, static_cast<long long>(k % 300'000),
        static_cast<long long>(fen / 100), static_cast<long long>(fen % 100),
        static_cast<long long>(k));
    text += line;
  }
  return text;
}

std::string bench_path() {
  return "/tmp/subsidy-ledger-bench-" + std::to_string(::getpid()) + ".db";
}

void remove_ledger(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

void BM_LedgerParseCsv(benchmark::State& state) {
  const std::string& text = ledger_csv(state.range(0));
  for (auto _ : state) {
    Result<LedgerBatch> batch = parse_ledger_csv(text, "bench.csv");
    if (!batch.ok()) {
      state.SkipWithError(batch.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(batch->events.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
// 10k, 100k and 1M events; 10M with SUBSIDY_BENCH_10M=1 (the import of 10M events takes minutes,
// all in SQLite, and the ratios' benchmark imports them again to build its ledger).
void ledger_sizes(benchmark::internal::Benchmark* bench) {
  for (const int64_t events : subsidy_bench::sizes()) bench->Arg(events);
}

BENCHMARK(BM_LedgerParseCsv)->Apply(ledger_sizes)->Unit(benchmark::kMillisecond)->Iterations(1);

// The import alone: the batch is parsed before the timer runs, the ledger file is fresh.
void BM_LedgerImport(benchmark::State& state) {
  Result<LedgerBatch> batch = parse_ledger_csv(ledger_csv(state.range(0)), "bench.csv");
  if (!batch.ok()) {
    state.SkipWithError(batch.status().message().c_str());
    return;
  }
  const std::string path = bench_path();
  for (auto _ : state) {
    state.PauseTiming();
    remove_ledger(path);
    Result<Ledger> ledger = Ledger::open(path);
    if (!ledger.ok()) {
      state.SkipWithError(ledger.status().message().c_str());
      return;
    }
    state.ResumeTiming();
    Result<ImportReport> report = ledger->import(*batch);
    if (!report.ok()) {
      state.SkipWithError(report.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(report->added);
  }
  struct stat info {};
  if (stat(path.c_str(), &info) == 0)
    state.counters["db_MB"] = static_cast<double>(info.st_size) / 1e6;
  remove_ledger(path);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LedgerImport)->Apply(ledger_sizes)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_LedgerExecutionByRegion(benchmark::State& state) {
  const std::string path = bench_path();
  remove_ledger(path);
  {
    Result<Ledger> ledger = Ledger::open(path);
    Result<LedgerBatch> batch = parse_ledger_csv(ledger_csv(state.range(0)), "bench.csv");
    if (!ledger.ok() || !batch.ok() || !ledger->import(*batch).ok()) {
      state.SkipWithError("cannot build the ledger");
      return;
    }
  }
  Result<Ledger> ledger = Ledger::open_existing(path);
  const Date as_of = *parse_date("2023-12-31");
  size_t rows = 0;
  for (auto _ : state) {
    Result<ExecutionReport> report = execution_report(*ledger, as_of, LedgerKey::kRegion);
    if (!report.ok()) {
      state.SkipWithError(report.status().message().c_str());
      return;
    }
    rows = report->rows.size();
    benchmark::DoNotOptimize(report->total.disbursed);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  remove_ledger(path);
}
BENCHMARK(BM_LedgerExecutionByRegion)->Apply(ledger_sizes)->Unit(benchmark::kMillisecond);

}  // namespace
