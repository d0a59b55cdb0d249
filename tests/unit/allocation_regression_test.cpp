// Regression tests for the review mends of commit 03ee4e2 (SPEC §5–§8, §11–§12), one focused test
// per finding, with exact values and messages:
//   1. the run id covers the schema file and the encoding;
//   2. the what-if path (compute_awards then settle) over a split pool with rows outside its
//      regions: no crash, the same files as allocate(), no line outside the split's regions (also
//      under `highest` stacking);
//   3. at most 10000 bands, table rows, programs and split regions;
//   4. an award that rounds past int64 is an error naming the program and the enterprise;
//   5. a sum_cap group whose awards together pass int64 cuts exactly to its cap;
//   6. format_ratio for ratios of 10^13 and more, in pools.csv too;
//   7. run.json totals past int64;
//   8. the reasons of lines left unfunded by max_funded, by skip and by a plain stop;
//   9. the future-date warning for ages taken in awards and rank_by keys;
//  10. a negative (or all-zero) sum() split measure is refused;
//  11. pct_rank in a split pool's rank_by ranks over the program's eligible rows in all regions.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "subsidy/allocation.hpp"
#include "subsidy/awards.hpp"
#include "subsidy/money.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/results.hpp"
#include "subsidy/roster.hpp"

#include "small_run.hpp"
#include "test_files.hpp"

namespace subsidy {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Helpers

using test_support::run_small;
using test_support::Small;

// The line of enterprise `id` in program `p`, or -1.
int64_t line_of(const Small& s, size_t p, const std::string& id) {
  const std::optional<RowIndex> row = s.roster.find_row(id);
  if (!row) return -1;
  return s.run->awards.programs[p].find(*row);
}

using subsidy_test::CommandResult;

// Runs the `subsidy` executable in a scratch directory of its own.
class AllocationRegressionCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = subsidy_test::fresh_test_directory("allocation-regression");
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandResult subsidy(const std::string& args) {
    return subsidy_test::run_shell(dir_.string(), "'" SUBSIDY_CLI_PATH "' " + args, dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) const { subsidy_test::write_file(dir_ / name, text); }
  std::string read(const std::string& name) const { return subsidy_test::read_file(dir_ / name); }

  fs::path dir_;
};

// The id printed on stdout: "... run <16 hex>\n".
std::string stdout_run_id(const std::string& out) {
  const std::string marker = ", run ";
  const size_t at = out.find(marker);
  if (at == std::string::npos) return "";
  const size_t end = out.find('\n', at);
  return out.substr(at + marker.size(), end - at - marker.size());
}

// ---------------------------------------------------------------------------------------------
// 1. The run id covers how the roster is read: the schema file and the encoding.

TEST_F(AllocationRegressionCli, RunIdCoversSchemaAndEncoding) {
  write("plan.yaml",
        "plan: run-id\nas_of: 2023-06-30\n"
        "pools:\n  - {id: p, level: county, received: 100万}\n"
        "programs:\n"
        "  - {id: a, pool: p, eligible: 'tax_paid >= 4', award: {rate: 10%, of: tax_paid}}\n");
  write("roster.csv", "id,name,region,tax_paid\ne1,x,320830,3\ne2,y,320830,5\n");
  write("schema.yaml", "columns:\n  tax_paid: {unit: wan}\n");
  struct Run {
    std::string args;
    std::string out_dir;
  };
  const std::vector<Run> runs = {
      {"", "plain"},
      {"", "again"},
      {"--schema schema.yaml", "schema"},
      {"--encoding gbk", "gbk"},
      {"--encoding utf-8", "utf8"},
  };
  std::vector<std::string> ids;
  for (const Run& run : runs) {
    const CommandResult result =
        subsidy("allocate --plan plan.yaml --roster roster.csv --out " + run.out_dir +
                (run.args.empty() ? "" : " " + run.args));
    ASSERT_EQ(result.exit_code, 0) << run.out_dir << ": " << result.err;
    const std::string id = YAML::Load(read(run.out_dir + "/run.json"))["run_id"].as<std::string>();
    EXPECT_EQ(id.size(), 16u) << id;
    EXPECT_EQ(stdout_run_id(result.out), id) << run.out_dir << ": " << result.out;
    ids.push_back(id);
  }
  EXPECT_EQ(ids[1], ids[0]) << "the same plan, roster and options: the same run id";
  EXPECT_NE(ids[2], ids[0]) << "--schema changes tax_paid's unit: another run id";
  EXPECT_NE(ids[3], ids[0]) << "--encoding gbk: another run id, even on an ASCII roster";
  EXPECT_NE(ids[3], ids[2]);
  EXPECT_EQ(ids[4], ids[0]) << "--encoding utf-8 is the default";
  // The schema did change the result (tax_paid 3 and 5 are 3万 and 5万 under it), the encoding
  // did not: the run ids tell runs apart that the outputs alone may not.
  EXPECT_EQ(read("plain/awards.csv"),
            "enterprise,name,region,program,pool,requested,granted,status,reason\n"
            "e2,y,320830,a,p,0.50,0.50,granted,10% of tax_paid = 0.50\n");
  EXPECT_EQ(read("schema/awards.csv"),
            "enterprise,name,region,program,pool,requested,granted,status,reason\n"
            "e1,x,320830,a,p,3000.00,3000.00,granted,10% of tax_paid = 3000.00\n"
            "e2,y,320830,a,p,5000.00,5000.00,granted,10% of tax_paid = 5000.00\n");
  EXPECT_EQ(read("gbk/awards.csv"), read("plain/awards.csv"));
}

// ---------------------------------------------------------------------------------------------
// 2. The what-if path over a split pool with roster rows outside its regions.

const char kSplitRoster[] =
    "id,name,region,tax_paid\n"
    "e1,in-a,320830,10\n"
    "e2,in-b,320831,20\n"
    "e3,outside,510107,30\n"
    "e4,no-region,,40\n"
    "e5,in-a-too,32083001,50\n";

// Program a draws on the split pool p (fixed 500: the larger award of the `highest` group), b on
// the plain pool q (fixed 100).
const char kSplitPlan[] =
    "plan: what-if\nas_of: 2023-06-30\n"
    "pools:\n"
    "  - id: p\n"
    "    level: county\n"
    "    received: 700\n"
    "    split: {by: region, regions: [\"320830\", \"320831\"], factors: [{weight: 1, measure: count}]}\n"
    "  - {id: q, level: county, received: 10000}\n"
    "programs:\n"
    "  - {id: a, pool: p, group: g, eligible: 'true', award: {fixed: 500}}\n"
    "  - {id: b, pool: q, group: g, eligible: 'true', award: {fixed: 100}}\n"
    "stacking:\n  - {group: g, rule: highest}\n";

TEST(AllocationRegression, WhatIfSettleOfASplitPoolMatchesAllocate) {
  auto s = run_small(kSplitRoster, kSplitPlan);
  ASSERT_TRUE(s->run) << s->error;
  const CompiledPlan& compiled = *s->compiled;
  const EvalContext context{s->plan.as_of};
  Result<AwardsResult> awards = compute_awards(compiled.awards(), context);
  ASSERT_TRUE(awards.ok()) << awards.status().message();

  // No line of a (split pool) for e3 (outside), e4 (no region); e1, e2, e5 are within.
  const ProgramAwards& a = awards->programs[0];
  const ProgramAwards& b = awards->programs[1];
  EXPECT_EQ(a.find(*s->roster.find_row("e3")), -1);
  EXPECT_EQ(a.find(*s->roster.find_row("e4")), -1);
  EXPECT_EQ(a.rows.size(), 3u);
  EXPECT_EQ(a.eligible, 3);
  EXPECT_FALSE(awards->eligible[0].test(*s->roster.find_row("e3")));
  // Stacking (highest): a's 500 wins where a has a line; where it has none (e3, e4) b's line is
  // left alone.
  for (const char* id : {"e1", "e2", "e5"}) {
    const int64_t l = b.find(*s->roster.find_row(id));
    ASSERT_GE(l, 0) << id;
    EXPECT_EQ(b.status[l], AwardStatus::kStackedOut) << id;
    EXPECT_EQ(b.requested[l], 0) << id;
    EXPECT_EQ(b.stacked_by[l], 0) << id;
  }
  for (const char* id : {"e3", "e4"}) {
    const int64_t l = b.find(*s->roster.find_row(id));
    ASSERT_GE(l, 0) << id;
    EXPECT_EQ(b.status[l], AwardStatus::kRequested) << id;
    EXPECT_EQ(b.requested[l], 10000) << id;
    EXPECT_EQ(b.stacked_by[l], -1) << id;
  }

  // settle() with the regions of the first run: no crash, the same files as allocate().
  Result<Allocation> again = settle(compiled, std::move(*awards), s->run->region_of_row);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(awards_csv(compiled, *again), awards_csv(compiled, *s->run));
  EXPECT_EQ(pools_csv(*again), pools_csv(*s->run));
  // Worked by hand: p splits 700 by count 2 : 1 (e1, e5 | e2) → 466.67 and 233.33; e1 and e5 ask
  // 500 each of p/320830 (pro_rata: 233.335 each, the odd fen to the lower id, e1), e2 asks 500
  // of p/320831 (233.33); e3 and e4 keep b's 100. A line's pool is the child that settled it.
  EXPECT_EQ(pools_csv(*s->run),
            "pool,received,reserve,budget,requested,granted,remaining,funded,scaling,oversubscription\n"
            "p,700.00,0.00,700.00,1500.00,700.00,0.00,3,0.466667,2.142857\n"
            "p/320830,,,466.67,1000.00,466.67,0.00,2,0.466670,2.142842\n"
            "p/320831,,,233.33,500.00,233.33,0.00,1,0.466660,2.142888\n"
            "q,10000.00,0.00,10000.00,200.00,200.00,9800.00,2,1.000000,0.020000\n");
  EXPECT_EQ(awards_csv(compiled, *s->run),
            "enterprise,name,region,program,pool,requested,granted,status,reason\n"
            "e1,in-a,320830,a,p/320830,500.00,233.34,scaled,fixed 500.00; scaled to 233.34 by pro_rata in p/320830\n"
            "e2,in-b,320831,a,p/320831,500.00,233.33,scaled,fixed 500.00; scaled to 233.33 by pro_rata in p/320831\n"
            "e5,in-a-too,32083001,a,p/320830,500.00,233.33,scaled,fixed 500.00; scaled to 233.33 by pro_rata in p/320830\n"
            "e1,in-a,320830,b,q,100.00,0.00,stacked_out,\"fixed 100.00; stacked out by a (group g, highest)\"\n"
            "e2,in-b,320831,b,q,100.00,0.00,stacked_out,\"fixed 100.00; stacked out by a (group g, highest)\"\n"
            "e3,outside,510107,b,q,100.00,100.00,granted,fixed 100.00\n"
            "e4,no-region,,b,q,100.00,100.00,granted,fixed 100.00\n"
            "e5,in-a-too,32083001,b,q,100.00,0.00,stacked_out,\"fixed 100.00; stacked out by a (group g, highest)\"\n");
}

// The same under sum_cap (cap 150): inside the regions a's 500 and b's 100 are cut to 150 together
// (b, the last, first); outside them b's 100 is alone and under the cap.
TEST(AllocationRegression, WhatIfSumCapLeavesLinesOutsideTheSplitAlone) {
  std::string plan = kSplitPlan;
  plan.replace(plan.find("rule: highest"), std::string("rule: highest").size(),
               "rule: sum_cap, cap: 150");
  auto s = run_small(kSplitRoster, plan);
  ASSERT_TRUE(s->run) << s->error;
  Result<AwardsResult> awards = compute_awards(s->compiled->awards(), EvalContext{s->plan.as_of});
  ASSERT_TRUE(awards.ok()) << awards.status().message();
  const ProgramAwards& a = awards->programs[0];
  const ProgramAwards& b = awards->programs[1];
  for (const char* id : {"e1", "e2", "e5"}) {
    const RowIndex row = *s->roster.find_row(id);
    ASSERT_GE(a.find(row), 0) << id;
    EXPECT_EQ(a.requested[a.find(row)], 15000) << id;
    EXPECT_EQ(b.requested[b.find(row)], 0) << id;
    EXPECT_EQ(b.status[b.find(row)], AwardStatus::kStackedOut) << id;
  }
  for (const char* id : {"e3", "e4"}) {
    const RowIndex row = *s->roster.find_row(id);
    EXPECT_EQ(a.find(row), -1) << id;
    ASSERT_GE(b.find(row), 0) << id;
    EXPECT_EQ(b.requested[b.find(row)], 10000) << id;
    EXPECT_EQ(b.status[b.find(row)], AwardStatus::kRequested) << id;
    EXPECT_EQ(b.stacked_by[b.find(row)], -1) << id;
  }
  Result<Allocation> again = settle(*s->compiled, std::move(*awards), s->run->region_of_row);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(awards_csv(*s->compiled, *again), awards_csv(*s->compiled, *s->run));
  EXPECT_EQ(pools_csv(*again), pools_csv(*s->run));
}

// ---------------------------------------------------------------------------------------------
// 3. At most 10000 bands, table rows, programs and split regions.

std::string plan_error(const std::string& yaml) {
  Result<Plan> plan = parse_plan(yaml, "plan.yaml");
  return plan.ok() ? std::string("(loaded)") : plan.status().message();
}

std::string bands_plan(int count) {
  std::string y =
      "plan: big\nas_of: 2023-06-30\n"
      "pools:\n  - {id: p, level: county, received: 1亿}\n"
      "programs:\n"
      "  - id: a\n    pool: p\n    eligible: 'true'\n    award:\n      tiers:\n"
      "        base: tax_paid\n        bands:\n";
  for (int k = 0; k < count; ++k) {
    y += "          - {from: " + std::to_string(k) + ", award: " + std::to_string(k + 1) + "}\n";
  }
  return y;
}

std::string table_plan(int count) {
  std::string y =
      "plan: big\nas_of: 2023-06-30\n"
      "pools:\n  - {id: p, level: county, received: 1亿}\n"
      "programs:\n"
      "  - id: a\n    pool: p\n    eligible: 'true'\n    award:\n      table:\n"
      "        hit: first\n        rows:\n";
  for (int k = 0; k < count; ++k) {
    y += "          - {when: 'tax_paid == " + std::to_string(k) + "', award: " +
         std::to_string(k + 1) + "}\n";
  }
  return y;
}

std::string programs_plan(int count) {
  std::string y =
      "plan: big\nas_of: 2023-06-30\n"
      "pools:\n  - {id: p, level: county, received: 1亿}\n"
      "programs:\n";
  for (int k = 0; k < count; ++k) {
    y += "  - {id: a" + std::to_string(k) + ", pool: p, eligible: 'true', award: {fixed: 1}}\n";
  }
  return y;
}

std::string regions_plan(int count) {
  std::string y =
      "plan: big\nas_of: 2023-06-30\n"
      "pools:\n  - id: p\n    level: county\n    received: 1亿\n"
      "    split:\n      by: region\n      factors: [{weight: 1, measure: count}]\n"
      "      regions:\n";
  for (int k = 0; k < count; ++k) y += "        - \"" + std::to_string(100000 + k) + "\"\n";
  return y + "programs: []\n";
}

TEST(AllocationRegression, AtMostTenThousandBandsRowsProgramsRegions) {
  EXPECT_EQ(plan_error(bands_plan(10001)),
            "plan.yaml:13: programs[0] (a).award.tiers.bands: lists 10001 bands; at most 10000 "
            "are allowed");
  EXPECT_EQ(plan_error(table_plan(10001)),
            "plan.yaml:13: programs[0] (a).award.table.rows: lists 10001 rows; at most 10000 are "
            "allowed");
  EXPECT_EQ(plan_error(programs_plan(10001)),
            "plan.yaml:6: programs: lists 10001 programs; at most 10000 are allowed");
  EXPECT_EQ(plan_error(regions_plan(10001)),
            "plan.yaml:11: pools[0] (p).split.regions: lists 10001 regions; at most 10000 are "
            "allowed");
  // 10000 of each loads.
  for (const std::string& yaml :
       {bands_plan(10000), table_plan(10000), programs_plan(10000), regions_plan(10000)}) {
    Result<Plan> plan = parse_plan(yaml, "plan.yaml");
    EXPECT_TRUE(plan.ok()) << plan.status().message();
  }
  // ... and runs: the 10000th band (index 9999) is hit and named.
  auto s = run_small("id,name,tax_paid\ne1,x,9999\ne2,y,5000.5\n", bands_plan(10000));
  ASSERT_TRUE(s->run) << s->error;
  const ProgramAwards& lines = s->run->awards.programs[0];
  ASSERT_EQ(lines.rows.size(), 2u);
  EXPECT_EQ(lines.requested[0], 1000000);
  EXPECT_EQ(lines.hit[0], 9999);
  EXPECT_EQ(lines.requested[1], 500100);
  EXPECT_EQ(lines.hit[1], 5000);
  EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 0),
            "tax_paid in band 10000 (from 9999.00): 10000.00");
}

// ---------------------------------------------------------------------------------------------
// 4. An award that rounds past int64 is an error, never a negative request.

std::string huge_plan(const std::string& mode) {
  return "plan: huge\nas_of: 2023-06-30\nround: {unit: wan, mode: " + mode +
         "}\n"
         "pools:\n  - {id: p, level: county, received: 1万}\n"
         "programs:\n"
         "  - id: big-one\n    pool: p\n    eligible: 'true'\n"
         "    award: {fixed: 92233720368547758.07}\n";
}

TEST(AllocationRegression, AwardRoundingPastInt64IsAnError) {
  for (const std::string mode : {"up", "half_up", "half_even"}) {
    auto s = run_small("id,name\ne1,x\n", huge_plan(mode));
    EXPECT_FALSE(s->run) << mode << ": requested "
                         << (s->run ? s->run->awards.programs[0].requested.at(0) : 0);
    EXPECT_EQ(s->error,
              "small.yaml:10: programs[0] (big-one).award: the award of enterprise e1 is too large "
              "for an amount")
        << mode;
  }
  // Rounded down it fits: 9223372036854 万 exactly.
  auto down = run_small("id,name\ne1,x\n", huge_plan("down"));
  ASSERT_TRUE(down->run) << down->error;
  EXPECT_EQ(down->run->awards.programs[0].requested.at(0), INT64_C(9223372036854000000));
  EXPECT_EQ(down->run->grants[0].granted.at(0), 1000000);
}

// ---------------------------------------------------------------------------------------------
// 5. A sum_cap group whose awards together pass int64.

TEST(AllocationRegression, SumCapPastInt64CutsExactlyToTheCap) {
  auto s = run_small(
      "id,name\ne1,x\n",
      "plan: t\nas_of: 2023-06-30\n"
      "pools:\n  - {id: p, level: county, received: 1万}\n"
      "programs:\n"
      "  - {id: a, pool: p, group: g, eligible: 'true', award: {fixed: 50000000000000000}}\n"
      "  - {id: b, pool: p, group: g, eligible: 'true', award: {fixed: 50000000000000000}}\n"
      "stacking:\n  - {group: g, rule: sum_cap, cap: 1万}\n");
  ASSERT_TRUE(s->run) << s->error;
  const Allocation& run = *s->run;
  // b (last in plan order) is cut first, to 0; a keeps exactly 1万.
  EXPECT_EQ(run.awards.programs[0].requested.at(0), 1000000);
  EXPECT_EQ(run.awards.programs[0].status.at(0), AwardStatus::kRequested);
  EXPECT_EQ(run.awards.programs[0].stacked_by.at(0), ProgramAwards::kCutByGroupCap);
  EXPECT_EQ(run.awards.programs[1].requested.at(0), 0);
  EXPECT_EQ(run.awards.programs[1].status.at(0), AwardStatus::kStackedOut);
  EXPECT_EQ(run.awards.programs[1].award.at(0), INT64_C(5000000000000000000));
  EXPECT_EQ(run.grants[0].granted.at(0), 1000000);
  EXPECT_EQ(run.grants[0].status.at(0), LineStatus::kGranted);
  EXPECT_EQ(run.grants[1].status.at(0), LineStatus::kStackedOut);

  // Three programs, 1.5·10^19 fen together, cap 6·10^16 yuan: c → 0, b → 10^16 yuan, a whole.
  auto t = run_small(
      "id,name\ne1,x\n",
      "plan: t\nas_of: 2023-06-30\n"
      "pools:\n  - {id: p, level: county, received: 1万}\n"
      "programs:\n"
      "  - {id: a, pool: p, group: g, eligible: 'true', award: {fixed: 50000000000000000}}\n"
      "  - {id: b, pool: p, group: g, eligible: 'true', award: {fixed: 50000000000000000}}\n"
      "  - {id: c, pool: p, group: g, eligible: 'true', award: {fixed: 50000000000000000}}\n"
      "stacking:\n  - {group: g, rule: sum_cap, cap: 60000000000000000}\n");
  ASSERT_TRUE(t->run) << t->error;
  EXPECT_EQ(t->run->awards.programs[0].requested.at(0), INT64_C(5000000000000000000));
  EXPECT_EQ(t->run->awards.programs[1].requested.at(0), INT64_C(1000000000000000000));
  EXPECT_EQ(t->run->awards.programs[2].requested.at(0), 0);
  EXPECT_EQ(t->run->awards.programs[2].status.at(0), AwardStatus::kStackedOut);
}

// ---------------------------------------------------------------------------------------------
// 6. Ratios of 10^13 and more.

TEST(AllocationRegression, FormatRatioBeyondInt64Millionths) {
  // 100000亿 requested over a 1-yuan budget.
  EXPECT_EQ(format_ratio(Money::from_fen(INT64_C(1000000000000000)), Money::from_fen(100)),
            "10000000000000.000000");
  EXPECT_EQ(format_ratio(Money::max(), Money::from_fen(1)), "9223372036854775807.000000");
  EXPECT_EQ(format_ratio(Money::from_fen(-INT64_MAX), Money::from_fen(1)),
            "-9223372036854775807.000000");
  EXPECT_EQ(format_ratio(Money::max(), Money::from_fen(3)), "3074457345618258602.333333");
  EXPECT_EQ(format_ratio(Money::from_fen(INT64_C(9223372036854)), Money::from_fen(1)),
            "9223372036854.000000");
  EXPECT_EQ(format_ratio(Money::from_fen(INT64_C(9223372036855)), Money::from_fen(1)),
            "9223372036855.000000");
  // Half-up at the sixth decimal, as before.
  EXPECT_EQ(format_ratio(Money::from_fen(2), Money::from_fen(3)), "0.666667");
  EXPECT_EQ(format_ratio(Money::from_fen(1), Money::from_fen(2000000)), "0.000001");
  EXPECT_EQ(format_ratio(Money::from_fen(1), Money::from_fen(2000001)), "0.000000");
  EXPECT_EQ(format_ratio(Money::from_fen(1), Money::zero()), "");
}

TEST_F(AllocationRegressionCli, HugeOversubscriptionInPoolsCsv) {
  write("plan.yaml",
        "plan: huge\nas_of: 2023-06-30\n"
        "pools:\n  - {id: p, level: county, received: 1}\n"
        "programs:\n  - {id: a, pool: p, eligible: 'true', award: {fixed: 100000亿}}\n");
  write("roster.csv", "id,name\ne1,x\n");
  const CommandResult result = subsidy("allocate --plan plan.yaml --roster roster.csv --out out");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(read("out/pools.csv"),
            "pool,received,reserve,budget,requested,granted,remaining,funded,scaling,oversubscription\n"
            "p,1.00,0.00,1.00,10000000000000.00,1.00,0.00,1,0.000000,10000000000000.000000\n");
}

// ---------------------------------------------------------------------------------------------
// 7. run.json totals past int64.

TEST_F(AllocationRegressionCli, RunJsonTotalsPastInt64) {
  write("plan.yaml",
        "plan: huge\nas_of: 2023-06-30\n"
        "pools:\n"
        "  - {id: p, level: county, received: 50000000000000000}\n"
        "  - {id: q, level: county, received: 50000000000000000}\n"
        "programs:\n"
        "  - {id: a, pool: p, eligible: 'true', award: {fixed: 50000000000000000}}\n"
        "  - {id: b, pool: q, eligible: 'true', award: {fixed: 49999999999999999.99}}\n");
  write("roster.csv", "id,name\ne1,x\n");
  const CommandResult result = subsidy("allocate --plan plan.yaml --roster roster.csv --out out");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const YAML::Node run = YAML::Load(read("out/run.json"));
  EXPECT_EQ(run["totals"]["lines"].as<std::string>(), "2");
  EXPECT_EQ(run["totals"]["funded"].as<std::string>(), "2");
  EXPECT_EQ(run["totals"]["requested"].as<std::string>(), "99999999999999999.99");
  EXPECT_EQ(run["totals"]["granted"].as<std::string>(), "99999999999999999.99");
  EXPECT_EQ(run["programs"][0]["requested"].as<std::string>(), "50000000000000000.00");
  EXPECT_EQ(run["programs"][1]["granted"].as<std::string>(), "49999999999999999.99");
  // Amounts are strings in run.json, never JSON numbers.
  EXPECT_NE(read("out/run.json").find("\"requested\": \"99999999999999999.99\""), std::string::npos)
      << read("out/run.json");
}

// One pool whose own requests pass int64 fen is an error naming the pool (not a wrapped sum).
TEST(AllocationRegression, PoolRequestsPastInt64NameThePool) {
  auto s = run_small(
      "id,name\ne1,x\n",
      "plan: huge\nas_of: 2023-06-30\n"
      "pools:\n  - {id: p, level: county, received: 1万}\n"
      "programs:\n"
      "  - {id: a, pool: p, eligible: 'true', award: {fixed: 50000000000000000}}\n"
      "  - {id: b, pool: p, eligible: 'true', award: {fixed: 50000000000000000}}\n");
  EXPECT_FALSE(s->run);
  EXPECT_EQ(s->error,
            "small.yaml:4: pools[0] (p): the amounts of this pool add up past the largest amount "
            "(int64 fen)");
}

// ---------------------------------------------------------------------------------------------
// 8. Reasons of unfunded priority lines.

const char kPriorityRoster[] = "id,name,tax_paid\ne1,x,20\ne2,y,10\ne3,z,5\n";

std::string priority_plan(const std::string& options, const std::string& received) {
  return "plan: reasons\nas_of: 2023-06-30\n"
         "pools:\n  - id: p\n    level: county\n    received: " +
         received +
         "\n    scarcity: {method: priority, rank_by: [\"tax_paid desc\"]" + options +
         "}\n"
         "programs:\n  - {id: a, pool: p, eligible: 'true', award: {formula: tax_paid}}\n";
}

TEST(AllocationRegression, PriorityReasonsForMaxFundedSkipAndStop) {
  {  // max_funded 1: e1 is granted, e2 and e3 would fit what is left but the walk stopped.
    auto s = run_small(kPriorityRoster, priority_plan(", max_funded: 1", "100"));
    ASSERT_TRUE(s->run) << s->error;
    EXPECT_EQ(s->run->grants[0].granted, (std::vector<int64_t>{2000, 0, 0}));
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 0), "formula tax_paid = 20.00");
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 1),
              "formula tax_paid = 10.00; unfunded: priority in p stopped at max_funded 1");
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 2),
              "formula tax_paid = 5.00; unfunded: priority in p stopped at max_funded 1");
  }
  {  // skip: 25 yuan; e1 (20) granted, e2 (10) does not fit the 5 left, e3 (5) does.
    auto s = run_small(kPriorityRoster, priority_plan(", skip: true", "25"));
    ASSERT_TRUE(s->run) << s->error;
    EXPECT_EQ(s->run->grants[0].granted, (std::vector<int64_t>{2000, 0, 500}));
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 0),
              "formula tax_paid = 20.00; granted in full by priority in p");
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 1),
              "formula tax_paid = 10.00; unfunded: passed over by priority in p, it did not fit "
              "what was left");
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 2),
              "formula tax_paid = 5.00; granted in full by priority in p");
  }
  {  // A plain stop: e2 does not fit, the walk ends there.
    auto s = run_small(kPriorityRoster, priority_plan("", "25"));
    ASSERT_TRUE(s->run) << s->error;
    EXPECT_EQ(s->run->grants[0].granted, (std::vector<int64_t>{2000, 0, 0}));
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 1),
              "formula tax_paid = 10.00; unfunded: priority in p ran out (35.00 requested of "
              "25.00)");
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 2),
              "formula tax_paid = 5.00; unfunded: priority in p ran out (35.00 requested of "
              "25.00)");
  }
  {  // The same reasons on a program's own budget (`<pool>:<program>`).
    auto s = run_small(
        kPriorityRoster,
        "plan: reasons\nas_of: 2023-06-30\n"
        "pools:\n  - {id: p, level: county, received: 100}\n"
        "programs:\n"
        "  - {id: a, pool: p, budget: 100, eligible: 'true', award: {formula: tax_paid},"
        " scarcity: {method: priority, rank_by: [\"tax_paid desc\"], max_funded: 1}}\n");
    ASSERT_TRUE(s->run) << s->error;
    EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 1),
              "formula tax_paid = 10.00; unfunded: priority in p:a stopped at max_funded 1");
  }
}

// skip and max_funded together: e1 (20) is granted, e2 (10) does not fit the 5 left and is passed
// over, e3 (5) fits and is the second line funded. e2 was passed over; the walk stopped at
// max_funded only after it.
TEST(AllocationRegression, PriorityReasonPassedOverBeforeMaxFunded) {
    auto s = run_small(kPriorityRoster, priority_plan(", skip: true, max_funded: 2", "25"));
  ASSERT_TRUE(s->run) << s->error;
  EXPECT_EQ(s->run->grants[0].granted, (std::vector<int64_t>{2000, 0, 500}));
  EXPECT_EQ(describe_line(*s->compiled, *s->run, 0, 1),
            "formula tax_paid = 10.00; unfunded: passed over by priority in p, it did not fit "
            "what was left");
}

// ---------------------------------------------------------------------------------------------
// 9. The future-date warning for ages taken anywhere in the plan.

const char kDatesRoster[] =
    "id,name,registered_on\n"
    "e1,x,2020-01-01\n"
    "e2,y,2023-07-01\n"
    "e3,z,2024-01-01\n"
    "e4,w,\n";

const char kTwoRowsWarning[] =
    "2 rows have a registered_on after the as-of date 2023-06-30; the age of such a date is null, "
    "so rules reading it are unknown there";

std::string dates_plan(const std::string& pool_extra, const std::string& program) {
  return "plan: dates\nas_of: 2023-06-30\n"
         "pools:\n  - {id: p, level: county, received: 1万" +
         pool_extra +
         "}\n"
         "programs:\n  - " +
         program + "\n";
}

TEST(AllocationRegression, FutureDateWarningForEveryExpression) {
  const std::vector<std::string> warned = {
      // an award formula
      dates_plan("", "{id: a, pool: p, eligible: 'true', award: {formula: 'if(age_years(registered_on) < 3, 100, 50)'}}"),
      // a tiers base
      dates_plan("", "{id: a, pool: p, eligible: 'true', award: {tiers: {base: age_months(registered_on), bands: [{from: 0, award: 10}]}}}"),
      // a table condition
      dates_plan("", "{id: a, pool: p, eligible: 'true', award: {table: {hit: first, rows: [{when: 'age_years(registered_on) >= 1', award: 10}]}}}"),
      // a pool's rank_by key
      dates_plan(", scarcity: {method: priority, rank_by: ['age_months(registered_on) desc']}",
                 "{id: a, pool: p, eligible: 'true', award: {fixed: 10}}"),
      // a program's own budget's rank_by key
      dates_plan("", "{id: a, pool: p, budget: 100, eligible: 'true', award: {fixed: 10}, scarcity: {method: priority, rank_by: ['age_years(registered_on) asc']}}"),
      // eligible, as before
      dates_plan("", "{id: a, pool: p, eligible: 'age_years(registered_on) < 5', award: {fixed: 10}}"),
  };
  for (const std::string& yaml : warned) {
    auto s = run_small(kDatesRoster, yaml);
    ASSERT_TRUE(s->run) << s->error << "\n" << yaml;
    EXPECT_EQ(s->run->warnings, std::vector<std::string>{kTwoRowsWarning}) << yaml;
  }
  // No age taken (a date compared as a date): no warning.
  auto quiet = run_small(
      kDatesRoster, dates_plan("", "{id: a, pool: p, eligible: 'registered_on > 2021-01-01', award: {fixed: 10}}"));
  ASSERT_TRUE(quiet->run) << quiet->error;
  EXPECT_TRUE(quiet->run->warnings.empty());
  // One row: "1 row has".
  auto one = run_small("id,name,registered_on\ne1,x,2020-01-01\ne2,y,2023-07-01\n", warned[0]);
  ASSERT_TRUE(one->run) << one->error;
  EXPECT_EQ(one->run->warnings,
            std::vector<std::string>{
                "1 row has a registered_on after the as-of date 2023-06-30; the age of such a "
                "date is null, so rules reading it are unknown there"});
}

// The age of an expression over a date column (coalesce, max) is just as null for a future date:
// the run should warn alike.
TEST(AllocationRegression, FutureDateWarningWhenTheAgeIsOfAnExpression) {
    for (const std::string rule : {"age_years(coalesce(registered_on, 2020-01-01)) < 3",
                                 "age_years(max(registered_on, 2020-01-01)) < 3"}) {
    auto s = run_small(kDatesRoster,
                       dates_plan("", "{id: a, pool: p, eligible: '" + rule + "', award: {fixed: 10}}"));
    ASSERT_TRUE(s->run) << s->error;
    EXPECT_EQ(s->run->warnings, std::vector<std::string>{kTwoRowsWarning}) << rule;
  }
}

TEST_F(AllocationRegressionCli, FutureDateWarningOnStderr) {
  write("roster.csv", kDatesRoster);
  write("formula.yaml", dates_plan("", "{id: a, pool: p, eligible: 'true', award: {formula: 'if(age_years(registered_on) < 3, 100, 50)'}}"));
  write("rank.yaml",
        dates_plan(", scarcity: {method: priority, rank_by: ['age_months(registered_on) desc']}",
                   "{id: a, pool: p, eligible: 'true', award: {fixed: 10}}"));
  for (const std::string plan : {"formula.yaml", "rank.yaml"}) {
    const CommandResult result =
        subsidy("allocate --plan " + plan + " --roster roster.csv --out out-" + plan);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, std::string("subsidy: warning: ") + kTwoRowsWarning + "\n") << plan;
    const YAML::Node run = YAML::Load(read("out-" + plan + "/run.json"));
    ASSERT_EQ(run["warnings"].size(), 1u) << plan;
    EXPECT_EQ(run["warnings"][0].as<std::string>(), kTwoRowsWarning) << plan;
  }
}

// ---------------------------------------------------------------------------------------------
// 10. A negative or all-zero sum() split measure.

std::string measure_plan() {
  return "plan: t\nas_of: 2023-06-30\npools:\n"
         "  - id: p\n    level: county\n    received: 1\n"
         "    split:\n      by: region\n      regions: [\"320830\", \"320831\", \"320102\"]\n"
         "      factors:\n        - {weight: 50%, measure: count}\n"
         "        - {weight: 50%, measure: sum(tax_paid)}\n"
         "programs: []\n";
}

TEST(AllocationRegression, SplitMeasureNegativeOrZeroIsRefused) {
  // Negative in the second listed region (320831: −3 + 1 = −2); 320830 nets −2 + 3 = 1 ≥ 0.
  auto negative = run_small(
      "id,name,region,tax_paid\na,x,320830,-2\nb,x,320830,3\nc,x,320831,-3\nd,x,320831,1\n"
      "e,x,320102,7\nf,x,510107,-100\n",
      measure_plan());
  EXPECT_FALSE(negative->run);
  EXPECT_EQ(negative->error,
            "small.yaml:12: pools[0] (p).split.factors[1]: sum(tax_paid) is negative in region "
            "320831; the factor method needs measures of 0 or more");
  // 0 over all listed regions (a negative row outside them does not count).
  auto zero = run_small(
      "id,name,region,tax_paid\na,x,320830,0\nb,x,320831,\nc,x,320102,0\nf,x,510107,-100\n",
      measure_plan());
  EXPECT_FALSE(zero->run);
  EXPECT_EQ(zero->error,
            "small.yaml:12: pools[0] (p).split.factors[1]: the measure sum(tax_paid) is 0 over "
            "the listed regions, so it cannot weigh them");
  // Rows outside every listed region (even negative ones) are left out: it runs.
  auto fine = run_small(
      "id,name,region,tax_paid\na,x,320830,1\nb,x,320831,1\nc,x,320102,2\nf,x,510107,-100\n",
      measure_plan());
  ASSERT_TRUE(fine->run) << fine->error;
  // count 1:1:1, sum 1:1:2 → shares 7/24, 7/24, 10/24 of 100 fen: 29.17, 29.17, 41.67 →
  // 29, 29, 41 and the last fen to the largest remainder (0.67, region 320102).
  ASSERT_EQ(fine->run->pools.size(), 4u);
  EXPECT_EQ(fine->run->pools[1].budget.fen(), 29);
  EXPECT_EQ(fine->run->pools[2].budget.fen(), 29);
  EXPECT_EQ(fine->run->pools[3].budget.fen(), 42);
}

// ---------------------------------------------------------------------------------------------
// 11. pct_rank in a split pool's rank_by: over the program's eligible rows, all regions together.

// Nine rows in three regions and one outside (x1, which no program of the split pool may take,
// so pct_rank leaves it out). Program a: everyone; program b: the rows tagged "b" (a1, c2, b2;
// x1 is outside). Every line asks 100 yuan.
const char kRankRoster[] =
    "id,name,region,tax_paid,tags\n"
    "a1,x,320830,10,b\n"
    "a2,x,320830,50,\n"
    "a3,x,320830,90,\n"
    "b1,x,320831,20,\n"
    "b2,x,320831,60,b\n"
    "b3,x,320831,80,\n"
    "c1,x,320102,30,\n"
    "c2,x,320102,40,b\n"
    "c3,x,320102,70,\n"
    "x1,x,510107,100,b\n";

std::string rank_plan(int per_region_lines) {
  // count 3:3:3, so each region gets received / 3 = per_region_lines × 100 yuan.
  return "plan: rank\nas_of: 2023-06-30\nround: {unit: yuan, mode: half_up}\npools:\n"
         "  - id: p\n    level: county\n    received: " +
         std::to_string(300 * per_region_lines) +
         "\n"
         "    scarcity: {method: priority, rank_by: [\"pct_rank(tax_paid) desc\"]}\n"
         "    split: {by: region, regions: [\"320830\", \"320831\", \"320102\"],"
         " factors: [{weight: 1, measure: count}]}\n"
         "programs:\n"
         "  - {id: a, pool: p, eligible: 'true', award: {fixed: 100}}\n"
         "  - {id: b, pool: p, eligible: 'has_tag(\"b\")', award: {fixed: 100}}\n";
}

TEST(AllocationRegression, PctRankOfASplitPoolRanksOverAllRegions) {
  // By hand. a's eligible rows are the nine inside rows: tax 10 … 90 → pct_rank k/8
  //   a1 0, b1 1/8, c1 2/8, c2 3/8, a2 4/8, b2 5/8, c3 6/8, b3 7/8, a3 1.
  // b's eligible rows: a1, c2, b2 (tax 10, 40, 60) → pct_rank 0, 1/2, 1.
  // Order in each region, pct_rank desc, ties to the lower id then the earlier program:
  //   320830: a:a3 (1), a:a2 (1/2), a:a1 (0), b:a1 (0)
  //   320831: b:b2 (1), a:b3 (7/8), a:b2 (5/8), a:b1 (1/8)
  //   320102: a:c3 (3/4), b:c2 (1/2), a:c2 (3/8), a:c1 (1/4)
  // (ranked per region, b:b2 would come last in 320831 and b:c2 last in 320102; with x1 counted,
  // a:b3 would come before b:b2 and a:c2 before b:c2.)
  struct Line {
    size_t program;
    const char* id;
  };
  const std::vector<std::vector<Line>> expected = {
      {{0, "a3"}, {0, "a2"}, {0, "a1"}, {1, "a1"}},
      {{1, "b2"}, {0, "b3"}, {0, "b2"}, {0, "b1"}},
      {{0, "c3"}, {1, "c2"}, {0, "c2"}, {0, "c1"}},
  };
  for (int k = 0; k <= 4; ++k) {
    auto s = run_small(kRankRoster, rank_plan(k));
    ASSERT_TRUE(s->run) << s->error;
    // The first k lines of each region's order are granted in full, the rest get nothing.
    for (size_t region = 0; region < expected.size(); ++region) {
      ASSERT_EQ(s->run->pools[1 + region].budget.fen(), k * 10000);
      for (size_t position = 0; position < expected[region].size(); ++position) {
        const Line& line = expected[region][position];
        const int64_t l = line_of(*s, line.program, line.id);
        ASSERT_GE(l, 0) << line.id;
        EXPECT_EQ(s->run->grants[line.program].granted[l], static_cast<int>(position) < k ? 10000 : 0)
            << "budget for " << k << " lines: program " << (line.program == 0 ? "a" : "b") << ", "
            << line.id << " (position " << position + 1 << " in region " << region + 1 << ")";
        EXPECT_EQ(s->run->grants[line.program].settlement[l], static_cast<int32_t>(1 + region));
      }
    }
    EXPECT_EQ(line_of(*s, 0, "x1"), -1);
    EXPECT_EQ(line_of(*s, 1, "x1"), -1);
    // The what-if path ranks alike.
    Result<AwardsResult> awards =
        compute_awards(s->compiled->awards(), EvalContext{s->plan.as_of});
    ASSERT_TRUE(awards.ok()) << awards.status().message();
    Result<Allocation> again = settle(*s->compiled, std::move(*awards), s->run->region_of_row);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(awards_csv(*s->compiled, *again), awards_csv(*s->compiled, *s->run)) << k;
    EXPECT_EQ(pools_csv(*again), pools_csv(*s->run)) << k;
  }
}

}  // namespace
}  // namespace subsidy
