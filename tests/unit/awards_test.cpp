// Tests of the award stage (SPEC §6, §11): every award kind, every rounding unit and mode, band
// edges, cap and min_award, stacking (highest, sum_cap, exclusive), compile errors naming the plan
// path, describe_award_line and explain_award.
//
// Rosters and plans are written inline, tiny, and every expected amount is worked out by hand in
// fen (1 yuan = 100 fen) in the comment beside it. Messages and descriptions are asserted whole.
//
// A test whose first statement is GTEST_SKIP() << "BUG: ..." states the correct behaviour where the
// engine does not have it yet; remove the skip once the engine is fixed.
#include "subsidy/awards.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/money.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"

namespace subsidy {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

// A roster, a plan compiled against it, and the awards (or the first error on the way).
struct Run {
  Roster roster;
  Plan plan;
  std::optional<CompiledAwards> compiled;
  std::optional<AwardsResult> awards;
  EvalContext context;
  std::string error;  // "" when every stage succeeded

  size_t program(std::string_view id) const {
    for (size_t p = 0; p < plan.programs.size(); ++p) {
      if (plan.programs[p].id == id) return p;
    }
    ADD_FAILURE() << "no program " << id;
    return 0;
  }
  const ProgramAwards& lines(std::string_view id) const { return awards->programs[program(id)]; }
  RowIndex row(std::string_view id) const {
    const std::optional<RowIndex> found = roster.find_row(id);
    if (!found) ADD_FAILURE() << "no enterprise " << id;
    return found.value_or(0);
  }
};

// Loads `csv` and `yaml`; a failure to load either is a test failure, a failure to compile or
// compute is kept in `error`.
std::unique_ptr<Run> run(std::string_view csv, const std::string& yaml) {
  auto out = std::make_unique<Run>();
  Result<Roster> roster = parse_roster_csv(csv);
  if (!roster.ok()) {
    ADD_FAILURE() << "roster: " << roster.status().message();
    out->error = "roster did not load";
    return out;
  }
  out->roster = std::move(*roster);
  Result<Plan> plan = parse_plan(yaml, "t.yaml");
  if (!plan.ok()) {
    ADD_FAILURE() << "plan: " << plan.status().message() << "\n" << yaml;
    out->error = "plan did not load";
    return out;
  }
  out->plan = std::move(*plan);
  out->context = EvalContext{.as_of = out->plan.as_of};
  Result<CompiledAwards> compiled = compile_awards(out->plan, out->roster);
  if (!compiled.ok()) {
    out->error = compiled.status().message();
    return out;
  }
  out->compiled.emplace(std::move(*compiled));
  Result<AwardsResult> awards = compute_awards(*out->compiled, out->context);
  if (!awards.ok()) {
    out->error = awards.status().message();
    return out;
  }
  out->awards = std::move(*awards);
  return out;
}

// The header of every inline plan: six lines, so the first program starts on line 7.
constexpr char kPlanHeader[] =
    "plan: t\n"
    "as_of: 2023-06-30\n"
    "round: {unit: fen, mode: half_up}\n"
    "pools:\n"
    "  - {id: pool, level: county, received: 1亿}\n"
    "programs:\n";

// One program: `eligible` is single-quoted for YAML; `award` is a flow mapping; `extra` are
// further "key: value" lines (cap, min_award, round, group).
std::string program(const std::string& id, const std::string& eligible, const std::string& award,
                    const std::vector<std::string>& extra = {}) {
  std::string text = "  - id: " + id + "\n    pool: pool\n    eligible: '" + eligible +
                     "'\n    award: " + award + "\n";
  for (const std::string& line : extra) text += "    " + line + "\n";
  return text;
}

std::string plan_of(const std::vector<std::string>& programs, const std::string& stacking = "") {
  std::string text = kPlanHeader;
  for (const std::string& p : programs) text += p;
  if (!stacking.empty()) text += "stacking:\n" + stacking;
  return text;
}

// One award line as the tests state it.
struct Line {
  std::string id;
  int64_t award = 0;      // fen
  int64_t requested = 0;  // fen
  AwardStatus status = AwardStatus::kRequested;
  int hit = -1;
  bool capped = false;
  int stacked_by = -1;
  bool operator==(const Line&) const = default;
};

void PrintTo(const Line& line, std::ostream* out) {
  *out << "{" << line.id << " award " << line.award << " requested " << line.requested << " "
       << award_status_name(line.status) << " hit " << line.hit << (line.capped ? " capped" : "")
       << " stacked_by " << line.stacked_by << "}";
}

// A line that asks for its whole award.
Line asks(std::string id, int64_t fen, int hit = -1, bool capped = false) {
  return Line{std::move(id), fen, fen, AwardStatus::kRequested, hit, capped, -1};
}
// A line dropped below min_award: keeps its rounded award, asks for nothing.
Line dropped(std::string id, int64_t award, int hit = -1) {
  return Line{std::move(id), award, 0, AwardStatus::kDroppedBelowMin, hit, false, -1};
}
// A line stacked out by program `by` (plan index).
Line stacked_out(std::string id, int64_t award, int by, int hit = -1, bool capped = false) {
  return Line{std::move(id), award, 0, AwardStatus::kStackedOut, hit, capped, by};
}
// A line its group's sum_cap cut to `requested` (> 0).
Line cut(std::string id, int64_t award, int64_t requested) {
  return Line{std::move(id), award, requested, AwardStatus::kRequested, -1, false,
              ProgramAwards::kCutByGroupCap};
}
// A line its group's sum_cap cut to 0.
Line cut_out(std::string id, int64_t award) {
  return Line{std::move(id), award, 0, AwardStatus::kStackedOut, -1, false,
              ProgramAwards::kCutByGroupCap};
}

std::vector<Line> lines_of(const Run& r, std::string_view program_id) {
  std::vector<Line> out;
  if (!r.awards) {
    ADD_FAILURE() << "no awards: " << r.error;
    return out;
  }
  const ProgramAwards& lines = r.lines(program_id);
  EXPECT_EQ(lines.rows.size(), lines.award.size());
  EXPECT_EQ(lines.rows.size(), lines.requested.size());
  EXPECT_EQ(lines.rows.size(), lines.status.size());
  EXPECT_EQ(lines.rows.size(), lines.hit.size());
  EXPECT_EQ(lines.rows.size(), lines.capped.size());
  EXPECT_EQ(lines.rows.size(), lines.stacked_by.size());
  const Column& ids = r.roster.column("id");
  for (size_t k = 0; k < lines.rows.size(); ++k) {
    out.push_back(Line{std::string(ids.text(lines.rows[k])), lines.award[k], lines.requested[k],
                       lines.status[k], lines.hit[k], lines.capped[k] != 0, lines.stacked_by[k]});
  }
  return out;
}

std::string describe(const Run& r, std::string_view program_id, std::string_view enterprise) {
  const size_t p = r.program(program_id);
  const ProgramAwards& lines = r.awards->programs[p];
  const int64_t line = lines.find(r.row(enterprise));
  if (line < 0) return "<no line>";
  return describe_award_line(r.plan, p, lines, static_cast<size_t>(line));
}

// ---------------------------------------------------------------------------------------------
// Award kinds

constexpr char kKindsRoster[] =
    "id,tax_paid,employees\n"
    "F1,1000,45\n"
    "F2,,8\n"
    "F3,2000,0\n";

TEST(AwardKinds, Fixed) {
  const auto r = run(kKindsRoster, plan_of({program("fixed", "tax_paid >= 1500", "{fixed: 3万}")}));
  ASSERT_EQ(r->error, "");
  // Only F3 (2000 ≥ 1500); F2's null tax is unknown, not eligible. 3万 = 30,000.00 yuan.
  EXPECT_EQ(lines_of(*r, "fixed"), (std::vector<Line>{asks("F3", 3'000'000)}));
  EXPECT_EQ(r->lines("fixed").eligible, 1);
}

TEST(AwardKinds, RateOfMoneyAndOfNumber) {
  const auto r = run(kKindsRoster,
                     plan_of({program("money", "true", "{rate: 5%, of: tax_paid}"),
                              program("number", "true", "{rate: 50%, of: employees}"),
                              program("bare", "true", "{rate: 1.5, of: employees}")}));
  ASSERT_EQ(r->error, "");
  // 5% × 1000.00 = 50.00; F2 null → no line; 5% × 2000.00 = 100.00.
  EXPECT_EQ(lines_of(*r, "money"),
            (std::vector<Line>{asks("F1", 5'000), asks("F3", 10'000)}));
  EXPECT_EQ(r->lines("money").eligible, 3);
  // employees is a number, so yuan: 50% × 45 = 22.50 yuan; 50% × 8 = 4.00; 50% × 0 = 0 → no line.
  EXPECT_EQ(lines_of(*r, "number"), (std::vector<Line>{asks("F1", 2'250), asks("F2", 400)}));
  // In a rate: field a bare number is a rate: 1.5 × 45 = 67.50 yuan; 1.5 × 8 = 12.00.
  EXPECT_EQ(lines_of(*r, "bare"), (std::vector<Line>{asks("F1", 6'750), asks("F2", 1'200)}));
}

TEST(AwardKinds, Formula) {
  const auto r = run(
      kKindsRoster,
      plan_of({program("money", "true", "{formula: 'tax_paid * 2 - 100'}"),
               program("number", "true", "{formula: 'employees * 100'}"),
               program("literal", "true", "{formula: '1000'}"),
               program("third", "true", "{formula: 'tax_paid / 3'}"),
               program("third-up", "true", "{formula: 'tax_paid / 3'}",
                       {"round: {unit: fen, mode: up}"}),
               program("eighth", "true", "{formula: 'employees / 8'}"),
               program("eighth-even", "true", "{formula: 'employees / 8'}",
                       {"round: {unit: fen, mode: half_even}"}),
               program("per-head", "true", "{formula: 'tax_paid / employees'}"),
               program("negative", "true", "{formula: 'tax_paid - 1500'}")}));
  ASSERT_EQ(r->error, "");
  // 2 × 1000 − 100 = 1900.00; F2 null; 2 × 2000 − 100 = 3900.00.
  EXPECT_EQ(lines_of(*r, "money"), (std::vector<Line>{asks("F1", 190'000), asks("F3", 390'000)}));
  // A number counts as yuan: 45 × 100 = 4500.00; 8 × 100 = 800.00; 0 → no line.
  EXPECT_EQ(lines_of(*r, "number"), (std::vector<Line>{asks("F1", 450'000), asks("F2", 80'000)}));
  // A plain number: 1000 yuan for every row.
  EXPECT_EQ(lines_of(*r, "literal"),
            (std::vector<Line>{asks("F1", 100'000), asks("F2", 100'000), asks("F3", 100'000)}));
  // 1000 / 3 = 33333.33… fen → half_up 33333; 2000 / 3 = 66666.66… fen → 66667.
  EXPECT_EQ(lines_of(*r, "third"), (std::vector<Line>{asks("F1", 33'333), asks("F3", 66'667)}));
  // up: 33334 and 66667.
  EXPECT_EQ(lines_of(*r, "third-up"), (std::vector<Line>{asks("F1", 33'334), asks("F3", 66'667)}));
  // 45 / 8 = 5.625 yuan = 562.5 fen → half_up 563; 8 / 8 = 1 yuan = 100 fen; 0 → no line.
  EXPECT_EQ(lines_of(*r, "eighth"), (std::vector<Line>{asks("F1", 563), asks("F2", 100)}));
  // half_even: 562.5 → 562.
  EXPECT_EQ(lines_of(*r, "eighth-even"), (std::vector<Line>{asks("F1", 562), asks("F2", 100)}));
  // 1000 / 45 = 22.222… yuan = 2222.22… fen → 2222; F2 null; 2000 / 0 → null → no line.
  EXPECT_EQ(lines_of(*r, "per-head"), (std::vector<Line>{asks("F1", 2'222)}));
  EXPECT_EQ(r->lines("per-head").eligible, 3);
  // 1000 − 1500 = −500 → no line; 2000 − 1500 = 500.00.
  EXPECT_EQ(lines_of(*r, "negative"), (std::vector<Line>{asks("F3", 50'000)}));
}

constexpr char kTiersRoster[] =
    "id,tax_paid\n"
    "T01,199999.99\n"
    "T02,200000.00\n"
    "T03,499999.99\n"
    "T04,500000.00\n"
    "T05,2999999.99\n"
    "T06,3000000.00\n"
    "T07,3000000.01\n"
    "T08,12345678.90\n"
    "T09,\n"
    "T10,-5\n"
    "T11,999.99\n"
    "T12,0\n"
    "T13,1000\n";

TEST(AwardKinds, TiersAmountAndRateBands) {
  const std::string xuyi_bands =
      "{tiers: {base: tax_paid, bands: [{from: 20万, award: 2万}, {from: 50万, award: 5万}, "
      "{from: 100万, award: 10万}, {from: 300万, rate: 5%}]}}";
  const std::string mixed_bands =
      "{tiers: {base: tax_paid, bands: [{from: 0, rate: 10%}, {from: 1000, award: 500}]}}";
  const auto r = run(kTiersRoster, plan_of({program("xuyi", "true", xuyi_bands),
                                            program("mixed", "true", mixed_bands)}));
  ASSERT_EQ(r->error, "");
  EXPECT_EQ(lines_of(*r, "xuyi"),
            (std::vector<Line>{
                // T01 199,999.99 is one fen below the first from → no line.
                asks("T02", 2'000'000, 0),   // exactly 20万 → band 0 → 2万
                asks("T03", 2'000'000, 0),   // one fen below 50万 → still band 0
                asks("T04", 5'000'000, 1),   // exactly 50万 → band 1 → 5万
                asks("T05", 10'000'000, 2),  // one fen below 300万 → band 2 → 10万
                asks("T06", 15'000'000, 3),  // exactly 300万 → 5% = 150,000.00
                // 5% × 3,000,000.01 = 150,000.0005 yuan = 15,000,000.05 fen → half_up 15,000,000
                asks("T07", 15'000'000, 3),
                // 5% × 12,345,678.90 = 617,283.945 yuan = 61,728,394.5 fen → half_up 61,728,395
                asks("T08", 61'728'395, 3),
                // T09 null, T10 −5, T11..T13 below 20万 → no line.
            }));
  EXPECT_EQ(r->lines("xuyi").eligible, 13);
  EXPECT_EQ(lines_of(*r, "mixed"),
            (std::vector<Line>{
                asks("T01", 50'000, 1), asks("T02", 50'000, 1), asks("T03", 50'000, 1),
                asks("T04", 50'000, 1), asks("T05", 50'000, 1), asks("T06", 50'000, 1),
                asks("T07", 50'000, 1), asks("T08", 50'000, 1),
                // T09 null; T10 −5 is below from 0 → no line.
                // 10% × 999.99 = 99.999 yuan = 9,999.9 fen → 10,000.
                asks("T11", 10'000, 0),
                // T12: 10% × 0 = 0 → no line.
                asks("T13", 50'000, 1),  // exactly at from 1000 → the amount band, 500.00
            }));
}

// Brackets of the Xuyi sales program: 0.5% from 1000万, 0.3% from 5000万, 0.1% from 1亿.
constexpr char kBracketBands[] =
    "{brackets: {base: sales_invoiced, bands: [{from: 1000万, rate: 0.5%}, "
    "{from: 5000万, rate: 0.3%}, {from: 1亿, rate: 0.1%}]}}";

constexpr char kBracketsRoster[] =
    "id,sales_invoiced\n"
    "B01,9999999.99\n"
    "B02,10000000.00\n"
    "B03,10000000.01\n"
    "B04,49999999.99\n"
    "B05,50000000.00\n"
    "B06,50000000.01\n"
    "B07,100000000.00\n"
    "B08,100000000.01\n"
    "B09,183000000\n"
    "B10,\n";

TEST(AwardKinds, BracketsMarginal) {
  const auto r = run(kBracketsRoster,
                     plan_of({program("half", "true", kBracketBands),
                              program("up", "true", kBracketBands,
                                      {"round: {unit: fen, mode: up}"})}));
  ASSERT_EQ(r->error, "");
  const ProgramAwards& half = r->lines("half");
  const ProgramAwards& up = r->lines("up");
  // B01 one fen below the first from, B02 exactly at it (0 inside the band), B10 null: no line.
  // B03: 0.5% × 0.01 = 0.00005 yuan = 0.005 fen → half_up 0 (no line), up 1.
  EXPECT_EQ(half.find(r->row("B01")), -1);
  EXPECT_EQ(half.find(r->row("B02")), -1);
  EXPECT_EQ(half.find(r->row("B03")), -1);
  EXPECT_EQ(half.find(r->row("B10")), -1);
  EXPECT_EQ(up.find(r->row("B01")), -1);
  EXPECT_EQ(up.find(r->row("B02")), -1);
  EXPECT_EQ(up.find(r->row("B10")), -1);
  struct Case {
    const char* id;
    int64_t half_up;
    int64_t up;
    int hit;  // -2: see BracketsHitAtAFromIsThatBand
  };
  const Case cases[] = {
      {"B03", 0, 1, 0},
      // 0.5% × 39,999,999.99 = 199,999.99995 yuan = 19,999,999.995 fen → 20,000,000 either way.
      {"B04", 20'000'000, 20'000'000, 0},
      // exactly 5000万: 0.5% × 40,000,000 = 200,000.00.
      {"B05", 20'000'000, 20'000'000, -2},
      // 200,000 + 0.3% × 0.01 = 200,000.00003 yuan = 20,000,000.003 fen → 20,000,000 / 20,000,001.
      {"B06", 20'000'000, 20'000'001, 1},
      // exactly 1亿: 200,000 + 0.3% × 50,000,000 = 350,000.00.
      {"B07", 35'000'000, 35'000'000, -2},
      // 350,000 + 0.1% × 0.01 = 350,000.00001 yuan → 35,000,000 / 35,000,001.
      {"B08", 35'000'000, 35'000'001, 2},
      // 0.5% × 40,000,000 + 0.3% × 50,000,000 + 0.1% × 83,000,000 = 200,000 + 150,000 + 83,000.
      {"B09", 43'300'000, 43'300'000, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    const int64_t h = half.find(r->row(c.id));
    if (c.half_up == 0) {
      EXPECT_EQ(h, -1);
    } else {
      ASSERT_GE(h, 0);
      EXPECT_EQ(half.award[h], c.half_up);
      EXPECT_EQ(half.requested[h], c.half_up);
      EXPECT_EQ(half.status[h], AwardStatus::kRequested);
      if (c.hit != -2) EXPECT_EQ(half.hit[h], c.hit);
    }
    const int64_t u = up.find(r->row(c.id));
    ASSERT_GE(u, 0);
    EXPECT_EQ(up.award[u], c.up);
    EXPECT_EQ(up.requested[u], c.up);
    if (c.hit != -2) EXPECT_EQ(up.hit[u], c.hit);
  }
  EXPECT_EQ(half.rows.size(), 6u);
  EXPECT_EQ(up.rows.size(), 7u);
  EXPECT_EQ(half.eligible, 10);
}

// SPEC §6: bands are half-open [from, next from); a base exactly at a band's `from` lies in that
// band, and `hit` is that band for brackets as for tiers.
TEST(AwardKinds, BracketsHitAtAFromIsThatBand) {
  const auto r = run(kBracketsRoster, plan_of({program("half", "true", kBracketBands)}));
  ASSERT_EQ(r->error, "");
  const ProgramAwards& half = r->lines("half");
  const int64_t b05 = half.find(r->row("B05"));  // exactly 5000万: band 1
  const int64_t b07 = half.find(r->row("B07"));  // exactly 1亿: band 2
  ASSERT_GE(b05, 0);
  ASSERT_GE(b07, 0);
  EXPECT_EQ(half.hit[b05], 1);
  EXPECT_EQ(half.hit[b07], 2);
}

constexpr char kTableRoster[] =
    "id,tags,tax_paid\n"
    "T1,a;b,2000\n"
    "T2,a,2000\n"
    "T3,b,3000\n"
    "T4,c,4000\n"
    "T5,a;b,\n"
    "T6,a;b,1000\n";

// Row 0: has tag a → 100 yuan; row 1: has tag b → 10% of tax_paid.
std::string table_award(std::string_view hit) {
  return "{table: {hit: " + std::string(hit) +
         ", rows: [{when: 'has_tag(\"a\")', award: 100}, "
         "{when: 'has_tag(\"b\")', rate: 10%, of: tax_paid}]}}";
}

TEST(AwardKinds, TableHitPolicies) {
  const auto r = run(
      kTableRoster,
      plan_of({program("first", "true", table_award("first")),
               program("sum", "true", table_award("collect_sum")),
               program("max", "true", table_award("collect_max")),
               program("unique", "not (has_tag(\"a\") and has_tag(\"b\"))", table_award("unique"))}));
  ASSERT_EQ(r->error, "");
  // first: the first row that holds. T3: 10% × 3000 = 300. T4 hits no row → no line.
  EXPECT_EQ(lines_of(*r, "first"),
            (std::vector<Line>{asks("T1", 10'000, 0), asks("T2", 10'000, 0), asks("T3", 30'000, 1),
                               asks("T5", 10'000, 0), asks("T6", 10'000, 0)}));
  // collect_sum: T1 100 + 10% × 2000 = 300; T5 100 + (null base → 0) = 100; T6 100 + 100 = 200.
  EXPECT_EQ(lines_of(*r, "sum"),
            (std::vector<Line>{asks("T1", 30'000, 0), asks("T2", 10'000, 0), asks("T3", 30'000, 1),
                               asks("T5", 10'000, 0), asks("T6", 20'000, 0)}));
  // collect_max: T1 max(100, 200) = 200 from row 1; T5 max(100, 0); T6 max(100, 100): a tie keeps
  // the first row.
  EXPECT_EQ(lines_of(*r, "max"),
            (std::vector<Line>{asks("T1", 20'000, 1), asks("T2", 10'000, 0), asks("T3", 30'000, 1),
                               asks("T5", 10'000, 0), asks("T6", 10'000, 0)}));
  // unique over the rows with one hit at most: T2, T3 (T4 no hit → no line).
  EXPECT_EQ(lines_of(*r, "unique"),
            (std::vector<Line>{asks("T2", 10'000, 0), asks("T3", 30'000, 1)}));
  EXPECT_EQ(r->lines("unique").eligible, 3);
}

TEST(AwardKinds, TableUniqueWithTwoHitsIsAnError) {
  const auto r = run(kTableRoster, plan_of({program("u", "true", table_award("unique"))}));
  // The award is on line 10 (the program starts on line 7). T1 is the first enterprise with two
  // hits.
  EXPECT_EQ(r->error,
            "t.yaml:10: programs[0] (u).award: enterprise T1 matches rows[0] and rows[1] of the "
            "table, but the hit policy is unique");
}

TEST(AwardKinds, TableWithNoHitGivesNoLine) {
  const auto r = run(kTableRoster,
                     plan_of({program("none", "true",
                                      "{table: {hit: first, rows: [{when: 'has_tag(\"z\")', "
                                      "award: 100}, {when: 'tax_paid > 1亿', award: 200}]}}")}));
  ASSERT_EQ(r->error, "");
  EXPECT_EQ(lines_of(*r, "none"), std::vector<Line>{});
  EXPECT_EQ(r->lines("none").eligible, 6);
}

// ---------------------------------------------------------------------------------------------
// Rounding: every unit and mode

// 50% of tax_paid: R01..R10 land exactly on a half of some unit, R11 does not; R12 takes 5% of
// 12,345.67 yuan.
constexpr char kRoundingRoster[] =
    "id,tax_paid\n"
    "R01,0.01\n"       // 0.5 fen
    "R02,0.05\n"       // 2.5 fen
    "R03,5.00\n"       // 2.50 yuan
    "R04,7.00\n"       // 3.50 yuan
    "R05,500\n"        // 250 yuan = 2.5 hundred
    "R06,700\n"        // 350 yuan
    "R07,5000\n"       // 2,500 yuan = 2.5 thousand
    "R08,7000\n"       // 3,500 yuan
    "R09,50000\n"      // 25,000 yuan = 2.5 wan
    "R10,70000\n"      // 35,000 yuan
    "R11,24691.34\n"   // 12,345.67 yuan
    "R12,12345.67\n";  // 5%: 617.2835 yuan = 61,728.35 fen

TEST(AwardRounding, EveryUnitAndMode) {
  struct Case {
    const char* unit;
    const char* mode;
    int64_t fen[12];  // R01..R12; 0 = no line
  };
  // Worked out per unit u (fen): value / u, rounded by the mode, × u.
  const Case cases[] = {
      // fen: 0.5 → 1/0/0/1; 2.5 → 3/2/2/3; R12 61,728.35 → 61,728 (up 61,729).
      {"fen", "half_up", {1, 3, 250, 350, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                          1'234'567, 61'728}},
      {"fen", "half_even", {0, 2, 250, 350, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                            1'234'567, 61'728}},
      {"fen", "down", {0, 2, 250, 350, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                       1'234'567, 61'728}},
      {"fen", "up", {1, 3, 250, 350, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                     1'234'567, 61'729}},
      // yuan: 2.5 → 3/2/2/3 yuan; 3.5 → 4/4/3/4; 12,345.67 → 12,346/12,346/12,345/12,346;
      // 617.2835 → 617/617/617/618; sub-yuan amounts only reach 1 yuan going up.
      {"yuan", "half_up", {0, 0, 300, 400, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                           1'234'600, 61'700}},
      {"yuan", "half_even", {0, 0, 200, 400, 25'000, 35'000, 250'000, 350'000, 2'500'000,
                             3'500'000, 1'234'600, 61'700}},
      {"yuan", "down", {0, 0, 200, 300, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                        1'234'500, 61'700}},
      {"yuan", "up", {100, 100, 300, 400, 25'000, 35'000, 250'000, 350'000, 2'500'000, 3'500'000,
                      1'234'600, 61'800}},
      // hundred: 2.5 → 3/2/2/3 hundred; 3.5 → 4/4/3/4; 123.4567 → 123 (up 124); 6.172835 → 6
      // (up 7).
      {"hundred", "half_up", {0, 0, 0, 0, 30'000, 40'000, 250'000, 350'000, 2'500'000, 3'500'000,
                              1'230'000, 60'000}},
      {"hundred", "half_even", {0, 0, 0, 0, 20'000, 40'000, 250'000, 350'000, 2'500'000,
                                3'500'000, 1'230'000, 60'000}},
      {"hundred", "down", {0, 0, 0, 0, 20'000, 30'000, 250'000, 350'000, 2'500'000, 3'500'000,
                           1'230'000, 60'000}},
      {"hundred", "up", {10'000, 10'000, 10'000, 10'000, 30'000, 40'000, 250'000, 350'000,
                         2'500'000, 3'500'000, 1'240'000, 70'000}},
      // thousand: 2.5 → 3/2/2/3 thousand; 3.5 → 4/4/3/4; 12.34567 → 12 (up 13); 0.6172835 → 1
      // (down 0: no line).
      {"thousand", "half_up", {0, 0, 0, 0, 0, 0, 300'000, 400'000, 2'500'000, 3'500'000,
                               1'200'000, 100'000}},
      {"thousand", "half_even", {0, 0, 0, 0, 0, 0, 200'000, 400'000, 2'500'000, 3'500'000,
                                 1'200'000, 100'000}},
      {"thousand", "down", {0, 0, 0, 0, 0, 0, 200'000, 300'000, 2'500'000, 3'500'000, 1'200'000,
                            0}},
      {"thousand", "up", {100'000, 100'000, 100'000, 100'000, 100'000, 100'000, 300'000, 400'000,
                          2'500'000, 3'500'000, 1'300'000, 100'000}},
      // wan: 2.5 → 3/2/2/3 wan; 3.5 → 4/4/3/4; 1.234567 → 1 (up 2); 0.06172835 → 0 (up 1).
      {"wan", "half_up", {0, 0, 0, 0, 0, 0, 0, 0, 3'000'000, 4'000'000, 1'000'000, 0}},
      {"wan", "half_even", {0, 0, 0, 0, 0, 0, 0, 0, 2'000'000, 4'000'000, 1'000'000, 0}},
      {"wan", "down", {0, 0, 0, 0, 0, 0, 0, 0, 2'000'000, 3'000'000, 1'000'000, 0}},
      {"wan", "up", {1'000'000, 1'000'000, 1'000'000, 1'000'000, 1'000'000, 1'000'000, 1'000'000,
                     1'000'000, 3'000'000, 4'000'000, 2'000'000, 1'000'000}},
  };
  std::vector<std::string> programs;
  for (const Case& c : cases) {
    std::string mode = c.mode;
    for (char& ch : mode) {
      if (ch == '_') ch = '-';
    }
    const std::string round = std::string("round: {unit: ") + c.unit + ", mode: " + c.mode + "}";
    programs.push_back(program(std::string("h-") + c.unit + "-" + mode, "id != \"R12\"",
                               "{rate: 50%, of: tax_paid}", {round}));
    programs.push_back(program(std::string("f-") + c.unit + "-" + mode, "id == \"R12\"",
                               "{rate: 5%, of: tax_paid}", {round}));
  }
  const auto r = run(kRoundingRoster, plan_of(programs));
  ASSERT_EQ(r->error, "");
  for (size_t k = 0; k < std::size(cases); ++k) {
    const Case& c = cases[k];
    SCOPED_TRACE(std::string(c.unit) + " " + c.mode);
    std::vector<Line> half;
    for (int row = 0; row < 11; ++row) {
      const std::string id = (row + 1 < 10 ? "R0" : "R") + std::to_string(row + 1);
      if (c.fen[row] > 0) half.push_back(asks(id, c.fen[row]));
    }
    EXPECT_EQ(lines_of(*r, r->plan.programs[2 * k].id), half);
    std::vector<Line> five;
    if (c.fen[11] > 0) five.push_back(asks("R12", c.fen[11]));
    EXPECT_EQ(lines_of(*r, r->plan.programs[2 * k + 1].id), five);
  }
}

// ---------------------------------------------------------------------------------------------
// Cap and min_award

constexpr char kCapRoster[] =
    "id,tax_paid\n"
    "C1,20000\n"
    "C2,10000\n"
    "C3,2000\n"
    "C4,1999.99\n"
    "C5,1000\n"
    "C6,0.04\n"
    "C7,0\n"
    "C8,\n";

TEST(AwardCapMin, CapThenMinAwardThenRound) {
  const auto r = run(kCapRoster,
                     plan_of({program("p", "true", "{rate: 10%, of: tax_paid}",
                                      {"cap: 1000", "min_award: 200",
                                       "round: {unit: yuan, mode: half_up}"})}));
  ASSERT_EQ(r->error, "");
  EXPECT_EQ(lines_of(*r, "p"),
            (std::vector<Line>{
                asks("C1", 100'000, -1, true),  // 10% × 20,000 = 2,000 → cap 1,000 (capped)
                asks("C2", 100'000),            // exactly the cap: not cut
                asks("C3", 20'000),             // exactly min_award 200: kept
                // 199.999 < 200 → dropped; its award rounds (yuan, half_up) to 200.00 all the same
                dropped("C4", 20'000),
                dropped("C5", 10'000),  // 100 < 200 → dropped, award 100.00
                dropped("C6", 0),       // 0.004 yuan: above 0, below min; rounds to 0
                // C7 0 and C8 null: no line.
            }));
  EXPECT_EQ(r->lines("p").eligible, 8);
}

TEST(AwardCapMin, NullAndNegativeGiveNoLine) {
  const auto r = run(kCapRoster,
                     plan_of({program("neg", "true", "{formula: 'tax_paid - 20000'}"),
                              program("div0", "true", "{formula: 'tax_paid / (tax_paid - tax_paid)'}")}));
  ASSERT_EQ(r->error, "");
  EXPECT_EQ(lines_of(*r, "neg"), std::vector<Line>{});  // all ≤ 0 or null
  EXPECT_EQ(lines_of(*r, "div0"), std::vector<Line>{});  // x / 0 is null for every row
  EXPECT_EQ(r->lines("neg").eligible, 8);
}

TEST(AwardCapMin, AwardTooLargeForAnAmountUnlessCapped) {
  // 1亿 yuan × 10^11 = 10^21 fen, past int64 fen: an error naming the enterprise, unless the cap
  // (applied before rounding) brings it down.
  const std::string csv = "id,tax_paid\nA,100\nB,100000000\n";
  const auto r = run(csv, plan_of({program("big", "true", "{formula: 'tax_paid * 100000000000'}")}));
  EXPECT_EQ(r->error,
            "t.yaml:10: programs[0] (big).award: the award of enterprise B is too large for an "
            "amount");
  const auto capped = run(csv, plan_of({program("big", "true",
                                                "{formula: 'tax_paid * 100000000000'}",
                                                {"cap: 1亿"})}));
  ASSERT_EQ(capped->error, "");
  // A: 100 × 10^11 yuan → cap 1亿; B likewise.
  EXPECT_EQ(lines_of(*capped, "big"),
            (std::vector<Line>{asks("A", 10'000'000'000, -1, true),
                               asks("B", 10'000'000'000, -1, true)}));
}

// ---------------------------------------------------------------------------------------------
// Bases that are numbers, signs, pct_rank among the program's eligible rows

TEST(AwardBases, NumberBasesCountAsYuan) {
  const auto r = run(
      kKindsRoster,
      plan_of({program("tiers", "true",
                       "{tiers: {base: employees, bands: [{from: 8, award: 100}, "
                       "{from: 45, rate: 10%}]}}"),
               program("brackets", "true",
                       "{brackets: {base: employees, bands: [{from: 5, rate: 50%}, "
                       "{from: 10, rate: 10%}]}}"),
               program("table", "true",
                       "{table: {hit: first, rows: [{when: 'employees > 10', rate: 20%, "
                       "of: employees}]}}")}));
  ASSERT_EQ(r->error, "");
  // employees 45 / 8 / 0 are 45 / 8 / 0 yuan. tiers: 45 → band 1 → 10% × 45 = 4.50; 8 → band 0
  // → 100.00; 0 → below.
  EXPECT_EQ(lines_of(*r, "tiers"), (std::vector<Line>{asks("F1", 450, 1), asks("F2", 10'000, 0)}));
  // brackets: 45 → 50% × 5 + 10% × 35 = 2.50 + 3.50 = 6.00; 8 → 50% × 3 = 1.50.
  EXPECT_EQ(lines_of(*r, "brackets"), (std::vector<Line>{asks("F1", 600, 1), asks("F2", 150, 0)}));
  // table: only 45 > 10 → 20% × 45 = 9.00.
  EXPECT_EQ(lines_of(*r, "table"), (std::vector<Line>{asks("F1", 900, 0)}));
}

TEST(AwardBases, SignsOfQuotients) {
  const auto r = run(kKindsRoster,
                     plan_of({program("neg", "true", "{formula: 'tax_paid / (employees - 50)'}"),
                              program("pos", "true",
                                      "{formula: '(0 - tax_paid) / (0 - employees)'}"),
                              program("rate", "true", "{rate: 10%, of: 'employees - 50'}")}));
  ASSERT_EQ(r->error, "");
  // 1000 / (45 − 50) = −200 → no line; F2 null; 2000 / −50 = −40 → no line.
  EXPECT_EQ(lines_of(*r, "neg"), std::vector<Line>{});
  // −1000 / −45 = 22.222… yuan = 2222.22… fen → 2222; −2000 / 0 → null.
  EXPECT_EQ(lines_of(*r, "pos"), (std::vector<Line>{asks("F1", 2'222)}));
  // 10% of a negative number of yuan → no line.
  EXPECT_EQ(lines_of(*r, "rate"), std::vector<Line>{});
}

TEST(AwardBases, PctRankAmongTheProgramsEligibleRows) {
  const std::string csv = "id,tax_paid\nP1,100\nP2,200\nP3,300\nP4,400\nP5,500\n";
  const auto r = run(
      csv, plan_of({program("rank", "tax_paid >= 200", "{formula: 'pct_rank(tax_paid) * 300'}"),
                    program("top", "tax_paid >= 200",
                            "{table: {hit: first, rows: [{when: 'pct_rank(tax_paid) >= 50%', "
                            "award: 10}]}}")}));
  ASSERT_EQ(r->error, "");
  // Ranked among P2..P5 (n = 4): 0, 1/3, 2/3, 1 → × 300 = 0, 100, 200, 300 yuan (P2's 0: no line).
  EXPECT_EQ(lines_of(*r, "rank"),
            (std::vector<Line>{asks("P3", 10'000), asks("P4", 20'000), asks("P5", 30'000)}));
  // ≥ 50%: 2/3 and 1 → P4, P5.
  EXPECT_EQ(lines_of(*r, "top"), (std::vector<Line>{asks("P4", 1'000, 0), asks("P5", 1'000, 0)}));
}

// ---------------------------------------------------------------------------------------------
// Stacking

// Program a awards x, b awards y, c awards z (formula), all in yuan.
constexpr char kHighestRoster[] =
    "id,x,y,z\n"
    "S1,100,200,150\n"
    "S2,300,300,100\n"
    "S3,100,,100\n"
    "S4,50,,\n"
    "S5,20,30,90\n";

TEST(AwardStacking, Highest) {
  const auto r = run(kHighestRoster,
                     plan_of({program("a", "true", "{formula: x}", {"group: g"}),
                              program("b", "true", "{formula: y}", {"group: g"}),
                              program("c", "true", "{formula: z}", {"group: g", "min_award: 100"}),
                              program("d", "true", "{formula: y}"),
                              program("e", "true", "{formula: x}", {"group: h"})},
                             "  - {group: g, rule: highest}\n  - {group: h, rule: highest}\n"));
  ASSERT_EQ(r->error, "");
  // S1: b 200 is the highest. S2: a and b tie at 300 → a, the first in plan order. S3: a and c tie
  // at 100 → a. S4: a alone. S5: c's 90 is dropped below min_award and takes no part → b (30).
  EXPECT_EQ(lines_of(*r, "a"),
            (std::vector<Line>{stacked_out("S1", 10'000, 1), asks("S2", 30'000), asks("S3", 10'000),
                               asks("S4", 5'000), stacked_out("S5", 2'000, 1)}));
  EXPECT_EQ(lines_of(*r, "b"),
            (std::vector<Line>{asks("S1", 20'000), stacked_out("S2", 30'000, 0),
                               asks("S5", 3'000)}));
  EXPECT_EQ(lines_of(*r, "c"),
            (std::vector<Line>{stacked_out("S1", 15'000, 1),
                               stacked_out("S2", 10'000, 0),  // exactly min_award: kept, then out
                               stacked_out("S3", 10'000, 0), dropped("S5", 9'000)}));
  // Outside the group (d) and in another group (e, alone in h): untouched.
  EXPECT_EQ(lines_of(*r, "d"),
            (std::vector<Line>{asks("S1", 20'000), asks("S2", 30'000), asks("S5", 3'000)}));
  EXPECT_EQ(lines_of(*r, "e"),
            (std::vector<Line>{asks("S1", 10'000), asks("S2", 30'000), asks("S3", 10'000),
                               asks("S4", 5'000), asks("S5", 2'000)}));
}

constexpr char kSumCapRoster[] =
    "id,x,y,z\n"
    "U1,200,200,200\n"
    "U2,300,300,100\n"
    "U3,600,,\n"
    "U4,100,100,\n"
    "U5,500,,1\n"
    "U6,450,90,100\n"
    "U7,1000,100,\n";

TEST(AwardStacking, SumCap) {
  const auto r = run(kSumCapRoster,
                     plan_of({program("a", "true", "{formula: x}", {"group: s"}),
                              program("b", "true", "{formula: y}", {"group: s", "min_award: 100"}),
                              program("c", "true", "{formula: z}", {"group: s"}),
                              program("d", "true", "{formula: x}", {"group: t"})},
                             "  - {group: s, rule: sum_cap, cap: 500}\n"
                             "  - {group: t, rule: exclusive}\n"));
  ASSERT_EQ(r->error, "");
  // U1: 600 − 500 = 100 cut from c (the last). U2: 700 → 200 to cut: c 100 → 0, b 300 → 200.
  // U3: a alone, 600 > 500 → cut to 500. U4: 200 ≤ 500. U5: 501 → c 1 → 0. U6: b's 90 is dropped
  // (takes no part): 450 + 100 = 550 → c 100 → 50. U7: 1100 → 600 to cut: b 100 → 0, a 1000 → 500.
  EXPECT_EQ(lines_of(*r, "a"),
            (std::vector<Line>{asks("U1", 20'000), asks("U2", 30'000), cut("U3", 60'000, 50'000),
                               asks("U4", 10'000), asks("U5", 50'000), asks("U6", 45'000),
                               cut("U7", 100'000, 50'000)}));
  EXPECT_EQ(lines_of(*r, "b"),
            (std::vector<Line>{asks("U1", 20'000), cut("U2", 30'000, 20'000), asks("U4", 10'000),
                               dropped("U6", 9'000), cut_out("U7", 10'000)}));
  EXPECT_EQ(lines_of(*r, "c"),
            (std::vector<Line>{cut("U1", 20'000, 10'000), cut_out("U2", 10'000),
                               cut_out("U5", 100), cut("U6", 10'000, 5'000)}));
  EXPECT_EQ(lines_of(*r, "d"),
            (std::vector<Line>{asks("U1", 20'000), asks("U2", 30'000), asks("U3", 60'000),
                               asks("U4", 10'000), asks("U5", 50'000), asks("U6", 45'000),
                               asks("U7", 100'000)}));
}

constexpr char kExclusiveRoster[] =
    "id,x,y,z\n"
    "V1,100,200,300\n"
    "V2,,50,300\n"
    "V3,0,0,70\n"
    "V4,10,5,300\n";

TEST(AwardStacking, Exclusive) {
  const auto r = run(kExclusiveRoster,
                     plan_of({program("a", "true", "{formula: x}", {"group: e", "min_award: 20"}),
                              program("b", "true", "{formula: y}", {"group: e"}),
                              program("c", "true", "{formula: z}", {"group: e"})},
                             "  - {group: e, rule: exclusive}\n"));
  ASSERT_EQ(r->error, "");
  // V1: a is the first with an award. V2: a has none → b. V3: c alone. V4: a's 10 is dropped
  // below min_award 20 and takes no part → b (5), though c's 300 is larger.
  EXPECT_EQ(lines_of(*r, "a"), (std::vector<Line>{asks("V1", 10'000), dropped("V4", 1'000)}));
  EXPECT_EQ(lines_of(*r, "b"),
            (std::vector<Line>{stacked_out("V1", 20'000, 0), asks("V2", 5'000), asks("V4", 500)}));
  EXPECT_EQ(lines_of(*r, "c"),
            (std::vector<Line>{stacked_out("V1", 30'000, 0), stacked_out("V2", 30'000, 1),
                               asks("V3", 7'000), stacked_out("V4", 30'000, 1)}));
}

TEST(AwardStacking, StagesOneByOneMatchComputeAwards) {
  const auto r = run(kSumCapRoster,
                     plan_of({program("a", "true", "{formula: x}", {"group: s"}),
                              program("b", "true", "{formula: y}", {"group: s"})},
                             "  - {group: s, rule: sum_cap, cap: 500}\n"));
  ASSERT_EQ(r->error, "");
  Result<std::vector<RowMask>> eligible = evaluate_eligibility(*r->compiled, r->context);
  ASSERT_TRUE(eligible.ok()) << eligible.status().message();
  ASSERT_EQ(eligible->size(), 2u);
  EXPECT_EQ((*eligible)[0].count(), 7);
  Result<AwardsResult> requested = compute_requested(*r->compiled, r->context, *eligible);
  ASSERT_TRUE(requested.ok()) << requested.status().message();
  // Before stacking: U7 a 1000 + b 100 both ask in full.
  const ProgramAwards& a = requested->programs[0];
  const int64_t u7 = a.find(r->row("U7"));
  ASSERT_GE(u7, 0);
  EXPECT_EQ(a.requested[u7], 100'000);
  EXPECT_EQ(a.stacked_by[u7], -1);
  apply_stacking(r->plan, *requested);
  EXPECT_EQ(requested->programs[0].requested, r->awards->programs[0].requested);
  EXPECT_EQ(requested->programs[1].requested, r->awards->programs[1].requested);
  EXPECT_EQ(requested->programs[1].status, r->awards->programs[1].status);
  // U7: 1100 − 500 = 600 to cut: b 100 → 0, then a 1000 → 500.
  EXPECT_EQ(requested->programs[0].requested[u7], 50'000);
  EXPECT_EQ(requested->programs[1].status[requested->programs[1].find(r->row("U7"))],
            AwardStatus::kStackedOut);
}

// ---------------------------------------------------------------------------------------------
// Compile errors name the plan path

constexpr char kErrorRoster[] =
    "id,region,tax_paid,tags\n"
    "A,320830,100,x\n";

std::string compile_error(const std::string& yaml) {
  const auto r = run(kErrorRoster, yaml);
  return r->error;
}

TEST(AwardCompileErrors, UnknownColumnInEligible) {
  EXPECT_EQ(compile_error(plan_of({program("a", "tax_piad >= 20万", "{fixed: 1}")})),
            "t.yaml:9: programs[0] (a).eligible: 1:1: unknown column \"tax_piad\"; did you mean "
            "\"tax_paid\"?\n  tax_piad >= 20万\n  ^");
}

TEST(AwardCompileErrors, EligibleThatIsNotACondition) {
  EXPECT_EQ(compile_error(plan_of({program("ok", "true", "{fixed: 1}"),
                                   program("b", "tax_paid", "{fixed: 1}")})),
            // the second program starts on line 11: eligible on 13
            "t.yaml:13: programs[1] (b).eligible: expected a condition (true/false), but this "
            "gives money");
}

TEST(AwardCompileErrors, BaseThatIsAStringOrABool) {
  const std::string tiers =
      std::string(kPlanHeader) +
      "  - id: a\n"
      "    pool: pool\n"
      "    eligible: 'true'\n"
      "    award:\n"
      "      tiers:\n"
      "        base: region\n"  // line 12
      "        bands: [{from: 0, award: 1}]\n";
  EXPECT_EQ(compile_error(tiers),
            "t.yaml:12: programs[0] (a).award.tiers.base: expected an amount, but this gives "
            "string");
  EXPECT_EQ(compile_error(plan_of({program("a", "true", "{rate: 5%, of: 'tax_paid > 0'}")})),
            "t.yaml:10: programs[0] (a).award.of: expected an amount, but this gives bool");
  EXPECT_EQ(compile_error(plan_of({program(
                "a", "true",
                "{brackets: {base: 'has_tag(\"x\")', bands: [{from: 0, rate: 1%}]}}")})),
            "t.yaml:10: programs[0] (a).award.brackets.base: expected an amount, but this gives "
            "bool");
  EXPECT_EQ(compile_error(plan_of({program("a", "true", "{formula: region}")})),
            "t.yaml:10: programs[0] (a).award.formula: expected an amount, but this gives string");
}

TEST(AwardCompileErrors, WhenThatIsNotACondition) {
  EXPECT_EQ(compile_error(plan_of({program(
                "a", "true", "{table: {hit: first, rows: [{when: tax_paid, award: 1}]}}")})),
            "t.yaml:10: programs[0] (a).award.table.rows[0].when: expected a condition "
            "(true/false), but this gives money");
  EXPECT_EQ(compile_error(plan_of({program(
                "a", "true",
                "{table: {hit: first, rows: [{when: 'true', award: 1}, "
                "{when: 'true', rate: 5%, of: region}]}}")})),
            "t.yaml:10: programs[0] (a).award.table.rows[1].of: expected an amount, but this "
            "gives string");
}

// ---------------------------------------------------------------------------------------------
// describe_award_line and explain_award

TEST(AwardDescribe, Lines) {
  {
    const auto r = run(kKindsRoster,
                       plan_of({program("fixed", "true", "{fixed: 3万}"),
                                program("third", "true", "{formula: 'tax_paid / 3'}"),
                                program("rate", "true", "{rate: 0.5%, of: tax_paid}")}));
    ASSERT_EQ(r->error, "");
    EXPECT_EQ(describe(*r, "fixed", "F1"), "fixed 30000.00");
    EXPECT_EQ(describe(*r, "third", "F1"), "formula tax_paid / 3 = 333.33");
    EXPECT_EQ(describe(*r, "rate", "F3"), "0.5% of tax_paid = 10.00");
  }
  {
    const auto r = run(kCapRoster,
                       plan_of({program("p", "true", "{rate: 10%, of: tax_paid}",
                                        {"cap: 1000", "min_award: 200",
                                         "round: {unit: yuan, mode: half_up}"})}));
    ASSERT_EQ(r->error, "");
    EXPECT_EQ(describe(*r, "p", "C1"), "10% of tax_paid = 2000.00; capped at 1000.00");
    EXPECT_EQ(describe(*r, "p", "C5"), "10% of tax_paid = 100.00; below min_award 200.00: dropped");
  }
  {
    const auto r = run(kTableRoster, plan_of({program("first", "true", table_award("first")),
                                              program("sum", "true", table_award("collect_sum"))}));
    ASSERT_EQ(r->error, "");
    EXPECT_EQ(describe(*r, "first", "T3"), "table row 2: 10% of tax_paid = 300.00");
    EXPECT_EQ(describe(*r, "sum", "T1"), "table rows hit, summed (the first: row 1) = 300.00");
  }
  {
    const auto r = run(kSumCapRoster,
                       plan_of({program("a", "true", "{formula: x}", {"group: s"}),
                                program("b", "true", "{formula: y}", {"group: s"}),
                                program("c", "true", "{formula: z}", {"group: s"})},
                               "  - {group: s, rule: sum_cap, cap: 500}\n"));
    ASSERT_EQ(r->error, "");
    EXPECT_EQ(describe(*r, "c", "U1"), "formula z = 200.00; cut to 100.00 by group s sum_cap 500.00");
    EXPECT_EQ(describe(*r, "c", "U2"), "formula z = 100.00; stacked out: group s sum_cap 500.00");
    EXPECT_EQ(describe(*r, "a", "U1"), "formula x = 200.00");
  }
  {
    const auto r = run(kTiersRoster,
                       plan_of({program("t", "true",
                                        "{tiers: {base: tax_paid, bands: [{from: 20万, award: 2万}, "
                                        "{from: 300万, rate: 5%}]}}"),
                                program("e", "true", "{formula: '1'}", {"group: g"}),
                                program("f", "true", "{formula: '2'}", {"group: g"})},
                               "  - {group: g, rule: exclusive}\n"));
    ASSERT_EQ(r->error, "");
    EXPECT_EQ(describe(*r, "t", "T02"), "tax_paid in band 1 (from 200000.00): 20000.00");
    EXPECT_EQ(describe(*r, "t", "T06"),
              "tax_paid in band 2 (from 3000000.00): 5% of tax_paid = 150000.00");
    EXPECT_EQ(describe(*r, "f", "T01"), "formula 2 = 2.00; stacked out by e (group g, exclusive)");
  }
  {
    const auto r = run(kBracketsRoster, plan_of({program("b", "true", kBracketBands)}));
    ASSERT_EQ(r->error, "");
    EXPECT_EQ(describe(*r, "b", "B09"),
              "sales_invoiced in band 3 (from 100000000.00), marginal rates = 433000.00");
    EXPECT_EQ(describe(*r, "b", "B04"),
              "sales_invoiced in band 1 (from 10000000.00), marginal rates = 200000.00");
  }
}

TEST(AwardExplain, EligibleIneligibleAndStackedOut) {
  const auto r = run(kHighestRoster,
                     plan_of({program("a", "x >= 100", "{formula: x}", {"group: g"}),
                              program("b", "true", "{formula: y}", {"group: g"}),
                              program("n", "true", "{formula: 'x - 1000'}")},
                             "  - {group: g, rule: highest}\n"));
  ASSERT_EQ(r->error, "");
  // Eligible, and asks for its award: S2's a (300, a tie with b kept by plan order).
  {
    Result<AwardExplanation> why = explain_award(*r->compiled, *r->awards, r->context, 0,
                                                 r->row("S2"));
    ASSERT_TRUE(why.ok()) << why.status().message();
    EXPECT_TRUE(why->eligible);
    EXPECT_EQ(why->eligibility.summary(), "eligible");
    EXPECT_TRUE(why->has_line);
    EXPECT_EQ(why->requested, 30'000);
    EXPECT_EQ(why->status, AwardStatus::kRequested);
    EXPECT_EQ(why->steps, (std::vector<std::string>{"formula x = 300.00"}));
  }
  // Stacked out: S1's a (100) by b (200).
  {
    Result<AwardExplanation> why = explain_award(*r->compiled, *r->awards, r->context, 0,
                                                 r->row("S1"));
    ASSERT_TRUE(why.ok()) << why.status().message();
    EXPECT_TRUE(why->eligible);
    EXPECT_TRUE(why->has_line);
    EXPECT_EQ(why->requested, 0);
    EXPECT_EQ(why->status, AwardStatus::kStackedOut);
    EXPECT_EQ(why->steps, (std::vector<std::string>{
                              "formula x = 100.00; stacked out by b (group g, highest)"}));
  }
  // Ineligible: S4 (x 50).
  {
    Result<AwardExplanation> why = explain_award(*r->compiled, *r->awards, r->context, 0,
                                                 r->row("S4"));
    ASSERT_TRUE(why.ok()) << why.status().message();
    EXPECT_FALSE(why->eligible);
    EXPECT_EQ(why->eligibility.value, Truth::kFalse);
    EXPECT_EQ(why->eligibility.summary(), "not eligible: x >= 100 is false");
    EXPECT_FALSE(why->has_line);
    EXPECT_EQ(why->requested, 0);
    EXPECT_TRUE(why->steps.empty());
  }
  // Eligible with an award of 0 (x − 1000 < 0): no line, and a step saying so.
  {
    Result<AwardExplanation> why = explain_award(*r->compiled, *r->awards, r->context, 2,
                                                 r->row("S1"));
    ASSERT_TRUE(why.ok()) << why.status().message();
    EXPECT_TRUE(why->eligible);
    EXPECT_FALSE(why->has_line);
    EXPECT_EQ(why->requested, 0);
    EXPECT_EQ(why->steps,
              (std::vector<std::string>{"award 0 (no band reached, or a null or zero base)"}));
  }
  // No such program or row.
  EXPECT_EQ(explain_award(*r->compiled, *r->awards, r->context, 3, 0).status().message(),
            "no such program or row");
  EXPECT_EQ(explain_award(*r->compiled, *r->awards, r->context, 0, 5).status().message(),
            "no such program or row");
}

TEST(AwardExplain, NullFieldIsNamed) {
  const auto r = run(kKindsRoster, plan_of({program("fixed", "tax_paid >= 1500", "{fixed: 1}")}));
  ASSERT_EQ(r->error, "");
  Result<AwardExplanation> why =
      explain_award(*r->compiled, *r->awards, r->context, 0, r->row("F2"));
  ASSERT_TRUE(why.ok()) << why.status().message();
  EXPECT_FALSE(why->eligible);
  EXPECT_EQ(why->eligibility.value, Truth::kUnknown);
  EXPECT_EQ(why->eligibility.summary(), "not eligible: tax_paid >= 1500 is unknown (tax_paid is null)");
  EXPECT_FALSE(why->has_line);
}

TEST(AwardStatusNames, Names) {
  EXPECT_EQ(award_status_name(AwardStatus::kRequested), "requested");
  EXPECT_EQ(award_status_name(AwardStatus::kDroppedBelowMin), "dropped_below_min");
  EXPECT_EQ(award_status_name(AwardStatus::kStackedOut), "stacked_out");
}

}  // namespace
}  // namespace subsidy
