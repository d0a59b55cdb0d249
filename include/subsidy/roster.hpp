// The roster: a columnar table of enterprises, loaded once and shared read-only by every run
// (SPEC §4).
//
// Columns are struct-of-arrays: money, integers, rates and booleans as int64 arrays, dates and
// dictionary codes as int32 arrays, text as one character buffer with offsets, tag sets as lists of
// dictionary codes. Every column has an explicit validity mask; a null is never a magic value.
// The derived column `size` (the SME size class of 工信部联企业〔2011〕300号) is added at load.
//
//   using namespace subsidy;
//   LoadReport report;
//   Result<Roster> roster = load_roster_csv("examples/roster-small.csv", {}, &report);
//   if (!roster.ok()) { std::cerr << roster.status().message() << "\n"; return 2; }
//   const Column& tax = roster->column("tax_paid");
//   for (RowIndex row_idx = 0; row_idx < roster->num_rows(); ++row_idx)
//     if (tax.is_valid(row_idx)) total += Money::from_fen(tax.int64s()[row_idx]);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/money.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

// The one row-index type of the project.
using RowIndex = int64_t;

namespace internal {
// Column buffers of 256 KiB and more are mapped directly (and from 2 MiB on huge pages): loading a
// million-row roster otherwise spends a good part of its time in page faults, and keeps memory
// it has freed.
void* allocate_column_buffer(size_t bytes);
void free_column_buffer(void* buffer, size_t bytes) noexcept;

template <class T>
struct ColumnAllocator {
  using value_type = T;
  ColumnAllocator() = default;
  template <class U>
  ColumnAllocator(const ColumnAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t count) { return static_cast<T*>(allocate_column_buffer(count * sizeof(T))); }
  void deallocate(T* buffer, size_t count) noexcept { free_column_buffer(buffer, count * sizeof(T)); }
  template <class U>
  bool operator==(const ColumnAllocator<U>&) const { return true; }
};
}  // namespace internal

template <class T>
using ColumnVector = std::vector<T, internal::ColumnAllocator<T>>;

// What a column holds and how it is stored:
//   kText      plain strings (id, name): chars + offsets
//   kString    dictionary-encoded strings (region, industry, size, extra text): int32 codes
//   kMoney     int64 fen          kInteger  int64          kRate  int64 count of 10^-9
//   kBool      int64 0 or 1       kDate     int32 day serial (see Date)
//   kTags      a set of dictionary codes per row (an empty cell is the empty set, not null)
enum class ColumnType { kText, kString, kMoney, kInteger, kRate, kBool, kDate, kTags };

std::string_view column_type_name(ColumnType type);  // "text", "string", "money", ...
// Schema spellings: "string" (dictionary-encoded), "text", "money", "integer", "rate", "bool",
// "date", "tags".
Result<ColumnType> parse_column_type(std::string_view text);

// Strings interned once; codes are dense 0..size()-1 in order of first appearance.
class Dictionary {
 public:
  int32_t size() const { return static_cast<int32_t>(offsets_.size()) - 1; }
  std::string_view value(int32_t code) const {
    return std::string_view(chars_.data() + offsets_[code], offsets_[code + 1] - offsets_[code]);
  }
  // -1 when the value is not in the dictionary (a rule can then never match it).
  int32_t find(std::string_view value) const;
  // Returns the code of `value`, adding it when new.
  int32_t intern(std::string_view value);

 private:
  void rehash();
  std::vector<char> chars_;
  std::vector<uint32_t> offsets_{0};
  std::vector<int32_t> slots_;  // open addressing over codes, -1 empty
};

class Column {
 public:
  Column(std::string name, ColumnType type);

  const std::string& name() const { return name_; }
  ColumnType type() const { return type_; }
  RowIndex size() const { return size_; }

  // Validity: bit set means a value is present.
  bool is_valid(RowIndex row_idx) const {
    return (validity_[static_cast<size_t>(row_idx) >> 6] >> (row_idx & 63)) & 1;
  }
  bool is_null(RowIndex row_idx) const { return !is_valid(row_idx); }
  RowIndex null_count() const { return null_count_; }
  std::span<const uint64_t> validity_words() const { return validity_; }

  // kMoney, kInteger, kRate, kBool. A null row holds 0.
  std::span<const int64_t> int64s() const { return int64s_; }
  // kDate (day serials) and kString (dictionary codes). A null row holds 0 (date) or -1 (string).
  std::span<const int32_t> int32s() const { return int32s_; }
  // kString and kTags.
  const Dictionary& dictionary() const { return *dictionary_; }
  // kText.
  std::string_view text(RowIndex row_idx) const {
    // offsets_[r + 1] is (chunk, end of row r in it); row r begins where row r - 1 ended when
    // both are in the same chunk, else at the chunk's start.
    const uint64_t end = offsets_[row_idx + 1];
    const uint64_t begin = offsets_[row_idx];
    const uint64_t chunk = end >> kChunkShift;
    const uint64_t begin_at = (begin >> kChunkShift) == chunk ? begin & kOffsetMask : 0;
    return std::string_view(text_chunks_[chunk].data() + begin_at, (end & kOffsetMask) - begin_at);
  }
  // kTags: the codes of the row's tags in the order written, without duplicates.
  std::span<const int32_t> tags(RowIndex row_idx) const {
    return std::span<const int32_t>(tag_codes_.data() + offsets_[row_idx],
                                    offsets_[row_idx + 1] - offsets_[row_idx]);
  }
  // kTags: the rows holding tag `code` as a bitmap (bit r of word r / 64), for the first 64 codes
  // once build_tag_index() has run; nullptr otherwise. has_tag() reads one bit per row this way.
  const uint64_t* tag_bitmap(int32_t code) const {
    if (code < 0 || static_cast<size_t>(code) >= tag_bitmaps_.size()) return nullptr;
    return tag_bitmaps_[code].empty() ? nullptr : tag_bitmaps_[code].data();
  }
  // A row's value as text: money as yuan with two decimals, rates exactly, dates in ISO, tags
  // joined by ';'; "" for null.
  std::string format_value(RowIndex row_idx) const;

  // Bytes of text held (kText), for sizing buffers.
  size_t text_bytes() const;
  // Bytes held by the column's buffers (capacity), for memory reports.
  size_t memory_bytes() const;

  // --- building (used by loaders and generators) ---
  void reserve(RowIndex rows, size_t text_bytes = 0);
  void append_null();
  // Inline: called once per cell while loading millions of rows.
  void append_int64(int64_t value) {  // kMoney, kInteger, kRate, kBool
    int64s_.push_back(value);
    push_validity(true);
  }
  void append_int32(int32_t value) {  // kDate
    int32s_.push_back(value);
    push_validity(true);
  }
  void append_string(std::string_view value);  // kString (interned) and kText
  void append_code(int32_t code) {  // kString: a code already in dictionary_for_build()
    int32s_.push_back(code);
    push_validity(true);
  }
  // kTags: `codes` already interned in dictionary_for_build(); duplicates are dropped here.
  void append_tags(std::span<const int32_t> codes);
  // kTags: a cell's text, tags separated by ';', each trimmed of spaces and tabs, empty ones
  // dropped (an empty cell is the empty set).
  void append_tag_text(std::string_view text);
  Dictionary& dictionary_for_build() { return *dictionary_; }
  // Appends the rows of `other` (same name and type), re-coding its dictionary into this one,
  // and releases other's buffers.
  void append_column(Column&& other);
  // kTags: builds tag_bitmap() for the first 64 codes (a bit per row each); call once the column
  // is complete.
  void build_tag_index();

 private:
  void append_validity(const Column& other);
  void push_validity(bool valid) {
    if ((size_ & 63) == 0) validity_.push_back(0);
    if (valid) {
      validity_.back() |= uint64_t{1} << (size_ & 63);
    } else {
      ++null_count_;
    }
    ++size_;
  }

  std::string name_;
  ColumnType type_;
  RowIndex size_ = 0;
  RowIndex null_count_ = 0;
  ColumnVector<uint64_t> validity_;
  ColumnVector<int64_t> int64s_;
  ColumnVector<int32_t> int32s_;
  // kText keeps its characters in chunks (one per part of a file loaded in parallel, so appending
  // the parts moves buffers instead of copying them); offsets_ then hold (chunk << 48) | end.
  // kTags: offsets_ index tag_codes_ directly.
  static constexpr int kChunkShift = 48;
  static constexpr uint64_t kOffsetMask = (uint64_t{1} << kChunkShift) - 1;
  std::vector<ColumnVector<char>> text_chunks_;
  ColumnVector<uint64_t> offsets_;
  ColumnVector<int32_t> tag_codes_;
  std::vector<ColumnVector<uint64_t>> tag_bitmaps_;
  std::vector<int32_t> tag_scratch_;  // append_tag_text()'s codes of one cell
  std::unique_ptr<Dictionary> dictionary_;
};

// SME size classes of 中小企业划型标准规定 (工信部联企业〔2011〕300号). Finance (section J) has its own
// standard and is kUnclassified.
enum class SizeClass : int8_t { kLarge, kMedium, kSmall, kMicro, kUnclassified };
std::string_view size_class_name(SizeClass size);  // "large", "medium", "small", "micro", "unclassified"

// Classifies one enterprise: industry is a GB/T 4754-2017 code ("C3911"), revenue and assets in
// fen. Classes cascade large → medium → small → micro, each needing every lower bound of its row;
// an indicator the decision needs but that is missing (nullopt), or an industry code that is not a
// section letter followed by digits, gives nullopt. See src/roster/sme_size.cpp for the table.
std::optional<SizeClass> classify_size(std::string_view industry, std::optional<int64_t> employees,
                                       std::optional<Money> revenue, std::optional<Money> assets);

class Roster {
 public:
  Roster() = default;
  Roster(Roster&&) noexcept = default;
  Roster& operator=(Roster&&) noexcept = default;

  RowIndex num_rows() const { return num_rows_; }
  const std::vector<Column>& columns() const { return columns_; }
  // nullptr when there is no such column.
  const Column* find(std::string_view name) const;
  // The column, which must exist (programmer error otherwise).
  const Column& column(std::string_view name) const;
  // The row of an enterprise id, by binary search over an index built at load.
  std::optional<RowIndex> find_row(std::string_view id) const;

  size_t memory_bytes() const;

  // --- building ---
  // Adds a column whose size must equal num_rows() (or sets num_rows() when it is the first).
  Status add_column(Column column);
  // Builds the id index. Returns the first pair of rows (a < b) that share an id, if any; the
  // loader turns it into an error naming both lines.
  std::optional<std::pair<RowIndex, RowIndex>> build_id_index();
  // Adds the derived `size` column from industry, employees, revenue and assets (those that exist).
  Status add_size_column();

 private:
  RowIndex num_rows_ = 0;
  std::vector<Column> columns_;
  ColumnVector<int32_t> rows_by_id_hash_;  // row indices sorted by the hash of their id
};

// How to read the columns of a roster file. Standard columns (SPEC §4) and their usual Chinese
// headers are known without one.
struct ColumnSpec {
  std::string name;                  // name in rules: "rent_paid"
  std::optional<ColumnType> type;    // nullopt: standard type, or inferred for an extra column
  Unit unit = Unit::kYuan;           // scale of plain numbers in a money column (yuan or wan)
  std::string header;                // header it is read from; empty means `name`
};
struct Schema {
  std::vector<ColumnSpec> columns;
};

// Reads a schema file (YAML):
//   columns:
//     rent_paid: {type: money, unit: wan, header: 房租(万元)}
//     score:     {type: integer}
//     revenue:   {unit: wan, header: 营业收入(万元)}
// Unknown or repeated keys, wrong types and bad units are errors naming the file and the key.
Result<Schema> load_schema(const std::string& path);
Result<Schema> parse_schema(std::string_view yaml_text, const std::string& file_name = "schema");

// A standard column of SPEC §4 by its name or its usual Chinese header ("入库税金" → tax_paid,
// money); nullopt for any other column.
std::optional<std::pair<std::string_view, ColumnType>> standard_column_of(
    std::string_view name_or_header);

enum class Encoding { kUtf8, kGbk };
Result<Encoding> parse_encoding(std::string_view text);  // "utf-8"/"utf8", "gbk"/"gb18030"

struct LoadOptions {
  Encoding encoding = Encoding::kUtf8;
  const Schema* schema = nullptr;
  // When set, a bad row is written there (the original row, then line, column, reason) instead of
  // failing the load. Duplicate ids and bad headers still fail the load.
  std::string rejects_path;
  // Threads for a large UTF-8 file (0: every core). Results are the same for any count.
  int threads = 0;
  // A UTF-8 file of at least twice this size is cut into one part per thread (each at least this
  // size), loaded in parallel and appended in order.
  int64_t bytes_per_part = int64_t{16} << 20;
};

struct LoadReport {
  RowIndex rows_loaded = 0;
  RowIndex rows_rejected = 0;
  int64_t bytes_read = 0;
  int parts = 0;  // parts the file was loaded in (1: sequentially)
};

// Loads a roster CSV. Errors name the file, the 1-based line, the column and the reason:
//   roster.csv:5: column tax_paid: amount "12.345" is finer than a fen
Result<Roster> load_roster_csv(const std::string& path, const LoadOptions& options = {},
                               LoadReport* report = nullptr);
// The same from bytes in memory; `file_name` is used in messages.
Result<Roster> parse_roster_csv(std::string_view data, const LoadOptions& options = {},
                                LoadReport* report = nullptr,
                                const std::string& file_name = "<memory>");

// Writes a roster as UTF-8 CSV (LF, a header row, RFC 4180 quoting only where needed), columns in
// roster order, values as Column::format_value.
Status write_roster_csv(const Roster& roster, const std::string& path);

}  // namespace subsidy
