// Internal: exact rationals on 128-bit integers, for the rule language and the award stage.
//
// Every operation is checked: a result that leaves 128 bits sets `overflow` instead of wrapping,
// and the caller reports it. Denominators are positive and results kept reduced; compare() and
// floor_of()/ceil_of() also take fractions that are not reduced.
#pragma once

#include <cstdint>
#include <string>

#include "subsidy/money.hpp"

namespace subsidy::internal {

struct Rational {
  Int128 num = 0;
  Int128 den = 1;
};

Int128 gcd128(Int128 a, Int128 b);

// Each returns false on overflow (the output is then unspecified).
bool make_rational(Int128 num, Int128 den, Rational* out);  // den != 0
bool add(const Rational& a, const Rational& b, Rational* out);
bool subtract(const Rational& a, const Rational& b, Rational* out);
bool multiply(const Rational& a, const Rational& b, Rational* out);
bool divide(const Rational& a, const Rational& b, Rational* out);  // b != 0
Rational negate(const Rational& a);  // |num| < 2^127 always holds for reduced results we make

// -1, 0 or 1; exact for any two rationals (the products are compared in 256 bits).
int compare(const Rational& a, const Rational& b);

// floor(a) and ceil(a) as Int128.
Int128 floor_of(const Rational& a);
Int128 ceil_of(const Rational& a);

// Exact decimal text when the denominator divides a power of ten up to 10^18, else "num/den".
std::string to_string(const Rational& a);

}  // namespace subsidy::internal
