// The Roster container: columns, the id index and the derived size column.
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <functional>

#include "common/hash.hpp"
#include "roster/sme_size.hpp"

#include "subsidy/roster.hpp"

namespace subsidy {

namespace {
uint64_t id_hash(std::string_view id) { return internal::hash_bytes(id); }

struct KeyedRow {
  uint64_t key;
  int32_t row;
};

// Sorts by key, stably: a least-significant-digit radix sort on the top 44 bits (four passes of
// eleven bits, whose counts stay in cache), then insertion sort of the rare runs that share those
// bits. Linear time; rows with equal keys keep their order.
void radix_sort(ColumnVector<KeyedRow>& items) {
  ColumnVector<KeyedRow> scratch(items.size());
  constexpr int kDigitBits = 11;
  constexpr uint64_t kDigitMask = (uint64_t{1} << kDigitBits) - 1;
  for (int shift = 64 - 4 * kDigitBits; shift < 64; shift += kDigitBits) {
    std::vector<size_t> counts((size_t{1} << kDigitBits) + 1, 0);
    for (const KeyedRow& item : items) ++counts[((item.key >> shift) & kDigitMask) + 1];
    for (size_t digit = 1; digit < counts.size(); ++digit) counts[digit] += counts[digit - 1];
    for (const KeyedRow& item : items) scratch[counts[(item.key >> shift) & kDigitMask]++] = item;
    items.swap(scratch);
  }
  constexpr int kLowBits = 64 - 4 * kDigitBits;
  for (size_t run = 0; run < items.size();) {
    size_t run_end = run + 1;
    while (run_end < items.size() && (items[run_end].key >> kLowBits) == (items[run].key >> kLowBits)) {
      ++run_end;
    }
    for (size_t idx = run + 1; idx < run_end; ++idx) {
      const KeyedRow item = items[idx];
      size_t at = idx;
      for (; at > run && items[at - 1].key > item.key; --at) items[at] = items[at - 1];
      items[at] = item;
    }
    run = run_end;
  }
}

}  // namespace

const Column* Roster::find(std::string_view name) const {
  for (const Column& column : columns_) {
    if (column.name() == name) return &column;
  }
  return nullptr;
}

const Column& Roster::column(std::string_view name) const {
  const Column* found = find(name);
  assert(found != nullptr && "Roster::column: no such column");
  return *found;
}

size_t Roster::memory_bytes() const {
  size_t bytes = rows_by_id_hash_.capacity() * sizeof(int32_t);
  for (const Column& column : columns_) bytes += column.memory_bytes();
  return bytes;
}

Status Roster::add_column(Column column) {
  if (find(column.name()) != nullptr) {
    return invalid_argument(fmt::format("column \"{}\" is given twice", column.name()));
  }
  if (columns_.empty()) {
    num_rows_ = column.size();
  } else if (column.size() != num_rows_) {
    return internal_error(fmt::format("column \"{}\" has {} rows, the roster {}", column.name(),
                                      column.size(), num_rows_));
  }
  columns_.push_back(std::move(column));
  return Status::Ok();
}

// Sorting rows by the hash of their id is far cheaper than sorting by the ids themselves, which
// share long prefixes (unified social credit codes start with the region); rows whose hashes are
// equal are few, and their ids are compared one by one.
std::optional<std::pair<RowIndex, RowIndex>> Roster::build_id_index() {
  const Column* ids = find("id");
  assert(ids != nullptr && ids->type() == ColumnType::kText);
  ColumnVector<KeyedRow> keyed(static_cast<size_t>(num_rows_));
  for (RowIndex row_idx = 0; row_idx < num_rows_; ++row_idx) {
    keyed[row_idx] = {id_hash(ids->text(row_idx)), static_cast<int32_t>(row_idx)};
  }
  radix_sort(keyed);
  std::optional<std::pair<RowIndex, RowIndex>> duplicate;
  for (size_t group = 0; group < keyed.size();) {
    size_t group_end = group + 1;
    while (group_end < keyed.size() && keyed[group_end].key == keyed[group].key) ++group_end;
    // Rows within a group are ascending (the sort is stable), so the first match for each later
    // row is its earliest twin.
    for (size_t later = group + 1; later < group_end; ++later) {
      for (size_t earlier = group; earlier < later; ++earlier) {
        if (ids->text(keyed[earlier].row) != ids->text(keyed[later].row)) continue;
        const std::pair<RowIndex, RowIndex> pair{keyed[earlier].row, keyed[later].row};
        if (!duplicate || pair.second < duplicate->second) duplicate = pair;
        break;
      }
    }
    group = group_end;
  }
  rows_by_id_hash_.resize(keyed.size());
  for (size_t idx = 0; idx < keyed.size(); ++idx) rows_by_id_hash_[idx] = keyed[idx].row;
  return duplicate;
}

std::optional<RowIndex> Roster::find_row(std::string_view id) const {
  const Column* ids = find("id");
  if (ids == nullptr) return std::nullopt;
  const uint64_t hash = id_hash(id);
  auto it = std::lower_bound(rows_by_id_hash_.begin(), rows_by_id_hash_.end(), hash,
                             [&](int32_t row, uint64_t key) { return id_hash(ids->text(row)) < key; });
  for (; it != rows_by_id_hash_.end() && id_hash(ids->text(*it)) == hash; ++it) {
    if (ids->text(*it) == id) return *it;
  }
  return std::nullopt;
}

namespace internal {

Column size_column_of(const Roster& roster) {
  const Column* industry = roster.find("industry");
  const Column* employees = roster.find("employees");
  const Column* revenue = roster.find("revenue");
  const Column* assets = roster.find("assets");
  Column size("size", ColumnType::kString);
  // Codes equal the SizeClass values, so later stages may compare codes with the enum.
  for (const SizeClass cls : {SizeClass::kLarge, SizeClass::kMedium, SizeClass::kSmall,
                              SizeClass::kMicro, SizeClass::kUnclassified}) {
    size.dictionary_for_build().intern(size_class_name(cls));
  }
  const RowIndex rows = roster.num_rows();
  size.reserve(rows);
  // The table row of each industry, found once per dictionary code.
  std::vector<int> row_of_code;
  if (industry != nullptr) {
    for (int32_t code = 0; code < industry->dictionary().size(); ++code) {
      row_of_code.push_back(size_row_for_industry(industry->dictionary().value(code)));
    }
  }
  auto value_at = [](const Column* column, RowIndex row_idx) -> std::optional<int64_t> {
    if (column == nullptr || column->is_null(row_idx)) return std::nullopt;
    return column->int64s()[row_idx];
  };
  for (RowIndex row_idx = 0; row_idx < rows; ++row_idx) {
    std::optional<SizeClass> cls;
    if (industry != nullptr && industry->is_valid(row_idx)) {
      cls = classify_size_with_row(row_of_code[industry->int32s()[row_idx]],
                                   value_at(employees, row_idx), value_at(revenue, row_idx),
                                   value_at(assets, row_idx));
    }
    if (cls) {
      size.append_code(static_cast<int32_t>(*cls));
    } else {
      size.append_null();
    }
  }
  return size;
}

}  // namespace internal

Status Roster::add_size_column() {
  if (find("size") != nullptr) {
    return invalid_argument(
        "column \"size\" is derived from industry, employees, revenue and assets; rename the "
        "file's own size column");
  }
  return add_column(internal::size_column_of(*this));
}

}  // namespace subsidy
