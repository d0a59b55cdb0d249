// libFuzzer target: the roster CSV loader (parse_roster_csv) on arbitrary bytes.
//
// Each input is loaded
//   (a) with default options (UTF-8, sequential for an input this small),
//   (b) as GBK,
//   (c) with threads = 2 and bytes_per_part = 64, so that the parallel split runs on small inputs,
//   (d) as (c) with a rejects file (a file under /tmp unique to this process, removed again),
// and checked:
//   - on success every column has num_rows() rows, every value formats, and every id is found
//     again by find_row;
//   - (a) and (c) agree exactly: ok-ness, error message, columns (name, type) and every
//     Column::format_value;
//   - for an input that is pure ASCII, GBK (read as GB18030, an ASCII superset) and UTF-8 agree
//     exactly as well;
//   - (d) only has to finish without crashing.
// A disagreement prints both sides and aborts.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// Checks that two loads of the same bytes came out the same.
void check_same(const Result<Roster>& a, const Result<Roster>& b, const char* label_a,
                const char* label_b) {
  const std::string pair = std::string(label_a) + " vs " + label_b;
  if (a.ok() != b.ok()) fail(pair + ": " + describe(a) + " / " + describe(b));
  if (!a.ok()) {
    if (a.status().message() != b.status().message() || a.status().code() != b.status().code()) {
      fail(pair + ": different errors:\n  " + a.status().message() + "\n  " +
           b.status().message());
    }
    return;
  }
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

  // (d) with a rejects file: only has to finish.
  LoadOptions rejects_options = parallel_options;
  rejects_options.rejects_path = rejects_path();
  const Result<Roster> with_rejects =
      subsidy::parse_roster_csv(bytes, rejects_options, nullptr, "fuzz.csv");
  if (with_rejects.ok()) check_roster(*with_rejects, "rejects");
  std::remove(rejects_path().c_str());
  std::remove((rejects_path() + ".tmp").c_str());
  return 0;
}
