// Internal: the lexical scan shared by money and rate literals.
#pragma once

#include <string_view>

#include "subsidy/money.hpp"

namespace subsidy::internal {

// Significant digits kept exactly; more is out of range for any int64 fen or 10^-9 count.
constexpr int kMaxDigits = 27;

struct DecimalText {
  bool negative = false;
  Int128 mantissa = 0;      // all significant digits, integer and fraction, as one integer
  int digit_count = 0;      // significant digits (leading zeros of the integer part not counted)
  int fraction_digits = 0;  // digits after '.', trailing zeros removed
  std::string_view suffix;  // whatever follows the number ("万", "%", ...), for the caller to judge
};

enum class ScanError { kNone, kMalformed };

// ['-'] digits (('_' digits) | (',' ddd))* ['.' digits] suffix — '_' only between digits; ','
// only when allowed, in groups of three after a first group of one to three digits.
ScanError scan_decimal(std::string_view text, bool allow_thousands_separators, DecimalText* out);

constexpr Int128 pow10(int exponent) {
  Int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

}  // namespace subsidy::internal
