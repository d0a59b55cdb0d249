// Dates as day serials over Boost.Gregorian's calendar arithmetic.
#include "subsidy/calendar.hpp"

#include <fmt/format.h>

#include <boost/date_time/gregorian/gregorian.hpp>

namespace subsidy {

namespace {

namespace greg = boost::gregorian;

// Julian day number of 1970-01-01, the serial's zero.
const uint32_t kEpochDayNumber =
    greg::gregorian_calendar::day_number(greg::greg_year_month_day(1970, 1, 1));

greg::greg_year_month_day to_ymd(int32_t serial) {
  return greg::gregorian_calendar::from_day_number(
      static_cast<greg::gregorian_calendar::date_int_type>(kEpochDayNumber + serial));
}

int parse_digits(std::string_view text, size_t pos, size_t count, bool* ok) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      *ok = false;
      return 0;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

bool is_leap_year(int year) { return greg::gregorian_calendar::is_leap_year(year); }

int days_in_month(int year, int month) {
  return greg::gregorian_calendar::end_of_month_day(year, month);
}

int days_in_year(int year) { return is_leap_year(year) ? 366 : 365; }

Result<Date> Date::from_ymd(int year, int month, int day) {
  if (year < 1400 || year > 9999) {
    return out_of_range(fmt::format("year {} is outside 1400..9999", year));
  }
  if (month < 1 || month > 12) {
    return out_of_range(fmt::format("month {} is not 1..12", month));
  }
  if (day < 1 || day > days_in_month(year, month)) {
    return out_of_range(fmt::format("day {} is not in {:04}-{:02}", day, year, month));
  }
  const uint32_t day_number = greg::gregorian_calendar::day_number(greg::greg_year_month_day(
      static_cast<unsigned short>(year), static_cast<unsigned short>(month),
      static_cast<unsigned short>(day)));
  return Date(static_cast<int32_t>(static_cast<int64_t>(day_number) - kEpochDayNumber));
}

int Date::year() const { return to_ymd(serial_).year; }
int Date::month() const { return to_ymd(serial_).month; }
int Date::day() const { return to_ymd(serial_).day; }

int Date::day_of_year() const {
  const auto ymd = to_ymd(serial_);
  const uint32_t jan1 =
      greg::gregorian_calendar::day_number(greg::greg_year_month_day(ymd.year, 1, 1));
  return static_cast<int>(kEpochDayNumber + serial_ - jan1) + 1;
}

std::string Date::to_string() const {
  const auto ymd = to_ymd(serial_);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year), static_cast<int>(ymd.month),
                     static_cast<int>(ymd.day));
}

Result<Date> parse_date(std::string_view text) {
  bool ok = text.size() == 10 && text[4] == '-' && text[7] == '-';
  int year = 0, month = 0, day = 0;
  if (ok) {
    year = parse_digits(text, 0, 4, &ok);
    month = parse_digits(text, 5, 2, &ok);
    day = parse_digits(text, 8, 2, &ok);
  }
  if (!ok) return invalid_argument(fmt::format("invalid date \"{}\": expected YYYY-MM-DD", text));
  Result<Date> date = Date::from_ymd(year, month, day);
  if (!date.ok()) {
    return invalid_argument(fmt::format("invalid date \"{}\": {}", text, date.status().message()));
  }
  return date;
}

// Counting anniversaries: with the rule that a missing day's anniversary is the 1st of the next
// month, the anniversary of (m1, d1) falls on or before (m2, d2) exactly when (m1, d1) <= (m2, d2)
// lexicographically, because d2 can never exceed the length of its own month.
std::optional<int> whole_years_between(Date from, Date to) {
  if (from > to) return std::nullopt;
  const auto a = to_ymd(from.serial());
  const auto b = to_ymd(to.serial());
  int years = b.year - a.year;
  if (b.month < a.month || (b.month == a.month && b.day < a.day)) --years;
  return years;
}

std::optional<int> whole_months_between(Date from, Date to) {
  if (from > to) return std::nullopt;
  const auto a = to_ymd(from.serial());
  const auto b = to_ymd(to.serial());
  int months = (b.year - a.year) * 12 + (b.month - a.month);
  if (b.day < a.day) --months;
  return months;
}

int quarter_of(Date date) { return (date.month() - 1) / 3 + 1; }

FiscalProgress fiscal_year_progress(Date as_of, int start_month) {
  if (start_month < 1 || start_month > 12) {
    throw std::invalid_argument("fiscal_year_progress: start_month must be 1..12");
  }
  const auto ymd = to_ymd(as_of.serial());
  const int year = ymd.year;
  const int start_year = ymd.month >= start_month ? year : year - 1;
  const uint32_t start = greg::gregorian_calendar::day_number(greg::greg_year_month_day(
      static_cast<unsigned short>(start_year), static_cast<unsigned short>(start_month), 1));
  // A fiscal year holds a Feb 29 when it starts on or before Feb of a leap year, or after Feb of
  // a year followed by a leap year. Counted, not constructed, so that the year 9999 works too.
  const bool has_leap_day = start_month <= 2 ? is_leap_year(start_year) : is_leap_year(start_year + 1);
  const int elapsed = static_cast<int>(kEpochDayNumber + as_of.serial() - start) + 1;
  return FiscalProgress{elapsed, has_leap_day ? 366 : 365};
}

}  // namespace subsidy
