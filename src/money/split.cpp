// split_exact: the largest-remainder (Hamilton) split every allocation is built on.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "subsidy/money.hpp"

namespace subsidy {

Result<std::vector<Money>> split_exact(Money total, std::span<const int64_t> weights, Unit unit) {
  const int64_t unit_size = unit_fen(unit);
  if (total.is_negative()) {
    return invalid_argument(fmt::format("cannot split a negative total {}", format_yuan(total)));
  }
  if (total.fen() % unit_size != 0) {
    return invalid_argument(fmt::format("cannot split {} exactly into multiples of a {}",
                                        format_yuan(total), unit_name(unit)));
  }
  Int128 weight_sum = 0;
  for (size_t idx = 0; idx < weights.size(); ++idx) {
    if (weights[idx] < 0) {
      return invalid_argument(fmt::format("weight {} is negative ({})", idx, weights[idx]));
    }
    weight_sum += weights[idx];
  }
  std::vector<Money> parts(weights.size());
  if (total.is_zero()) return parts;
  if (weight_sum == 0) {
    return invalid_argument(
        fmt::format("cannot split {}: the weights sum to zero", format_yuan(total)));
  }

  // Work in whole units: part_i = ⌊T·w_i / S⌋ units, remainder (T·w_i mod S) / S.
  // T·w_i < 2^63·2^63 = 2^126 fits a signed 128-bit integer.
  const Int128 total_units = total.fen() / unit_size;
  std::vector<Int128> remainders(weights.size());
  Int128 granted_units = 0;
  for (size_t idx = 0; idx < weights.size(); ++idx) {
    const Int128 product = total_units * weights[idx];
    const Int128 base = product / weight_sum;
    remainders[idx] = product % weight_sum;
    granted_units += base;
    parts[idx] = Money::from_fen(static_cast<int64_t>(base * unit_size));
  }
  // Fewer than weights.size() units are left; they go to the largest remainders, lower index first.
  const auto leftover = static_cast<size_t>(total_units - granted_units);
  if (leftover > 0) {
    std::vector<uint32_t> order(weights.size());
    std::iota(order.begin(), order.end(), 0);
    auto larger_remainder_first = [&](uint32_t a, uint32_t b) {
      if (remainders[a] != remainders[b]) return remainders[a] > remainders[b];
      return a < b;
    };
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(leftover - 1),
                     order.end(), larger_remainder_first);
    for (size_t k = 0; k < leftover; ++k) {
      parts[order[k]] = parts[order[k]] + Money::from_fen(unit_size);
    }
  }
  return parts;
}

}  // namespace subsidy
