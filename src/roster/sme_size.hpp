// Internal: the SME size table split in two, so a roster finds each industry's row once per
// dictionary code and then classifies its rows by thresholds alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "subsidy/roster.hpp"

namespace subsidy::internal {

// The table row for an industry code, or -1 when the code is not a section letter and digits.
int size_row_for_industry(std::string_view industry);

// classify_size() for a row found by size_row_for_industry(); -1 gives nullopt.
std::optional<SizeClass> classify_size_with_row(int row_index, std::optional<int64_t> employees,
                                                std::optional<int64_t> revenue_fen,
                                                std::optional<int64_t> assets_fen);

// The derived `size` column of a roster (not yet added to it).
Column size_column_of(const Roster& roster);

}  // namespace subsidy::internal
