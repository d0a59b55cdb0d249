// libFuzzer target: the literal parsers of money.hpp and calendar.hpp on arbitrary text.
//
// Invariants (a violation prints the input and aborts):
//   parse_money   for each plain unit (yuan, wan) and with/without thousands separators, a money
//                 that parses formats with format_yuan and re-parses (default options) to the same
//                 value; format_wan(…, 6) and format_yi(…, 10) are exact and re-parse to it too;
//                 what parses without separators parses the same with them allowed; a plain number
//                 read as wan is 10^4 times the same number read as yuan, unless it carries its own
//                 万/亿 suffix (then both are the same).
//   parse_rate    parse → format_rate → parse gives the same rate, and format_rate is a fixed point.
//   parse_date    to_string() of a parsed date is the input text; from_ymd of its parts agrees.
//   parse_rounding_mode / parse_unit: a name that parses is the canonical name.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "subsidy/calendar.hpp"
#include "subsidy/money.hpp"

namespace {

using subsidy::Money;
using subsidy::ParseMoneyOptions;
using subsidy::Result;
using subsidy::Unit;

std::string_view g_input;

[[noreturn]] void fail(const std::string& what) {
  std::string quoted;
  for (const char c : g_input) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '\\' && c != '"') {
      quoted.push_back(c);
    } else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", byte);
      quoted += escape;
    }
  }
  std::fprintf(stderr, "money_fuzz: invariant violated on \"%s\": %s\n", quoted.c_str(),
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string fen_text(Money money) { return std::to_string(money.fen()) + " fen"; }

// `text` must parse with default options to `expected`.
void expect_reparse(const std::string& text, Money expected, const char* what) {
  const Result<Money> again = subsidy::parse_money(text);
  if (!again.ok()) {
    fail(std::string(what) + " \"" + text + "\" of " + fen_text(expected) +
         " does not parse: " + again.status().message());
  }
  if (*again != expected) {
    fail(std::string(what) + " \"" + text + "\" of " + fen_text(expected) + " parses as " +
         fen_text(*again));
  }
}

void check_money(std::string_view text, const ParseMoneyOptions& options) {
  const Result<Money> money = subsidy::parse_money(text, options);
  if (!money.ok()) {
    if (money.status().message().empty()) fail("parse_money: an error without a message");
    return;
  }
  expect_reparse(subsidy::format_yuan(*money), *money, "format_yuan");
  expect_reparse(subsidy::format_wan(*money, 6, subsidy::RoundingMode::kHalfEven), *money,
                 "format_wan(6)");
  expect_reparse(subsidy::format_yi(*money, 10, subsidy::RoundingMode::kDown), *money,
                 "format_yi(10)");
  // Rounded reports only have to format (they must not throw for any amount).
  for (int decimals = 0; decimals <= 2; ++decimals) {
    (void)subsidy::format_wan(*money, decimals, subsidy::RoundingMode::kUp);
    (void)subsidy::format_yi(*money, decimals, subsidy::RoundingMode::kHalfUp);
  }
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void check_money_relations(std::string_view text) {
  const Result<Money> yuan = subsidy::parse_money(text, {Unit::kYuan, false});
  const Result<Money> yuan_sep = subsidy::parse_money(text, {Unit::kYuan, true});
  const Result<Money> wan = subsidy::parse_money(text, {Unit::kWan, false});
  const Result<Money> wan_sep = subsidy::parse_money(text, {Unit::kWan, true});
  if (yuan.ok() && (!yuan_sep.ok() || *yuan_sep != *yuan)) {
    fail("parses as " + fen_text(*yuan) + " but with separators allowed " +
         (yuan_sep.ok() ? fen_text(*yuan_sep) : yuan_sep.status().message()));
  }
  if (wan.ok() && (!wan_sep.ok() || *wan_sep != *wan)) {
    fail("parses in wan as " + fen_text(*wan) + " but with separators allowed " +
         (wan_sep.ok() ? fen_text(*wan_sep) : wan_sep.status().message()));
  }
  const bool own_suffix = ends_with(text, "万") || ends_with(text, "亿");
  for (const auto& [in_yuan, in_wan] : {std::pair(&yuan, &wan), std::pair(&yuan_sep, &wan_sep)}) {
    if (!in_yuan->ok()) continue;
    const __int128 expected = own_suffix ? static_cast<__int128>((*in_yuan)->fen())
                                         : static_cast<__int128>((*in_yuan)->fen()) * 10'000;
    const bool fits = expected >= INT64_MIN && expected <= INT64_MAX;
    if (fits && !in_wan->ok()) {
      fail("parses as " + fen_text(**in_yuan) + " in yuan but not in wan: " +
           in_wan->status().message());
    }
    if (in_wan->ok() && static_cast<__int128>((*in_wan)->fen()) != expected) {
      fail("parses as " + fen_text(**in_yuan) + " in yuan but " + fen_text(**in_wan) + " in wan");
    }
  }
}

void check_rate(std::string_view text) {
  const Result<subsidy::Rate> rate = subsidy::parse_rate(text);
  if (!rate.ok()) return;
  const std::string formatted = subsidy::format_rate(*rate);
  const Result<subsidy::Rate> again = subsidy::parse_rate(formatted);
  if (!again.ok()) {
    fail("format_rate gives \"" + formatted + "\", which does not parse: " +
         again.status().message());
  }
  if (*again != *rate) {
    fail("rate " + std::to_string(rate->nanos()) + " nanos formats as \"" + formatted +
         "\", which parses as " + std::to_string(again->nanos()));
  }
  if (subsidy::format_rate(*again) != formatted) fail("format_rate is not a fixed point");
}

void check_date(std::string_view text) {
  const Result<subsidy::Date> date = subsidy::parse_date(text);
  if (!date.ok()) return;
  const std::string formatted = date->to_string();
  if (formatted != text) fail("parse_date then to_string gives \"" + formatted + "\"");
  const Result<subsidy::Date> rebuilt = subsidy::Date::from_ymd(date->year(), date->month(), date->day());
  if (!rebuilt.ok() || *rebuilt != *date) fail("from_ymd of the parsed date's parts disagrees");
  if (date->day_of_year() < 1 || date->day_of_year() > 366) fail("day_of_year out of 1..366");
}

void check_names(std::string_view text) {
  const Result<subsidy::RoundingMode> mode = subsidy::parse_rounding_mode(text);
  if (mode.ok() && subsidy::rounding_mode_name(*mode) != text) {
    fail("parse_rounding_mode accepts a name that is not canonical");
  }
  const Result<Unit> unit = subsidy::parse_unit(text);
  if (unit.ok() && subsidy::unit_name(*unit) != text) {
    fail("parse_unit accepts a name that is not canonical");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  g_input = text;
  for (const Unit unit : {Unit::kYuan, Unit::kWan}) {
    for (const bool separators : {false, true}) check_money(text, {unit, separators});
  }
  check_money_relations(text);
  check_rate(text);
  check_date(text);
  check_names(text);
  return 0;
}
