// The subsidy command: batch runs over rosters and plans.
//
// Exit codes a script can rely on: 0 ok, 2 bad input or bad usage (CLI11's own parse errors
// included), 1 internal error.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "subsidy/allocation.hpp"
#include "subsidy/execution.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/results.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/synth.hpp"
#include "subsidy/whatif.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitBadInput = 2;

int report(const subsidy::Status& status) {
  if (status.ok()) return kExitOk;
  fmt::print(stderr, "subsidy: {}\n", status.message());
  return status.code() == subsidy::StatusCode::kInternal ? kExitInternal : kExitBadInput;
}

struct RosterArgs {
  std::string roster;
  std::string schema;
  std::string encoding = "utf-8";
  std::string rejects;

  int threads = 0;

  void add_to(CLI::App* command, bool required = true) {
    CLI::Option* option = command->add_option("--roster", roster, "roster CSV (UTF-8 or GBK)");
    if (required) option->required();
    command->add_option("--schema", schema, "schema YAML: column types, units and headers");
    command->add_option("--encoding", encoding, "utf-8 (default) or gbk");
    command->add_option(
        "--rejects", rejects,
        "write bad rows to this CSV (with line, column, reason) instead of failing");
  }

  // Loads the roster, or returns the Status explaining why not.
  subsidy::Result<subsidy::Roster> load(subsidy::LoadReport* load_report) const {
    std::optional<subsidy::Schema> loaded_schema;
    subsidy::LoadOptions options;
    if (!schema.empty()) {
      SUBSIDY_ASSIGN_OR_RETURN(loaded_schema, subsidy::load_schema(schema));
      options.schema = &*loaded_schema;
    }
    SUBSIDY_ASSIGN_OR_RETURN(options.encoding, subsidy::parse_encoding(encoding));
    options.rejects_path = rejects;
    options.threads = threads;
    return subsidy::load_roster_csv(roster, options, load_report);
  }
};

int run_synth(int64_t rows, uint64_t seed, const std::string& out) {
  const auto start = std::chrono::steady_clock::now();
  const subsidy::Status status = subsidy::write_synthetic_roster({rows, seed}, out);
  if (!status.ok()) return report(status);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  fmt::print(stderr, "wrote {} rows to {} in {:.2f} s\n", rows, out, seconds.count());
  return kExitOk;
}

int run_classify(const RosterArgs& args, const std::string& out) {
  subsidy::LoadReport load_report;
  subsidy::Result<subsidy::Roster> roster = args.load(&load_report);
  if (!roster.ok()) return report(roster.status());
  const subsidy::Status written = subsidy::write_roster_csv(*roster, out);
  if (!written.ok()) return report(written);
  fmt::print(stderr, "classified {} rows into {}", load_report.rows_loaded, out);
  if (load_report.rows_rejected > 0) {
    fmt::print(stderr, "; {} rows rejected into {}", load_report.rows_rejected, args.rejects);
  }
  fmt::print(stderr, "\n");
  return kExitOk;
}

// Stage names on stderr while a long run works, only when a person is watching (a terminal).
class Progress {
 public:
  Progress() : enabled_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}
  void stage(std::string_view name) {
    if (!enabled_) return;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    fmt::print(stderr, "\r\033[K[{:6.2f} s] {}...", elapsed.count(), name);
    std::fflush(stderr);
  }
  void done() {
    if (enabled_) fmt::print(stderr, "\r\033[K");
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

// A plan, the roster and the plan compiled against it: what allocate and explain start from.
struct Loaded {
  subsidy::Plan plan;
  subsidy::Roster roster;
  std::optional<subsidy::CompiledPlan> compiled;
  subsidy::LoadReport load_report;
};

subsidy::Status load_all(const std::string& plan_path, const RosterArgs& roster_args,
                         Progress& progress, Loaded* out) {
  progress.stage("reading the plan");
  SUBSIDY_ASSIGN_OR_RETURN(out->plan, subsidy::load_plan(plan_path));
  progress.stage("loading the roster");
  SUBSIDY_ASSIGN_OR_RETURN(out->roster, roster_args.load(&out->load_report));
  progress.stage("compiling the plan's rules");
  SUBSIDY_ASSIGN_OR_RETURN(out->compiled, subsidy::compile_plan(out->plan, out->roster));
  return subsidy::Status::Ok();
}

// The run id: a hash of everything that decides the result — the plan file, the roster file, how
// the roster is read (schema file, encoding) — and the engine version.
subsidy::Result<std::string> run_id(const std::string& plan_path, const RosterArgs& roster_args) {
  subsidy::RunHasher hash;
  std::vector<std::string> paths = {plan_path, roster_args.roster};
  if (!roster_args.schema.empty()) paths.push_back(roster_args.schema);
  for (const std::string& path : paths) SUBSIDY_RETURN_IF_ERROR(subsidy::hash_file(hash, path));
  hash.add(roster_args.encoding);
  hash.end_part();
  hash.add(subsidy::engine_version());
  hash.end_part();
  return hash.hex();
}

struct AllocateArgs {
  std::string plan;
  std::string out;
  bool json = false;
  bool bom = false;
};

std::string counted(const subsidy::Plan& plan) {
  return fmt::format("{} pool{}, {} program{}", plan.pools.size(),
                     plan.pools.size() == 1 ? "" : "s", plan.programs.size(),
                     plan.programs.size() == 1 ? "" : "s");
}

// Loads the plan and roster, compiles and allocates: what allocate and explain both start with.
subsidy::Result<subsidy::Allocation> load_and_allocate(const std::string& plan_path,
                                                       const RosterArgs& roster_args,
                                                       Progress& progress, Loaded* loaded) {
  const subsidy::Status status = load_all(plan_path, roster_args, progress, loaded);
  if (!status.ok()) {
    progress.done();
    return status;
  }
  progress.stage("allocating");
  subsidy::Result<subsidy::Allocation> allocation =
      subsidy::allocate(*loaded->compiled, {.threads = roster_args.threads});
  progress.done();
  return allocation;
}

int run_allocate(const AllocateArgs& args, const RosterArgs& roster_args) {
  Progress progress;
  Loaded loaded;
  subsidy::Result<subsidy::Allocation> allocation =
      load_and_allocate(args.plan, roster_args, progress, &loaded);
  if (!allocation.ok()) return report(allocation.status());
  for (const std::string& warning : allocation->warnings) {
    fmt::print(stderr, "subsidy: warning: {}\n", warning);
  }
  progress.stage("writing the results");
  subsidy::Result<std::string> id = run_id(args.plan, roster_args);
  if (!id.ok()) {
    progress.done();
    return report(id.status());
  }
  const subsidy::Status status = subsidy::write_allocation(args.out, *loaded.compiled, *allocation,
                                                           {*id, args.plan, roster_args.roster},
                                                           {.json = args.json, .bom = args.bom});
  progress.done();
  if (!status.ok()) return report(status);
  const subsidy::Plan& plan = loaded.plan;
  fmt::print("{} as of {}: {} enterprises, {}, run {}\n", plan.name, plan.as_of.to_string(),
             loaded.roster.num_rows(), counted(plan), *id);
  size_t width = 0;
  for (const subsidy::PoolSummary& pool : allocation->pools)
    width = std::max(width, pool.id.size());
  for (const subsidy::PoolSummary& pool : allocation->pools) {
    fmt::print("  {:<{}}  budget {:>16}  requested {:>16}  granted {:>16}  funded {}\n", pool.id,
               width, subsidy::format_yuan(pool.budget), subsidy::format_yuan(pool.requested),
               subsidy::format_yuan(pool.granted), pool.funded);
  }
  fmt::print("wrote {}/awards.csv, pools.csv, run.json{} in {:.2f} s\n", args.out,
             args.json ? ", result.json" : "", progress.seconds());
  return kExitOk;
}

int run_explain(const std::string& plan_path, const RosterArgs& roster_args,
                const std::string& enterprise) {
  Progress progress;
  Loaded loaded;
  subsidy::Result<subsidy::Allocation> allocation =
      load_and_allocate(plan_path, roster_args, progress, &loaded);
  if (!allocation.ok()) return report(allocation.status());
  subsidy::Result<std::string> text =
      subsidy::explain_enterprise(*loaded.compiled, *allocation, enterprise);
  if (!text.ok()) return report(text.status());
  fmt::print("{}", *text);
  return kExitOk;
}

int run_validate(const std::string& plan_path, const RosterArgs& roster_args) {
  subsidy::Result<subsidy::Plan> plan = subsidy::load_plan(plan_path);
  if (!plan.ok()) return report(plan.status());
  if (roster_args.roster.empty()) {
    fmt::print("{}: plan {} is valid ({}); its rules were not checked against a roster\n",
               plan_path, plan->name, counted(*plan));
    return kExitOk;
  }
  subsidy::LoadReport load_report;
  subsidy::Result<subsidy::Roster> roster = roster_args.load(&load_report);
  if (!roster.ok()) return report(roster.status());
  subsidy::Result<subsidy::CompiledPlan> compiled = subsidy::compile_plan(*plan, *roster);
  if (!compiled.ok()) return report(compiled.status());
  fmt::print("{}: plan {} is valid ({}) and its rules fit {}\n", plan_path, plan->name,
             counted(*plan), roster_args.roster);
  return kExitOk;
}

// "3 received (1310000000.00), 5 arranged (...)" for the event types with anything added.
std::string added_by_type(const subsidy::ImportReport& report) {
  std::string text;
  for (int type = 0; type < subsidy::kLedgerEventTypes; ++type) {
    if (report.added_by_type[type] == 0) continue;
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {} ({} yuan)", report.added_by_type[type],
                        subsidy::ledger_event_name(static_cast<subsidy::LedgerEventType>(type)),
                        subsidy::format_yuan(report.amount_by_type[type]));
  }
  return text.empty() ? "nothing new" : text;
}

struct LedgerImportArgs {
  std::string file;
  std::string db;
  std::string encoding = "utf-8";
  bool allow_overdraft = false;
};

int run_ledger_import(const LedgerImportArgs& args) {
  subsidy::Result<subsidy::Encoding> encoding = subsidy::parse_encoding(args.encoding);
  if (!encoding.ok()) return report(encoding.status());
  subsidy::Result<subsidy::LedgerBatch> batch = subsidy::read_ledger_csv(args.file, *encoding);
  if (!batch.ok()) return report(batch.status());
  subsidy::Result<subsidy::Ledger> ledger = subsidy::Ledger::open(args.db);
  if (!ledger.ok()) return report(ledger.status());
  subsidy::Result<subsidy::ImportReport> imported =
      ledger->import(*batch, {.allow_overdraft = args.allow_overdraft});
  if (!imported.ok()) return report(imported.status().with_context("nothing imported"));
  fmt::print("{}: added {} event{}: {}; skipped {} already in {}\n", args.file, imported->added,
             imported->added == 1 ? "" : "s", added_by_type(*imported), imported->skipped, args.db);
  return kExitOk;
}

struct BookRunArgs {
  std::string db;
  std::string run;
  bool book_received = false;
  bool allow_overdraft = false;
};

int run_book_run(const BookRunArgs& args) {
  subsidy::Result<subsidy::RunBooking> run = subsidy::read_run_directory(args.run);
  if (!run.ok()) return report(run.status());
  subsidy::Result<subsidy::Ledger> ledger = subsidy::Ledger::open(args.db);
  if (!ledger.ok()) return report(ledger.status());
  subsidy::Result<subsidy::BookReport> booked = ledger->book_run(
      *run, {.book_received = args.book_received, .allow_overdraft = args.allow_overdraft});
  if (!booked.ok()) return report(booked.status().with_context("nothing booked"));
  if (booked->already_booked) {
    fmt::print("run {} ({}) was booked in {} at {}; nothing added\n", run->run_id, run->plan,
               args.db, booked->booked_at);
    return kExitOk;
  }
  fmt::print("booked run {} ({}, as of {}) in {}: {}", run->run_id, run->plan,
             run->as_of.to_string(), args.db, added_by_type(booked->events));
  if (!booked->received_pools.empty()) {
    fmt::print("; received booked from the plan for {}", fmt::join(booked->received_pools, ", "));
  }
  fmt::print("\n");
  return kExitOk;
}

struct ExecutionArgs {
  std::string db;
  std::string as_of;
  std::string by = "pool";
  bool csv = false;
  bool json = false;
};

int run_execution(const ExecutionArgs& args) {
  subsidy::Result<subsidy::Date> as_of = subsidy::parse_date(args.as_of);
  if (!as_of.ok()) return report(as_of.status().with_context("--as-of"));
  subsidy::Result<subsidy::LedgerKey> by = subsidy::parse_ledger_key(args.by);
  if (!by.ok()) return report(by.status().with_context("--by"));
  subsidy::Result<subsidy::Ledger> ledger = subsidy::Ledger::open_existing(args.db);
  if (!ledger.ok()) return report(ledger.status());
  subsidy::Result<subsidy::ExecutionReport> execution =
      subsidy::execution_report(*ledger, *as_of, *by);
  if (!execution.ok()) return report(execution.status());
  if (args.csv) {
    fmt::print("{}", subsidy::execution_csv(*execution));
  } else if (args.json) {
    fmt::print("{}", subsidy::execution_json(*execution));
  } else {
    fmt::print("{}", subsidy::execution_table(*execution));
  }
  return kExitOk;
}

struct WhatifArgs {
  std::string plan;
  std::vector<std::string> sets;
  std::vector<std::string> sweeps;
  std::string out;
  int64_t top = 10;
};

int run_whatif(const WhatifArgs& args, const RosterArgs& roster_args) {
  if (args.sets.empty() && args.sweeps.empty()) {
    return report(subsidy::invalid_argument(
        "nothing to simulate: give --set PATH=VALUE and/or --sweep PATH=a:b:step"));
  }
  if (args.top < 0) {
    return report(subsidy::invalid_argument(fmt::format("--top: {} is negative", args.top)));
  }
  if (args.sweeps.size() > 2) {
    return report(subsidy::invalid_argument("at most two --sweep (a grid of two parameters)"));
  }
  std::vector<subsidy::Override> overrides;
  for (const std::string& text : args.sets) {
    subsidy::Result<subsidy::Override> change = subsidy::parse_override(text);
    if (!change.ok()) return report(change.status().with_context("--set"));
    overrides.push_back(std::move(*change));
  }
  std::vector<subsidy::SweepAxis> axes;
  for (const std::string& text : args.sweeps) {
    subsidy::Result<subsidy::SweepAxis> axis = subsidy::parse_sweep(text);
    if (!axis.ok()) return report(axis.status());
    axes.push_back(std::move(*axis));
  }
  Progress progress;
  progress.stage("reading the plan");
  std::ifstream plan_file(args.plan, std::ios::binary);
  if (!plan_file) return report(subsidy::not_found(fmt::format("cannot read plan {}", args.plan)));
  const std::string plan_text((std::istreambuf_iterator<char>(plan_file)),
                              std::istreambuf_iterator<char>());
  progress.stage("loading the roster");
  subsidy::LoadReport load_report;
  subsidy::Result<subsidy::Roster> roster = roster_args.load(&load_report);
  if (!roster.ok()) {
    progress.done();
    return report(roster.status());
  }
  progress.stage("running the base plan");
  subsidy::Result<subsidy::ScenarioRunner> runner =
      subsidy::ScenarioRunner::create(plan_text, args.plan, *roster, roster_args.threads);
  if (!runner.ok()) {
    progress.done();
    return report(runner.status());
  }
  std::vector<std::pair<std::string, std::string>> files;
  std::string summary;
  if (axes.empty()) {
    progress.stage("running the scenario");
    subsidy::Result<subsidy::ScenarioResult> result =
        runner->run({fmt::format("{}", fmt::join(args.sets, " ")), overrides});
    progress.done();
    if (!result.ok()) return report(result.status());
    const subsidy::RunMetrics base = subsidy::run_metrics(runner->base_plan(), runner->base());
    const subsidy::RunMetrics after = subsidy::run_metrics(result->compiled(), result->allocation);
    const subsidy::Comparison comparison =
        subsidy::compare_runs(runner->base_plan(), runner->base(), result->compiled(),
                              result->allocation, static_cast<size_t>(args.top));
    summary = subsidy::scenario_summary(result->name, base, after, comparison);
    files = {{"metrics.csv", subsidy::metrics_csv(base, after)},
             {"by_region.csv", subsidy::change_groups_csv(comparison.by_region, "region")},
             {"by_size.csv", subsidy::change_groups_csv(comparison.by_size, "size")},
             {"by_change.csv", subsidy::change_groups_csv(comparison.by_change, "change")},
             {"top_changes.csv", subsidy::top_changes_csv(comparison)},
             {"awards.csv", subsidy::awards_csv(result->compiled(), result->allocation)},
             {"pools.csv", subsidy::pools_csv(result->allocation)},
             {"summary.txt", summary}};
  } else {
    progress.stage("sweeping");
    subsidy::Result<subsidy::SweepResult> sweep = subsidy::run_sweep(*runner, axes, overrides);
    progress.done();
    if (!sweep.ok()) return report(sweep.status());
    summary = subsidy::sweep_summary(*sweep);
    files = {{"sweep.csv", subsidy::sweep_csv(*sweep)},
             {"sweep_by_region.csv", subsidy::sweep_regions_csv(*sweep)},
             {"summary.txt", summary}};
  }
  if (!args.out.empty()) {
    const subsidy::Status written = subsidy::write_files(args.out, files);
    if (!written.ok()) return report(written);
  }
  for (const std::string& warning : runner->base().warnings) {  // as allocate prints them
    fmt::print(stderr, "subsidy: warning: {}\n", warning);
  }
  fmt::print("{}", summary);
  if (!args.out.empty()) {
    std::vector<std::string> names;
    for (const auto& file : files) names.push_back(file.first);
    fmt::print("\nwrote {}/{} in {:.2f} s\n", args.out, fmt::join(names, ", "), progress.seconds());
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"subsidy: exact allocation of subsidies and special funds"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "subsidy 0.1.0");

  int64_t rows = 1000;
  uint64_t seed = 1;
  std::string synth_out;
  CLI::App* synth = app.add_subcommand("synth", "write a deterministic synthetic roster CSV");
  synth->add_option("--rows", rows, "number of enterprises")->check(CLI::NonNegativeNumber);
  synth->add_option("--seed", seed, "random seed (same rows and seed, same bytes)");
  synth->add_option("--out", synth_out, "output CSV")->required();

  RosterArgs classify_args;
  std::string classify_out;
  CLI::App* classify = app.add_subcommand("classify", "add the SME size class to a roster");
  classify_args.add_to(classify);
  classify->add_option("--out", classify_out, "output CSV (UTF-8)")->required();

  RosterArgs allocate_roster;
  AllocateArgs allocate_args;
  CLI::App* allocate =
      app.add_subcommand("allocate", "run a plan over a roster and write the results");
  allocate->add_option("--plan", allocate_args.plan, "plan YAML or JSON")->required();
  allocate_roster.add_to(allocate);
  allocate->add_option("--out", allocate_args.out, "directory for awards.csv, pools.csv, run.json")
      ->required();
  allocate->add_flag("--json", allocate_args.json, "also write result.json");
  allocate->add_flag("--bom", allocate_args.bom, "start the CSV files with a UTF-8 BOM (Excel)");
  allocate->add_option("--threads", allocate_roster.threads, "threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);

  RosterArgs explain_roster;
  std::string explain_plan;
  std::string enterprise;
  CLI::App* explain =
      app.add_subcommand("explain", "show one enterprise's path through every stage of a plan");
  explain->add_option("--plan", explain_plan, "plan YAML or JSON")->required();
  explain_roster.add_to(explain);
  explain->add_option("--enterprise", enterprise, "the enterprise id")->required();

  RosterArgs validate_roster;
  std::string validate_plan;
  CLI::App* validate = app.add_subcommand(
      "validate", "check a plan (and its rules against a roster) without running it");
  validate->add_option("--plan", validate_plan, "plan YAML or JSON")->required();
  validate_roster.add_to(validate, false);

  CLI::App* ledger =
      app.add_subcommand("ledger", "the execution ledger: import events, book allocation runs");
  ledger->require_subcommand(1);
  LedgerImportArgs import_args;
  CLI::App* ledger_import = ledger->add_subcommand(
      "import", "add a ledger CSV's events (all or none; vouchers already there are skipped)");
  ledger_import->add_option("file", import_args.file, "ledger CSV")->required();
  ledger_import->add_option("--db", import_args.db, "ledger SQLite file (created if missing)")
      ->required();
  ledger_import->add_option("--encoding", import_args.encoding, "utf-8 (default) or gbk");
  ledger_import->add_flag("--allow-overdraft", import_args.allow_overdraft,
                          "let arranged pass what its pool has received");
  BookRunArgs book_args;
  CLI::App* book_run = ledger->add_subcommand(
      "book-run", "book an allocation run's granted amounts as arranged, once");
  book_run->add_option("--db", book_args.db, "ledger SQLite file (created if missing)")->required();
  book_run->add_option("--run", book_args.run, "the --out directory of `subsidy allocate`")
      ->required();
  book_run->add_flag("--book-received", book_args.book_received,
                     "book the plan's received amounts for pools with none in the ledger");
  book_run->add_flag("--allow-overdraft", book_args.allow_overdraft,
                     "let arranged pass what its pool has received");

  RosterArgs whatif_roster;
  WhatifArgs whatif_args;
  CLI::App* whatif = app.add_subcommand(
      "whatif", "what-if: a scenario (--set) against the base plan, or a sweep of a parameter");
  whatif->add_option("--plan", whatif_args.plan, "the base plan, YAML or JSON")->required();
  whatif_roster.add_to(whatif);
  whatif->add_option("--set", whatif_args.sets,
                     "PATH=VALUE, e.g. programs.tax-contribution.award.tiers.bands[1].award=6万 "
                     "(repeatable)");
  whatif->add_option("--sweep", whatif_args.sweeps,
                     "PATH=a:b:step or PATH=v1,v2,... (once, or twice for a grid)");
  whatif->add_option("--out", whatif_args.out, "directory for the CSV tables and summary.txt");
  whatif->add_option("--top", whatif_args.top, "largest gains and losses to list (default 10)");
  whatif->add_option("--threads", whatif_roster.threads, "threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);

  ExecutionArgs execution_args;
  CLI::App* execution = app.add_subcommand(
      "execution", "execution ratios as of a date: arranged and spent over received");
  execution->add_option("--db", execution_args.db, "ledger SQLite file")->required();
  execution->add_option("--as-of", execution_args.as_of, "YYYY-MM-DD")->required();
  execution->add_option("--by", execution_args.by, "pool (default), region or program");
  CLI::Option* as_csv = execution->add_flag("--csv", execution_args.csv, "print CSV");
  execution->add_flag("--json", execution_args.json, "print JSON")->excludes(as_csv);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 2.1 exits 100+ on its own parse errors; usage errors are 2 here.
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  try {
    if (synth->parsed()) return run_synth(rows, seed, synth_out);
    if (classify->parsed()) return run_classify(classify_args, classify_out);
    if (allocate->parsed()) return run_allocate(allocate_args, allocate_roster);
    if (explain->parsed()) return run_explain(explain_plan, explain_roster, enterprise);
    if (validate->parsed()) return run_validate(validate_plan, validate_roster);
    if (ledger_import->parsed()) return run_ledger_import(import_args);
    if (book_run->parsed()) return run_book_run(book_args);
    if (execution->parsed()) return run_execution(execution_args);
    if (whatif->parsed()) return run_whatif(whatif_args, whatif_roster);
  } catch (const subsidy::OverflowError& e) {
    fmt::print(stderr, "subsidy: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "subsidy: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitInternal;
}
