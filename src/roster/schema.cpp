// Schema files: per column its type, the unit of a money column and the header it is read from.
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/yaml_reader.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

namespace {

constexpr std::string_view kTopKeys[] = {"columns"};
constexpr std::string_view kColumnKeys[] = {"type", "unit", "header"};

}  // namespace

Result<Schema> parse_schema(std::string_view yaml_text, const std::string& file_name) {
  const internal::YamlReader reader(file_name);
  SUBSIDY_ASSIGN_OR_RETURN(YAML::Node root, reader.load(yaml_text));
  SUBSIDY_RETURN_IF_ERROR(reader.check_map(root, "schema", kTopKeys));
  const YAML::Node columns = root["columns"];
  if (!columns) return reader.error(root, "schema", "missing key \"columns\"");
  SUBSIDY_RETURN_IF_ERROR(reader.check_map(columns, "columns", {}));
  Schema schema;
  for (const auto& entry : columns) {
    ColumnSpec spec;
    spec.name = entry.first.Scalar();
    const std::string path = "columns." + spec.name;
    const YAML::Node& body = entry.second;
    if (body.IsNull()) {
      schema.columns.push_back(spec);
      continue;
    }
    SUBSIDY_RETURN_IF_ERROR(reader.check_map(body, path, kColumnKeys));
    if (const YAML::Node type = body["type"]) {
      SUBSIDY_ASSIGN_OR_RETURN(std::string text, reader.scalar(type, path + ".type"));
      Result<ColumnType> parsed = parse_column_type(text);
      if (!parsed.ok()) return reader.error(type, path + ".type", parsed.status().message());
      spec.type = *parsed;
    }
    if (const YAML::Node unit = body["unit"]) {
      SUBSIDY_ASSIGN_OR_RETURN(std::string text, reader.scalar(unit, path + ".unit"));
      if (text == "yuan") {
        spec.unit = Unit::kYuan;
      } else if (text == "wan") {
        spec.unit = Unit::kWan;
      } else {
        return reader.error(unit, path + ".unit",
                            fmt::format("unknown unit \"{}\"; expected yuan or wan", text));
      }
      if (spec.type && *spec.type != ColumnType::kMoney) {
        return reader.error(unit, path + ".unit", "only a money column has a unit");
      }
    }
    if (const YAML::Node header = body["header"]) {
      SUBSIDY_ASSIGN_OR_RETURN(spec.header, reader.scalar(header, path + ".header"));
      if (spec.header.empty()) return reader.error(header, path + ".header", "empty header");
    }
    schema.columns.push_back(std::move(spec));
  }
  return schema;
}

Result<Schema> load_schema(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot open schema {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_schema(text.str(), path);
}

}  // namespace subsidy
