// subsidy._core: the engine for the Python package `subsidy` (bindings/python/subsidy/).
//
// A thin, columnar layer: rosters in and award tables out as numpy arrays, money as int64 fen.
// The pure-Python package turns them into pandas DataFrames and decimal.Decimal. Engine errors
// become Python exceptions carrying the engine's message: ValueError for bad input,
// subsidy.NotFoundError (a KeyError) for a missing file, id or name, OSError for the operating
// system's failures, OverflowError past int64 fen, RuntimeError for a bug. The GIL is released
// while the engine loads, allocates, runs scenarios and writes to the ledger.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "roster_columns.hpp"
#include "subsidy/allocation.hpp"
#include "subsidy/execution.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/results.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/whatif.hpp"

namespace py = pybind11;

namespace subsidy::python {
namespace {

// ---------------------------------------------------------------------------------------------
// Errors

[[noreturn]] void raise(const Status& status) {
  PyObject* type = PyExc_ValueError;
  py::object not_found;
  switch (status.code()) {
    case StatusCode::kNotFound:
      not_found = py::module_::import("subsidy._errors").attr("NotFoundError");
      type = not_found.ptr();
      break;
    case StatusCode::kIoError:
      type = PyExc_OSError;
      break;
    case StatusCode::kInternal:
      type = PyExc_RuntimeError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, status.message().c_str());
  throw py::error_already_set();
}

template <class T>
T unwrap(Result<T>&& result) {
  if (!result.ok()) raise(result.status());
  return std::move(result).value();
}

void check(const Status& status) {
  if (!status.ok()) raise(status);
}

Date parse_date_or_raise(const std::string& text) { return unwrap(parse_date(text)); }

// ---------------------------------------------------------------------------------------------
// Handles

// What depends on the roster alone — the ranks of its enterprise ids, the costly part of compiling
// a plan at a million rows — is computed by the first plan compiled against it and shared by every
// later one (compile_plan_like), so an analyst's repeated allocate() calls pay it once.
struct RosterState {
  std::shared_ptr<const Roster> roster;
  std::mutex mutex;
  std::shared_ptr<const Plan> first_plan;
  std::shared_ptr<const CompiledPlan> first_compiled;
};

struct RosterHandle {
  std::shared_ptr<RosterState> state;
  std::string source;  // the file it was loaded from, or "<pandas>"

  RosterHandle(Roster roster, std::string source_name)
      : state(std::make_shared<RosterState>()), source(std::move(source_name)) {
    state->roster = std::make_shared<const Roster>(std::move(roster));
  }
  const Roster& roster() const { return *state->roster; }
};

// Compiles `plan` against the roster, sharing the id ranks of the first plan compiled against it.
// Called without the GIL.
Result<std::shared_ptr<const CompiledPlan>> compile_for(RosterState& state,
                                                        const std::shared_ptr<const Plan>& plan) {
  std::shared_ptr<const CompiledPlan> first;
  {
    std::lock_guard lock(state.mutex);
    if (!state.first_compiled) {
      SUBSIDY_ASSIGN_OR_RETURN(CompiledPlan compiled, compile_plan(*plan, *state.roster));
      state.first_plan = plan;
      state.first_compiled = std::make_shared<const CompiledPlan>(std::move(compiled));
      return state.first_compiled;
    }
    first = state.first_compiled;
  }
  SUBSIDY_ASSIGN_OR_RETURN(CompiledPlan compiled, compile_plan_like(*plan, *first));
  // The result points into `first`: keep it alive as long as the result.
  auto owner = std::make_shared<std::pair<std::shared_ptr<const CompiledPlan>, CompiledPlan>>(
      first, std::move(compiled));
  return std::shared_ptr<const CompiledPlan>(owner, &owner->second);
}

struct PlanHandle {
  std::shared_ptr<const Plan> plan;
  std::string text;  // what scenarios override
  std::string file_name;
};

// A run: its plan compiled against its roster and the allocation, kept alive by `owner`.
struct RunHandle {
  std::shared_ptr<const void> owner;
  const CompiledPlan* compiled = nullptr;
  const Allocation* allocation = nullptr;
  std::string plan_text;
  std::string plan_file;
  std::string roster_source;
  std::shared_ptr<const AwardTable> table;  // made on first use

  const Plan& plan() const { return compiled->plan(); }
  const Roster& roster() const { return compiled->roster(); }
  const AwardTable& awards() {
    if (!table) table = std::make_shared<const AwardTable>(award_table(*compiled, *allocation));
    return *table;
  }
};

struct OwnedRun {
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<RosterState> roster;
  std::shared_ptr<const CompiledPlan> compiled;
  std::optional<Allocation> allocation;
};

struct RunnerHandle {
  std::shared_ptr<RosterState> roster;
  PlanHandle plan;
  std::string roster_source;
  std::optional<ScenarioRunner> runner;
};

struct LedgerHandle {
  std::optional<Ledger> ledger;
  std::mutex mutex;  // one call at a time: the GIL is released while it works
};

// ---------------------------------------------------------------------------------------------
// Arrays

template <class T>
py::array_t<T> array_of(const std::vector<T>& values) {
  py::array_t<T> array(static_cast<py::ssize_t>(values.size()));
  if (!values.empty()) std::memcpy(array.mutable_data(), values.data(), values.size() * sizeof(T));
  return array;
}

// An object array of str (None where `text` gives nullopt).
template <class Text>
py::array strings_of(size_t count, Text text) {
  py::array array(py::dtype("object"), std::vector<py::ssize_t>{static_cast<py::ssize_t>(count)});
  auto** objects = static_cast<PyObject**>(array.mutable_data());
  for (size_t index = 0; index < count; ++index) {
    const std::optional<std::string_view> value = text(index);
    PyObject* object = value ? PyUnicode_FromStringAndSize(value->data(),
                                                           static_cast<Py_ssize_t>(value->size()))
                             : Py_NewRef(Py_None);
    if (object == nullptr) throw py::error_already_set();
    Py_XDECREF(objects[index]);
    objects[index] = object;
  }
  return array;
}

// The text of `column` at each of `rows` as an object array of str (None for null), for a column of
// the award table. The texts are first gathered into one buffer without the GIL (the rows are
// scattered over the roster: this is where the time goes), then made into str objects in order;
// ASCII ones (ids) are copied straight into the new str.
py::array column_strings(const Column* column, const std::vector<RowIndex>& rows) {
  const bool has_text = column != nullptr && column->type() == ColumnType::kText;
  std::string chars;
  std::vector<int64_t> ends(rows.size());  // -1: null
  std::vector<uint8_t> ascii(rows.size());
  if (has_text) {
    py::gil_scoped_release release;
    chars.reserve(rows.size() * 24);
    constexpr size_t kAhead = 16;  // rows whose text is fetched ahead: the reads miss the cache
    for (size_t index = 0; index < rows.size(); ++index) {
      if (index + kAhead < rows.size()) __builtin_prefetch(column->text(rows[index + kAhead]).data());
      if (column->is_null(rows[index])) {
        ends[index] = -1;
        continue;
      }
      const std::string_view text = column->text(rows[index]);
      uint8_t high = 0;
      for (const char c : text) high |= static_cast<uint8_t>(c);
      ascii[index] = high < 0x80;
      chars.append(text);
      ends[index] = static_cast<int64_t>(chars.size());
    }
  }
  py::array array(py::dtype("object"), std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows.size())});
  auto** objects = static_cast<PyObject**>(array.mutable_data());
  int64_t begin = 0;
  for (size_t index = 0; index < rows.size(); ++index) {
    PyObject* object = nullptr;
    if (!has_text || ends[index] < 0) {
      object = Py_NewRef(Py_None);
    } else {
      const char* text = chars.data() + begin;
      const auto size = static_cast<Py_ssize_t>(ends[index] - begin);
      if (ascii[index]) {
        object = PyUnicode_New(size, 127);
        if (object != nullptr) std::memcpy(PyUnicode_DATA(object), text, static_cast<size_t>(size));
      } else {
        object = PyUnicode_DecodeUTF8(text, size, "strict");
      }
      begin = ends[index];
    }
    if (object == nullptr) throw py::error_already_set();
    Py_XDECREF(objects[index]);
    objects[index] = object;
  }
  return array;
}

py::list str_list(const std::vector<std::string>& values) {
  py::list list;
  for (const std::string& value : values) list.append(py::str(value));
  return list;
}

// ---------------------------------------------------------------------------------------------
// Rosters

RosterHandle load_roster(const std::string& path, const std::optional<std::string>& schema_path,
                         const std::string& encoding, int threads) {
  std::optional<Schema> schema;
  LoadOptions options;
  options.encoding = unwrap(parse_encoding(encoding));
  options.threads = threads;
  Result<Roster> roster = Status(StatusCode::kInternal, "not loaded");
  {
    py::gil_scoped_release release;
    if (schema_path) {
      Result<Schema> loaded = load_schema(*schema_path);
      if (!loaded.ok()) {
        roster = loaded.status();
      } else {
        schema = std::move(*loaded);
      }
    }
    if (!schema_path || schema) {
      options.schema = schema ? &*schema : nullptr;
      roster = load_roster_csv(path, options);
    }
  }
  return RosterHandle(unwrap(std::move(roster)), path);
}

RosterHandle roster_from_frame(const std::vector<py::tuple>& columns) {
  std::vector<ColumnInput> inputs;
  inputs.reserve(columns.size());
  for (const py::tuple& column : columns) {
    if (column.size() != 6) throw py::value_error("a column is (name, type, kind, data, mask, categories)");
    inputs.push_back({column[0].cast<std::string>(), column[1].cast<std::string>(),
                      column[2].cast<std::string>(), column[3].cast<py::array>(),
                      py::reinterpret_borrow<py::object>(column[4]),
                      py::reinterpret_borrow<py::object>(column[5])});
  }
  return RosterHandle(unwrap(roster_from_columns(std::move(inputs))), "<pandas>");
}

std::optional<std::string> classify_one(const std::string& industry,
                                        std::optional<int64_t> employees,
                                        std::optional<int64_t> revenue_fen,
                                        std::optional<int64_t> assets_fen) {
  auto money = [](std::optional<int64_t> fen) {
    return fen ? std::optional<Money>(Money::from_fen(*fen)) : std::nullopt;
  };
  const std::optional<SizeClass> size =
      classify_size(industry, employees, money(revenue_fen), money(assets_fen));
  if (!size) return std::nullopt;
  return std::string(size_class_name(*size));
}

// ---------------------------------------------------------------------------------------------
// Plans

PlanHandle plan_of_text(std::string text, std::string file_name) {
  Plan plan = unwrap(parse_plan(text, file_name));
  return {std::make_shared<const Plan>(std::move(plan)), std::move(text), std::move(file_name)};
}

PlanHandle load_plan_file(const std::string& path) {
  std::string text = unwrap(read_plan_text(path));
  return plan_of_text(std::move(text), path);
}

// ---------------------------------------------------------------------------------------------
// Runs

RunHandle allocate_run(const PlanHandle& plan, const RosterHandle& roster, int threads) {
  auto owned = std::make_shared<OwnedRun>();
  owned->plan = plan.plan;
  owned->roster = roster.state;
  Status failed;
  {
    py::gil_scoped_release release;
    Result<std::shared_ptr<const CompiledPlan>> compiled = compile_for(*owned->roster, owned->plan);
    if (!compiled.ok()) {
      failed = compiled.status();
    } else {
      owned->compiled = std::move(*compiled);
      Result<Allocation> allocation = allocate(*owned->compiled, {.threads = threads});
      if (!allocation.ok()) {
        failed = allocation.status();
      } else {
        owned->allocation.emplace(std::move(*allocation));
      }
    }
  }
  check(failed);
  RunHandle run;
  run.compiled = owned->compiled.get();
  run.allocation = &*owned->allocation;
  run.owner = owned;
  run.plan_text = plan.text;
  run.plan_file = plan.file_name;
  run.roster_source = roster.source;
  return run;
}

// The award table's columns; `text`: the enterprise ids and names as str (else only the roster
// rows, for a caller who joins on its own frame).
py::dict award_columns(RunHandle& run, bool reasons, bool text) {
  const AwardTable& table = run.awards();
  const Roster& roster = run.roster();
  const Plan& plan = run.plan();
  const Allocation& allocation = *run.allocation;
  const Column* ids = roster.find("id");
  const Column* names = roster.find("name");
  const Column* regions = roster.find("region");
  py::dict out;
  out["row"] = array_of(table.row);
  if (text) {
    out["enterprise"] = column_strings(ids, table.row);
    out["name"] = column_strings(names, table.row);
  }
  // Regions as the roster's dictionary codes, for a categorical column.
  std::vector<int32_t> region_codes(table.size(), -1);
  py::list region_names;
  if (regions != nullptr && regions->type() == ColumnType::kString) {
    for (size_t index = 0; index < table.size(); ++index)
      region_codes[index] = regions->int32s()[table.row[index]];
    for (int32_t code = 0; code < regions->dictionary().size(); ++code)
      region_names.append(py::str(std::string(regions->dictionary().value(code))));
  }
  out["region"] = py::make_tuple(array_of(region_codes), region_names);
  std::vector<std::string> program_ids;
  for (const Program& program : plan.programs) program_ids.push_back(program.id);
  out["program"] = py::make_tuple(array_of(table.program), str_list(program_ids));
  std::vector<std::string> pool_ids;
  for (const PoolSummary& pool : allocation.pools) pool_ids.push_back(pool.id);
  out["pool"] = py::make_tuple(array_of(table.pool), str_list(pool_ids));
  out["requested"] = array_of(table.requested);
  out["granted"] = array_of(table.granted);
  std::vector<int8_t> status_codes(table.size());
  for (size_t index = 0; index < table.size(); ++index)
    status_codes[index] = static_cast<int8_t>(table.status[index]);
  std::vector<std::string> status_names;
  for (LineStatus status : {LineStatus::kGranted, LineStatus::kScaled, LineStatus::kUnfunded,
                            LineStatus::kStackedOut, LineStatus::kDroppedBelowMin})
    status_names.emplace_back(line_status_name(status));
  out["status"] = py::make_tuple(array_of(status_codes), str_list(status_names));
  if (reasons) {
    std::vector<std::string> texts(table.size());
    {
      py::gil_scoped_release release;
      for (size_t index = 0; index < table.size(); ++index)
        texts[index] = describe_line(*run.compiled, allocation, table.program[index], table.line[index]);
    }
    out["reason"] = strings_of(texts.size(), [&](size_t index) {
      return std::optional<std::string_view>(texts[index]);
    });
  }
  return out;
}

py::object optional_fen(const std::optional<Money>& amount) {
  return amount ? py::object(py::int_(amount->fen())) : py::object(py::none());
}

py::list pool_rows(const Allocation& allocation) {
  py::list rows;
  for (const PoolSummary& pool : allocation.pools) {
    py::dict row;
    row["pool"] = pool.id;
    row["kind"] = std::string(pool_kind_name(pool.kind));
    row["method"] = std::string(scarcity_method_name(pool.method));
    row["received"] = optional_fen(pool.received);
    row["reserve"] = optional_fen(pool.reserve);
    row["budget"] = pool.budget.fen();
    row["requested"] = pool.requested.fen();
    row["granted"] = pool.granted.fen();
    row["remaining"] = pool.remaining.fen();
    row["funded"] = pool.funded;
    row["scaling"] = format_ratio(pool.granted, pool.requested);
    row["oversubscription"] = format_ratio(pool.requested, pool.budget);
    rows.append(row);
  }
  return rows;
}

std::string explain_run(const RunHandle& run, const std::string& enterprise) {
  return unwrap(explain_enterprise(*run.compiled, *run.allocation, enterprise));
}

// The run id of a run made from Python: the plan text, the roster's values and the engine version
// (the command line hashes the files instead, so the two differ for the same inputs).
std::string python_run_id(const RunHandle& run) {
  RunHasher hash;
  hash.add(run.plan_text);
  hash.end_part();
  const Roster& roster = run.roster();
  for (const Column& column : roster.columns()) {
    hash.add(column.name());
    hash.add(column_type_name(column.type()));
    for (RowIndex row = 0; row < roster.num_rows(); ++row) {
      hash.add(column.format_value(row));
      hash.add(column.is_null(row) ? std::string_view("\1") : std::string_view("\0", 1));
    }
    hash.end_part();
  }
  hash.add(engine_version());
  hash.end_part();
  return hash.hex();
}

std::string write_run(const RunHandle& run, const std::string& directory, bool json, bool bom) {
  Status written;
  std::string id;
  {
    py::gil_scoped_release release;
    id = python_run_id(run);
    written = write_allocation(directory, *run.compiled, *run.allocation,
                               {id, run.plan_file, run.roster_source}, {.json = json, .bom = bom});
  }
  check(written);
  return id;
}

py::dict metrics_dict(const RunMetrics& metrics) {
  py::dict out;
  out["requested"] = metrics.requested.fen();
  out["granted"] = metrics.granted.fen();
  out["funded"] = metrics.funded;
  out["funded_lines"] = metrics.funded_lines;
  out["mean_award"] = metrics.mean_award.fen();
  out["median_award"] = metrics.median_award.fen();
  out["small_micro"] = metrics.small_micro.fen();
  out["gini"] = metrics.gini;
  out["remaining"] = metrics.remaining.fen();
  py::list regions;
  for (const RegionAmount& region : metrics.by_region)
    regions.append(py::make_tuple(region.region, region.granted.fen(), region.funded));
  out["by_region"] = regions;
  return out;
}

py::list change_groups(const std::vector<ChangeGroup>& groups) {
  py::list rows;
  for (const ChangeGroup& group : groups)
    rows.append(py::make_tuple(group.key, group.before.fen(), group.after.fen(), group.winners,
                               group.losers));
  return rows;
}

py::list enterprise_changes(const std::vector<EnterpriseChange>& changes) {
  py::list rows;
  for (const EnterpriseChange& change : changes)
    rows.append(py::make_tuple(change.enterprise, change.region, change.before.fen(),
                               change.after.fen()));
  return rows;
}

py::dict compare(const RunHandle& before, const RunHandle& after, size_t top) {
  if (&before.roster() != &after.roster()) {
    throw py::value_error("compare: the two runs must be over the same roster");
  }
  Comparison comparison;
  {
    py::gil_scoped_release release;
    comparison = compare_runs(*before.compiled, *before.allocation, *after.compiled,
                              *after.allocation, top);
  }
  py::dict out;
  out["winners"] = comparison.winners;
  out["losers"] = comparison.losers;
  out["unchanged"] = comparison.unchanged;
  out["gains"] = comparison.gains.fen();
  out["losses"] = comparison.losses.fen();
  out["by_change"] = change_groups(comparison.by_change);
  out["by_region"] = change_groups(comparison.by_region);
  out["by_size"] = change_groups(comparison.by_size);
  out["top_gains"] = enterprise_changes(comparison.top_gains);
  out["top_losses"] = enterprise_changes(comparison.top_losses);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

std::shared_ptr<RunnerHandle> make_runner(const PlanHandle& plan, const RosterHandle& roster,
                                          int threads) {
  auto handle = std::make_shared<RunnerHandle>();
  handle->roster = roster.state;
  handle->plan = plan;
  handle->roster_source = roster.source;
  Result<ScenarioRunner> runner = Status(StatusCode::kInternal, "not created");
  {
    py::gil_scoped_release release;
    runner = ScenarioRunner::create(plan.text, plan.file_name, *handle->roster->roster, threads);
  }
  handle->runner.emplace(unwrap(std::move(runner)));
  return handle;
}

RunHandle base_run(const std::shared_ptr<RunnerHandle>& handle) {
  RunHandle run;
  run.owner = handle;
  run.compiled = &handle->runner->base_plan();
  run.allocation = &handle->runner->base();
  run.plan_text = handle->plan.text;
  run.plan_file = handle->plan.file_name;
  run.roster_source = handle->roster_source;
  return run;
}

Scenario scenario_of(const std::string& name, const std::vector<std::string>& sets) {
  return unwrap(parse_scenario(name, sets));
}

struct OwnedScenario {
  std::shared_ptr<RunnerHandle> runner;
  ScenarioResult result;
};

// A scenario's run. Its plan text, for its run id, is the base's with the overrides `sets`.
RunHandle scenario_run(const std::shared_ptr<RunnerHandle>& handle, Result<ScenarioResult> result,
                       const std::vector<std::string>& sets) {
  auto owned = std::make_shared<OwnedScenario>(OwnedScenario{handle, unwrap(std::move(result))});
  RunHandle run;
  run.compiled = &owned->result.compiled();
  run.allocation = &owned->result.allocation;
  run.plan_text = handle->plan.text;
  for (const std::string& set : sets) run.plan_text += "\n#set " + set;
  run.plan_file = handle->plan.file_name + " (scenario " + owned->result.name + ")";
  run.roster_source = handle->roster_source;
  run.owner = owned;
  return run;
}

RunHandle run_scenario(const std::shared_ptr<RunnerHandle>& handle, const std::string& name,
                       const std::vector<std::string>& sets) {
  const Scenario scenario = scenario_of(name, sets);
  Result<ScenarioResult> result = Status(StatusCode::kInternal, "not run");
  {
    py::gil_scoped_release release;
    result = handle->runner->run(scenario);
  }
  return scenario_run(handle, std::move(result), sets);
}

std::vector<RunHandle> run_scenarios(
    const std::shared_ptr<RunnerHandle>& handle,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& named_sets) {
  std::vector<Scenario> scenarios;
  for (const auto& [name, sets] : named_sets) scenarios.push_back(scenario_of(name, sets));
  std::vector<Result<ScenarioResult>> results;
  {
    py::gil_scoped_release release;
    results = handle->runner->run_all(scenarios);
  }
  std::vector<RunHandle> runs;
  for (size_t index = 0; index < results.size(); ++index) {
    runs.push_back(scenario_run(handle, std::move(results[index]), named_sets[index].second));
  }
  return runs;
}

py::dict sweep(const std::shared_ptr<RunnerHandle>& handle, const std::vector<std::string>& axes,
               const std::vector<std::string>& sets) {
  std::vector<SweepAxis> parsed;
  for (const std::string& axis : axes) parsed.push_back(unwrap(parse_sweep(axis)));
  std::vector<Override> base;
  for (const std::string& set : sets) base.push_back(unwrap(parse_override(set)));
  Result<SweepResult> result = Status(StatusCode::kInternal, "not run");
  {
    py::gil_scoped_release release;
    result = run_sweep(*handle->runner, parsed, base);
  }
  const SweepResult swept = unwrap(std::move(result));
  py::dict out;
  py::list paths;
  for (const SweepAxis& axis : swept.axes) paths.append(axis.path);
  out["paths"] = paths;
  py::list points;
  for (const SweepPoint& point : swept.points)
    points.append(py::make_tuple(str_list(point.values), metrics_dict(point.metrics)));
  out["points"] = points;
  out["slope"] = swept.slope ? py::object(py::float_(*swept.slope)) : py::object(py::none());
  out["intercept"] =
      swept.intercept ? py::object(py::float_(*swept.intercept)) : py::object(py::none());
  out["csv"] = sweep_csv(swept);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The ledger

std::shared_ptr<LedgerHandle> open_ledger(const std::string& path, bool create) {
  auto handle = std::make_shared<LedgerHandle>();
  Result<Ledger> ledger = Status(StatusCode::kInternal, "not opened");
  {
    py::gil_scoped_release release;
    ledger = create ? Ledger::open(path) : Ledger::open_existing(path);
  }
  handle->ledger.emplace(unwrap(std::move(ledger)));
  return handle;
}

py::dict import_report(const ImportReport& report) {
  py::dict out;
  out["added"] = report.added;
  out["skipped"] = report.skipped;
  py::dict counts;
  py::dict amounts;
  for (int type = 0; type < kLedgerEventTypes; ++type) {
    const std::string name(ledger_event_name(static_cast<LedgerEventType>(type)));
    counts[py::str(name)] = report.added_by_type[type];
    amounts[py::str(name)] = report.amount_by_type[type].fen();
  }
  out["added_by_type"] = counts;
  out["amount_by_type"] = amounts;
  return out;
}

py::dict ledger_import(LedgerHandle& handle, const std::string& path, bool allow_overdraft,
                       const std::string& encoding) {
  const Encoding parsed_encoding = unwrap(parse_encoding(encoding));
  Result<ImportReport> report = Status(StatusCode::kInternal, "not imported");
  {
    py::gil_scoped_release release;
    std::lock_guard lock(handle.mutex);
    Result<LedgerBatch> batch = read_ledger_csv(path, parsed_encoding);
    report = batch.ok() ? handle.ledger->import(*batch, {.allow_overdraft = allow_overdraft})
                        : Result<ImportReport>(batch.status());
  }
  return import_report(unwrap(std::move(report)));
}

py::dict ledger_book_run(LedgerHandle& handle, const std::string& directory, bool book_received,
                         bool allow_overdraft) {
  Result<BookReport> report = Status(StatusCode::kInternal, "not booked");
  {
    py::gil_scoped_release release;
    std::lock_guard lock(handle.mutex);
    Result<RunBooking> run = read_run_directory(directory);
    report = run.ok() ? handle.ledger->book_run(*run, {.book_received = book_received,
                                                       .allow_overdraft = allow_overdraft})
                      : Result<BookReport>(run.status());
  }
  const BookReport booked = unwrap(std::move(report));
  py::dict out = import_report(booked.events);
  out["already_booked"] = booked.already_booked;
  out["booked_at"] = booked.booked_at;
  out["received_pools"] = str_list(booked.received_pools);
  return out;
}

py::dict ledger_events(LedgerHandle& handle) {
  Result<std::vector<LedgerEvent>> loaded = Status(StatusCode::kInternal, "not read");
  {
    py::gil_scoped_release release;
    std::lock_guard lock(handle.mutex);
    loaded = handle.ledger->events();
  }
  const std::vector<LedgerEvent> events = unwrap(std::move(loaded));
  std::vector<int64_t> days(events.size());
  std::vector<int64_t> amounts(events.size());
  for (size_t index = 0; index < events.size(); ++index) {
    days[index] = events[index].date.serial();
    amounts[index] = events[index].amount.fen();
  }
  auto text = [&](std::string LedgerEvent::*field) {
    return strings_of(events.size(), [&](size_t index) {
      return std::optional<std::string_view>(events[index].*field);
    });
  };
  py::dict out;
  out["date"] = array_of(days);
  out["event"] = strings_of(events.size(), [&](size_t index) {
    return std::optional<std::string_view>(ledger_event_name(events[index].type));
  });
  out["pool"] = text(&LedgerEvent::pool);
  out["program"] = text(&LedgerEvent::program);
  out["region"] = text(&LedgerEvent::region);
  out["enterprise"] = text(&LedgerEvent::enterprise);
  out["amount"] = array_of(amounts);
  out["voucher"] = text(&LedgerEvent::voucher);
  return out;
}

py::dict execution_row(const LedgerTotals& row, const FiscalProgress& progress) {
  py::dict out;
  out["key"] = row.key;
  out["received"] = row.received.fen();
  out["arranged"] = row.arranged.fen();
  out["disbursed"] = row.disbursed.fen();
  out["returned"] = row.returned.fen();
  out["arrangement_ratio"] = arrangement_ratio(row);
  out["expenditure_ratio"] = expenditure_ratio(row);
  out["disbursed_of_arranged"] = disbursed_of_arranged(row);
  out["schedule_lag"] = schedule_lag(row, progress);
  return out;
}

py::dict ledger_execution(LedgerHandle& handle, const std::string& as_of, const std::string& by) {
  const Date date = parse_date_or_raise(as_of);
  const LedgerKey key = unwrap(parse_ledger_key(by));
  Result<ExecutionReport> report = Status(StatusCode::kInternal, "not read");
  {
    py::gil_scoped_release release;
    std::lock_guard lock(handle.mutex);
    report = execution_report(*handle.ledger, date, key);
  }
  const ExecutionReport execution = unwrap(std::move(report));
  py::dict out;
  out["as_of"] = execution.as_of.to_string();
  out["year_start"] = execution.year_start.to_string();
  out["schedule_progress"] = schedule_progress(execution.progress);
  py::list rows;
  for (const LedgerTotals& row : execution.rows) rows.append(execution_row(row, execution.progress));
  out["rows"] = rows;
  out["total"] = execution_row(execution.total, execution.progress);
  out["table"] = execution_table(execution);
  return out;
}

}  // namespace
}  // namespace subsidy::python

PYBIND11_MODULE(_core, module) {
  using namespace subsidy;
  using namespace subsidy::python;
  module.doc() = "The subsidy engine; use the package `subsidy`, not this module.";
  module.attr("__version__") = std::string(engine_version());

  py::class_<RosterHandle>(module, "Roster")
      .def_property_readonly("num_rows", [](const RosterHandle& h) { return h.roster().num_rows(); })
      .def_property_readonly("source", [](const RosterHandle& h) { return h.source; })
      .def("column_names",
           [](const RosterHandle& h) {
             std::vector<std::string> names;
             for (const Column& column : h.roster().columns()) names.push_back(column.name());
             return names;
           })
      .def("column_type",
           [](const RosterHandle& h, const std::string& name) {
             const Column* column = h.roster().find(name);
             if (column == nullptr) raise(not_found("no column " + name));
             return std::string(column_type_name(column->type()));
           })
      .def("column",
           [](const RosterHandle& h, const std::string& name) {
             const Column* column = h.roster().find(name);
             if (column == nullptr) raise(not_found("no column " + name));
             return column_to_python(*column);
           })
      .def("write_csv", [](const RosterHandle& h, const std::string& path) {
        Status written;
        {
          py::gil_scoped_release release;
          written = write_roster_csv(h.roster(), path);
        }
        check(written);
      });
  module.def("load_roster_csv", &load_roster, py::arg("path"), py::arg("schema") = py::none(),
             py::arg("encoding") = "utf-8", py::arg("threads") = 0);
  module.def("roster_from_columns", &roster_from_frame, py::arg("columns"));
  // (name, type) of a standard column by its name or Chinese header; None for others.
  module.def("standard_column",
             [](const std::string& name) -> std::optional<std::pair<std::string, std::string>> {
               const auto standard = standard_column_of(name);
               if (!standard) return std::nullopt;
               return std::pair(std::string(standard->first),
                                std::string(column_type_name(standard->second)));
             });
  module.def("fen_of_float_yuan",
             [](double yuan) { return unwrap(fen_of_float_yuan(yuan)); });
  module.def("parse_money", [](const std::string& text) { return unwrap(parse_money(text)).fen(); });
  module.def("classify_size", &classify_one, py::arg("industry"), py::arg("employees"),
             py::arg("revenue_fen"), py::arg("assets_fen"));

  py::class_<PlanHandle>(module, "Plan")
      .def_property_readonly("name", [](const PlanHandle& h) { return h.plan->name; })
      .def_property_readonly("as_of", [](const PlanHandle& h) { return h.plan->as_of.to_string(); })
      .def_property_readonly("fiscal_year", [](const PlanHandle& h) { return h.plan->fiscal_year; })
      .def_property_readonly("text", [](const PlanHandle& h) { return h.text; })
      .def_property_readonly("file_name", [](const PlanHandle& h) { return h.file_name; })
      .def_property_readonly("programs",
                             [](const PlanHandle& h) {
                               std::vector<std::string> ids;
                               for (const Program& program : h.plan->programs) ids.push_back(program.id);
                               return ids;
                             })
      .def_property_readonly("pools", [](const PlanHandle& h) {
        std::vector<std::string> ids;
        for (const Pool& pool : h.plan->pools) ids.push_back(pool.id);
        return ids;
      });
  module.def("load_plan", &load_plan_file, py::arg("path"));
  module.def("parse_plan", &plan_of_text, py::arg("text"), py::arg("file_name"));

  py::class_<RunHandle>(module, "Run")
      .def("award_columns", &award_columns, py::arg("reasons") = false, py::arg("text") = true)
      .def("pool_rows", [](const RunHandle& run) { return pool_rows(*run.allocation); })
      .def("explain", &explain_run, py::arg("enterprise"))
      .def("awards_csv",
           [](const RunHandle& run) {
             py::gil_scoped_release release;
             return awards_csv(*run.compiled, *run.allocation);
           })
      .def("pools_csv", [](const RunHandle& run) { return pools_csv(*run.allocation); })
      .def("write", &write_run, py::arg("directory"), py::arg("json") = false,
           py::arg("bom") = false)
      .def("metrics",
           [](const RunHandle& run) {
             RunMetrics metrics;
             {
               py::gil_scoped_release release;
               metrics = run_metrics(*run.compiled, *run.allocation);
             }
             return metrics_dict(metrics);
           })
      .def_property_readonly("warnings", [](const RunHandle& run) { return run.allocation->warnings; })
      .def_property_readonly("plan_name", [](const RunHandle& run) { return run.plan().name; })
      .def_property_readonly("num_rows", [](const RunHandle& run) { return run.roster().num_rows(); });
  module.def("allocate", &allocate_run, py::arg("plan"), py::arg("roster"), py::arg("threads") = 0);
  module.def("compare", &compare, py::arg("before"), py::arg("after"), py::arg("top") = 10);

  py::class_<RunnerHandle, std::shared_ptr<RunnerHandle>>(module, "ScenarioRunner")
      .def(py::init(&make_runner), py::arg("plan"), py::arg("roster"), py::arg("threads") = 0)
      .def("base", &base_run)
      .def("run", &run_scenario, py::arg("name"), py::arg("sets"))
      .def("run_all", &run_scenarios, py::arg("scenarios"))
      .def("sweep", &sweep, py::arg("axes"), py::arg("sets") = std::vector<std::string>{});

  py::class_<LedgerHandle, std::shared_ptr<LedgerHandle>>(module, "Ledger")
      .def(py::init(&open_ledger), py::arg("path"), py::arg("create") = true)
      .def_property_readonly("path", [](const LedgerHandle& h) { return h.ledger->path(); })
      .def_property_readonly("schema_version",
                             [](const LedgerHandle& h) { return h.ledger->schema_version(); })
      .def("import_csv", &ledger_import, py::arg("path"), py::arg("allow_overdraft") = false,
           py::arg("encoding") = "utf-8")
      .def("book_run", &ledger_book_run, py::arg("directory"), py::arg("book_received") = false,
           py::arg("allow_overdraft") = false)
      .def("events", &ledger_events)
      .def("execution", &ledger_execution, py::arg("as_of"), py::arg("by") = "pool");
}
