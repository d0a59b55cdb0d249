// Execution ratios (SPEC §8) as of a date, by pool, region or program, over the ledger's events of
// the as-of date's fiscal year up to and including that date.
//
//   using namespace subsidy;
//   Result<Ledger> ledger = Ledger::open_existing("ledger.db");
//   Result<ExecutionReport> report = execution_report(*ledger, *parse_date("2023-12-31"));
//   arrangement_ratio(report->rows[0]);   // "88.89%": arranged / received
//   expenditure_ratio(report->rows[0]);   // "83.82%": disbursed / received
//   std::string csv = execution_csv(*report);
//
// Every ratio is computed exactly and rounded once, to 2 decimals of a percent, half-up (halves
// away from zero). A zero denominator gives "n/a", never a division by zero; so does a lag built on
// one. Fiscal years are calendar years.
#pragma once

#include <string>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/money.hpp"

namespace subsidy {

struct ExecutionReport {
  Date as_of;
  Date year_start;  // Jan 1 of the as-of date's fiscal year
  LedgerKey by = LedgerKey::kPool;
  FiscalProgress progress;  // days elapsed, the as-of day included, over days in the year
  // One row per key with any event dated on or before as_of (amounts count the fiscal year's
  // events only), ordered by key, events that name no such key ("") last.
  std::vector<LedgerTotals> rows;
  LedgerTotals total;  // over every event, key "total"
};

Result<ExecutionReport> execution_report(const Ledger& ledger, Date as_of,
                                         LedgerKey by = LedgerKey::kPool);

// numerator / denominator as a percentage with 2 decimals, half-up: "88.89%"; "n/a" when the
// denominator is 0.
std::string format_percent(Money numerator, Money denominator);

std::string arrangement_ratio(const LedgerTotals& row);      // arranged / received (安排比例)
std::string expenditure_ratio(const LedgerTotals& row);      // disbursed / received (支出比例)
std::string disbursed_of_arranged(const LedgerTotals& row);  // disbursed / arranged
std::string schedule_progress(const FiscalProgress& progress);  // "49.59%" (序时进度)
// Expenditure ratio − schedule progress in percentage points, computed exactly and rounded once:
// "-16.18"; "n/a" when nothing was received.
std::string schedule_lag(const LedgerTotals& row, const FiscalProgress& progress);

// The report as CSV (key column named by the grouping; amounts in yuan with two decimals; ratios
// as above; no total row), as JSON (amounts and ratios as strings, with the total), and as a
// table for people (with the total).
std::string execution_csv(const ExecutionReport& report);
std::string execution_json(const ExecutionReport& report);
std::string execution_table(const ExecutionReport& report);

}  // namespace subsidy
