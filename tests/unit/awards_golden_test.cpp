// Golden tests of the award stage (SPEC §6): the requested awards of the example plans over
// examples/roster-small.csv, every line worked out by hand from the CSV and the plan (the arithmetic
// is in the comment beside each line), then compared with the engine's.
//
// Amounts are fen (1 yuan = 100 fen). Enterprises are named by the last two digits of their id
// (000001 … 000024, which is also their CSV order).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/awards.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"

namespace subsidy {
namespace {

std::string source_path(std::string_view relative) {
  return std::string(SUBSIDY_SOURCE_DIR) + "/" + std::string(relative);
}

struct GoldenLine {
  std::string program;
  std::string id;
  int64_t award = 0;      // fen, after cap and round
  int64_t requested = 0;  // fen, after min_award and stacking
  AwardStatus status = AwardStatus::kRequested;
  int hit = -1;
  bool capped = false;
  int stacked_by = -1;
  bool operator==(const GoldenLine&) const = default;
};

void PrintTo(const GoldenLine& line, std::ostream* out) {
  *out << "{" << line.program << " " << line.id << " award " << line.award << " requested "
       << line.requested << " " << award_status_name(line.status) << " hit " << line.hit
       << (line.capped ? " capped" : "") << " stacked_by " << line.stacked_by << "}";
}

std::string xuyi_id(int n) { return "91320830MA1N0000" + std::string(n < 10 ? "0" : "") + std::to_string(n); }
std::string chengdu_id(const char* district, int n) {
  return std::string("91") + district + "MA6C0000" + std::to_string(n);
}

// Every line of every program, in plan order then roster order.
std::vector<GoldenLine> golden_lines(const std::string& plan_file, std::vector<RowIndex>* eligible) {
  std::vector<GoldenLine> out;
  Result<Roster> roster = load_roster_csv(source_path("examples/roster-small.csv"));
  if (!roster.ok()) {
    ADD_FAILURE() << roster.status().message();
    return out;
  }
  Result<Plan> plan = load_plan(source_path(plan_file));
  if (!plan.ok()) {
    ADD_FAILURE() << plan.status().message();
    return out;
  }
  Result<CompiledAwards> compiled = compile_awards(*plan, *roster);
  if (!compiled.ok()) {
    ADD_FAILURE() << compiled.status().message();
    return out;
  }
  Result<AwardsResult> awards = compute_awards(*compiled, EvalContext{.as_of = plan->as_of});
  if (!awards.ok()) {
    ADD_FAILURE() << awards.status().message();
    return out;
  }
  const Column& ids = roster->column("id");
  for (size_t p = 0; p < plan->programs.size(); ++p) {
    const ProgramAwards& lines = awards->programs[p];
    eligible->push_back(lines.eligible);
    for (size_t k = 0; k < lines.rows.size(); ++k) {
      out.push_back(GoldenLine{plan->programs[p].id, std::string(ids.text(lines.rows[k])),
                               lines.award[k], lines.requested[k], lines.status[k], lines.hit[k],
                               lines.capped[k] != 0, lines.stacked_by[k]});
    }
  }
  return out;
}

GoldenLine asks(const char* program, std::string id, int64_t fen, int hit = -1,
                bool capped = false) {
  return GoldenLine{program, std::move(id), fen, fen, AwardStatus::kRequested, hit, capped, -1};
}
GoldenLine stacked_out(const char* program, std::string id, int64_t award, int by, int hit,
                       bool capped = false) {
  return GoldenLine{program, std::move(id), award, 0, AwardStatus::kStackedOut, hit, capped, by};
}

// examples/xuyi-2023-plan.yaml, as_of 2023-06-30, round yuan down; programs (plan index):
//   0 tax-contribution: 320830, 入驻基地, tax_paid ≥ 20万; tiers 20万→2万, 50万→5万, 100万→10万,
//     300万→5% of tax; cap 20万; group base-support
//   1 sales-contribution: 320830, 入驻基地, sales ≥ 1000万; brackets 0.5% from 1000万, 0.3% from
//     5000万, 0.1% from 1亿; cap 30万; group base-support
//   2 startup-rent: 320830, 入驻基地, age_years(registered_on) < 3, rent_paid > 0; 50% of rent; cap 3万
//   stacking: base-support highest (ties: tax-contribution).
// Enterprises 06 and 10 have no 入驻基地 tag; 15–24 are in Chengdu (5101xx): none qualifies.
// 05 (tax 95,000), 07 (18,000), 09 (30,000), 12 (99,000), 13 (160,000) pay less than 20万 of tax.
// Only 01, 02, 04, 08, 11 invoice ≥ 1000万 (03 9.7M, 12 6.65M, 14 8.8M do not).
TEST(AwardsGolden, XuyiOverRosterSmall) {
  std::vector<RowIndex> eligible;
  const std::vector<GoldenLine> actual = golden_lines("examples/xuyi-2023-plan.yaml", &eligible);
  const std::vector<GoldenLine> expected = {
      // --- tax-contribution
      // 01: tax 1,260,000 in [100万, 300万) → 10万 = 100,000.00; sales 41,800,000 → 0.5% ×
      //     31,800,000 = 159,000 > 100,000; highest → sales.
      stacked_out("tax-contribution", xuyi_id(1), 10'000'000, 1, 2),
      // 02: tax 3,650,000 ≥ 300万 → 5% = 182,500.00 (under the 20万 cap); sales 183,000,000 →
      //     0.5%×40,000,000 + 0.3%×50,000,000 + 0.1%×83,000,000 = 433,000 → cap 300,000;
      //     highest → sales.
      stacked_out("tax-contribution", xuyi_id(2), 18'250'000, 1, 3),
      // 03: tax 210,000 in [20万, 50万) → 2万; sales 9,700,000 < 1000万: not in sales → keeps it.
      asks("tax-contribution", xuyi_id(3), 2'000'000, 0),
      // 04: tax 480,000 in [20万, 50万) → 2万; sales 15,600,000 → 0.5% × 5,600,000 = 28,000 >
      //     20,000; highest → sales.
      stacked_out("tax-contribution", xuyi_id(4), 2'000'000, 1, 0),
      // 08: tax 2,980,000 in [100万, 300万) → 10万; sales 95,800,000 → 0.5%×40,000,000 +
      //     0.3%×45,800,000 = 200,000 + 137,400 = 337,400 → cap 300,000; highest → sales.
      stacked_out("tax-contribution", xuyi_id(8), 10'000'000, 1, 2),
      // 11: tax 5,120,000 ≥ 300万 → 5% = 256,000 → cap 200,000; sales 117,500,000 → 200,000 +
      //     150,000 + 0.1%×17,500,000 = 367,500 → cap 300,000; highest → sales.
      stacked_out("tax-contribution", xuyi_id(11), 20'000'000, 1, 3, true),
      // 14: tax 200,000 exactly at 20万 → band 0 → 2万; sales 8,800,000 < 1000万 → keeps it.
      asks("tax-contribution", xuyi_id(14), 2'000'000, 0),
      // --- sales-contribution (each keeps its award: it is the higher of the two)
      asks("sales-contribution", xuyi_id(1), 15'900'000, 0),        // 159,000.00
      asks("sales-contribution", xuyi_id(2), 30'000'000, 2, true),  // 433,000 → cap 300,000
      asks("sales-contribution", xuyi_id(4), 2'800'000, 0),         // 28,000.00
      asks("sales-contribution", xuyi_id(8), 30'000'000, 1, true),  // 337,400 → cap 300,000
      asks("sales-contribution", xuyi_id(11), 30'000'000, 2, true), // 367,500 → cap 300,000
      // --- startup-rent: age in whole years to 2023-06-30
      // 03: 2021-03-18 → 2 years; 50% × 96,000 = 48,000 → cap 30,000.
      asks("startup-rent", xuyi_id(3), 3'000'000, -1, true),
      // 04: 2022-08-30 → 0 years; 50% × 72,000 = 36,000 → cap 30,000.
      asks("startup-rent", xuyi_id(4), 3'000'000, -1, true),
      // 05: 2023-02-14 → 0 years; 50% × 54,000 = 27,000.
      asks("startup-rent", xuyi_id(5), 2'700'000),
      // 09: 2023-05-06 → 0 years; 50% × 38,000 = 19,000.
      asks("startup-rent", xuyi_id(9), 1'900'000),
      // 12: 2020-07-07 → 2 years (the third anniversary is 2023-07-07); 50% × 66,000 = 33,000 →
      //     cap 30,000.
      asks("startup-rent", xuyi_id(12), 3'000'000, -1, true),
      // 13: 2022-01-20 → 1 year (employees is null, which this rule does not read); 50% × 48,000
      //     = 24,000.
      asks("startup-rent", xuyi_id(13), 2'400'000),
      // Not: 01 (2016), 02 (2012), 08 (2008), 11 (2014), 07 (2019), 14 (2018): 3 years or more
      // (01, 02, 07, 08, 11, 14 also have a null rent_paid).
  };
  EXPECT_EQ(actual, expected);
  // Eligible rows: tax 01 02 03 04 08 11 14; sales 01 02 04 08 11; rent 03 04 05 09 12 13.
  EXPECT_EQ(eligible, (std::vector<RowIndex>{7, 5, 6}));
}

// examples/chengdu-2023-plan.yaml, as_of 2023-12-31, round yuan half_up; no stacking.
//   0 tech-rent: within 5101, 科技型中小企业, size small or micro, rent_paid > 0; 50% of rent;
//     cap 10万
//   1 specialised: within 5101, 专精特新 or 小巨人; table, first hit: 小巨人 → 100万,
//     专精特新 → 50万
// Xuyi's 01–14 (320830) are not within 5101. Tagged 科技型中小企业 in Chengdu: 15, 16, 18.
TEST(AwardsGolden, ChengduOverRosterSmall) {
  std::vector<RowIndex> eligible;
  const std::vector<GoldenLine> actual = golden_lines("examples/chengdu-2023-plan.yaml", &eligible);
  const std::vector<GoldenLine> expected = {
      // 15: I6511 (software and IT services), 45 employees, revenue 2,200万: small (medium needs
      //     100 employees); 50% × 180,000 = 90,000 (under the 10万 cap).
      asks("tech-rent", chengdu_id("510107", 15), 9'000'000),
      // 16: I6520, 8 employees (< 10): micro; 50% × 36,000 = 18,000. (Registered 2024-03-01,
      //     after as_of, which tech-rent does not read.)
      asks("tech-rent", chengdu_id("510107", 16), 1'800'000),
      // 18: I6490, 30 employees, revenue 1,250万: small; 50% × 120,000 = 60,000.
      asks("tech-rent", chengdu_id("510117", 18), 6'000'000),
      // 17: 专精特新 only → rows[1] → 50万.
      asks("specialised", chengdu_id("510117", 17), 50'000'000, 1),
      // 21: 专精特新 and 小巨人 → rows[0] first → 100万.
      asks("specialised", chengdu_id("510116", 21), 100'000'000, 0),
      // Not: 01 and 11 (专精特新) are in Xuyi.
  };
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(eligible, (std::vector<RowIndex>{3, 2}));
}

}  // namespace
}  // namespace subsidy
