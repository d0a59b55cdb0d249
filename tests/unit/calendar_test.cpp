// Calendar dates, whole years and months between dates, quarters and fiscal-year progress (SPEC §3,
// §5 age_years/age_months, §8 序时进度). The day serials are checked against a calendar computed here
// by hand, so that a slip in the Boost.Gregorian glue (the epoch, the sign of a serial) shows.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "subsidy/calendar.hpp"
#include "subsidy/status.hpp"

using namespace subsidy;

namespace {

Date D(std::string_view text) {
  Result<Date> date = parse_date(text);
  EXPECT_TRUE(date.ok()) << "\"" << text << "\": " << date.status().message();
  return date.ok() ? *date : Date();
}

// The proleptic Gregorian rule, restated rather than taken from the code under test.
bool LeapByHand(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int MonthLengthByHand(int year, int month) {
  static constexpr int kLengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && LeapByHand(year) ? 29 : kLengths[month - 1];
}

// Days from 1970-01-01 to year-01-01, counted a year at a time (either side of the epoch).
int32_t SerialOfJan1ByHand(int year) {
  int32_t days = 0;
  for (int y = 1970; y < year; ++y) days += LeapByHand(y) ? 366 : 365;
  for (int y = year; y < 1970; ++y) days -= LeapByHand(y) ? 366 : 365;
  return days;
}

std::string Iso(int year, int month, int day) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
  return buffer;
}

void ExpectDateError(std::string_view text, const std::string& message) {
  Result<Date> date = parse_date(text);
  ASSERT_FALSE(date.ok()) << "\"" << text << "\" parsed as " << date->to_string();
  EXPECT_EQ(date.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(date.status().message(), message);
}

// ---------------------------------------------------------------------------------------------
// Parsing

TEST(CalendarParse, ValidDates) {
  const Date date = D("2023-06-30");
  EXPECT_EQ(date.year(), 2023);
  EXPECT_EQ(date.month(), 6);
  EXPECT_EQ(date.day(), 30);
  EXPECT_EQ(date.to_string(), "2023-06-30");
  EXPECT_EQ(D("2024-02-29").to_string(), "2024-02-29");
  EXPECT_EQ(D("2000-02-29").to_string(), "2000-02-29");
  EXPECT_EQ(D("1400-01-01").to_string(), "1400-01-01");
  EXPECT_EQ(D("9999-12-31").to_string(), "9999-12-31");
  EXPECT_EQ(D("1969-12-31").serial(), -1);
  EXPECT_EQ(D("1970-01-01").serial(), 0);
}

TEST(CalendarParse, ErrorsNameTheTextAndTheReason) {
  ExpectDateError("2023-6-30", "invalid date \"2023-6-30\": expected YYYY-MM-DD");
  ExpectDateError("2023-02-29", "invalid date \"2023-02-29\": day 29 is not in 2023-02");
  ExpectDateError("2024-02-30", "invalid date \"2024-02-30\": day 30 is not in 2024-02");
  ExpectDateError("1900-02-29", "invalid date \"1900-02-29\": day 29 is not in 1900-02");
  ExpectDateError("2023-04-31", "invalid date \"2023-04-31\": day 31 is not in 2023-04");
  ExpectDateError("2023-01-00", "invalid date \"2023-01-00\": day 0 is not in 2023-01");
  ExpectDateError("2023-13-01", "invalid date \"2023-13-01\": month 13 is not 1..12");
  ExpectDateError("2023-00-10", "invalid date \"2023-00-10\": month 0 is not 1..12");
  ExpectDateError("1399-12-31", "invalid date \"1399-12-31\": year 1399 is outside 1400..9999");
  ExpectDateError("0000-01-01", "invalid date \"0000-01-01\": year 0 is outside 1400..9999");
  for (std::string_view bad : {"20230630", "2023/06/30", "", "2023-06-30 ", " 2023-06-30",
                               "2023-06-3a", "+023-06-30", "2023-06-30T00", "23-06-30",
                               "2023-0630-", "２０２３-06-30"}) {
    ExpectDateError(bad, "invalid date \"" + std::string(bad) + "\": expected YYYY-MM-DD");
  }
}

TEST(CalendarParse, FromYmdErrorsAreOutOfRange) {
  const Result<Date> feb29 = Date::from_ymd(2023, 2, 29);
  ASSERT_FALSE(feb29.ok());
  EXPECT_EQ(feb29.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(feb29.status().message(), "day 29 is not in 2023-02");
  const Result<Date> year = Date::from_ymd(10000, 1, 1);
  ASSERT_FALSE(year.ok());
  EXPECT_EQ(year.status().message(), "year 10000 is outside 1400..9999");
  const Result<Date> month = Date::from_ymd(2023, -1, 1);
  ASSERT_FALSE(month.ok());
  EXPECT_EQ(month.status().message(), "month -1 is not 1..12");
}

// ---------------------------------------------------------------------------------------------
// Serials and fields

TEST(DateSerial, KnownSerials) {
  EXPECT_EQ(Date::from_ymd(1970, 1, 1)->serial(), 0);
  EXPECT_EQ(Date().serial(), 0);
  EXPECT_EQ(Date().to_string(), "1970-01-01");
  EXPECT_EQ(Date::from_ymd(1970, 1, 2)->serial(), 1);
  EXPECT_EQ(Date::from_ymd(2000, 1, 1)->serial(), 10957);
  EXPECT_EQ(Date::from_ymd(2000, 3, 1)->serial(), 11017);  // 10957 + 31 + 29
  EXPECT_EQ(Date::from_ymd(1969, 12, 31)->serial(), -1);
  EXPECT_EQ(Date::from_ymd(1400, 1, 1)->serial(), SerialOfJan1ByHand(1400));
  EXPECT_EQ(Date::from_ymd(9999, 12, 31)->serial(), SerialOfJan1ByHand(10000) - 1);
  EXPECT_EQ(Date::from_serial(11017).to_string(), "2000-03-01");
  EXPECT_EQ(Date::from_serial(-1).to_string(), "1969-12-31");
}

TEST(DateSerial, EveryDayFrom1999To2030RoundTrips) {
  int32_t serial = SerialOfJan1ByHand(1999);
  int days = 0;
  for (int year = 1999; year <= 2030; ++year) {
    int day_of_year = 0;
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= MonthLengthByHand(year, month); ++day, ++serial, ++days) {
        ++day_of_year;
        const std::string iso = Iso(year, month, day);
        const Result<Date> date = Date::from_ymd(year, month, day);
        ASSERT_TRUE(date.ok()) << iso << ": " << date.status().message();
        ASSERT_EQ(date->serial(), serial) << iso;
        const Date back = Date::from_serial(serial);
        ASSERT_EQ(back.year(), year) << iso;
        ASSERT_EQ(back.month(), month) << iso;
        ASSERT_EQ(back.day(), day) << iso;
        ASSERT_EQ(back.day_of_year(), day_of_year) << iso;
        ASSERT_EQ(back.to_string(), iso);
        ASSERT_EQ(parse_date(iso)->serial(), serial) << iso;
      }
    }
    ASSERT_EQ(day_of_year, LeapByHand(year) ? 366 : 365);
  }
  // 32 years, 8 of them leap (2000, 2004, …, 2028).
  EXPECT_EQ(days, 32 * 365 + 8);
}

TEST(DateSerial, Ordering) {
  EXPECT_LT(D("2023-06-29"), D("2023-06-30"));
  EXPECT_LT(D("1969-12-31"), D("1970-01-01"));
  EXPECT_EQ(D("2023-06-30"), *Date::from_ymd(2023, 6, 30));
  EXPECT_GT(D("2024-01-01"), D("2023-12-31"));
}

// ---------------------------------------------------------------------------------------------
// Calendar facts

TEST(CalendarFacts, LeapYears) {
  EXPECT_FALSE(is_leap_year(1900));  // divisible by 100, not by 400
  EXPECT_TRUE(is_leap_year(2000));   // divisible by 400
  EXPECT_FALSE(is_leap_year(2023));
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_FALSE(is_leap_year(2100));
}

TEST(CalendarFacts, DaysInMonthAndYear) {
  const int lengths_2023[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int month = 1; month <= 12; ++month) {
    EXPECT_EQ(days_in_month(2023, month), lengths_2023[month - 1]) << month;
    EXPECT_EQ(days_in_month(2024, month), month == 2 ? 29 : lengths_2023[month - 1]) << month;
  }
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_year(2023), 365);
  EXPECT_EQ(days_in_year(2024), 366);
  EXPECT_EQ(days_in_year(1900), 365);
  EXPECT_EQ(days_in_year(2000), 366);
}

TEST(CalendarFacts, QuarterOfEachMonth) {
  for (int month = 1; month <= 12; ++month) {
    const int expected = month <= 3 ? 1 : month <= 6 ? 2 : month <= 9 ? 3 : 4;
    EXPECT_EQ(quarter_of(*Date::from_ymd(2023, month, 1)), expected) << month;
    EXPECT_EQ(quarter_of(*Date::from_ymd(2023, month, days_in_month(2023, month))), expected)
        << month;
  }
}

// ---------------------------------------------------------------------------------------------
// Whole years and months (age_years / age_months)

TEST(CalendarWholeYears, Feb29Anniversaries) {
  // In a common year the anniversary of Feb 29 is Mar 1 (SPEC §5).
  const Date leap_day = D("2020-02-29");
  EXPECT_EQ(whole_years_between(leap_day, D("2021-02-28")), 0);
  EXPECT_EQ(whole_years_between(leap_day, D("2021-03-01")), 1);
  EXPECT_EQ(whole_years_between(leap_day, D("2024-02-28")), 3);
  EXPECT_EQ(whole_years_between(leap_day, D("2024-02-29")), 4);
  EXPECT_EQ(whole_years_between(leap_day, D("2024-03-01")), 4);
  // Mar 1 of a leap year: the anniversary is Mar 1, never Feb 29.
  EXPECT_EQ(whole_years_between(D("2019-03-01"), D("2020-02-29")), 0);
  EXPECT_EQ(whole_years_between(D("2019-03-01"), D("2020-03-01")), 1);
}

TEST(CalendarWholeYears, OnAndAroundTheAnniversary) {
  const Date founded = D("2020-06-30");
  EXPECT_EQ(whole_years_between(founded, D("2023-06-30")), 3);  // the anniversary itself counts
  EXPECT_EQ(whole_years_between(founded, D("2023-06-29")), 2);
  EXPECT_EQ(whole_years_between(founded, D("2023-07-01")), 3);
  EXPECT_EQ(whole_years_between(founded, founded), 0);
  EXPECT_EQ(whole_years_between(D("2022-12-31"), D("2023-01-01")), 0);
  EXPECT_EQ(whole_years_between(D("1400-01-01"), D("9999-12-31")), 8599);
}

TEST(CalendarWholeYears, FromAfterToIsNull) {
  EXPECT_EQ(whole_years_between(D("2023-07-01"), D("2023-06-30")), std::nullopt);
  EXPECT_EQ(whole_years_between(D("2024-01-01"), D("2023-12-31")), std::nullopt);
}

TEST(CalendarWholeMonths, MonthEndAnniversaries) {
  // The 31st's anniversary in a month without one is the 1st of the next month.
  const Date jan31 = D("2023-01-31");
  EXPECT_EQ(whole_months_between(jan31, D("2023-02-28")), 0);
  EXPECT_EQ(whole_months_between(jan31, D("2023-03-01")), 1);
  EXPECT_EQ(whole_months_between(jan31, D("2023-03-30")), 1);
  EXPECT_EQ(whole_months_between(jan31, D("2023-03-31")), 2);
  EXPECT_EQ(whole_months_between(jan31, D("2023-04-30")), 2);  // April's anniversary is May 1
  EXPECT_EQ(whole_months_between(jan31, D("2023-05-01")), 3);
  // In a leap year Feb 29 still lacks the 31st, and has the 29th.
  EXPECT_EQ(whole_months_between(D("2024-01-31"), D("2024-02-29")), 0);
  EXPECT_EQ(whole_months_between(D("2024-01-31"), D("2024-03-01")), 1);
  EXPECT_EQ(whole_months_between(D("2023-01-29"), D("2023-02-28")), 0);
  EXPECT_EQ(whole_months_between(D("2023-01-29"), D("2023-03-01")), 1);
  EXPECT_EQ(whole_months_between(D("2024-01-29"), D("2024-02-29")), 1);
  EXPECT_EQ(whole_months_between(D("2023-03-31"), D("2023-04-30")), 0);
  EXPECT_EQ(whole_months_between(D("2023-03-31"), D("2023-05-01")), 1);
}

TEST(CalendarWholeMonths, AcrossYears) {
  EXPECT_EQ(whole_months_between(D("2022-11-15"), D("2023-02-14")), 2);
  EXPECT_EQ(whole_months_between(D("2022-11-15"), D("2023-02-15")), 3);
  EXPECT_EQ(whole_months_between(D("2022-12-31"), D("2023-01-31")), 1);
  EXPECT_EQ(whole_months_between(D("2022-12-31"), D("2023-02-28")), 1);
  EXPECT_EQ(whole_months_between(D("2022-12-31"), D("2023-03-01")), 2);
  EXPECT_EQ(whole_months_between(D("2020-06-30"), D("2023-06-30")), 36);
  EXPECT_EQ(whole_months_between(D("2020-06-30"), D("2023-06-29")), 35);
  EXPECT_EQ(whole_months_between(D("2023-06-30"), D("2023-06-30")), 0);
}

TEST(CalendarWholeMonths, FromAfterToIsNull) {
  EXPECT_EQ(whole_months_between(D("2023-06-30"), D("2023-06-29")), std::nullopt);
  EXPECT_EQ(whole_months_between(D("2024-01-01"), D("2023-12-31")), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Fiscal-year progress (序时进度)

void ExpectProgress(std::string_view as_of, int start_month, int elapsed, int days) {
  const FiscalProgress progress = fiscal_year_progress(D(as_of), start_month);
  EXPECT_EQ(progress.days_elapsed, elapsed) << as_of << " start " << start_month;
  EXPECT_EQ(progress.days_in_year, days) << as_of << " start " << start_month;
}

TEST(CalendarFiscalProgress, CalendarYears) {
  ExpectProgress("2023-01-01", 1, 1, 365);  // the as-of day itself counts
  ExpectProgress("2023-12-31", 1, 365, 365);
  ExpectProgress("2024-12-31", 1, 366, 366);
  ExpectProgress("2023-06-30", 1, 181, 365);
  ExpectProgress("2024-06-30", 1, 182, 366);
  ExpectProgress("2024-03-01", 1, 61, 366);
  // The default start month is January.
  const FiscalProgress progress = fiscal_year_progress(D("2023-06-30"));
  EXPECT_EQ(progress.days_elapsed, 181);
  EXPECT_EQ(progress.days_in_year, 365);
}

TEST(CalendarFiscalProgress, AprilFiscalYears) {
  // The fiscal year 2023-04-01..2024-03-31 contains Feb 29 2024.
  ExpectProgress("2024-03-31", 4, 366, 366);
  ExpectProgress("2023-04-01", 4, 1, 366);
  ExpectProgress("2024-01-01", 4, 276, 366);  // Apr..Dec 2023 is 275 days
  // The one before it, 2022-04-01..2023-03-31, does not.
  ExpectProgress("2023-03-31", 4, 365, 365);
  ExpectProgress("2022-04-01", 4, 1, 365);
}

TEST(CalendarFiscalProgress, OtherStartMonths) {
  // 2023-10-01..2024-09-30 (as the US federal year) contains Feb 29 2024.
  ExpectProgress("2023-10-01", 10, 1, 366);
  ExpectProgress("2024-09-30", 10, 366, 366);
  // 2023-07-01..2024-06-30: Jul..Dec 2023 is 184 days.
  ExpectProgress("2023-12-31", 7, 184, 366);
  ExpectProgress("2023-06-30", 7, 365, 365);
  // A December start: 2023-12-01..2024-11-30.
  ExpectProgress("2023-12-01", 12, 1, 366);
  ExpectProgress("2023-11-30", 12, 365, 365);
}

}  // namespace
