// Schema files: per column its type, the unit of a money column and the header it is read from.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/suggest.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

namespace {

// yaml-cpp 0.7 keeps a repeated key silently and guesses types from plain scalars, so every map is
// walked by hand and every scalar is read from its text.
class SchemaReader {
 public:
  explicit SchemaReader(const std::string& file_name) : file_name_(file_name) {}

  Status error(const YAML::Node& node, const std::string& path, const std::string& reason) const {
    const int line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
    if (line > 0) return invalid_argument(fmt::format("{}:{}: {}: {}", file_name_, line, path, reason));
    return invalid_argument(fmt::format("{}: {}: {}", file_name_, path, reason));
  }

  // Checks that `node` is a map whose keys are unique scalars from `allowed` (when not empty).
  Status check_map(const YAML::Node& node, const std::string& path,
                   std::span<const std::string_view> allowed) const {
    if (!node.IsMap()) return error(node, path, "expected a mapping");
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) return error(entry.first, path, "keys must be plain names");
      const std::string& key = entry.first.Scalar();
      if (!seen.insert(key).second) {
        return error(entry.first, path, fmt::format("key \"{}\" is given twice", key));
      }
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return error(entry.first, path,
                     fmt::format("unknown key \"{}\"{}", key, internal::did_you_mean(key, allowed)));
      }
    }
    return Status::Ok();
  }

  Result<std::string> scalar(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) return error(node, path, "expected a plain value");
    return node.Scalar();
  }

 private:
  std::string file_name_;
};

constexpr std::string_view kTopKeys[] = {"columns"};
constexpr std::string_view kColumnKeys[] = {"type", "unit", "header"};

}  // namespace

Result<Schema> parse_schema(std::string_view yaml_text, const std::string& file_name) {
  SchemaReader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return invalid_argument(fmt::format("{}:{}: {}", file_name, e.mark.line + 1, e.msg));
  }
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
