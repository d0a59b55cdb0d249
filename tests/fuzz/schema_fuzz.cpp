// libFuzzer target: schema files (parse_schema) on arbitrary bytes.
//
// yaml-cpp is not instrumented, so coverage feedback comes from schema.cpp alone. A schema that
// parses is also checked (names not empty, headers not empty, a unit only on money or untyped
// columns) and then used to read the header of a small CSV built from it, so that the loader's
// header resolution (standard columns, type conflicts, units, duplicates, the derived size column)
// runs on fuzzed schemas; that load only has to finish.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "subsidy/roster.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "schema_fuzz: invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void append_field(std::string& out, std::string_view field) {
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const subsidy::Result<subsidy::Schema> schema = subsidy::parse_schema(text, "fuzz.yaml");
  if (!schema.ok()) {
    if (schema.status().message().empty()) fail("an error without a message");
    return 0;
  }
  for (const subsidy::ColumnSpec& spec : schema->columns) {
    if (spec.unit != subsidy::Unit::kYuan && spec.unit != subsidy::Unit::kWan) {
      fail("column " + spec.name + " has unit " + std::string(subsidy::unit_name(spec.unit)));
    }
    if (spec.unit == subsidy::Unit::kWan && spec.type && *spec.type != subsidy::ColumnType::kMoney) {
      fail("column " + spec.name + " is " + std::string(subsidy::column_type_name(*spec.type)) +
           " with unit wan");
    }
  }

  // A CSV whose header reads every column of the schema, plus an id column when none does, and
  // two rows of plausible values.
  std::string csv;
  bool has_id = false;
  for (const subsidy::ColumnSpec& spec : schema->columns) {
    const std::string& header = spec.header.empty() ? spec.name : spec.header;
    has_id = has_id || spec.name == "id" || header == "id";
    append_field(csv, header);
    csv.push_back(',');
  }
  csv += has_id ? "extra\n" : "id\n";
  const char* const values[] = {"1", "2023-06-30", "true", "5%", "a;b", "12.5", "", "x"};
  for (int row = 0; row < 2; ++row) {
    for (size_t col = 0; col < schema->columns.size(); ++col) {
      csv += values[(col + static_cast<size_t>(row) * 3) % std::size(values)];
      csv.push_back(',');
    }
    csv += row == 0 ? "R1\n" : "R2\n";
  }
  subsidy::LoadOptions options;
  options.schema = &*schema;
  const subsidy::Result<subsidy::Roster> roster = subsidy::parse_roster_csv(csv, options);
  if (roster.ok()) {
    for (const subsidy::Column& column : roster->columns()) {
      if (column.size() != roster->num_rows()) fail("column " + column.name() + " is short");
    }
  }
  return 0;
}
