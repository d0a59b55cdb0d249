// The scarcity methods. Every quantity is an integer count of fen or an exact fraction over a
// common denominator (Σ requested for pro_rata, the number of lines at the level for equal_cap),
// so remainders compare as integers and no floating point touches money.
//
// Orders are built on plain integers gathered into one contiguous array (a line's index and its
// key), sorted by radix (stable, linear) or selected with nth_element, not through comparators
// that read lines, keys and id ranks scattered over memory: at hundreds of thousands of lines such
// reads miss the caches on every comparison. A line's id rank, read from a table with an entry per
// roster row, is fetched only for the lines a tie among them needs it for (IdRanks).
#include "allocation/scarcity.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <numeric>
#include <utility>

#include "common/rational.hpp"

namespace subsidy::internal {

namespace {

__extension__ typedef unsigned __int128 UInt128;

// A line (its index) and the key it is ordered by.
struct Keyed {
  uint64_t key;
  uint32_t line;
};

bool key_less(const Keyed& a, const Keyed& b) { return a.key < b.key; }

// Sorts by key, stably: least significant byte first, skipping the bytes every key shares (keys
// offset from their least value, ranks and dates, differ in two to four bytes).
void radix_sort(ScratchVector<Keyed>& items) {
  const size_t count = items.size();
  if (count <= 64) {
    std::stable_sort(items.begin(), items.end(), key_less);
    return;
  }
  uint64_t differ = 0;
  for (const Keyed& item : items) differ |= item.key ^ items.front().key;
  std::array<int, 8> shifts{};
  size_t digits = 0;
  for (int shift = 0; shift < 64; shift += 8) {
    if (((differ >> shift) & 0xFF) != 0) shifts[digits++] = shift;
  }
  if (digits == 0) return;
  std::vector<std::array<uint32_t, 256>> starts(digits, std::array<uint32_t, 256>{});
  for (const Keyed& item : items) {
    for (size_t d = 0; d < digits; ++d) ++starts[d][(item.key >> shifts[d]) & 0xFF];
  }
  ScratchVector<Keyed> buffer(count);
  for (size_t d = 0; d < digits; ++d) {
    uint32_t start = 0;
    for (uint32_t& slot : starts[d]) start += std::exchange(slot, start);
    for (const Keyed& item : items) buffer[starts[d][(item.key >> shifts[d]) & 0xFF]++] = item;
    items.swap(buffer);
  }
}

// Keys each item by its line's id (rank, then program), fetching the ranks a few lines ahead:
// the rows of the lines lie far apart in the table.
void key_by_id(std::span<const SettleLine> lines, IdRanks ranks, std::span<Keyed> items) {
  constexpr size_t kAhead = 16;
  for (size_t k = 0; k < items.size(); ++k) {
    if (ranks.table != nullptr && k + kAhead < items.size()) {
      __builtin_prefetch(&ranks.table[lines[items[k + kAhead].line].id_rank]);
    }
    items[k].key = ranks.key(lines[items[k].line]);
  }
}

// Every line, in id order then plan order.
ScratchVector<Keyed> in_id_order(std::span<const SettleLine> lines, IdRanks ranks) {
  ScratchVector<Keyed> items(lines.size());
  for (size_t k = 0; k < lines.size(); ++k) items[k].line = static_cast<uint32_t>(k);
  key_by_id(lines, ranks, items);
  radix_sort(items);
  return items;
}

// A value picked out of many, and how many of them equal it.
template <class Value>
struct Picked {
  Value value;
  size_t equal;
};

// The `count`-th smallest (from 1, count <= size) of value(0) … value(size − 1): a histogram of
// the leading bits in which the values differ finds the bucket it falls in, and nth_element picks
// it among the values there. Linear whatever their order (nth_element over all of them degrades
// on runs already sorted, as the ids of a roster nearly in id order are).
template <class Value>
Picked<uint64_t> nth_smallest(size_t size, Value value, size_t count) {
  uint64_t differ = 0;
  const uint64_t first = value(0);
  for (size_t k = 0; k < size; ++k) differ |= value(k) ^ first;
  if (differ == 0) return {first, size};
  constexpr int kBits = 10;
  constexpr uint64_t kMask = (uint64_t{1} << kBits) - 1;
  const int shift = std::max(0, 64 - __builtin_clzll(differ) - kBits);  // the bits above agree
  std::vector<uint32_t> counts(kMask + 1, 0);
  for (size_t k = 0; k < size; ++k) ++counts[(value(k) >> shift) & kMask];
  size_t below = 0;
  size_t bucket = 0;
  for (; below + counts[bucket] < count; ++bucket) below += counts[bucket];
  std::vector<uint64_t> same;
  same.reserve(counts[bucket]);
  for (size_t k = 0; k < size; ++k) {
    if (((value(k) >> shift) & kMask) == bucket) same.push_back(value(k));
  }
  const auto at = same.begin() + static_cast<ptrdiff_t>(count - below - 1);
  std::nth_element(same.begin(), at, same.end());
  // Values equal to it share its bucket.
  return {*at, static_cast<size_t>(std::count(same.begin(), same.end(), *at))};
}

// The `count`-th largest remainder (from 1, count <= size), and how many equal it.
Picked<uint64_t> largest_nth(std::span<const uint64_t> values, size_t count) {
  return nth_smallest(
      values.size(), [&](size_t k) { return values[k]; }, values.size() - count + 1);
}

Picked<Int128> largest_nth(std::span<const Int128> values, size_t count) {
  std::vector<Int128> copy(values.begin(), values.end());
  const auto at = copy.begin() + static_cast<ptrdiff_t>(count - 1);
  std::nth_element(copy.begin(), at, copy.end(), std::greater<>());
  return {*at, static_cast<size_t>(std::count(copy.begin(), copy.end(), *at))};
}

// One more unit each for the `count` of `items` lowest in id order, then plan order. (An
// enterprise has one line per program, so keys differ; were two equal, the earlier item would
// get the unit, and still exactly `count` units are given.)
void give_to_lowest_ids(std::span<const SettleLine> lines, IdRanks ranks, std::span<Keyed> items,
                        size_t count, int64_t unit, std::span<int64_t> granted) {
  if (count == 0) return;
  if (count >= items.size()) {
    for (const Keyed& item : items) granted[item.line] += unit;
    return;
  }
  key_by_id(lines, ranks, items);
  const uint64_t last =
      nth_smallest(
          items.size(), [&](size_t k) { return items[k].key; }, count)
          .value;
  size_t left = count;
  for (const Keyed& item : items) {
    if (item.key < last) {
      granted[item.line] += unit;
      --left;
    }
  }
  for (const Keyed& item : items) {
    if (left == 0) break;
    if (item.key == last) {
      granted[item.line] += unit;
      --left;
    }
  }
}

// Gives one more unit to each of the `extra` lines with the largest remainder, ties to the lower
// id then plan order. Remainders share one denominator, so they compare as integers: the least
// remainder that gets a unit is found first, and only the lines tied at it need their ids.
template <class Remainder>
void give_extra_units(std::span<const SettleLine> lines, IdRanks ranks,
                      std::span<const Remainder> remainder, int64_t extra, int64_t unit,
                      std::span<int64_t> granted) {
  if (extra <= 0 || remainder.empty()) return;
  if (static_cast<uint64_t>(extra) >= remainder.size()) {
    for (size_t k = 0; k < remainder.size(); ++k) granted[k] += unit;
    return;
  }
  const auto [least, equal] = largest_nth(remainder, static_cast<size_t>(extra));
  ScratchVector<Keyed> tied;
  tied.reserve(equal);
  size_t left = static_cast<size_t>(extra);
  for (size_t k = 0; k < remainder.size(); ++k) {
    if (remainder[k] > least) {
      granted[k] += unit;
      --left;
    } else if (remainder[k] == least) {
      tied.push_back(Keyed{0, static_cast<uint32_t>(k)});
    }
  }
  give_to_lowest_ids(lines, ranks, tied, left, unit, granted);
}

Int128 total_requested(std::span<const SettleLine> lines) {
  Int128 total = 0;
  for (const SettleLine& line : lines) total += line.requested;
  return total;
}

void requested_in_full(std::span<const SettleLine> lines, std::span<int64_t> granted) {
  for (size_t k = 0; k < lines.size(); ++k) granted[k] = lines[k].requested;
}

// A method's grants as a vector, for the form that returns them.
template <class Method>
std::vector<int64_t> granted_by(size_t count, Method method) {
  std::vector<int64_t> granted(count, 0);
  method(std::span<int64_t>(granted));
  return granted;
}

// The walk of priority and lottery (SPEC §7), one line at a time in their order.
class Walk {
 public:
  Walk(std::span<const SettleLine> lines, int64_t budget, int64_t unit, const Scarcity& scarcity,
       std::vector<uint8_t>* passed_over, std::span<int64_t> granted)
      : lines_(lines),
        unit_(unit),
        scarcity_(scarcity),
        passed_over_(passed_over),
        granted_(granted),
        left_(budget / unit * unit) {
    std::fill(granted_.begin(), granted_.end(), 0);
    if (passed_over_ != nullptr) passed_over_->assign(lines.size(), 0);
  }

  // The next line in order; false when the walk stops (before it, for max_funded).
  bool take(uint32_t line) {
    if (scarcity_.max_funded && funded_ >= *scarcity_.max_funded) return false;
    const int64_t requested = lines_[line].requested;
    if (requested <= left_) {
      granted_[line] = requested;
      left_ -= requested;
      ++funded_;
      return true;
    }
    if (scarcity_.partial) {
      granted_[line] = left_ / unit_ * unit_;
      return false;
    }
    if (!scarcity_.skip) return false;
    if (passed_over_ != nullptr) (*passed_over_)[line] = 1;
    return true;
  }

 private:
  std::span<const SettleLine> lines_;
  int64_t unit_;
  const Scarcity& scarcity_;
  std::vector<uint8_t>* passed_over_;
  std::span<int64_t> granted_;
  int64_t left_;
  int64_t funded_ = 0;
};

// A rank_by key's values as integers in the order priority takes them: by value (exactly, as
// compare() orders fractions), reversed when descending, nulls last either way; equal values
// equal integers.
ScratchVector<uint64_t> sortable_key(std::span<const RankValue> values, bool descending) {
  ScratchVector<uint64_t> out(values.size(), 0);
  // One denominator (whole numbers, amounts, dates): the numerators order the values; offset from
  // the least, they fit in 64 bits unless they span nearly all of 2^64.
  bool any = false;
  bool one_denominator = true;
  Int128 denominator = 0;
  Int128 low = 0;
  Int128 high = 0;
  for (const RankValue& value : values) {
    if (value.den == 0) continue;
    if (!any) {
      any = true;
      denominator = value.den;
      low = high = value.num;
    } else if (value.den != denominator) {
      one_denominator = false;
      break;
    }
    low = std::min(low, value.num);
    high = std::max(high, value.num);
  }
  if (!any) return out;  // all null: all tied
  const UInt128 span = static_cast<UInt128>(high) - static_cast<UInt128>(low);
  if (one_denominator && span < UINT64_MAX) {
    for (size_t k = 0; k < values.size(); ++k) {
      if (values[k].den == 0) {
        out[k] = static_cast<uint64_t>(span) + 1;
        continue;
      }
      const auto offset =
          static_cast<uint64_t>(static_cast<UInt128>(values[k].num) - static_cast<UInt128>(low));
      out[k] = descending ? static_cast<uint64_t>(span) - offset : offset;
    }
    return out;
  }
  // Fractions over several denominators: ranked by compare(), equal values sharing a rank.
  struct Entry {
    Rational value;
    uint32_t index;
  };
  std::vector<Entry> present;
  for (size_t k = 0; k < values.size(); ++k) {
    if (values[k].den != 0) {
      present.push_back(Entry{Rational{values[k].num, values[k].den}, static_cast<uint32_t>(k)});
    }
  }
  std::sort(present.begin(), present.end(),
            [](const Entry& a, const Entry& b) { return compare(a.value, b.value) < 0; });
  uint64_t rank = 0;
  for (size_t k = 0; k < present.size(); ++k) {
    if (k > 0 && compare(present[k - 1].value, present[k].value) != 0) ++rank;
    out[present[k].index] = rank;
  }
  const uint64_t distinct = rank + 1;
  for (size_t k = 0; k < values.size(); ++k) {
    if (values[k].den == 0) {
      out[k] = distinct;
    } else if (descending) {
      out[k] = distinct - 1 - out[k];
    }
  }
  return out;
}

// Sorts `order` (stably) by the keys, the first key first: least significant key first.
void sort_by_keys(const std::vector<ScratchVector<uint64_t>>& sortable,
                  ScratchVector<Keyed>& order) {
  for (size_t key = sortable.size(); key-- > 0;) {
    for (Keyed& item : order) item.key = sortable[key][item.line];
    radix_sort(order);
  }
}

template <class Keys>  // vectors of RankValue, one per key
std::vector<ScratchVector<uint64_t>> sortable_keys(const Keys& keys,
                                                   const std::vector<bool>& descending) {
  std::vector<ScratchVector<uint64_t>> sortable;
  for (size_t key = 0; key < keys.size(); ++key) {
    sortable.push_back(sortable_key(keys[key], descending[key]));
  }
  return sortable;
}

}  // namespace

std::vector<int64_t> settle_pro_rata(std::span<const SettleLine> lines, int64_t budget,
                                     int64_t unit, IdRanks ranks) {
  return granted_by(lines.size(), [&](std::span<int64_t> granted) {
    settle_pro_rata(lines, budget, unit, ranks, granted);
  });
}

void settle_pro_rata(std::span<const SettleLine> lines, int64_t budget, int64_t unit, IdRanks ranks,
                     std::span<int64_t> granted) {
  const int64_t settled = budget / unit * unit;
  const Int128 total = total_requested(lines);
  if (total <= settled) return requested_in_full(lines, granted);
  // q_i = req_i · B / Σ: base_i = ⌊q_i / u⌋ · u, remainder (req_i · B − base_i · Σ) / Σ, whose
  // numerator is req_i · B mod Σ·u. Requests and B are >= 0, so all of it is unsigned; the
  // remainders fit in 64 bits when Σ·u does, and so do the divisions when req_i · B does too.
  const auto divisor = static_cast<UInt128>(total) * static_cast<uint64_t>(unit);
  auto settle = [&]<class Remainder>(ScratchVector<Remainder> remainder) {
    Int128 given = 0;
    for (size_t k = 0; k < lines.size(); ++k) {
      const UInt128 share = static_cast<UInt128>(static_cast<uint64_t>(lines[k].requested)) *
                            static_cast<uint64_t>(settled);
      UInt128 quotient = 0;
      if ((share | divisor) >> 64 == 0) {
        quotient = static_cast<uint64_t>(share) / static_cast<uint64_t>(divisor);
        remainder[k] = static_cast<Remainder>(static_cast<uint64_t>(share) %
                                              static_cast<uint64_t>(divisor));
      } else {
        quotient = share / divisor;
        remainder[k] = static_cast<Remainder>(share % divisor);
      }
      granted[k] = static_cast<int64_t>(quotient) * unit;
      given += granted[k];
    }
    give_extra_units<Remainder>(lines, ranks, remainder,
                                static_cast<int64_t>((settled - given) / unit), unit, granted);
  };
  if (divisor >> 64 == 0) {
    settle(ScratchVector<uint64_t>(lines.size()));
  } else {
    settle(ScratchVector<Int128>(lines.size()));
  }
}

std::vector<int64_t> settle_equal_cap(std::span<const SettleLine> lines, int64_t budget,
                                      int64_t unit, IdRanks ranks) {
  return granted_by(lines.size(), [&](std::span<int64_t> granted) {
    settle_equal_cap(lines, budget, unit, ranks, granted);
  });
}

void settle_equal_cap(std::span<const SettleLine> lines, int64_t budget, int64_t unit,
                      IdRanks ranks, std::span<int64_t> granted) {
  const int64_t settled = budget / unit * unit;
  const Int128 total = total_requested(lines);
  if (total <= settled) return requested_in_full(lines, granted);
  // λ = (B − Σ of the requests below it) / (lines at the level): walk the requests upwards until
  // the level fits under the next request. Equal requests are all below the level or all at it,
  // so their order among themselves does not matter.
  constexpr uint64_t kSign = uint64_t{1} << 63;  // flipped, int64 orders as uint64
  ScratchVector<Keyed> ascending(lines.size());
  for (size_t k = 0; k < lines.size(); ++k) {
    ascending[k] =
        Keyed{static_cast<uint64_t>(lines[k].requested) ^ kSign, static_cast<uint32_t>(k)};
  }
  radix_sort(ascending);
  auto request = [&](size_t k) { return static_cast<int64_t>(ascending[k].key ^ kSign); };
  Int128 left = settled;
  size_t below = 0;
  while (below < ascending.size()) {
    const Int128 at_level = static_cast<Int128>(ascending.size() - below);
    if (left <= static_cast<Int128>(request(below)) * at_level) break;
    left -= request(below);
    ++below;
  }
  const auto count = static_cast<Int128>(ascending.size() - below);  // > 0 since total > settled
  Int128 given = 0;
  for (size_t k = 0; k < below; ++k) {
    granted[ascending[k].line] = request(k);
    given += request(k);
  }
  // Every line at the level gets ⌊λ / u⌋ · u with the same remainder (λ − base) · count, so the
  // leftover units go to the lines at the level in id order.
  const auto base = static_cast<int64_t>(left / (count * unit)) * unit;
  const std::span<Keyed> at_level = std::span<Keyed>(ascending).subspan(below);
  for (const Keyed& item : at_level) {
    granted[item.line] = base;
    given += base;
  }
  const auto extra = static_cast<int64_t>((settled - given) / unit);
  if (extra > 0) give_to_lowest_ids(lines, ranks, at_level, static_cast<size_t>(extra), unit, granted);
}

std::vector<int64_t> settle_in_order(std::span<const SettleLine> lines,
                                     std::span<const uint32_t> order, int64_t budget, int64_t unit,
                                     const Scarcity& scarcity, std::vector<uint8_t>* passed_over) {
  return granted_by(lines.size(), [&](std::span<int64_t> granted) {
    settle_in_order(lines, order, budget, unit, scarcity, passed_over, granted);
  });
}

void settle_in_order(std::span<const SettleLine> lines, std::span<const uint32_t> order,
                     int64_t budget, int64_t unit, const Scarcity& scarcity,
                     std::vector<uint8_t>* passed_over, std::span<int64_t> granted) {
  Walk walk(lines, budget, unit, scarcity, passed_over, granted);
  for (const uint32_t line : order) {
    if (!walk.take(line)) break;
  }
}

std::vector<uint32_t> priority_order(std::span<const SettleLine> lines,
                                     const std::vector<std::vector<RankValue>>& keys,
                                     const std::vector<bool>& descending, IdRanks ranks) {
  ScratchVector<Keyed> order = in_id_order(lines, ranks);
  sort_by_keys(sortable_keys(keys, descending), order);
  std::vector<uint32_t> out(order.size());
  for (size_t k = 0; k < order.size(); ++k) out[k] = order[k].line;
  return out;
}

void settle_priority(std::span<const SettleLine> lines,
                     const std::vector<ScratchVector<RankValue>>& keys,
                     const std::vector<bool>& descending, int64_t budget, int64_t unit,
                     const Scarcity& scarcity, std::vector<uint8_t>* passed_over, IdRanks ranks,
                     std::span<int64_t> granted) {
  // By the keys alone first; each run of lines tied on every key is put in id order when the
  // walk comes to it (the walk often stops within the first few).
  const std::vector<ScratchVector<uint64_t>> sortable = sortable_keys(keys, descending);
  ScratchVector<Keyed> order(lines.size());
  for (size_t k = 0; k < lines.size(); ++k) order[k].line = static_cast<uint32_t>(k);
  sort_by_keys(sortable, order);
  auto tied = [&](uint32_t a, uint32_t b) {
    for (const ScratchVector<uint64_t>& key : sortable) {
      if (key[a] != key[b]) return false;
    }
    return true;
  };
  Walk walk(lines, budget, unit, scarcity, passed_over, granted);
  ScratchVector<Keyed> run;
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && tied(order[start].line, order[end].line)) ++end;
    bool going = true;
    if (end - start == 1) {
      going = walk.take(order[start].line);
    } else {
      run.assign(order.begin() + static_cast<ptrdiff_t>(start),
                 order.begin() + static_cast<ptrdiff_t>(end));
      key_by_id(lines, ranks, run);
      radix_sort(run);
      for (const Keyed& item : run) {
        if (!(going = walk.take(item.line))) break;
      }
    }
    if (!going) break;
    start = end;
  }
}

std::vector<uint32_t> lottery_order(std::span<const SettleLine> lines, uint64_t seed,
                                    IdRanks ranks) {
  const ScratchVector<Keyed> by_id = in_id_order(lines, ranks);
  std::vector<uint32_t> order(by_id.size());
  for (size_t k = 0; k < by_id.size(); ++k) order[k] = by_id[k].line;
  SplitMix64 random{seed};
  for (size_t i = order.size(); i-- > 1;) {
    const size_t j = random.next() % (i + 1);
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace subsidy::internal
