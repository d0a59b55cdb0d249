// Loading a roster from CSV: bytes (UTF-8 or GBK) → records (RFC 4180) → typed columns.
//
// The file is read in chunks into one reusable buffer, so resident memory is the columns plus the
// buffer, not a copy of the file. A row is parsed completely into scratch cells before any column
// is touched: a bad row is then either the load's error or a line of the rejects file, never half
// loaded.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>

#include "common/atomic_file.hpp"
#include "common/csv.hpp"
#include "common/csv_scanner.hpp"
#include "common/parallel.hpp"
#include "roster/sme_size.hpp"
#include "money/decimal_text.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

namespace {

using internal::ByteSource;
using internal::CsvScanner;
using internal::Field;
using internal::FileSource;
using internal::GbkSource;
using internal::MemorySource;
using internal::Record;

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
}  // namespace

std::optional<std::pair<std::string_view, ColumnType>> standard_column_of(
    std::string_view name_or_header) {
  const StandardColumn* column = standard_column(name_or_header);
  if (column == nullptr) return std::nullopt;
  return std::pair(column->name, column->type);
}

namespace {

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

using internal::trim_blanks;

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
  const std::string_view text = trim_blanks(field.view());
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

// ---------------------------------------------------------------------------------------------
// Loading a part of the file
//
// A large UTF-8 file is cut into parts at line ends and the parts are loaded on several threads,
// each into columns of its own; the parts are then appended in file order. A cut is a guess: a
// line end may sit inside a quoted field. Each part therefore stops at the first record that
// starts at or past its end, and the guess is confirmed when that is exactly where the next part
// began; otherwise the file is loaded again as one part. Part 0 starts after the header, so by
// induction every confirmed part starts on a true record boundary. Lines, errors and rejects are
// kept relative to the part and numbered once the parts before it are known.

struct RowProblem {
  int64_t line = 0;  // relative to the part's first line
  std::string column;
  std::string reason;
};

struct RejectedRow {
  std::string fields;  // the original fields as CSV, each followed by a comma
  RowProblem problem;
};

struct PartOutput {
  std::vector<Column> columns;  // in file order
  std::vector<uint32_t> row_lines;  // relative line of each loaded row
  std::vector<RejectedRow> rejected;
  std::optional<RowProblem> error;  // the first bad row, when rejects are not collected
  Status fatal;
  int64_t fatal_line = 0;  // relative; 0 when the fatal message is complete
  int64_t end_position = 0;
  int64_t lines = 0;  // line ends consumed
};

// Sizes the column buffers once from the first rows, so that a million-row part neither
// reallocates nor leaves doubling slack behind. Scanned bytes are after transcoding and the
// source's bytes before it, so the estimate goes through the ratio of the two.
RowIndex reserve_from_sample(const ByteSource& source, const CsvScanner& scanner, RowIndex rows,
                             int64_t part_length, std::vector<Column>& columns) {
  const double input_size =
      static_cast<double>(part_length >= 0 ? part_length : source.input_size());
  const double input_consumed = static_cast<double>(source.input_consumed());
  const double produced = static_cast<double>(scanner.bytes_filled());
  const double scanned = static_cast<double>(scanner.bytes_scanned());
  if (input_size <= 0 || input_consumed <= 0 || scanned <= 0) return rows;
  const double growth = input_size * produced / (scanned * input_consumed);
  if (growth <= 1.0) return rows;
  const auto expected_rows = static_cast<RowIndex>(static_cast<double>(rows) * growth * 1.02) + 64;
  for (Column& column : columns) {
    column.reserve(expected_rows,
                   static_cast<size_t>(static_cast<double>(column.text_bytes()) * growth * 1.05));
  }
  return expected_rows;
}

// Loads records until one starts at or past `part_length` bytes (-1: to the end). Buffers are
// sized, after a sample of rows, for `reserve_length` bytes of input: the whole file for the first
// part, whose columns become the roster's and take the other parts in without reallocating.
void load_part(CsvScanner& scanner, const ByteSource& source,
               const std::vector<FileColumn>& file_columns, bool collect_rejects,
               int64_t part_length, int64_t reserve_length, PartOutput* out) {
  const size_t width = file_columns.size();
  for (const FileColumn& column : file_columns) out->columns.emplace_back(column.name, column.type);
  const size_t id_index = static_cast<size_t>(
      std::find_if(file_columns.begin(), file_columns.end(),
                   [](const FileColumn& column) { return column.name == "id"; }) -
      file_columns.begin());
  std::vector<Cell> cells(width);
  Record record;
  RowIndex rows = 0;
  constexpr RowIndex kSampleRows = 4096;
  const int64_t first_line = scanner.line();
  while (true) {
    if (part_length >= 0 && scanner.position() >= part_length) break;
    if (!scanner.next(&record, &out->fatal)) {
      if (!out->fatal.ok()) {
        out->fatal_line = scanner.fatal_line() > 0 ? scanner.fatal_line() - first_line + 1 : 0;
      }
      break;
    }
    const int64_t line = record.line - first_line + 1;
    // A line with nothing on it is not a row.
    if (record.row_error.empty() && record.fields.size() == 1 && record.fields[0].size == 0 &&
        !record.fields[0].quoted) {
      continue;
    }
    RowProblem problem;
    if (!record.row_error.empty()) {
      problem.reason = record.row_error;
    } else if (record.fields.size() != width) {
      problem.reason = fmt::format("expected {} fields, found {}", width, record.fields.size());
    } else {
      for (size_t col_idx = 0; col_idx < width; ++col_idx) {
        Status cell_status =
            parse_cell(file_columns[col_idx], record.fields[col_idx], &cells[col_idx]);
        if (!cell_status.ok()) {
          problem.column = file_columns[col_idx].name;
          problem.reason = cell_status.message();
          break;
        }
      }
      if (problem.reason.empty() && !cells[id_index].valid) {
        problem.column = "id";
        problem.reason = "empty id";
      }
    }
    if (!problem.reason.empty()) {
      problem.line = line;
      if (!collect_rejects) {
        out->error = std::move(problem);
        break;
      }
      RejectedRow rejected;
      if (!record.broken_line.empty()) {
        // Broken quoting: keep every character of the line, cut at its commas and re-quoted.
        std::string_view rest = record.broken_line;
        while (true) {
          const size_t comma = rest.find(',');
          internal::append_csv_field(rejected.fields, rest.substr(0, comma));
          rejected.fields.push_back(',');
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
      } else {
        for (const Field& field : record.fields) {
          internal::append_csv_field(rejected.fields, field.view());
          rejected.fields.push_back(',');
        }
      }
      rejected.problem = std::move(problem);
      out->rejected.push_back(std::move(rejected));
      continue;
    }
    for (size_t col_idx = 0; col_idx < width; ++col_idx) {
      const Cell& cell = cells[col_idx];
      Column& column = out->columns[col_idx];
      if (column.type() == ColumnType::kTags) {
        column.append_tag_text(cell.text);  // an empty cell is the empty set, not null
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
    out->row_lines.push_back(static_cast<uint32_t>(line));
    ++rows;
    if (rows == kSampleRows) {
      out->row_lines.reserve(static_cast<size_t>(
          reserve_from_sample(source, scanner, rows, reserve_length, out->columns)));
    }
  }
  out->end_position = scanner.position();
  out->lines = scanner.line() - first_line;
}

// ---------------------------------------------------------------------------------------------
// The loader

class RosterLoader {
 public:
  RosterLoader(const LoadOptions& options, std::string file_name)
      : options_(options), file_name_(std::move(file_name)) {}

  // Reads the header row from `scanner` and resolves the file's columns.
  Status read_header(CsvScanner& scanner);
  // Finishes the load from parts already read, in file order, whose first lines are given.
  Result<Roster> finish(std::vector<PartOutput>& parts, const std::vector<int64_t>& first_lines,
                        LoadReport* report, int64_t bytes_read);

  const std::vector<FileColumn>& file_columns() const { return file_columns_; }
  int64_t header_lines() const { return header_lines_; }
  int64_t header_end() const { return header_end_; }

 private:
  Status resolve_header(const std::vector<std::string>& header);
  std::string where(int64_t line) const { return fmt::format("{}:{}", file_name_, line); }

  const LoadOptions& options_;
  std::string file_name_;
  std::vector<FileColumn> file_columns_;
  std::vector<std::string> header_;
  int64_t header_lines_ = 1;
  int64_t header_end_ = 0;
};

Status RosterLoader::resolve_header(const std::vector<std::string>& header) {
  const Schema* schema = options_.schema;
  std::vector<bool> spec_used(schema != nullptr ? schema->columns.size() : 0, false);
  for (size_t col_idx = 0; col_idx < header.size(); ++col_idx) {
    const std::string_view cell = trim_blanks(header[col_idx]);
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


Status RosterLoader::read_header(CsvScanner& scanner) {
  Record record;
  Status fatal;
  if (!scanner.next(&record, &fatal)) {
    if (!fatal.ok()) {
      return scanner.fatal_line() > 0
                 ? invalid_argument(fmt::format("{}: {}", where(scanner.fatal_line()),
                                                fatal.message()))
                 : fatal;
    }
    return invalid_argument(fmt::format("{}: empty file: expected a header row", file_name_));
  }
  if (!record.row_error.empty()) {
    return invalid_argument(fmt::format("{}: {}", where(record.line), record.row_error));
  }
  for (const Field& field : record.fields) header_.emplace_back(field.view());
  header_lines_ = scanner.line() - 1;
  header_end_ = scanner.position();
  return resolve_header(header_);
}

// Writes the rejects file whole (internal::AtomicFile), so a failed load never leaves half of one.
Status write_rejects(const std::string& path, const std::vector<std::string>& header,
                     const std::vector<PartOutput>& parts, const std::vector<int64_t>& first_lines) {
  internal::AtomicFile file(path, "rejects file ");
  SUBSIDY_RETURN_IF_ERROR(file.open());
  std::string text;
  for (const std::string& name : header) {
    internal::append_csv_field(text, name);
    text.push_back(',');
  }
  text += "line,column,reason\n";
  for (size_t part_idx = 0; part_idx < parts.size(); ++part_idx) {
    for (const RejectedRow& row : parts[part_idx].rejected) {
      text += row.fields;
      text += std::to_string(first_lines[part_idx] + row.problem.line - 1);
      text.push_back(',');
      internal::append_csv_field(text, row.problem.column);
      text.push_back(',');
      internal::append_csv_field(text, row.problem.reason);
      text.push_back('\n');
    }
  }
  SUBSIDY_RETURN_IF_ERROR(file.write(text));
  return file.commit();
}

Result<Roster> RosterLoader::finish(std::vector<PartOutput>& parts,
                                    const std::vector<int64_t>& first_lines, LoadReport* report,
                                    int64_t bytes_read) {
  // The first problem in file order fails the load.
  for (size_t part_idx = 0; part_idx < parts.size(); ++part_idx) {
    const PartOutput& part = parts[part_idx];
    if (part.error) {
      const int64_t line = first_lines[part_idx] + part.error->line - 1;
      if (part.error->column.empty()) {
        return invalid_argument(fmt::format("{}: {}", where(line), part.error->reason));
      }
      return invalid_argument(
          fmt::format("{}: column {}: {}", where(line), part.error->column, part.error->reason));
    }
    if (!part.fatal.ok()) {
      if (part.fatal_line == 0) return part.fatal;
      return invalid_argument(fmt::format(
          "{}: {}", where(first_lines[part_idx] + part.fatal_line - 1), part.fatal.message()));
    }
  }

  // Append the parts column by column, releasing each part's column as it is copied, so the peak
  // is the roster plus a part of a column or two, not two whole rosters (text moves, uncopied).
  Roster roster;
  RowIndex rows = 0;
  int64_t rejected = 0;
  for (const PartOutput& part : parts) {
    rows += static_cast<RowIndex>(part.row_lines.size());
    rejected += static_cast<int64_t>(part.rejected.size());
  }
  std::vector<std::optional<Column>> merged(file_columns_.size());
  internal::parallel_for(file_columns_.size(), options_.threads, [&](size_t col_idx) {
    // The first part's buffers were sized for the whole file: the others are appended in place.
    Column column = std::move(parts[0].columns[col_idx]);
    column.reserve(rows);
    for (size_t part_idx = 1; part_idx < parts.size(); ++part_idx) {
      column.append_column(std::move(parts[part_idx].columns[col_idx]));
    }
    if (file_columns_[col_idx].inferred) column = infer_column(column, file_columns_[col_idx].unit);
    if (column.type() == ColumnType::kTags) column.build_tag_index();
    merged[col_idx] = std::move(column);
  });
  for (std::optional<Column>& column : merged) {
    SUBSIDY_RETURN_IF_ERROR(roster.add_column(std::move(*column)));
  }

  // The id index and the size column read different columns: build them side by side.
  std::optional<std::pair<RowIndex, RowIndex>> duplicate;
  std::optional<Column> size;
  internal::parallel_for(2, options_.threads, [&](size_t task) {
    if (task == 0) {
      duplicate = roster.build_id_index();
    } else {
      size = internal::size_column_of(roster);
    }
  });
  if (duplicate) {
    // Rows are numbered across the parts in order; find each row's part to name its line.
    auto line_of = [&](RowIndex row) {
      for (size_t part_idx = 0; part_idx < parts.size(); ++part_idx) {
        const auto count = static_cast<RowIndex>(parts[part_idx].row_lines.size());
        if (row < count) return first_lines[part_idx] + parts[part_idx].row_lines[row] - 1;
        row -= count;
      }
      return int64_t{0};
    };
    return invalid_argument(fmt::format("{}: duplicate id \"{}\" (first on line {})",
                                        where(line_of(duplicate->second)),
                                        roster.column("id").text(duplicate->first),
                                        line_of(duplicate->first)));
  }
  SUBSIDY_RETURN_IF_ERROR(roster.add_column(std::move(*size)));
  if (!options_.rejects_path.empty()) {
    SUBSIDY_RETURN_IF_ERROR(write_rejects(options_.rejects_path, header_, parts, first_lines));
  }
  if (report != nullptr) {
    report->rows_loaded = rows;
    report->rows_rejected = rejected;
    report->bytes_read = bytes_read;
    report->parts = static_cast<int>(parts.size());
  }
  return roster;
}

// Opens the input at a byte offset; `length` is the part's expected size (-1: to the end).
using SourceFactory =
    std::function<Result<std::unique_ptr<ByteSource>>(int64_t offset, int64_t length)>;

Result<Roster> load_sequential(const SourceFactory& open_at, const LoadOptions& options,
                               LoadReport* report, const std::string& file_name) {
  SUBSIDY_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open_at(0, -1));
  if (options.encoding == Encoding::kGbk) {
    auto gbk = std::make_unique<GbkSource>(std::move(source), file_name);
    if (!gbk->ready()) return internal_error("iconv cannot convert GB18030 to UTF-8 here");
    source = std::move(gbk);
  }
  RosterLoader loader(options, file_name);
  CsvScanner scanner(source.get(), options.encoding == Encoding::kUtf8, true);
  SUBSIDY_RETURN_IF_ERROR(loader.read_header(scanner));
  std::vector<PartOutput> parts(1);
  load_part(scanner, *source, loader.file_columns(), !options.rejects_path.empty(), -1, -1,
            &parts[0]);
  return loader.finish(parts, {1 + loader.header_lines()}, report, source->input_consumed());
}

// The offset just after the first line end at or after `target`, or -1 when there is none.
Result<int64_t> next_line_start(const SourceFactory& open_at, int64_t target) {
  SUBSIDY_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open_at(target, -1));
  std::vector<char> window(64 << 10);
  int64_t offset = target;
  while (true) {
    SUBSIDY_ASSIGN_OR_RETURN(const size_t count, source->read(window.data(), window.size()));
    if (count == 0) return int64_t{-1};
    const void* newline = std::memchr(window.data(), '\n', count);
    if (newline != nullptr) {
      return offset + (static_cast<const char*>(newline) - window.data()) + 1;
    }
    offset += static_cast<int64_t>(count);
  }
}

Result<Roster> load_parallel(const SourceFactory& open_at, int64_t size,
                             const LoadOptions& options, LoadReport* report,
                             const std::string& file_name) {
  const int threads = internal::resolve_threads(options.threads);
  const int64_t per_part = std::max<int64_t>(options.bytes_per_part, 1);
  if (options.encoding != Encoding::kUtf8 || threads < 2 || size < 2 * per_part) {
    return load_sequential(open_at, options, report, file_name);
  }
  RosterLoader loader(options, file_name);
  {
    SUBSIDY_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open_at(0, -1));
    CsvScanner scanner(source.get(), true, true);
    SUBSIDY_RETURN_IF_ERROR(loader.read_header(scanner));
  }
  const int64_t body = size - loader.header_end();
  // One part per thread: more parts would only add copying when they are appended.
  const int64_t part_count = std::clamp<int64_t>(body / per_part, 1, threads);
  std::vector<int64_t> starts{loader.header_end()};
  for (int64_t part_idx = 1; part_idx < part_count; ++part_idx) {
    SUBSIDY_ASSIGN_OR_RETURN(
        const int64_t start,
        next_line_start(open_at, loader.header_end() + part_idx * body / part_count - 1));
    if (start < 0 || start >= size) break;
    if (start > starts.back()) starts.push_back(start);
  }
  const size_t parts_total = starts.size();
  std::vector<PartOutput> parts(parts_total);
  std::vector<Status> open_errors(parts_total);
  const bool collect_rejects = !options.rejects_path.empty();
  internal::parallel_for(parts_total, threads, [&](size_t part_idx) {
    const int64_t length =
        part_idx + 1 < parts_total ? starts[part_idx + 1] - starts[part_idx] : -1;
    Result<std::unique_ptr<ByteSource>> source = open_at(starts[part_idx], length);
    if (!source.ok()) {
      open_errors[part_idx] = source.status();
      return;
    }
    CsvScanner scanner(source->get(), true, false);
    load_part(scanner, **source, loader.file_columns(), collect_rejects, length,
              part_idx == 0 ? body : length, &parts[part_idx]);
  });
  for (const Status& status : open_errors) SUBSIDY_RETURN_IF_ERROR(status);

  // Confirm the cuts in file order, up to the first part that found a problem (its own start is
  // confirmed, so its problem is the first in the file).
  std::vector<int64_t> first_lines{1 + loader.header_lines()};
  for (size_t part_idx = 0; part_idx + 1 < parts_total; ++part_idx) {
    const PartOutput& part = parts[part_idx];
    if (part.error || !part.fatal.ok()) break;
    if (part.end_position != starts[part_idx + 1] - starts[part_idx]) {
      return load_sequential(open_at, options, report, file_name);  // a cut inside a quoted field
    }
    first_lines.push_back(first_lines.back() + part.lines);
  }
  first_lines.resize(parts_total, first_lines.back());
  return loader.finish(parts, first_lines, report, size);
}

}  // namespace

Result<Encoding> parse_encoding(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "utf-8" || lower == "utf8") return Encoding::kUtf8;
  if (lower == "gbk" || lower == "gb18030" || lower == "gb2312") return Encoding::kGbk;
  return invalid_argument(fmt::format("unknown encoding \"{}\"; expected utf-8 or gbk", text));
}

Result<Roster> parse_roster_csv(std::string_view data, const LoadOptions& options,
                                LoadReport* report, const std::string& file_name) {
  const SourceFactory open_at =
      [data](int64_t offset, int64_t length) -> Result<std::unique_ptr<ByteSource>> {
    const std::string_view rest = data.substr(static_cast<size_t>(offset));
    return std::unique_ptr<ByteSource>(std::make_unique<MemorySource>(rest, length));
  };
  return load_parallel(open_at, static_cast<int64_t>(data.size()), options, report, file_name);
}

Result<Roster> load_roster_csv(const std::string& path, const LoadOptions& options,
                               LoadReport* report) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    return not_found(fmt::format("cannot open roster {}: {}", path, std::strerror(errno)));
  }
  const auto size = static_cast<int64_t>(info.st_size);
  const SourceFactory open_at =
      [&path, size](int64_t offset, int64_t length) -> Result<std::unique_ptr<ByteSource>> {
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr || fseeko(file, offset, SEEK_SET) != 0) {
      if (file != nullptr) std::fclose(file);
      return not_found(fmt::format("cannot open roster {}: {}", path, std::strerror(errno)));
    }
    return std::unique_ptr<ByteSource>(
        std::make_unique<FileSource>(file, path, length >= 0 ? length : size - offset));
  };
  return load_parallel(open_at, size, options, report, path);
}

}  // namespace subsidy
