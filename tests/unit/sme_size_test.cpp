// SME size classification (中小企业划型标准规定, 工信部联企业〔2011〕300号): one test per row of
// the table in src/roster/sme_size.cpp, the worked checks of shared/domain/sme-size-2011.md,
// missing indicators and malformed industry codes. Thresholds here are restated from the standard,
// not read from the table, so that a typo in either shows.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/roster.hpp"

using namespace subsidy;

namespace {

constexpr int64_t kFenPerWan = 1'000'000;
constexpr std::optional<int64_t> kMissing = std::nullopt;

std::optional<Money> FromFen(std::optional<int64_t> fen) {
  if (!fen) return std::nullopt;
  return Money::from_fen(*fen);
}

std::optional<int64_t> WanToFen(std::optional<int64_t> wan) {
  if (!wan) return std::nullopt;
  return *wan * kFenPerWan;
}

// Revenue and assets in 万元, as the standard states them.
std::optional<SizeClass> Classify(std::string_view industry, std::optional<int64_t> employees,
                                  std::optional<int64_t> revenue_wan,
                                  std::optional<int64_t> assets_wan = std::nullopt) {
  return classify_size(industry, employees, FromFen(WanToFen(revenue_wan)),
                       FromFen(WanToFen(assets_wan)));
}

std::string Name(std::optional<SizeClass> size) {
  return size ? std::string(size_class_name(*size)) : std::string("null");
}

// Lower bounds of one class as the standard writes them: X persons, Y and Z in 万元; nullopt where
// the industry's row does not use the indicator.
struct Thresholds {
  std::optional<int64_t> x;
  std::optional<int64_t> y_wan;
  std::optional<int64_t> z_wan;
};

// An enterprise's indicators, revenue and assets in fen.
struct Point {
  std::optional<int64_t> x;
  std::optional<int64_t> y_fen;
  std::optional<int64_t> z_fen;
};

std::optional<SizeClass> ClassifyPoint(std::string_view industry, const Point& point) {
  return classify_size(industry, point.x, FromFen(point.y_fen), FromFen(point.z_fen));
}

// Exactly on the bounds; indicators the row does not use are missing (they must not be needed).
Point AtBounds(const Thresholds& bounds) {
  return {bounds.x, WanToFen(bounds.y_wan), WanToFen(bounds.z_wan)};
}

// On the bounds, with indicators the row does not use set huge (they must not count).
Point AtBoundsUnusedHuge(const Thresholds& bounds) {
  constexpr int64_t kHuge = int64_t{1} << 50;
  return {bounds.x ? bounds.x : kHuge, bounds.y_wan ? WanToFen(bounds.y_wan) : kHuge,
          bounds.z_wan ? WanToFen(bounds.z_wan) : kHuge};
}

// Checks every class boundary of one row of the standard: exactly on a class's bounds gives that
// class (inclusive ≥); one person or one fen below any single bound gives the class below.
void ExpectRow(std::string_view industry, const Thresholds& large, const Thresholds& medium,
               const Thresholds& small) {
  struct Level {
    const Thresholds* bounds;
    SizeClass size;
    SizeClass below;
  };
  const Level levels[] = {{&large, SizeClass::kLarge, SizeClass::kMedium},
                          {&medium, SizeClass::kMedium, SizeClass::kSmall},
                          {&small, SizeClass::kSmall, SizeClass::kMicro}};
  for (const Level& level : levels) {
    SCOPED_TRACE(std::string(industry) + " at " + Name(level.size) + " bounds");
    EXPECT_EQ(Name(ClassifyPoint(industry, AtBounds(*level.bounds))), Name(level.size));
    EXPECT_EQ(Name(ClassifyPoint(industry, AtBoundsUnusedHuge(*level.bounds))), Name(level.size));
    Point point = AtBounds(*level.bounds);
    if (point.x) {
      Point below = point;
      *below.x -= 1;
      EXPECT_EQ(Name(ClassifyPoint(industry, below)), Name(level.below)) << "X one below";
    }
    if (point.y_fen) {
      Point below = point;
      *below.y_fen -= 1;
      EXPECT_EQ(Name(ClassifyPoint(industry, below)), Name(level.below)) << "Y one fen below";
    }
    if (point.z_fen) {
      Point below = point;
      *below.z_fen -= 1;
      EXPECT_EQ(Name(ClassifyPoint(industry, below)), Name(level.below)) << "Z one fen below";
    }
  }
  SCOPED_TRACE(std::string(industry) + " at zero");
  Point zero = AtBounds(small);
  if (zero.x) zero.x = 0;
  if (zero.y_fen) zero.y_fen = 0;
  if (zero.z_fen) zero.z_fen = 0;
  EXPECT_EQ(Name(ClassifyPoint(industry, zero)), "micro");
}

// --- one test per table row ----------------------------------------------------------------

TEST(SmeSizeTable, Agriculture) {
  for (std::string_view code : {"A0141", "A01", "A05", "A0511"})
    ExpectRow(code, {kMissing, 20000, kMissing}, {kMissing, 500, kMissing},
              {kMissing, 50, kMissing});
  // Employees do not matter for agriculture.
  EXPECT_EQ(Classify("A0141", 100000, 49), SizeClass::kMicro);
}

TEST(SmeSizeTable, Industry) {
  for (std::string_view code : {"B0610", "C3911", "C13", "D4411"})
    ExpectRow(code, {1000, 40000, kMissing}, {300, 2000, kMissing}, {20, 300, kMissing});
  EXPECT_EQ(Classify("C3911", 300, 2000), SizeClass::kMedium);
  EXPECT_EQ(Classify("C3911", 299, 2000), SizeClass::kSmall);
}

TEST(SmeSizeTable, Construction) {
  for (std::string_view code : {"E4710", "E50"})
    ExpectRow(code, {kMissing, 80000, 80000}, {kMissing, 6000, 5000}, {kMissing, 300, 300});
}

TEST(SmeSizeTable, Wholesale) {
  for (std::string_view code : {"F5111", "F51"})
    ExpectRow(code, {200, 40000, kMissing}, {20, 5000, kMissing}, {5, 1000, kMissing});
}

TEST(SmeSizeTable, Retail) {
  for (std::string_view code : {"F5211", "F52"})
    ExpectRow(code, {300, 20000, kMissing}, {50, 500, kMissing}, {10, 100, kMissing});
}

TEST(SmeSizeTable, Transport) {
  for (std::string_view code : {"G53", "G5411", "G5631", "G58"})
    ExpectRow(code, {1000, 30000, kMissing}, {300, 3000, kMissing}, {20, 200, kMissing});
}

TEST(SmeSizeTable, Storage) {
  for (std::string_view code : {"G5951", "G59"})
    ExpectRow(code, {200, 30000, kMissing}, {100, 1000, kMissing}, {20, 100, kMissing});
}

TEST(SmeSizeTable, Postal) {
  for (std::string_view code : {"G6010", "G60"})
    ExpectRow(code, {1000, 30000, kMissing}, {300, 2000, kMissing}, {20, 100, kMissing});
}

TEST(SmeSizeTable, Accommodation) {
  for (std::string_view code : {"H6110", "H61"})
    ExpectRow(code, {300, 10000, kMissing}, {100, 2000, kMissing}, {10, 100, kMissing});
}

TEST(SmeSizeTable, Catering) {
  for (std::string_view code : {"H6210", "H62"})
    ExpectRow(code, {300, 10000, kMissing}, {100, 2000, kMissing}, {10, 100, kMissing});
}

TEST(SmeSizeTable, InformationTransmission) {
  for (std::string_view code : {"I63", "I6311", "I64", "I6410"})
    ExpectRow(code, {2000, 100000, kMissing}, {100, 1000, kMissing}, {10, 100, kMissing});
}

TEST(SmeSizeTable, SoftwareAndItServices) {
  for (std::string_view code : {"I65", "I6510", "I6550"})
    ExpectRow(code, {300, 10000, kMissing}, {100, 1000, kMissing}, {10, 50, kMissing});
}

TEST(SmeSizeTable, RealEstateDevelopment) {
  ExpectRow("K7010", {kMissing, 200000, 10000}, {kMissing, 1000, 5000}, {kMissing, 100, 2000});
  // Employees do not matter for real-estate development.
  EXPECT_EQ(Classify("K7010", 5, 1000, 5000), SizeClass::kMedium);
}

TEST(SmeSizeTable, PropertyManagement) {
  ExpectRow("K7020", {1000, 5000, kMissing}, {300, 1000, kMissing}, {100, 500, kMissing});
}

TEST(SmeSizeTable, LeasingAndBusinessServices) {
  for (std::string_view code : {"L7111", "L71", "L7211", "L72"})
    ExpectRow(code, {300, kMissing, 120000}, {100, kMissing, 8000}, {10, kMissing, 100});
  // Revenue does not matter for leasing and business services.
  EXPECT_EQ(Classify("L7211", 100, 1, 8000), SizeClass::kMedium);
}

TEST(SmeSizeTable, FinanceIsUnclassified) {
  for (std::string_view code : {"J66", "J6621", "J67", "J6811", "J6991"}) {
    SCOPED_TRACE(std::string(code));
    EXPECT_EQ(Classify(code, 5000, 900000, 900000), SizeClass::kUnclassified);
    EXPECT_EQ(Classify(code, 1, 1, 1), SizeClass::kUnclassified);
    // Finance needs no indicator, so missing ones do not make it unknown.
    EXPECT_EQ(Classify(code, kMissing, kMissing, kMissing), SizeClass::kUnclassified);
  }
}

TEST(SmeSizeTable, OtherIndustries) {
  for (std::string_view code : {"K7030", "K7040", "K7090", "M7310", "N7711", "O8010", "P8310",
                                "Q8411", "R8610", "S9221", "T9700"})
    ExpectRow(code, {300, kMissing, kMissing}, {100, kMissing, kMissing}, {10, kMissing, kMissing});
  // Only X counts: revenue and assets are ignored.
  EXPECT_EQ(Classify("M7310", 9, 900000, 900000), SizeClass::kMicro);
}

// --- the worked checks of the domain note ----------------------------------------------------

TEST(SmeSize, WorkedChecks) {
  struct Case {
    std::string_view what;
    std::string_view industry;
    std::optional<int64_t> x;
    std::optional<int64_t> y_wan;
    std::optional<int64_t> z_wan;
    SizeClass expected;
  };
  const std::vector<Case> cases = {
      {"工业 X=86 Y=4200: medium needs X≥300", "C3911", 86, 4200, kMissing, SizeClass::kSmall},
      {"工业 X=410 Y=9600", "C3911", 410, 9600, kMissing, SizeClass::kMedium},
      {"工业 X=35 Y=980", "C3911", 35, 980, kMissing, SizeClass::kSmall},
      {"软件 X=18 Y=320", "I6510", 18, 320, kMissing, SizeClass::kSmall},
      {"软件 X=9 Y=120: X<10", "I6510", 9, 120, kMissing, SizeClass::kMicro},
      {"批发 X=6 Y=4800", "F5111", 6, 4800, kMissing, SizeClass::kSmall},
      {"批发 X=4 Y=4800", "F5111", 4, 4800, kMissing, SizeClass::kMicro},
      {"建筑 Y=9500 Z=8800", "E4710", kMissing, 9500, 8800, SizeClass::kMedium},
      {"工业 X=1200 Y=45000", "C3911", 1200, 45000, kMissing, SizeClass::kLarge},
      {"工业 X=1200 Y=30000: Y<40000 makes it an SME", "C3911", 1200, 30000, kMissing,
       SizeClass::kMedium},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Name(Classify(c.industry, c.x, c.y_wan, c.z_wan)), Name(c.expected)) << c.what;
  }
}

// --- exactness -------------------------------------------------------------------------------

TEST(SmeSize, ThresholdsAreExactInFen) {
  constexpr int64_t kTwoThousandWan = 2000 * kFenPerWan;
  EXPECT_EQ(classify_size("C3911", 300, Money::from_fen(kTwoThousandWan), std::nullopt),
            SizeClass::kMedium);
  EXPECT_EQ(classify_size("C3911", 300, Money::from_fen(kTwoThousandWan - 1), std::nullopt),
            SizeClass::kSmall);
  // The largest amounts do not overflow anything.
  EXPECT_EQ(classify_size("E4710", std::nullopt, Money::max(), Money::max()), SizeClass::kLarge);
  EXPECT_EQ(classify_size("C3911", INT64_MAX, Money::max(), std::nullopt), SizeClass::kLarge);
  // Negative amounts (a bad cell that got through) are below every bound.
  EXPECT_EQ(classify_size("C3911", 5000, Money::from_fen(-1), std::nullopt), SizeClass::kMicro);
}

// --- missing indicators ----------------------------------------------------------------------

TEST(SmeSize, MissingIndicatorThatCannotMatterStillGivesAClass) {
  // Y fails every class, so X is not needed.
  EXPECT_EQ(Classify("C3911", kMissing, 100), SizeClass::kMicro);
  // X fails every class, so Y is not needed.
  EXPECT_EQ(Classify("C3911", 5, kMissing), SizeClass::kMicro);
  EXPECT_EQ(Classify("E4710", kMissing, 200, kMissing), SizeClass::kMicro);
  EXPECT_EQ(Classify("E4710", kMissing, kMissing, 299), SizeClass::kMicro);
  EXPECT_EQ(Classify("L7211", 9, kMissing, kMissing), SizeClass::kMicro);
  EXPECT_EQ(Classify("K7010", kMissing, 99, kMissing), SizeClass::kMicro);
  // Indicators the row does not use may be missing.
  EXPECT_EQ(Classify("C3911", 300, 2000, kMissing), SizeClass::kMedium);
  EXPECT_EQ(Classify("A0141", kMissing, 500, kMissing), SizeClass::kMedium);
  EXPECT_EQ(Classify("M7310", 100, kMissing, kMissing), SizeClass::kMedium);
  EXPECT_EQ(Classify("E4710", kMissing, 6000, 5000), SizeClass::kMedium);
  EXPECT_EQ(Classify("L7211", 100, kMissing, 8000), SizeClass::kMedium);
}

TEST(SmeSize, MissingIndicatorTheDecisionNeedsGivesNull) {
  // Y meets small, and small then turns on X ≥ 20.
  EXPECT_EQ(Classify("C3911", kMissing, 540), std::nullopt);
  // Y meets large: large turns on X.
  EXPECT_EQ(Classify("C3911", kMissing, 50000), std::nullopt);
  // X meets medium: medium turns on Y.
  EXPECT_EQ(Classify("C3911", 500, kMissing), std::nullopt);
  // X meets large: large turns on Y.
  EXPECT_EQ(Classify("C3911", 5000, kMissing), std::nullopt);
  EXPECT_EQ(Classify("C3911", kMissing, kMissing), std::nullopt);
  EXPECT_EQ(Classify("A0141", 100, kMissing), std::nullopt);
  EXPECT_EQ(Classify("M7310", kMissing, 900000, 900000), std::nullopt);
  EXPECT_EQ(Classify("E4710", kMissing, 9500, kMissing), std::nullopt);
  EXPECT_EQ(Classify("E4710", kMissing, kMissing, 8800), std::nullopt);
  EXPECT_EQ(Classify("K7010", 50, 1000, kMissing), std::nullopt);
  EXPECT_EQ(Classify("L7211", 100, 900000, kMissing), std::nullopt);
  EXPECT_EQ(Classify("I6510", kMissing, 50), std::nullopt);
}

// --- industry codes --------------------------------------------------------------------------

TEST(SmeSize, BadIndustryCodesGiveNull) {
  for (std::string_view code : {"", "C", "J", "c3911", "3911", "C39a1", "C 3911", " C3911",
                                "C3911 ", "C-3911", "CC3911", "U1234", "Z01", "C39.11",
                                "\xEF\xBC\xA3"
                                "3911" /* fullwidth Ｃ */}) {
    SCOPED_TRACE(std::string("code \"") + std::string(code) + "\"");
    EXPECT_EQ(Classify(code, 500, 5000, 5000), std::nullopt);
  }
}

TEST(SmeSize, RealEstateClassesNeedAllFourDigits) {
  // The same enterprise under the three classes of division 70 that the table distinguishes:
  // development uses Y and Z, property management X and Y, agency (other) X only.
  EXPECT_EQ(Classify("K7010", 50, 1500, 6000), SizeClass::kMedium);
  EXPECT_EQ(Classify("K7020", 50, 1500, 6000), SizeClass::kMicro);
  EXPECT_EQ(Classify("K7030", 50, 1500, 6000), SizeClass::kSmall);
  // A code too short to name the class is not guessed into one: it is "other".
  EXPECT_EQ(Classify("K70", 50, 1500, 6000), SizeClass::kSmall);
  EXPECT_EQ(Classify("K701", 50, 1500, 6000), SizeClass::kSmall);
  EXPECT_EQ(Classify("K702", 50, 1500, 6000), SizeClass::kSmall);
  EXPECT_EQ(Classify("K7", 50, 1500, 6000), SizeClass::kSmall);
}

TEST(SmeSize, DivisionRowsNeedTwoDigits) {
  // One digit does not say wholesale or retail, transport or storage: "other" (X only).
  EXPECT_EQ(Classify("F5", 50, 1, kMissing), SizeClass::kSmall);
  EXPECT_EQ(Classify("G5", 50, 1, kMissing), SizeClass::kSmall);
  EXPECT_EQ(Classify("I6", 50, 1, kMissing), SizeClass::kSmall);
  // Whole-section rows need only the letter and a digit.
  EXPECT_EQ(Classify("C3", 50, 1, kMissing), SizeClass::kMicro);
  EXPECT_EQ(Classify("A1", kMissing, 500, kMissing), SizeClass::kMedium);
}

TEST(SmeSize, SizeClassNames) {
  EXPECT_EQ(size_class_name(SizeClass::kLarge), "large");
  EXPECT_EQ(size_class_name(SizeClass::kMedium), "medium");
  EXPECT_EQ(size_class_name(SizeClass::kSmall), "small");
  EXPECT_EQ(size_class_name(SizeClass::kMicro), "micro");
  EXPECT_EQ(size_class_name(SizeClass::kUnclassified), "unclassified");
}

}  // namespace
