// libFuzzer target: the roster CSV loader (parse_roster_csv) on arbitrary bytes.
//
// Each input is loaded
//   (a) with default options (UTF-8, sequential for an input this small),
//   (b) as GBK,
//   (c) with threads = 2 and bytes_per_part = 64, so that the parallel split runs on small inputs,
//   (d) as (c) with a rejects file (a file under /tmp unique to this process, removed again),
//   (e) for a quarter of the inputs, as (a) and (b) with one more row in front whose id is padded
//       so that the loader's first 1 MiB read ends inside the input's rows,
// and checked:
//   - on success every column has num_rows() rows, every value formats, and every id is found
//     again by find_row;
//   - (a) and (c) agree exactly: ok-ness, error message, columns (name, type) and every
//     Column::format_value;
//   - for an input that is pure ASCII, GBK (read as GB18030, an ASCII superset) and UTF-8 agree
//     exactly as well;
//   - (e) is (a), resp. (b), plus the padding row: same ok-ness, same values (error messages name
//     other lines, so they are not compared);
//   - (d) only has to finish without crashing.
// A disagreement prints both sides and aborts.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "subsidy/roster.hpp"

namespace {

using subsidy::Column;
using subsidy::Encoding;
using subsidy::LoadOptions;
using subsidy::Result;
using subsidy::Roster;
using subsidy::RowIndex;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "roster_csv_fuzz: invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

std::string describe(const Result<Roster>& result) {
  if (!result.ok()) return "error: " + result.status().message();
  return "ok, " + std::to_string(result->num_rows()) + " rows, " +
         std::to_string(result->columns().size()) + " columns";
}

// Checks what must hold of any roster that loaded.
void check_roster(const Roster& roster, const char* label) {
  const RowIndex rows = roster.num_rows();
  if (rows < 0) fail(std::string(label) + ": negative num_rows");
  for (const Column& column : roster.columns()) {
    if (column.size() != rows) {
      fail(std::string(label) + ": column " + column.name() + " has " +
           std::to_string(column.size()) + " rows, the roster " + std::to_string(rows));
    }
    if (column.null_count() < 0 || column.null_count() > rows) {
      fail(std::string(label) + ": column " + column.name() + " has a null count of " +
           std::to_string(column.null_count()));
    }
    for (RowIndex row = 0; row < rows; ++row) {
      const std::string value = column.format_value(row);
      if (column.is_null(row) && !value.empty()) {
        fail(std::string(label) + ": null row " + std::to_string(row) + " of " + column.name() +
             " formats as \"" + value + "\"");
      }
    }
  }
  if (roster.find("size") == nullptr) fail(std::string(label) + ": no size column");
  const Column* ids = roster.find("id");
  if (ids == nullptr) fail(std::string(label) + ": no id column");
  if (ids->type() != subsidy::ColumnType::kText) fail(std::string(label) + ": id is not text");
  for (RowIndex row = 0; row < rows; ++row) {
    if (ids->is_null(row)) fail(std::string(label) + ": null id on row " + std::to_string(row));
    const std::optional<RowIndex> found = roster.find_row(ids->text(row));
    if (!found || *found != row) {
      fail(std::string(label) + ": find_row(\"" + std::string(ids->text(row)) + "\") gives " +
           (found ? std::to_string(*found) : std::string("nothing")) + ", expected row " +
           std::to_string(row));
    }
  }
}

// Checks that two loads of the same rows both failed or both loaded the same values.
void check_same_values(const Result<Roster>& a, const Result<Roster>& b, const char* label_a,
                       const char* label_b) {
  const std::string pair = std::string(label_a) + " vs " + label_b;
  if (a.ok() != b.ok()) fail(pair + ": " + describe(a) + " / " + describe(b));
  if (!a.ok()) return;
  if (a->num_rows() != b->num_rows() || a->columns().size() != b->columns().size()) {
    fail(pair + ": " + describe(a) + " / " + describe(b));
  }
  for (size_t col = 0; col < a->columns().size(); ++col) {
    const Column& x = a->columns()[col];
    const Column& y = b->columns()[col];
    if (x.name() != y.name() || x.type() != y.type()) {
      fail(pair + ": column " + std::to_string(col) + " is " + x.name() + ":" +
           std::string(subsidy::column_type_name(x.type())) + " / " + y.name() + ":" +
           std::string(subsidy::column_type_name(y.type())));
    }
    if (x.null_count() != y.null_count()) {
      fail(pair + ": column " + x.name() + " null counts " + std::to_string(x.null_count()) +
           " / " + std::to_string(y.null_count()));
    }
    for (RowIndex row = 0; row < a->num_rows(); ++row) {
      if (x.is_valid(row) != y.is_valid(row) || x.format_value(row) != y.format_value(row)) {
        fail(pair + ": column " + x.name() + " row " + std::to_string(row) + ": \"" +
             x.format_value(row) + "\" (" + (x.is_valid(row) ? "valid" : "null") + ") / \"" +
             y.format_value(row) + "\" (" + (y.is_valid(row) ? "valid" : "null") + ")");
      }
    }
  }
}

// The end of the header record (just past its line end), or npos when it has none. Quotes are
// paired anywhere; a header where that differs from the loader's reading fails to load anyway.
size_t header_end(std::string_view bytes) {
  bool quoted = false;
  for (size_t at = 0; at < bytes.size(); ++at) {
    if (bytes[at] == '"') quoted = !quoted;
    if (bytes[at] == '\n' && !quoted) return at + 1;
  }
  return std::string_view::npos;
}

// Checks that `b` is `a` with one more row in front (a's row r is b's row r + 1), or that both
// failed.
void check_same_after_first_row(const Result<Roster>& a, const Result<Roster>& b,
                                const char* label_a, const char* label_b) {
  const std::string pair = std::string(label_a) + " vs " + label_b;
  if (a.ok() != b.ok()) fail(pair + ": " + describe(a) + " / " + describe(b));
  if (!a.ok()) return;
  if (a->num_rows() + 1 != b->num_rows() || a->columns().size() != b->columns().size()) {
    fail(pair + ": " + describe(a) + " / " + describe(b));
  }
  for (size_t col = 0; col < a->columns().size(); ++col) {
    const Column& x = a->columns()[col];
    const Column& y = b->columns()[col];
    if (x.name() != y.name() || x.type() != y.type()) {
      fail(pair + ": column " + std::to_string(col) + " is " + x.name() + ":" +
           std::string(subsidy::column_type_name(x.type())) + " / " + y.name() + ":" +
           std::string(subsidy::column_type_name(y.type())));
    }
    for (RowIndex row = 0; row < a->num_rows(); ++row) {
      if (x.is_valid(row) != y.is_valid(row + 1) || x.format_value(row) != y.format_value(row + 1)) {
        fail(pair + ": column " + x.name() + " row " + std::to_string(row) + ": \"" +
             x.format_value(row) + "\" / \"" + y.format_value(row + 1) + "\"");
      }
    }
  }
}

// Inputs far below the loader's 1 MiB read chunk never reach its refill paths (a record cut by
// the end of a chunk, a GBK character cut by it). This loads the input again with one row put in
// front of the body whose id is long enough that the first chunk ends inside the body, at a
// place that depends on the input, and checks that the result is the original one plus that row.
// Error messages name other lines, so only success and, on success, the values are compared.
void check_across_chunks(std::string_view bytes, const Result<Roster>& plain,
                         const Result<Roster>& gbk) {
  constexpr size_t kChunk = size_t{1} << 20;  // kChunkBytes of csv_reader.cpp
  // FNV-1a of the input picks the inputs checked (a quarter: the check costs about as much as
  // all the others together) and where in the body the chunk ends.
  uint64_t hash = 1469598103934665603ULL;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  if ((hash >> 60) % 4 != 0) return;
  const size_t header = header_end(bytes);
  if (header == std::string_view::npos || bytes.size() >= kChunk / 4) return;
  // The file's columns, in order, from loading the header alone.
  const Result<Roster> empty = subsidy::parse_roster_csv(bytes.substr(0, header));
  if (!empty.ok()) return;
  const size_t width = empty->columns().size() - 1;  // without the derived size column
  size_t id_col = width;
  for (size_t col = 0; col < width; ++col) {
    if (empty->columns()[col].name() == "id") id_col = col;
  }
  if (id_col == width) fail("a header loads without an id column");

  const size_t body = bytes.size() - header;
  const size_t cut = static_cast<size_t>(hash % (body + 1));
  // The row: every field empty (null, or the empty tag set) but the id, which is a name not in
  // the input behind enough spaces (trimmed away by the loader, and cheaper for it than a long id)
  // to fill the chunk.
  const std::string id = "~pad~" + std::to_string(hash);
  if (bytes.find(id) != std::string_view::npos) return;
  const size_t spaces = kChunk - header - cut - width - id.size();
  std::string padded;
  padded.reserve(kChunk + body);
  padded.append(bytes.substr(0, header));
  for (size_t col = 0; col < width; ++col) {
    if (col > 0) padded.push_back(',');
    if (col == id_col) {
      padded.append(spaces, ' ');
      padded.append(id);
    }
  }
  padded.push_back('\n');
  padded.append(bytes.substr(header));

  const Result<Roster> across = subsidy::parse_roster_csv(padded, LoadOptions{}, nullptr, "fuzz.csv");
  if (across.ok()) check_roster(*across, "across chunks");
  check_same_after_first_row(plain, across, "default", "across chunks");
  LoadOptions gbk_options;
  gbk_options.encoding = Encoding::kGbk;
  const Result<Roster> gbk_across = subsidy::parse_roster_csv(padded, gbk_options, nullptr, "fuzz.csv");
  if (gbk_across.ok()) check_roster(*gbk_across, "gbk across chunks");
  check_same_after_first_row(gbk, gbk_across, "gbk", "gbk across chunks");
}

// Checks that two loads of the same bytes came out the same, errors included.
void check_same(const Result<Roster>& a, const Result<Roster>& b, const char* label_a,
                const char* label_b) {
  check_same_values(a, b, label_a, label_b);
  if (!a.ok() &&
      (a.status().message() != b.status().message() || a.status().code() != b.status().code())) {
    fail(std::string(label_a) + " vs " + label_b + ": different errors:\n  " +
         a.status().message() + "\n  " + b.status().message());
  }
}

const std::string& rejects_path() {
  static const std::string path =
      "/tmp/subsidy-roster-csv-fuzz." + std::to_string(static_cast<long>(getpid())) + ".rejects.csv";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // (a) default options.
  const Result<Roster> plain = subsidy::parse_roster_csv(bytes, LoadOptions{}, nullptr, "fuzz.csv");
  if (plain.ok()) check_roster(*plain, "default");

  // (b) GBK.
  LoadOptions gbk_options;
  gbk_options.encoding = Encoding::kGbk;
  const Result<Roster> gbk = subsidy::parse_roster_csv(bytes, gbk_options, nullptr, "fuzz.csv");
  if (gbk.ok()) check_roster(*gbk, "gbk");
  bool ascii = true;
  for (size_t at = 0; at < size && ascii; ++at) ascii = data[at] < 0x80;
  if (ascii) check_same(plain, gbk, "default", "gbk (ascii input)");

  // (c) two threads, 64-byte parts.
  LoadOptions parallel_options;
  parallel_options.threads = 2;
  parallel_options.bytes_per_part = 64;
  subsidy::LoadReport report;
  const Result<Roster> parallel =
      subsidy::parse_roster_csv(bytes, parallel_options, &report, "fuzz.csv");
  if (parallel.ok()) {
    check_roster(*parallel, "parallel");
    if (report.rows_loaded != parallel->num_rows()) {
      fail("parallel: report.rows_loaded " + std::to_string(report.rows_loaded) + " but " +
           std::to_string(parallel->num_rows()) + " rows");
    }
  }
  check_same(plain, parallel, "default", "threads=2/bytes_per_part=64");

  // (e) the same rows with the loader's first 1 MiB read ending inside them.
  check_across_chunks(bytes, plain, gbk);

  // (d) as (c) with a rejects file, so that rejects of several parts are merged: only has to
  // finish.
  LoadOptions rejects_options = parallel_options;
  rejects_options.rejects_path = rejects_path();
  const Result<Roster> with_rejects =
      subsidy::parse_roster_csv(bytes, rejects_options, nullptr, "fuzz.csv");
  if (with_rejects.ok()) check_roster(*with_rejects, "rejects");
  std::remove(rejects_path().c_str());
  std::remove((rejects_path() + ".tmp").c_str());
  return 0;
}
