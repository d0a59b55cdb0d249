// Rates: exact decimals with up to 9 fractional digits, and the decimal scanner they share with money.
#include <fmt/format.h>

#include "money/decimal_text.hpp"
#include "subsidy/money.hpp"

namespace subsidy {

namespace internal {

ScanError scan_decimal(std::string_view text, bool allow_thousands_separators, DecimalText* out) {
  *out = DecimalText{};
  size_t pos = 0;
  if (pos < text.size() && text[pos] == '-') {
    out->negative = true;
    ++pos;
  }
  auto is_digit = [&](size_t at) { return at < text.size() && text[at] >= '0' && text[at] <= '9'; };
  auto take_digit = [&](char c) {
    if (out->digit_count == 0 && c == '0') return;  // leading zero
    if (out->digit_count < kMaxDigits) out->mantissa = out->mantissa * 10 + (c - '0');
    ++out->digit_count;
  };
  if (!is_digit(pos)) return ScanError::kMalformed;
  int group_len = 0;        // digits since the last separator
  bool seen_comma = false;
  bool seen_underscore = false;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c >= '0' && c <= '9') {
      take_digit(c);
      ++group_len;
      ++pos;
    } else if (c == '_') {
      if (seen_comma || !is_digit(pos + 1)) return ScanError::kMalformed;
      seen_underscore = true;
      group_len = 0;
      ++pos;
    } else if (c == ',' && allow_thousands_separators) {
      if (seen_underscore || group_len == 0 || group_len > 3 || (seen_comma && group_len != 3)) {
        return ScanError::kMalformed;
      }
      seen_comma = true;
      group_len = 0;
      ++pos;
    } else {
      break;
    }
  }
  if (seen_comma && group_len != 3) return ScanError::kMalformed;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!is_digit(pos)) return ScanError::kMalformed;
    size_t end = pos;
    while (is_digit(end)) ++end;
    size_t last = end;  // trailing zeros of the fraction do not change the value
    while (last > pos && text[last - 1] == '0') --last;
    for (size_t at = pos; at < last; ++at) take_digit(text[at]);
    out->fraction_digits = static_cast<int>(last - pos);
    pos = end;
  }
  if (out->digit_count > kMaxDigits) {
    // Keep the scale honest for callers that test precision first: the mantissa is unusable.
    out->mantissa = 0;
  }
  out->suffix = text.substr(pos);
  return ScanError::kNone;
}

}  // namespace internal

Result<Rate> parse_rate(std::string_view text) {
  internal::DecimalText decimal;
  auto malformed = [&] {
    return invalid_argument(fmt::format(
        "invalid rate \"{}\": expected a decimal such as 0.05, 5% or 3‰", text));
  };
  if (internal::scan_decimal(text, false, &decimal) != internal::ScanError::kNone) {
    return malformed();
  }
  int divisor_digits = 0;  // % divides by 10^2, ‰ by 10^3
  if (decimal.suffix == "%") {
    divisor_digits = 2;
  } else if (decimal.suffix == "‰") {
    divisor_digits = 3;
  } else if (!decimal.suffix.empty()) {
    return malformed();
  }
  if (decimal.fraction_digits + divisor_digits > 9) {
    return invalid_argument(fmt::format("rate \"{}\" is finer than 9 decimal places", text));
  }
  const Int128 magnitude =
      decimal.mantissa * internal::pow10(9 - decimal.fraction_digits - divisor_digits);
  const Int128 nanos = decimal.negative ? -magnitude : magnitude;
  if (decimal.digit_count > internal::kMaxDigits || nanos > INT64_MAX || nanos < INT64_MIN) {
    return out_of_range(fmt::format("rate \"{}\" is out of range", text));
  }
  return Rate::from_nanos(static_cast<int64_t>(nanos));
}

std::string format_rate(Rate rate) {
  const bool negative = rate.nanos() < 0;
  const uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(rate.nanos())
                                      : static_cast<uint64_t>(rate.nanos());
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / Rate::kScale);
  uint64_t fraction = magnitude % Rate::kScale;
  if (fraction == 0) return out;
  std::string digits = fmt::format("{:09}", fraction);
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace subsidy
