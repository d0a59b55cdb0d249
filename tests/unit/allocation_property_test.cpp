// Property test of allocation (SPEC §6, §7, §8, §11): thousands of random rosters and random plans,
// written as CSV and YAML text and loaded the way a user's files are, then checked against the
// invariants of SPEC §7 and against an independent reference model of the budgets and of every
// scarcity method.
//
// Each case draws a roster (10–200 rows: random ids, regions, money columns with nulls, tags) and a
// plan (1–3 pools with or without a reserve (amount or rate), some split among 2–4 regions by count
// and sum(column); 1–5 programs of every award kind with random caps, min_awards and rounding units
// that satisfy the load rules; own budgets with and without spill; every scarcity method with its
// options; stacking groups). On every case:
//   - Invariant 1: Σ granted over each budget (a pool's shared part, each child, each own budget,
//     each pools.csv row) ≤ the budget, = min(⌊B/u⌋·u, Σ requested) under pro_rata and equal_cap.
//   - Invariant 2: 0 ≤ granted ≤ requested ≤ cap; granted a multiple of its settlement's unit;
//     requested a multiple of the program's unit.
//   - Invariant 3: no line for a row whose eligibility rule is not true (evaluated here,
//     independently, in three-valued logic) or outside a split pool's regions; fixed and rate
//     awards recomputed here line for line; stacking (highest, exclusive, sum_cap) recomputed.
//   - Invariant 4: awards.csv and pools.csv byte-identical for 1, 2 and 4 threads and for the
//     roster's rows shuffled.
//   - Statuses agree with the amounts; every pools.csv row agrees with the sums of its lines;
//     children's budgets add up to their parent's; awards.csv and pools.csv agree with the
//     Allocation they were written from.
//   - A reference model written here from SPEC's text (exact rationals: Boost cpp_rational; the
//     factor-method split; own budgets, spill, shared part; pro_rata and equal_cap by sorting;
//     priority and lottery by their literal walks) gives every line's granted amount and every
//     pools.csv row's budget, requested, granted, remaining and funded.
//
// The master seed is fixed; SUBSIDY_PROPERTY_CASES sets the number of cases (default 1500),
// SUBSIDY_PROPERTY_CASE=<k> runs case k alone (its roster and plan are printed on failure),
// SUBSIDY_PROPERTY_SEED=<n> explores with another master seed, and
// SUBSIDY_PROPERTY_MIXED_SUM_CAP=0 stops generating sum_cap groups over programs of different
// rounding units (where a cut must land on the unit; see AllocationPropertyRegression below).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
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

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

constexpr uint64_t kMasterSeed = 0x5eed2023063000ULL;

// SUBSIDY_PROPERTY_SEED overrides the master seed (for exploring; the suite uses the fixed one).
uint64_t master_seed() {
  static const uint64_t seed = [] {
    const char* text = std::getenv("SUBSIDY_PROPERTY_SEED");
    return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 0) : kMasterSeed;
  }();
  return seed;
}

// ---------------------------------------------------------------------------------------------
// Random helpers

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  int64_t range(int64_t lo, int64_t hi) {  // inclusive
    return std::uniform_int_distribution<int64_t>(lo, hi)(engine_);
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
  template <class T>
  T pick(const std::vector<T>& items) {  // a copy: callers pass temporaries
    return items[static_cast<size_t>(range(0, static_cast<int64_t>(items.size()) - 1))];
  }
  uint64_t bits() { return engine_(); }
  // Log-uniform-ish positive amount in [lo, hi].
  int64_t log_amount(int64_t lo, int64_t hi) {
    const double a = std::log(static_cast<double>(lo));
    const double b = std::log(static_cast<double>(hi));
    const double x = std::exp(std::uniform_real_distribution<double>(a, b)(engine_));
    return std::clamp<int64_t>(static_cast<int64_t>(x), lo, hi);
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string yuan_text(int64_t fen) {
  std::string s = std::to_string(fen / 100);
  const int64_t cents = fen % 100;
  if (cents != 0) s += (cents < 10 ? ".0" : ".") + std::to_string(cents);
  return s;
}

// An amount for a plan: yuan, or 万 when it reads naturally.
std::string amount_text(int64_t fen, Rng& rng) {
  if (fen % 1'000'000 == 0 && fen > 0 && rng.chance(0.5)) return std::to_string(fen / 1'000'000) + "万";
  if (fen % 10'000 == 0 && fen >= 1'000'000 && rng.chance(0.3)) {
    // X.YY万 (10^4 fen = 0.01万)
    const int64_t hundredths = fen / 10'000;
    std::string frac = std::to_string(hundredths % 100);
    if (frac.size() < 2) frac = "0" + frac;
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return std::to_string(hundredths / 100) + (frac.empty() ? "" : "." + frac) + "万";
  }
  return yuan_text(fen);
}

// A rate as text and its nanos: "12.5%", "0.125", "3‰" (with `marked`, never the bare number).
std::pair<std::string, int64_t> rate_text(int64_t hundredths_of_percent, Rng& rng,
                                          bool marked = false) {
  const int64_t nanos = hundredths_of_percent * 100'000;
  int form = static_cast<int>(rng.range(0, 2));
  if (marked && form == 1) form = 0;
  auto decimal = [](int64_t value, int scale_digits) {
    // value / 10^scale_digits as shortest decimal
    int64_t scale = 1;
    for (int k = 0; k < scale_digits; ++k) scale *= 10;
    std::string s = std::to_string(value / scale);
    std::string frac = std::to_string(value % scale);
    while (static_cast<int>(frac.size()) < scale_digits) frac = "0" + frac;
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return frac.empty() ? s : s + "." + frac;
  };
  if (form == 0) return {decimal(hundredths_of_percent, 2) + "%", nanos};
  if (form == 1) return {decimal(hundredths_of_percent, 4), nanos};
  return {decimal(hundredths_of_percent * 10, 2) + "‰", nanos};
}

const std::vector<std::pair<std::string, int64_t>> kUnits{
    {"fen", 1}, {"yuan", 100}, {"hundred", 10'000}, {"thousand", 100'000}, {"wan", 1'000'000}};
const std::vector<std::string> kModes{"half_up", "half_even", "down", "up"};

// ---------------------------------------------------------------------------------------------
// The roster

struct Row {
  std::string id;
  std::string name;
  std::optional<std::string> region;
  std::optional<int64_t> employees;
  std::optional<int64_t> sales;  // fen
  std::optional<int64_t> tax;
  std::optional<int64_t> rent;
  std::optional<std::string> registered;  // YYYY-MM-DD
  std::vector<std::string> tags;
};

const std::vector<std::string> kRegions{"320830", "320831", "320102", "320105",
                                        "510107", "510104", "440305", "330106"};
const std::vector<std::string> kTags{"专精特新", "高新技术企业", "小巨人", "入驻基地"};

std::optional<int64_t> money_cell(Rng& rng, double null_rate, int64_t max_fen) {
  if (rng.chance(null_rate)) return std::nullopt;
  if (rng.chance(0.05)) return 0;
  int64_t fen = rng.log_amount(100, max_fen);
  if (rng.chance(0.5)) fen -= fen % 100;  // whole yuan
  return fen;
}

std::vector<Row> make_rows(Rng& rng) {
  const int n = static_cast<int>(rng.range(10, 200));
  std::vector<Row> rows;
  std::set<std::string> ids;
  const double null_rate = rng.pick(std::vector<double>{0.0, 0.05, 0.15, 0.4});
  while (static_cast<int>(rows.size()) < n) {
    Row row;
    switch (rng.range(0, 4)) {
      case 0: {
        static const char kHex[] = "0123456789ABCDEF";
        row.id = "91320830MA";
        for (int k = 0; k < 6; ++k) row.id += kHex[rng.range(0, 15)];
        break;
      }
      case 1: row.id = "e" + std::to_string(rng.range(0, 999)); break;
      case 2: row.id = std::string(1, static_cast<char>(rng.chance(0.5) ? 'A' + rng.range(0, 25) : 'a' + rng.range(0, 25))) +
                       std::to_string(rng.range(0, 99)); break;
      case 3: row.id = "企业" + std::to_string(rng.range(0, 99)); break;
      default: row.id = std::to_string(rng.range(0, 99999)); break;
    }
    if (!ids.insert(row.id).second) continue;
    const int name_kind = static_cast<int>(rng.range(0, 9));
    row.name = name_kind == 0   ? "盱眙, 科技 " + std::to_string(rows.size())
               : name_kind == 1 ? "\"龙虾\"公司" + std::to_string(rows.size())
                                : "企业名称" + std::to_string(rows.size());
    if (!rng.chance(0.03)) row.region = rng.pick(kRegions);
    if (!rng.chance(null_rate)) row.employees = rng.range(0, 500);
    row.sales = money_cell(rng, null_rate, 50'000'000'00);
    row.tax = money_cell(rng, null_rate, 5'000'000'00);
    row.rent = money_cell(rng, null_rate * 2 + 0.1, 500'000'00);
    if (!rng.chance(null_rate)) {
      char date[16];
      std::snprintf(date, sizeof date, "%04d-%02d-%02d", static_cast<int>(rng.range(2000, 2024)),
                    static_cast<int>(rng.range(1, 12)), static_cast<int>(rng.range(1, 28)));
      row.registered = date;
    }
    for (const std::string& tag : kTags) {
      if (rng.chance(0.3)) row.tags.push_back(tag);
    }
    rows.push_back(std::move(row));
  }
  // Every extra column holds at least one value, so that its type is inferred as money.
  if (std::none_of(rows.begin(), rows.end(), [](const Row& r) { return r.rent.has_value(); })) {
    rows[0].rent = 123456;
  }
  return rows;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string roster_csv(const std::vector<Row>& rows, const std::vector<size_t>& order) {
  std::string csv = "id,name,region,employees,sales_invoiced,tax_paid,rent_paid,registered_on,tags\n";
  auto money = [](const std::optional<int64_t>& v) { return v ? yuan_text(*v) : std::string(); };
  for (const size_t k : order) {
    const Row& r = rows[k];
    std::string tags;
    for (const std::string& t : r.tags) tags += (tags.empty() ? "" : ";") + t;
    csv += csv_field(r.id) + "," + csv_field(r.name) + "," + r.region.value_or("") + "," +
           (r.employees ? std::to_string(*r.employees) : "") + "," + money(r.sales) + "," +
           money(r.tax) + "," + money(r.rent) + "," + r.registered.value_or("") + "," + tags + "\n";
  }
  return csv;
}

// ---------------------------------------------------------------------------------------------
// Eligibility rules, generated and evaluated here in three-valued logic

enum class Tri { kFalse, kTrue, kUnknown };

Tri tri_and(Tri a, Tri b) {
  if (a == Tri::kFalse || b == Tri::kFalse) return Tri::kFalse;
  if (a == Tri::kUnknown || b == Tri::kUnknown) return Tri::kUnknown;
  return Tri::kTrue;
}
Tri tri_or(Tri a, Tri b) {
  if (a == Tri::kTrue || b == Tri::kTrue) return Tri::kTrue;
  if (a == Tri::kUnknown || b == Tri::kUnknown) return Tri::kUnknown;
  return Tri::kFalse;
}
Tri tri_not(Tri a) { return a == Tri::kUnknown ? a : (a == Tri::kTrue ? Tri::kFalse : Tri::kTrue); }
Tri tri_of(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

struct Cond {
  enum Kind { kTaxAtLeast, kSalesBelow, kEmployeesBetween, kRegionWithin, kHasTag, kRentPositive,
              kRegionIs, kTrue, kAnd, kOr, kNot } kind = kTrue;
  int64_t a = 0;
  int64_t b = 0;
  std::string text_arg;
  std::vector<Cond> children;

  std::string text() const {
    switch (kind) {
      case kTaxAtLeast: return "tax_paid >= " + yuan_text(a);
      case kSalesBelow: return "sales_invoiced < " + yuan_text(a);
      case kEmployeesBetween: return "employees between " + std::to_string(a) + " and " + std::to_string(b);
      case kRegionWithin: return "region within \"" + text_arg + "\"";
      case kHasTag: return "has_tag(\"" + text_arg + "\")";
      case kRentPositive: return "rent_paid > 0";
      case kRegionIs: return "region == \"" + text_arg + "\"";
      case kTrue: return "true";
      case kAnd: return "(" + children[0].text() + " and " + children[1].text() + ")";
      case kOr: return "(" + children[0].text() + " or " + children[1].text() + ")";
      case kNot: return "not (" + children[0].text() + ")";
    }
    return "true";
  }

  Tri eval(const Row& r) const {
    switch (kind) {
      case kTaxAtLeast: return r.tax ? tri_of(*r.tax >= a) : Tri::kUnknown;
      case kSalesBelow: return r.sales ? tri_of(*r.sales < a) : Tri::kUnknown;
      case kEmployeesBetween:
        return r.employees ? tri_of(*r.employees >= a && *r.employees <= b) : Tri::kUnknown;
      case kRegionWithin: return r.region ? tri_of(r.region->starts_with(text_arg)) : Tri::kUnknown;
      case kHasTag:
        return tri_of(std::find(r.tags.begin(), r.tags.end(), text_arg) != r.tags.end());
      case kRentPositive: return r.rent ? tri_of(*r.rent > 0) : Tri::kUnknown;
      case kRegionIs: return r.region ? tri_of(*r.region == text_arg) : Tri::kUnknown;
      case kTrue: return Tri::kTrue;
      case kAnd: return tri_and(children[0].eval(r), children[1].eval(r));
      case kOr: return tri_or(children[0].eval(r), children[1].eval(r));
      case kNot: return tri_not(children[0].eval(r));
    }
    return Tri::kUnknown;
  }
};

Cond make_atom(Rng& rng) {
  Cond c;
  switch (rng.range(0, 7)) {
    case 0: c.kind = Cond::kTaxAtLeast; c.a = rng.log_amount(100, 100'000'00) / 100 * 100; break;
    case 1: c.kind = Cond::kSalesBelow; c.a = rng.log_amount(100, 1'000'000'00) / 100 * 100; break;
    case 2:
      c.kind = Cond::kEmployeesBetween;
      c.a = rng.range(0, 100);
      c.b = c.a + rng.range(0, 400);
      break;
    case 3:
      c.kind = Cond::kRegionWithin;
      c.text_arg = rng.pick(std::vector<std::string>{"3208", "3201", "5101", "32", "440305"});
      break;
    case 4: c.kind = Cond::kHasTag; c.text_arg = rng.pick(kTags); break;
    case 5: c.kind = Cond::kRentPositive; break;
    case 6: c.kind = Cond::kRegionIs; c.text_arg = rng.pick(kRegions); break;
    default: c.kind = Cond::kTrue; break;
  }
  return c;
}

Cond make_cond(Rng& rng, int depth = 0) {
  const int64_t roll = rng.range(0, 9);
  if (depth >= 2 || roll < 4) return make_atom(rng);
  Cond c;
  if (roll < 7) {
    c.kind = Cond::kAnd;
  } else if (roll < 9) {
    c.kind = Cond::kOr;
  } else {
    c.kind = Cond::kNot;
    c.children.push_back(make_cond(rng, depth + 1));
    return c;
  }
  c.children.push_back(make_cond(rng, depth + 1));
  c.children.push_back(make_cond(rng, depth + 1));
  return c;
}

// ---------------------------------------------------------------------------------------------
// The plan, generated as a model and written as YAML

struct GenScarcity {
  ScarcityMethod method = ScarcityMethod::kProRata;
  bool written = false;  // false: left out (pro_rata)
  std::vector<std::pair<std::string, bool>> rank_by;  // (key name, descending)
  std::string rank_text;                              // as written
  bool partial = false;
  bool skip = false;
  std::optional<int64_t> max_funded;
  std::optional<uint64_t> seed;
};

struct GenFactor {
  std::string weight_text;
  int64_t weight_nanos = 0;
  std::string column;  // "" = count
};

struct GenPool {
  std::string id;
  int64_t received = 0;
  int reserve_kind = 0;  // 0 none, 1 amount, 2 rate
  int64_t reserve_amount = 0;
  std::string reserve_text;
  int64_t reserve_nanos = 0;
  bool own_round = false;
  int64_t unit = 1;
  std::string unit_name = "fen";
  std::string mode = "half_up";
  GenScarcity scarcity;
  bool split = false;
  std::vector<std::string> regions;
  std::vector<GenFactor> factors;

  int64_t reserve_fen() const {
    if (reserve_kind == 1) return reserve_amount;
    if (reserve_kind == 2) {
      // received × rate, half-up to the fen (amounts and rates are non-negative).
      const cpp_int num = cpp_int(received) * reserve_nanos;
      const cpp_int q = num / 1'000'000'000;
      const cpp_int r = num % 1'000'000'000;
      return static_cast<int64_t>(r * 2 >= 1'000'000'000 ? q + 1 : q);
    }
    return 0;
  }
  int64_t budget() const { return received - reserve_fen(); }
};

enum class Kind { kFixed, kRate, kTiers, kBrackets, kTable, kFormula };

struct GenProgram {
  std::string id;
  size_t pool = 0;
  int group = -1;
  Cond eligible;
  Kind kind = Kind::kFixed;
  std::string award_text;
  int64_t fixed = 0;        // fixed
  int64_t rate_nanos = 0;   // rate (of tax_paid)
  std::optional<int64_t> cap;
  std::optional<int64_t> min_award;
  bool own_round = false;
  int64_t unit = 1;
  std::string mode = "half_up";
  std::optional<int64_t> budget;
  GenScarcity scarcity;  // own budget only
  bool spill = false;
};

struct GenStacking {
  std::string group;
  StackingRule rule = StackingRule::kHighest;
  int64_t cap = 0;
};

struct GenPlan {
  std::string as_of;  // YYYY-MM-DD
  int64_t plan_unit = 1;
  std::string plan_unit_name = "fen";
  std::string plan_mode = "half_up";
  std::vector<GenPool> pools;
  std::vector<GenProgram> programs;
  std::vector<GenStacking> stacking;
  std::string yaml;
  // Load rules the plan breaks on purpose (the reader must refuse it), and run-time errors due.
  bool expect_load_error = false;
  bool expect_run_error = false;

  uint64_t as_of_seed() const {
    return std::stoull(as_of.substr(0, 4) + as_of.substr(5, 2) + as_of.substr(8, 2));
  }
};

bool mixed_sum_cap() {
  static const bool on = [] {
    const char* text = std::getenv("SUBSIDY_PROPERTY_MIXED_SUM_CAP");
    return text == nullptr || std::string_view(text) != "0";
  }();
  return on;
}

const std::vector<std::string> kRankKeys{"tax_paid", "employees", "registered_on",
                                         "sales_invoiced + tax_paid", "rent_paid"};

GenScarcity make_scarcity(Rng& rng) {
  GenScarcity s;
  const int64_t roll = rng.range(0, 9);
  s.method = roll < 3   ? ScarcityMethod::kProRata
             : roll < 5 ? ScarcityMethod::kEqualCap
             : roll < 8 ? ScarcityMethod::kPriority
                        : ScarcityMethod::kLottery;
  s.written = s.method != ScarcityMethod::kProRata || rng.chance(0.5);
  if (s.method == ScarcityMethod::kPriority || s.method == ScarcityMethod::kLottery) {
    if (s.method == ScarcityMethod::kPriority) {
      const int keys = static_cast<int>(rng.range(0, 2));
      for (int k = 0; k < keys; ++k) {
        const std::string& key = rng.pick(kRankKeys);
        const int dir = static_cast<int>(rng.range(0, 2));  // 0 none, 1 asc, 2 desc
        s.rank_by.emplace_back(key, dir == 2);
        s.rank_text += std::string(k == 0 ? "" : ", ") + "\"" + key +
                       (dir == 0 ? "" : dir == 1 ? " asc" : " desc") + "\"";
      }
    }
    const int64_t mode = rng.range(0, 2);
    s.partial = mode == 1;
    s.skip = mode == 2;
    if (rng.chance(0.3)) s.max_funded = rng.range(1, 20);
    if (s.method == ScarcityMethod::kLottery && rng.chance(0.6)) {
      s.seed = rng.pick(std::vector<uint64_t>{0, 1, 42, 20230630, UINT64_MAX, rng.bits()});
    }
  }
  return s;
}

std::string scarcity_yaml(const GenScarcity& s) {
  const std::string name(scarcity_method_name(s.method));
  const bool ordered = s.method == ScarcityMethod::kPriority || s.method == ScarcityMethod::kLottery;
  if (!ordered) return name;
  std::string out = "{method: " + name;
  if (!s.rank_by.empty()) out += ", rank_by: [" + s.rank_text + "]";
  if (s.partial) out += ", partial: true";
  if (s.skip) out += ", skip: true";
  if (!s.partial && !s.skip && s.method == ScarcityMethod::kPriority) out += ", partial: false";
  if (s.max_funded) out += ", max_funded: " + std::to_string(*s.max_funded);
  if (s.seed) out += ", seed: " + std::to_string(*s.seed);
  return out + "}";
}

const std::vector<std::string> kFormulas{
    "rent_paid * 0.5",
    "min(rent_paid * 20%, 20万)",
    "employees * 150",
    "max(tax_paid - 100000, 0) * 0.3",
    "if(has_tag(\"小巨人\"), 50000, 8000)",
    "tax_paid / 7",
    "sales_invoiced * 0.002 + tax_paid * 0.05",
};

std::string make_award(GenProgram& p, Rng& rng) {
  const int64_t roll = rng.range(0, 5);
  p.kind = static_cast<Kind>(roll);
  auto amount = [&](int64_t lo, int64_t hi) { return rng.log_amount(lo, hi); };
  switch (p.kind) {
    case Kind::kFixed:
      p.fixed = amount(1, 100'000'00);
      if (rng.chance(0.5)) p.fixed -= p.fixed % 100;
      if (p.fixed == 0) p.fixed = 100;
      return "{fixed: " + amount_text(p.fixed, rng) + "}";
    case Kind::kRate: {
      auto [text, nanos] = rate_text(rng.range(1, 4000), rng);
      p.rate_nanos = nanos;
      return "{rate: " + text + ", of: tax_paid}";
    }
    case Kind::kTiers:
    case Kind::kBrackets: {
      const bool brackets = p.kind == Kind::kBrackets;
      const std::string base = rng.chance(0.5) ? "tax_paid" : "sales_invoiced";
      std::string out = std::string("{") + (brackets ? "brackets" : "tiers") + ": {base: " + base + ", bands: [";
      int64_t from = rng.chance(0.3) ? 0 : amount(100, 10'000'00);
      const int bands = static_cast<int>(rng.range(1, 4));
      for (int b = 0; b < bands; ++b) {
        if (b > 0) out += ", ";
        out += "{from: " + amount_text(from, rng);
        if (brackets || rng.chance(0.4)) {
          out += ", rate: " + rate_text(rng.range(1, 2000), rng).first;
        } else {
          out += ", award: " + amount_text(amount(100, 50'000'00), rng);
        }
        out += "}";
        from += amount(100, 100'000'00);
      }
      return out + "]}}";
    }
    case Kind::kTable: {
      const int hit = static_cast<int>(rng.range(0, 3));
      static const char* kHits[] = {"first", "unique", "collect_sum", "collect_max"};
      std::string out = std::string("{table: {hit: ") + kHits[hit] + ", rows: [";
      std::vector<std::string> whens;
      if (hit == 1) {  // unique: exclusive conditions
        const int64_t x = amount(100, 10'000'00) / 100 * 100;
        whens = {"tax_paid < " + yuan_text(x), "tax_paid >= " + yuan_text(x)};
      } else {
        const int rows = static_cast<int>(rng.range(1, 3));
        for (int k = 0; k < rows; ++k) whens.push_back(make_cond(rng, 1).text());
      }
      for (size_t k = 0; k < whens.size(); ++k) {
        if (k > 0) out += ", ";
        out += "{when: '" + whens[k] + "', ";
        if (rng.chance(0.5)) {
          out += "award: " + amount_text(amount(100, 50'000'00), rng);
        } else {
          out += "rate: " + rate_text(rng.range(1, 3000), rng).first + ", of: tax_paid";
        }
        out += "}";
      }
      return out + "]}}";
    }
    case Kind::kFormula: return "{formula: '" + rng.pick(kFormulas) + "'}";
  }
  return "{fixed: 1}";
}

// Units (fen) at least `floor` and dividing into... every unit is a power of ten, so "a multiple
// of" is "at least".
std::pair<std::string, int64_t> unit_at_least(int64_t floor, Rng& rng) {
  std::vector<std::pair<std::string, int64_t>> ok;
  for (const auto& u : kUnits) {
    if (u.second >= floor) ok.push_back(u);
  }
  // Favour the smaller units: large ones round many awards to 0.
  const size_t k = static_cast<size_t>(std::min<int64_t>(rng.range(0, 2), rng.range(0, static_cast<int64_t>(ok.size()) - 1)));
  return ok[k];
}

int64_t round_up_to(int64_t fen, int64_t unit) { return (fen + unit - 1) / unit * unit; }

GenPlan make_plan(const std::vector<Row>& rows, Rng& rng) {
  GenPlan plan;
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", static_cast<int>(rng.range(2021, 2024)),
                static_cast<int>(rng.range(1, 12)), static_cast<int>(rng.range(1, 28)));
  plan.as_of = date;
  const auto& plan_unit = rng.pick(std::vector<std::pair<std::string, int64_t>>{
      {"fen", 1}, {"fen", 1}, {"yuan", 100}, {"yuan", 100}, {"hundred", 10'000}});
  plan.plan_unit = plan_unit.second;
  plan.plan_unit_name = plan_unit.first;
  plan.plan_mode = rng.pick(kModes);
  const int64_t demand = static_cast<int64_t>(rows.size()) * 20'000'00;  // a rough scale, fen

  const int pools = static_cast<int>(rng.range(1, 3));
  for (int k = 0; k < pools; ++k) {
    GenPool pool;
    pool.id = "pool-" + std::to_string(k);
    pool.unit = plan.plan_unit;
    pool.unit_name = plan.plan_unit_name;
    pool.mode = plan.plan_mode;
    if (rng.chance(0.4)) {
      pool.own_round = true;
      const auto& u = rng.pick(std::vector<std::pair<std::string, int64_t>>{
          {"fen", 1}, {"yuan", 100}, {"hundred", 10'000}, {"thousand", 100'000}});
      pool.unit = u.second;
      pool.unit_name = u.first;
      pool.mode = rng.pick(kModes);
    }
    pool.split = rng.chance(0.3);
    const int64_t granularity = pool.split && rng.chance(0.9)
                                    ? std::max<int64_t>(pool.unit, rng.pick(std::vector<int64_t>{1, 100, 10'000, 1'000'000}))
                                    : rng.pick(std::vector<int64_t>{1, 100, 10'000, 1'000'000});
    pool.received = rng.log_amount(std::max<int64_t>(granularity, demand / 500), demand * 3);
    pool.received = std::max<int64_t>(granularity, pool.received / granularity * granularity);
    if (rng.chance(0.03)) pool.received = 0;
    const int64_t reserve_roll = rng.range(0, 3);
    if (reserve_roll == 1) {
      pool.reserve_kind = 1;
      pool.reserve_amount = pool.received * rng.range(0, 30) / 100 / granularity * granularity;
      pool.reserve_text = amount_text(pool.reserve_amount, rng);
    } else if (reserve_roll == 2) {
      pool.reserve_kind = 2;
      auto [text, nanos] = rate_text(rng.range(0, 2000), rng, /*marked=*/true);
      pool.reserve_text = text;
      pool.reserve_nanos = nanos;
    }
    pool.scarcity = make_scarcity(rng);
    if (pool.split) {
      // 2–4 regions without a common prefix; now and then one with no enterprise at all.
      std::vector<std::string> candidates{"320830", "320831", "3201", "5101", "440305", "330106"};
      if (rng.chance(0.05)) candidates.push_back("999999");
      std::shuffle(candidates.begin(), candidates.end(), rng.engine());
      const int count = static_cast<int>(rng.range(2, 4));
      pool.regions.assign(candidates.begin(), candidates.begin() + count);
      static const std::vector<std::vector<std::string>> kWeights{
          {"100%"}, {"1"}, {"40%", "60%"}, {"0.25", "75%"}, {"20%", "30%", "50%"},
          {"33.3333333%", "33.3333333%", "33.3333334%"}, {"40%", "30%", "30%"}};
      const std::vector<std::string>& weights = rng.pick(kWeights);
      for (const std::string& w : weights) {
        GenFactor f;
        f.weight_text = w;
        f.weight_nanos = parse_rate(w)->nanos();
        f.column = rng.pick(std::vector<std::string>{"", "", "tax_paid", "sales_invoiced", "rent_paid", "employees"});
        pool.factors.push_back(f);
      }
      if (pool.budget() % pool.unit != 0) plan.expect_load_error = true;
    }
    plan.pools.push_back(pool);
  }

  const int programs = static_cast<int>(rng.range(1, 5));
  for (int k = 0; k < programs; ++k) {
    GenProgram p;
    p.id = "prog-" + std::to_string(k);
    p.pool = static_cast<size_t>(rng.range(0, pools - 1));
    const GenPool& pool = plan.pools[p.pool];
    p.eligible = make_cond(rng);
    p.award_text = make_award(p, rng);
    p.unit = plan.plan_unit;
    p.mode = plan.plan_mode;
    if (plan.plan_unit < pool.unit || rng.chance(0.5)) {
      p.own_round = true;
      const auto u = unit_at_least(pool.unit, rng);
      p.unit = u.second;
      p.mode = rng.pick(kModes);
    }
    if (rng.chance(0.5)) p.cap = round_up_to(rng.log_amount(100, 100'000'00), p.unit);
    if (rng.chance(0.3)) p.min_award = round_up_to(rng.log_amount(100, 20'000'00), p.unit);
    if (rng.chance(0.35)) p.group = static_cast<int>(rng.range(0, 2));
    if (!pool.split && rng.chance(0.4)) {
      p.budget = rng.log_amount(1, std::max<int64_t>(2, pool.budget() / 2 + 1));
      if (rng.chance(0.3)) p.budget = *p.budget - *p.budget % 100;
      if (rng.chance(0.75)) {
        p.scarcity = make_scarcity(rng);
        p.scarcity.written = true;
      }
      p.spill = rng.chance(0.5);
    }
    plan.programs.push_back(std::move(p));
  }
  // Now and then, own budgets beyond the pool's (a load error).
  for (size_t pi = 0; pi < plan.pools.size(); ++pi) {
    int64_t carved = 0;
    for (const GenProgram& p : plan.programs) {
      if (p.pool == pi && p.budget) carved += *p.budget;
    }
    if (carved > plan.pools[pi].budget()) plan.expect_load_error = true;
  }
  if (rng.chance(0.02)) {
    for (GenProgram& p : plan.programs) {
      if (!p.budget) continue;
      p.budget = plan.pools[p.pool].budget() + 1;
      plan.expect_load_error = true;
      break;
    }
  }
  for (int g = 0; g < 3; ++g) {
    int64_t max_unit = 0;
    int64_t min_unit = INT64_MAX;
    for (const GenProgram& p : plan.programs) {
      if (p.group != g) continue;
      max_unit = std::max(max_unit, p.unit);
      min_unit = std::min(min_unit, p.unit);
    }
    if (max_unit == 0) continue;
    GenStacking s;
    s.group = "group-" + std::to_string(g);
    s.rule = static_cast<StackingRule>(rng.range(0, 2));
    // A sum_cap over programs of different rounding units must cut to a multiple of the unit
    // (AllocationPropertyRegression.SumCapCut...); SUBSIDY_PROPERTY_MIXED_SUM_CAP=0 avoids them.
    if (s.rule == StackingRule::kSumCap && min_unit != max_unit && !mixed_sum_cap()) {
      s.rule = StackingRule::kHighest;
    }
    if (s.rule == StackingRule::kSumCap) s.cap = round_up_to(rng.log_amount(100, 100'000'00), max_unit);
    plan.stacking.push_back(s);
  }

  // The YAML text.
  std::string y = "format: 1\nplan: property\nas_of: " + plan.as_of + "\n";
  if (plan.plan_unit != 1 || plan.plan_mode != "half_up" || rng.chance(0.5)) {
    y += "round: {unit: " + plan.plan_unit_name + ", mode: " + plan.plan_mode + "}\n";
  }
  y += "pools:\n";
  for (const GenPool& pool : plan.pools) {
    y += "  - id: " + pool.id + "\n    name: 资金池 " + pool.id + "\n    level: " +
         rng.pick(std::vector<std::string>{"central", "provincial", "municipal", "county"}) +
         "\n    received: " + amount_text(pool.received, rng) + "\n";
    if (pool.reserve_kind != 0) y += "    reserve: " + pool.reserve_text + "\n";
    if (pool.own_round) y += "    round: {unit: " + pool.unit_name + ", mode: " + pool.mode + "}\n";
    if (pool.scarcity.written) y += "    scarcity: " + scarcity_yaml(pool.scarcity) + "\n";
    if (pool.split) {
      y += "    split:\n      by: region\n      regions: [";
      for (size_t r = 0; r < pool.regions.size(); ++r) y += (r ? ", \"" : "\"") + pool.regions[r] + "\"";
      y += "]\n      factors:\n";
      for (const GenFactor& f : pool.factors) {
        y += "        - {weight: " + f.weight_text + ", measure: " +
             (f.column.empty() ? std::string("count") : "sum(" + f.column + ")") + "}\n";
      }
    }
  }
  y += "programs:\n";
  for (const GenProgram& p : plan.programs) {
    y += "  - id: " + p.id + "\n    pool: " + plan.pools[p.pool].id + "\n    eligible: '" +
         p.eligible.text() + "'\n    award: " + p.award_text + "\n";
    if (p.group >= 0) y += "    group: group-" + std::to_string(p.group) + "\n";
    if (p.cap) y += "    cap: " + amount_text(*p.cap, rng) + "\n";
    if (p.min_award) y += "    min_award: " + amount_text(*p.min_award, rng) + "\n";
    if (p.own_round) {
      std::string name;
      for (const auto& u : kUnits) {
        if (u.second == p.unit) name = u.first;
      }
      y += "    round: {unit: " + name + ", mode: " + p.mode + "}\n";
    }
    if (p.budget) y += "    budget: " + amount_text(*p.budget, rng) + "\n";
    if (p.budget && p.scarcity.written) y += "    scarcity: " + scarcity_yaml(p.scarcity) + "\n";
    if (p.spill) y += "    spill: true\n";
  }
  if (!plan.stacking.empty()) {
    y += "stacking:\n";
    for (const GenStacking& s : plan.stacking) {
      y += "  - {group: " + s.group + ", rule: " + std::string(stacking_rule_name(s.rule));
      if (s.rule == StackingRule::kSumCap) y += ", cap: " + amount_text(s.cap, rng);
      y += "}\n";
    }
  }
  plan.yaml = y;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The reference model

// The first listed region a row's region falls within, or -1.
int region_index(const Row& row, const std::vector<std::string>& regions) {
  if (!row.region) return -1;
  for (size_t r = 0; r < regions.size(); ++r) {
    if (row.region->starts_with(regions[r])) return static_cast<int>(r);
  }
  return -1;
}

cpp_int floor_of(const cpp_rational& q) {
  // numerator / denominator rounded toward −∞ (denominators are positive).
  const cpp_int n = boost::multiprecision::numerator(q);
  const cpp_int d = boost::multiprecision::denominator(q);
  cpp_int f = n / d;
  if (n % d != 0 && n < 0) f -= 1;
  return f;
}

// The factor method: child budgets, or nullopt when a factor's total is 0 (a run-time error).
std::optional<std::vector<int64_t>> reference_split(const GenPool& pool, const std::vector<Row>& rows) {
  const size_t regions = pool.regions.size();
  std::vector<cpp_rational> share(regions, cpp_rational(0));
  for (const GenFactor& f : pool.factors) {
    std::vector<cpp_int> measure(regions, cpp_int(0));
    cpp_int total = 0;
    for (const Row& row : rows) {
      const int r = region_index(row, pool.regions);
      if (r < 0) continue;
      std::optional<int64_t> v;
      if (f.column.empty()) v = 1;
      else if (f.column == "tax_paid") v = row.tax;
      else if (f.column == "sales_invoiced") v = row.sales;
      else if (f.column == "rent_paid") v = row.rent;
      else if (f.column == "employees") v = row.employees;
      measure[r] += v.value_or(0);
      total += v.value_or(0);
    }
    if (total == 0) return std::nullopt;
    for (size_t r = 0; r < regions; ++r) {
      share[r] += cpp_rational(f.weight_nanos, 1'000'000'000) * cpp_rational(measure[r], total);
    }
  }
  const int64_t budget = pool.budget();
  const int64_t u = pool.unit;
  std::vector<int64_t> parts(regions);
  std::vector<cpp_rational> remainder(regions);
  int64_t given = 0;
  for (size_t r = 0; r < regions; ++r) {
    const cpp_rational q = share[r] * budget;
    parts[r] = static_cast<int64_t>(floor_of(q / u) * u);
    remainder[r] = q - parts[r];
    given += parts[r];
  }
  std::vector<size_t> order(regions);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  const int64_t extra = (budget - given) / u;
  for (int64_t k = 0; k < extra; ++k) parts[order[static_cast<size_t>(k)]] += u;
  return parts;
}

struct RefLine {
  int64_t requested = 0;
  std::string id;
  int32_t program = 0;
  std::vector<std::optional<int64_t>> keys;  // rank_by values
};

bool id_less(const RefLine& a, const RefLine& b) {
  if (a.id != b.id) return a.id < b.id;  // std::string compares bytes as unsigned char
  return a.program < b.program;
}

// Largest remainder from the exact shares q.
std::vector<int64_t> hamilton(const std::vector<RefLine>& lines, const std::vector<cpp_rational>& q,
                              int64_t budget, int64_t u) {
  const size_t n = lines.size();
  std::vector<int64_t> granted(n);
  std::vector<cpp_rational> remainder(n);
  int64_t given = 0;
  for (size_t k = 0; k < n; ++k) {
    granted[k] = static_cast<int64_t>(floor_of(q[k] / u) * u);
    remainder[k] = q[k] - granted[k];
    given += granted[k];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
    return id_less(lines[a], lines[b]);
  });
  const int64_t extra = (budget - given) / u;
  for (int64_t k = 0; k < extra; ++k) granted[order[static_cast<size_t>(k)]] += u;
  return granted;
}

std::vector<int64_t> reference_settle(const std::vector<RefLine>& lines, int64_t raw_budget,
                                      int64_t u, const GenScarcity& s, uint64_t default_seed) {
  const int64_t budget = raw_budget / u * u;
  const size_t n = lines.size();
  int64_t total = 0;
  for (const RefLine& l : lines) total += l.requested;
  std::vector<int64_t> granted(n, 0);
  if (s.method == ScarcityMethod::kProRata || s.method == ScarcityMethod::kEqualCap) {
    if (total <= budget) {
      for (size_t k = 0; k < n; ++k) granted[k] = lines[k].requested;
      return granted;
    }
    std::vector<cpp_rational> q(n);
    if (s.method == ScarcityMethod::kProRata) {
      for (size_t k = 0; k < n; ++k) q[k] = cpp_rational(cpp_int(lines[k].requested) * budget, total);
    } else {
      // λ: Σ min(req_i, λ) = B. Requests ascending r_0 ≤ … ≤ r_{n−1}; the first k with
      // (B − Σ_{j<k} r_j) / (n − k) ≤ r_k.
      std::vector<int64_t> sorted;
      for (const RefLine& l : lines) sorted.push_back(l.requested);
      std::sort(sorted.begin(), sorted.end());
      cpp_rational lambda = -1;
      int64_t below = 0;
      for (size_t k = 0; k < n; ++k) {
        const cpp_rational level(cpp_int(budget - below), cpp_int(n - k));
        if (level <= sorted[k]) {
          lambda = level;
          break;
        }
        below += sorted[k];
      }
      cpp_rational check = 0;
      for (size_t k = 0; k < n; ++k) {
        q[k] = std::min(cpp_rational(lines[k].requested), lambda);
        check += q[k];
      }
      if (check != budget) ADD_FAILURE() << "reference λ is wrong";
    }
    return hamilton(lines, q, budget, u);
  }
  // priority / lottery: the order, then the walk.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  if (s.method == ScarcityMethod::kPriority) {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      for (size_t key = 0; key < s.rank_by.size(); ++key) {
        const std::optional<int64_t>& x = lines[a].keys[key];
        const std::optional<int64_t>& y = lines[b].keys[key];
        if (x.has_value() != y.has_value()) return x.has_value();  // nulls last
        if (!x || *x == *y) continue;
        return s.rank_by[key].second ? *x > *y : *x < *y;
      }
      return id_less(lines[a], lines[b]);
    });
  } else {
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return id_less(lines[a], lines[b]); });
    uint64_t state = s.seed.value_or(default_seed);
    auto next = [&]() {
      state += 0x9E3779B97F4A7C15ULL;
      uint64_t z = state;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      return z ^ (z >> 31);
    };
    for (size_t i = n; i-- > 1;) {
      const uint64_t j = next() % (static_cast<uint64_t>(i) + 1);
      std::swap(order[i], order[j]);
    }
  }
  int64_t left = budget;
  int64_t funded = 0;
  for (const size_t k : order) {
    if (s.max_funded && funded >= *s.max_funded) break;
    if (lines[k].requested <= left) {
      granted[k] = lines[k].requested;
      left -= lines[k].requested;
      ++funded;
    } else if (s.partial) {
      granted[k] = left / u * u;
      break;
    } else if (!s.skip) {
      break;
    }
  }
  return granted;
}

std::optional<int64_t> rank_key(const Row& row, const std::string& key) {
  if (key == "tax_paid") return row.tax;
  if (key == "employees") return row.employees;
  if (key == "rent_paid") return row.rent;
  if (key == "registered_on") {
    if (!row.registered) return std::nullopt;
    std::string digits = *row.registered;
    digits.erase(std::remove(digits.begin(), digits.end(), '-'), digits.end());
    return std::stoll(digits);
  }
  if (key == "sales_invoiced + tax_paid") {
    if (!row.sales || !row.tax) return std::nullopt;
    return *row.sales + *row.tax;
  }
  ADD_FAILURE() << "unknown rank key " << key;
  return std::nullopt;
}

// Rounds the positive exact value v (fen) to a multiple of u by `mode`.
int64_t round_exact(const cpp_rational& v, int64_t u, const std::string& mode) {
  const cpp_rational x = v / u;
  const cpp_int fl = floor_of(x);
  const cpp_rational frac = x - cpp_rational(fl);
  cpp_int r = fl;
  if (mode == "up") {
    if (frac > 0) r += 1;
  } else if (mode == "half_up") {
    if (frac >= cpp_rational(1, 2)) r += 1;
  } else if (mode == "half_even") {
    if (frac > cpp_rational(1, 2) || (frac == cpp_rational(1, 2) && fl % 2 != 0)) r += 1;
  }
  return static_cast<int64_t>(r * u);
}

std::string ratio_text(int64_t num, int64_t den) {
  if (den == 0) return "";
  const cpp_rational x = cpp_rational(cpp_int(num) * 1'000'000, den);
  const cpp_int m = floor_of(x + cpp_rational(1, 2));  // half-up for non-negative values
  std::string frac = cpp_int(m % 1'000'000).str();
  while (frac.size() < 6) frac = "0" + frac;
  return cpp_int(m / 1'000'000).str() + "." + frac;
}

// ---------------------------------------------------------------------------------------------
// One case

struct Stats {
  int cases = 0;
  int load_refused = 0;      // plans breaking a load rule on purpose (refused, as they must be)
  int run_refused = 0;       // split factors with a total of 0 (refused at run time)
  int checked = 0;
  int64_t lines = 0;
  int64_t settlements = 0;
  int64_t scarce = 0;        // settlements with Σ requested > ⌊B/u⌋·u
  std::map<std::string, int64_t> by_method;
  int64_t stacked_out = 0;
  int64_t dropped = 0;
  int64_t split_pools = 0;
  int64_t own_budgets = 0;
  int failed = 0;
};

class CaseChecker {
 public:
  template <class... Args>
  void fail(const std::string& category, const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    if (failures_.size() < 12) failures_.push_back("[" + category + "] " + out.str());
    categories_.insert(category);
  }
  bool ok() const { return failures_.empty(); }
  const std::vector<std::string>& failures() const { return failures_; }
  const std::set<std::string>& categories() const { return categories_; }

 private:
  std::vector<std::string> failures_;
  std::set<std::string> categories_;
};

std::string line_name(const GenPlan& plan, const std::vector<Row>& rows, size_t p, RowIndex row) {
  return plan.programs[p].id + "/" + rows[static_cast<size_t>(row)].id;
}

// Runs one case; `check` collects what failed, by category.
void run_case(int index, Stats& stats, CaseChecker& check, std::string* yaml_out, std::string* csv_out) {
  Rng rng(master_seed() ^ (static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ULL));
  const std::vector<Row> rows = make_rows(rng);
  GenPlan gen = make_plan(rows, rng);
  std::vector<size_t> identity(rows.size());
  std::iota(identity.begin(), identity.end(), size_t{0});
  const std::string csv = roster_csv(rows, identity);
  *yaml_out = gen.yaml;
  *csv_out = csv;
  ++stats.cases;

  Result<Plan> plan = parse_plan(gen.yaml, "property.yaml");
  if (gen.expect_load_error) {
    if (plan.ok()) {
      check.fail("load", "the plan breaks a load rule but loaded");
    } else if (plan.status().message().find("is not a multiple of the rounding unit") == std::string::npos &&
               plan.status().message().find("own budgets add up to") == std::string::npos) {
      check.fail("load", "refused for another reason than the rule it breaks: ", plan.status().message());
    }
    ++stats.load_refused;
    return;
  }
  if (!plan.ok()) {
    check.fail("load", "plan did not load: ", plan.status().message());
    return;
  }
  Result<Roster> roster = parse_roster_csv(csv);
  if (!roster.ok()) {
    check.fail("roster", "roster did not load: ", roster.status().message());
    return;
  }
  if (roster->num_rows() != static_cast<RowIndex>(rows.size())) {
    check.fail("roster", "row count");
    return;
  }
  // Split budgets by the reference; a factor whose total is 0 must be refused at run time.
  std::vector<std::optional<std::vector<int64_t>>> child_budgets(gen.pools.size());
  for (size_t pi = 0; pi < gen.pools.size(); ++pi) {
    if (!gen.pools[pi].split) continue;
    child_budgets[pi] = reference_split(gen.pools[pi], rows);
    if (!child_budgets[pi]) gen.expect_run_error = true;
  }
  Result<CompiledPlan> compiled = compile_plan(*plan, *roster);
  if (!compiled.ok()) {
    check.fail("compile", "plan did not compile: ", compiled.status().message());
    return;
  }
  Result<Allocation> run = allocate(*compiled, {.threads = 1});
  if (gen.expect_run_error) {
    if (run.ok()) check.fail("split", "a split factor totals 0 over the listed regions, yet the run succeeded");
    ++stats.run_refused;
    return;
  }
  if (!run.ok()) {
    check.fail("run", "allocate failed: ", run.status().message());
    return;
  }
  ++stats.checked;
  const Allocation& alloc = *run;
  const size_t programs = gen.programs.size();
  if (alloc.awards.programs.size() != programs || alloc.grants.size() != programs) {
    check.fail("shape", "programs");
    return;
  }

  // --- Invariant 3: eligibility, awards and stacking ------------------------------------------
  auto in_split_region = [&](size_t p, size_t row) {
    const GenPool& pool = gen.pools[gen.programs[p].pool];
    return !pool.split || region_index(rows[row], pool.regions) >= 0;
  };
  for (size_t p = 0; p < programs; ++p) {
    const GenProgram& prog = gen.programs[p];
    const ProgramAwards& lines = alloc.awards.programs[p];
    const size_t count = lines.rows.size();
    if (lines.award.size() != count || lines.requested.size() != count || lines.status.size() != count ||
        alloc.grants[p].granted.size() != count || alloc.grants[p].status.size() != count ||
        alloc.grants[p].settlement.size() != count) {
      check.fail("shape", "line columns of ", prog.id);
      return;
    }
    std::set<RowIndex> seen;
    for (size_t l = 0; l < count; ++l) {
      const RowIndex row = lines.rows[l];
      if (row < 0 || row >= static_cast<RowIndex>(rows.size()) || !seen.insert(row).second) {
        check.fail("shape", "bad or repeated row in ", prog.id);
        return;
      }
      if (prog.eligible.eval(rows[row]) != Tri::kTrue) {
        check.fail("inv3-eligible", line_name(gen, rows, p, row), ": a line although `",
                   prog.eligible.text(), "` is not true");
      }
      if (!in_split_region(p, static_cast<size_t>(row))) {
        check.fail("inv3-region", line_name(gen, rows, p, row), ": a line outside every region of the split pool");
      }
    }
    // Fixed and rate awards, recomputed: which eligible rows have a line and its award.
    if (prog.kind == Kind::kFixed || prog.kind == Kind::kRate) {
      std::map<RowIndex, size_t> line_of;
      for (size_t l = 0; l < count; ++l) line_of[lines.rows[l]] = l;
      for (size_t row = 0; row < rows.size(); ++row) {
        std::optional<int64_t> award;  // nullopt: no line
        bool dropped = false;
        if (prog.eligible.eval(rows[row]) == Tri::kTrue && in_split_region(p, row)) {
          std::optional<cpp_rational> value;
          if (prog.kind == Kind::kFixed) {
            value = cpp_rational(prog.fixed);
          } else if (rows[row].tax) {
            value = cpp_rational(cpp_int(*rows[row].tax) * prog.rate_nanos, 1'000'000'000);
          }
          if (value && *value > 0) {
            if (prog.cap && *value > *prog.cap) value = cpp_rational(*prog.cap);
            dropped = prog.min_award && *value < *prog.min_award;
            const int64_t rounded = round_exact(*value, prog.unit, prog.mode);
            if (rounded > 0 || dropped) award = rounded;
          }
        }
        const auto it = line_of.find(static_cast<RowIndex>(row));
        if (award.has_value() != (it != line_of.end())) {
          check.fail("inv3-award", prog.id, "/", rows[row].id, ": expected ",
                     award ? "a line" : "no line", ", engine ", it != line_of.end() ? "has one" : "has none");
          continue;
        }
        if (!award) continue;
        if (lines.award[it->second] != *award) {
          check.fail("inv3-award", prog.id, "/", rows[row].id, ": award ", lines.award[it->second],
                     " expected ", *award);
        }
        if ((lines.status[it->second] == AwardStatus::kDroppedBelowMin) != dropped) {
          check.fail("inv3-award", prog.id, "/", rows[row].id, ": dropped_below_min ", !dropped,
                     " expected ", dropped);
        }
      }
    }
    // Lines in no group: requested = award, or 0 when dropped.
    for (size_t l = 0; l < count; ++l) {
      const bool dropped = lines.status[l] == AwardStatus::kDroppedBelowMin;
      if (dropped) {
        ++stats.dropped;
        if (lines.requested[l] != 0) check.fail("status", line_name(gen, rows, p, lines.rows[l]), ": dropped line requests ", lines.requested[l]);
        // Below min_award before rounding; rounded (up) it may reach min_award but never pass it.
        if (!prog.min_award || lines.award[l] > *prog.min_award) {
          check.fail("status", line_name(gen, rows, p, lines.rows[l]), ": dropped with award ", lines.award[l]);
        }
      }
      if (prog.group < 0) {
        if (lines.status[l] == AwardStatus::kStackedOut) check.fail("inv3-stacking", "stacked out outside any group");
        if (!dropped && lines.requested[l] != lines.award[l]) {
          check.fail("inv3-stacking", line_name(gen, rows, p, lines.rows[l]), ": requested ", lines.requested[l],
                     " ≠ award ", lines.award[l], " outside any group");
        }
      }
    }
  }
  // Stacking, recomputed per group and enterprise from the line awards.
  for (const GenStacking& rule : gen.stacking) {
    std::vector<size_t> members;
    for (size_t p = 0; p < programs; ++p) {
      if (gen.programs[p].group >= 0 && "group-" + std::to_string(gen.programs[p].group) == rule.group) {
        members.push_back(p);
      }
    }
    std::map<RowIndex, std::vector<std::pair<size_t, size_t>>> by_row;  // (program, line), plan order
    for (const size_t p : members) {
      const ProgramAwards& lines = alloc.awards.programs[p];
      for (size_t l = 0; l < lines.rows.size(); ++l) {
        if (lines.status[l] != AwardStatus::kDroppedBelowMin) by_row[lines.rows[l]].emplace_back(p, l);
      }
    }
    for (const auto& [row, cands] : by_row) {
      std::vector<int64_t> expected(cands.size());
      for (size_t c = 0; c < cands.size(); ++c) {
        expected[c] = alloc.awards.programs[cands[c].first].award[cands[c].second];
      }
      if (rule.rule == StackingRule::kSumCap) {
        int64_t excess = std::accumulate(expected.begin(), expected.end(), int64_t{0}) - rule.cap;
        // Cut from the last program; what it keeps stays a multiple of its own unit (SPEC §6: a
        // rounding never breaks a cap), so a cut may take a little more than the excess.
        for (size_t c = cands.size(); c-- > 0 && excess > 0;) {
          const int64_t unit = gen.programs[cands[c].first].unit;
          const int64_t kept = std::max<int64_t>(0, expected[c] - excess) / unit * unit;
          excess -= expected[c] - kept;
          expected[c] = kept;
        }
      } else if (cands.size() >= 2) {
        size_t keep = 0;
        if (rule.rule == StackingRule::kHighest) {
          for (size_t c = 1; c < cands.size(); ++c) {
            if (expected[c] > expected[keep]) keep = c;
          }
        }
        for (size_t c = 0; c < cands.size(); ++c) {
          if (c != keep) expected[c] = 0;
        }
      }
      int64_t sum = 0;
      int positive = 0;
      for (size_t c = 0; c < cands.size(); ++c) {
        const ProgramAwards& lines = alloc.awards.programs[cands[c].first];
        const size_t l = cands[c].second;
        sum += lines.requested[l];
        positive += lines.requested[l] > 0 ? 1 : 0;
        if (lines.requested[l] != expected[c]) {
          check.fail("inv3-stacking", line_name(gen, rows, cands[c].first, row), " (", rule.group, " ",
                     stacking_rule_name(rule.rule), "): requested ", lines.requested[l], " expected ",
                     expected[c]);
        }
        const AwardStatus want = expected[c] == 0 ? AwardStatus::kStackedOut : AwardStatus::kRequested;
        if (lines.status[l] != want) {
          check.fail("inv3-stacking", line_name(gen, rows, cands[c].first, row), ": status ",
                     award_status_name(lines.status[l]), " expected ", award_status_name(want));
        }
        if (lines.status[l] == AwardStatus::kStackedOut) ++stats.stacked_out;
      }
      if (rule.rule == StackingRule::kSumCap && sum > rule.cap) {
        check.fail("inv3-stacking", rows[row].id, ": Σ requested ", sum, " > group cap ", rule.cap);
      }
      if (rule.rule != StackingRule::kSumCap && positive > 1) {
        check.fail("inv3-stacking", rows[row].id, ": ", positive, " lines request in group ", rule.group);
      }
    }
  }

  // --- Invariant 2 and statuses ---------------------------------------------------------------
  for (size_t p = 0; p < programs; ++p) {
    const GenProgram& prog = gen.programs[p];
    const ProgramAwards& lines = alloc.awards.programs[p];
    const ProgramGrants& grants = alloc.grants[p];
    const int64_t settle_unit = prog.budget ? prog.unit : gen.pools[prog.pool].unit;
    for (size_t l = 0; l < lines.rows.size(); ++l) {
      ++stats.lines;
      const std::string name = line_name(gen, rows, p, lines.rows[l]);
      const int64_t req = lines.requested[l];
      const int64_t got = grants.granted[l];
      if (!(0 <= got && got <= req)) check.fail("inv2", name, ": granted ", got, " requested ", req);
      if (prog.cap && (req > *prog.cap || lines.award[l] > *prog.cap)) {
        check.fail("inv2", name, ": requested ", req, " / award ", lines.award[l], " above cap ", *prog.cap);
      }
      if (got % settle_unit != 0) check.fail("inv2-unit", name, ": granted ", got, " not a multiple of ", settle_unit);
      if (req % prog.unit != 0) {
        check.fail("inv2-requested-unit", name, ": requested ", req, " not a multiple of the program's unit ", prog.unit);
      }
      if (lines.award[l] % prog.unit != 0) check.fail("inv2-unit", name, ": award ", lines.award[l], " not a multiple of ", prog.unit);
      const AwardStatus before = lines.status[l];
      const LineStatus after = grants.status[l];
      if (before == AwardStatus::kStackedOut || before == AwardStatus::kDroppedBelowMin) {
        const LineStatus want = before == AwardStatus::kStackedOut ? LineStatus::kStackedOut : LineStatus::kDroppedBelowMin;
        if (after != want || got != 0 || grants.settlement[l] != -1) {
          check.fail("status", name, ": ", line_status_name(after), " granted ", got, " settlement ", grants.settlement[l]);
        }
        continue;
      }
      if (req <= 0) {
        check.fail("status", name, ": a requesting line asks ", req);
        continue;
      }
      const LineStatus want = got == req ? LineStatus::kGranted : got > 0 ? LineStatus::kScaled : LineStatus::kUnfunded;
      if (after != want) check.fail("status", name, ": status ", line_status_name(after), " expected ", line_status_name(want));
    }
  }

  // --- The reference model: budgets, settlements, pools.csv rows ------------------------------
  struct RefSummary {
    std::string id;
    std::optional<int64_t> received;
    std::optional<int64_t> reserve;
    int64_t budget = 0;
    int64_t requested = 0;
    int64_t granted = 0;
    int64_t funded = 0;
    int64_t unit = 1;
    bool exact = false;        // pro_rata / equal_cap
    int64_t settle_budget = -1;  // the budget this row settles itself (-1: none)
  };
  std::vector<RefSummary> summaries;
  std::vector<std::vector<int64_t>> ref_granted(programs);
  std::vector<std::vector<int32_t>> ref_settlement(programs);
  for (size_t p = 0; p < programs; ++p) {
    ref_granted[p].assign(alloc.awards.programs[p].rows.size(), 0);
    ref_settlement[p].assign(alloc.awards.programs[p].rows.size(), -1);
  }
  const uint64_t default_seed = gen.as_of_seed();
  auto settle_into = [&](size_t summary, const std::vector<std::pair<size_t, size_t>>& members,
                         int64_t budget, int64_t unit, const GenScarcity& s) {
    std::vector<RefLine> lines;
    for (const auto& [p, l] : members) {
      const ProgramAwards& awards = alloc.awards.programs[p];
      RefLine line;
      line.requested = awards.requested[l];
      line.id = rows[static_cast<size_t>(awards.rows[l])].id;
      line.program = static_cast<int32_t>(p);
      for (const auto& key : s.rank_by) line.keys.push_back(rank_key(rows[awards.rows[l]], key.first));
      lines.push_back(std::move(line));
    }
    const std::vector<int64_t> granted = reference_settle(lines, budget, unit, s, default_seed);
    RefSummary& row = summaries[summary];
    row.settle_budget = budget;
    row.unit = unit;
    row.exact = s.method == ScarcityMethod::kProRata || s.method == ScarcityMethod::kEqualCap;
    int64_t total = 0;
    for (size_t k = 0; k < members.size(); ++k) {
      ref_granted[members[k].first][members[k].second] = granted[k];
      ref_settlement[members[k].first][members[k].second] = static_cast<int32_t>(summary);
      row.requested += lines[k].requested;
      row.granted += granted[k];
      row.funded += granted[k] > 0 ? 1 : 0;
      total += lines[k].requested;
    }
    ++stats.settlements;
    ++stats.by_method[std::string(scarcity_method_name(s.method))];
    if (total > budget / unit * unit) ++stats.scarce;
    return row.granted;
  };
  auto requesting = [&](size_t p) {
    std::vector<std::pair<size_t, size_t>> out;
    const ProgramAwards& lines = alloc.awards.programs[p];
    for (size_t l = 0; l < lines.rows.size(); ++l) {
      if (lines.status[l] == AwardStatus::kRequested && lines.requested[l] > 0) out.emplace_back(p, l);
    }
    return out;
  };
  for (size_t pi = 0; pi < gen.pools.size(); ++pi) {
    const GenPool& pool = gen.pools[pi];
    const size_t head = summaries.size();
    summaries.push_back(RefSummary{pool.id, pool.received, pool.reserve_fen(), pool.budget()});
    std::vector<size_t> parts;
    if (pool.split) {
      ++stats.split_pools;
      const std::vector<int64_t>& children = *child_budgets[pi];
      int64_t sum = 0;
      for (size_t r = 0; r < pool.regions.size(); ++r) {
        parts.push_back(summaries.size());
        summaries.push_back(RefSummary{pool.id + "/" + pool.regions[r], std::nullopt, std::nullopt, children[r]});
        sum += children[r];
      }
      if (sum != pool.budget()) check.fail("reference", "reference children do not add up");
    }
    int64_t shared = pool.budget();
    std::vector<size_t> own;
    for (size_t p = 0; p < programs; ++p) {
      if (gen.programs[p].pool != pi || !gen.programs[p].budget) continue;
      ++stats.own_budgets;
      own.push_back(p);
      shared -= *gen.programs[p].budget;
      parts.push_back(summaries.size());
      summaries.push_back(RefSummary{pool.id + ":" + gen.programs[p].id, std::nullopt, std::nullopt,
                                     *gen.programs[p].budget});
    }
    for (size_t k = 0; k < own.size(); ++k) {
      const GenProgram& prog = gen.programs[own[k]];
      const int64_t granted = settle_into(parts[k], requesting(own[k]), *prog.budget, prog.unit, prog.scarcity);
      if (prog.spill) shared += *prog.budget - granted;
    }
    if (pool.split) {
      std::vector<std::vector<std::pair<size_t, size_t>>> by_region(pool.regions.size());
      for (size_t p = 0; p < programs; ++p) {
        if (gen.programs[p].pool != pi || gen.programs[p].budget) continue;
        for (const auto& entry : requesting(p)) {
          const int r = region_index(rows[alloc.awards.programs[p].rows[entry.second]], pool.regions);
          by_region[static_cast<size_t>(r)].push_back(entry);
        }
      }
      for (size_t r = 0; r < pool.regions.size(); ++r) {
        settle_into(parts[r], by_region[r], summaries[parts[r]].budget, pool.unit, pool.scarcity);
      }
    } else {
      std::vector<std::pair<size_t, size_t>> members;
      for (size_t p = 0; p < programs; ++p) {
        if (gen.programs[p].pool != pi || gen.programs[p].budget) continue;
        const auto entries = requesting(p);
        members.insert(members.end(), entries.begin(), entries.end());
      }
      settle_into(head, members, shared, pool.unit, pool.scarcity);
    }
    for (const size_t part : parts) {
      summaries[head].requested += summaries[part].requested;
      summaries[head].granted += summaries[part].granted;
      summaries[head].funded += summaries[part].funded;
    }
  }

  // Every line's granted and settlement against the reference.
  for (size_t p = 0; p < programs; ++p) {
    const ProgramAwards& lines = alloc.awards.programs[p];
    for (size_t l = 0; l < lines.rows.size(); ++l) {
      const int32_t settlement = alloc.grants[p].settlement[l];
      if (settlement != ref_settlement[p][l]) {
        check.fail("reference-settlement", line_name(gen, rows, p, lines.rows[l]), ": settled by row ",
                   settlement, " expected ", ref_settlement[p][l]);
      }
      if (alloc.grants[p].granted[l] != ref_granted[p][l]) {
        const std::string method = settlement >= 0 && static_cast<size_t>(settlement) < alloc.pools.size()
                                       ? std::string(scarcity_method_name(alloc.pools[settlement].method))
                                       : "?";
        check.fail("reference-" + method, line_name(gen, rows, p, lines.rows[l]), ": granted ",
                   alloc.grants[p].granted[l], " expected ", ref_granted[p][l], " (requested ",
                   lines.requested[l], ")");
      }
    }
  }

  // --- pools.csv rows: the reference, the sums of their lines, invariant 1 --------------------
  if (alloc.pools.size() != summaries.size()) {
    check.fail("pools", alloc.pools.size(), " pools.csv rows, expected ", summaries.size());
  } else {
    std::vector<int64_t> line_requested(summaries.size(), 0), line_granted(summaries.size(), 0),
        line_funded(summaries.size(), 0);
    for (size_t p = 0; p < programs; ++p) {
      const ProgramAwards& lines = alloc.awards.programs[p];
      for (size_t l = 0; l < lines.rows.size(); ++l) {
        const int32_t s = alloc.grants[p].settlement[l];
        if (s < 0) continue;
        line_requested[s] += lines.requested[l];
        line_granted[s] += alloc.grants[p].granted[l];
        line_funded[s] += alloc.grants[p].granted[l] > 0 ? 1 : 0;
      }
    }
    for (size_t s = 0; s < summaries.size(); ++s) {
      const PoolSummary& got = alloc.pools[s];
      const RefSummary& want = summaries[s];
      const std::string where = "pools.csv row " + want.id;
      if (got.id != want.id) check.fail("pools", where, ": id ", got.id);
      if (got.received.has_value() != want.received.has_value() ||
          (got.received && got.received->fen() != *want.received)) {
        check.fail("pools", where, ": received");
      }
      if (got.reserve.has_value() != want.reserve.has_value() ||
          (got.reserve && got.reserve->fen() != *want.reserve)) {
        check.fail("pools", where, ": reserve ", got.reserve ? got.reserve->fen() : -1, " expected ",
                   want.reserve.value_or(-1));
      }
      if (got.budget.fen() != want.budget) check.fail("pools", where, ": budget ", got.budget.fen(), " expected ", want.budget);
      if (got.requested.fen() != want.requested || got.granted.fen() != want.granted || got.funded != want.funded) {
        check.fail("pools", where, ": requested/granted/funded ", got.requested.fen(), "/", got.granted.fen(), "/",
                   got.funded, " expected ", want.requested, "/", want.granted, "/", want.funded);
      }
      if (got.remaining.fen() != got.budget.fen() - got.granted.fen()) check.fail("pools", where, ": remaining");
      // Invariant 1 on the row's own settlement, and on the row as a whole.
      if (got.granted > got.budget) check.fail("inv1", where, ": granted ", got.granted.fen(), " > budget ", got.budget.fen());
      if (want.settle_budget >= 0) {
        if (line_granted[s] > want.settle_budget) {
          check.fail("inv1", where, ": Σ granted ", line_granted[s], " > settled budget ", want.settle_budget);
        }
        if (want.exact) {
          const int64_t expect = std::min(want.settle_budget / want.unit * want.unit, line_requested[s]);
          if (line_granted[s] != expect) {
            check.fail("inv1", where, ": Σ granted ", line_granted[s], " ≠ min(⌊B/u⌋·u, Σ req) = ", expect);
          }
        }
      }
    }
    // Consistency of each row with the sums of its lines (its own settlement plus its parts).
    for (size_t s = 0; s < summaries.size(); ++s) {
      if (alloc.pools[s].kind != PoolSummary::Kind::kPool) {
        if (alloc.pools[s].requested.fen() != line_requested[s] || alloc.pools[s].granted.fen() != line_granted[s] ||
            alloc.pools[s].funded != line_funded[s]) {
          check.fail("pools", "row ", summaries[s].id, " disagrees with the sums of its lines");
        }
      }
    }
    size_t s = 0;
    while (s < summaries.size()) {
      // A pool row and the rows after it that belong to it.
      const std::string prefix = alloc.pools[s].id;
      int64_t req = line_requested[s], got = line_granted[s], funded = line_funded[s], children = 0;
      bool has_children = false;
      size_t t = s + 1;
      for (; t < summaries.size() && alloc.pools[t].kind != PoolSummary::Kind::kPool; ++t) {
        req += line_requested[t];
        got += line_granted[t];
        funded += line_funded[t];
        if (alloc.pools[t].kind == PoolSummary::Kind::kRegion) {
          children += alloc.pools[t].budget.fen();
          has_children = true;
        }
      }
      if (alloc.pools[s].requested.fen() != req || alloc.pools[s].granted.fen() != got || alloc.pools[s].funded != funded) {
        check.fail("pools", "pool row ", prefix, " disagrees with the sums of its lines");
      }
      if (has_children && children != alloc.pools[s].budget.fen()) {
        check.fail("split", "children of ", prefix, " add up to ", children, ", not ", alloc.pools[s].budget.fen());
      }
      s = t;
    }
  }

  // --- awards.csv and pools.csv agree with the allocation -------------------------------------
  const std::string awards = awards_csv(*compiled, alloc);
  const std::string pools = pools_csv(alloc);
  {
    const auto table = subsidy_test::parse_csv(awards);
    size_t expected_rows = 0;
    for (size_t p = 0; p < programs; ++p) expected_rows += alloc.awards.programs[p].rows.size();
    if (table.size() != expected_rows + 1) {
      check.fail("awards.csv", table.size() - 1, " rows, expected ", expected_rows);
    } else {
      size_t r = 1;
      for (size_t p = 0; p < programs; ++p) {
        const ProgramAwards& lines = alloc.awards.programs[p];
        std::vector<size_t> order(lines.rows.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          return rows[lines.rows[a]].id < rows[lines.rows[b]].id;
        });
        for (const size_t l : order) {
          const std::vector<std::string>& f = table[r++];
          const Row& row = rows[lines.rows[l]];
          const bool out = lines.status[l] != AwardStatus::kRequested;
          const std::string want_pool =
              alloc.grants[p].settlement[l] >= 0 ? alloc.pools[alloc.grants[p].settlement[l]].id : "";
          if (f.size() != 9 || f[0] != row.id || f[1] != row.name || f[2] != row.region.value_or("") ||
              f[3] != gen.programs[p].id ||
              f[5] != format_yuan(Money::from_fen(out ? lines.award[l] : lines.requested[l])) ||
              f[6] != format_yuan(Money::from_fen(alloc.grants[p].granted[l])) ||
              f[7] != line_status_name(alloc.grants[p].status[l]) || (!want_pool.empty() && f[4] != want_pool)) {
            check.fail("awards.csv", "row ", r - 1, " (", gen.programs[p].id, "/", row.id, ") does not match its line");
          }
        }
      }
    }
    const auto pool_table = subsidy_test::parse_csv(pools);
    if (pool_table.size() != alloc.pools.size() + 1) {
      check.fail("pools.csv", "row count");
    } else {
      for (size_t k = 0; k < alloc.pools.size(); ++k) {
        const PoolSummary& s = alloc.pools[k];
        const std::vector<std::string>& f = pool_table[k + 1];
        const std::vector<std::string> want{
            s.id,
            s.received ? format_yuan(*s.received) : "",
            s.reserve ? format_yuan(*s.reserve) : "",
            format_yuan(s.budget),
            format_yuan(s.requested),
            format_yuan(s.granted),
            format_yuan(s.remaining),
            std::to_string(s.funded),
            ratio_text(s.granted.fen(), s.requested.fen()),
            ratio_text(s.requested.fen(), s.budget.fen())};
        if (f != want) check.fail("pools.csv", "row ", s.id, " is not what the summary says");
      }
    }
  }

  // --- Invariant 4: thread counts and row order -----------------------------------------------
  for (const int threads : {2, 4}) {
    Result<Allocation> again = allocate(*compiled, {.threads = threads});
    if (!again.ok()) {
      check.fail("inv4", "threads ", threads, ": ", again.status().message());
      continue;
    }
    if (awards_csv(*compiled, *again) != awards) check.fail("inv4", "awards.csv differs with ", threads, " threads");
    if (pools_csv(*again) != pools) check.fail("inv4", "pools.csv differs with ", threads, " threads");
  }
  std::vector<size_t> shuffled = identity;
  std::shuffle(shuffled.begin(), shuffled.end(), rng.engine());
  Result<Roster> other = parse_roster_csv(roster_csv(rows, shuffled));
  if (!other.ok()) {
    check.fail("inv4", "shuffled roster: ", other.status().message());
    return;
  }
  Result<CompiledPlan> other_compiled = compile_plan(*plan, *other);
  if (!other_compiled.ok()) {
    check.fail("inv4", "shuffled compile: ", other_compiled.status().message());
    return;
  }
  Result<Allocation> other_run = allocate(*other_compiled, {.threads = static_cast<int>(rng.range(1, 3))});
  if (!other_run.ok()) {
    check.fail("inv4", "shuffled run: ", other_run.status().message());
    return;
  }
  if (awards_csv(*other_compiled, *other_run) != awards) check.fail("inv4", "awards.csv differs with the rows shuffled");
  if (pools_csv(*other_run) != pools) check.fail("inv4", "pools.csv differs with the rows shuffled");
}

int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::atoi(text);
}

TEST(AllocationProperty, RandomRostersAndPlans) {
  const int only = env_int("SUBSIDY_PROPERTY_CASE", -1);
  const int cases = env_int("SUBSIDY_PROPERTY_CASES", 1500);
  const auto start = std::chrono::steady_clock::now();
  Stats stats;
  std::map<std::string, std::vector<int>> failing;  // category → case indices
  int printed = 0;
  for (int index = only >= 0 ? only : 0; index < (only >= 0 ? only + 1 : cases); ++index) {
    CaseChecker check;
    std::string yaml, csv;
    try {
      run_case(index, stats, check, &yaml, &csv);
    } catch (const std::exception& e) {
      check.fail("exception", e.what());
    }
    if (check.ok()) continue;
    ++stats.failed;
    for (const std::string& category : check.categories()) failing[category].push_back(index);
    if (printed < 3 || only >= 0) {
      ++printed;
      std::string message = "case " + std::to_string(index) + " (SUBSIDY_PROPERTY_CASE=" + std::to_string(index) + "):\n";
      for (const std::string& f : check.failures()) message += "  " + f + "\n";
      if (only >= 0) message += "--- plan ---\n" + yaml + "--- roster ---\n" + csv;
      ADD_FAILURE() << message;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ostringstream summary;
  summary << stats.cases << " cases in " << seconds << " s: " << stats.checked << " checked, "
          << stats.load_refused << " plans refused by a load rule they break on purpose, "
          << stats.run_refused << " runs refused (a split factor totalling 0); " << stats.lines << " lines, "
          << stats.settlements << " settlements (" << stats.scarce << " scarce), " << stats.split_pools
          << " split pools, " << stats.own_budgets << " own budgets, " << stats.stacked_out << " stacked out, "
          << stats.dropped << " dropped;";
  for (const auto& [method, count] : stats.by_method) summary << " " << method << " " << count;
  std::cout << summary.str() << "\n";
  for (const auto& [category, indices] : failing) {
    std::cout << "  failing [" << category << "]: " << indices.size() << " cases, e.g.";
    for (size_t k = 0; k < std::min<size_t>(indices.size(), 8); ++k) std::cout << " " << indices[k];
    std::cout << "\n";
  }
  EXPECT_EQ(stats.failed, 0);
  if (only < 0) {
    // Most generated plans must load and run, and most settlements must be exercised under scarcity.
    EXPECT_GE(stats.checked, stats.cases * 8 / 10);
    EXPECT_GE(stats.scarce, stats.settlements / 5);
  }
}

}  // namespace
}  // namespace subsidy

namespace subsidy {
namespace {

// Targeted cases found by (or next to) the property test above.

using test_support::run_small;
using test_support::Small;

TEST(AllocationPropertyRegression, SumCapCutKeepsMultiplesOfTheUnits) {
    // Found by the property test (case 441). Program a (pool p, unit yuan) asks 3 yuan, program b
  // (pool q, unit thousand) asks 1000 yuan; their group caps the sum at 1000 yuan, a multiple of
  // both units as the load rules require. Cutting b by the 3-yuan excess leaves 997 yuan.
  auto s = run_small(
      "id,name,region\ne1,x,320830\n",
      "plan: t\nas_of: 2023-06-30\n"
      "pools:\n"
      "  - {id: p, level: county, received: 1万, round: {unit: yuan, mode: half_up}}\n"
      "  - {id: q, level: county, received: 1万, round: {unit: hundred, mode: half_up}}\n"
      "programs:\n"
      "  - {id: a, pool: p, group: g, eligible: 'true', award: {fixed: 3},"
      " round: {unit: yuan, mode: half_up}}\n"
      "  - {id: b, pool: q, group: g, eligible: 'true', award: {fixed: 1000},"
      " round: {unit: thousand, mode: half_up}}\n"
      "stacking:\n  - {group: g, rule: sum_cap, cap: 1000}\n");
  ASSERT_TRUE(s->run) << s->error;
  const Allocation& run = *s->run;
  const int64_t a = run.awards.programs[0].requested.at(0);
  const int64_t b = run.awards.programs[1].requested.at(0);
  EXPECT_EQ(a, 300);
  EXPECT_LE(a + b, 100000);                                   // the group's cap holds
  EXPECT_EQ(b % 100000, 0) << "requested " << b;            // b's unit: thousand
  EXPECT_EQ(run.grants[1].granted.at(0) % 10000, 0) << "granted " << run.grants[1].granted.at(0);
}

TEST(AllocationPropertyRegression, SplitWithANegativeRegionMeasureStillAddsUp) {
    // sum(tax_paid) over three regions: −2, −2, 7 (total 3 > 0); budget 1.00 yuan in fen.
  // Shares −66.67, −66.67, 233.33 fen must still add up to exactly 100 fen (SPEC §7), unless the
  // run refuses negative measures.
  auto s = run_small(
      "id,name,region,tax_paid\na,x,320830,-2\nb,x,320831,-2\nc,x,320102,7\n",
      "plan: t\nas_of: 2023-06-30\npools:\n"
      "  - id: p\n    level: county\n    received: 1\n"
      "    split: {by: region, regions: [\"320830\", \"320831\", \"320102\"],"
      " factors: [{weight: 1, measure: sum(tax_paid)}]}\n"
      "programs: []\n");
  if (!s->run) {
    SUCCEED() << "refused: " << s->error;
    return;
  }
  ASSERT_EQ(s->run->pools.size(), 4u);
  int64_t sum = 0;
  for (size_t k = 1; k < 4; ++k) sum += s->run->pools[k].budget.fen();
  EXPECT_EQ(sum, 100) << s->run->pools[1].budget.fen() << " " << s->run->pools[2].budget.fen() << " "
                      << s->run->pools[3].budget.fen();
}

}  // namespace
}  // namespace subsidy
