// SME size classes of 中小企业划型标准规定 (工信部联企业〔2011〕300号), SPEC §4.
//
// One data table (kSizeRows) holds the thresholds; classify_size() finds the row of an industry
// code and runs the cascade large → medium → small → micro over it in three-valued logic.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "roster/sme_size.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

namespace {

// 1 万元 in fen: the standard's revenue and asset thresholds are in 万元, the roster is in fen.
constexpr int64_t kFenPerWan = 1'000'000;

// Lower bounds a class must meet, all of them. An absent bound (nullopt) is an indicator the
// standard does not use for that industry; it is never read, so a missing value there is harmless.
struct Bounds {
  std::optional<int64_t> employees;    // X, persons (从业人员)
  std::optional<int64_t> revenue_wan;  // Y, 万元 (营业收入)
  std::optional<int64_t> assets_wan;   // Z, 万元 (资产总额)
};

// Which industry codes a row covers. A code is a section letter plus digits; its first two digits
// are the division (大类), its first four the class (小类).
//   division range  the code's section is in `sections` and, unless the range is kWholeSection,
//                   it has at least two digits and its division lies in [first, last];
//   class_code      the section matches and the code has at least four digits starting with it.
// An empty `sections` matches every code: the catch-all row, which must come last.
constexpr int kFirstDivision = 0;
constexpr int kLastDivision = 99;
struct Matcher {
  std::string_view sections;
  int first_division = kFirstDivision;
  int last_division = kLastDivision;
  std::string_view class_code = {};
};

struct SizeRow {
  std::string_view industry;  // the standard's name of the industry
  Matcher matcher;
  bool classified;  // false: out of the standard's scope (finance)
  Bounds large;     // complement of the standard's "SME only if" column
  Bounds medium;
  Bounds small;  // micro is whatever meets none of the above
};

constexpr std::nullopt_t kUnused = std::nullopt;

constexpr Matcher whole_section(std::string_view sections) {
  return Matcher{sections, kFirstDivision, kLastDivision, {}};
}
constexpr Matcher divisions(std::string_view section, int first, int last) {
  return Matcher{section, first, last, {}};
}
constexpr Matcher any_code() { return Matcher{}; }
constexpr Matcher class_code(std::string_view section, std::string_view code) {
  return Matcher{section, kFirstDivision, kLastDivision, code};
}

// Kept by hand: clang-format counts bytes, not columns, in the Chinese text, and would break the
// table's alignment.
// clang-format off
// 中小企业划型标准规定 (工信部联企业〔2011〕300号), 附: thresholds per industry. X employees, Y revenue
// (万元), Z total assets (万元); "≥" is 及以上. The large bounds are the complement of the standard's
// "X<… or Y<…" condition for an SME (a large enterprise meets every one of them).
//
// The standard names industries, not codes. Mapping them onto GB/T 4754-2017 codes is this
// project's reading, not part of the standard:
//   农林牧渔业            A (divisions 01–05: the whole section)
//   工业                  B (mining), C (manufacturing), D (electricity, heat, gas and water)
//   建筑业                E
//   批发业 / 零售业       F51 / F52
//   交通运输业            G53–58 (rail, road, water, air, pipeline, multimodal and agency)
//   仓储业 / 邮政业       G59 / G60
//   住宿业 / 餐饮业       H61 / H62
//   信息传输业            I63–64 (telecoms and broadcasting; internet services)
//   软件和信息技术服务业  I65
//   房地产开发经营        K7010 (the 4-digit class)
//   物业管理              K7020 (the 4-digit class)
//   租赁和商务服务业      L (divisions 71–72: the whole section)
//   金融业                J: has its own standard (2015), reported as unclassified
//   其他未列明行业        every other code: X only
// Whole-section rows do not look at the digits. Rows on divisions need the two digits of the
// division and rows on classes the four digits of the class: a code too short to say which row it
// is in ("F5", "G5", "K70", "K701") is not guessed into one and falls to 其他未列明行业, like the
// other classes of division 70 (K7030 agency, K7040 leasing of own property, K7090) do.
constexpr std::array<SizeRow, 17> kSizeRows = {{
    // industry, matcher, classified,
    //   large {X, Y, Z},                medium {X, Y, Z},             small {X, Y, Z}
    {"农林牧渔业", whole_section("A"), true,
     {kUnused, 20000, kUnused}, {kUnused, 500, kUnused}, {kUnused, 50, kUnused}},
    {"工业", whole_section("BCD"), true,
     {1000, 40000, kUnused}, {300, 2000, kUnused}, {20, 300, kUnused}},
    {"建筑业", whole_section("E"), true,
     {kUnused, 80000, 80000}, {kUnused, 6000, 5000}, {kUnused, 300, 300}},
    {"批发业", divisions("F", 51, 51), true,
     {200, 40000, kUnused}, {20, 5000, kUnused}, {5, 1000, kUnused}},
    {"零售业", divisions("F", 52, 52), true,
     {300, 20000, kUnused}, {50, 500, kUnused}, {10, 100, kUnused}},
    {"交通运输业", divisions("G", 53, 58), true,
     {1000, 30000, kUnused}, {300, 3000, kUnused}, {20, 200, kUnused}},
    {"仓储业", divisions("G", 59, 59), true,
     {200, 30000, kUnused}, {100, 1000, kUnused}, {20, 100, kUnused}},
    {"邮政业", divisions("G", 60, 60), true,
     {1000, 30000, kUnused}, {300, 2000, kUnused}, {20, 100, kUnused}},
    {"住宿业", divisions("H", 61, 61), true,
     {300, 10000, kUnused}, {100, 2000, kUnused}, {10, 100, kUnused}},
    {"餐饮业", divisions("H", 62, 62), true,
     {300, 10000, kUnused}, {100, 2000, kUnused}, {10, 100, kUnused}},
    {"信息传输业", divisions("I", 63, 64), true,
     {2000, 100000, kUnused}, {100, 1000, kUnused}, {10, 100, kUnused}},
    {"软件和信息技术服务业", divisions("I", 65, 65), true,
     {300, 10000, kUnused}, {100, 1000, kUnused}, {10, 50, kUnused}},
    {"房地产开发经营", class_code("K", "7010"), true,
     {kUnused, 200000, 10000}, {kUnused, 1000, 5000}, {kUnused, 100, 2000}},
    {"物业管理", class_code("K", "7020"), true,
     {1000, 5000, kUnused}, {300, 1000, kUnused}, {100, 500, kUnused}},
    {"租赁和商务服务业", whole_section("L"), true,
     {300, kUnused, 120000}, {100, kUnused, 8000}, {10, kUnused, 100}},
    {"金融业", whole_section("J"), false, {}, {}, {}},
    {"其他未列明行业", any_code(), true,
     {300, kUnused, kUnused}, {100, kUnused, kUnused}, {10, kUnused, kUnused}},
}};
// clang-format on
static_assert(kSizeRows.back().matcher.sections.empty(), "the catch-all row must come last");

// A parsed industry code: section letter and the digits after it.
struct IndustryCode {
  char section;
  std::string_view digits;
};

// GB/T 4754-2017 has sections A–T; a code is one of them followed by at least one digit, nothing
// else (no spaces, no lowercase), so that a malformed cell is reported instead of guessed.
std::optional<IndustryCode> parse_industry(std::string_view code) {
  if (code.size() < 2 || code[0] < 'A' || code[0] > 'T') return std::nullopt;
  std::string_view digits = code.substr(1);
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  return IndustryCode{code[0], digits};
}

bool matches(const Matcher& matcher, const IndustryCode& code) {
  if (matcher.sections.empty()) return true;
  if (matcher.sections.find(code.section) == std::string_view::npos) return false;
  if (!matcher.class_code.empty()) {
    return code.digits.size() >= matcher.class_code.size() &&
           code.digits.substr(0, matcher.class_code.size()) == matcher.class_code;
  }
  if (matcher.first_division == kFirstDivision && matcher.last_division == kLastDivision)
    return true;
  if (code.digits.size() < 2) return false;
  int division = (code.digits[0] - '0') * 10 + (code.digits[1] - '0');
  return division >= matcher.first_division && division <= matcher.last_division;
}

const SizeRow& find_row(const IndustryCode& code) {
  for (const SizeRow& row : kSizeRows)
    if (matches(row.matcher, code)) return row;
  return kSizeRows.back();  // unreachable: the last row matches every code
}

// Three-valued truth: a comparison on a missing indicator is unknown.
enum class Truth { kFalse, kUnknown, kTrue };

// Kleene AND: false wins over unknown, unknown over true.
constexpr Truth truth_and(Truth a, Truth b) {
  if (a == Truth::kFalse || b == Truth::kFalse) return Truth::kFalse;
  if (a == Truth::kUnknown || b == Truth::kUnknown) return Truth::kUnknown;
  return Truth::kTrue;
}

// value ≥ bound (及以上, inclusive); true when the standard does not use the indicator.
constexpr Truth at_least(std::optional<int64_t> value, std::optional<int64_t> bound) {
  if (!bound) return Truth::kTrue;
  if (!value) return Truth::kUnknown;
  return *value >= *bound ? Truth::kTrue : Truth::kFalse;
}

struct Indicators {
  std::optional<int64_t> employees;
  std::optional<int64_t> revenue_fen;
  std::optional<int64_t> assets_fen;
};

constexpr std::optional<int64_t> wan_to_fen(std::optional<int64_t> wan) {
  if (!wan) return std::nullopt;
  return *wan * kFenPerWan;  // at most 200,000 万 = 2×10^11 fen: far inside int64
}

// Whether the enterprise meets every bound of a class. Thresholds are compared in fen, exactly.
constexpr Truth meets(const Bounds& bounds, const Indicators& values) {
  Truth result = at_least(values.employees, bounds.employees);
  result = truth_and(result, at_least(values.revenue_fen, wan_to_fen(bounds.revenue_wan)));
  return truth_and(result, at_least(values.assets_fen, wan_to_fen(bounds.assets_wan)));
}

}  // namespace

std::string_view size_class_name(SizeClass size) {
  switch (size) {
    case SizeClass::kLarge:
      return "large";
    case SizeClass::kMedium:
      return "medium";
    case SizeClass::kSmall:
      return "small";
    case SizeClass::kMicro:
      return "micro";
    case SizeClass::kUnclassified:
      return "unclassified";
  }
  return "unclassified";
}

// The cascade, in three-valued logic (the NBS reading: large, medium and small must meet every
// lower bound of their class, else the enterprise drops one class; micro is what is left). For each
// class from large down: if it is true that the enterprise meets every bound, that is its class; if
// it is false, go on to the next class; if it is unknown (a needed indicator is missing and no
// present one fails), the answer is unknown. One failing indicator settles a class even when
// another is missing, so 工业 with X missing and Y = 100万 is micro (Y fails large, medium and
// small alike), while X missing and Y = 540万 is unknown: Y meets small, and small then turns on X
// ≥ 20.
namespace internal {

int size_row_for_industry(std::string_view industry) {
  std::optional<IndustryCode> code = parse_industry(industry);
  if (!code) return -1;
  return static_cast<int>(&find_row(*code) - kSizeRows.data());
}

std::optional<SizeClass> classify_size_with_row(int row_index, std::optional<int64_t> employees,
                                                std::optional<int64_t> revenue_fen,
                                                std::optional<int64_t> assets_fen) {
  if (row_index < 0) return std::nullopt;
  const SizeRow& row = kSizeRows[static_cast<size_t>(row_index)];
  if (!row.classified) return SizeClass::kUnclassified;
  const Indicators values{employees, revenue_fen, assets_fen};
  struct Step {
    const Bounds* bounds;
    SizeClass size;
  };
  const Step steps[] = {{&row.large, SizeClass::kLarge},
                        {&row.medium, SizeClass::kMedium},
                        {&row.small, SizeClass::kSmall}};
  for (const Step& step : steps) {
    switch (meets(*step.bounds, values)) {
      case Truth::kTrue:
        return step.size;
      case Truth::kUnknown:
        return std::nullopt;
      case Truth::kFalse:
        break;
    }
  }
  return SizeClass::kMicro;
}

}  // namespace internal

std::optional<SizeClass> classify_size(std::string_view industry, std::optional<int64_t> employees,
                                       std::optional<Money> revenue, std::optional<Money> assets) {
  return internal::classify_size_with_row(
      internal::size_row_for_industry(industry), employees,
      revenue ? std::optional<int64_t>(revenue->fen()) : std::nullopt,
      assets ? std::optional<int64_t>(assets->fen()) : std::nullopt);
}

}  // namespace subsidy
