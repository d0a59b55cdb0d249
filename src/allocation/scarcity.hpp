// Internal: the scarcity methods of SPEC §7 over one budget's lines, in exact integer arithmetic.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "subsidy/money.hpp"
#include "subsidy/plan.hpp"

namespace subsidy::internal {

// One award line waiting to be settled.
struct SettleLine {
  int64_t requested = 0;  // fen, > 0, a multiple of the unit
  int64_t id_rank = 0;    // the enterprise id's rank in byte order: ties go to the lower id ...
  int32_t program = 0;    // ... then the earlier program in plan order
};

// A `rank_by` key of a line: null sorts last whatever the direction.
struct RankValue {
  Int128 num = 0;
  Int128 den = 0;  // 0: null
};

// Lines ordered by enterprise id, then plan order: the base order of every method.
bool id_order_less(const SettleLine& a, const SettleLine& b);

// pro_rata (Hamilton) and equal_cap (water-filling): granted per line, Σ = min(⌊B/u⌋·u, Σ req).
std::vector<int64_t> settle_pro_rata(std::span<const SettleLine> lines, int64_t budget,
                                     int64_t unit);
std::vector<int64_t> settle_equal_cap(std::span<const SettleLine> lines, int64_t budget,
                                      int64_t unit);

// priority: lines in `order` (indices into lines) are walked as SPEC §7 says. `passed_over`, when
// given, marks the lines `skip` passed over.
std::vector<int64_t> settle_in_order(std::span<const SettleLine> lines,
                                     std::span<const uint32_t> order, int64_t budget, int64_t unit,
                                     const Scarcity& scarcity,
                                     std::vector<uint8_t>* passed_over = nullptr);

// The order of priority: by the keys (keys[k][line], per rank_by key), then id, then plan order.
std::vector<uint32_t> priority_order(std::span<const SettleLine> lines,
                                     const std::vector<std::vector<RankValue>>& keys,
                                     const std::vector<bool>& descending);

// The order of a lottery: id order shuffled by Fisher–Yates driven by SplitMix64 from `seed`.
std::vector<uint32_t> lottery_order(std::span<const SettleLine> lines, uint64_t seed);

// SplitMix64, exactly as SPEC §7 gives it.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

}  // namespace subsidy::internal
