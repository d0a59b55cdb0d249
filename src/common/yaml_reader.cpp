#include "common/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/suggest.hpp"

namespace subsidy::internal {

Result<YAML::Node> YamlReader::load(std::string_view text) const {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalid_argument(fmt::format("{}:{}: {}", file_name_, e.mark.line + 1, e.msg));
  }
}

int YamlReader::line_of(const YAML::Node& node) {
  return node.Mark().is_null() ? 0 : node.Mark().line + 1;
}

Status YamlReader::error_at_line(int line, const std::string& path,
                                 const std::string& reason) const {
  if (line > 0)
    return invalid_argument(fmt::format("{}:{}: {}: {}", file_name_, line, path, reason));
  return invalid_argument(fmt::format("{}: {}: {}", file_name_, path, reason));
}

Status YamlReader::error(const YAML::Node& node, const std::string& path,
                         const std::string& reason) const {
  return error_at_line(line_of(node), path, reason);
}

Status YamlReader::check_map(const YAML::Node& node, const std::string& path,
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
                   fmt::format("unknown key \"{}\"{}", key, did_you_mean(key, allowed)));
    }
    if (entry.second.IsNull()) {
      empty_value_lines_[path + "." + key] = line_of(entry.first);
      empty_value_lines_[key] = line_of(entry.first);  // top-level values go by their key alone
    }
  }
  return Status::Ok();
}

Result<YAML::Node> YamlReader::required(const YAML::Node& map, const std::string& path,
                                        std::string_view key) const {
  const YAML::Node value = map[std::string(key)];
  if (!value) return error(map, path, fmt::format("missing key \"{}\"", key));
  return value;
}

Result<std::string> YamlReader::scalar(const YAML::Node& node, const std::string& path) const {
  if (node.IsNull()) {
    const auto key = empty_value_lines_.find(path);
    return key != empty_value_lines_.end() ? error_at_line(key->second, path, "missing value")
                                           : error(node, path, "missing value");
  }
  if (!node.IsScalar()) return error(node, path, "expected a plain value");
  return node.Scalar();
}

Result<bool> YamlReader::boolean(const YAML::Node& node, const std::string& path) const {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, scalar(node, path));
  if (text == "true") return true;
  if (text == "false") return false;
  return error(node, path, fmt::format("expected true or false, not \"{}\"", text));
}

Result<int64_t> YamlReader::integer(const YAML::Node& node, const std::string& path, int64_t min,
                                    int64_t max) const {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, scalar(node, path));
  const std::string bad =
      fmt::format("expected a whole number from {} to {}, not \"{}\"", min, max, text);
  size_t pos = text[0] == '-' ? 1 : 0;
  if (pos == text.size() || text.size() > 20) return error(node, path, bad);
  Int128 value = 0;
  for (; pos < text.size(); ++pos) {
    if (text[pos] < '0' || text[pos] > '9') return error(node, path, bad);
    value = value * 10 + (text[pos] - '0');
  }
  if (text[0] == '-') value = -value;
  if (value < min || value > max) return error(node, path, bad);
  return static_cast<int64_t>(value);
}

Status YamlReader::check_sequence(const YAML::Node& node, const std::string& path) const {
  if (!node.IsSequence()) return error(node, path, "expected a list");
  return Status::Ok();
}

}  // namespace subsidy::internal
