// Output tables and files of an allocation run.
#include "subsidy/results.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "common/atomic_file.hpp"
#include "common/csv.hpp"
#include "common/int128_text.hpp"

namespace subsidy {

using internal::int128_text;

#ifndef SUBSIDY_VERSION
#define SUBSIDY_VERSION "0.0.0"
#endif

std::string_view engine_version() { return SUBSIDY_VERSION; }

// Eight bytes at a time (FNV-style multiply on 64-bit words), so a 100 MB roster hashes in tens
// of milliseconds; bytes are carried between calls so how the input is cut does not matter.
void RunHasher::add(std::string_view bytes) {
  // Whole words while nothing is carried (the common case), then byte by byte.
  while (pending_bytes_ == 0 && bytes.size() >= 8) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; --b) word = (word << 8) | static_cast<unsigned char>(bytes[b]);
    state_ = (state_ ^ word) * 0x100000001b3ULL;
    state_ ^= state_ >> 29;
    bytes.remove_prefix(8);
  }
  for (const char c : bytes) {
    pending_ |= static_cast<uint64_t>(static_cast<unsigned char>(c)) << (8 * pending_bytes_);
    if (++pending_bytes_ == 8) {
      state_ = (state_ ^ pending_) * 0x100000001b3ULL;
      state_ ^= state_ >> 29;
      pending_ = 0;
      pending_bytes_ = 0;
    }
  }
}

void RunHasher::end_part() {
  state_ =
      (state_ ^ pending_ ^ (static_cast<uint64_t>(pending_bytes_) << 56) ^ 0xff) * 0x100000001b3ULL;
  state_ ^= state_ >> 29;
  pending_ = 0;
  pending_bytes_ = 0;
}

std::string RunHasher::hex() const { return fmt::format("{:016x}", state_); }

Status hash_file(RunHasher& hash, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(fmt::format("cannot read {}", path));
  std::string chunk(size_t{1} << 20, '\0');
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    hash.add(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return io_error(fmt::format("cannot read {}", path));
  hash.end_part();
  return Status::Ok();
}

namespace {

// Fen as yuan with two decimals, for sums that may pass int64.
std::string yuan_text(Int128 fen) { return internal::decimal_quotient_text(fen, 100, 2); }

}  // namespace

std::string format_ratio(Money numerator, Money denominator) {
  if (denominator.is_zero()) return "";
  // In 128 bits: a ratio may be far larger than any amount (1 yuan budget, 10^8 yuan requested).
  return internal::decimal_quotient_text(numerator.fen(), denominator.fen(), 6);
}

AwardTable award_table(const CompiledPlan& compiled, const Allocation& allocation) {
  const Plan& plan = compiled.plan();
  const Column* ids = compiled.roster().find("id");
  auto id_of = [&](RowIndex row) {
    return ids != nullptr && ids->type() == ColumnType::kText ? ids->text(row) : std::string_view();
  };
  // Budgets by id: a line that no budget settled (stacked out, dropped) is shown under the one it
  // would have drawn on.
  auto summary_index = [&](const std::string& id) {
    for (size_t index = 0; index < allocation.pools.size(); ++index) {
      if (allocation.pools[index].id == id) return static_cast<int32_t>(index);
    }
    return int32_t{-1};
  };
  AwardTable table;
  size_t lines_total = 0;
  for (const ProgramAwards& lines : allocation.awards.programs) lines_total += lines.rows.size();
  table.program.reserve(lines_total);
  table.line.reserve(lines_total);
  table.row.reserve(lines_total);
  table.pool.reserve(lines_total);
  table.requested.reserve(lines_total);
  table.granted.reserve(lines_total);
  table.status.reserve(lines_total);
  for (size_t p = 0; p < plan.programs.size(); ++p) {
    const Program& program = plan.programs[p];
    const ProgramAwards& lines = allocation.awards.programs[p];
    const ProgramGrants& grants = allocation.grants[p];
    std::vector<uint32_t> order(lines.rows.size());
    std::iota(order.begin(), order.end(), 0u);
    auto by_id = [&](uint32_t a, uint32_t b) { return id_of(lines.rows[a]) < id_of(lines.rows[b]); };
    if (!std::is_sorted(order.begin(), order.end(), by_id)) {
      std::sort(order.begin(), order.end(), by_id);
    }
    const size_t pool_index = plan.find_pool(program.pool) - plan.pools.data();
    const Pool& pool = plan.pools[pool_index];
    const std::vector<int16_t>& region_of_row = allocation.region_of_row[pool_index];
    const int32_t own_budget =
        summary_index(program.budget ? pool.id + ":" + program.id : pool.id);
    std::vector<int32_t> split_children;  // summary of each of the split's regions
    if (pool.split) {
      for (const std::string& region : pool.split->regions) {
        split_children.push_back(summary_index(pool.id + "/" + region));
      }
    }
    for (const uint32_t line : order) {
      const RowIndex row = lines.rows[line];
      int32_t settlement = grants.settlement[line];
      if (settlement < 0) {
        settlement = pool.split && !region_of_row.empty() && region_of_row[row] >= 0
                         ? split_children[region_of_row[row]]
                         : own_budget;
      }
      assert(settlement >= 0 && "every budget a line may draw on has a summary");
      // A stacked-out or dropped line shows its own award as requested (SPEC §7).
      const bool out_of_play = grants.status[line] == LineStatus::kStackedOut ||
                               grants.status[line] == LineStatus::kDroppedBelowMin;
      table.program.push_back(static_cast<int32_t>(p));
      table.line.push_back(line);
      table.row.push_back(row);
      table.pool.push_back(settlement);
      table.requested.push_back(out_of_play ? lines.award[line] : lines.requested[line]);
      table.granted.push_back(grants.granted[line]);
      table.status.push_back(grants.status[line]);
    }
  }
  return table;
}

namespace {

// One row of awards.csv.
struct AwardRow {
  std::string_view enterprise;
  std::string_view name;
  std::string_view region;
  const std::string* program = nullptr;
  std::string pool;
  Money requested;
  Money granted;
  LineStatus status = LineStatus::kGranted;
  std::string reason;
};

std::string_view text_of(const Column* column, RowIndex row) {
  return column != nullptr && column->type() == ColumnType::kText ? column->text(row)
                                                                  : std::string_view();
}

std::string_view code_of(const Column* column, RowIndex row) {
  if (column == nullptr || column->type() != ColumnType::kString) return text_of(column, row);
  const int32_t code = column->int32s()[row];
  return code < 0 ? std::string_view() : column->dictionary().value(code);
}

// Visits awards.csv's rows in order (award_table()'s).
template <class Visit>
void for_each_award_row(const CompiledPlan& compiled, const Allocation& allocation, Visit visit) {
  const Plan& plan = compiled.plan();
  const Roster& roster = compiled.roster();
  const Column* ids = roster.find("id");
  const Column* names = roster.find("name");
  const Column* regions = roster.find("region");
  const AwardTable table = award_table(compiled, allocation);
  for (size_t index = 0; index < table.size(); ++index) {
    const RowIndex row = table.row[index];
    AwardRow out;
    out.enterprise = text_of(ids, row);
    out.name = text_of(names, row);
    out.region = code_of(regions, row);
    out.program = &plan.programs[table.program[index]].id;
    out.pool = allocation.pools[table.pool[index]].id;
    out.requested = Money::from_fen(table.requested[index]);
    out.granted = Money::from_fen(table.granted[index]);
    out.status = table.status[index];
    out.reason = describe_line(compiled, allocation, table.program[index], table.line[index]);
    visit(out);
  }
}

std::string optional_yuan(const std::optional<Money>& amount) {
  return amount ? format_yuan(*amount) : std::string();
}

}  // namespace

std::string awards_csv(const CompiledPlan& compiled, const Allocation& allocation) {
  std::string out = "enterprise,name,region,program,pool,requested,granted,status,reason\n";
  for_each_award_row(compiled, allocation, [&](const AwardRow& row) {
    internal::append_csv_field(out, row.enterprise);
    out.push_back(',');
    internal::append_csv_field(out, row.name);
    out.push_back(',');
    internal::append_csv_field(out, row.region);
    out.push_back(',');
    internal::append_csv_field(out, *row.program);
    out.push_back(',');
    internal::append_csv_field(out, row.pool);
    out += fmt::format(",{},{},{},", format_yuan(row.requested), format_yuan(row.granted),
                       line_status_name(row.status));
    internal::append_csv_field(out, row.reason);
    out.push_back('\n');
  });
  return out;
}

std::string pools_csv(const Allocation& allocation) {
  std::string out =
      "pool,received,reserve,budget,requested,granted,remaining,funded,scaling,oversubscription\n";
  for (const PoolSummary& pool : allocation.pools) {
    internal::append_csv_field(out, pool.id);
    out += fmt::format(
        ",{},{},{},{},{},{},{},{},{}\n", optional_yuan(pool.received), optional_yuan(pool.reserve),
        format_yuan(pool.budget), format_yuan(pool.requested), format_yuan(pool.granted),
        format_yuan(pool.remaining), pool.funded, format_ratio(pool.granted, pool.requested),
        format_ratio(pool.requested, pool.budget));
  }
  return out;
}

std::string run_json(const CompiledPlan& compiled, const Allocation& allocation,
                     const RunInfo& run) {
  const Plan& plan = compiled.plan();
  nlohmann::ordered_json json;
  json["run_id"] = run.run_id;
  json["plan"] = plan.name;
  json["as_of"] = plan.as_of.to_string();
  json["fiscal_year"] = plan.fiscal_year;
  json["engine"] = std::string(engine_version());
  json["plan_file"] = run.plan_file;
  json["roster_file"] = run.roster_file;
  json["roster_rows"] = compiled.roster().num_rows();
  Int128 requested = 0;  // sums over every line may pass int64 fen
  Int128 granted = 0;
  int64_t lines = 0;
  int64_t funded = 0;
  nlohmann::ordered_json programs = nlohmann::ordered_json::array();
  for (size_t p = 0; p < plan.programs.size(); ++p) {
    const ProgramAwards& awards = allocation.awards.programs[p];
    const ProgramGrants& grants = allocation.grants[p];
    Int128 program_requested = 0;
    Int128 program_granted = 0;
    int64_t program_funded = 0;
    for (size_t l = 0; l < awards.rows.size(); ++l) {
      program_requested += awards.requested[l];
      program_granted += grants.granted[l];
      program_funded += grants.granted[l] > 0 ? 1 : 0;
    }
    requested += program_requested;
    granted += program_granted;
    lines += static_cast<int64_t>(awards.rows.size());
    funded += program_funded;
    programs.push_back({{"program", plan.programs[p].id},
                        {"eligible", awards.eligible},
                        {"lines", awards.rows.size()},
                        {"requested", yuan_text(program_requested)},
                        {"granted", yuan_text(program_granted)},
                        {"funded", program_funded}});
  }
  json["warnings"] = allocation.warnings;
  json["totals"] = {{"lines", lines},
                    {"funded", funded},
                    {"requested", yuan_text(requested)},
                    {"granted", yuan_text(granted)}};
  json["programs"] = programs;
  return json.dump(2) + "\n";
}

std::string result_json(const CompiledPlan& compiled, const Allocation& allocation) {
  nlohmann::ordered_json json;
  nlohmann::ordered_json awards = nlohmann::ordered_json::array();
  for_each_award_row(compiled, allocation, [&](const AwardRow& row) {
    awards.push_back({{"enterprise", row.enterprise},
                      {"name", row.name},
                      {"region", row.region},
                      {"program", *row.program},
                      {"pool", row.pool},
                      {"requested", format_yuan(row.requested)},
                      {"granted", format_yuan(row.granted)},
                      {"status", line_status_name(row.status)},
                      {"reason", row.reason}});
  });
  nlohmann::ordered_json pools = nlohmann::ordered_json::array();
  for (const PoolSummary& pool : allocation.pools) {
    pools.push_back({{"pool", pool.id},
                     {"kind", std::string(pool_kind_name(pool.kind))},
                     {"received", optional_yuan(pool.received)},
                     {"reserve", optional_yuan(pool.reserve)},
                     {"budget", format_yuan(pool.budget)},
                     {"requested", format_yuan(pool.requested)},
                     {"granted", format_yuan(pool.granted)},
                     {"remaining", format_yuan(pool.remaining)},
                     {"funded", pool.funded},
                     {"scaling", format_ratio(pool.granted, pool.requested)},
                     {"oversubscription", format_ratio(pool.requested, pool.budget)}});
  }
  json["awards"] = awards;
  json["pools"] = pools;
  return json.dump(2) + "\n";
}

Status write_files(const std::string& directory,
                   const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return io_error(fmt::format("cannot create {}: {}", directory, error.message()));
  // Every file goes to a .tmp first; they are renamed into place only when all are written, and
  // a rename that fails takes back the ones before it, so a run leaves all its files or none.
  std::vector<std::string> paths;
  for (const auto& [name, text] : files) {
    paths.push_back((std::filesystem::path(directory) / name).string());
    if (std::filesystem::is_directory(paths.back(), error)) {
      return io_error(fmt::format("cannot write {}: it is a directory", paths.back()));
    }
  }
  std::vector<std::unique_ptr<internal::AtomicFile>> pending;
  for (size_t k = 0; k < files.size(); ++k) {
    auto file = std::make_unique<internal::AtomicFile>(paths[k]);
    SUBSIDY_RETURN_IF_ERROR(file->open());
    SUBSIDY_RETURN_IF_ERROR(file->write(files[k].second));
    pending.push_back(std::move(file));
  }
  for (size_t k = 0; k < pending.size(); ++k) {
    const Status committed = pending[k]->commit();
    if (!committed.ok()) {
      for (size_t done = 0; done < k; ++done) std::filesystem::remove(paths[done], error);
      return committed;
    }
  }
  return Status::Ok();
}

Status write_allocation(const std::string& directory, const CompiledPlan& compiled,
                        const Allocation& allocation, const RunInfo& run,
                        const WriteOptions& options) {
  const std::string bom = options.bom ? "\xEF\xBB\xBF" : "";
  std::vector<std::pair<std::string, std::string>> files = {
      {"awards.csv", bom + awards_csv(compiled, allocation)},
      {"pools.csv", bom + pools_csv(allocation)},
      {"run.json", run_json(compiled, allocation, run)},
  };
  if (options.json) files.emplace_back("result.json", result_json(compiled, allocation));
  return write_files(directory, files);
}

}  // namespace subsidy
