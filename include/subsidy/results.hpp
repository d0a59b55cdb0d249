// Results (SPEC §8, §12): the award lines and pool summaries of an allocation as tables, and the
// files `subsidy allocate` writes: awards.csv, pools.csv, run.json and, on request, result.json.
//
//   using namespace subsidy;
//   RunHasher hash;  // plan bytes, roster bytes, engine version: each add()ed then end_part()
//   RunInfo run{hash.hex(), "plan.yaml", "roster.csv"};
//   Status written = write_allocation("out", *compiled, *allocation, run, {.json = true});
//
// Amounts are yuan with exactly two decimals, ratios six decimals rounded half-up (empty when the
// denominator is 0); rows in a stable order (awards by program in plan order, then enterprise id);
// UTF-8 without BOM unless asked, LF line ends, RFC 4180 quoting only where needed. The files are
// written whole or not at all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subsidy/allocation.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

// What identifies a run (run.json): a hash of the plan, the roster and the engine version.
struct RunInfo {
  std::string run_id;  // 16 hex digits
  std::string plan_file;
  std::string roster_file;
};

// The engine's version ("0.1.0").
std::string_view engine_version();

// A stable 64-bit hash for run ids: add() the bytes of a part in any pieces, end_part() after
// each part (plan, roster, version), then hex().
class RunHasher {
 public:
  void add(std::string_view bytes);
  void end_part();
  std::string hex() const;  // 16 lowercase hex digits

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
  uint64_t pending_ = 0;
  int pending_bytes_ = 0;
};

struct WriteOptions {
  bool json = false;  // also result.json, amounts as strings
  bool bom = false;   // a UTF-8 BOM before each CSV, for Excel
};

// The rows of awards.csv as columns, in its order: programs in plan order, then enterprise id.
// Every line of every program is there, stacked-out and dropped ones included; a line's pool is
// the budget that settled it or, for a line out of play, the one it would have drawn on.
struct AwardTable {
  std::vector<int32_t> program;  // index into plan().programs
  std::vector<uint32_t> line;    // index into the program's lines (allocation.awards.programs[p])
  std::vector<RowIndex> row;     // roster row
  std::vector<int32_t> pool;     // index into allocation.pools
  std::vector<int64_t> requested;  // fen; a stacked-out or dropped line shows its own award
  std::vector<int64_t> granted;    // fen
  std::vector<LineStatus> status;
  size_t size() const { return row.size(); }
};
AwardTable award_table(const CompiledPlan& compiled, const Allocation& allocation);

// Adds the bytes of the file at `path` to `hash` as one part (end_part() included): run ids hash
// the plan and roster files. An unreadable file is kIoError "cannot read <path>".
Status hash_file(RunHasher& hash, const std::string& path);

// awards.csv as text: enterprise,name,region,program,pool,requested,granted,status,reason.
std::string awards_csv(const CompiledPlan& compiled, const Allocation& allocation);
// pools.csv as text: pool,received,reserve,budget,requested,granted,remaining,funded,scaling,
// oversubscription.
std::string pools_csv(const Allocation& allocation);
// run.json and result.json as text.
std::string run_json(const CompiledPlan& compiled, const Allocation& allocation,
                     const RunInfo& run);
std::string result_json(const CompiledPlan& compiled, const Allocation& allocation);

// Writes named texts as files into `directory` (created if missing), all of them or none: each is
// written to `<name>.tmp` and renamed into place once every one is written.
Status write_files(const std::string& directory,
                   const std::vector<std::pair<std::string, std::string>>& files);

// Writes the files into `directory` (created if missing), through write_files().
Status write_allocation(const std::string& directory, const CompiledPlan& compiled,
                        const Allocation& allocation, const RunInfo& run,
                        const WriteOptions& options = {});

// `numerator / denominator` to six decimals, half-up; "" when the denominator is 0.
std::string format_ratio(Money numerator, Money denominator);

}  // namespace subsidy
