// Loading a roster from CSV: bytes (UTF-8 or GBK) → records (RFC 4180) → typed columns.
//
// The file is read in chunks into one reusable buffer, so resident memory is the columns plus the
// buffer, not a copy of the file. A row is parsed completely into scratch cells before any column
// is touched: a bad row is then either the load's error or a line of the rejects file, never half
// loaded.
#include <fmt/format.h>
#include <emmintrin.h>
#include <iconv.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/csv.hpp"
#include "money/decimal_text.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;  // fits in cache between read and parse
constexpr size_t kMaxRecordBytes = size_t{64} << 20;

// ---------------------------------------------------------------------------------------------
// Byte sources (called once per chunk, so a virtual call is fine)

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `max` bytes; 0 at the end of the input.
  virtual Result<size_t> read(char* destination, size_t max) = 0;
  // Bytes of the underlying input consumed so far, and in all (-1 when unknown).
  virtual int64_t input_consumed() const = 0;
  virtual int64_t input_size() const = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<size_t> read(char* destination, size_t max) override {
    const size_t count = std::min(max, data_.size() - position_);
    std::memcpy(destination, data_.data() + position_, count);
    position_ += count;
    return count;
  }
  int64_t input_consumed() const override { return static_cast<int64_t>(position_); }
  int64_t input_size() const override { return static_cast<int64_t>(data_.size()); }

 private:
  std::string_view data_;
  size_t position_ = 0;
};

class FileSource final : public ByteSource {
 public:
  FileSource(FILE* file, std::string path, int64_t size)
      : file_(file), path_(std::move(path)), size_(size) {}
  ~FileSource() override { std::fclose(file_); }
  Result<size_t> read(char* destination, size_t max) override {
    const size_t count = std::fread(destination, 1, max, file_);
    if (count == 0 && std::ferror(file_)) {
      return io_error(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    }
    consumed_ += static_cast<int64_t>(count);
    return count;
  }
  int64_t input_consumed() const override { return consumed_; }
  int64_t input_size() const override { return size_; }

 private:
  FILE* file_;
  std::string path_;
  int64_t size_;
  int64_t consumed_ = 0;
};

// GBK (read as GB18030, its superset) to UTF-8 through iconv, carrying a multi-byte sequence that
// a chunk boundary cuts over to the next chunk.
class GbkSource final : public ByteSource {
 public:
  GbkSource(std::unique_ptr<ByteSource> inner, std::string file_name)
      : inner_(std::move(inner)), file_name_(std::move(file_name)), input_(kChunkBytes) {
    converter_ = iconv_open("UTF-8", "GB18030");
  }
  ~GbkSource() override {
    if (converter_ != reinterpret_cast<iconv_t>(-1)) iconv_close(converter_);
  }
  bool ready() const { return converter_ != reinterpret_cast<iconv_t>(-1); }

  Result<size_t> read(char* destination, size_t max) override {
    char* out = destination;
    size_t out_left = max;
    while (out_left > 0) {
      if (pending_ == 0 || need_more_) {
        if (inner_eof_) {
          if (pending_ > 0) {
            return invalid_argument(fmt::format(
                "{}:{}: the file ends inside a GBK character", file_name_, lines_ + 1));
          }
          break;
        }
        std::memmove(input_.data(), input_.data() + offset_, pending_);
        offset_ = 0;
        SUBSIDY_ASSIGN_OR_RETURN(const size_t count,
                                 inner_->read(input_.data() + pending_, input_.size() - pending_));
        if (count == 0) inner_eof_ = true;
        pending_ += count;
        need_more_ = false;
        continue;
      }
      char* in = input_.data() + offset_;
      size_t in_left = pending_;
      char* const out_before = out;
      const size_t result = iconv(converter_, &in, &in_left, &out, &out_left);
      lines_ += std::count(out_before, out, '\n');
      offset_ = static_cast<size_t>(in - input_.data());
      pending_ = in_left;
      if (result == static_cast<size_t>(-1)) {
        if (errno == E2BIG) break;
        if (errno == EINVAL) {
          need_more_ = true;  // a character cut by the chunk boundary
          continue;
        }
        return invalid_argument(fmt::format("{}:{}: invalid GBK byte sequence", file_name_,
                                            lines_ + 1));
      }
    }
    return static_cast<size_t>(out - destination);
  }
  int64_t input_consumed() const override { return inner_->input_consumed(); }
  int64_t input_size() const override { return inner_->input_size(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string file_name_;
  iconv_t converter_;
  std::vector<char> input_;
  size_t offset_ = 0;
  size_t pending_ = 0;
  bool need_more_ = false;
  bool inner_eof_ = false;
  int64_t lines_ = 0;
};

// ---------------------------------------------------------------------------------------------
// RFC 4180 records

struct Field {
  char* data;
  uint32_t size;
  bool quoted;
  bool escaped;  // holds doubled quotes still to be collapsed
  std::string_view view() const { return std::string_view(data, size); }
};

struct Record {
  std::vector<Field> fields;
  int64_t line = 0;          // physical line where the record starts
  int64_t newlines = -1;     // line ends inside the record, when the scan counted them
  std::string row_error;     // a problem confined to this record (it can be rejected)
};

// Validates UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). ASCII runs are skipped
// sixteen bytes at a time; the three-byte sequences of Chinese text take the first branch.
bool valid_utf8(const unsigned char* p, const unsigned char* end) {
  while (p < end) {
    if (end - p >= 16) {
      const int high_bits =
          _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
      if (high_bits == 0) {
        p += 16;
        continue;
      }
      p += __builtin_ctz(static_cast<unsigned>(high_bits));
    } else if (*p < 0x80) {
      ++p;
      continue;
    }
    const unsigned lead = *p;
    const ptrdiff_t left = end - p;
    auto continuation = [](unsigned byte) { return (byte & 0xC0) == 0x80; };
    if (lead >= 0xE0 && lead <= 0xEF) {
      if (left < 3 || !continuation(p[1]) || !continuation(p[2])) return false;
      if ((lead == 0xE0 && p[1] < 0xA0) || (lead == 0xED && p[1] >= 0xA0)) return false;
      p += 3;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      if (left < 2 || !continuation(p[1])) return false;
      p += 2;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      if (left < 4 || !continuation(p[1]) || !continuation(p[2]) || !continuation(p[3])) {
        return false;
      }
      if ((lead == 0xF0 && p[1] < 0x90) || (lead == 0xF4 && p[1] >= 0x90)) return false;
      p += 4;
    } else {
      return false;
    }
  }
  return true;
}

class CsvScanner {
 public:
  CsvScanner(ByteSource* source, std::string file_name, bool check_utf8)
      : source_(source), file_name_(std::move(file_name)), check_utf8_(check_utf8),
        buffer_(kChunkBytes) {}

  // Reads the next record; false at the end of the input or on a fatal error (then *fatal is set).
  bool next(Record* record, Status* fatal);
  int64_t bytes_scanned() const { return bytes_scanned_; }
  int64_t bytes_filled() const { return bytes_filled_; }

 private:
  enum class Scan { kDone, kNeedMore };
  Scan scan(Record* record, size_t* record_end);
  Status fill();

  ByteSource* source_;
  std::string file_name_;
  bool check_utf8_;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // first byte not yet consumed
  size_t end_ = 0;    // end of the bytes read
  bool eof_ = false;
  bool started_ = false;
  int64_t line_ = 1;
  int64_t bytes_scanned_ = 0;
  int64_t bytes_filled_ = 0;
};

Status CsvScanner::fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) {
    if (buffer_.size() >= kMaxRecordBytes) {
      return invalid_argument(
          fmt::format("{}:{}: a record longer than 64 MiB (an unclosed quote?)", file_name_, line_));
    }
    buffer_.resize(buffer_.size() * 2);
  }
  SUBSIDY_ASSIGN_OR_RETURN(const size_t count,
                           source_->read(buffer_.data() + end_, buffer_.size() - end_));
  if (count == 0) eof_ = true;
  end_ += count;
  bytes_filled_ += static_cast<int64_t>(count);
  if (!started_ && end_ >= 3) {
    started_ = true;
    if (std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) begin_ = 3;  // UTF-8 BOM
  } else if (!started_ && eof_) {
    started_ = true;
  }
  return Status::Ok();
}

// Splits the record at begin_ into fields. kNeedMore when the buffer ends before the record does
// and more input may follow; the caller refills and scans the record again from its start.
CsvScanner::Scan CsvScanner::scan(Record* record, size_t* record_end) {
  record->fields.clear();
  record->row_error.clear();
  record->newlines = -1;
  char* const base = buffer_.data();
  size_t pos = begin_;
  // Fast path: a line without quotes (nearly every line of a roster) splits at its commas. One
  // pass, sixteen bytes at a time, finds the commas, the quote that sends a line to the general
  // path below, and the line's end.
  {
    char* field = base + begin_;
    size_t at = begin_;
    while (true) {
      uint32_t commas = 0;
      uint32_t stops = 0;  // quotes and newlines
      size_t block = 16;
      if (end_ - at >= 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at));
        commas = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(','))));
        stops = static_cast<uint32_t>(_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n')),
                         _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')))));
      } else {
        block = end_ - at;
        for (size_t k = 0; k < block; ++k) {
          const char c = base[at + k];
          commas |= static_cast<uint32_t>(c == ',') << k;
          stops |= static_cast<uint32_t>(c == '\n' || c == '"') << k;
        }
      }
      if (stops != 0) commas &= (stops & (0u - stops)) - 1;  // commas before the first stop
      while (commas != 0) {
        char* const comma = base + at + static_cast<size_t>(__builtin_ctz(commas));
        record->fields.push_back(Field{field, static_cast<uint32_t>(comma - field), false, false});
        field = comma + 1;
        commas &= commas - 1;
      }
      if (stops != 0) {
        char* const stop = base + at + static_cast<size_t>(__builtin_ctz(stops));
        if (*stop == '"') {  // a quoted field somewhere: take the general path
          record->fields.clear();
          break;
        }
        char* last_end = stop;
        if (last_end > field && last_end[-1] == '\r') --last_end;
        record->fields.push_back(Field{field, static_cast<uint32_t>(last_end - field), false, false});
        *record_end = static_cast<size_t>(stop - base) + 1;
        record->newlines = 1;
        return Scan::kDone;
      }
      at += block;
      if (at == end_) {
        if (!eof_) return Scan::kNeedMore;
        char* last_end = base + end_;
        if (last_end > field && last_end[-1] == '\r') --last_end;
        record->fields.push_back(Field{field, static_cast<uint32_t>(last_end - field), false, false});
        *record_end = end_;
        record->newlines = 0;
        return Scan::kDone;
      }
    }
  }
  auto skip_line = [&](const char* reason) -> Scan {
    record->row_error = reason;
    const void* newline = std::memchr(base + pos, '\n', end_ - pos);
    if (newline == nullptr) {
      if (!eof_) return Scan::kNeedMore;
      *record_end = end_;
    } else {
      *record_end = static_cast<size_t>(static_cast<const char*>(newline) - base) + 1;
    }
    return Scan::kDone;
  };
  while (true) {
    if (pos < end_ && base[pos] == '"') {
      const size_t open = pos;
      size_t search = pos + 1;
      bool escaped = false;
      size_t close;
      while (true) {
        const void* quote = std::memchr(base + search, '"', end_ - search);
        if (quote == nullptr) {
          if (!eof_) return Scan::kNeedMore;
          record->row_error = "unterminated quoted field";
          return Scan::kDone;  // reported as fatal by next()
        }
        close = static_cast<size_t>(static_cast<const char*>(quote) - base);
        if (close + 1 == end_ && !eof_) return Scan::kNeedMore;
        if (close + 1 < end_ && base[close + 1] == '"') {
          escaped = true;
          search = close + 2;
          continue;
        }
        break;
      }
      record->fields.push_back(
          Field{base + open + 1, static_cast<uint32_t>(close - open - 1), true, escaped});
      pos = close + 1;
      if (pos == end_) {
        if (!eof_) return Scan::kNeedMore;
        *record_end = pos;
        return Scan::kDone;
      }
      if (base[pos] == ',') {
        ++pos;
        continue;
      }
      if (base[pos] == '\n') {
        *record_end = pos + 1;
        return Scan::kDone;
      }
      if (base[pos] == '\r') {
        if (pos + 1 == end_ && !eof_) return Scan::kNeedMore;
        if (pos + 1 == end_ || base[pos + 1] == '\n') {
          *record_end = std::min(pos + 2, end_);
          return Scan::kDone;
        }
      }
      return skip_line("unexpected character after a closing quote");
    }
    size_t stop = pos;
    while (stop < end_) {
      const char c = base[stop];
      if (c == ',' || c == '\n' || c == '"') break;
      ++stop;
    }
    if (stop == end_) {
      if (!eof_) return Scan::kNeedMore;
      size_t size = stop - pos;
      if (size > 0 && base[stop - 1] == '\r') --size;
      record->fields.push_back(Field{base + pos, static_cast<uint32_t>(size), false, false});
      *record_end = stop;
      return Scan::kDone;
    }
    if (base[stop] == '"') {
      pos = stop;
      return skip_line("a quote inside an unquoted field");
    }
    size_t size = stop - pos;
    if (base[stop] == '\n' && size > 0 && base[stop - 1] == '\r') --size;
    record->fields.push_back(Field{base + pos, static_cast<uint32_t>(size), false, false});
    pos = stop + 1;
    if (base[stop] == '\n') {
      *record_end = pos;
      return Scan::kDone;
    }
  }
}

bool CsvScanner::next(Record* record, Status* fatal) {
  while (true) {
    if (begin_ == end_) {
      if (eof_) return false;
      *fatal = fill();
      if (!fatal->ok()) return false;
      continue;
    }
    size_t record_end = 0;
    if (scan(record, &record_end) == Scan::kNeedMore) {
      *fatal = fill();
      if (!fatal->ok()) return false;
      continue;
    }
    record->line = line_;
    if (record->row_error == "unterminated quoted field") {
      *fatal = invalid_argument(
          fmt::format("{}:{}: unterminated quoted field", file_name_, line_));
      return false;
    }
    const char* start = buffer_.data() + begin_;
    const char* stop = buffer_.data() + record_end;
    line_ += record->newlines >= 0 ? record->newlines : std::count(start, stop, '\n');
    if (check_utf8_ && record->row_error.empty() &&
        !valid_utf8(reinterpret_cast<const unsigned char*>(start),
                    reinterpret_cast<const unsigned char*>(stop))) {
      record->row_error = "invalid UTF-8 (for a GBK file, load it with --encoding gbk)";
    }
    bytes_scanned_ += static_cast<int64_t>(record_end - begin_);
    begin_ = record_end;
    for (Field& field : record->fields) {
      if (!field.escaped) continue;
      char* write = field.data;
      for (uint32_t at = 0; at < field.size; ++at) {
        *write++ = field.data[at];
        if (field.data[at] == '"') ++at;  // skip the second quote of a pair
      }
      field.size = static_cast<uint32_t>(write - field.data);
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Columns of the file

struct StandardColumn {
  std::string_view name;
  std::string_view chinese_header;
  ColumnType type;
};

constexpr StandardColumn kStandardColumns[] = {
    {"id", "统一社会信用代码", ColumnType::kText},
    {"name", "企业名称", ColumnType::kText},
    {"region", "行政区划代码", ColumnType::kString},
    {"industry", "行业代码", ColumnType::kString},
    {"employees", "从业人员", ColumnType::kInteger},
    {"revenue", "营业收入", ColumnType::kMoney},
    {"assets", "资产总额", ColumnType::kMoney},
    {"sales_invoiced", "开票销售", ColumnType::kMoney},
    {"tax_paid", "入库税金", ColumnType::kMoney},
    {"registered_on", "成立日期", ColumnType::kDate},
    {"tags", "标签", ColumnType::kTags},
};

const StandardColumn* standard_column(std::string_view name_or_header) {
  for (const StandardColumn& column : kStandardColumns) {
    if (column.name == name_or_header || column.chinese_header == name_or_header) return &column;
  }
  return nullptr;
}

struct FileColumn {
  std::string name;
  ColumnType type;  // for an inferred column: kText while loading
  Unit unit = Unit::kYuan;
  bool inferred = false;
};

struct Cell {
  bool valid = false;
  int64_t int64 = 0;
  int32_t int32 = 0;
  std::string_view text;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Result<int64_t> parse_integer(std::string_view text, bool allow_separators) {
  // Fast path: up to 18 plain digits.
  if (!text.empty() && text.size() <= 18) {
    int64_t value = 0;
    size_t pos = text[0] == '-' ? 1 : 0;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == text.size() && pos > start) return start == 1 ? -value : value;
  }
  internal::DecimalText decimal;
  if (internal::scan_decimal(text, allow_separators, &decimal) != internal::ScanError::kNone ||
      decimal.fraction_digits != 0 || !decimal.suffix.empty()) {
    return invalid_argument(fmt::format("invalid integer \"{}\"", text));
  }
  if (decimal.digit_count > 18) return out_of_range(fmt::format("integer \"{}\" is out of range", text));
  return static_cast<int64_t>(decimal.negative ? -decimal.mantissa : decimal.mantissa);
}

// Parses one cell of a typed column. An empty cell is null; errors are row errors.
Status parse_cell(const FileColumn& column, const Field& field, Cell* cell) {
  const std::string_view text = trim(field.view());
  cell->text = text;
  cell->valid = !text.empty();
  if (!cell->valid) return Status::Ok();
  switch (column.type) {
    case ColumnType::kText:
    case ColumnType::kString:
    case ColumnType::kTags: return Status::Ok();
    case ColumnType::kMoney: {
      ParseMoneyOptions options{column.unit, field.quoted};
      Result<Money> money = parse_money(text, options);
      if (!money.ok()) return money.status();
      cell->int64 = money->fen();
      return Status::Ok();
    }
    case ColumnType::kInteger: {
      Result<int64_t> value = parse_integer(text, field.quoted);
      if (!value.ok()) return value.status();
      cell->int64 = *value;
      return Status::Ok();
    }
    case ColumnType::kRate: {
      Result<Rate> rate = parse_rate(text);
      if (!rate.ok()) return rate.status();
      cell->int64 = rate->nanos();
      return Status::Ok();
    }
    case ColumnType::kBool:
      if (text == "true" || text == "false") {
        cell->int64 = text == "true" ? 1 : 0;
        return Status::Ok();
      }
      return invalid_argument(fmt::format("invalid bool \"{}\": expected true or false", text));
    case ColumnType::kDate: {
      Result<Date> date = parse_date(text);
      if (!date.ok()) return date.status();
      cell->int32 = date->serial();
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// A column without a schema type: money if every value is an amount, date if every value is an ISO
// date, else dictionary-encoded text. A column with no values at all is money (a number column that
// happens to be empty in this file, like rent_paid).
Column infer_column(const Column& raw, Unit unit) {
  ColumnType type = ColumnType::kMoney;
  const ParseMoneyOptions money_options{unit, true};
  for (RowIndex row_idx = 0; row_idx < raw.size() && type == ColumnType::kMoney; ++row_idx) {
    if (raw.is_valid(row_idx) && !parse_money(raw.text(row_idx), money_options).ok()) {
      type = ColumnType::kDate;
    }
  }
  for (RowIndex row_idx = 0; row_idx < raw.size() && type == ColumnType::kDate; ++row_idx) {
    if (raw.is_valid(row_idx) && !parse_date(raw.text(row_idx)).ok()) type = ColumnType::kString;
  }
  Column column(raw.name(), type);
  column.reserve(raw.size());
  for (RowIndex row_idx = 0; row_idx < raw.size(); ++row_idx) {
    if (raw.is_null(row_idx)) {
      column.append_null();
    } else if (type == ColumnType::kMoney) {
      column.append_int64(parse_money(raw.text(row_idx), money_options)->fen());
    } else if (type == ColumnType::kDate) {
      column.append_int32(parse_date(raw.text(row_idx))->serial());
    } else {
      column.append_string(raw.text(row_idx));
    }
  }
  return column;
}

// Writes rejected rows to `<path>.tmp`, renamed to `path` only when the load succeeds.
class RejectsWriter {
 public:
  explicit RejectsWriter(std::string path) : path_(std::move(path)) {}
  ~RejectsWriter() {
    if (file_ != nullptr) {
      std::fclose(file_);
      std::remove((path_ + ".tmp").c_str());
    }
  }
  bool enabled() const { return !path_.empty(); }

  Status open(const std::vector<std::string>& header) {
    file_ = std::fopen((path_ + ".tmp").c_str(), "wb");
    if (file_ == nullptr) {
      return io_error(fmt::format("cannot write rejects file {}: {}", path_, std::strerror(errno)));
    }
    std::string line;
    for (const std::string& name : header) {
      internal::append_csv_field(line, name);
      line.push_back(',');
    }
    line += "line,column,reason\n";
    return write(line);
  }

  Status reject(const Record& record, int64_t line, std::string_view column,
                std::string_view reason) {
    std::string out;
    for (const Field& field : record.fields) {
      internal::append_csv_field(out, field.view());
      out.push_back(',');
    }
    out += std::to_string(line);
    out.push_back(',');
    internal::append_csv_field(out, column);
    out.push_back(',');
    internal::append_csv_field(out, reason);
    out.push_back('\n');
    ++count_;
    return write(out);
  }

  Status commit() {
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok || std::rename((path_ + ".tmp").c_str(), path_.c_str()) != 0) {
      return io_error(fmt::format("cannot write rejects file {}: {}", path_, std::strerror(errno)));
    }
    return Status::Ok();
  }
  int64_t count() const { return count_; }

 private:
  Status write(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
      return io_error(fmt::format("cannot write rejects file {}: {}", path_, std::strerror(errno)));
    }
    return Status::Ok();
  }
  std::string path_;
  FILE* file_ = nullptr;
  int64_t count_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The loader

class RosterLoader {
 public:
  RosterLoader(ByteSource* source, const LoadOptions& options, std::string file_name)
      : source_(source),
        options_(options),
        file_name_(std::move(file_name)),
        scanner_(source, file_name_, options.encoding == Encoding::kUtf8),
        rejects_(options.rejects_path) {}

  Result<Roster> load(LoadReport* report);

 private:
  Status read_header();
  Status resolve_header(const std::vector<std::string>& header);
  void reserve_from_sample(RowIndex rows_so_far);
  std::string where(int64_t line) const { return fmt::format("{}:{}", file_name_, line); }

  ByteSource* source_;
  const LoadOptions& options_;
  std::string file_name_;
  CsvScanner scanner_;
  RejectsWriter rejects_;
  std::vector<FileColumn> file_columns_;
  std::vector<Column> columns_;
  std::vector<std::string> header_;
};

Status RosterLoader::resolve_header(const std::vector<std::string>& header) {
  const Schema* schema = options_.schema;
  std::vector<bool> spec_used(schema != nullptr ? schema->columns.size() : 0, false);
  for (size_t col_idx = 0; col_idx < header.size(); ++col_idx) {
    const std::string_view cell = trim(header[col_idx]);
    if (cell.empty()) {
      return invalid_argument(
          fmt::format("{}: column {} has an empty header", where(1), col_idx + 1));
    }
    const ColumnSpec* spec = nullptr;
    for (size_t spec_idx = 0; schema != nullptr && spec_idx < schema->columns.size(); ++spec_idx) {
      const ColumnSpec& candidate = schema->columns[spec_idx];
      const std::string& read_from = candidate.header.empty() ? candidate.name : candidate.header;
      if (read_from == cell) {
        spec = &candidate;
        spec_used[spec_idx] = true;
        break;
      }
    }
    FileColumn column;
    column.name = spec != nullptr ? spec->name : std::string(cell);
    const StandardColumn* standard = standard_column(column.name);
    if (standard != nullptr) {
      column.name = std::string(standard->name);
      column.type = standard->type;
      if (spec != nullptr && spec->type && *spec->type != standard->type) {
        return invalid_argument(fmt::format(
            "{}: column {} is {} by SPEC; the schema may not make it {}", where(1), column.name,
            column_type_name(standard->type), column_type_name(*spec->type)));
      }
    } else if (spec != nullptr && spec->type) {
      column.type = *spec->type;
    } else {
      column.type = ColumnType::kText;
      column.inferred = true;
    }
    if (spec != nullptr) column.unit = spec->unit;
    if (spec != nullptr && spec->unit != Unit::kYuan && column.type != ColumnType::kMoney &&
        !column.inferred) {
      return invalid_argument(fmt::format("{}: column {} is {}; only a money column has a unit",
                                          where(1), column.name, column_type_name(column.type)));
    }
    if (column.name == "size") {
      return invalid_argument(fmt::format(
          "{}: column size is derived from industry, employees, revenue and assets; rename the "
          "file's own size column",
          where(1)));
    }
    for (size_t earlier = 0; earlier < file_columns_.size(); ++earlier) {
      if (file_columns_[earlier].name == column.name) {
        return invalid_argument(fmt::format("{}: columns {} and {} both load as {}", where(1),
                                            earlier + 1, col_idx + 1, column.name));
      }
    }
    columns_.emplace_back(column.name, column.type);
    file_columns_.push_back(std::move(column));
  }
  for (size_t spec_idx = 0; spec_idx < spec_used.size(); ++spec_idx) {
    if (spec_used[spec_idx]) continue;
    const ColumnSpec& spec = schema->columns[spec_idx];
    return invalid_argument(fmt::format(
        "{}: the schema's column {} (header \"{}\") is not in the file", file_name_, spec.name,
        spec.header.empty() ? spec.name : spec.header));
  }
  const bool has_id = std::any_of(file_columns_.begin(), file_columns_.end(),
                                  [](const FileColumn& column) { return column.name == "id"; });
  if (!has_id) {
    return invalid_argument(fmt::format("{}: no id column (id or 统一社会信用代码)", where(1)));
  }
  return Status::Ok();
}

Status RosterLoader::read_header() {
  Record record;
  Status fatal;
  if (!scanner_.next(&record, &fatal)) {
    if (!fatal.ok()) return fatal;
    return invalid_argument(fmt::format("{}: empty file: expected a header row", file_name_));
  }
  if (!record.row_error.empty()) {
    return invalid_argument(fmt::format("{}: {}", where(record.line), record.row_error));
  }
  for (const Field& field : record.fields) header_.emplace_back(field.view());
  return resolve_header(header_);
}

// Sizes the column buffers once from the first rows, so that a million-row load neither
// reallocates nor leaves doubling slack behind. Scanned bytes are after transcoding; the source's
// bytes are before it, so the estimate goes through the ratio of the two.
void RosterLoader::reserve_from_sample(RowIndex rows_so_far) {
  const double input_size = static_cast<double>(source_->input_size());
  const double input_consumed = static_cast<double>(source_->input_consumed());
  const double produced = static_cast<double>(scanner_.bytes_filled());
  const double scanned = static_cast<double>(scanner_.bytes_scanned());
  if (input_size <= 0 || input_consumed <= 0 || scanned <= 0) return;
  const double growth = input_size * produced / (scanned * input_consumed);
  if (growth <= 1.0) return;
  const auto expected_rows = static_cast<RowIndex>(static_cast<double>(rows_so_far) * growth * 1.02) + 64;
  for (Column& column : columns_) {
    const auto text_bytes = static_cast<size_t>(static_cast<double>(column.text_bytes()) * growth * 1.05);
    column.reserve(expected_rows, text_bytes);
  }
}

Result<Roster> RosterLoader::load(LoadReport* report) {
  SUBSIDY_RETURN_IF_ERROR(read_header());
  if (rejects_.enabled()) SUBSIDY_RETURN_IF_ERROR(rejects_.open(header_));

  const size_t width = file_columns_.size();
  const size_t id_index = static_cast<size_t>(
      std::find_if(file_columns_.begin(), file_columns_.end(),
                   [](const FileColumn& column) { return column.name == "id"; }) -
      file_columns_.begin());
  std::vector<Cell> cells(width);
  std::vector<int32_t> tag_codes;
  std::vector<uint32_t> row_lines;
  Record record;
  Status fatal;
  RowIndex rows = 0;
  constexpr RowIndex kSampleRows = 4096;
  while (scanner_.next(&record, &fatal)) {
    const int64_t line = record.line;
    // A line with nothing on it is not a row.
    if (record.row_error.empty() && record.fields.size() == 1 && record.fields[0].size == 0 &&
        !record.fields[0].quoted) {
      continue;
    }
    std::string column_name;
    Status problem;
    if (!record.row_error.empty()) {
      problem = invalid_argument(record.row_error);
    } else if (record.fields.size() != width) {
      problem = invalid_argument(
          fmt::format("expected {} fields, found {}", width, record.fields.size()));
    } else {
      for (size_t col_idx = 0; col_idx < width; ++col_idx) {
        Status cell_status =
            parse_cell(file_columns_[col_idx], record.fields[col_idx], &cells[col_idx]);
        if (!cell_status.ok()) {
          problem = std::move(cell_status);
          column_name = file_columns_[col_idx].name;
          break;
        }
      }
      if (problem.ok() && !cells[id_index].valid) {
        problem = invalid_argument("empty id");
        column_name = "id";
      }
    }
    if (!problem.ok()) {
      if (!rejects_.enabled()) {
        if (column_name.empty()) {
          return invalid_argument(fmt::format("{}: {}", where(line), problem.message()));
        }
        return invalid_argument(
            fmt::format("{}: column {}: {}", where(line), column_name, problem.message()));
      }
      SUBSIDY_RETURN_IF_ERROR(rejects_.reject(record, line, column_name, problem.message()));
      continue;
    }
    for (size_t col_idx = 0; col_idx < width; ++col_idx) {
      const Cell& cell = cells[col_idx];
      Column& column = columns_[col_idx];
      if (column.type() == ColumnType::kTags) {
        // An empty tags cell is the empty set, not null.
        tag_codes.clear();
        std::string_view rest = cell.text;
        while (!rest.empty()) {
          const size_t cut = rest.find(';');
          const std::string_view tag = trim(rest.substr(0, cut));
          if (!tag.empty()) tag_codes.push_back(column.dictionary_for_build().intern(tag));
          rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
        }
        column.append_tags(tag_codes);
      } else if (!cell.valid) {
        column.append_null();
      } else {
        switch (column.type()) {
          case ColumnType::kText:
          case ColumnType::kString: column.append_string(cell.text); break;
          case ColumnType::kDate: column.append_int32(cell.int32); break;
          default: column.append_int64(cell.int64); break;
        }
      }
    }
    row_lines.push_back(static_cast<uint32_t>(line));
    ++rows;
    if (rows == kSampleRows) reserve_from_sample(rows);
  }
  if (!fatal.ok()) return fatal;

  Roster roster;
  for (size_t col_idx = 0; col_idx < width; ++col_idx) {
    if (file_columns_[col_idx].inferred) {
      SUBSIDY_RETURN_IF_ERROR(
          roster.add_column(infer_column(columns_[col_idx], file_columns_[col_idx].unit)));
    } else {
      SUBSIDY_RETURN_IF_ERROR(roster.add_column(std::move(columns_[col_idx])));
    }
  }
  if (const auto duplicate = roster.build_id_index()) {
    return invalid_argument(fmt::format("{}: duplicate id \"{}\" (first on line {})",
                                        where(row_lines[duplicate->second]),
                                        roster.column("id").text(duplicate->first),
                                        row_lines[duplicate->first]));
  }
  SUBSIDY_RETURN_IF_ERROR(roster.add_size_column());
  if (rejects_.enabled()) SUBSIDY_RETURN_IF_ERROR(rejects_.commit());
  if (report != nullptr) {
    report->rows_loaded = rows;
    report->rows_rejected = rejects_.count();
    report->bytes_read = source_->input_consumed();
  }
  return roster;
}

Result<Roster> load_from(std::unique_ptr<ByteSource> source, const LoadOptions& options,
                         LoadReport* report, const std::string& file_name) {
  if (options.encoding == Encoding::kGbk) {
    auto gbk = std::make_unique<GbkSource>(std::move(source), file_name);
    if (!gbk->ready()) return internal_error("iconv cannot convert GB18030 to UTF-8 here");
    source = std::move(gbk);
  }
  RosterLoader loader(source.get(), options, file_name);
  return loader.load(report);
}

}  // namespace

Result<Encoding> parse_encoding(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "utf-8" || lower == "utf8") return Encoding::kUtf8;
  if (lower == "gbk" || lower == "gb18030" || lower == "gb2312") return Encoding::kGbk;
  return invalid_argument(
      fmt::format("unknown encoding \"{}\"; expected utf-8 or gbk", text));
}

Result<Roster> parse_roster_csv(std::string_view data, const LoadOptions& options,
                                LoadReport* report, const std::string& file_name) {
  return load_from(std::make_unique<MemorySource>(data), options, report, file_name);
}

Result<Roster> load_roster_csv(const std::string& path, const LoadOptions& options,
                               LoadReport* report) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return not_found(fmt::format("cannot open roster {}: {}", path, std::strerror(errno)));
  }
  struct stat info {};
  const int64_t size = fstat(fileno(file), &info) == 0 ? static_cast<int64_t>(info.st_size) : -1;
  return load_from(std::make_unique<FileSource>(file, path, size), options, report, path);
}

}  // namespace subsidy
