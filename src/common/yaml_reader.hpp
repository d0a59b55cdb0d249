// Internal: strict reading of YAML documents (schemas, plans) with yaml-cpp 0.7.
//
// yaml-cpp 0.7 keeps a repeated key silently and guesses types from plain scalars (`on` and `yes`
// become true, `010` becomes 8), so every map is walked by hand and every scalar is read from its
// text. Errors read "<file>:<line>: <path>: <reason>".
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "subsidy/money.hpp"
#include "subsidy/status.hpp"

namespace subsidy::internal {

class YamlReader {
 public:
  explicit YamlReader(std::string file_name) : file_name_(std::move(file_name)) {}

  const std::string& file_name() const { return file_name_; }

  // Parses a whole document; a syntax error names the file and line.
  Result<YAML::Node> load(std::string_view text) const;

  // 1-based line of a node, 0 when yaml-cpp does not know it.
  static int line_of(const YAML::Node& node);

  Status error(const YAML::Node& node, const std::string& path, const std::string& reason) const;
  Status error_at_line(int line, const std::string& path, const std::string& reason) const;

  // Checks that `node` is a map whose keys are unique plain scalars from `allowed` (any key when
  // `allowed` is empty). An unknown key gets a did-you-mean. It also notes where each key with no
  // value stands (yaml-cpp places an empty value at the next token), for scalar()'s error.
  Status check_map(const YAML::Node& node, const std::string& path,
                   std::span<const std::string_view> allowed) const;
  // A required key of a map checked by check_map.
  Result<YAML::Node> required(const YAML::Node& map, const std::string& path,
                              std::string_view key) const;

  // The text of a scalar; a null (`key:` with nothing after it) is an error. A quoted "" is empty.
  Result<std::string> scalar(const YAML::Node& node, const std::string& path) const;
  // `true` or `false`, nothing else.
  Result<bool> boolean(const YAML::Node& node, const std::string& path) const;
  // A whole number in [min, max], decimal digits only (`010` is ten).
  Result<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t min,
                          int64_t max) const;
  Status check_sequence(const YAML::Node& node, const std::string& path) const;

 private:
  std::string file_name_;
  // "<path>.<key>" (and "<key>" under the top level) → line of a key whose value is empty.
  mutable std::map<std::string, int> empty_value_lines_;
};

}  // namespace subsidy::internal
