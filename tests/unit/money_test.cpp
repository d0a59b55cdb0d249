// Money, rates, named rounding and exact splitting (SPEC §3, src/money/). Every expectation is an
// exact value or an exact message: money is int64 fen, so "close enough" is never good enough, and
// the messages are what an operator sees when a plan or a roster cell is rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "subsidy/money.hpp"
#include "subsidy/status.hpp"

using namespace subsidy;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

constexpr RoundingMode kHalfUp = RoundingMode::kHalfUp;
constexpr RoundingMode kHalfEven = RoundingMode::kHalfEven;
constexpr RoundingMode kDown = RoundingMode::kDown;
constexpr RoundingMode kUp = RoundingMode::kUp;

Money Fen(int64_t fen) { return Money::from_fen(fen); }

// The fen a literal parses to, or a failure that shows the parser's message.
int64_t ParsedFen(std::string_view text, const ParseMoneyOptions& options = {}) {
  Result<Money> money = parse_money(text, options);
  EXPECT_TRUE(money.ok()) << "\"" << text << "\": " << money.status().message();
  return money.ok() ? money->fen() : -1;
}

void ExpectMoneyError(std::string_view text, StatusCode code, const std::string& message,
                      const ParseMoneyOptions& options = {}) {
  Result<Money> money = parse_money(text, options);
  ASSERT_FALSE(money.ok()) << "\"" << text << "\" parsed as " << money->fen() << " fen";
  EXPECT_EQ(money.status().code(), code) << text;
  EXPECT_EQ(money.status().message(), message);
}

std::string Malformed(std::string_view text) {
  return "invalid amount \"" + std::string(text) +
         "\": expected a number of yuan such as 1234.5, 1_000, 50万 or 8.1亿";
}
std::string FinerThanFen(std::string_view text) {
  return "amount \"" + std::string(text) + "\" is finer than a fen";
}
std::string OutOfRange(std::string_view text) {
  return "amount \"" + std::string(text) + "\" is out of range";
}

int64_t ParsedNanos(std::string_view text) {
  Result<Rate> rate = parse_rate(text);
  EXPECT_TRUE(rate.ok()) << "\"" << text << "\": " << rate.status().message();
  return rate.ok() ? rate->nanos() : -1;
}

void ExpectRateError(std::string_view text, StatusCode code, const std::string& message) {
  Result<Rate> rate = parse_rate(text);
  ASSERT_FALSE(rate.ok()) << "\"" << text << "\" parsed as " << rate->nanos() << " nanos";
  EXPECT_EQ(rate.status().code(), code) << text;
  EXPECT_EQ(rate.status().message(), message);
}

// Runs `body`, which must throw exactly E (or a subclass), and returns what().
template <class E, class F>
std::string ThrownMessage(F&& body) {
  try {
    body();
  } catch (const E& error) {
    return error.what();
  } catch (const std::exception& other) {
    ADD_FAILURE() << "threw a different exception: " << other.what();
    return "";
  }
  ADD_FAILURE() << "did not throw";
  return "";
}

Rate R(std::string_view text) { return *parse_rate(text); }

std::vector<int64_t> FenOf(const std::vector<Money>& parts) {
  std::vector<int64_t> out;
  out.reserve(parts.size());
  for (Money part : parts) out.push_back(part.fen());
  return out;
}

// ---------------------------------------------------------------------------------------------
// parse_money

TEST(MoneyParse, PlainYuan) {
  EXPECT_EQ(ParsedFen("1234.5"), 123450);
  EXPECT_EQ(ParsedFen("0.01"), 1);
  EXPECT_EQ(ParsedFen("-20"), -2000);
  EXPECT_EQ(ParsedFen("0"), 0);
  EXPECT_EQ(ParsedFen("-0"), 0);
  EXPECT_EQ(ParsedFen("-0.05"), -5);
  // Leading zeros are insignificant and trailing fraction zeros do not make a literal finer.
  EXPECT_EQ(ParsedFen("007"), 700);
  EXPECT_EQ(ParsedFen("12.3400"), 1234);
  EXPECT_EQ(ParsedFen("0.10"), 10);
  EXPECT_EQ(ParsedFen("000000000000000000000000000000001"), 100);
}

TEST(MoneyParse, UnderscoreSeparators) {
  EXPECT_EQ(ParsedFen("1_000"), 100000);
  EXPECT_EQ(ParsedFen("1_000_000.50"), 100000050);
  EXPECT_EQ(ParsedFen("-1_0"), -1000);
  // '_' between any two digits, not only in groups of three (it is a reading aid, not a format).
  EXPECT_EQ(ParsedFen("12_34"), 123400);
}

TEST(MoneyParse, ChineseUnits) {
  EXPECT_EQ(ParsedFen("50万"), 50'000'000);            // 500,000 yuan
  EXPECT_EQ(ParsedFen("8.1亿"), 81'000'000'000);       // 810,000,000 yuan (SPEC §3)
  EXPECT_EQ(ParsedFen("67893.05万"), 67'893'050'000);  // 678,930,500 yuan (SPEC §3)
  EXPECT_EQ(ParsedFen("0.5万"), 500'000);
  EXPECT_EQ(ParsedFen("0.000001万"), 1);  // exactly one fen
  EXPECT_EQ(ParsedFen("0.0000000001亿"), 1);
  EXPECT_EQ(ParsedFen("1.00000000亿"), 10'000'000'000);
  EXPECT_EQ(ParsedFen("-3万"), -3'000'000);
  EXPECT_EQ(ParsedFen("1_000万"), 1'000'000'000);
}

TEST(MoneyParse, PlainUnitWan) {
  const ParseMoneyOptions wan{Unit::kWan};
  EXPECT_EQ(ParsedFen("12.5", wan), 12'500'000);  // 125,000 yuan
  EXPECT_EQ(ParsedFen("0.000001", wan), 1);
  // An explicit suffix overrides the column's scale: 3万 stays 3万, not 3万万.
  EXPECT_EQ(ParsedFen("3万", wan), 3'000'000);
  EXPECT_EQ(ParsedFen("2亿", wan), 20'000'000'000);
  ExpectMoneyError("0.0000001", StatusCode::kInvalidArgument, FinerThanFen("0.0000001"), wan);
}

TEST(MoneyParse, ThousandsSeparatorsWhenAllowed) {
  ParseMoneyOptions commas;
  commas.allow_thousands_separators = true;
  EXPECT_EQ(ParsedFen("1,234.50", commas), 123450);
  EXPECT_EQ(ParsedFen("1,234,567", commas), 123456700);
  EXPECT_EQ(ParsedFen("-12,345,678.9", commas), -1234567890);
  EXPECT_EQ(ParsedFen("123,456", commas), 12345600);
  EXPECT_EQ(ParsedFen("1234", commas), 123400);  // separators are optional
  EXPECT_EQ(ParsedFen("1,234万", commas), 1'234'000'000);
  for (std::string_view bad : {"12,34", "1,2345", ",123", "1_000,000", "1,000_000", "1234,567",
                               "1,,234", "1,", "1,234.5,6"}) {
    ExpectMoneyError(bad, StatusCode::kInvalidArgument, Malformed(bad), commas);
  }
}

TEST(MoneyParse, ThousandsSeparatorsRejectedByDefault) {
  ExpectMoneyError("1,234", StatusCode::kInvalidArgument, Malformed("1,234"));
  ExpectMoneyError("1,234.50", StatusCode::kInvalidArgument, Malformed("1,234.50"));
}

TEST(MoneyParse, MalformedTexts) {
  for (std::string_view bad : {"", "abc", "12a", "1__0", "_1", "1_", "1.", ".5", "+5", "1e5",
                               " 5", "5 ", "5万万", "9亿亿", "5万亿", "-", "-万", "万", "1.5_0",
                               "1._5", "--1", "5元", "1.2.3", "0x10"}) {
    ExpectMoneyError(bad, StatusCode::kInvalidArgument, Malformed(bad));
  }
}

TEST(MoneyParse, FinerThanAFen) {
  for (std::string_view bad :
       {"12.345", "0.001", "-0.001", "0.0000001万", "1.000000000001亿", "0.00000000001亿",
        "0.0000000000000000000000000000001"}) {
    ExpectMoneyError(bad, StatusCode::kInvalidArgument, FinerThanFen(bad));
  }
}

TEST(MoneyParse, RangeLimits) {
  // INT64_MAX fen is exactly 92233720368547758.07 yuan.
  EXPECT_EQ(ParsedFen("92233720368547758.07"), kMax);
  EXPECT_EQ(ParsedFen("-92233720368547758.07"), -kMax);
  EXPECT_EQ(ParsedFen("922337203.6854775807亿"), kMax);
  EXPECT_EQ(ParsedFen("9223372036854.775807万"), kMax);
  for (std::string_view too_big :
       {"9223372036854775807", "92233720368547758.08", "92233720368547759", "922337203.6854775808亿",
        "1000000000亿", "1234567890123456789012345678901234567890",
        "-1234567890123456789012345678901234567890"}) {
    ExpectMoneyError(too_big, StatusCode::kOutOfRange, OutOfRange(too_big));
  }
}

// Plain yuan cells ("42000000.00": up to 16 integer digits, up to two decimals) take a fast path in
// parse_money; a trailing fraction zero or a leading zero past 16 digits sends the same value
// through the general scan. Both must agree, so compare them on random amounts.
TEST(MoneyParse, FastPathAgreesWithGeneralScan) {
  EXPECT_EQ(ParsedFen("9999999999999999.99"), 999'999'999'999'999'999);  // 16 digits: fast
  EXPECT_EQ(ParsedFen("09999999999999999.99"), 999'999'999'999'999'999);  // 17: general
  EXPECT_EQ(ParsedFen("12345678901234567.89"), 1'234'567'890'123'456'789);  // 17 digits: general
  ExpectMoneyError("99999999999999999.99", StatusCode::kOutOfRange,
                   OutOfRange("99999999999999999.99"));
  // Malformed plain-looking texts fall through to the general scan's errors.
  ExpectMoneyError("-", StatusCode::kInvalidArgument, Malformed("-"));
  ExpectMoneyError("1.", StatusCode::kInvalidArgument, Malformed("1."));
  ExpectMoneyError("1.2a", StatusCode::kInvalidArgument, Malformed("1.2a"));
  ExpectMoneyError("-1.234", StatusCode::kInvalidArgument, FinerThanFen("-1.234"));
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 5000; ++trial) {
    const int64_t digits = std::uniform_int_distribution<int64_t>(1, 16)(rng);
    int64_t limit = 1;
    for (int64_t i = 0; i < digits; ++i) limit *= 10;
    const int64_t yuan = std::uniform_int_distribution<int64_t>(0, limit - 1)(rng);
    const int64_t cents = std::uniform_int_distribution<int64_t>(0, 99)(rng);
    const int decimals = static_cast<int>(std::uniform_int_distribution<int>(0, 2)(rng));
    const bool negative = (rng() & 1) != 0;
    std::string fast = (negative ? "-" : "") + std::to_string(yuan);
    int64_t expected = yuan * 100;
    if (decimals == 1) {
      fast += "." + std::to_string(cents / 10);
      expected += cents / 10 * 10;
    } else if (decimals == 2) {
      fast += "." + std::string(cents < 10 ? "0" : "") + std::to_string(cents);
      expected += cents;
    }
    if (negative) expected = -expected;
    const std::string general = fast + (decimals == 0 ? ".000" : "0");
    ASSERT_EQ(ParsedFen(fast), expected) << fast;
    ASSERT_EQ(ParsedFen(general), expected) << general;
  }
}

// INT64_MIN fen is a valid Money (format_yuan prints it), so its own text should parse back.
TEST(MoneyParse, MostNegativeAmountRoundTrips) {
  const std::string text = format_yuan(Fen(kMin));
  ASSERT_EQ(text, "-92233720368547758.08");
  EXPECT_EQ(ParsedFen(text), kMin);
}

// ---------------------------------------------------------------------------------------------
// Formatting

TEST(MoneyFormat, Yuan) {
  EXPECT_EQ(format_yuan(Fen(0)), "0.00");
  EXPECT_EQ(format_yuan(Fen(5)), "0.05");
  EXPECT_EQ(format_yuan(Fen(-5)), "-0.05");
  EXPECT_EQ(format_yuan(Fen(123450)), "1234.50");
  EXPECT_EQ(format_yuan(Fen(-123450)), "-1234.50");
  EXPECT_EQ(format_yuan(Fen(100)), "1.00");
  EXPECT_EQ(format_yuan(Fen(kMax)), "92233720368547758.07");
  EXPECT_EQ(format_yuan(Fen(kMin)), "-92233720368547758.08");
}

TEST(MoneyFormat, WanAndYi) {
  EXPECT_EQ(format_wan(*parse_money("67893.05万")), "67893.05万");
  EXPECT_EQ(format_yi(*parse_money("8.1亿")), "8.10亿");
  EXPECT_EQ(format_wan(Fen(0)), "0.00万");
  EXPECT_EQ(format_yi(Fen(0)), "0.00亿");
  EXPECT_EQ(format_wan(*parse_money("-3.5万")), "-3.50万");
  // Decimals 0 and 6 (6 is the fen for 万).
  EXPECT_EQ(format_wan(*parse_money("67893.05万"), 0), "67893万");
  EXPECT_EQ(format_wan(*parse_money("67893.05万"), 6), "67893.050000万");
  EXPECT_EQ(format_wan(Fen(1), 6), "0.000001万");
  EXPECT_EQ(format_wan(Fen(-1), 6), "-0.000001万");
  EXPECT_EQ(format_yi(*parse_money("8.1亿"), 0), "8亿");
  EXPECT_EQ(format_yi(*parse_money("8.1亿"), 6), "8.100000亿");
  EXPECT_EQ(format_yi(*parse_money("67893.05万"), 4), "6.7893亿");
  EXPECT_EQ(format_yi(Fen(kMax), 8), "922337203.68547758亿");
  EXPECT_EQ(format_wan(Fen(kMax), 6), "9223372036854.775807万");
  EXPECT_EQ(format_wan(Fen(kMin), 6), "-9223372036854.775808万");
}

TEST(MoneyFormat, RoundingAtAnExactHalf) {
  // 12.345万 to 2 decimals is exactly halfway between 12.34万 and 12.35万.
  const Money half = *parse_money("12.345万");
  EXPECT_EQ(format_wan(half, 2, kHalfUp), "12.35万");
  EXPECT_EQ(format_wan(half, 2, kHalfEven), "12.34万");
  EXPECT_EQ(format_wan(half, 2, kDown), "12.34万");
  EXPECT_EQ(format_wan(half, 2, kUp), "12.35万");
  // The even neighbour above: half_even goes up here.
  EXPECT_EQ(format_wan(*parse_money("12.355万"), 2, kHalfEven), "12.36万");
  // Symmetric about zero: halves go away from zero under half_up.
  const Money negative_half = *parse_money("-12.345万");
  EXPECT_EQ(format_wan(negative_half, 2, kHalfUp), "-12.35万");
  EXPECT_EQ(format_wan(negative_half, 2, kHalfEven), "-12.34万");
  EXPECT_EQ(format_wan(negative_half, 2, kDown), "-12.34万");
  EXPECT_EQ(format_wan(negative_half, 2, kUp), "-12.35万");
  // A negative amount that rounds to zero prints without a sign.
  EXPECT_EQ(format_wan(*parse_money("-0.004万"), 2, kHalfUp), "0.00万");
  EXPECT_EQ(format_wan(*parse_money("-0.005万"), 2, kDown), "0.00万");
  EXPECT_EQ(format_wan(*parse_money("-0.005万"), 2, kHalfUp), "-0.01万");
  // Whole 万 at decimals 0.
  EXPECT_EQ(format_wan(*parse_money("67893.5万"), 0, kHalfUp), "67894万");
  EXPECT_EQ(format_wan(*parse_money("67893.5万"), 0, kHalfEven), "67894万");
  EXPECT_EQ(format_wan(*parse_money("67892.5万"), 0, kHalfEven), "67892万");
  EXPECT_EQ(format_wan(*parse_money("67892.5万"), 0, kDown), "67892万");
  // 亿: 0.125亿 to 2 decimals.
  const Money yi_half = *parse_money("0.125亿");
  EXPECT_EQ(format_yi(yi_half, 2, kHalfUp), "0.13亿");
  EXPECT_EQ(format_yi(yi_half, 2, kHalfEven), "0.12亿");
  EXPECT_EQ(format_yi(yi_half, 2, kDown), "0.12亿");
  EXPECT_EQ(format_yi(yi_half, 2, kUp), "0.13亿");
  EXPECT_EQ(format_yi(-yi_half, 2, kHalfUp), "-0.13亿");
  // Non-halves round to nearest under both half modes.
  EXPECT_EQ(format_wan(*parse_money("12.3451万"), 2, kHalfEven), "12.35万");
  EXPECT_EQ(format_wan(*parse_money("12.3449万"), 2, kHalfUp), "12.34万");
  EXPECT_EQ(format_wan(*parse_money("12.3401万"), 2, kUp), "12.35万");
}

TEST(MoneyFormat, DecimalsOutOfRangeThrow) {
  const Money amount = Fen(123);
  EXPECT_EQ(ThrownMessage<std::invalid_argument>([&] { (void)format_wan(amount, 7); }),
            "format: decimals must be 0..6");
  EXPECT_EQ(ThrownMessage<std::invalid_argument>([&] { (void)format_wan(amount, -1); }),
            "format: decimals must be 0..6");
  EXPECT_THROW((void)format_yi(amount, -1), std::invalid_argument);
  EXPECT_THROW((void)format_yi(amount, 11), std::invalid_argument);
  EXPECT_EQ(format_yi(amount, 8), "0.00000001亿");  // the header's documented maximum
}

// ---------------------------------------------------------------------------------------------
// Rates

TEST(RateParse, Values) {
  EXPECT_EQ(ParsedNanos("0.05"), 50'000'000);
  EXPECT_EQ(ParsedNanos("5%"), 50'000'000);
  EXPECT_EQ(ParsedNanos("50%"), 500'000'000);
  EXPECT_EQ(ParsedNanos("0.5"), 500'000'000);
  EXPECT_EQ(ParsedNanos("3‰"), 3'000'000);
  EXPECT_EQ(ParsedNanos("-1.5%"), -15'000'000);
  EXPECT_EQ(ParsedNanos("0.000000001"), 1);
  EXPECT_EQ(ParsedNanos("0.0000001%"), 1);
  EXPECT_EQ(ParsedNanos("0.000001‰"), 1);
  EXPECT_EQ(ParsedNanos("100%"), 1'000'000'000);
  EXPECT_EQ(ParsedNanos("1"), 1'000'000'000);
  EXPECT_EQ(ParsedNanos("0"), 0);
  EXPECT_EQ(ParsedNanos("1_000"), 1'000'000'000'000);
  EXPECT_EQ(ParsedNanos("0.100000000000"), 100'000'000);  // trailing zeros are not precision
  EXPECT_EQ(ParsedNanos("9223372036.854775807"), kMax);
}

TEST(RateParse, Errors) {
  auto malformed = [](std::string_view text) {
    return "invalid rate \"" + std::string(text) + "\": expected a decimal such as 0.05, 5% or 3‰";
  };
  for (std::string_view bad : {"5 %", "", "%", "abc", "5%%", "1e-3", "+5%", " 5%", "5% ", ".5",
                               "5.", "5‰%", "1,5", "5 万"}) {
    ExpectRateError(bad, StatusCode::kInvalidArgument, malformed(bad));
  }
  auto finer = [](std::string_view text) {
    return "rate \"" + std::string(text) + "\" is finer than 9 decimal places";
  };
  for (std::string_view bad : {"0.0000000001", "0.00000001%", "0.0000001‰", "-0.0000000001"}) {
    ExpectRateError(bad, StatusCode::kInvalidArgument, finer(bad));
  }
  for (std::string_view big : {"9223372036.854775808", "10000000000",
                               "1234567890123456789012345678901234567890%"}) {
    ExpectRateError(big, StatusCode::kOutOfRange,
                    "rate \"" + std::string(big) + "\" is out of range");
  }
}

// INT64_MIN nanos is a valid Rate (format_rate prints it), so its own text should parse back.
TEST(RateParse, MostNegativeRateRoundTrips) {
  const std::string text = format_rate(Rate::from_nanos(kMin));
  ASSERT_EQ(text, "-9223372036.854775808");
  EXPECT_EQ(ParsedNanos(text), kMin);
}

TEST(RateFormat, ShortestExactDecimal) {
  EXPECT_EQ(format_rate(R("0.05")), "0.05");
  EXPECT_EQ(format_rate(R("1")), "1");
  EXPECT_EQ(format_rate(R("100%")), "1");
  EXPECT_EQ(format_rate(R("-0.003")), "-0.003");
  EXPECT_EQ(format_rate(R("-3‰")), "-0.003");
  EXPECT_EQ(format_rate(R("0")), "0");
  EXPECT_EQ(format_rate(R("0.000000001")), "0.000000001");
  EXPECT_EQ(format_rate(R("12.5%")), "0.125");
  EXPECT_EQ(format_rate(R("1_000")), "1000");
  EXPECT_EQ(format_rate(Rate::from_nanos(kMax)), "9223372036.854775807");
  EXPECT_EQ(format_rate(Rate::from_nanos(kMin)), "-9223372036.854775808");
}

TEST(RateCompare, OrdersByValue) {
  EXPECT_EQ(R("5%"), R("0.05"));
  EXPECT_EQ(R("50‰"), R("0.05"));
  EXPECT_LT(R("4.9%"), R("0.05"));
  EXPECT_GT(R("0"), R("-0.000000001"));
  EXPECT_EQ(Rate().nanos(), 0);
}

// ---------------------------------------------------------------------------------------------
// Names of modes and units

TEST(RoundingNames, ModesRoundTrip) {
  const std::vector<std::pair<std::string_view, RoundingMode>> modes = {
      {"half_up", kHalfUp}, {"half_even", kHalfEven}, {"down", kDown}, {"up", kUp}};
  for (const auto& [name, mode] : modes) {
    Result<RoundingMode> parsed = parse_rounding_mode(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, mode);
    EXPECT_EQ(rounding_mode_name(mode), name);
  }
  // The default of a Rounding is half_up to the fen (四舍五入).
  EXPECT_EQ(Rounding{}.mode, kHalfUp);
  EXPECT_EQ(Rounding{}.unit, Unit::kFen);
}

TEST(RoundingNames, UnitsRoundTrip) {
  const std::vector<std::tuple<std::string_view, Unit, int64_t>> units = {
      {"fen", Unit::kFen, 1},
      {"yuan", Unit::kYuan, 100},
      {"hundred", Unit::kHundred, 10'000},
      {"thousand", Unit::kThousand, 100'000},
      {"wan", Unit::kWan, 1'000'000}};
  for (const auto& [name, unit, fen] : units) {
    Result<Unit> parsed = parse_unit(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, unit);
    EXPECT_EQ(unit_name(unit), name);
    EXPECT_EQ(unit_fen(unit), fen);
  }
  static_assert(unit_fen(Unit::kWan) == 1'000'000);
}

TEST(RoundingNames, UnknownNamesListTheAcceptedOnes) {
  for (std::string_view bad : {"HALF_UP", "half-up", "", "nearest", " down"}) {
    Result<RoundingMode> mode = parse_rounding_mode(bad);
    ASSERT_FALSE(mode.ok()) << bad;
    EXPECT_EQ(mode.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(mode.status().message(),
              "unknown rounding mode \"" + std::string(bad) +
                  "\"; expected half_up, half_even, down or up");
  }
  for (std::string_view bad : {"Yuan", "万", "", "cent", "wan "}) {
    Result<Unit> unit = parse_unit(bad);
    ASSERT_FALSE(unit.ok()) << bad;
    EXPECT_EQ(unit.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(unit.status().message(),
              "unknown rounding unit \"" + std::string(bad) +
                  "\"; expected fen, yuan, hundred, thousand or wan");
  }
}

// ---------------------------------------------------------------------------------------------
// round_quotient

TEST(RoundingQuotient, ExactQuotientsIgnoreTheMode) {
  for (RoundingMode mode : {kHalfUp, kHalfEven, kDown, kUp}) {
    EXPECT_EQ(round_quotient(6, 3, mode), 2);
    EXPECT_EQ(round_quotient(-6, 3, mode), -2);
    EXPECT_EQ(round_quotient(0, 7, mode), 0);
    EXPECT_EQ(round_quotient(0, -7, mode), 0);
  }
}

TEST(RoundingQuotient, ExactHalves) {
  // 7/2 = 3.5 and 5/2 = 2.5: half_even sends 3.5 up to 4 and 2.5 down to 2.
  EXPECT_EQ(round_quotient(7, 2, kHalfUp), 4);
  EXPECT_EQ(round_quotient(7, 2, kHalfEven), 4);
  EXPECT_EQ(round_quotient(7, 2, kDown), 3);
  EXPECT_EQ(round_quotient(7, 2, kUp), 4);
  EXPECT_EQ(round_quotient(5, 2, kHalfUp), 3);
  EXPECT_EQ(round_quotient(5, 2, kHalfEven), 2);
  EXPECT_EQ(round_quotient(5, 2, kDown), 2);
  EXPECT_EQ(round_quotient(5, 2, kUp), 3);
  // Symmetric about zero.
  EXPECT_EQ(round_quotient(-7, 2, kHalfUp), -4);
  EXPECT_EQ(round_quotient(-7, 2, kHalfEven), -4);
  EXPECT_EQ(round_quotient(-7, 2, kDown), -3);
  EXPECT_EQ(round_quotient(-7, 2, kUp), -4);
  EXPECT_EQ(round_quotient(-5, 2, kHalfUp), -3);
  EXPECT_EQ(round_quotient(-5, 2, kHalfEven), -2);
  EXPECT_EQ(round_quotient(-5, 2, kDown), -2);
  EXPECT_EQ(round_quotient(-5, 2, kUp), -3);
  // Halves around zero.
  EXPECT_EQ(round_quotient(1, 2, kHalfUp), 1);
  EXPECT_EQ(round_quotient(1, 2, kHalfEven), 0);
  EXPECT_EQ(round_quotient(-1, 2, kHalfUp), -1);
  EXPECT_EQ(round_quotient(-1, 2, kHalfEven), 0);
  EXPECT_EQ(round_quotient(3, 2, kHalfEven), 2);
  EXPECT_EQ(round_quotient(-3, 2, kHalfEven), -2);
  // A half with an odd denominator's multiple: 15/10 = 1.5, 25/10 = 2.5.
  EXPECT_EQ(round_quotient(15, 10, kHalfEven), 2);
  EXPECT_EQ(round_quotient(25, 10, kHalfEven), 2);
}

TEST(RoundingQuotient, NonHalves) {
  // 7/3 = 2.33…, 8/3 = 2.66…
  EXPECT_EQ(round_quotient(7, 3, kHalfUp), 2);
  EXPECT_EQ(round_quotient(7, 3, kHalfEven), 2);
  EXPECT_EQ(round_quotient(7, 3, kDown), 2);
  EXPECT_EQ(round_quotient(7, 3, kUp), 3);
  EXPECT_EQ(round_quotient(8, 3, kHalfUp), 3);
  EXPECT_EQ(round_quotient(8, 3, kHalfEven), 3);
  EXPECT_EQ(round_quotient(8, 3, kDown), 2);
  EXPECT_EQ(round_quotient(8, 3, kUp), 3);
  EXPECT_EQ(round_quotient(-7, 3, kHalfUp), -2);
  EXPECT_EQ(round_quotient(-7, 3, kHalfEven), -2);
  EXPECT_EQ(round_quotient(-7, 3, kDown), -2);
  EXPECT_EQ(round_quotient(-7, 3, kUp), -3);
  EXPECT_EQ(round_quotient(-8, 3, kHalfUp), -3);
  EXPECT_EQ(round_quotient(-8, 3, kHalfEven), -3);
  EXPECT_EQ(round_quotient(-8, 3, kDown), -2);
  EXPECT_EQ(round_quotient(-8, 3, kUp), -3);
  // Just off a half in both directions, with a big denominator.
  EXPECT_EQ(round_quotient(499'999, 1'000'000, kHalfUp), 0);
  EXPECT_EQ(round_quotient(500'001, 1'000'000, kHalfEven), 1);
}

TEST(RoundingQuotient, NegativeDenominator) {
  // The sign of the quotient is what matters, not which operand carries it.
  EXPECT_EQ(round_quotient(7, -2, kHalfUp), -4);
  EXPECT_EQ(round_quotient(7, -2, kDown), -3);
  EXPECT_EQ(round_quotient(7, -2, kUp), -4);
  EXPECT_EQ(round_quotient(5, -2, kHalfEven), -2);
  EXPECT_EQ(round_quotient(-7, -2, kHalfUp), 4);
  EXPECT_EQ(round_quotient(-7, -2, kHalfEven), 4);
  EXPECT_EQ(round_quotient(-5, -2, kHalfEven), 2);
  EXPECT_EQ(round_quotient(-7, -3, kDown), 2);
  EXPECT_EQ(round_quotient(-7, -3, kUp), 3);
}

TEST(RoundingQuotient, Int64Limits) {
  EXPECT_EQ(round_quotient(kMax, 1, kUp), kMax);
  EXPECT_EQ(round_quotient(kMin, 1, kDown), kMin);
  // 2^64 − 1 over 2 is INT64_MAX + 0.5: down fits, anything that rounds up does not.
  const Int128 just_over = Int128{kMax} * 2 + 1;
  EXPECT_EQ(round_quotient(just_over, 2, kDown), kMax);
  // INT64_MAX is odd, so half_even leaves it for the even INT64_MAX + 1, which does not fit.
  EXPECT_THROW((void)round_quotient(just_over, 2, kHalfEven), OverflowError);
  // INT64_MAX − 0.5 (INT64_MAX − 1 is even): half_even stays, half_up reaches INT64_MAX exactly.
  const Int128 just_under_max = Int128{kMax} * 2 - 1;
  EXPECT_EQ(round_quotient(just_under_max, 2, kHalfEven), kMax - 1);
  EXPECT_EQ(round_quotient(just_under_max, 2, kHalfUp), kMax);
}

TEST(RoundingQuotient, OverflowThrows) {
  const Int128 just_over = Int128{kMax} * 2 + 1;  // INT64_MAX + 0.5 after division by 2
  const std::string message = "money overflow: a rounded quotient leaves the range of int64 fen";
  EXPECT_EQ(ThrownMessage<OverflowError>([&] { (void)round_quotient(just_over, 2, kUp); }), message);
  EXPECT_EQ(ThrownMessage<OverflowError>([&] { (void)round_quotient(just_over, 2, kHalfUp); }),
            message);
  EXPECT_THROW((void)round_quotient(Int128{kMax} + 1, 1, kDown), OverflowError);
  // INT64_MIN − 0.5: down truncates toward zero and fits; half_up goes away from zero and does not.
  const Int128 just_under = Int128{kMin} * 2 - 1;
  EXPECT_EQ(round_quotient(just_under, 2, kDown), kMin);
  EXPECT_THROW((void)round_quotient(just_under, 2, kHalfUp), OverflowError);
  EXPECT_THROW((void)round_quotient(Int128{kMin} - 1, 1, kUp), OverflowError);
  EXPECT_THROW((void)round_quotient(Int128{1} << 100, 3, kHalfEven), OverflowError);
  // OverflowError is a std::overflow_error, so generic handlers catch it too.
  EXPECT_THROW((void)round_quotient(Int128{1} << 100, 3, kDown), std::overflow_error);
}

TEST(RoundingQuotient, DivisionByZeroThrows) {
  EXPECT_EQ(ThrownMessage<std::domain_error>([] { (void)round_quotient(1, 0, kHalfUp); }),
            "round_quotient: division by zero");
  EXPECT_THROW((void)round_quotient(0, 0, kDown), std::domain_error);
}

// ---------------------------------------------------------------------------------------------
// multiply and multiply_ratio

TEST(MoneyMultiply, FivePercentToEachUnitAndMode) {
  const Money amount = *parse_money("1234.56");  // × 5% = 61.728 yuan = 6172.8 fen
  const Rate rate = R("5%");
  struct Case {
    Unit unit;
    RoundingMode mode;
    int64_t fen;
  };
  const std::vector<Case> cases = {
      {Unit::kFen, kHalfUp, 6173},      {Unit::kFen, kHalfEven, 6173},
      {Unit::kFen, kDown, 6172},        {Unit::kFen, kUp, 6173},
      {Unit::kYuan, kHalfUp, 6200},     {Unit::kYuan, kHalfEven, 6200},
      {Unit::kYuan, kDown, 6100},       {Unit::kYuan, kUp, 6200},
      {Unit::kHundred, kHalfUp, 10000}, {Unit::kHundred, kHalfEven, 10000},
      {Unit::kHundred, kDown, 0},       {Unit::kHundred, kUp, 10000},
      {Unit::kThousand, kHalfUp, 0},    {Unit::kThousand, kHalfEven, 0},
      {Unit::kThousand, kDown, 0},      {Unit::kThousand, kUp, 100000},
      {Unit::kWan, kHalfUp, 0},         {Unit::kWan, kHalfEven, 0},
      {Unit::kWan, kDown, 0},           {Unit::kWan, kUp, 1000000},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(multiply(amount, rate, {c.unit, c.mode}).fen(), c.fen)
        << unit_name(c.unit) << " " << rounding_mode_name(c.mode);
    // The same product of the negated amount is the mirror image: modes are symmetric about zero.
    EXPECT_EQ(multiply(-amount, rate, {c.unit, c.mode}).fen(), -c.fen)
        << "negative " << unit_name(c.unit) << " " << rounding_mode_name(c.mode);
  }
}

TEST(MoneyMultiply, HalvesAndExamples) {
  // 5% of 10 fen is exactly half a fen; 5% of 30 fen is 1.5 fen.
  EXPECT_EQ(multiply(Fen(10), R("5%"), {Unit::kFen, kHalfUp}).fen(), 1);
  EXPECT_EQ(multiply(Fen(10), R("5%"), {Unit::kFen, kHalfEven}).fen(), 0);
  EXPECT_EQ(multiply(Fen(10), R("5%"), {Unit::kFen, kDown}).fen(), 0);
  EXPECT_EQ(multiply(Fen(10), R("5%"), {Unit::kFen, kUp}).fen(), 1);
  EXPECT_EQ(multiply(Fen(30), R("5%"), {Unit::kFen, kHalfEven}).fen(), 2);
  EXPECT_EQ(multiply(Fen(-10), R("5%"), {Unit::kFen, kHalfUp}).fen(), -1);
  EXPECT_EQ(multiply(Fen(-10), R("5%"), {Unit::kFen, kHalfEven}).fen(), 0);
  // A negative rate.
  EXPECT_EQ(multiply(Fen(123456), R("-1.5%"), {Unit::kFen, kHalfUp}).fen(), -1852);  // −1851.84
  EXPECT_EQ(multiply(Fen(123456), R("-1.5%"), {Unit::kFen, kDown}).fen(), -1851);
  // The header's example: 5% of 67893.05万 to the yuan, down.
  const Money award =
      multiply(*parse_money("67893.05万"), R("5%"), {Unit::kYuan, RoundingMode::kDown});
  EXPECT_EQ(format_yuan(award), "33946525.00");
  // 3‰ of 8.1亿 is 243万 exactly.
  EXPECT_EQ(multiply(*parse_money("8.1亿"), R("3‰"), {Unit::kWan, kDown}),
            *parse_money("243万"));
  // A rate of 1 and of 0.
  EXPECT_EQ(multiply(Fen(kMax), R("1"), {Unit::kFen, kDown}).fen(), kMax);
  EXPECT_EQ(multiply(Fen(kMin), R("1"), {Unit::kFen, kDown}).fen(), kMin);
  EXPECT_EQ(multiply(Fen(kMax), R("0"), {Unit::kWan, kUp}).fen(), 0);
  // The smallest rate of the largest amount: 9223372036854775807 × 10^-9 = 9223372036.854775807.
  EXPECT_EQ(multiply(Fen(kMax), Rate::from_nanos(1), {Unit::kFen, kHalfUp}).fen(), 9223372037);
}

TEST(MoneyMultiply, OverflowThrows) {
  EXPECT_EQ(ThrownMessage<OverflowError>(
                [] { (void)multiply(Fen(kMax), R("200%"), {Unit::kFen, kHalfUp}); }),
            "money overflow: a rounded quotient leaves the range of int64 fen");
  EXPECT_THROW((void)multiply(Fen(kMin), R("-1"), {Unit::kFen, kDown}), OverflowError);
  // The rounded count of units fits but the amount in fen does not: INT64_MAX up to the wan.
  EXPECT_EQ(ThrownMessage<OverflowError>(
                [] { (void)multiply(Fen(kMax), R("1"), {Unit::kWan, kUp}); }),
            "money overflow: a product leaves the range of int64 fen");
  EXPECT_EQ(multiply(Fen(kMax), R("1"), {Unit::kWan, kDown}).fen(), 9'223'372'036'854'000'000);
}

TEST(MoneyMultiply, RatioEachMode) {
  const Money hundred_yuan = Fen(10000);  // one third is 3333.33… fen, two thirds 6666.66…
  EXPECT_EQ(multiply_ratio(hundred_yuan, 1, 3, {Unit::kFen, kHalfUp}).fen(), 3333);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 1, 3, {Unit::kFen, kHalfEven}).fen(), 3333);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 1, 3, {Unit::kFen, kDown}).fen(), 3333);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 1, 3, {Unit::kFen, kUp}).fen(), 3334);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 2, 3, {Unit::kFen, kHalfUp}).fen(), 6667);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 2, 3, {Unit::kFen, kHalfEven}).fen(), 6667);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 2, 3, {Unit::kFen, kDown}).fen(), 6666);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 2, 3, {Unit::kFen, kUp}).fen(), 6667);
  // To the yuan: 33.33… yuan.
  EXPECT_EQ(multiply_ratio(hundred_yuan, 1, 3, {Unit::kYuan, kUp}).fen(), 3400);
  EXPECT_EQ(multiply_ratio(hundred_yuan, 1, 3, {Unit::kYuan, kHalfUp}).fen(), 3300);
  // Exact halves: half of 5 fen.
  EXPECT_EQ(multiply_ratio(Fen(5), 1, 2, {Unit::kFen, kHalfUp}).fen(), 3);
  EXPECT_EQ(multiply_ratio(Fen(5), 1, 2, {Unit::kFen, kHalfEven}).fen(), 2);
  EXPECT_EQ(multiply_ratio(Fen(-5), 1, 2, {Unit::kFen, kHalfUp}).fen(), -3);
  // A product that needs 128 bits before the division.
  EXPECT_EQ(multiply_ratio(Fen(kMax), kMax, kMax, {Unit::kFen, kDown}).fen(), kMax);
  EXPECT_THROW((void)multiply_ratio(Fen(kMax), 3, 2, {Unit::kFen, kDown}), OverflowError);
}

TEST(MoneyMultiply, RatioDenominatorMustBePositive) {
  EXPECT_EQ(ThrownMessage<std::invalid_argument>(
                [] { (void)multiply_ratio(Fen(100), 1, 0, {Unit::kFen, kHalfUp}); }),
            "multiply_ratio: denominator must be > 0");
  EXPECT_THROW((void)multiply_ratio(Fen(100), 1, -3, {Unit::kFen, kHalfUp}),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// round_to

TEST(MoneyRoundTo, EachUnitAndMode) {
  const Money amount = Fen(123'456'789);  // 1,234,567.89 yuan
  struct Case {
    Unit unit;
    RoundingMode mode;
    int64_t fen;
  };
  const std::vector<Case> cases = {
      {Unit::kFen, kHalfUp, 123'456'789},      {Unit::kFen, kHalfEven, 123'456'789},
      {Unit::kFen, kDown, 123'456'789},        {Unit::kFen, kUp, 123'456'789},
      {Unit::kYuan, kHalfUp, 123'456'800},     {Unit::kYuan, kHalfEven, 123'456'800},
      {Unit::kYuan, kDown, 123'456'700},       {Unit::kYuan, kUp, 123'456'800},
      {Unit::kHundred, kHalfUp, 123'460'000},  {Unit::kHundred, kHalfEven, 123'460'000},
      {Unit::kHundred, kDown, 123'450'000},    {Unit::kHundred, kUp, 123'460'000},
      {Unit::kThousand, kHalfUp, 123'500'000}, {Unit::kThousand, kHalfEven, 123'500'000},
      {Unit::kThousand, kDown, 123'400'000},   {Unit::kThousand, kUp, 123'500'000},
      {Unit::kWan, kHalfUp, 123'000'000},      {Unit::kWan, kHalfEven, 123'000'000},
      {Unit::kWan, kDown, 123'000'000},        {Unit::kWan, kUp, 124'000'000},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(round_to(amount, {c.unit, c.mode}).fen(), c.fen)
        << unit_name(c.unit) << " " << rounding_mode_name(c.mode);
    EXPECT_EQ(round_to(-amount, {c.unit, c.mode}).fen(), -c.fen)
        << "negative " << unit_name(c.unit) << " " << rounding_mode_name(c.mode);
  }
}

TEST(MoneyRoundTo, ExactHalvesOfEachUnit) {
  struct Case {
    Unit unit;
    int64_t odd_half;   // 2.5 units
    int64_t even_half;  // 3.5 units
  };
  for (const Case& c : {Case{Unit::kYuan, 250, 350}, Case{Unit::kHundred, 25'000, 35'000},
                        Case{Unit::kThousand, 250'000, 350'000},
                        Case{Unit::kWan, 2'500'000, 3'500'000}}) {
    const int64_t u = unit_fen(c.unit);
    EXPECT_EQ(round_to(Fen(c.odd_half), {c.unit, kHalfUp}).fen(), 3 * u);
    EXPECT_EQ(round_to(Fen(c.odd_half), {c.unit, kHalfEven}).fen(), 2 * u);
    EXPECT_EQ(round_to(Fen(c.odd_half), {c.unit, kDown}).fen(), 2 * u);
    EXPECT_EQ(round_to(Fen(c.odd_half), {c.unit, kUp}).fen(), 3 * u);
    EXPECT_EQ(round_to(Fen(c.even_half), {c.unit, kHalfEven}).fen(), 4 * u);
    EXPECT_EQ(round_to(Fen(-c.odd_half), {c.unit, kHalfUp}).fen(), -3 * u);
    EXPECT_EQ(round_to(Fen(-c.odd_half), {c.unit, kHalfEven}).fen(), -2 * u);
    EXPECT_EQ(round_to(Fen(-c.odd_half), {c.unit, kDown}).fen(), -2 * u);
    EXPECT_EQ(round_to(Fen(-c.odd_half), {c.unit, kUp}).fen(), -3 * u);
    EXPECT_EQ(round_to(Fen(-c.even_half), {c.unit, kHalfEven}).fen(), -4 * u);
    // One fen either side of the half decides half_even too.
    EXPECT_EQ(round_to(Fen(c.odd_half + 1), {c.unit, kHalfEven}).fen(), 3 * u);
    EXPECT_EQ(round_to(Fen(c.even_half - 1), {c.unit, kHalfUp}).fen(), 3 * u);
  }
}

TEST(MoneyRoundTo, Limits) {
  EXPECT_EQ(round_to(Fen(kMax), {Unit::kYuan, kHalfUp}).fen(), 9'223'372'036'854'775'800);
  EXPECT_EQ(round_to(Fen(kMin), {Unit::kYuan, kHalfUp}).fen(), -9'223'372'036'854'775'800);
  EXPECT_EQ(round_to(Fen(kMax), {Unit::kFen, kUp}).fen(), kMax);
  EXPECT_EQ(ThrownMessage<OverflowError>([] { (void)round_to(Fen(kMax), {Unit::kYuan, kUp}); }),
            "money overflow: a rounding leaves the range of int64 fen");
  EXPECT_THROW((void)round_to(Fen(kMin), {Unit::kWan, kUp}), OverflowError);
}

// ---------------------------------------------------------------------------------------------
// Money arithmetic

TEST(MoneyArithmetic, Basics) {
  EXPECT_EQ(Money().fen(), 0);
  EXPECT_TRUE(Money::zero().is_zero());
  EXPECT_FALSE(Fen(1).is_zero());
  EXPECT_TRUE(Fen(-1).is_negative());
  EXPECT_FALSE(Fen(0).is_negative());
  EXPECT_EQ(Money::max().fen(), kMax);
  EXPECT_EQ(Money::from_yuan(12).fen(), 1200);
  EXPECT_EQ(Money::from_yuan(-12).fen(), -1200);
  EXPECT_EQ((Fen(150) + Fen(-50)).fen(), 100);
  EXPECT_EQ((Fen(150) - Fen(200)).fen(), -50);
  EXPECT_EQ((-Fen(150)).fen(), -150);
  EXPECT_EQ((Fen(150) * -3).fen(), -450);
  Money running = Fen(10);
  running += Fen(5);
  EXPECT_EQ(running.fen(), 15);
  running -= Fen(20);
  EXPECT_EQ(running.fen(), -5);
}

TEST(MoneyArithmetic, LimitsThatFit) {
  EXPECT_EQ((Fen(kMax - 1) + Fen(1)).fen(), kMax);
  EXPECT_EQ((Fen(kMin + 1) - Fen(1)).fen(), kMin);
  EXPECT_EQ((Fen(kMax) + Fen(kMin)).fen(), -1);
  EXPECT_EQ((-Fen(kMax)).fen(), -kMax);
  EXPECT_EQ((Fen(kMin / 2) * 2).fen(), kMin);
  EXPECT_EQ(Money::from_yuan(92'233'720'368'547'758).fen(), 9'223'372'036'854'775'800);
  EXPECT_EQ(Money::from_yuan(-92'233'720'368'547'758).fen(), -9'223'372'036'854'775'800);
}

TEST(MoneyArithmetic, OverflowThrows) {
  EXPECT_EQ(ThrownMessage<OverflowError>([] { (void)(Fen(kMax) + Fen(1)); }),
            "money overflow: a sum leaves the range of int64 fen");
  EXPECT_EQ(ThrownMessage<OverflowError>([] { (void)(Fen(kMin) - Fen(1)); }),
            "money overflow: a difference leaves the range of int64 fen");
  EXPECT_EQ(ThrownMessage<OverflowError>([] { (void)(-Fen(kMin)); }),
            "money overflow: a negation leaves the range of int64 fen");
  EXPECT_EQ(ThrownMessage<OverflowError>([] { (void)(Fen(kMax) * 2); }),
            "money overflow: a product leaves the range of int64 fen");
  EXPECT_EQ(ThrownMessage<OverflowError>([] { (void)Money::from_yuan(92'233'720'368'547'759); }),
            "money overflow: yuan to fen leaves the range of int64 fen");
  EXPECT_THROW((void)(Fen(kMin) + Fen(-1)), OverflowError);
  EXPECT_THROW((void)(Fen(kMax) - Fen(-1)), OverflowError);
  EXPECT_THROW((void)(Fen(kMin) * -1), OverflowError);
  EXPECT_THROW((void)(Fen(2) * kMin), OverflowError);
  EXPECT_THROW((void)Money::from_yuan(-92'233'720'368'547'759), OverflowError);
  EXPECT_THROW((void)Money::from_yuan(kMax), OverflowError);
  // A failed += leaves the operand unchanged (the result is computed before it is assigned).
  Money running = Fen(kMax);
  EXPECT_THROW(running += Fen(1), OverflowError);
  EXPECT_EQ(running.fen(), kMax);
  EXPECT_THROW(running -= Fen(-1), OverflowError);
}

TEST(MoneyArithmetic, Comparisons) {
  EXPECT_EQ(Fen(100), Money::from_yuan(1));
  EXPECT_NE(Fen(100), Fen(101));
  EXPECT_LT(Fen(-1), Fen(0));
  EXPECT_LE(Fen(5), Fen(5));
  EXPECT_GT(Fen(kMax), Fen(kMax - 1));
  EXPECT_GE(Fen(kMin + 1), Fen(kMin));
  EXPECT_EQ(*parse_money("50万"), Money::from_yuan(500'000));
  EXPECT_LT(*parse_money("67893.05万"), *parse_money("8.1亿"));
}

// ---------------------------------------------------------------------------------------------
// split_exact

std::vector<int64_t> SplitFen(int64_t total, const std::vector<int64_t>& weights, Unit unit) {
  Result<std::vector<Money>> parts = split_exact(Fen(total), weights, unit);
  EXPECT_TRUE(parts.ok()) << parts.status().message();
  return parts.ok() ? FenOf(*parts) : std::vector<int64_t>{};
}

void ExpectSplitError(int64_t total, const std::vector<int64_t>& weights, Unit unit,
                      const std::string& message) {
  Result<std::vector<Money>> parts = split_exact(Fen(total), weights, unit);
  ASSERT_FALSE(parts.ok()) << "split " << total << " succeeded";
  EXPECT_EQ(parts.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parts.status().message(), message);
}

TEST(SplitExact, Examples) {
  EXPECT_EQ(SplitFen(100, {1, 1, 1}, Unit::kFen), (std::vector<int64_t>{34, 33, 33}));
  // Remainders 0.5, 0.5: the single leftover fen goes to the lower index.
  EXPECT_EQ(SplitFen(3, {1, 1}, Unit::kFen), (std::vector<int64_t>{2, 1}));
  // Two leftover fen among three equal remainders: indices 0 and 1.
  EXPECT_EQ(SplitFen(5, {1, 1, 1}, Unit::kFen), (std::vector<int64_t>{2, 2, 1}));
  // The largest remainder wins over the lower index: quotas 10/7, 20/7, 40/7 = 1.43, 2.86, 5.71.
  EXPECT_EQ(SplitFen(10, {1, 2, 4, 0}, Unit::kFen), (std::vector<int64_t>{1, 3, 6, 0}));
  // Exact quotas need no leftovers.
  EXPECT_EQ(SplitFen(600, {1, 2, 3}, Unit::kFen), (std::vector<int64_t>{100, 200, 300}));
  // A single weight takes everything.
  EXPECT_EQ(SplitFen(12345, {7}, Unit::kFen), (std::vector<int64_t>{12345}));
}

TEST(SplitExact, InUnitsOfYuanAndWan) {
  // 100 yuan in three: 33.33… yuan each, the leftover yuan to index 0.
  EXPECT_EQ(SplitFen(10000, {1, 1, 1}, Unit::kYuan), (std::vector<int64_t>{3400, 3300, 3300}));
  // 10万 by 3:2:2 to the wan: quotas 4.28…, 2.85…, 2.85… wan; remainders .28 .85 .85.
  EXPECT_EQ(SplitFen(10'000'000, {3, 2, 2}, Unit::kWan),
            (std::vector<int64_t>{4'000'000, 3'000'000, 3'000'000}));
  EXPECT_EQ(SplitFen(0, {1, 2}, Unit::kWan), (std::vector<int64_t>{0, 0}));
}

TEST(SplitExact, ZeroWeightsGetNothing) {
  EXPECT_EQ(SplitFen(100, {0, 1, 0, 1, 0}, Unit::kFen), (std::vector<int64_t>{0, 50, 0, 50, 0}));
  EXPECT_EQ(SplitFen(101, {0, 1, 0, 1, 0}, Unit::kFen), (std::vector<int64_t>{0, 51, 0, 50, 0}));
  // Quotas 0, 0, 2.33, 0, 2.33, 2.33: the leftover fen skips the zero weights before index 2
  // (their remainder is 0) and goes to the first of the tied positive ones.
  EXPECT_EQ(SplitFen(7, {0, 0, 3, 0, 3, 3}, Unit::kFen),
            (std::vector<int64_t>{0, 0, 3, 0, 2, 2}));
}

TEST(SplitExact, ZeroTotal) {
  EXPECT_EQ(SplitFen(0, {1, 2, 3}, Unit::kFen), (std::vector<int64_t>{0, 0, 0}));
  // Nothing to split: all-zero weights and no weights at all are fine.
  EXPECT_EQ(SplitFen(0, {0, 0}, Unit::kYuan), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(SplitFen(0, {}, Unit::kFen), (std::vector<int64_t>{}));
}

TEST(SplitExact, Errors) {
  ExpectSplitError(-1, {1, 1}, Unit::kFen, "cannot split a negative total -0.01");
  ExpectSplitError(-100, {1}, Unit::kYuan, "cannot split a negative total -1.00");
  ExpectSplitError(150, {1, 1}, Unit::kYuan, "cannot split 1.50 exactly into multiples of a yuan");
  ExpectSplitError(1'500'000, {1, 1}, Unit::kWan,
                   "cannot split 15000.00 exactly into multiples of a wan");
  ExpectSplitError(100, {1, -3, 2}, Unit::kFen, "weight 1 is negative (-3)");
  // A negative weight is an error even when there is nothing to split.
  ExpectSplitError(0, {-1}, Unit::kFen, "weight 0 is negative (-1)");
  ExpectSplitError(100, {0, 0, 0}, Unit::kFen, "cannot split 1.00: the weights sum to zero");
  ExpectSplitError(100, {}, Unit::kFen, "cannot split 1.00: the weights sum to zero");
}

TEST(SplitExact, HugeWeightsAndTotals) {
  // Σw = 3·INT64_MAX does not fit in int64; the split must still be exact.
  EXPECT_EQ(SplitFen(kMax, {kMax, kMax, kMax}, Unit::kFen),
            (std::vector<int64_t>{3'074'457'345'618'258'603, 3'074'457'345'618'258'602,
                                  3'074'457'345'618'258'602}));
  // Quotas (S−1)²/S = S − 2 + 1/S and (S−1)/S with S = 2^63: the tiny weight has the larger
  // remainder, so it takes the leftover fen.
  EXPECT_EQ(SplitFen(kMax, {kMax, 1}, Unit::kFen),
            (std::vector<int64_t>{9'223'372'036'854'775'806, 1}));
  // The largest total that is a whole number of wan.
  const int64_t wan_total = kMax / 1'000'000 * 1'000'000;
  std::vector<int64_t> parts = SplitFen(wan_total, {kMax, kMax - 1, 1, 0}, Unit::kWan);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), Int128{0}), Int128{wan_total});
  for (int64_t part : parts) EXPECT_EQ(part % 1'000'000, 0);
  EXPECT_EQ(parts[3], 0);
}

// A straightforward Hamilton split to compare against: quotas in whole units, floors, then the
// leftovers to a fully sorted list of remainders (largest first, lower index on ties).
std::vector<int64_t> ReferenceSplit(int64_t total, const std::vector<int64_t>& weights,
                                    int64_t unit) {
  const Int128 units = total / unit;
  Int128 weight_sum = 0;
  for (int64_t w : weights) weight_sum += w;
  std::vector<int64_t> parts(weights.size(), 0);
  if (units == 0) return parts;
  std::vector<Int128> remainders(weights.size());
  Int128 given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Int128 product = units * weights[i];
    parts[i] = static_cast<int64_t>(product / weight_sum * unit);
    remainders[i] = product % weight_sum;
    given += product / weight_sum;
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  for (Int128 k = 0; k < units - given; ++k) parts[order[static_cast<size_t>(k)]] += unit;
  return parts;
}

TEST(SplitExact, RandomCasesAreExactAndMatchTheReference) {
  std::mt19937_64 rng(20230630);  // fixed: a failure must reproduce
  const std::vector<Unit> units = {Unit::kFen, Unit::kYuan, Unit::kHundred, Unit::kThousand,
                                   Unit::kWan};
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int checked = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = static_cast<size_t>(uniform(1, 50));
    // Mix weight scales in one case: zeros, small integers, counts, and values near INT64_MAX,
    // so that remainders tie, and sums and products need 128 bits.
    const int64_t style = uniform(0, 3);
    std::vector<int64_t> weights(n);
    for (int64_t& w : weights) {
      const int64_t kind = uniform(0, 9);
      if (kind < 2) {
        w = 0;
      } else if (kind < 5 || style == 0) {
        w = uniform(1, 10);
      } else if (kind < 8 || style == 1) {
        w = uniform(1, 1'000'000);
      } else {
        w = style == 2 ? kMax - uniform(0, 1000) : uniform(0, kMax);
      }
    }
    const Unit unit = units[static_cast<size_t>(uniform(0, 4))];
    const int64_t u = unit_fen(unit);
    const int64_t max_units = kMax / u;
    const int64_t scale = uniform(0, 3);
    const int64_t total_units = scale == 0   ? 0
                                : scale == 1 ? uniform(0, 100)
                                : scale == 2 ? uniform(0, 10'000'000)
                                             : uniform(max_units - 1000, max_units);
    const int64_t total = total_units * u;

    Int128 weight_sum = 0;
    for (int64_t w : weights) weight_sum += w;
    Result<std::vector<Money>> result = split_exact(Fen(total), weights, unit);
    if (weight_sum == 0 && total > 0) {
      ASSERT_FALSE(result.ok()) << "trial " << trial;
      continue;
    }
    ASSERT_TRUE(result.ok()) << "trial " << trial << ": " << result.status().message();
    const std::vector<int64_t> parts = FenOf(*result);
    ASSERT_EQ(parts.size(), n) << "trial " << trial;

    Int128 sum = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += parts[i];
      ASSERT_EQ(parts[i] % u, 0) << "trial " << trial << " part " << i;
      ASSERT_GE(parts[i], 0) << "trial " << trial << " part " << i;
      if (weights[i] == 0) {
        ASSERT_EQ(parts[i], 0) << "trial " << trial << " part " << i;
      }
      if (weight_sum == 0) continue;
      // Within one unit of the exact quota q = total·w/Σw, i.e. |part·Σw − total·w| < u·Σw. In
      // whole units (divide by u) that is part/u ∈ {⌊q/u⌋, ⌈q/u⌉}; the literal left side can need
      // 2^132 when Σw ≈ 50·2^63, so compare against the floor and remainder, which fit in 128 bits.
      const Int128 quota_units_times_sum = Int128{total_units} * weights[i];
      const Int128 floor_units = quota_units_times_sum / weight_sum;
      const bool exact = quota_units_times_sum % weight_sum == 0;
      const Int128 part_units = parts[i] / u;
      ASSERT_TRUE(part_units == floor_units || (!exact && part_units == floor_units + 1))
          << "trial " << trial << " part " << i;
    }
    ASSERT_EQ(sum, Int128{total}) << "trial " << trial;
    ASSERT_EQ(parts, ReferenceSplit(total, weights, u)) << "trial " << trial;
    ++checked;
  }
  // Almost every trial has a positive weight; make sure the loop did not skip its work.
  EXPECT_GT(checked, 1900);
}

}  // namespace

// The fast path for plain yuan stops at 16 digits; longer numbers take the general scan. A fuzz
// finding: the 19th digit used to overflow int64 inside the fast path (undefined behaviour).
TEST(MoneyParse, LongPlainNumbersLeaveTheFastPathExactly) {
  EXPECT_EQ(parse_money("1234567890123456.78")->fen(), 123456789012345678);
  EXPECT_EQ(parse_money("12345678901234567")->fen(), 1234567890123456700);
  ExpectMoneyError("9999999999999999999", StatusCode::kOutOfRange,
                   OutOfRange("9999999999999999999"));
  ExpectMoneyError("-99999999999999999999999", StatusCode::kOutOfRange,
                   OutOfRange("-99999999999999999999999"));
}
