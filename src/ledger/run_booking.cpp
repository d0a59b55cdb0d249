// Reading what `subsidy allocate` wrote into a run directory, for book-run: run.json for the run's
// identity, awards.csv for the granted lines, pools.csv for what each pool received.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/csv_scanner.hpp"
#include "subsidy/ledger.hpp"

namespace subsidy {

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot read {}: it is not there", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Calls visit(line, cells) for each row of a CSV file with the named columns, after checking the
// header has them.
template <class Visit>
Status for_each_row(const std::string& path, std::initializer_list<std::string_view> columns,
                    Visit visit) {
  SUBSIDY_ASSIGN_OR_RETURN(std::unique_ptr<internal::ByteSource> source,
                           internal::open_file_source(path, false));
  internal::CsvScanner scanner(source.get(), true, true);
  internal::Record record;
  Status fatal;
  if (!scanner.next(&record, &fatal)) {
    SUBSIDY_RETURN_IF_ERROR(fatal.with_context(path));
    return invalid_argument(fmt::format("{}: the file is empty", path));
  }
  std::vector<size_t> field_of;
  for (const std::string_view column : columns) {
    const auto found = std::find_if(record.fields.begin(), record.fields.end(),
                                    [&](const internal::Field& f) { return f.view() == column; });
    if (found == record.fields.end()) {
      return invalid_argument(fmt::format("{}:1: no column \"{}\"", path, column));
    }
    field_of.push_back(static_cast<size_t>(found - record.fields.begin()));
  }
  const size_t width = record.fields.size();
  std::vector<std::string_view> cells(field_of.size());
  while (scanner.next(&record, &fatal)) {
    if (!record.row_error.empty() || record.fields.size() != width) {
      return invalid_argument(
          fmt::format("{}:{}: {}", path, record.line,
                      record.row_error.empty()
                          ? fmt::format("{} fields; the header has {}", record.fields.size(), width)
                          : record.row_error));
    }
    for (size_t k = 0; k < field_of.size(); ++k) cells[k] = record.fields[field_of[k]].view();
    SUBSIDY_RETURN_IF_ERROR(visit(record.line, cells));
  }
  if (!fatal.ok()) return fatal.with_context(fmt::format("{}:{}", path, scanner.fatal_line()));
  return Status::Ok();
}

// awards.csv names a line's settlement: "pool", "pool/region" (a split child) or "pool:program"
// (an own budget). The ledger books under the top-level pool.
std::string top_pool(std::string_view settlement) {
  return std::string(settlement.substr(0, settlement.find_first_of("/:")));
}

}  // namespace

Result<RunBooking> read_run_directory(const std::string& directory) {
  const auto path = [&](const char* name) {
    return (std::filesystem::path(directory) / name).string();
  };
  RunBooking run;
  const std::string run_json = path("run.json");
  SUBSIDY_ASSIGN_OR_RETURN(const std::string text, read_text(run_json));
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return invalid_argument(
        fmt::format("{}: not a JSON object (is {} a run directory of "
                    "`subsidy allocate`?)",
                    run_json, directory));
  }
  std::string as_of;
  for (const auto& [key, target] : {std::pair<const char*, std::string*>{"run_id", &run.run_id},
                                    {"plan", &run.plan},
                                    {"as_of", &as_of}}) {
    const auto found = json.find(key);
    if (found == json.end() || !found->is_string() || found->get<std::string>().empty()) {
      return invalid_argument(fmt::format("{}: no \"{}\" text", run_json, key));
    }
    *target = found->get<std::string>();
  }
  Result<Date> date = parse_date(as_of);
  if (!date.ok()) return date.status().with_context(run_json + ": as_of");
  run.as_of = *date;

  const std::string awards = path("awards.csv");
  run.source = awards;
  SUBSIDY_RETURN_IF_ERROR(for_each_row(
      awards, {"enterprise", "region", "program", "pool", "granted"},
      [&](int64_t line, const std::vector<std::string_view>& cells) -> Status {
        Result<Money> granted = parse_money(cells[4]);
        if (!granted.ok()) {
          return granted.status().with_context(fmt::format("{}:{}: granted", awards, line));
        }
        if (*granted <= Money::zero()) return Status::Ok();
        LedgerEvent event;
        event.date = run.as_of;
        event.type = LedgerEventType::kArranged;
        event.pool = top_pool(cells[3]);
        event.program = std::string(cells[2]);
        event.region = std::string(cells[1]);
        event.enterprise = std::string(cells[0]);
        event.amount = *granted;
        event.voucher = fmt::format("run:{}:{}:{}", run.run_id, cells[2], cells[0]);
        event.line = line;
        run.arranged.push_back(std::move(event));
        return Status::Ok();
      }));

  const std::string pools = path("pools.csv");
  SUBSIDY_RETURN_IF_ERROR(for_each_row(
      pools, {"pool", "received"},
      [&](int64_t line, const std::vector<std::string_view>& cells) -> Status {
        // Split children and own budgets have no received of their own.
        if (cells[1].empty() || cells[0].find_first_of("/:") != std::string_view::npos) {
          return Status::Ok();
        }
        Result<Money> received = parse_money(cells[1]);
        if (!received.ok()) {
          return received.status().with_context(fmt::format("{}:{}: received", pools, line));
        }
        run.received.emplace_back(std::string(cells[0]), *received);
        return Status::Ok();
      }));
  return run;
}

}  // namespace subsidy
