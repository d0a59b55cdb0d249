#include "common/rational.hpp"

#include <fmt/format.h>

#include <limits>

namespace subsidy::internal {

namespace {

__extension__ typedef unsigned __int128 UInt128;

UInt128 magnitude(Int128 value) {
  return value < 0 ? UInt128(0) - static_cast<UInt128>(value) : static_cast<UInt128>(value);
}

// a × b as a 256-bit (high, low) pair.
void multiply_wide(UInt128 a, UInt128 b, UInt128* high, UInt128* low) {
  const UInt128 mask = (UInt128(1) << 64) - 1;
  const UInt128 a_lo = a & mask, a_hi = a >> 64, b_lo = b & mask, b_hi = b >> 64;
  const UInt128 lo_lo = a_lo * b_lo;
  const UInt128 hi_lo = a_hi * b_lo;
  const UInt128 lo_hi = a_lo * b_hi;
  const UInt128 hi_hi = a_hi * b_hi;
  const UInt128 middle = (lo_lo >> 64) + (hi_lo & mask) + (lo_hi & mask);
  *low = (middle << 64) | (lo_lo & mask);
  *high = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (middle >> 64);
}

bool checked_multiply(Int128 a, Int128 b, Int128* out) { return !__builtin_mul_overflow(a, b, out); }
bool checked_add(Int128 a, Int128 b, Int128* out) { return !__builtin_add_overflow(a, b, out); }

}  // namespace

Int128 gcd128(Int128 a, Int128 b) {
  UInt128 x = magnitude(a), y = magnitude(b);
  while (y != 0) {
    const UInt128 t = x % y;
    x = y;
    y = t;
  }
  return static_cast<Int128>(x);
}

bool make_rational(Int128 num, Int128 den, Rational* out) {
  if (den < 0) {
    if (!checked_multiply(num, -1, &num) || !checked_multiply(den, -1, &den)) return false;
  }
  const Int128 divisor = gcd128(num, den);
  if (divisor > 1) {
    num /= divisor;
    den /= divisor;
  }
  out->num = num;
  out->den = den;
  return true;
}

bool add(const Rational& a, const Rational& b, Rational* out) {
  if (a.den == 1 && b.den == 1) {  // whole numbers: one checked addition
    out->den = 1;
    return checked_add(a.num, b.num, &out->num);
  }
  const Int128 g = gcd128(a.den, b.den);
  Int128 den, left, right, num;
  if (!checked_multiply(a.den / g, b.den, &den)) return false;
  if (!checked_multiply(a.num, b.den / g, &left)) return false;
  if (!checked_multiply(b.num, a.den / g, &right)) return false;
  if (!checked_add(left, right, &num)) return false;
  return make_rational(num, den, out);
}

bool subtract(const Rational& a, const Rational& b, Rational* out) {
  if (b.num == std::numeric_limits<Int128>::min()) return false;
  return add(a, Rational{-b.num, b.den}, out);
}

bool multiply(const Rational& a, const Rational& b, Rational* out) {
  if (a.den == 1 && b.den == 1) {  // whole numbers: one checked multiplication
    out->den = 1;
    return checked_multiply(a.num, b.num, &out->num);
  }
  const Int128 g1 = gcd128(a.num, b.den);
  const Int128 g2 = gcd128(b.num, a.den);
  const Int128 d1 = g1 == 0 ? 1 : g1;
  const Int128 d2 = g2 == 0 ? 1 : g2;
  Int128 num, den;
  if (!checked_multiply(a.num / d1, b.num / d2, &num)) return false;
  if (!checked_multiply(a.den / d2, b.den / d1, &den)) return false;
  return make_rational(num, den, out);
}

bool divide(const Rational& a, const Rational& b, Rational* out) {
  Rational inverse;
  if (!make_rational(b.den, b.num, &inverse)) return false;
  return multiply(a, inverse, out);
}

Rational negate(const Rational& a) { return Rational{-a.num, a.den}; }

int compare(const Rational& a, const Rational& b) {
  // Whole numbers, and products that fit in 128 bits, need no wide multiply.
  if (a.den == b.den) return a.num < b.num ? -1 : (a.num > b.num ? 1 : 0);
  Int128 left, right;
  if (!__builtin_mul_overflow(a.num, b.den, &left) && !__builtin_mul_overflow(b.num, a.den, &right)) {
    return left < right ? -1 : (left > right ? 1 : 0);
  }
  const int sign_a = a.num < 0 ? -1 : (a.num > 0 ? 1 : 0);
  const int sign_b = b.num < 0 ? -1 : (b.num > 0 ? 1 : 0);
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  if (sign_a == 0) return 0;
  UInt128 left_high, left_low, right_high, right_low;
  multiply_wide(magnitude(a.num), magnitude(b.den), &left_high, &left_low);
  multiply_wide(magnitude(b.num), magnitude(a.den), &right_high, &right_low);
  int order = 0;
  if (left_high != right_high) {
    order = left_high < right_high ? -1 : 1;
  } else if (left_low != right_low) {
    order = left_low < right_low ? -1 : 1;
  }
  return sign_a < 0 ? -order : order;
}

Int128 floor_of(const Rational& a) {
  Int128 quotient = a.num / a.den;
  if (a.num % a.den != 0 && a.num < 0) --quotient;
  return quotient;
}

Int128 ceil_of(const Rational& a) {
  Int128 quotient = a.num / a.den;
  if (a.num % a.den != 0 && a.num > 0) ++quotient;
  return quotient;
}

namespace {
std::string int128_text(Int128 value) {
  if (value == 0) return "0";
  UInt128 rest = magnitude(value);
  std::string digits;
  while (rest > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(rest % 10)));
    rest /= 10;
  }
  return value < 0 ? "-" + digits : digits;
}
}  // namespace

std::string to_string(const Rational& a) {
  if (a.den == 1) return int128_text(a.num);
  Int128 scale = 1;
  for (int digits = 1; digits <= 18; ++digits) {
    scale *= 10;
    if (scale % a.den != 0) continue;
    const Int128 scaled = a.num * (scale / a.den);
    const UInt128 mag = magnitude(scaled);
    std::string fraction = int128_text(static_cast<Int128>(mag % static_cast<UInt128>(scale)));
    fraction.insert(fraction.begin(), static_cast<size_t>(digits) - fraction.size(), '0');
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    return (scaled < 0 ? "-" : "") + int128_text(static_cast<Int128>(mag / static_cast<UInt128>(scale))) +
           "." + fraction;
  }
  return int128_text(a.num) + "/" + int128_text(a.den);
}

}  // namespace subsidy::internal
