// The scarcity methods. Every quantity is an integer count of fen or an exact fraction over a
// common denominator (Σ requested for pro_rata, the number of lines at the level for equal_cap),
// so remainders compare as integers and no floating point touches money.
#include "allocation/scarcity.hpp"

#include <algorithm>
#include <numeric>

#include "common/rational.hpp"

namespace subsidy::internal {

bool id_order_less(const SettleLine& a, const SettleLine& b) {
  return a.id_rank < b.id_rank || (a.id_rank == b.id_rank && a.program < b.program);
}

namespace {

std::vector<uint32_t> all_lines(size_t count) {
  std::vector<uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  return order;
}

// Gives one more unit to each of the `extra` candidates with the largest remainder, ties to the
// lower id then plan order. Remainders share one denominator, so they compare as integers.
void give_extra_units(std::span<const SettleLine> lines, std::vector<uint32_t> candidates,
                      const std::vector<Int128>& remainder, int64_t extra, int64_t unit,
                      std::vector<int64_t>* granted) {
  if (extra <= 0) return;
  auto before = [&](uint32_t a, uint32_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    return id_order_less(lines[a], lines[b]);
  };
  const auto cut = candidates.begin() + std::min<int64_t>(extra, candidates.size());
  std::nth_element(candidates.begin(), cut, candidates.end(), before);
  for (auto it = candidates.begin(); it != cut; ++it) (*granted)[*it] += unit;
}

Int128 total_requested(std::span<const SettleLine> lines) {
  Int128 total = 0;
  for (const SettleLine& line : lines) total += line.requested;
  return total;
}

std::vector<int64_t> requested_in_full(std::span<const SettleLine> lines) {
  std::vector<int64_t> granted(lines.size());
  for (size_t k = 0; k < lines.size(); ++k) granted[k] = lines[k].requested;
  return granted;
}

}  // namespace

std::vector<int64_t> settle_pro_rata(std::span<const SettleLine> lines, int64_t budget,
                                     int64_t unit) {
  const int64_t settled = budget / unit * unit;
  const Int128 total = total_requested(lines);
  if (total <= settled) return requested_in_full(lines);
  // q_i = req_i · B / Σ: base_i = ⌊q_i / u⌋ · u, remainder (req_i · B − base_i · Σ) / Σ.
  std::vector<int64_t> granted(lines.size());
  std::vector<Int128> remainder(lines.size());
  Int128 given = 0;
  for (size_t k = 0; k < lines.size(); ++k) {
    const Int128 share = static_cast<Int128>(lines[k].requested) * settled;
    const auto base = static_cast<int64_t>(share / (total * unit)) * unit;
    granted[k] = base;
    remainder[k] = share - static_cast<Int128>(base) * total;
    given += base;
  }
  give_extra_units(lines, all_lines(lines.size()), remainder,
                   static_cast<int64_t>((settled - given) / unit), unit, &granted);
  return granted;
}

std::vector<int64_t> settle_equal_cap(std::span<const SettleLine> lines, int64_t budget,
                                      int64_t unit) {
  const int64_t settled = budget / unit * unit;
  const Int128 total = total_requested(lines);
  if (total <= settled) return requested_in_full(lines);
  // λ = (B − Σ of the requests below it) / (lines at the level): walk the requests upwards until
  // the level fits under the next request.
  std::vector<uint32_t> ascending = all_lines(lines.size());
  std::sort(ascending.begin(), ascending.end(),
            [&](uint32_t a, uint32_t b) { return lines[a].requested < lines[b].requested; });
  Int128 left = settled;
  size_t below = 0;
  while (below < ascending.size()) {
    const Int128 at_level = static_cast<Int128>(ascending.size() - below);
    if (left <= static_cast<Int128>(lines[ascending[below]].requested) * at_level) break;
    left -= lines[ascending[below]].requested;
    ++below;
  }
  const auto count = static_cast<Int128>(ascending.size() - below);  // > 0 since total > settled
  std::vector<int64_t> granted(lines.size());
  std::vector<Int128> remainder(lines.size(), 0);
  Int128 given = 0;
  for (size_t k = 0; k < below; ++k) {
    granted[ascending[k]] = lines[ascending[k]].requested;
    given += lines[ascending[k]].requested;
  }
  // Every line at the level gets ⌊λ / u⌋ · u with the same remainder (λ − base) · count.
  const auto base = static_cast<int64_t>(left / (count * unit)) * unit;
  std::vector<uint32_t> at_level(ascending.begin() + static_cast<ptrdiff_t>(below),
                                 ascending.end());
  for (const uint32_t line : at_level) {
    granted[line] = base;
    remainder[line] = left - static_cast<Int128>(base) * count;
    given += base;
  }
  give_extra_units(lines, std::move(at_level), remainder,
                   static_cast<int64_t>((settled - given) / unit), unit, &granted);
  return granted;
}

std::vector<int64_t> settle_in_order(std::span<const SettleLine> lines,
                                     std::span<const uint32_t> order, int64_t budget, int64_t unit,
                                     const Scarcity& scarcity, std::vector<uint8_t>* passed_over) {
  std::vector<int64_t> granted(lines.size(), 0);
  if (passed_over != nullptr) passed_over->assign(lines.size(), 0);
  int64_t left = budget / unit * unit;
  int64_t funded = 0;
  for (const uint32_t line : order) {
    if (scarcity.max_funded && funded >= *scarcity.max_funded) break;
    const int64_t requested = lines[line].requested;
    if (requested <= left) {
      granted[line] = requested;
      left -= requested;
      ++funded;
      continue;
    }
    if (scarcity.partial) {
      granted[line] = left / unit * unit;
      break;
    }
    if (!scarcity.skip) break;
    if (passed_over != nullptr) (*passed_over)[line] = 1;
  }
  return granted;
}

std::vector<uint32_t> priority_order(std::span<const SettleLine> lines,
                                     const std::vector<std::vector<RankValue>>& keys,
                                     const std::vector<bool>& descending) {
  std::vector<uint32_t> order = all_lines(lines.size());
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (size_t key = 0; key < keys.size(); ++key) {
      const RankValue& x = keys[key][a];
      const RankValue& y = keys[key][b];
      if ((x.den == 0) != (y.den == 0)) return y.den == 0;  // nulls last, either direction
      if (x.den == 0) continue;
      const int order = compare(Rational{x.num, x.den}, Rational{y.num, y.den});
      if (order != 0) return descending[key] ? order > 0 : order < 0;
    }
    return id_order_less(lines[a], lines[b]);
  });
  return order;
}

std::vector<uint32_t> lottery_order(std::span<const SettleLine> lines, uint64_t seed) {
  std::vector<uint32_t> order = all_lines(lines.size());
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return id_order_less(lines[a], lines[b]); });
  SplitMix64 random{seed};
  for (size_t i = order.size(); i-- > 1;) {
    const size_t j = random.next() % (i + 1);
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace subsidy::internal
