// Column storage and the string dictionary.
#include <fmt/format.h>

#include <cassert>
#include <functional>

#include "common/hash.hpp"

#include "subsidy/roster.hpp"

namespace subsidy {

namespace {
constexpr std::string_view kTypeNames[] = {"text", "string", "money", "integer",
                                           "rate", "bool",   "date",  "tags"};

size_t hash_of(std::string_view value) { return internal::hash_bytes(value); }
}  // namespace

std::string_view column_type_name(ColumnType type) {
  return kTypeNames[static_cast<size_t>(type)];
}

Result<ColumnType> parse_column_type(std::string_view text) {
  for (size_t idx = 0; idx < std::size(kTypeNames); ++idx) {
    if (text == kTypeNames[idx]) return static_cast<ColumnType>(idx);
  }
  return invalid_argument(fmt::format(
      "unknown column type \"{}\"; expected string, text, money, integer, rate, bool, date or tags",
      text));
}

// ---------------------------------------------------------------------------------------------
// Dictionary: open addressing over codes, at most half full.

int32_t Dictionary::find(std::string_view value) const {
  if (slots_.empty()) return -1;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash_of(value) & mask;; slot = (slot + 1) & mask) {
    const int32_t code = slots_[slot];
    if (code < 0) return -1;
    if (this->value(code) == value) return code;
  }
}

int32_t Dictionary::intern(std::string_view value) {
  if (static_cast<size_t>(size() + 1) * 2 > slots_.size()) rehash();
  const size_t mask = slots_.size() - 1;
  size_t slot = hash_of(value) & mask;
  for (;; slot = (slot + 1) & mask) {
    const int32_t code = slots_[slot];
    if (code < 0) break;
    if (this->value(code) == value) return code;
  }
  const int32_t code = size();
  chars_.insert(chars_.end(), value.begin(), value.end());
  offsets_.push_back(static_cast<uint32_t>(chars_.size()));
  slots_[slot] = code;
  return code;
}

void Dictionary::rehash() {
  const size_t capacity = slots_.empty() ? 16 : slots_.size() * 2;
  slots_.assign(capacity, -1);
  const size_t mask = capacity - 1;
  for (int32_t code = 0; code < size(); ++code) {
    size_t slot = hash_of(value(code)) & mask;
    while (slots_[slot] >= 0) slot = (slot + 1) & mask;
    slots_[slot] = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Column

Column::Column(std::string name, ColumnType type)
    : name_(std::move(name)), type_(type), dictionary_(std::make_unique<Dictionary>()) {
  if (type_ == ColumnType::kText || type_ == ColumnType::kTags) offsets_.push_back(0);
}

void Column::reserve(RowIndex rows, size_t text_bytes) {
  const auto count = static_cast<size_t>(rows);
  validity_.reserve((count + 63) / 64);
  switch (type_) {
    case ColumnType::kMoney:
    case ColumnType::kInteger:
    case ColumnType::kRate:
    case ColumnType::kBool: int64s_.reserve(count); break;
    case ColumnType::kDate:
    case ColumnType::kString: int32s_.reserve(count); break;
    case ColumnType::kText:
      offsets_.reserve(count + 1);
      chars_.reserve(text_bytes);
      break;
    case ColumnType::kTags: offsets_.reserve(count + 1); break;
  }
}

void Column::append_null() {
  switch (type_) {
    case ColumnType::kMoney:
    case ColumnType::kInteger:
    case ColumnType::kRate:
    case ColumnType::kBool: int64s_.push_back(0); break;
    case ColumnType::kDate: int32s_.push_back(0); break;
    case ColumnType::kString: int32s_.push_back(-1); break;
    case ColumnType::kText:
    case ColumnType::kTags: offsets_.push_back(offsets_.back()); break;
  }
  push_validity(false);
}

void Column::append_string(std::string_view value) {
  if (type_ == ColumnType::kString) {
    int32s_.push_back(dictionary_->intern(value));
  } else {
    assert(type_ == ColumnType::kText);
    chars_.insert(chars_.end(), value.begin(), value.end());
    offsets_.push_back(chars_.size());
  }
  push_validity(true);
}

void Column::append_tags(std::span<const int32_t> codes) {
  assert(type_ == ColumnType::kTags);
  const size_t start = tag_codes_.size();
  for (const int32_t code : codes) {
    bool seen = false;
    for (size_t at = start; at < tag_codes_.size(); ++at) seen = seen || tag_codes_[at] == code;
    if (!seen) tag_codes_.push_back(code);
  }
  offsets_.push_back(tag_codes_.size());
  push_validity(true);
}

std::string Column::format_value(RowIndex row_idx) const {
  if (is_null(row_idx)) return "";
  switch (type_) {
    case ColumnType::kMoney: return format_yuan(Money::from_fen(int64s_[row_idx]));
    case ColumnType::kInteger: return std::to_string(int64s_[row_idx]);
    case ColumnType::kRate: return format_rate(Rate::from_nanos(int64s_[row_idx]));
    case ColumnType::kBool: return int64s_[row_idx] != 0 ? "true" : "false";
    case ColumnType::kDate: return Date::from_serial(int32s_[row_idx]).to_string();
    case ColumnType::kString: return std::string(dictionary_->value(int32s_[row_idx]));
    case ColumnType::kText: return std::string(text(row_idx));
    case ColumnType::kTags: {
      std::string out;
      for (const int32_t code : tags(row_idx)) {
        if (!out.empty()) out += ';';
        out += dictionary_->value(code);
      }
      return out;
    }
  }
  return "";
}

size_t Column::memory_bytes() const {
  return validity_.capacity() * sizeof(uint64_t) + int64s_.capacity() * sizeof(int64_t) +
         int32s_.capacity() * sizeof(int32_t) + chars_.capacity() +
         offsets_.capacity() * sizeof(uint64_t) + tag_codes_.capacity() * sizeof(int32_t);
}

}  // namespace subsidy
