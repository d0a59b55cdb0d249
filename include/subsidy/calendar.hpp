// Calendar dates, whole years and months between dates, and fiscal-year progress (SPEC §3, §8).
//
// A Date is a day serial (days since 1970-01-01) so that columns of dates are plain int32 arrays;
// the calendar arithmetic behind it is Boost.Gregorian's, kept out of this header.
//
//   using namespace subsidy;
//   Date founded = *parse_date("2020-02-29");
//   Date as_of = *parse_date("2021-02-28");
//   whole_years_between(founded, as_of);   // 0: the anniversary of Feb 29 in 2021 is Mar 1
//   FiscalProgress p = fiscal_year_progress(*parse_date("2023-12-31"));  // {365, 365}
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "subsidy/status.hpp"

namespace subsidy {

class Date {
 public:
  constexpr Date() = default;
  static constexpr Date from_serial(int32_t days_since_epoch) { return Date(days_since_epoch); }
  // An error naming the date when it does not exist (2023-02-29, month 13) or the year is outside
  // 1400..9999 (the range of Boost.Gregorian).
  static Result<Date> from_ymd(int year, int month, int day);

  constexpr int32_t serial() const { return serial_; }
  int year() const;
  int month() const;  // 1..12
  int day() const;    // 1..31
  int day_of_year() const;  // 1..366
  std::string to_string() const;  // ISO "2023-06-30"

  constexpr auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(int32_t serial) : serial_(serial) {}
  int32_t serial_ = 0;
};

// Strict ISO 8601 calendar date "YYYY-MM-DD":
//   invalid date "2023-6-30": expected YYYY-MM-DD
//   invalid date "2023-02-29": day 29 is not in 2023-02
Result<Date> parse_date(std::string_view text);

bool is_leap_year(int year);
int days_in_month(int year, int month);
int days_in_year(int year);

// Whole years (months) from `from` to `to`: the number of anniversaries of `from` on or before `to`.
// The anniversary of a day that the target month lacks (Feb 29 in a common year, the 31st in a
// 30-day month) is the first day of the following month. nullopt when from > to.
std::optional<int> whole_years_between(Date from, Date to);
std::optional<int> whole_months_between(Date from, Date to);

int quarter_of(Date date);  // 1..4

// Progress through the fiscal year that contains `as_of`: days elapsed counting the as-of day itself,
// over the days of that fiscal year. Fiscal years are calendar years (start_month 1) unless a plan
// says otherwise; a fiscal year starting in month m runs from the 1st of m to the day before the
// 1st of m a year later. Dec 31 of a calendar fiscal year gives {365, 365} or {366, 366}.
// start_month outside 1..12 throws std::invalid_argument.
struct FiscalProgress {
  int days_elapsed = 0;
  int days_in_year = 0;
};
FiscalProgress fiscal_year_progress(Date as_of, int start_month = 1);

}  // namespace subsidy
