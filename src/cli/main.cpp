// The subsidy command: batch runs over rosters and plans.
//
// Exit codes a script can rely on: 0 ok, 2 bad input or bad usage (CLI11's own parse errors
// included), 1 internal error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>

#include "subsidy/roster.hpp"
#include "subsidy/synth.hpp"

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

  void add_to(CLI::App* command) {
    command->add_option("--roster", roster, "roster CSV (UTF-8 or GBK)")->required();
    command->add_option("--schema", schema, "schema YAML: column types, units and headers");
    command->add_option("--encoding", encoding, "utf-8 (default) or gbk");
    command->add_option("--rejects", rejects,
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
  } catch (const subsidy::OverflowError& e) {
    fmt::print(stderr, "subsidy: {}\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "subsidy: internal error: {}\n", e.what());
    return kExitInternal;
  }
  return kExitInternal;
}
