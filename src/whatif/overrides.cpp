// Overrides by path: the plan's YAML tree with values set, read again by the plan reader — so a
// scenario is checked exactly like a plan file, and every kind of value can be overridden.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "subsidy/whatif.hpp"

namespace subsidy {

namespace {

// A step of a path: a key, and the list indices after it ("bands[1]" is "bands" then 1).
struct Step {
  std::string key;
  std::vector<size_t> indices;
};

Result<std::vector<Step>> split_path(const std::string& path) {
  std::vector<Step> steps;
  size_t begin = 0;
  while (begin <= path.size()) {
    const size_t end = std::min(path.find('.', begin), path.size());
    std::string_view part(path.data() + begin, end - begin);
    Step step;
    const size_t bracket = part.find('[');
    step.key = std::string(part.substr(0, bracket));
    if (step.key.empty()) {
      return invalid_argument(fmt::format("\"{}\" has an empty step", path));
    }
    for (size_t at = bracket; at != std::string_view::npos && at < part.size();) {
      const size_t close = part.find(']', at);
      size_t index = 0;
      const auto [end_of_number, error] =
          std::from_chars(part.data() + at + 1, part.data() + std::min(close, part.size()), index);
      if (close == std::string_view::npos || error != std::errc() ||
          end_of_number != part.data() + close) {
        return invalid_argument(
            fmt::format("\"{}\": \"{}\" is not key[index] with an index from 0", path, part));
      }
      step.indices.push_back(index);
      at = close + 1 < part.size() ? close + 1 : std::string_view::npos;
      if (at != std::string_view::npos && part[at] != '[') {
        return invalid_argument(
            fmt::format("\"{}\": unexpected text after ] in \"{}\"", path, part));
      }
    }
    steps.push_back(std::move(step));
    begin = end + 1;
  }
  return steps;
}

// The item of a list of mappings named `name` by its `id` (programs, pools) or `group` (stacking).
Result<YAML::Node> find_named(const YAML::Node& list, const std::string& where,
                              const std::string& name) {
  std::vector<std::string> names;
  for (YAML::Node item : list) {
    for (const char* key : {"id", "group"}) {
      const YAML::Node value = item.IsMap() ? item[key] : YAML::Node();
      if (value && value.IsScalar()) {
        if (value.Scalar() == name) return item;
        names.push_back(value.Scalar());
        break;
      }
    }
  }
  return invalid_argument(fmt::format(
      "{} has no item named \"{}\"{}", where, name,
      names.empty() ? std::string() : "; it has " + fmt::format("{}", fmt::join(names, ", "))));
}

Status set_value(YAML::Node& root, const Override& change) {
  SUBSIDY_ASSIGN_OR_RETURN(const std::vector<Step> steps, split_path(change.path));
  YAML::Node node = root;
  std::string where;
  for (size_t s = 0; s < steps.size(); ++s) {
    const Step& step = steps[s];
    const bool last = s + 1 == steps.size();
    const std::string here = where.empty() ? step.key : where + "." + step.key;
    if (node.IsSequence()) {
      // A list of named items: the step is a name.
      SUBSIDY_ASSIGN_OR_RETURN(YAML::Node item, find_named(node, where, step.key));
      node.reset(item);  // rebinds the handle; `node = item` would overwrite the list
      if (last && step.indices.empty()) {
        return invalid_argument(fmt::format("{} is a whole item; set one of its keys", here));
      }
    } else if (node.IsMap()) {
      if (last && step.indices.empty()) {
        node[step.key] = change.value;  // sets it, or adds a key the plan left out
        return Status::Ok();
      }
      YAML::Node next = node[step.key];
      if (!next) return invalid_argument(fmt::format("{} is not in the plan", here));
      node.reset(next);
    } else {
      return invalid_argument(fmt::format("{} is a value, not a mapping or a list", where));
    }
    std::string indexed = here;
    for (size_t k = 0; k < step.indices.size(); ++k) {
      const size_t index = step.indices[k];
      if (!node.IsSequence()) return invalid_argument(fmt::format("{} is not a list", indexed));
      if (index >= node.size()) {
        return invalid_argument(fmt::format("{} has {} item{}; [{}] is past its end", indexed,
                                            node.size(), node.size() == 1 ? "" : "s", index));
      }
      if (last && k + 1 == step.indices.size()) {
        if (node[index].IsMap() || node[index].IsSequence()) {
          return invalid_argument(
              fmt::format("{}[{}] is a whole item; set one of its keys", indexed, index));
        }
        node[index] = change.value;
        return Status::Ok();
      }
      YAML::Node next = node[index];
      node.reset(next);
      indexed += fmt::format("[{}]", index);
    }
    where = indexed;
  }
  return Status::Ok();
}

}  // namespace

Result<Override> parse_override(std::string_view text) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return invalid_argument(
        fmt::format("\"{}\" is not PATH=VALUE (e.g. pools.city-sme.received=4000万)", text));
  }
  return Override{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

Result<Plan> apply_overrides(std::string_view plan_text, const std::string& file_name,
                             const std::vector<Override>& overrides) {
  if (overrides.empty()) return parse_plan(plan_text, file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(plan_text));
  } catch (const YAML::Exception& e) {
    return invalid_argument(fmt::format("{}: {}", file_name, e.what()));
  }
  std::string described;
  for (const Override& change : overrides) {
    const Status status = set_value(root, change);
    if (!status.ok()) {
      return invalid_argument(
          fmt::format("--set {}={}: {}", change.path, change.value, status.message()));
    }
    described +=
        fmt::format("{}--set {}={}", described.empty() ? "" : " ", change.path, change.value);
  }
  YAML::Emitter out;
  out << root;
  if (!out.good())
    return internal_error(fmt::format("cannot write the scenario: {}", out.GetLastError()));
  // The plan reader names lines of the text written here, not of the file: keep only its path.
  const std::string name = fmt::format("{} with {}", file_name, described);
  Result<Plan> plan = parse_plan(out.c_str(), name);
  if (plan.ok()) {
    plan->file_name = file_name;
    return plan;
  }
  std::string message = plan.status().message();
  if (message.starts_with(name + ":")) {
    size_t at = name.size() + 1;
    while (at < message.size() && message[at] >= '0' && message[at] <= '9') ++at;
    if (at < message.size() && message[at] == ':') message = name + message.substr(at);
  }
  return Status(plan.status().code(), message);
}

Result<Scenario> parse_scenario(std::string name, const std::vector<std::string>& sets) {
  Scenario scenario{std::move(name), {}};
  for (const std::string& text : sets) {
    SUBSIDY_ASSIGN_OR_RETURN(Override change, parse_override(text));
    scenario.overrides.push_back(std::move(change));
  }
  return scenario;
}

}  // namespace subsidy
