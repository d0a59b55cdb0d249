// Column storage and the string dictionary.
#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <functional>

#include "common/csv.hpp"
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
// Column buffers

namespace internal {

// Large buffers are mapped directly rather than taken from malloc: a freed mapping goes back to
// the system at once, where malloc's arenas (one per loading thread) would keep it, and a roster
// loaded in parts frees and reallocates most of its size while it appends them.
constexpr size_t kMapThreshold = size_t{256} << 10;
constexpr size_t kPage = size_t{4} << 10;
constexpr size_t kHugePage = size_t{2} << 20;

size_t mapped_size(size_t bytes) { return (bytes + kPage - 1) / kPage * kPage; }

void* allocate_column_buffer(size_t bytes) {
  if (bytes < kMapThreshold) {
    void* buffer = std::malloc(bytes == 0 ? 1 : bytes);
    if (buffer == nullptr) throw std::bad_alloc();
    return buffer;
  }
  const size_t size = mapped_size(bytes);
  if (size < kHugePage) {
    void* buffer = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buffer == MAP_FAILED) throw std::bad_alloc();
    return buffer;
  }
  // Map a huge page more than needed, keep the 2 MiB-aligned part, and ask for huge pages there.
  const size_t padded = size + kHugePage;
  void* mapping = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(mapping);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(mapping, aligned - start);
  const uintptr_t tail = aligned + size;
  const uintptr_t mapping_end = start + padded;
  if (mapping_end > tail) munmap(reinterpret_cast<void*>(tail), mapping_end - tail);
  madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // a hint only
  return reinterpret_cast<void*>(aligned);
}

void free_column_buffer(void* buffer, size_t bytes) noexcept {
  if (bytes < kMapThreshold) {
    std::free(buffer);
  } else {
    munmap(buffer, mapped_size(bytes));
  }
}

}  // namespace internal

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
  if (type_ == ColumnType::kText) text_chunks_.emplace_back();
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
      text_chunks_.back().reserve(text_bytes);
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
    ColumnVector<char>& chunk = text_chunks_.back();
    chunk.insert(chunk.end(), value.begin(), value.end());
    offsets_.push_back(((text_chunks_.size() - 1) << kChunkShift) | chunk.size());
  }
  push_validity(true);
}

void Column::append_tag_text(std::string_view text) {
  tag_scratch_.clear();
  while (!text.empty()) {
    const size_t cut = text.find(';');
    const std::string_view tag = internal::trim_blanks(text.substr(0, cut));
    if (!tag.empty()) tag_scratch_.push_back(dictionary_->intern(tag));
    text = cut == std::string_view::npos ? std::string_view() : text.substr(cut + 1);
  }
  append_tags(tag_scratch_);
}

void Column::append_tags(std::span<const int32_t> codes) {
  assert(type_ == ColumnType::kTags);
  tag_bitmaps_.clear();
  const size_t start = tag_codes_.size();
  for (const int32_t code : codes) {
    bool seen = false;
    for (size_t at = start; at < tag_codes_.size(); ++at) seen = seen || tag_codes_[at] == code;
    if (!seen) tag_codes_.push_back(code);
  }
  offsets_.push_back(tag_codes_.size());
  push_validity(true);
}

// Appends other's validity bits a word at a time, shifted to where this column's bits end.
void Column::append_validity(const Column& other) {
  const int shift = static_cast<int>(size_ & 63);
  const RowIndex total = size_ + other.size_;
  validity_.resize(static_cast<size_t>((total + 63) / 64), 0);
  const size_t first_word = static_cast<size_t>(size_ / 64);
  for (size_t word = 0; word < other.validity_.size(); ++word) {
    uint64_t bits = other.validity_[word];
    const RowIndex rows_in_word = std::min<RowIndex>(64, other.size_ - static_cast<RowIndex>(word) * 64);
    if (rows_in_word < 64) bits &= (uint64_t{1} << rows_in_word) - 1;
    validity_[first_word + word] |= bits << shift;
    if (shift != 0 && first_word + word + 1 < validity_.size()) {
      validity_[first_word + word + 1] |= bits >> (64 - shift);
    }
  }
  size_ = total;
  null_count_ += other.null_count_;
}

void Column::append_column(Column&& other) {
  assert(other.type_ == type_);
  tag_bitmaps_.clear();  // stale once rows are added: build_tag_index() again
  append_validity(other);
  std::vector<int32_t> code_map;
  if (type_ == ColumnType::kString || type_ == ColumnType::kTags) {
    code_map.resize(static_cast<size_t>(other.dictionary_->size()));
    for (int32_t code = 0; code < other.dictionary_->size(); ++code) {
      code_map[code] = dictionary_->intern(other.dictionary_->value(code));
    }
  }
  switch (type_) {
    case ColumnType::kMoney:
    case ColumnType::kInteger:
    case ColumnType::kRate:
    case ColumnType::kBool:
      int64s_.insert(int64s_.end(), other.int64s_.begin(), other.int64s_.end());
      break;
    case ColumnType::kDate:
      int32s_.insert(int32s_.end(), other.int32s_.begin(), other.int32s_.end());
      break;
    case ColumnType::kString:
      for (const int32_t code : other.int32s_) int32s_.push_back(code < 0 ? code : code_map[code]);
      break;
    case ColumnType::kText: {
      // Move other's chunks over, renumbered after ours: no characters are copied.
      const uint64_t first_chunk = text_chunks_.size();
      for (ColumnVector<char>& chunk : other.text_chunks_) text_chunks_.push_back(std::move(chunk));
      for (size_t idx = 1; idx < other.offsets_.size(); ++idx) {
        offsets_.push_back(other.offsets_[idx] + (first_chunk << kChunkShift));
      }
      break;
    }
    case ColumnType::kTags: {
      const uint64_t base = tag_codes_.size();
      for (const int32_t code : other.tag_codes_) tag_codes_.push_back(code_map[code]);
      for (size_t idx = 1; idx < other.offsets_.size(); ++idx) {
        offsets_.push_back(base + other.offsets_[idx]);
      }
      break;
    }
  }
  other = Column(other.name_, other.type_);
}

void Column::build_tag_index() {
  assert(type_ == ColumnType::kTags);
  constexpr int32_t kIndexedCodes = 64;
  const int32_t codes = std::min(dictionary_->size(), kIndexedCodes);
  tag_bitmaps_.assign(static_cast<size_t>(codes), {});
  const size_t words = static_cast<size_t>((size_ + 63) / 64);
  for (ColumnVector<uint64_t>& bitmap : tag_bitmaps_) bitmap.assign(words, 0);
  for (RowIndex row_idx = 0; row_idx < size_; ++row_idx) {
    for (const int32_t code : tags(row_idx)) {
      if (code < codes) tag_bitmaps_[code][row_idx >> 6] |= uint64_t{1} << (row_idx & 63);
    }
  }
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

size_t Column::text_bytes() const {
  size_t bytes = 0;
  for (const ColumnVector<char>& chunk : text_chunks_) bytes += chunk.size();
  return bytes;
}

size_t Column::memory_bytes() const {
  size_t bytes = validity_.capacity() * sizeof(uint64_t) + int64s_.capacity() * sizeof(int64_t) +
                 int32s_.capacity() * sizeof(int32_t) + offsets_.capacity() * sizeof(uint64_t) +
                 tag_codes_.capacity() * sizeof(int32_t);
  for (const ColumnVector<char>& chunk : text_chunks_) bytes += chunk.capacity();
  for (const ColumnVector<uint64_t>& bitmap : tag_bitmaps_) bytes += bitmap.capacity() * 8;
  return bytes;
}

}  // namespace subsidy
