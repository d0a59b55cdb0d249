#include "subsidy/synth.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace subsidy {
namespace {

constexpr std::string_view kExpectedHeader =
    "id,name,region,industry,employees,revenue,assets,sales_invoiced,tax_paid,registered_on,tags,"
    "rent_paid";

enum Column {
  kId,
  kName,
  kRegion,
  kIndustry,
  kEmployees,
  kRevenue,
  kAssets,
  kSalesInvoiced,
  kTaxPaid,
  kRegisteredOn,
  kTags,
  kRentPaid,
  kColumnCount
};

// Lines without their LF; the output has no quoting, so a plain split is the whole parser.
std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  parts.push_back(current);
  return parts;
}

std::vector<std::vector<std::string>> data_rows(const std::string& csv) {
  std::vector<std::string> lines = split(csv, '\n');
  EXPECT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "") << "the output must end with LF";
  lines.pop_back();
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 1; i < lines.size(); ++i) rows.push_back(split(lines[i], ','));
  return rows;
}

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ^-?\d+\.\d{2}$
bool is_amount(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  const size_t dot = text.find('.');
  return dot != std::string_view::npos && is_digits(text.substr(0, dot)) &&
         text.size() - dot == 3 && is_digits(text.substr(dot + 1));
}

// Fen of a cell that passed is_amount.
int64_t fen_of(const std::string& text) {
  std::string digits = text;
  digits.erase(digits.find('.'), 1);
  return std::stoll(digits);
}

bool is_valid_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (!is_digits(text.substr(0, 4)) || !is_digits(text.substr(5, 2)) ||
      !is_digits(text.substr(8, 2))) {
    return false;
  }
  const int year = std::stoi(std::string(text.substr(0, 4)));
  const int month = std::stoi(std::string(text.substr(5, 2)));
  const int day = std::stoi(std::string(text.substr(8, 2)));
  if (month < 1 || month > 12 || day < 1) return false;
  constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDaysIn[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

bool has_tag(const std::string& tags, const std::string& tag) {
  for (const std::string& t : split(tags, ';')) {
    if (t == tag) return true;
  }
  return false;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One 20k-row roster shared by the checks below: generating it once keeps the suite quick.
const std::vector<std::vector<std::string>>& big_rows() {
  static const auto* rows =
      new std::vector<std::vector<std::string>>(data_rows(synthetic_roster_csv({20000, 7})));
  return *rows;
}

double share(const std::vector<std::vector<std::string>>& rows, auto predicate) {
  size_t hits = 0;
  for (const auto& row : rows) hits += predicate(row) ? 1 : 0;
  return rows.empty() ? 0.0 : static_cast<double>(hits) / static_cast<double>(rows.size());
}

TEST(SynthTest, SameSeedGivesIdenticalBytes) {
  EXPECT_EQ(synthetic_roster_csv({2000, 42}), synthetic_roster_csv({2000, 42}));
}

TEST(SynthTest, DifferentSeedGivesDifferentBytes) {
  EXPECT_NE(synthetic_roster_csv({2000, 42}), synthetic_roster_csv({2000, 43}));
}

TEST(SynthTest, FewerRowsArePrefixOfMore) {
  // One stream in row order: a small roster is the head of a big one with the same seed.
  const std::string small = synthetic_roster_csv({100, 5});
  const std::string big = synthetic_roster_csv({300, 5});
  EXPECT_EQ(big.substr(0, small.size()), small);
}

TEST(SynthTest, HeaderIsExact) {
  const std::string csv = synthetic_roster_csv({3, 1});
  EXPECT_EQ(csv.substr(0, csv.find('\n')), kExpectedHeader);
}

TEST(SynthTest, ZeroRowsIsJustTheHeader) {
  EXPECT_EQ(synthetic_roster_csv({0, 1}), std::string(kExpectedHeader) + "\n");
}

TEST(SynthTest, NegativeRowsIsRejected) {
  EXPECT_THROW(synthetic_roster_csv({-1, 1}), std::invalid_argument);
  const Status status = write_synthetic_roster({-1, 1}, "/tmp/never-written.csv");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST(SynthTest, RowCountAndFieldCount) {
  const auto rows = data_rows(synthetic_roster_csv({1234, 9}));
  ASSERT_EQ(rows.size(), 1234u);
  for (const auto& row : rows) ASSERT_EQ(row.size(), static_cast<size_t>(kColumnCount));
}

TEST(SynthTest, NoCarriageReturnsOrQuotes) {
  const std::string csv = synthetic_roster_csv({2000, 3});
  EXPECT_EQ(csv.find('\r'), std::string::npos);
  EXPECT_EQ(csv.find('"'), std::string::npos);
}

TEST(SynthTest, IdsAreUniqueCreditCodes) {
  const auto& rows = big_rows();
  std::set<std::string> ids;
  for (const auto& row : rows) {
    const std::string& id = row[kId];
    ASSERT_EQ(id.size(), 18u) << id;
    EXPECT_EQ(id.substr(0, 2), "91");
    EXPECT_EQ(id.substr(2, 6), row[kRegion]);
    for (char c : id) {
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) << id;
    }
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), rows.size());
}

TEST(SynthTest, NamesAreCompanyNames) {
  for (const auto& row : big_rows()) {
    const std::string& name = row[kName];
    ASSERT_GE(name.size(), std::string("有限公司").size() + 6);
    EXPECT_EQ(name.substr(name.size() - std::string("有限公司").size()), "有限公司");
  }
}

TEST(SynthTest, RegionsAndIndustriesAreCodes) {
  for (const auto& row : big_rows()) {
    EXPECT_EQ(row[kRegion].size(), 6u);
    EXPECT_TRUE(is_digits(row[kRegion])) << row[kRegion];
    const std::string& industry = row[kIndustry];
    ASSERT_EQ(industry.size(), 5u) << industry;
    EXPECT_TRUE(industry[0] >= 'A' && industry[0] <= 'T') << industry;
    EXPECT_TRUE(is_digits(std::string_view(industry).substr(1))) << industry;
  }
  // Manufacturing is the biggest section and finance is present but rare.
  const double manufacturing =
      share(big_rows(), [](const auto& r) { return r[kIndustry][0] == 'C'; });
  const double finance = share(big_rows(), [](const auto& r) { return r[kIndustry][0] == 'J'; });
  EXPECT_GT(manufacturing, 0.35);
  EXPECT_LT(manufacturing, 0.45);
  EXPECT_GT(finance, 0.003);
  EXPECT_LT(finance, 0.03);
}

TEST(SynthTest, AmountsHaveTwoDecimalsOrAreEmpty) {
  for (const auto& row : big_rows()) {
    for (int column : {kRevenue, kAssets, kSalesInvoiced, kTaxPaid, kRentPaid}) {
      const std::string& cell = row[column];
      EXPECT_TRUE(cell.empty() || is_amount(cell)) << "column " << column << ": " << cell;
    }
    const std::string& employees = row[kEmployees];
    if (!employees.empty()) {
      ASSERT_TRUE(is_digits(employees)) << employees;
      const int count = std::stoi(employees);
      EXPECT_GE(count, 1);
      EXPECT_LE(count, 20000);
    }
  }
}

TEST(SynthTest, InvoicedSalesAndTaxFollowRevenue) {
  for (const auto& row : big_rows()) {
    if (row[kRevenue].empty()) continue;
    const int64_t revenue = fen_of(row[kRevenue]);
    if (!row[kSalesInvoiced].empty()) {
      const int64_t sales = fen_of(row[kSalesInvoiced]);
      EXPECT_LE(sales, revenue);
      EXPECT_GE(sales, revenue * 84 / 100);
    }
    if (!row[kTaxPaid].empty()) {
      const int64_t tax = fen_of(row[kTaxPaid]);
      EXPECT_LE(tax, revenue * 6 / 100 + 1);
      EXPECT_GE(tax, revenue / 100 - 1);
    }
  }
}

TEST(SynthTest, DatesAreValidAndInRange) {
  for (const auto& row : big_rows()) {
    const std::string& date = row[kRegisteredOn];
    if (date.empty()) continue;
    EXPECT_TRUE(is_valid_date(date)) << date;
    // ISO dates compare as strings.
    EXPECT_GE(date, "1995-01-01");
    EXPECT_LE(date, "2023-06-30");
  }
}

TEST(SynthTest, TagsAreKnownAndNotRepeated) {
  const std::set<std::string> known = {"入驻基地",     "专精特新",       "小巨人",
                                       "高新技术企业", "科技型中小企业", "返乡创业"};
  for (const auto& row : big_rows()) {
    if (row[kTags].empty()) continue;
    std::set<std::string> seen;
    for (const std::string& tag : split(row[kTags], ';')) {
      EXPECT_TRUE(known.count(tag)) << row[kTags];
      EXPECT_TRUE(seen.insert(tag).second) << "repeated tag in " << row[kTags];
    }
  }
}

TEST(SynthTest, RegionSharesMakeThePlansBite) {
  const auto& rows = big_rows();
  const double xuyi = share(rows, [](const auto& r) { return r[kRegion] == "320830"; });
  const double chengdu =
      share(rows, [](const auto& r) { return r[kRegion].rfind("5101", 0) == 0; });
  const std::set<std::string> core = {"510104", "510107", "510108", "510116", "510117"};
  const double chengdu_core =
      share(rows, [&](const auto& r) { return core.count(r[kRegion]) > 0; });
  EXPECT_GE(xuyi, 0.25);
  EXPECT_LE(xuyi, 0.35);
  EXPECT_GE(chengdu, 0.30);
  EXPECT_LE(chengdu, 0.40);
  EXPECT_GE(chengdu_core, 0.25);
  EXPECT_LE(chengdu_core, 0.35);
}

TEST(SynthTest, TagSharesAreRealistic) {
  const auto& rows = big_rows();
  std::vector<std::vector<std::string>> xuyi;
  std::vector<std::vector<std::string>> elsewhere;
  for (const auto& row : rows) (row[kRegion] == "320830" ? xuyi : elsewhere).push_back(row);
  const auto tag_share = [](const auto& subset, const char* tag) {
    return share(subset, [tag](const auto& r) { return has_tag(r[kTags], tag); });
  };
  EXPECT_GT(tag_share(xuyi, "入驻基地"), 0.28);
  EXPECT_LT(tag_share(xuyi, "入驻基地"), 0.42);
  EXPECT_LT(tag_share(elsewhere, "入驻基地"), 0.08);
  EXPECT_GT(tag_share(rows, "专精特新"), 0.04);
  EXPECT_LT(tag_share(rows, "专精特新"), 0.08);
  EXPECT_GT(tag_share(rows, "小巨人"), 0.003);
  EXPECT_LT(tag_share(rows, "小巨人"), 0.02);
  EXPECT_GT(tag_share(rows, "科技型中小企业"), 0.12);
  EXPECT_LT(tag_share(rows, "科技型中小企业"), 0.18);
}

TEST(SynthTest, XuyiThresholdsAreReachedByAGoodShare) {
  const auto& rows = big_rows();
  const double tax = share(rows, [](const auto& r) {
    return !r[kTaxPaid].empty() && fen_of(r[kTaxPaid]) >= 200000 * int64_t{100};
  });
  const double sales = share(rows, [](const auto& r) {
    return !r[kSalesInvoiced].empty() && fen_of(r[kSalesInvoiced]) >= 10000000 * int64_t{100};
  });
  EXPECT_GT(tax, 0.10);
  EXPECT_LT(tax, 0.80);
  EXPECT_GT(sales, 0.10);
  EXPECT_LT(sales, 0.60);
}

TEST(SynthTest, RecentStartupsAndRentArePresent) {
  const auto& rows = big_rows();
  // age_years(registered_on) < 3 on 2023-06-30.
  const double young = share(rows, [](const auto& r) {
    return !r[kRegisteredOn].empty() && r[kRegisteredOn] > "2020-06-30";
  });
  const double rent = share(rows, [](const auto& r) { return !r[kRentPaid].empty(); });
  EXPECT_GT(young, 0.10);
  EXPECT_LT(young, 0.20);
  EXPECT_GT(rent, 0.35);
  EXPECT_LT(rent, 0.45);
  for (const auto& row : rows) {
    if (row[kRentPaid].empty()) continue;
    EXPECT_GE(fen_of(row[kRentPaid]), int64_t{20000} * 100);
    EXPECT_LE(fen_of(row[kRentPaid]), int64_t{300000} * 100);
  }
}

TEST(SynthTest, AFewNullsInEachNullableColumn) {
  for (int column : {kEmployees, kRevenue, kAssets, kSalesInvoiced, kTaxPaid, kRegisteredOn}) {
    const double nulls = share(big_rows(), [column](const auto& r) { return r[column].empty(); });
    EXPECT_GT(nulls, 0.001) << "column " << column;
    EXPECT_LT(nulls, 0.015) << "column " << column;
  }
  for (int column : {kId, kName, kRegion, kIndustry}) {
    EXPECT_EQ(share(big_rows(), [column](const auto& r) { return r[column].empty(); }), 0.0);
  }
}

TEST(SynthTest, WriteMatchesString) {
  // Enough rows to cross the writer's flush size more than once.
  const SynthOptions options{60000, 11};
  const std::string path =
      (std::filesystem::temp_directory_path() / "subsidy_synth_test_roster.csv").string();
  const Status status = write_synthetic_roster(options, path);
  ASSERT_TRUE(status.ok()) << status.to_string();
  EXPECT_EQ(read_all(path), synthetic_roster_csv(options));
  std::remove(path.c_str());
}

TEST(SynthTest, UnwritablePathIsAnIoError) {
  const std::string path = "/nonexistent-subsidy-dir/sub/roster.csv";
  const Status status = write_synthetic_roster({10, 1}, path);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
}

TEST(SynthTest, FullDeviceIsAnIoError) {
  // /dev/full accepts the open and fails every write, which exercises the flush and close paths.
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const Status status = write_synthetic_roster({100000, 1}, "/dev/full");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_NE(status.message().find("/dev/full"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace subsidy
