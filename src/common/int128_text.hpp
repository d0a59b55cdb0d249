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

}  // namespace subsidy::internal
