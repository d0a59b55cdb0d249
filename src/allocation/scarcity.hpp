// Internal: the scarcity methods of SPEC §7 over one budget's lines, in exact integer arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "subsidy/money.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"

namespace subsidy::internal {

// Scratch arrays of a settlement. From 2 MiB on (hundreds of thousands of lines) they are mapped
// on huge pages as column buffers are, in whole huge pages: fresh memory costs a fault per 4 KiB
// page otherwise, which at 10M rows took as long as the work on it. Smaller ones come from malloc,
// which reuses them.
template <class T>
struct ScratchAllocator {
  static constexpr size_t kHugePage = size_t{2} << 20;
  using value_type = T;
  ScratchAllocator() = default;
  template <class U>
  ScratchAllocator(const ScratchAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
  // The bytes mapped for `count` items; 0: from malloc.
  static size_t mapped(size_t count) {
    const size_t bytes = count * sizeof(T);
    return bytes < kHugePage ? 0 : (bytes + kHugePage - 1) / kHugePage * kHugePage;
  }
  T* allocate(size_t count) {
    if (const size_t bytes = mapped(count); bytes > 0) {
      return static_cast<T*>(allocate_column_buffer(bytes));
    }
    return std::allocator<T>().allocate(count);
  }
  void deallocate(T* buffer, size_t count) noexcept {
    if (const size_t bytes = mapped(count); bytes > 0) {
      free_column_buffer(buffer, bytes);
    } else {
      std::allocator<T>().deallocate(buffer, count);
    }
  }
  template <class U>
  bool operator==(const ScratchAllocator<U>&) const {
    return true;
  }
};

template <class T>
using ScratchVector = std::vector<T, ScratchAllocator<T>>;

// One award line waiting to be settled.
struct SettleLine {
  int64_t requested = 0;  // fen, > 0, a multiple of the unit
  int64_t id_rank = 0;    // the enterprise id's rank in byte order: ties go to the lower id ...
  int32_t program = 0;    // ... then the earlier program in plan order
  uint32_t line = 0;      // the engine's: the line's index among its program's lines
};

// Where the lines' id ranks are: in SettleLine::id_rank (no table), or table[SettleLine::id_rank]
// (the line holds its roster row). The engine passes the table, so that a method reads the rank
// only of the lines a tie among them needs it for: the table has an entry per roster row, and
// reading it for every line of a large roster goes to memory. Ranks and programs are >= 0 and
// ranks < 2^32 (rows of a roster).
struct IdRanks {
  const int32_t* table = nullptr;
  int64_t of(const SettleLine& line) const {
    return table == nullptr ? line.id_rank : table[line.id_rank];
  }
  // The base order of every method: by enterprise id (its rank), then plan order (the program).
  uint64_t key(const SettleLine& line) const {
    return static_cast<uint64_t>(of(line)) << 32 | static_cast<uint32_t>(line.program);
  }
};

// A `rank_by` key of a line: null sorts last whatever the direction.
struct RankValue {
  Int128 num = 0;
  Int128 den = 0;  // 0: null
};

// Each method returns what it grants per line, or (the engine's form, into its scratch arrays)
// writes it to `granted`, one entry per line. Budgets are >= 0 (the plan reader sees to it).

// pro_rata (Hamilton) and equal_cap (water-filling): granted per line, Σ = min(⌊B/u⌋·u, Σ req).
std::vector<int64_t> settle_pro_rata(std::span<const SettleLine> lines, int64_t budget,
                                     int64_t unit, IdRanks ranks = {});
void settle_pro_rata(std::span<const SettleLine> lines, int64_t budget, int64_t unit, IdRanks ranks,
                     std::span<int64_t> granted);
std::vector<int64_t> settle_equal_cap(std::span<const SettleLine> lines, int64_t budget,
                                      int64_t unit, IdRanks ranks = {});
void settle_equal_cap(std::span<const SettleLine> lines, int64_t budget, int64_t unit,
                      IdRanks ranks, std::span<int64_t> granted);

// priority: lines in `order` (indices into lines) are walked as SPEC §7 says. `passed_over`, when
// given, marks the lines `skip` passed over.
std::vector<int64_t> settle_in_order(std::span<const SettleLine> lines,
                                     std::span<const uint32_t> order, int64_t budget, int64_t unit,
                                     const Scarcity& scarcity,
                                     std::vector<uint8_t>* passed_over = nullptr);
void settle_in_order(std::span<const SettleLine> lines, std::span<const uint32_t> order,
                     int64_t budget, int64_t unit, const Scarcity& scarcity,
                     std::vector<uint8_t>* passed_over, std::span<int64_t> granted);

// The order of priority: by the keys (keys[k][line], per rank_by key), then id, then plan order.
std::vector<uint32_t> priority_order(std::span<const SettleLine> lines,
                                     const std::vector<std::vector<RankValue>>& keys,
                                     const std::vector<bool>& descending, IdRanks ranks = {});

// priority_order walked by settle_in_order, the same grants, without ordering more than the walk
// reads: lines tied on every key are put in id order only when the walk reaches them.
void settle_priority(std::span<const SettleLine> lines,
                     const std::vector<ScratchVector<RankValue>>& keys,
                     const std::vector<bool>& descending, int64_t budget, int64_t unit,
                     const Scarcity& scarcity, std::vector<uint8_t>* passed_over, IdRanks ranks,
                     std::span<int64_t> granted);

// The order of a lottery: id order shuffled by Fisher–Yates driven by SplitMix64 from `seed`.
std::vector<uint32_t> lottery_order(std::span<const SettleLine> lines, uint64_t seed,
                                    IdRanks ranks = {});

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
