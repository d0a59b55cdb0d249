// Golden tests of the rule language (SPEC §5): tests/golden/rules.yaml holds (rule, roster, as-of
// date, eligible ids) cases and (bad rule, exact error message) cases, each worked out by hand.
// Every case is one test, named by its index and name, e.g.
// RulesGolden/RulesGoldenCase.Run/004_lt_number.
//
// A case named BUG_... states the correct behaviour where the engine does not have it yet; it
// fails until the engine is fixed.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"

namespace subsidy {
namespace {

constexpr char kGoldenFile[] = "tests/golden/rules.yaml";

std::string source_path(const std::string& relative) {
  return std::string(SUBSIDY_SOURCE_DIR) + "/" + relative;
}

struct GoldenCase {
  int index = 0;
  std::string name;
  std::string rule;
  std::string roster;  // relative to the repository
  std::string as_of;
  std::optional<std::vector<std::string>> eligible;
  std::optional<std::string> error;
  std::string problem;  // a malformed case: reported by its test instead of crashing the load
};

// Shown by GoogleTest when a case fails.
void PrintTo(const GoldenCase& golden, std::ostream* out) {
  *out << golden.index << " " << golden.name << " {rule: " << golden.rule << "}";
}

std::string required(const YAML::Node& node, const char* key, std::string* problem) {
  if (!node[key] || !node[key].IsScalar()) {
    if (problem->empty()) *problem = std::string("missing or non-scalar \"") + key + "\"";
    return "";
  }
  return node[key].as<std::string>();
}

std::vector<GoldenCase> load_cases() {
  std::vector<GoldenCase> cases;
  YAML::Node root;
  try {
    root = YAML::LoadFile(source_path(kGoldenFile));
  } catch (const YAML::Exception& error) {
    GoldenCase broken;
    broken.name = "unreadable_golden_file";
    broken.problem = std::string(kGoldenFile) + ": " + error.what();
    cases.push_back(broken);
    return cases;
  }
  for (size_t k = 0; k < root.size(); ++k) {
    const YAML::Node node = root[k];
    GoldenCase item;
    item.index = static_cast<int>(k);
    item.name = required(node, "name", &item.problem);
    item.rule = required(node, "rule", &item.problem);
    item.roster = required(node, "roster", &item.problem);
    if (node["error"]) {
      item.error = required(node, "error", &item.problem);
    } else if (node["eligible"] && node["eligible"].IsSequence()) {
      item.as_of = required(node, "as_of", &item.problem);
      std::vector<std::string> ids;
      for (const YAML::Node& id : node["eligible"]) ids.push_back(id.as<std::string>());
      item.eligible = std::move(ids);
    } else if (item.problem.empty()) {
      item.problem = "a case needs \"eligible\" (a list) or \"error\"";
    }
    cases.push_back(std::move(item));
  }
  return cases;
}

// Rosters are loaded once per path and shared by the cases that use them.
const Roster* roster_for(const std::string& relative, std::string* problem) {
  static auto* cache = new std::map<std::string, std::unique_ptr<Roster>>();
  static auto* failures = new std::map<std::string, std::string>();
  if (const auto found = cache->find(relative); found != cache->end()) return found->second.get();
  if (const auto failed = failures->find(relative); failed != failures->end()) {
    *problem = failed->second;
    return nullptr;
  }
  Result<Roster> roster = load_roster_csv(source_path(relative));
  if (!roster.ok()) {
    (*failures)[relative] = roster.status().message();
    *problem = roster.status().message();
    return nullptr;
  }
  auto owned = std::make_unique<Roster>(std::move(*roster));
  const Roster* pointer = owned.get();
  (*cache)[relative] = std::move(owned);
  return pointer;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string text = "[";
  for (const std::string& id : ids) text += (text.size() > 1 ? ", " : "") + id;
  return text + "]";
}

class RulesGoldenCase : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RulesGoldenCase, Run) {
  const GoldenCase& golden = GetParam();
  ASSERT_TRUE(golden.problem.empty()) << "case " << golden.index << ": " << golden.problem;
  SCOPED_TRACE("rule: " + golden.rule);
  std::string problem;
  const Roster* roster = roster_for(golden.roster, &problem);
  ASSERT_NE(roster, nullptr) << golden.roster << ": " << problem;

  Result<Rule> rule = compile_rule(golden.rule, *roster);
  if (golden.error) {
    ASSERT_FALSE(rule.ok()) << "expected the error:\n" << *golden.error;
    EXPECT_EQ(rule.status().message(), *golden.error);
    return;
  }
  ASSERT_TRUE(rule.ok()) << rule.status().message();
  Result<Date> as_of = parse_date(golden.as_of);
  ASSERT_TRUE(as_of.ok()) << as_of.status().message();
  Result<RowMask> mask = rule->eligible(*roster, EvalContext{.as_of = *as_of});
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  ASSERT_EQ(mask->size, roster->num_rows());

  const Column& ids = roster->column("id");
  std::vector<std::string> actual;
  for (RowIndex row_idx = 0; row_idx < roster->num_rows(); ++row_idx) {
    if (mask->test(row_idx)) actual.emplace_back(ids.text(row_idx));
  }
  std::vector<std::string> expected = *golden.eligible;
  std::sort(actual.begin(), actual.end());
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(std::adjacent_find(expected.begin(), expected.end()), expected.end())
      << "an id is listed twice";
  for (const std::string& id : expected) {
    EXPECT_TRUE(roster->find_row(id).has_value()) << id << " is not in " << golden.roster;
  }
  EXPECT_EQ(joined(actual), joined(expected));
  EXPECT_EQ(mask->count(), static_cast<RowIndex>(actual.size()));
}

std::string test_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  char index[8];
  std::snprintf(index, sizeof index, "%03d", info.param.index);
  std::string name = std::string(index) + "_";
  for (const char c : info.param.name) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(RulesGolden, RulesGoldenCase, ::testing::ValuesIn(load_cases()),
                         test_name);

// The file itself: enough cases of each kind, names unique, every BUG_ case named as such.
TEST(RulesGoldenFile, CasesAreWellFormed) {
  const std::vector<GoldenCase> cases = load_cases();
  int eligibility = 0;
  int errors = 0;
  std::map<std::string, int> names;
  for (const GoldenCase& golden : cases) {
    EXPECT_TRUE(golden.problem.empty()) << golden.index << ": " << golden.problem;
    EXPECT_EQ(names[golden.name]++, 0) << "duplicate name " << golden.name;
    eligibility += golden.eligible.has_value() ? 1 : 0;
    errors += golden.error.has_value() ? 1 : 0;
  }
  EXPECT_GE(eligibility, 150);
  EXPECT_GE(errors, 60);
}

}  // namespace
}  // namespace subsidy
