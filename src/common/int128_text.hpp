// Internal: decimal text of 128-bit integers, for sums and ratios that may pass int64.
#pragma once

#include <string>

#include "subsidy/money.hpp"

namespace subsidy::internal {

inline std::string int128_text(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string digits;
  for (; value != 0; value /= 10) {
    const int digit = static_cast<int>(value % 10);
    digits.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
  }
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

// numerator / denominator (denominator ≠ 0) to `decimals` places (0..18), rounded half-up —
// halves away from zero: "0.590521", "-16.18". For ratios and percentages of sums that may pass
// int64.
inline std::string decimal_quotient_text(Int128 numerator, Int128 denominator, int decimals) {
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  Int128 scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  const Int128 scaled = numerator * scale;
  Int128 quotient = scaled / denominator;
  const Int128 rest = scaled % denominator;
  if ((rest < 0 ? -rest : rest) * 2 >= denominator) quotient += scaled < 0 ? -1 : 1;
  const Int128 magnitude = quotient < 0 ? -quotient : quotient;
  std::string text = quotient < 0 ? "-" : "";
  text += int128_text(magnitude / scale);
  if (decimals > 0) {
    const std::string fraction = int128_text(magnitude % scale);
    text += '.';
    text.append(static_cast<size_t>(decimals) - fraction.size(), '0');
    text += fraction;
  }
  return text;
}

}  // namespace subsidy::internal
