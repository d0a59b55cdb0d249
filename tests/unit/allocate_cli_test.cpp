// End-to-end tests of `subsidy allocate`, `subsidy explain` and `subsidy validate` (SPEC §7, §8, §11,
// §12): the real executable over the example plans and roster, its output compared byte for byte with
// golden files worked out by hand (tests/golden/allocate/*/README.md has the arithmetic), its error
// messages and exit codes, and the promises about the files (BOM, LF, nothing written on failure,
// the same bytes whatever the thread count).
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;

using subsidy_test::CommandResult;
using subsidy_test::parse_csv;
using subsidy_test::read_file;
using subsidy_test::write_file;

std::string golden(const std::string& relative) {
  return read_file(std::string(SUBSIDY_SOURCE_DIR) + "/tests/golden/allocate/" + relative);
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const char kXuyi[] = "examples/xuyi-2023-plan.yaml";
const char kChengdu[] = "examples/chengdu-2023-plan.yaml";
const char kRoster[] = "examples/roster-small.csv";

std::string xuyi_id(int n) {
  return "91320830MA1N0000" + std::string(n < 10 ? "0" : "") + std::to_string(n);
}

class AllocateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = subsidy_test::fresh_test_directory("allocate-cli");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `subsidy args` from the source directory (so examples/… resolve).
  CommandResult subsidy(const std::string& args) {
    return subsidy_test::run_shell(SUBSIDY_SOURCE_DIR, "'" SUBSIDY_CLI_PATH "' " + args, dir_);
  }
  CommandResult allocate(const std::string& plan, const std::string& out_dir,
                         const std::string& extra = "", const std::string& roster = kRoster) {
    return subsidy("allocate --plan " + plan + " --roster " + roster + " --out " + tmp(out_dir) +
                   (extra.empty() ? "" : " " + extra));
  }
  CommandResult explain(const std::string& enterprise) {
    return subsidy(std::string("explain --plan ") + kXuyi + " --roster " + kRoster +
                   " --enterprise " + enterprise);
  }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }
  std::string output(const std::string& out_dir, const std::string& file) const {
    return read_file(dir_ / out_dir / file);
  }

  fs::path dir_;
};

// ---------------------------------------------------------------------------------------------
// Golden files

TEST_F(AllocateCliTest, XuyiMatchesTheHandCheckedGolden) {
  const CommandResult result = allocate(kXuyi, "out");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(output("out", "awards.csv"), golden("xuyi/awards.csv"));
  EXPECT_EQ(output("out", "pools.csv"), golden("xuyi/pools.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "result.json")) << "result.json only with --json";
  EXPECT_TRUE(starts_with(result.out, "xuyi-2023-h1 as of 2023-06-30: 24 enterprises, 1 pool, 3 programs, run "))
      << result.out;
  EXPECT_TRUE(contains(result.out, "wrote " + tmp("out") + "/awards.csv, pools.csv, run.json in "))
      << result.out;
}

TEST_F(AllocateCliTest, ChengduMatchesTheHandCheckedGolden) {
  const CommandResult result = allocate(kChengdu, "out");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(output("out", "awards.csv"), golden("chengdu/awards.csv"));
  EXPECT_EQ(output("out", "pools.csv"), golden("chengdu/pools.csv"));
  // The factor split, recomputed with fractions.Fraction (chengdu/README.md), spelled out here too.
  const std::string pools = output("out", "pools.csv");
  for (const char* line : {"central-lcsf/510104,,,93306535.00,", "central-lcsf/510107,,,87998473.00,",
                           "central-lcsf/510108,,,142662874.00,", "central-lcsf/510116,,,343945949.00,",
                           "central-lcsf/510117,,,142086169.00,"}) {
    EXPECT_TRUE(contains(pools, std::string("\n") + line)) << line;
  }
}

// Invariant 4: the order of the roster's rows changes nothing in the results.
TEST_F(AllocateCliTest, RosterRowOrderDoesNotChangeTheResults) {
  const std::string text = read_file(std::string(SUBSIDY_SOURCE_DIR) + "/" + kRoster);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string reversed = lines[0] + "\n";
  for (size_t i = lines.size() - 1; i >= 1; --i) reversed += lines[i] + "\n";
  write_file(tmp("reversed.csv"), reversed);
  for (const auto& [plan, name] : {std::pair{kXuyi, "xuyi"}, std::pair{kChengdu, "chengdu"}}) {
    const CommandResult result = allocate(plan, name, "", tmp("reversed.csv"));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(output(name, "awards.csv"), golden(std::string(name) + "/awards.csv")) << name;
    EXPECT_EQ(output(name, "pools.csv"), golden(std::string(name) + "/pools.csv")) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// run.json, result.json, BOM, line ends, threads

TEST_F(AllocateCliTest, RunJsonNamesTheRun) {
  ASSERT_EQ(allocate(kXuyi, "a").exit_code, 0);
  ASSERT_EQ(allocate(kXuyi, "b").exit_code, 0);
  ASSERT_EQ(allocate(kChengdu, "c").exit_code, 0);
  const YAML::Node a = YAML::Load(output("a", "run.json"));
  const YAML::Node b = YAML::Load(output("b", "run.json"));
  const YAML::Node c = YAML::Load(output("c", "run.json"));
  const std::string id = a["run_id"].as<std::string>();
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{16}"))) << id;
  EXPECT_EQ(b["run_id"].as<std::string>(), id) << "same inputs, same run id";
  EXPECT_NE(c["run_id"].as<std::string>(), id) << "another plan, another run id";
  EXPECT_EQ(a["plan"].as<std::string>(), "xuyi-2023-h1");
  EXPECT_EQ(a["as_of"].as<std::string>(), "2023-06-30");
  EXPECT_EQ(a["fiscal_year"].as<std::string>(), "2023");
  EXPECT_EQ(c["plan"].as<std::string>(), "chengdu-2023");
  EXPECT_EQ(c["as_of"].as<std::string>(), "2023-12-31");
  // The engine version is the one `subsidy --version` prints.
  const CommandResult version = subsidy("--version");
  ASSERT_EQ(version.exit_code, 0);
  EXPECT_EQ("subsidy " + a["engine"].as<std::string>() + "\n", version.out);
  // The totals agree with the hand-checked golden (xuyi/README.md).
  EXPECT_EQ(a["roster_rows"].as<std::string>(), "24");
  EXPECT_EQ(a["totals"]["requested"].as<std::string>(), "1287000.00");
  EXPECT_EQ(a["totals"]["granted"].as<std::string>(), "760000.00");
  EXPECT_EQ(a["totals"]["funded"].as<std::string>(), "9");
  // The id is printed on stdout as well, and copying the plan elsewhere does not change it (the
  // hash is of the contents, not of the path).
  fs::copy_file(std::string(SUBSIDY_SOURCE_DIR) + "/" + kXuyi, tmp("copy.yaml"));
  const CommandResult copied = allocate(tmp("copy.yaml"), "d");
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_TRUE(contains(copied.out, "run " + id + "\n")) << copied.out;
  EXPECT_EQ(YAML::Load(output("d", "run.json"))["run_id"].as<std::string>(), id);
}

TEST_F(AllocateCliTest, ResultJsonHoldsTheSameLinesWithAmountsAsStrings) {
  const CommandResult result = allocate(kXuyi, "out", "--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "awards.csv, pools.csv, run.json, result.json in ")) << result.out;
  EXPECT_EQ(output("out", "awards.csv"), golden("xuyi/awards.csv"));
  EXPECT_EQ(output("out", "pools.csv"), golden("xuyi/pools.csv"));
  const std::string text = output("out", "result.json");
  // No amount is a bare JSON number.
  EXPECT_FALSE(std::regex_search(
      text, std::regex("\"(requested|granted|received|reserve|budget|remaining)\": *[-0-9]")))
      << text;
  const YAML::Node json = YAML::Load(text);
  const auto csv_awards = parse_csv(golden("xuyi/awards.csv"));
  ASSERT_EQ(csv_awards.size(), 19u);
  ASSERT_TRUE(json["awards"].IsSequence());
  ASSERT_EQ(json["awards"].size(), csv_awards.size() - 1);
  const std::vector<std::string>& header = csv_awards[0];
  for (size_t i = 0; i < json["awards"].size(); ++i) {
    const YAML::Node award = json["awards"][i];
    for (size_t f = 0; f < header.size(); ++f) {
      ASSERT_TRUE(award[header[f]]) << "award " << i << " has no " << header[f];
      EXPECT_EQ(award[header[f]].as<std::string>(), csv_awards[i + 1][f]) << i << " " << header[f];
    }
    EXPECT_EQ(award["requested"].Tag(), "!") << "requested of line " << i << " is not a string";
    EXPECT_EQ(award["granted"].Tag(), "!") << "granted of line " << i << " is not a string";
  }
  const auto csv_pools = parse_csv(golden("xuyi/pools.csv"));
  ASSERT_EQ(json["pools"].size(), csv_pools.size() - 1);
  for (size_t i = 0; i < json["pools"].size(); ++i) {
    for (size_t f = 0; f < csv_pools[0].size(); ++f) {
      EXPECT_EQ(json["pools"][i][csv_pools[0][f]].as<std::string>(), csv_pools[i + 1][f])
          << i << " " << csv_pools[0][f];
    }
    EXPECT_EQ(json["pools"][i]["budget"].Tag(), "!");
  }
}

TEST_F(AllocateCliTest, BomGoesBeforeBothCsvsOnly) {
  const CommandResult result = allocate(kXuyi, "out", "--bom --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(output("out", "awards.csv"), bom + golden("xuyi/awards.csv"));
  EXPECT_EQ(output("out", "pools.csv"), bom + golden("xuyi/pools.csv"));
  EXPECT_TRUE(starts_with(output("out", "run.json"), "{"));
  EXPECT_TRUE(starts_with(output("out", "result.json"), "{"));
  // Without --bom there is none.
  ASSERT_EQ(allocate(kXuyi, "plain").exit_code, 0);
  EXPECT_FALSE(starts_with(output("plain", "awards.csv"), bom));
  EXPECT_FALSE(starts_with(output("plain", "pools.csv"), bom));
}

TEST_F(AllocateCliTest, FilesEndLinesWithLfOnly) {
  for (const auto& [plan, name] : {std::pair{kXuyi, "xuyi"}, std::pair{kChengdu, "chengdu"}}) {
    const CommandResult result = allocate(plan, name, "--json");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* file : {"awards.csv", "pools.csv", "run.json", "result.json"}) {
      const std::string text = output(name, file);
      ASSERT_FALSE(text.empty()) << name << "/" << file;
      EXPECT_EQ(text.find('\r'), std::string::npos) << name << "/" << file << " has a CR";
      EXPECT_EQ(text.back(), '\n') << name << "/" << file << " does not end with LF";
    }
  }
}

TEST_F(AllocateCliTest, ThreadCountDoesNotChangeAByte) {
  for (const auto& [plan, name] : {std::pair{kXuyi, "xuyi"}, std::pair{kChengdu, "chengdu"}}) {
    const std::string one = std::string(name) + "-1";
    const std::string two = std::string(name) + "-2";
    const std::string all = std::string(name) + "-0";
    ASSERT_EQ(allocate(plan, one, "--json --threads 1").exit_code, 0);
    ASSERT_EQ(allocate(plan, two, "--json --threads 2").exit_code, 0);
    ASSERT_EQ(allocate(plan, all, "--json").exit_code, 0);
    for (const char* file : {"awards.csv", "pools.csv", "run.json", "result.json"}) {
      EXPECT_EQ(output(one, file), output(two, file)) << name << " " << file;
      EXPECT_EQ(output(one, file), output(all, file)) << name << " " << file;
    }
    EXPECT_EQ(output(one, "awards.csv"), golden(std::string(name) + "/awards.csv"));
  }
}

// SPEC §5: an age_years() of a date after the as-of date is null "and the run warns how many rows
// have such dates". Row 16 (91510107MA6C000016) was registered 2024-03-01, after Xuyi's as_of
// 2023-06-30, and the Xuyi plan reads age_years(registered_on).
TEST_F(AllocateCliTest, WarnsOfRegistrationDatesAfterAsOf) {
  const CommandResult result = allocate(kXuyi, "out");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err,
            "subsidy: warning: 1 row has a registered_on after the as-of date 2023-06-30; the age "
            "of such a date is null, so rules reading it are unknown there\n");
}

// ---------------------------------------------------------------------------------------------
// Errors: exit 2, a message, nothing written

TEST_F(AllocateCliTest, MissingPlanFile) {
  const CommandResult result = allocate(tmp("no-such-plan.yaml"), "out");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(starts_with(result.err, "subsidy: cannot open plan " + tmp("no-such-plan.yaml")))
      << result.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "awards.csv"));
}

TEST_F(AllocateCliTest, PlanWithAYamlError) {
  write_file(tmp("bad.yaml"),
             "plan: x\n"
             "fiscal_year: 2023\n"
             "as_of: 2023-06-30\n"
             "  pools: []\n");
  const CommandResult result = allocate(tmp("bad.yaml"), "out");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(starts_with(result.err, "subsidy: " + tmp("bad.yaml") + ":4: ")) << result.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "awards.csv"));
}

std::string xuyi_with_typo() {
  std::string text = read_file(std::string(SUBSIDY_SOURCE_DIR) + "/" + kXuyi);
  const std::string rule = "and tax_paid >= 20万\n";
  const size_t at = text.find(rule);
  if (at == std::string::npos) return text;
  text.replace(at, rule.size(), "and tax_piad >= 20万\n");
  return text;
}

TEST_F(AllocateCliTest, UnknownColumnNamesFileLineAndPath) {
  write_file(tmp("typo.yaml"), xuyi_with_typo());
  const CommandResult result = allocate(tmp("typo.yaml"), "out");
  EXPECT_EQ(result.exit_code, 2);
  // Line 21 of the plan is the rule; column 44 counts characters, not bytes (入驻基地 is 4).
  EXPECT_TRUE(starts_with(result.err, "subsidy: " + tmp("typo.yaml") +
                                          ":21: programs[0] (tax-contribution).eligible: 1:44: "
                                          "unknown column \"tax_piad\"; did you mean \"tax_paid\"?\n"))
      << result.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "awards.csv"));
}

const char kUniqueConflictPlan[] =
    "plan: u\n"
    "fiscal_year: 2023\n"
    "as_of: 2023-06-30\n"
    "round: {unit: yuan, mode: down}\n"
    "pools:\n"
    "  - {id: p, name: P, level: county, received: 100万}\n"
    "programs:\n"
    "  - id: t\n"
    "    name: T\n"
    "    pool: p\n"
    "    eligible: region == \"320830\"\n"
    "    award:\n"
    "      table:\n"
    "        hit: unique\n"
    "        rows:\n"
    "          - {when: 'tax_paid >= 100万', award: 2万}\n"
    "          - {when: 'has_tag(\"专精特新\")', award: 1万}\n";

TEST_F(AllocateCliTest, UniqueHitConflictNamesTheEnterpriseAndRowsAndWritesNothing) {
  write_file(tmp("unique.yaml"), kUniqueConflictPlan);
  fs::create_directories(dir_ / "out");  // an existing, empty --out stays empty
  const CommandResult result = allocate(tmp("unique.yaml"), "out");
  EXPECT_EQ(result.exit_code, 2);
  // Row 01 has tax 126万 and the tag 专精特新: both rows hit.
  EXPECT_EQ(result.err, "subsidy: " + tmp("unique.yaml") +
                            ":13: programs[0] (t).award: enterprise 91320830MA1N000001 matches "
                            "rows[0] and rows[1] of the table, but the hit policy is unique\n");
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
}

TEST_F(AllocateCliTest, UsageErrorsAreExitTwo) {
  CommandResult result = subsidy(std::string("allocate --plan ") + kXuyi + " --out " + tmp("out"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "--roster is required")) << result.err;

  result = allocate(kXuyi, "out", "--frobnicate");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "--frobnicate")) << result.err;

  result = allocate(kXuyi, "out", "--threads -1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "--threads")) << result.err;
  EXPECT_TRUE(contains(result.err, "-1")) << result.err;

  result = subsidy(std::string("allocate --plan ") + kXuyi + " --roster " + kRoster);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "--out is required")) << result.err;

  result = allocate(kXuyi, "out", "", tmp("no-such-roster.csv"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: cannot open roster " + tmp("no-such-roster.csv") +
                            ": No such file or directory\n");

  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(AllocateCliTest, UnwritableOutIsExitTwo) {
  const CommandResult result = subsidy(std::string("allocate --plan ") + kXuyi + " --roster " +
                                       kRoster + " --out /proc/x");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "subsidy: cannot create /proc/x")) << result.err;
  EXPECT_FALSE(fs::exists("/proc/x/awards.csv"));
  EXPECT_FALSE(fs::exists("/proc/x/awards.csv.tmp"));
}

// A failure while writing must leave no output: the files are renamed into place only when all are
// written, and a failed rename takes back the ones before it.
TEST_F(AllocateCliTest, AFailedWriteLeavesNoPartialOutput) {
  fs::create_directories(dir_ / "out" / "pools.csv");
  const CommandResult result = allocate(kXuyi, "out");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "pools.csv")) << result.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "awards.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "awards.csv.tmp"));

  fs::create_directories(dir_ / "out2" / "run.json");
  EXPECT_EQ(allocate(kXuyi, "out2").exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "out2" / "awards.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "out2" / "pools.csv"));
}

// ---------------------------------------------------------------------------------------------
// explain

TEST_F(AllocateCliTest, ExplainGranted) {
  // Row 12: startup-rent, first in registered_on order (2020-07-07), 50% of 66,000 capped at 30,000.
  const CommandResult result = explain(xuyi_id(12));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(starts_with(result.out, "enterprise 91320830MA1N000012 (盱眙乡味餐饮管理有限公司), "
                                      "plan xuyi-2023-h1, as of 2023-06-30\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "program startup-rent (初创企业入驻租金补贴), pool county-base-fund\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  true    age_years(registered_on) < 3\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "capped at 30000.00; granted in full by priority in "
                                   "county-base-fund:startup-rent\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  → granted: requested 30000.00, granted 30000.00\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  false   tax_paid >= 20万\n")) << result.out;
}

TEST_F(AllocateCliTest, ExplainScaled) {
  // Row 14: tax 20万 exactly, band 1 (2万), pro_rata 20,000 × 100/161 → 12,422.
  const CommandResult result = explain(xuyi_id(14));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "tax_paid in band 1 (from 200000.00)")) << result.out;
  EXPECT_TRUE(contains(result.out, "scaled to 12422.00 by pro_rata in county-base-fund\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  → scaled: requested 20000.00, granted 12422.00\n"))
      << result.out;
}

TEST_F(AllocateCliTest, ExplainStackedOut) {
  // Row 01: tax band 3 (10万) loses to sales 159,000 under 就高不重复.
  const CommandResult result = explain(xuyi_id(1));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "tax_paid in band 3 (from 1000000.00)")) << result.out;
  EXPECT_TRUE(contains(result.out,
                       "stacked out by sales-contribution (group base-support, highest)\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  → stacked_out: requested 100000.00, granted 0.00\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  → scaled: requested 159000.00, granted 98758.00\n"))
      << result.out;
  // startup-rent: age 7 is the clause that fails; rent_paid is missing and the line says so.
  EXPECT_TRUE(contains(result.out, "  unknown rent_paid > 0  (rent_paid is null)\n")) << result.out;
}

TEST_F(AllocateCliTest, ExplainUnfunded) {
  // Row 13: third in registered_on order (2022-01-20); 60,000 is gone after rows 12 and 03.
  const CommandResult result = explain(xuyi_id(13));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "unfunded: priority in county-base-fund:startup-rent ran out "
                                   "(160000.00 requested of 60000.00)\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "  → unfunded: requested 24000.00, granted 0.00\n"))
      << result.out;
}

TEST_F(AllocateCliTest, ExplainIneligible) {
  // Row 07: tax 1.8万, sales 390万, registered 2019 (age 4), no rent: ineligible everywhere.
  const CommandResult result = explain(xuyi_id(7));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "  false   tax_paid >= 20万\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "  false   sales_invoiced >= 1000万\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "  false   age_years(registered_on) < 3\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "tax_paid >= 20万 is false\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "sales_invoiced >= 1000万 is false\n")) << result.out;
  EXPECT_TRUE(contains(result.out, "age_years(registered_on) < 3 is false\n")) << result.out;
  size_t ineligible = 0;
  for (size_t at = result.out.find("  → not eligible"); at != std::string::npos;
       at = result.out.find("  → not eligible", at + 1)) {
    ++ineligible;
  }
  EXPECT_EQ(ineligible, 3u) << result.out;
  EXPECT_FALSE(contains(result.out, "granted ")) << result.out;

  // A Chengdu enterprise fails the region clause first.
  const CommandResult chengdu = explain("91510107MA6C000015");
  ASSERT_EQ(chengdu.exit_code, 0) << chengdu.err;
  EXPECT_TRUE(contains(chengdu.out, "  false   region == \"320830\"\n")) << chengdu.out;
  EXPECT_TRUE(contains(chengdu.out, "region == \"320830\" is false\n")) << chengdu.out;
}

TEST_F(AllocateCliTest, ExplainUnknownEnterprise) {
  const CommandResult result = explain("NO-SUCH-ID");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: no enterprise \"NO-SUCH-ID\" in the roster\n");
  EXPECT_TRUE(result.out.empty()) << result.out;

  const CommandResult missing =
      subsidy(std::string("explain --plan ") + kXuyi + " --roster " + kRoster);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "--enterprise is required")) << missing.err;
}

// The award line of an explanation shows the amount computed before the cap: row 03's
// startup-rent is 50% of 96,000 = 48,000, capped at 30,000.
TEST_F(AllocateCliTest, ExplainShowsTheAwardBeforeTheCap) {
  const CommandResult result = explain(xuyi_id(3));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "48000.00")) << result.out;
  const CommandResult eleven = explain(xuyi_id(11));
  EXPECT_TRUE(contains(eleven.out, "256000.00")) << eleven.out;
  const CommandResult two = explain(xuyi_id(2));
  EXPECT_TRUE(contains(two.out, "433000.00")) << two.out;
}

// ---------------------------------------------------------------------------------------------
// validate

TEST_F(AllocateCliTest, ValidateWithoutARoster) {
  CommandResult result = subsidy(std::string("validate --plan ") + kXuyi);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::string(kXuyi) +
                            ": plan xuyi-2023-h1 is valid (1 pool, 3 programs); its rules were not "
                            "checked against a roster\n");

  // Without a roster an unknown column cannot be seen, but a syntax error can.
  write_file(tmp("typo.yaml"), xuyi_with_typo());
  result = subsidy("validate --plan " + tmp("typo.yaml"));
  EXPECT_EQ(result.exit_code, 0) << result.err;

  std::string text = read_file(std::string(SUBSIDY_SOURCE_DIR) + "/" + kXuyi);
  text.replace(text.find("tax_paid >= 20万\n"), std::string("tax_paid >= 20万\n").size(),
               "tax_paid >= and 20万\n");
  write_file(tmp("syntax.yaml"), text);
  result = subsidy("validate --plan " + tmp("syntax.yaml"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(starts_with(result.err, "subsidy: " + tmp("syntax.yaml") +
                                          ":21: programs[0] (tax-contribution).eligible: 1:56: "))
      << result.err;

  result = subsidy("validate --plan " + tmp("no-such.yaml"));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "cannot open plan")) << result.err;
}

TEST_F(AllocateCliTest, ValidateAgainstARoster) {
  CommandResult result =
      subsidy(std::string("validate --plan ") + kChengdu + " --roster " + kRoster);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::string(kChengdu) +
                            ": plan chengdu-2023 is valid (2 pools, 2 programs) and its rules fit " +
                            kRoster + "\n");

  write_file(tmp("typo.yaml"), xuyi_with_typo());
  result = subsidy("validate --plan " + tmp("typo.yaml") + " --roster " + kRoster);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(starts_with(result.err, "subsidy: " + tmp("typo.yaml") +
                                          ":21: programs[0] (tax-contribution).eligible: 1:44: "
                                          "unknown column \"tax_piad\"; did you mean \"tax_paid\"?\n"))
      << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

}  // namespace
