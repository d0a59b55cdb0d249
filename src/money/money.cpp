// Money: checked int64 fen, parsing of yuan/万/亿 literals, formatting, named rounding.
#include "subsidy/money.hpp"

#include <fmt/format.h>

#include <array>

#include "money/decimal_text.hpp"

namespace subsidy {

namespace {

constexpr std::array<std::string_view, 4> kModeNames = {"half_up", "half_even", "down", "up"};
constexpr std::array<std::string_view, 5> kUnitNames = {"fen", "yuan", "hundred", "thousand",
                                                        "wan"};

[[noreturn]] void throw_overflow(const char* what) {
  throw OverflowError(std::string("money overflow: ") + what + " leaves the range of int64 fen");
}

int64_t checked_narrow(Int128 value, const char* what) {
  if (value > INT64_MAX || value < INT64_MIN) throw_overflow(what);
  return static_cast<int64_t>(value);
}

}  // namespace

std::string_view rounding_mode_name(RoundingMode mode) {
  return kModeNames[static_cast<size_t>(mode)];
}
std::string_view unit_name(Unit unit) { return kUnitNames[static_cast<size_t>(unit)]; }

Result<RoundingMode> parse_rounding_mode(std::string_view text) {
  for (size_t i = 0; i < kModeNames.size(); ++i) {
    if (text == kModeNames[i]) return static_cast<RoundingMode>(i);
  }
  return invalid_argument(
      fmt::format("unknown rounding mode \"{}\"; expected half_up, half_even, down or up", text));
}

Result<Unit> parse_unit(std::string_view text) {
  for (size_t i = 0; i < kUnitNames.size(); ++i) {
    if (text == kUnitNames[i]) return static_cast<Unit>(i);
  }
  return invalid_argument(fmt::format(
      "unknown rounding unit \"{}\"; expected fen, yuan, hundred, thousand or wan", text));
}

int64_t round_quotient(Int128 numerator, Int128 denominator, RoundingMode mode) {
  if (denominator == 0) throw std::domain_error("round_quotient: division by zero");
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  Int128 quotient = numerator / denominator;  // truncated toward zero
  Int128 remainder = numerator % denominator;  // sign of the numerator
  if (remainder != 0) {
    const int sign = numerator < 0 ? -1 : 1;
    const Int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
    bool away = false;
    switch (mode) {
      case RoundingMode::kDown: away = false; break;
      case RoundingMode::kUp: away = true; break;
      case RoundingMode::kHalfUp: away = twice >= denominator; break;
      case RoundingMode::kHalfEven:
        away = twice > denominator || (twice == denominator && (quotient % 2) != 0);
        break;
    }
    if (away) quotient += sign;
  }
  return checked_narrow(quotient, "a rounded quotient");
}

Money Money::from_yuan(int64_t yuan) {
  return Money(checked_narrow(static_cast<Int128>(yuan) * 100, "yuan to fen"));
}

Money Money::operator+(Money other) const {
  int64_t out;
  if (__builtin_add_overflow(fen_, other.fen_, &out)) throw_overflow("a sum");
  return Money(out);
}
Money Money::operator-(Money other) const {
  int64_t out;
  if (__builtin_sub_overflow(fen_, other.fen_, &out)) throw_overflow("a difference");
  return Money(out);
}
Money Money::operator-() const {
  if (fen_ == INT64_MIN) throw_overflow("a negation");
  return Money(-fen_);
}
Money Money::operator*(int64_t factor) const {
  int64_t out;
  if (__builtin_mul_overflow(fen_, factor, &out)) throw_overflow("a product");
  return Money(out);
}

namespace {

// The common cell, "42000000.00": yuan with at most 16 integer digits and at most two decimals.
// Anything else (and every error) goes through the general scan, which gives the same value.
bool parse_plain_yuan(std::string_view text, int64_t* fen) {
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  pos += negative ? 1 : 0;
  const size_t digits_start = pos;
  int64_t yuan = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - digits_start == 16) return false;  // stop before int64 could overflow
    yuan = yuan * 10 + (text[pos] - '0');
    ++pos;
  }
  const size_t digit_count = pos - digits_start;
  if (digit_count == 0 || digit_count > 16) return false;
  int64_t cents = 0;
  if (pos < text.size()) {
    if (text[pos] != '.') return false;
    const size_t fraction = text.size() - pos - 1;
    if (fraction == 0 || fraction > 2) return false;
    for (size_t at = pos + 1; at < text.size(); ++at) {
      if (text[at] < '0' || text[at] > '9') return false;
      cents = cents * 10 + (text[at] - '0');
    }
    if (fraction == 1) cents *= 10;
  }
  const int64_t magnitude = yuan * 100 + cents;
  *fen = negative ? -magnitude : magnitude;
  return true;
}

}  // namespace

Result<Money> parse_money(std::string_view text, const ParseMoneyOptions& options) {
  int64_t fast_fen;
  if (options.plain_unit == Unit::kYuan && parse_plain_yuan(text, &fast_fen)) {
    return Money::from_fen(fast_fen);
  }
  internal::DecimalText decimal;
  const auto error = internal::scan_decimal(text, options.allow_thousands_separators, &decimal);
  auto malformed = [&] {
    return invalid_argument(fmt::format(
        "invalid amount \"{}\": expected a number of yuan such as 1234.5, 1_000, 50万 or 8.1亿",
        text));
  };
  if (error != internal::ScanError::kNone) return malformed();
  Int128 scale_fen = unit_fen(options.plain_unit) * Int128{1};
  if (decimal.suffix == "万") {
    scale_fen = 1'000'000;
  } else if (decimal.suffix == "亿") {
    scale_fen = 10'000'000'000;
  } else if (!decimal.suffix.empty()) {
    return malformed();
  }
  auto too_fine = [&] {
    return invalid_argument(fmt::format("amount \"{}\" is finer than a fen", text));
  };
  if (decimal.fraction_digits > 10) return too_fine();  // finer than a fen at any scale
  if (decimal.digit_count > internal::kMaxDigits) {
    return out_of_range(fmt::format("amount \"{}\" is out of range", text));
  }
  const Int128 numerator = decimal.mantissa * scale_fen;
  const Int128 denominator = internal::pow10(decimal.fraction_digits);
  if (numerator % denominator != 0) return too_fine();
  const Int128 fen = decimal.negative ? -(numerator / denominator) : numerator / denominator;
  if (fen > INT64_MAX || fen < INT64_MIN) {
    return out_of_range(fmt::format("amount \"{}\" is out of range", text));
  }
  return Money::from_fen(static_cast<int64_t>(fen));
}

namespace {

// Writes |value| / 10^decimals with exactly `decimals` fraction digits, preceded by '-' if negative.
std::string format_scaled(int64_t scaled, int decimals) {
  const bool negative = scaled < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  uint64_t divisor = 1;
  for (int i = 0; i < decimals; ++i) divisor *= 10;
  std::string out = negative ? "-" : "";
  if (decimals == 0) return out + std::to_string(magnitude);
  return out + fmt::format("{}.{:0{}}", magnitude / divisor, magnitude % divisor, decimals);
}

std::string format_in(Money amount, int64_t unit_in_fen, int max_decimals, int decimals,
                      RoundingMode mode, const char* suffix) {
  if (decimals < 0 || decimals > max_decimals) {
    throw std::invalid_argument(fmt::format("format: decimals must be 0..{}", max_decimals));
  }
  const Int128 scaled_numerator = static_cast<Int128>(amount.fen()) * internal::pow10(decimals);
  const int64_t scaled = round_quotient(scaled_numerator, unit_in_fen, mode);
  return format_scaled(scaled, decimals) + suffix;
}

}  // namespace

std::string format_yuan(Money amount) { return format_scaled(amount.fen(), 2); }

std::string format_wan(Money amount, int decimals, RoundingMode mode) {
  return format_in(amount, 1'000'000, 6, decimals, mode, "万");
}

std::string format_yi(Money amount, int decimals, RoundingMode mode) {
  return format_in(amount, 10'000'000'000, 10, decimals, mode, "亿");
}

Money round_to(Money amount, Rounding rounding) {
  const int64_t unit = unit_fen(rounding.unit);
  const int64_t units = round_quotient(amount.fen(), unit, rounding.mode);
  return Money::from_fen(checked_narrow(static_cast<Int128>(units) * unit, "a rounding"));
}

Money multiply(Money amount, Rate rate, Rounding rounding) {
  const int64_t unit = unit_fen(rounding.unit);
  const Int128 numerator = static_cast<Int128>(amount.fen()) * rate.nanos();
  const int64_t units = round_quotient(numerator, static_cast<Int128>(Rate::kScale) * unit,
                                       rounding.mode);
  return Money::from_fen(checked_narrow(static_cast<Int128>(units) * unit, "a product"));
}

Money multiply_ratio(Money amount, int64_t numerator, int64_t denominator, Rounding rounding) {
  if (denominator <= 0) throw std::invalid_argument("multiply_ratio: denominator must be > 0");
  const int64_t unit = unit_fen(rounding.unit);
  const int64_t units = round_quotient(static_cast<Int128>(amount.fen()) * numerator,
                                       static_cast<Int128>(denominator) * unit, rounding.mode);
  return Money::from_fen(checked_narrow(static_cast<Int128>(units) * unit, "a ratio"));
}

}  // namespace subsidy
