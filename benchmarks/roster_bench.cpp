// Roster loading: a synthetic roster CSV read into columns.
//
// Counters: bytes_per_second (of the CSV), rows/s, and peak_rss_ratio = the rise of the process's
// peak resident memory during one load over the CSV's size (target ≤ 1.5).
//
// The roster read is `subsidy synth --rows N --seed 42`'s: $SUBSIDY_BENCH_ROSTERS/roster-N.csv when
// that file exists (benchmarks/compare.sh points it at the files it gives pandas), else written
// once per process into $TMPDIR (default /tmp) under a name with the process id, and removed at
// exit.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "common_bench.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/synth.hpp"

namespace {

// Roster files this process wrote, removed when it exits.
struct WrittenFiles {
  std::map<int64_t, std::string> paths;
  ~WrittenFiles() {
    for (const auto& [rows, path] : paths) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }
};

// The roster file for `rows`.
const std::string& roster_file(int64_t rows) {
  static std::map<int64_t, std::string> files;
  static WrittenFiles written;
  auto [it, inserted] = files.try_emplace(rows, "");
  if (inserted) {
    const std::string name = "roster-" + std::to_string(rows) + ".csv";
    if (const char* dir = std::getenv("SUBSIDY_BENCH_ROSTERS"); dir != nullptr && *dir != '\0') {
      const std::string given = std::string(dir) + "/" + name;
      if (std::filesystem::exists(given)) {
        it->second = given;
        return it->second;
      }
    }
    const char* tmp = std::getenv("TMPDIR");
    it->second = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/subsidy-bench-" +
                 std::to_string(::getpid()) + "-" + name;
    written.paths[rows] = it->second;
    const subsidy::Status status = subsidy::write_synthetic_roster({rows, 42}, it->second);
    if (!status.ok()) std::fprintf(stderr, "%s\n", status.message().c_str());
  }
  return it->second;
}

int64_t file_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return static_cast<int64_t>(in.tellg());
}

// Reads a "VmHWM:"/"VmRSS:" line of /proc/self/status, in bytes.
int64_t proc_status_bytes(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return std::stoll(line.substr(std::string(key).size())) * 1024;
  }
  return 0;
}

// Writing 5 to clear_refs resets the peak resident set (VmHWM) to the current one.
void reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

void BM_LoadRosterCsv(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const std::string& path = roster_file(rows);
  const int64_t size = file_size(path);
  double peak_ratio = 0;
  for (auto _ : state) {
    reset_peak_rss();
    const int64_t before = proc_status_bytes("VmRSS:");
    subsidy::Result<subsidy::Roster> roster = subsidy::load_roster_csv(path);
    const int64_t peak = proc_status_bytes("VmHWM:");
    if (!roster.ok()) {
      state.SkipWithError(roster.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(roster->num_rows());
    peak_ratio = static_cast<double>(peak - before) / static_cast<double>(size);
  }
  state.SetBytesProcessed(state.iterations() * size);
  state.SetItemsProcessed(state.iterations() * rows);
  state.counters["peak_rss_ratio"] = peak_ratio;
  state.counters["csv_mb"] = static_cast<double>(size) / 1e6;
}
BENCHMARK(BM_LoadRosterCsv)
    ->Apply(subsidy_bench::roster_sizes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
