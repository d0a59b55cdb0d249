// Exact money, rates and named rounding (SPEC §3).
//
// Money is a signed 64-bit count of fen (0.01 yuan). Arithmetic is checked: a result outside int64
// throws OverflowError, it never wraps. Products and ratios go through 128-bit intermediates and are
// rounded once, with a rounding that is always named: a mode (half_up, half_even, down, up) and a
// unit (fen, yuan, hundred, thousand, wan).
//
//   using namespace subsidy;
//   Money tax = *parse_money("67893.05万");                   // 67,893.05 × 10^4 yuan
//   Rate r = *parse_rate("5%");
//   Money award = multiply(tax, r, {Unit::kYuan, RoundingMode::kDown});
//   std::string text = format_yuan(award);                     // "33946525.00"
//   auto parts = split_exact(Money::from_fen(100), std::vector<int64_t>{1, 1, 1}, Unit::kFen);
//   // *parts == {34, 33, 33} fen: largest remainder, ties to the lower index
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/status.hpp"

namespace subsidy {

// 128-bit intermediates for products and ratios (GCC and Clang).
__extension__ typedef __int128 Int128;

// ---------------------------------------------------------------------------------------------
// Rounding

// How a quotient that is not a whole number of units is rounded. Modes are symmetric about zero:
// kDown truncates toward zero, kUp goes away from zero, kHalfUp rounds to nearest with halves away
// from zero (四舍五入), kHalfEven rounds to nearest with halves to the even unit (banker's rounding).
enum class RoundingMode { kHalfUp, kHalfEven, kDown, kUp };

// The unit a rounding lands on. unit_fen() gives its size in fen.
enum class Unit { kFen, kYuan, kHundred, kThousand, kWan };

struct Rounding {
  Unit unit = Unit::kFen;
  RoundingMode mode = RoundingMode::kHalfUp;
};

// Size of the unit in fen: fen 1, yuan 100, hundred 10'000, thousand 100'000, wan 1'000'000.
constexpr int64_t unit_fen(Unit unit) {
  switch (unit) {
    case Unit::kFen: return 1;
    case Unit::kYuan: return 100;
    case Unit::kHundred: return 10'000;
    case Unit::kThousand: return 100'000;
    case Unit::kWan: return 1'000'000;
  }
  return 1;
}

// Names as written in plans: "half_up", "half_even", "down", "up"; "fen", "yuan", "hundred",
// "thousand", "wan". Parsing an unknown name is an error listing the accepted ones.
std::string_view rounding_mode_name(RoundingMode mode);
std::string_view unit_name(Unit unit);
Result<RoundingMode> parse_rounding_mode(std::string_view text);
Result<Unit> parse_unit(std::string_view text);

// Rounds the exact quotient numerator / denominator (denominator != 0) to an integer by `mode`.
// Throws OverflowError when the rounded quotient does not fit in int64.
int64_t round_quotient(Int128 numerator, Int128 denominator, RoundingMode mode);

// ---------------------------------------------------------------------------------------------
// Money

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money from_fen(int64_t fen) { return Money(fen); }
  // Whole yuan; throws OverflowError past int64 fen.
  static Money from_yuan(int64_t yuan);
  static constexpr Money zero() { return Money(0); }
  static constexpr Money max() { return Money(INT64_MAX); }

  constexpr int64_t fen() const { return fen_; }
  constexpr bool is_zero() const { return fen_ == 0; }
  constexpr bool is_negative() const { return fen_ < 0; }

  // Checked: throw OverflowError instead of wrapping.
  Money operator+(Money other) const;
  Money operator-(Money other) const;
  Money operator-() const;
  Money operator*(int64_t factor) const;
  Money& operator+=(Money other) { return *this = *this + other; }
  Money& operator-=(Money other) { return *this = *this - other; }

  constexpr auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(int64_t fen) : fen_(fen) {}
  int64_t fen_ = 0;
};

struct ParseMoneyOptions {
  // The scale of a plain number: yuan, or wan for statistics kept in 万元. An explicit 万 or 亿
  // suffix in the text overrides it.
  Unit plain_unit = Unit::kYuan;
  // Accept "1,234,567.89" (groups of three digits), as quoted CSV cells may carry.
  bool allow_thousands_separators = false;
};

// Parses "1234.5", "-20", "1_000", "50万", "8.1亿", "67893.05万", "0.5万". `_` may stand only between
// two digits of the integer part. More precision than a fen, an empty text, a sign without digits,
// spaces, exponents or anything else is an error whose message quotes the text:
//   invalid amount "12a": expected a number of yuan such as 1234.5, 1_000, 50万 or 8.1亿
//   amount "12.345" is finer than a fen
//   amount "99999999999999999999" is out of range
Result<Money> parse_money(std::string_view text, const ParseMoneyOptions& options = {});

// "1234.50", "-0.05": yuan with exactly two decimals (awards.csv, pools.csv).
std::string format_yuan(Money amount);
// "67893.05万" / "8.10亿": for reports, rounded to `decimals` (0..6 for wan, 0..10 for yi: down
// to the fen) by `mode`; other decimals throw std::invalid_argument.
std::string format_wan(Money amount, int decimals = 2, RoundingMode mode = RoundingMode::kHalfUp);
std::string format_yi(Money amount, int decimals = 2, RoundingMode mode = RoundingMode::kHalfUp);

// Rounds an amount to a multiple of the rounding's unit.
Money round_to(Money amount, Rounding rounding);

// ---------------------------------------------------------------------------------------------
// Rates

// An exact decimal with up to 9 fractional digits, stored as an integer count of 10^-9.
class Rate {
 public:
  static constexpr int64_t kScale = 1'000'000'000;

  constexpr Rate() = default;
  static constexpr Rate from_nanos(int64_t nanos) { return Rate(nanos); }
  constexpr int64_t nanos() const { return nanos_; }

  constexpr auto operator<=>(const Rate&) const = default;

 private:
  constexpr explicit Rate(int64_t nanos) : nanos_(nanos) {}
  int64_t nanos_ = 0;
};

// Parses "0.05", "5%", "3‰", "-1.5%", "1_000". The value after applying % (÷100) or ‰ (÷1000) may
// have at most 9 fractional digits:
//   invalid rate "5 %": ...
//   rate "0.0000000001" is finer than 9 decimal places
Result<Rate> parse_rate(std::string_view text);
// Shortest exact decimal: "0.05", "1", "-0.003".
std::string format_rate(Rate rate);

// amount × rate, rounded once to the rounding's unit. Throws OverflowError past int64 fen.
Money multiply(Money amount, Rate rate, Rounding rounding);
// amount × numerator / denominator (denominator > 0), rounded once to the rounding's unit.
Money multiply_ratio(Money amount, int64_t numerator, int64_t denominator, Rounding rounding);

// ---------------------------------------------------------------------------------------------
// Exact splitting

// Splits `total` into parts proportional to `weights`, each a multiple of `unit`, summing exactly to
// `total` (the largest-remainder or Hamilton method): part_i starts at ⌊total·w_i/Σw / u⌋·u and the
// units left over go one each to the largest remainders, ties to the lower index.
// Errors: total negative or not a multiple of the unit, a negative weight, all weights zero while
// total > 0. Every allocation of scarce funds is built on this.
Result<std::vector<Money>> split_exact(Money total, std::span<const int64_t> weights, Unit unit);

}  // namespace subsidy
