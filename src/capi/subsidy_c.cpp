// The C API (include/subsidy/subsidy.h) over the C++ library. Every entry point runs its body
// through guard(): NULL checks of the required pointers, the thread-local last error, and every
// exception turned into a status, so none crosses into C.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/allocation.hpp"
#include "subsidy/execution.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/results.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/status.hpp"
#include "subsidy/subsidy.h"

namespace {

using namespace subsidy;

// ---------------------------------------------------------------------------------------------
// The last error, per thread

thread_local std::string t_last_error;
// Set instead of t_last_error when recording the message itself ran out of memory.
thread_local const char* t_static_error = nullptr;

subsidy_status fail(subsidy_status code, std::string_view message) noexcept {
  try {
    t_last_error.assign(message);
    t_static_error = nullptr;
  } catch (...) {
    t_static_error = "out of memory (while recording an error)";
  }
  return code;
}

subsidy_status to_c(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return SUBSIDY_OK;
    case StatusCode::kInvalidArgument:
      return SUBSIDY_ERROR_INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return SUBSIDY_ERROR_NOT_FOUND;
    case StatusCode::kOutOfRange:
      return SUBSIDY_ERROR_OUT_OF_RANGE;
    case StatusCode::kIoError:
      return SUBSIDY_ERROR_IO;
    case StatusCode::kInternal:
      return SUBSIDY_ERROR_INTERNAL;
  }
  return SUBSIDY_ERROR_INTERNAL;
}

// A pointer argument that must not be NULL, by name.
struct Required {
  const char* name;
  const void* pointer;
};

// Runs `body` (returning a Status) behind the C boundary: clears this thread's last error, checks
// the required pointers, records the body's message, and turns exceptions into statuses.
template <class Body>
subsidy_status guard(const char* function, std::initializer_list<Required> required,
                     Body&& body) noexcept {
  t_last_error.clear();
  t_static_error = nullptr;
  try {
    for (const Required& argument : required) {
      if (argument.pointer == nullptr) {
        return fail(SUBSIDY_ERROR_INVALID_ARGUMENT,
                    fmt::format("{}: {} is NULL", function, argument.name));
      }
    }
    const Status status = body();
    return status.ok() ? SUBSIDY_OK : fail(to_c(status.code()), status.message());
  } catch (const OverflowError& error) {
    return fail(SUBSIDY_ERROR_OVERFLOW, error.what());
  } catch (const std::bad_alloc&) {
    t_static_error = "out of memory";
    return SUBSIDY_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& error) {
    return fail(SUBSIDY_ERROR_INTERNAL, fmt::format("{}: {}", function, error.what()));
  } catch (...) {
    return fail(SUBSIDY_ERROR_INTERNAL, fmt::format("{}: an unknown exception", function));
  }
}

// A copy of `text` for the caller, freed with subsidy_string_free().
void give_string(char** out, std::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  *out = copy;
}

// ---------------------------------------------------------------------------------------------
// What a handle keeps of its input, for the run id of subsidy_run_write()

// The run id hashes the bytes of the plan and the roster as `subsidy allocate` does
// (src/cli/main.cpp: run_id): a file is read again when the run is written (from its absolute
// path, whatever the current directory is by then); bytes given in memory are kept.
struct Source {
  std::string name;   // the path as given, or the file name given with the bytes: for run.json
  std::string path;   // absolute; empty when the bytes are kept
  std::string bytes;  // when `path` is empty

  static Source file(const char* path) {
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    return {path, error ? std::string(path) : absolute.string(), {}};
  }
  static Source memory(const char* file_name, const char* otherwise, const char* data,
                       size_t size) {
    return {file_name != nullptr ? file_name : otherwise, {}, std::string(data, size)};
  }

  Status hash_into(RunHasher& hash) const {
    if (path.empty()) {
      hash.add(bytes);
      hash.end_part();
      return Status::Ok();
    }
    return hash_file(hash, path);
  }
};

// What a plan or roster handle holds (shared with the runs made from it).
template <class T>
struct Loaded {
  T value;
  Source source;
};
using PlanData = Loaded<Plan>;
using RosterData = Loaded<Roster>;

// *out = a new handle over what was loaded, or the error.
template <class Handle, class T>
Status give_handle(Handle** out, Result<T> loaded, Source&& source) {
  if (!loaded.ok()) return loaded.status();
  auto handle = std::make_unique<Handle>(
      Handle{std::make_shared<Loaded<T>>(Loaded<T>{std::move(*loaded), std::move(source)})});
  *out = handle.release();
  return Status::Ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Handles (the types the header declares, in the global namespace)

struct subsidy_roster {
  std::shared_ptr<const RosterData> data;
};

struct subsidy_plan {
  std::shared_ptr<const PlanData> data;
};

struct subsidy_run {
  // Declared before `compiled`, which refers to them, so they outlive it.
  std::shared_ptr<const PlanData> plan;
  std::shared_ptr<const RosterData> roster;
  std::optional<CompiledPlan> compiled;
  Allocation allocation;

  // Texts of pools.csv's rows that the C struct points to, aligned with allocation.pools.
  struct PoolTexts {
    std::string method;
    std::string scaling;
    std::string oversubscription;
  };
  std::vector<PoolTexts> pool_texts;

  // awards.csv's rows (results.hpp: award_table), built on first use. The roster's texts of a
  // line and its reason are NUL-terminated in `arena`, by offset; program and pool ids are the
  // plan's and the allocation's strings.
  struct Line {
    size_t enterprise;
    size_t name;
    size_t region;
    size_t reason;
    int32_t program;  // index into the plan's programs
    int32_t pool;     // index into allocation.pools
    LineStatus status;
    int64_t requested_fen;
    int64_t granted_fen;
  };
  mutable std::atomic<bool> lines_built{false};
  mutable std::mutex lines_mutex;  // held while they are built
  mutable std::string arena;
  mutable std::vector<Line> lines;

  void build_lines() const;
};

struct subsidy_ledger {
  Ledger ledger;
};

struct subsidy_execution {
  ExecutionReport report;
  struct Texts {
    std::string arrangement;
    std::string expenditure;
    std::string disbursed_of_arranged;
    std::string lag;
  };
  std::vector<Texts> texts;  // aligned with report.rows
  Texts total_texts;
  std::string progress;
};

namespace {

// A roster cell as awards.csv shows it: its text, or its dictionary value; "" when null or when
// the roster has no such column.
std::string cell_text(const Column* column, RowIndex row) {
  return column != nullptr ? column->format_value(row) : std::string();
}

// line_status_name() as NUL-terminated strings, by LineStatus.
const char* status_text(LineStatus status) {
  static const std::array<std::string, 5> kNames = [] {
    std::array<std::string, 5> names;
    for (size_t k = 0; k < names.size(); ++k) {
      names[k] = std::string(line_status_name(static_cast<LineStatus>(k)));
    }
    return names;
  }();
  return kNames.at(static_cast<size_t>(status)).c_str();
}

}  // namespace

// Once, whichever thread asks first (not std::call_once: a build that throws must leave it to be
// tried again, which libstdc++'s call_once does not promise everywhere).
void subsidy_run::build_lines() const {
  if (lines_built.load(std::memory_order_acquire)) return;
  const std::lock_guard<std::mutex> lock(lines_mutex);
  if (lines_built.load(std::memory_order_relaxed)) return;
  const AwardTable table = award_table(*compiled, allocation);
  const Roster& roster_rows = compiled->roster();
  const Column* ids = roster_rows.find("id");
  const Column* names = roster_rows.find("name");
  const Column* regions = roster_rows.find("region");
  std::string built_arena;
  std::vector<Line> built_lines;
  built_lines.reserve(table.size());
  auto keep = [&](const std::string& text) {
    const size_t at = built_arena.size();
    built_arena.append(text);
    built_arena.push_back('\0');
    return at;
  };
  for (size_t index = 0; index < table.size(); ++index) {
    const RowIndex row = table.row[index];
    built_lines.push_back(
        Line{keep(cell_text(ids, row)), keep(cell_text(names, row)), keep(cell_text(regions, row)),
             keep(describe_line(*compiled, allocation, table.program[index], table.line[index])),
             table.program[index], table.pool[index], table.status[index], table.requested[index],
             table.granted[index]});
  }
  arena = std::move(built_arena);
  lines = std::move(built_lines);
  lines_built.store(true, std::memory_order_release);
}

// ---------------------------------------------------------------------------------------------
// Status, errors, version, strings

extern "C" {

const char* subsidy_last_error(void) {
  return t_static_error != nullptr ? t_static_error : t_last_error.c_str();
}

const char* subsidy_status_name(subsidy_status status) {
  switch (status) {
    case SUBSIDY_OK:
      return "ok";
    case SUBSIDY_ERROR_INVALID_ARGUMENT:
      return "invalid argument";
    case SUBSIDY_ERROR_NOT_FOUND:
      return "not found";
    case SUBSIDY_ERROR_OUT_OF_RANGE:
      return "out of range";
    case SUBSIDY_ERROR_IO:
      return "i/o error";
    case SUBSIDY_ERROR_OVERFLOW:
      return "overflow";
    case SUBSIDY_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case SUBSIDY_ERROR_INTERNAL:
      return "internal error";
  }
  return "unknown";
}

const char* subsidy_version(void) {
  static const std::string version(engine_version());
  return version.c_str();
}

void subsidy_string_free(char* text) { std::free(text); }

// ---------------------------------------------------------------------------------------------
// Rosters

subsidy_status subsidy_roster_load_csv(subsidy_roster** out, const char* path) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"path", path}}, [&]() -> Status {
    return give_handle(out, load_roster_csv(path), Source::file(path));
  });
}

subsidy_status subsidy_roster_parse_csv(subsidy_roster** out, const char* data, size_t size,
                                        const char* file_name) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"data", data}}, [&]() -> Status {
    Source source = Source::memory(file_name, "<memory>", data, size);
    return give_handle(out, parse_roster_csv(source.bytes, {}, nullptr, source.name),
                       std::move(source));
  });
}

int64_t subsidy_roster_rows(const subsidy_roster* roster) {
  return roster != nullptr ? roster->data->value.num_rows() : 0;
}

void subsidy_roster_free(subsidy_roster* roster) { delete roster; }

// ---------------------------------------------------------------------------------------------
// Plans

subsidy_status subsidy_plan_load(subsidy_plan** out, const char* path) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"path", path}}, [&]() -> Status {
    return give_handle(out, load_plan(path), Source::file(path));
  });
}

subsidy_status subsidy_plan_parse(subsidy_plan** out, const char* text, size_t size,
                                  const char* file_name) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"text", text}}, [&]() -> Status {
    Source source = Source::memory(file_name, "plan", text, size);
    return give_handle(out, parse_plan(source.bytes, source.name), std::move(source));
  });
}

const char* subsidy_plan_name(const subsidy_plan* plan) {
  return plan != nullptr ? plan->data->value.name.c_str() : "";
}

void subsidy_plan_free(subsidy_plan* plan) { delete plan; }

// ---------------------------------------------------------------------------------------------
// Runs

subsidy_status subsidy_allocate(subsidy_run** out, const subsidy_plan* plan,
                                const subsidy_roster* roster, int threads) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"plan", plan}, {"roster", roster}}, [&]() -> Status {
    if (threads < 0) {
      return invalid_argument(
          fmt::format("subsidy_allocate: threads is {}; expected 0 (every core) or more", threads));
    }
    auto run = std::make_unique<subsidy_run>();
    run->plan = plan->data;
    run->roster = roster->data;
    Result<CompiledPlan> compiled = compile_plan(run->plan->value, run->roster->value);
    if (!compiled.ok()) return compiled.status();
    run->compiled.emplace(std::move(*compiled));
    Result<Allocation> allocation = allocate(*run->compiled, {.threads = threads});
    if (!allocation.ok()) return allocation.status();
    run->allocation = std::move(*allocation);
    for (const PoolSummary& pool : run->allocation.pools) {
      run->pool_texts.push_back({std::string(scarcity_method_name(pool.method)),
                                 format_ratio(pool.granted, pool.requested),
                                 format_ratio(pool.requested, pool.budget)});
    }
    *out = run.release();
    return Status::Ok();
  });
}

subsidy_status subsidy_run_line_count(size_t* out, const subsidy_run* run) {
  return guard(__func__, {{"out", out}, {"run", run}}, [&]() -> Status {
    run->build_lines();
    *out = run->lines.size();
    return Status::Ok();
  });
}

subsidy_status subsidy_run_line(subsidy_award_line* out, const subsidy_run* run, size_t index) {
  return guard(__func__, {{"out", out}, {"run", run}}, [&]() -> Status {
    run->build_lines();
    if (index >= run->lines.size()) {
      return out_of_range(fmt::format("subsidy_run_line: index {} is past the {} award lines",
                                      index, run->lines.size()));
    }
    const subsidy_run::Line& line = run->lines[index];
    const char* arena = run->arena.c_str();
    *out = subsidy_award_line{arena + line.enterprise,
                              arena + line.name,
                              arena + line.region,
                              run->plan->value.programs[line.program].id.c_str(),
                              run->allocation.pools[line.pool].id.c_str(),
                              status_text(line.status),
                              arena + line.reason,
                              line.requested_fen,
                              line.granted_fen};
    return Status::Ok();
  });
}

size_t subsidy_run_pool_count(const subsidy_run* run) {
  return run != nullptr ? run->allocation.pools.size() : 0;
}

subsidy_status subsidy_run_pool(subsidy_pool_summary* out, const subsidy_run* run, size_t index) {
  return guard(__func__, {{"out", out}, {"run", run}}, [&]() -> Status {
    const std::vector<PoolSummary>& pools = run->allocation.pools;
    if (index >= pools.size()) {
      return out_of_range(
          fmt::format("subsidy_run_pool: index {} is past the {} pools", index, pools.size()));
    }
    const PoolSummary& pool = pools[index];
    const subsidy_run::PoolTexts& texts = run->pool_texts[index];
    subsidy_pool_kind kind = SUBSIDY_POOL_KIND_POOL;
    if (pool.kind == PoolSummary::Kind::kRegion) kind = SUBSIDY_POOL_KIND_REGION;
    if (pool.kind == PoolSummary::Kind::kProgram) kind = SUBSIDY_POOL_KIND_PROGRAM;
    *out = subsidy_pool_summary{pool.id.c_str(),
                                kind,
                                pool.received.has_value() ? 1 : 0,
                                pool.received.value_or(Money::zero()).fen(),
                                pool.reserve.has_value() ? 1 : 0,
                                pool.reserve.value_or(Money::zero()).fen(),
                                pool.budget.fen(),
                                pool.requested.fen(),
                                pool.granted.fen(),
                                pool.remaining.fen(),
                                pool.funded,
                                texts.method.c_str(),
                                texts.scaling.c_str(),
                                texts.oversubscription.c_str()};
    return Status::Ok();
  });
}

size_t subsidy_run_warning_count(const subsidy_run* run) {
  return run != nullptr ? run->allocation.warnings.size() : 0;
}

const char* subsidy_run_warning(const subsidy_run* run, size_t index) {
  if (run == nullptr || index >= run->allocation.warnings.size()) return nullptr;
  return run->allocation.warnings[index].c_str();
}

subsidy_status subsidy_run_explain(char** out, const subsidy_run* run, const char* enterprise_id) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"run", run}, {"enterprise_id", enterprise_id}},
               [&]() -> Status {
                 Result<std::string> text =
                     explain_enterprise(*run->compiled, run->allocation, enterprise_id);
                 if (!text.ok()) return text.status();
                 give_string(out, *text);
                 return Status::Ok();
               });
}

subsidy_status subsidy_run_awards_csv(char** out, const subsidy_run* run) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"run", run}}, [&]() -> Status {
    give_string(out, awards_csv(*run->compiled, run->allocation));
    return Status::Ok();
  });
}

subsidy_status subsidy_run_pools_csv(char** out, const subsidy_run* run) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"run", run}}, [&]() -> Status {
    give_string(out, pools_csv(run->allocation));
    return Status::Ok();
  });
}

subsidy_status subsidy_run_write(const subsidy_run* run, const char* directory, unsigned flags) {
  return guard(__func__, {{"run", run}, {"directory", directory}}, [&]() -> Status {
    if ((flags & ~(SUBSIDY_WRITE_JSON | SUBSIDY_WRITE_BOM)) != 0) {
      return invalid_argument(fmt::format("subsidy_run_write: unknown flags {:#x}", flags));
    }
    // The run id exactly as `subsidy allocate` makes it: plan, roster, encoding, engine version.
    RunHasher hash;
    SUBSIDY_RETURN_IF_ERROR(run->plan->source.hash_into(hash));
    SUBSIDY_RETURN_IF_ERROR(run->roster->source.hash_into(hash));
    hash.add("utf-8");
    hash.end_part();
    hash.add(engine_version());
    hash.end_part();
    const RunInfo info{hash.hex(), run->plan->source.name, run->roster->source.name};
    return write_allocation(
        directory, *run->compiled, run->allocation, info,
        {.json = (flags & SUBSIDY_WRITE_JSON) != 0, .bom = (flags & SUBSIDY_WRITE_BOM) != 0});
  });
}

void subsidy_run_free(subsidy_run* run) { delete run; }

// ---------------------------------------------------------------------------------------------
// The ledger

}  // extern "C"

namespace {

void to_c(const ImportReport& report, subsidy_import_report* out) {
  *out = subsidy_import_report{};
  out->added = report.added;
  out->skipped = report.skipped;
  for (int type = 0; type < SUBSIDY_EVENT_TYPES; ++type) {
    out->added_by_type[type] = report.added_by_type[type];
    out->amount_fen_by_type[type] = report.amount_by_type[type].fen();
  }
}

subsidy_execution::Texts ratio_texts(const LedgerTotals& row, const FiscalProgress& progress) {
  return {arrangement_ratio(row), expenditure_ratio(row), disbursed_of_arranged(row),
          schedule_lag(row, progress)};
}

subsidy_execution_totals to_c(const LedgerTotals& row, const subsidy_execution::Texts& texts) {
  return subsidy_execution_totals{row.key.c_str(),           row.received.fen(),
                                  row.arranged.fen(),        row.disbursed.fen(),
                                  row.returned.fen(),        texts.arrangement.c_str(),
                                  texts.expenditure.c_str(), texts.disbursed_of_arranged.c_str(),
                                  texts.lag.c_str()};
}

}  // namespace

extern "C" {

subsidy_status subsidy_ledger_open(subsidy_ledger** out, const char* path) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"path", path}}, [&]() -> Status {
    Result<Ledger> ledger = Ledger::open(path);
    if (!ledger.ok()) return ledger.status();
    *out = new subsidy_ledger{std::move(*ledger)};
    return Status::Ok();
  });
}

subsidy_status subsidy_ledger_import_csv(subsidy_import_report* out, subsidy_ledger* ledger,
                                         const char* csv_path, int allow_overdraft) {
  return guard(__func__, {{"out", out}, {"ledger", ledger}, {"csv_path", csv_path}},
               [&]() -> Status {
                 Result<LedgerBatch> batch = read_ledger_csv(csv_path);
                 if (!batch.ok()) return batch.status();
                 Result<ImportReport> report =
                     ledger->ledger.import(*batch, {.allow_overdraft = allow_overdraft != 0});
                 if (!report.ok()) return report.status();
                 to_c(*report, out);
                 return Status::Ok();
               });
}

subsidy_status subsidy_ledger_book_run(subsidy_book_report* out, subsidy_ledger* ledger,
                                       const char* run_directory, int book_received,
                                       int allow_overdraft) {
  return guard(
      __func__, {{"out", out}, {"ledger", ledger}, {"run_directory", run_directory}},
      [&]() -> Status {
        Result<RunBooking> run = read_run_directory(run_directory);
        if (!run.ok()) return run.status();
        Result<BookReport> booked = ledger->ledger.book_run(
            *run, {.book_received = book_received != 0, .allow_overdraft = allow_overdraft != 0});
        if (!booked.ok()) return booked.status();
        *out = subsidy_book_report{};
        out->already_booked = booked->already_booked ? 1 : 0;
        const size_t length = std::min(booked->booked_at.size(), sizeof out->booked_at - 1);
        std::memcpy(out->booked_at, booked->booked_at.data(), length);
        out->received_pools = booked->received_pools.size();
        to_c(booked->events, &out->events);
        return Status::Ok();
      });
}

void subsidy_ledger_free(subsidy_ledger* ledger) { delete ledger; }

// ---------------------------------------------------------------------------------------------
// Execution reports

subsidy_status subsidy_ledger_execution(subsidy_execution** out, const subsidy_ledger* ledger,
                                        const char* as_of, const char* by) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"ledger", ledger}, {"as_of", as_of}}, [&]() -> Status {
    Result<Date> date = parse_date(as_of);
    if (!date.ok()) return date.status().with_context("as_of");
    Result<LedgerKey> key = parse_ledger_key(by != nullptr ? by : "pool");
    if (!key.ok()) return key.status().with_context("by");
    Result<ExecutionReport> report = execution_report(ledger->ledger, *date, *key);
    if (!report.ok()) return report.status();
    auto handle = std::make_unique<subsidy_execution>();
    handle->report = std::move(*report);
    const FiscalProgress& progress = handle->report.progress;
    for (const LedgerTotals& row : handle->report.rows) {
      handle->texts.push_back(ratio_texts(row, progress));
    }
    handle->total_texts = ratio_texts(handle->report.total, progress);
    handle->progress = schedule_progress(progress);
    *out = handle.release();
    return Status::Ok();
  });
}

size_t subsidy_execution_row_count(const subsidy_execution* report) {
  return report != nullptr ? report->report.rows.size() : 0;
}

subsidy_status subsidy_execution_row(subsidy_execution_totals* out, const subsidy_execution* report,
                                     size_t index) {
  return guard(__func__, {{"out", out}, {"report", report}}, [&]() -> Status {
    if (index >= report->report.rows.size()) {
      return out_of_range(fmt::format("subsidy_execution_row: index {} is past the {} rows", index,
                                      report->report.rows.size()));
    }
    *out = to_c(report->report.rows[index], report->texts[index]);
    return Status::Ok();
  });
}

subsidy_status subsidy_execution_total(subsidy_execution_totals* out,
                                       const subsidy_execution* report) {
  return guard(__func__, {{"out", out}, {"report", report}}, [&]() -> Status {
    *out = to_c(report->report.total, report->total_texts);
    return Status::Ok();
  });
}

const char* subsidy_execution_schedule_progress(const subsidy_execution* report) {
  return report != nullptr ? report->progress.c_str() : "";
}

subsidy_status subsidy_execution_csv(char** out, const subsidy_execution* report) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"report", report}}, [&]() -> Status {
    give_string(out, execution_csv(report->report));
    return Status::Ok();
  });
}

subsidy_status subsidy_execution_json(char** out, const subsidy_execution* report) {
  if (out != nullptr) *out = nullptr;  // so that it can be freed whatever fails, even an argument
  return guard(__func__, {{"out", out}, {"report", report}}, [&]() -> Status {
    give_string(out, execution_json(report->report));
    return Status::Ok();
  });
}

void subsidy_execution_free(subsidy_execution* report) { delete report; }

}  // extern "C"
