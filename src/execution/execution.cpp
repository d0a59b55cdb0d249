// Execution ratios over the ledger's sums, and their tables.
#include "subsidy/execution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/csv.hpp"
#include "common/int128_text.hpp"

namespace subsidy {

namespace {

// numerator / denominator × 100 to 2 decimals, half-up: "-16.18".
std::string hundredths(Int128 numerator, Int128 denominator) {
  return internal::decimal_quotient_text(numerator * 100, denominator, 2);
}

std::string key_text(const std::string& key) { return key.empty() ? "(none)" : key; }

}  // namespace

std::string format_percent(Money numerator, Money denominator) {
  if (denominator.is_zero()) return "n/a";
  return hundredths(numerator.fen(), denominator.fen()) + "%";
}

std::string arrangement_ratio(const LedgerTotals& row) {
  return format_percent(row.arranged, row.received);
}
std::string expenditure_ratio(const LedgerTotals& row) {
  return format_percent(row.disbursed, row.received);
}
std::string disbursed_of_arranged(const LedgerTotals& row) {
  return format_percent(row.disbursed, row.arranged);
}

std::string schedule_progress(const FiscalProgress& progress) {
  return hundredths(progress.days_elapsed, progress.days_in_year) + "%";
}

std::string schedule_lag(const LedgerTotals& row, const FiscalProgress& progress) {
  if (row.received.is_zero()) return "n/a";
  // disbursed / received − days / year = (disbursed·year − days·received) / (received·year)
  const Int128 year = progress.days_in_year;
  return hundredths(static_cast<Int128>(row.disbursed.fen()) * year -
                        static_cast<Int128>(progress.days_elapsed) * row.received.fen(),
                    static_cast<Int128>(row.received.fen()) * year);
}

Result<ExecutionReport> execution_report(const Ledger& ledger, Date as_of, LedgerKey by) {
  ExecutionReport report;
  report.as_of = as_of;
  report.by = by;
  SUBSIDY_ASSIGN_OR_RETURN(report.year_start, Date::from_ymd(as_of.year(), 1, 1));
  report.progress = fiscal_year_progress(as_of);
  SUBSIDY_ASSIGN_OR_RETURN(report.rows, ledger.totals(report.year_start, as_of, by));
  report.total.key = "total";
  for (const LedgerTotals& row : report.rows) {
    report.total.received += row.received;
    report.total.arranged += row.arranged;
    report.total.disbursed += row.disbursed;
    report.total.returned += row.returned;
  }
  return report;
}

std::string execution_csv(const ExecutionReport& report) {
  std::string out = fmt::format(
      "{},received,arranged,disbursed,returned,arrangement_ratio,expenditure_ratio,"
      "disbursed_of_arranged,schedule_progress,lag\n",
      ledger_key_name(report.by));
  const std::string schedule = schedule_progress(report.progress);
  for (const LedgerTotals& row : report.rows) {
    internal::append_csv_field(out, row.key);
    out += fmt::format(",{},{},{},{},{},{},{},{},{}\n", format_yuan(row.received),
                       format_yuan(row.arranged), format_yuan(row.disbursed),
                       format_yuan(row.returned), arrangement_ratio(row), expenditure_ratio(row),
                       disbursed_of_arranged(row), schedule, schedule_lag(row, report.progress));
  }
  return out;
}

std::string execution_json(const ExecutionReport& report) {
  auto row_json = [&](const LedgerTotals& row) {
    return nlohmann::ordered_json{{std::string(ledger_key_name(report.by)), row.key},
                                  {"received", format_yuan(row.received)},
                                  {"arranged", format_yuan(row.arranged)},
                                  {"disbursed", format_yuan(row.disbursed)},
                                  {"returned", format_yuan(row.returned)},
                                  {"arrangement_ratio", arrangement_ratio(row)},
                                  {"expenditure_ratio", expenditure_ratio(row)},
                                  {"disbursed_of_arranged", disbursed_of_arranged(row)},
                                  {"lag", schedule_lag(row, report.progress)}};
  };
  nlohmann::ordered_json json;
  json["as_of"] = report.as_of.to_string();
  json["fiscal_year_start"] = report.year_start.to_string();
  json["by"] = std::string(ledger_key_name(report.by));
  json["days_elapsed"] = report.progress.days_elapsed;
  json["days_in_year"] = report.progress.days_in_year;
  json["schedule_progress"] = schedule_progress(report.progress);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const LedgerTotals& row : report.rows) rows.push_back(row_json(row));
  json["rows"] = rows;
  nlohmann::ordered_json total = row_json(report.total);
  total.erase(std::string(ledger_key_name(report.by)));
  json["total"] = total;
  return json.dump(2) + "\n";
}

std::string execution_table(const ExecutionReport& report) {
  std::string out = fmt::format(
      "execution as of {} (fiscal year from {}: day {} of {}, schedule progress {}), by {}\n",
      report.as_of.to_string(), report.year_start.to_string(), report.progress.days_elapsed,
      report.progress.days_in_year, schedule_progress(report.progress), ledger_key_name(report.by));
  std::vector<const LedgerTotals*> rows;
  for (const LedgerTotals& row : report.rows) rows.push_back(&row);
  rows.push_back(&report.total);
  size_t width = ledger_key_name(report.by).size();
  for (const LedgerTotals* row : rows) width = std::max(width, key_text(row->key).size());
  out += fmt::format("  {:<{}}  {:>16}  {:>16}  {:>16}  {:>9}  {:>9}  {:>9}  {:>8}\n",
                     ledger_key_name(report.by), width, "received", "arranged", "disbursed",
                     "arranged", "spent", "spent of", "lag (pp)");
  out += fmt::format("  {:<{}}  {:>16}  {:>16}  {:>16}  {:>9}  {:>9}  {:>9}  {:>8}\n", "", width,
                     "", "", "", "/received", "/received", "arranged", "");
  for (const LedgerTotals* row : rows) {
    out += fmt::format("  {:<{}}  {:>16}  {:>16}  {:>16}  {:>9}  {:>9}  {:>9}  {:>8}\n",
                       key_text(row->key), width, format_yuan(row->received),
                       format_yuan(row->arranged), format_yuan(row->disbursed),
                       arrangement_ratio(*row), expenditure_ratio(*row),
                       disbursed_of_arranged(*row), schedule_lag(*row, report.progress));
  }
  return out;
}

}  // namespace subsidy
