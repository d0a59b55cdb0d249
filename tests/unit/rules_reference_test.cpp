// The compiled batch evaluator (src/rules/evaluate.cpp) against a plain row-at-a-time reference
// interpreter (rules_reference.hpp) on thousands of random rules over random rosters (SPEC §5).
//
// The rules are generated as text, well-typed by construction, over the columns the roster has:
// money with yuan, 万 and negative literals, numbers, dates (Feb 29 included), codes and their
// fields, tags, three-valued logic nested a few levels, every function, pct_rank() among all rows
// and among a random subset of them. Rosters are synthetic ones (with their nulls) and small
// hand-made ones full of nulls, negative amounts, Feb 29 dates and repeated values (pct_rank ties).
// Every row's eligibility, with and without a `considered` subset, and explain() for a few rows per
// rule, must equal the reference. Ill-typed rules must be rejected at compile time.
//
// The RulesReferenceRegression tests are minimal reproducers of bugs found this way (crashing ones run in a child
// process); each failed when it was written and stays as a regression test.
#include "rules_reference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "rules/compiled.hpp"
#include "subsidy/calendar.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"
#include "subsidy/synth.hpp"

namespace subsidy {
namespace {

using rules_reference::Interpreter;

// [0, 1) from 53 random bits. std:: distributions differ between standard libraries; this and
// mt19937_64 do not, so a failing seed reproduces anywhere.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// ---------------------------------------------------------------------------------------------
// Rosters

Roster load(std::string_view csv, const Schema* schema = nullptr) {
  LoadOptions options;
  options.schema = schema;
  Result<Roster> roster = parse_roster_csv(csv, options);
  if (!roster.ok()) {
    ADD_FAILURE() << roster.status().message();
    return Roster();
  }
  return std::move(roster).value();
}

Roster synthetic(int64_t rows, uint64_t seed) {
  return load(synthetic_roster_csv({.rows = rows, .seed = seed}));
}

// Extra columns of the hand-made rosters, so that integer, rate, bool, dictionary and plain text
// columns beyond the standard ones are read by rules too.
const Schema& extra_schema() {
  static const Schema schema = [] {
    Result<Schema> parsed = parse_schema(
        "columns:\n"
        "  score: {type: integer}\n"
        "  share: {type: rate}\n"
        "  flag: {type: bool}\n"
        "  grade: {type: string}\n"
        "  note: {type: text}\n");
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return parsed.ok() ? *parsed : Schema{};
  }();
  return schema;
}

// A small roster drawn from short pools of awkward values: many nulls, zero and negative amounts,
// Feb 29 and future registration dates, codes shorter than a division, and every pool small
// enough that values repeat (pct_rank ties, equality with literals taken from the roster).
Roster hand_made(int rows, uint64_t seed, double null_share) {
  std::mt19937_64 rng(seed);
  auto pick = [&](const std::vector<std::string_view>& pool) {
    if (unit(rng) < null_share) return std::string();
    return std::string(pool[rng() % pool.size()]);
  };
  const std::vector<std::string_view> regions = {"510107", "510108", "510116", "5101",
                                                 "51",     "320830", "320812", "110108"};
  const std::vector<std::string_view> industries = {"C3911", "C3484", "C",     "C3", "F5292",
                                                    "J6635", "I6511", "A0141", "Z9", "C39"};
  const std::vector<std::string_view> employees = {"0",    "1",  "10",    "10", "300",
                                                   "1000", "-3", "20000", "7"};
  // Up to ~10^18 fen either way: near the edge of int64.
  // clang-format off
  const std::vector<std::string_view> amounts = {
      "0", "0.01", "-0.01", "-12.34", "12.34", "100", "100", "1234.56", "50万", "20万", "20万",
      "1000万", "0.5亿", "-5000", "99999999.99", "200000", "3", "4.5", "1.5万",
      "9999999999999999.99", "-9999999999999999.99"};
  // clang-format on
  const std::vector<std::string_view> dates = {
      "2020-02-29", "2024-02-29", "2023-06-30", "2023-07-01", "2021-02-28",
      "2021-03-01", "1996-02-29", "2000-02-29", "2019-12-31", "2030-01-01",
      "2023-03-31", "2022-08-31", "2020-02-29"};
  const std::vector<std::string_view> tags = {
      "专精特新", "专精特新;小巨人", "高新技术企业;专精特新", "a;b;a", "入驻基地", "小巨人"};
  // 18 digits, the most an integer cell may have: sums fit int64, products need more.
  const std::vector<std::string_view> scores = {
      "0", "5", "5", "-7", "100", "12", "999999999999999999", "-999999999999999999"};
  const std::vector<std::string_view> shares = {"5%", "0.05",        "3‰", "-0.5",
                                                "1",  "0.333333333", "0"};
  const std::vector<std::string_view> flags = {"true", "false"};
  // A quote and a backslash: string literals in rules escape them (\" and \\).
  const std::vector<std::string_view> grades = {"A", "B", "甲", "A", "AB", "\"Q\"\"x\"", "a\\b"};
  const std::vector<std::string_view> notes = {"x", "备注", "x", "xy"};
  std::string csv =
      "id,name,region,industry,employees,revenue,assets,sales_invoiced,tax_paid,registered_on,"
      "tags,score,share,flag,grade,note\n";
  for (int row = 0; row < rows; ++row) {
    // One draw after another, in column order (not in the unspecified order of a `+` chain).
    std::vector<std::string> cells = {"H" + std::to_string(seed) + "-" + std::to_string(row),
                                      "企业" + std::to_string(row % 7)};
    for (const auto* pool : {&regions, &industries, &employees, &amounts, &amounts, &amounts,
                             &amounts, &dates, &tags, &scores, &shares, &flags, &grades, &notes}) {
      cells.push_back(pick(*pool));
    }
    for (size_t k = 0; k < cells.size(); ++k) csv += (k > 0 ? "," : "") + cells[k];
    csv += "\n";
  }
  return load(csv, &extra_schema());
}

// ---------------------------------------------------------------------------------------------
// What a generator may name, and literals taken from the roster

struct Catalog {
  std::vector<std::string> money, integers, rates, dates, bools, codes, texts, tags;
  std::vector<int64_t> money_samples;  // fen
  std::vector<int64_t> integer_samples;
  std::vector<int32_t> date_samples;
  std::map<std::string, std::vector<std::string>> string_samples;  // by column
  std::vector<std::string> tag_samples;
};

Catalog catalog_of(const Roster& roster, std::mt19937_64& rng) {
  Catalog catalog;
  const RowIndex rows = roster.num_rows();
  for (const Column& column : roster.columns()) {
    const std::string& name = column.name();
    // Up to 24 values from random rows: enough for equality and ties to happen.
    std::vector<RowIndex> sample;
    for (int k = 0; k < 24 && rows > 0; ++k) {
      const auto row = static_cast<RowIndex>(rng() % static_cast<uint64_t>(rows));
      if (column.is_valid(row)) sample.push_back(row);
    }
    switch (column.type()) {
      case ColumnType::kMoney:
        catalog.money.push_back(name);
        for (const RowIndex row : sample) catalog.money_samples.push_back(column.int64s()[row]);
        break;
      case ColumnType::kInteger:
        catalog.integers.push_back(name);
        for (const RowIndex row : sample) catalog.integer_samples.push_back(column.int64s()[row]);
        break;
      case ColumnType::kRate:
        catalog.rates.push_back(name);
        break;
      case ColumnType::kBool:
        catalog.bools.push_back(name);
        break;
      case ColumnType::kDate:
        catalog.dates.push_back(name);
        for (const RowIndex row : sample) catalog.date_samples.push_back(column.int32s()[row]);
        break;
      case ColumnType::kString:
      case ColumnType::kText: {
        (column.type() == ColumnType::kString ? catalog.codes : catalog.texts).push_back(name);
        std::vector<std::string>& values = catalog.string_samples[name];
        for (const RowIndex row : sample) {
          values.push_back(column.type() == ColumnType::kString
                               ? std::string(column.dictionary().value(column.int32s()[row]))
                               : std::string(column.text(row)));
        }
        break;
      }
      case ColumnType::kTags:
        catalog.tags.push_back(name);
        for (int32_t code = 0; code < column.dictionary().size(); ++code) {
          catalog.tag_samples.emplace_back(column.dictionary().value(code));
        }
        break;
    }
  }
  return catalog;
}

// `value` / 10^digits as exact decimal text, trailing zeros dropped: 123456, 2 → "1234.56".
std::string decimal_text(int64_t value, int digits) {
  const bool negative = value < 0;
  std::string magnitude =
      std::to_string(negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value));
  while (static_cast<int>(magnitude.size()) <= digits) magnitude.insert(0, "0");
  const std::string whole = magnitude.substr(0, magnitude.size() - digits);
  std::string fraction = magnitude.substr(magnitude.size() - digits);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + whole + (fraction.empty() ? "" : "." + fraction);
}

// ---------------------------------------------------------------------------------------------
// The random rule generator

class RuleGenerator {
 public:
  RuleGenerator(const Catalog& catalog, uint64_t seed) : catalog_(catalog), rng_(seed) {}

  // A well-typed rule: true/false, nested up to four levels of and/or/not.
  std::string rule() {
    in_pct_rank_ = false;
    std::string text = gen_bool(static_cast<int>(rng_() % 5));
    // Rules in plan files span lines: break some of them (positions move, values must not).
    if (chance(0.15)) {
      for (size_t at = text.find(" and "); at != std::string::npos;
           at = text.find(" and ", at + 5)) {
        if (chance(0.5)) text.replace(at, 1, chance(0.5) ? "\n  " : "\r\n\t");
      }
    }
    return text;
  }

  // A rule the compiler must reject, often hidden inside a well-typed one.
  std::string ill_typed_rule();

 private:
  uint64_t pick(uint64_t n) { return rng_() % n; }
  bool chance(double p) { return unit(rng_) < p; }
  template <class T>
  const T& one_of(const std::vector<T>& items) {
    return items[pick(items.size())];
  }
  static std::string paren(const std::string& text) { return "(" + text + ")"; }
  // A string literal: `"` and `\` escaped as the lexer expects.
  static std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  std::string comparison() {
    static const std::vector<std::string> kOps = {"==", "!=", "<", "<=", ">", ">="};
    return one_of(kOps);
  }

  // --- literals ---
  std::string money_literal() {
    static const std::vector<std::string> kFixed = {
        "0",    "100", "12.34", "50万", "1.5万",     "20万",       "1000万", "0.5亿", "1_000",
        "0.01", "-5",  "-0.01", "3",    "999999.99", "67893.05万", "-12.34", "4.5",   "200000"};
    // Around the int64 range of fen (INT64_MAX fen is 92233720368547758.07 yuan, 19 digits: more
    // than a literal may have).
    static const std::vector<std::string> kExtreme = {
        "92233720368547758",    "92233720368547759",  "-92233720368547759", "99999999999999999.9",
        "-99999999999999999.9", "999999999999999999", "1_0000亿",           "0.000001万"};
    if (extreme_ && chance(0.1)) return one_of(kExtreme);
    const uint64_t kind = pick(10);
    if (kind < 4 && !catalog_.money_samples.empty()) {
      return decimal_text(one_of(catalog_.money_samples), 2);  // yuan, as in the roster
    }
    if (kind == 4 && !catalog_.money_samples.empty()) {
      return decimal_text(one_of(catalog_.money_samples), 6) + "万";
    }
    if (kind == 9) {
      // An expression of plain numbers, folded by the binder, still yuan; whole multiples keep
      // it to the fen (a finer amount is an error, SPEC §3).
      static const std::vector<std::string> kFactors = {"2", "3", "10", "-1", "0", "100%"};
      return chance(0.5) ? paren(money_literal() + " + " + money_literal())
                         : paren(money_literal() + " * " + one_of(kFactors));
    }
    return one_of(kFixed);
  }
  std::string number_literal() {
    static const std::vector<std::string> kFixed = {"0",   "1",  "2",     "3",   "2.5", "5%",
                                                    "50%", "3‰", "0.333", "100", "-2",  "(1/3)",
                                                    "0.5", "10", "-0.75", "12"};
    static const std::vector<std::string> kExtreme = {"999999999999999999", "-999999999999999999",
                                                      "0.000000000000000001", "922337203685477580"};
    if (extreme_ && chance(0.05)) return one_of(kExtreme);
    if (chance(0.3) && !catalog_.integer_samples.empty()) {
      return decimal_text(one_of(catalog_.integer_samples), 0);
    }
    return one_of(kFixed);
  }
  std::string rate_literal() {
    static const std::vector<std::string> kRates = {"5%", "3%",  "0.5", "2",     "3‰",  "(1/3)",
                                                    "0",  "1.5", "-1",  "12.5%", "100%"};
    return one_of(kRates);
  }
  std::string date_literal() {
    static const std::vector<std::string> kFixed = {
        "2020-02-29", "2024-02-29", "2023-06-30", "2021-02-28", "2021-03-01", "2019-12-31",
        "2000-01-01", "1995-01-01", "2023-07-01", "2022-08-31", "2030-01-01",
        // Before the epoch (negative day serials) and at the ends of the supported range.
        "1969-12-31", "1900-03-01", "1600-02-29", "1400-01-01", "9999-12-31"};
    if (chance(0.4) && !catalog_.date_samples.empty()) {
      return Date::from_serial(one_of(catalog_.date_samples)).to_string();
    }
    return one_of(kFixed);
  }

  // --- money ---
  std::string money_column() { return one_of(catalog_.money); }
  // Money, or a plain number next to it (yuan).
  std::string money_operand(int depth) { return chance(0.45) ? money_literal() : gen_money(depth); }
  std::string gen_money(int depth) {
    if (depth <= 0 || chance(0.35)) return money_column();
    const int next = depth - 1;
    switch (pick(11)) {
      case 0:
        return paren(gen_money(next) + " * " + rate_literal());
      case 1:
        return paren(gen_money(next) + " / " + (chance(0.2) ? "0" : number_literal()));
      case 2:
        return paren(gen_money(next) + " + " + money_operand(next));
      case 3:
        return paren(gen_money(next) + " - " + money_operand(next));
      case 4:
        return paren(number_atom() + " * " + gen_money(next));
      case 5:
        return "if(" + gen_bool(0) + ", " + gen_money(next) + ", " + money_operand(next) + ")";
      case 6: {
        std::vector<std::string> args = {gen_money(next), money_operand(next)};
        if (chance(0.3)) args.push_back(money_operand(next));
        std::swap(args[0], args[pick(args.size())]);  // money first or not
        std::string text = chance(0.5) ? "min(" : "max(";
        for (size_t k = 0; k < args.size(); ++k) text += (k > 0 ? ", " : "") + args[k];
        return text + ")";
      }
      case 7: {
        std::string text = "coalesce(" + gen_money(next) + ", " + money_operand(next);
        if (chance(0.3)) text += ", " + money_operand(next);
        return text + ")";
      }
      case 8:
        return "abs(" + gen_money(next) + ")";
      case 9:
        return "-" + (chance(0.5) ? money_column() : paren(gen_money(next)));
      default:
        return paren(gen_money(next) + " / " + gen_number(next));
    }
  }

  // --- numbers ---
  std::string number_atom() {
    const int date_depth = nested_ > 0 ? 0 : 1;
    const uint64_t kind = pick(8);
    if (kind < 2 && !catalog_.integers.empty()) return one_of(catalog_.integers);
    if (kind == 2 && !catalog_.rates.empty()) return one_of(catalog_.rates);
    if (kind == 3 && !catalog_.dates.empty()) return "age_years(" + gen_date(date_depth) + ")";
    if (kind == 4 && !catalog_.dates.empty()) return "age_months(" + gen_date(date_depth) + ")";
    if (kind == 5 && !catalog_.dates.empty()) return "year(" + gen_date(date_depth) + ")";
    if (kind == 6 && !catalog_.dates.empty()) return "quarter(" + gen_date(date_depth) + ")";
    return number_literal();
  }
  std::string number_operand(int depth) {
    return chance(0.4) ? number_literal() : gen_number(depth);
  }
  std::string gen_number(int depth) {
    if (depth <= 0 || chance(0.35)) return number_atom();
    const int next = depth - 1;
    switch (pick(10)) {
      case 0:
        return paren(gen_money(next) + " / " + gen_money(next));
      case 1: {
        static const std::vector<std::string> kOps = {" + ", " - ", " * ", " / "};
        return paren(gen_number(next) + one_of(kOps) + number_operand(next));
      }
      case 2:
        if (in_pct_rank_) return number_atom();
        return pct_rank(next);
      case 3:
        return "abs(" + gen_number(next) + ")";
      case 4:
        return "-" + paren(gen_number(next));
      case 5:
        return std::string(chance(0.5) ? "min(" : "max(") + gen_number(next) + ", " +
               number_operand(next) + ")";
      case 6:
        return "coalesce(" + gen_number(next) + ", " + number_operand(next) + ")";
      case 7:
        return "if(" + gen_bool(0) + ", " + gen_number(next) + ", " + number_operand(next) + ")";
      case 8:
        return paren(money_column() + " / " + money_column());  // revenue / assets
      default:
        return paren(number_literal() + " * " + number_atom());
    }
  }
  std::string pct_rank(int depth) {
    in_pct_rank_ = true;
    std::string argument;
    switch (pick(4)) {
      case 0:
        argument = catalog_.dates.empty() ? money_column() : gen_date(depth);
        break;
      case 1:
        argument = gen_number(depth);
        break;
      default:
        argument = chance(0.5) ? "tax_paid" : gen_money(depth);
    }
    if (argument == "tax_paid" && catalog_.money.empty()) argument = number_atom();
    in_pct_rank_ = false;
    return "pct_rank(" + argument + ")";
  }

  // --- dates ---
  std::string date_operand(int depth) { return chance(0.5) ? date_literal() : gen_date(depth); }
  std::string gen_date(int depth) {
    if (catalog_.dates.empty()) return date_literal();
    if (depth <= 0 || chance(0.6)) return chance(0.85) ? one_of(catalog_.dates) : date_literal();
    const int next = depth - 1;
    switch (pick(3)) {
      case 0:
        return std::string(chance(0.5) ? "min(" : "max(") + gen_date(next) + ", " +
               date_operand(next) + ")";
      case 1:
        return "coalesce(" + one_of(catalog_.dates) + ", " + date_literal() + ")";
      default:
        return "if(" + gen_bool(0) + ", " + gen_date(next) + ", " + date_operand(next) + ")";
    }
  }

  // --- strings ---
  std::string string_literal_for(const std::string& column) {
    static const std::vector<std::string> kAbsent = {"ZZZ", "999999", "",      "5101",
                                                     "C",   "small",  "micro", "不存在"};
    const auto found = catalog_.string_samples.find(column);
    if (chance(0.7) && found != catalog_.string_samples.end() && !found->second.empty()) {
      return one_of(found->second);
    }
    return one_of(kAbsent);
  }
  std::string prefix_for(const std::string& column) {
    std::string value = string_literal_for(column);
    // Cut ASCII codes only: a cut through a UTF-8 character is not a prefix anyone writes.
    const bool ascii = std::all_of(value.begin(), value.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii && !value.empty()) value.resize(pick(value.size() + 1));
    return value;
  }
  std::string field_literal(const std::string& column, bool section) {
    std::string value = string_literal_for(column);
    if (chance(0.15)) return section ? "Z" : "99";
    if (section) return value.substr(0, value.empty() ? 0 : 1);
    return value.size() >= 3 ? value.substr(1, 2) : std::string();
  }
  std::string string_list(const std::function<std::string()>& element) {
    std::string text = "[";
    const uint64_t count = pick(4);  // [] included
    for (uint64_t k = 0; k < count; ++k) text += (k > 0 ? ", " : "") + quoted(element());
    return text + "]";
  }
  std::string string_predicate() {
    std::vector<std::string> columns = catalog_.codes;
    if (chance(0.2)) columns = catalog_.texts;
    if (columns.empty()) columns = catalog_.codes.empty() ? catalog_.texts : catalog_.codes;
    const std::string column = one_of(columns);
    const bool is_code =
        std::find(catalog_.codes.begin(), catalog_.codes.end(), column) != catalog_.codes.end();
    if (is_code && chance(0.3)) {  // fields belong to code columns only
      const bool section = chance(0.5);
      const std::string field = column + (section ? ".section" : ".division");
      if (chance(0.5)) {
        return field + (chance(0.5) ? " == " : " != ") + quoted(field_literal(column, section));
      }
      return field + (chance(0.3) ? " not in " : " in ") +
             string_list([&] { return field_literal(column, section); });
    }
    switch (pick(6)) {
      case 0:
        return column + " == " + quoted(string_literal_for(column));
      case 1:
        return column + " != " + quoted(string_literal_for(column));
      case 2:
        return quoted(string_literal_for(column)) + (chance(0.5) ? " == " : " != ") + column;
      case 3:
        return column + " in " + string_list([&] { return string_literal_for(column); });
      case 4:
        return column + " not in " + string_list([&] { return string_literal_for(column); });
      default:
        return column + " within " + quoted(prefix_for(column));
    }
  }

  // --- true/false ---
  std::string numeric_list(const std::function<std::string()>& element) {
    std::string text = "[";
    const uint64_t count = chance(0.1) ? 0 : 1 + pick(4);  // [] now and then: null in [] is unknown
    for (uint64_t k = 0; k < count; ++k) text += (k > 0 ? ", " : "") + element();
    return text + "]";
  }
  std::string atom() {
    // An atom inside arithmetic (the condition of an if()) keeps its own arithmetic flat, so
    // that the recursion through if() ends.
    const int depth = nested_ > 0 ? 0 : static_cast<int>(pick(3));
    ++nested_;
    std::string text = atom_at(depth);
    --nested_;
    return text;
  }
  std::string atom_at(int depth) {
    switch (pick(15)) {
      case 0:
      case 1:
        if (chance(0.2)) return money_operand(depth) + " " + comparison() + " " + gen_money(depth);
        return gen_money(depth) + " " + comparison() + " " + money_operand(depth);
      case 2:
        // Now and then the literal on the left: the engine mirrors the operator.
        if (chance(0.2))
          return number_operand(depth) + " " + comparison() + " " + gen_number(depth);
        return gen_number(depth) + " " + comparison() + " " + number_operand(depth);
      case 3:
        if (catalog_.dates.empty()) return "true";
        if (chance(0.2)) return date_operand(depth) + " " + comparison() + " " + gen_date(depth);
        return gen_date(depth) + " " + comparison() + " " + date_operand(depth);
      case 4:
      case 5:
        return string_predicate();
      case 6: {
        if (catalog_.tags.empty()) return "false";
        std::string tag = catalog_.tag_samples.empty() || chance(0.25)
                              ? "不存在的标签"
                              : one_of(catalog_.tag_samples);
        return chance(0.3) ? "has_tag(" + one_of(catalog_.tags) + ", " + quoted(tag) + ")"
                           : "has_tag(" + quoted(tag) + ")";
      }
      case 7: {
        const std::string word = chance(0.3) ? " not between " : " between ";
        switch (pick(3)) {
          // The value itself is sometimes a literal between two columns.
          case 0:
            return (chance(0.2) ? money_literal() : gen_money(depth)) + word +
                   money_operand(depth) + " and " + money_operand(depth);
          case 1:
            return number_operand(depth) + word + number_operand(depth) + " and " +
                   number_operand(depth);
          default:
            return date_operand(depth) + word + date_operand(depth) + " and " + date_operand(depth);
        }
      }
      case 8: {
        const std::string word = chance(0.3) ? " not in " : " in ";
        switch (pick(4)) {
          case 0:
            return gen_money(depth) + word + numeric_list([&] { return money_literal(); });
          case 1:
            return gen_number(depth) + word + numeric_list([&] { return number_literal(); });
          case 2:
            return gen_date(depth) + word + numeric_list([&] { return date_literal(); });
          default:
            return paren(gen_bool(0)) + word + (chance(0.5) ? "[true]" : "[false, true]");
        }
      }
      case 9:
        if (in_pct_rank_) return "true";
        return pct_rank(depth) + " " + comparison() + " " + number_literal();
      case 10:
        // Few constant atoms: a rule that is constant agrees with anything.
        if (chance(0.3)) return chance(0.5) ? "true" : "false";
        return money_column() + " " + comparison() + " " + money_literal();
      case 11:
        if (catalog_.bools.empty())
          return money_column() + " " + comparison() + " " + money_literal();
        return one_of(catalog_.bools);
      case 12: {
        extreme_ = true;
        std::string text = money_column() + " " + comparison() + " " + money_literal();
        if (chance(0.3)) {
          text = money_column() + " between " + money_literal() + " and " + money_literal();
        } else if (chance(0.3)) {
          text = money_column() + " in " + numeric_list([&] { return money_literal(); });
        }
        extreme_ = false;
        return text;
      }
      case 13:
        return catalog_.dates.empty() ? "true"
                                      : "age_years(" + one_of(catalog_.dates) + ") " +
                                            comparison() + " " + number_literal();
      default: {
        const std::string left = number_atom();
        extreme_ = true;
        std::string text = left + " " + comparison() + " " + number_literal();
        extreme_ = false;
        return text;
      }
    }
  }
  std::string gen_bool(int depth) {
    if (depth <= 0) return atom();
    const int next = depth - 1;
    const uint64_t kind = pick(100);
    if (kind < 25) return paren(gen_bool(next) + " and " + gen_bool(next));
    if (kind < 50) return paren(gen_bool(next) + " or " + gen_bool(next));
    if (kind < 58) return "not " + paren(gen_bool(next));
    if (kind < 62) {
      return "if(" + gen_bool(next) + ", " + gen_bool(next) + ", " + gen_bool(next) + ")";
    }
    if (kind < 65) return "coalesce(" + gen_bool(next) + ", " + gen_bool(next) + ")";
    if (kind < 68) {
      return paren(gen_bool(next)) + (chance(0.5) ? " == " : " != ") + paren(gen_bool(next));
    }
    if (kind < 72) return gen_bool(next) + " and " + gen_bool(next);  // unparenthesized clauses
    return atom();
  }

  const Catalog& catalog_;
  std::mt19937_64 rng_;
  bool in_pct_rank_ = false;  // pct_rank() cannot nest
  bool extreme_ = false;      // literals near the int64 bounds allowed (compared, never multiplied)
  int nested_ = 0;            // atoms being generated, one inside another
};

std::string RuleGenerator::ill_typed_rule() {
  in_pct_rank_ = false;
  const std::string money = gen_money(1);
  const std::string date = catalog_.dates.empty() ? "registered_on" : gen_date(1);
  const std::string code = catalog_.codes.empty() ? "region" : one_of(catalog_.codes);
  const std::string integer = catalog_.integers.empty() ? "employees" : one_of(catalog_.integers);
  const std::vector<std::string> bad = {
      money + " > \"abc\"",
      money + " * " + money_column() + " > 0",
      integer + " > " + money_column(),
      money_column() + " + " + integer + " > 0",
      "1 / " + money_column() + " > 0",
      code + " < \"5\"",
      code + " == " + (catalog_.codes.size() > 1 ? catalog_.codes[1] : "industry"),
      "has_tag(" + code + ")",
      "has_tag(1)",
      "has_tag(\"x\", \"y\")",
      "age_years(" + money + ") > 1",
      "age_years() > 1",
      "quarter(" + date + ", " + date + ") > 1",
      "\"a\" == \"b\"",
      "not " + money,
      money + " and true",
      "pct_rank(pct_rank(" + money_column() + ")) > 0",
      "pct_rank(" + code + ") > 0",
      "pct_rank(true) > 0",
      "tax_piad > 1",
      "foo(1) > 0",
      code + " within " + code,
      "tags == \"x\"",
      "tags.section == \"a\"",
      (catalog_.texts.empty() ? "name" : one_of(catalog_.texts)) + ".section == \"9\"",
      "industry.group == \"C\"",
      "year(2023-02-29) > 0",
      "registered_on > 2023-13-01",
      "if(" + money + ", 1, 2) > 0",
      "if(true, 1) > 0",
      "if(true, " + code + ", \"x\") == \"x\"",
      "min(" + code + ", \"a\") == \"a\"",
      "coalesce(" + code + ", \"x\") == \"x\"",
      "min(true, false)",
      "max(" + money + ") > 0",
      money + " in " + money_column(),
      code + " in [\"a\", 1]",
      code + " in [" + code + "]",
      code + " in " + code,
      integer + " in [\"a\"]",
      integer + " > 1 > 0",
      "true and",
      "(true",
      "true)",
      money + " between 1",
      "tax_paid = 1",
      "'a' == region",
      date + " > 5",
      date + " + 1 > " + date,
      "abs(" + date + ") > 1",
      "true == 1",
      "-" + code + " == \"x\"",
      "-true",
      "in [1]",
      "\"abc",
      // "1.2.3" is refused too (RulesReferenceRegression.MalformedNumberIsReadAsItsPrefix).
      "tax_paid > 12abc",
      "tax_paid >= 50万元",
      money_column() + " >= 0.001",  // finer than a fen (SPEC §3)
      "tax_paid > 9999999999999999999",
      "registered_on > \"2020-01-01\"",
      "",
      "   ",
      code + " within \"51\" within \"5\"",
      "size > \"small\"",
      std::string(100, '(') + "true" + std::string(100, ')'),
      [] {
        std::string text;
        for (int k = 0; k < 100; ++k) text += "not ";
        return text + "true";
      }(),
      money + " # a comment",
      "tax_paid > 1 && true",
  };
  const std::string& core = one_of(bad);
  switch (pick(3)) {
    case 0:
      return core;
    case 1:
      return gen_bool(1) + " and (" + core + ")";
    default:
      return "(" + core + ") or " + gen_bool(1);
  }
}

// ---------------------------------------------------------------------------------------------
// The property check

struct Stats {
  int rules = 0;
  int pct_rank_rules = 0;
  int64_t row_checks = 0;
  int explain_checks = 0;
  int overflow_errors = 0;  // the engine's "too large to compute exactly", skipped
  int rejected = 0;         // well-typed rules the compiler refused (should stay 0)
  int mismatches = 0;
  int mixed_rules = 0;  // rules true for some rows and not for others (the informative ones)
  int64_t true_rows = 0, false_rows = 0, unknown_rows = 0;
  std::map<std::string, int> features;  // node kinds, operators, functions, column types
  std::vector<std::string> overflow_examples;

  void add(const Stats& other) {
    rules += other.rules;
    pct_rank_rules += other.pct_rank_rules;
    row_checks += other.row_checks;
    explain_checks += other.explain_checks;
    overflow_errors += other.overflow_errors;
    rejected += other.rejected;
    mismatches += other.mismatches;
    mixed_rules += other.mixed_rules;
    true_rows += other.true_rows;
    false_rows += other.false_rows;
    unknown_rows += other.unknown_rows;
    for (const auto& [name, count] : other.features) features[name] += count;
  }
};

// What a bound rule exercises, by name: "call:pct_rank", "op:/", "in:not", "column:rate", ...
void count_features(const internal::Ast& ast, const Roster& roster,
                    std::map<std::string, int>& features) {
  static const char* kOps[] = {"and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"};
  for (const internal::Node& node : ast.nodes) {
    switch (node.kind) {
      case internal::NodeKind::kNumber:
        ++features["literal:number"];
        break;
      case internal::NodeKind::kString:
        ++features["literal:string"];
        break;
      case internal::NodeKind::kDate:
        ++features["literal:date"];
        break;
      case internal::NodeKind::kBool:
        ++features["literal:bool"];
        break;
      case internal::NodeKind::kList:
        ++features["list"];
        break;
      case internal::NodeKind::kColumn:
        ++features["column:" + std::string(column_type_name(roster.columns()[node.column].type()))];
        break;
      case internal::NodeKind::kField:
        ++features["field:" + node.text];
        break;
      case internal::NodeKind::kNot:
        ++features["not"];
        break;
      case internal::NodeKind::kNegate:
        ++features["negate"];
        break;
      case internal::NodeKind::kBinary:
        ++features[std::string("op:") + kOps[static_cast<int>(node.op)]];
        break;
      case internal::NodeKind::kIn:
        ++features[node.negated ? "in:not" : "in"];
        break;
      case internal::NodeKind::kBetween:
        ++features[node.negated ? "between:not" : "between"];
        break;
      case internal::NodeKind::kWithin:
        ++features["within"];
        break;
      case internal::NodeKind::kCall:
        ++features["call:" + node.text];
        break;
    }
    if (node.constant && node.kind != internal::NodeKind::kNumber &&
        node.kind != internal::NodeKind::kDate) {
      ++features["folded"];
    }
  }
}

std::string describe_row(const Roster& roster, RowIndex row) {
  std::string text;
  for (const Column& column : roster.columns()) {
    text += "  " + column.name() + " = " +
            (column.is_null(row) ? std::string("NULL") : column.format_value(row)) + "\n";
  }
  return text;
}

// Every node's reference value for a row, to see where the two part ways.
std::string trace(const Interpreter& reference, const internal::Ast& ast, RowIndex row) {
  std::string text;
  for (size_t index = 0; index < ast.nodes.size() && text.size() < 6000; ++index) {
    const internal::NodeKind kind = ast.nodes[index].kind;
    if (kind == internal::NodeKind::kList || kind == internal::NodeKind::kString) continue;
    text += "  [" + std::to_string(index) + "] " + reference.span_text(static_cast<int>(index)) +
            "  =>  " + rules_reference::describe(reference.eval(static_cast<int>(index), row)) +
            "\n";
  }
  return text;
}

// Compiles `text`, evaluates it over `roster` with the engine and the reference, and compares.
void check_rule(const std::string& text, const Roster& roster, Date as_of, std::mt19937_64& rng,
                Stats& stats) {
  Result<Rule> rule = compile_rule(text, roster);
  if (!rule.ok()) {
    if (++stats.rejected <= 5) {
      ADD_FAILURE() << "a well-typed rule was rejected:\n  " << text << "\n"
                    << rule.status().message();
    }
    return;
  }
  ++stats.rules;
  const internal::Ast& ast = rule->compiled().ast;
  count_features(ast, roster, stats.features);
  Interpreter reference(ast, roster, as_of);
  if (reference.has_pct_rank()) ++stats.pct_rank_rules;
  for (const std::string& problem : reference.check_constants()) {
    ADD_FAILURE() << "folded constant disagrees with the reference in\n  " << text << "\n  "
                  << problem;
  }
  const EvalContext context{.as_of = as_of};
  const RowIndex rows = roster.num_rows();

  auto report = [&](RowIndex row, const std::string& where, Truth expected,
                    const std::string& actual) {
    if (++stats.mismatches > 8) return;
    ADD_FAILURE() << where << " disagrees with the reference\n  rule: " << text
                  << "\n  as of: " << as_of.to_string() << "\n  row " << row << ":\n"
                  << describe_row(roster, row) << "  expected: " << truth_name(expected)
                  << "\n  actual: " << actual << "\n  reference values:\n"
                  << trace(reference, ast, row);
  };

  Result<RowMask> eligible = rule->eligible(roster, context);
  if (!eligible.ok()) {
    // Arithmetic beyond what the engine computes exactly is an error, not a wrong answer; keep
    // count (the generator keeps products small, so these should be rare).
    if (eligible.status().message().find("too large") != std::string::npos) {
      if (++stats.overflow_errors <= 3) stats.overflow_examples.push_back(text);
      return;
    }
    ADD_FAILURE() << "eligible() failed on\n  " << text << "\n" << eligible.status().message();
    return;
  }
  std::vector<Truth> full(static_cast<size_t>(rows));
  bool some_true = false;
  bool some_not_true = false;
  for (RowIndex row = 0; row < rows; ++row) {
    full[row] = reference.truth(row);
    ++stats.row_checks;
    (full[row] == Truth::kTrue    ? stats.true_rows
     : full[row] == Truth::kFalse ? stats.false_rows
                                  : stats.unknown_rows)++;
    (full[row] == Truth::kTrue ? some_true : some_not_true) = true;
    if (eligible->test(row) != (full[row] == Truth::kTrue)) {
      report(row, "eligible()", full[row], eligible->test(row) ? "in the mask" : "not in the mask");
    }
  }
  if (some_true && some_not_true) ++stats.mixed_rules;
  // explain() evaluates one row with pct_rank over the whole roster.
  for (int k = 0; k < 3 && rows > 0; ++k) {
    const auto row = static_cast<RowIndex>(rng() % static_cast<uint64_t>(rows));
    const RuleExplanation why = rule->explain(roster, row, context);
    ++stats.explain_checks;
    if (why.value != full[row]) {
      report(row, "explain()", full[row], std::string(truth_name(why.value)));
    }
    // Each clause (operand of the outermost `and`s) too.
    const std::vector<int>& clauses = rule->compiled().clauses;
    if (why.clauses.size() != clauses.size()) {
      report(row, "explain() clause count", full[row], std::to_string(why.clauses.size()));
      continue;
    }
    for (size_t c = 0; c < clauses.size(); ++c) {
      const Truth expected = rules_reference::truth_of(reference.eval(clauses[c], row));
      if (why.clauses[c].value != expected) {
        report(row, ("explain() clause \"" + why.clauses[c].text + "\"").c_str(), expected,
               std::string(truth_name(why.clauses[c].value)));
      }
    }
  }
  // A random subset of rows considered: others are false, pct_rank ranks among these only.
  const double share = unit(rng);
  std::vector<bool> considered(static_cast<size_t>(rows));
  RowMask mask;
  mask.size = rows;
  mask.words.assign(static_cast<size_t>((rows + 63) / 64), 0);
  const bool single = rows > 0 && rng() % 10 == 0;  // n = 1: pct_rank is 0
  const auto only = rows > 0 ? static_cast<RowIndex>(rng() % static_cast<uint64_t>(rows)) : 0;
  for (RowIndex row = 0; row < rows; ++row) {
    considered[row] = single ? row == only : unit(rng) < share;
    if (considered[row]) mask.words[row >> 6] |= uint64_t{1} << (row & 63);
  }
  Result<RowMask> subset = rule->eligible(roster, context, mask);
  if (!subset.ok()) {
    if (subset.status().message().find("too large") == std::string::npos) {
      ADD_FAILURE() << "eligible(considered) failed on\n  " << text << "\n"
                    << subset.status().message();
    }
    return;
  }
  if (reference.has_pct_rank()) reference.consider(&considered);
  for (RowIndex row = 0; row < rows; ++row) {
    const Truth truth = !considered[row]           ? Truth::kFalse
                        : reference.has_pct_rank() ? reference.truth(row)
                                                   : full[row];
    ++stats.row_checks;
    if (subset->test(row) != (truth == Truth::kTrue)) {
      report(row,
             considered[row] ? "eligible(considered), row considered,"
                             : "eligible(considered), row not considered,",
             truth, subset->test(row) ? "in the mask" : "not in the mask");
    }
  }
}

const std::vector<Date>& as_of_dates() {
  static const std::vector<Date> dates = {*parse_date("2024-02-29"), *parse_date("2023-06-30"),
                                          *parse_date("2021-02-28"), *parse_date("2021-03-01"),
                                          *parse_date("2020-02-29"), *parse_date("2023-12-31"),
                                          *parse_date("2010-01-01")};
  return dates;
}

Stats check_random_rules(const Roster& roster, int count, uint64_t seed) {
  Stats stats;
  std::mt19937_64 rng(seed);
  const Catalog catalog = catalog_of(roster, rng);
  RuleGenerator generator(catalog, seed * 7919 + 1);
  for (int k = 0; k < count && stats.mismatches <= 8; ++k) {
    // Mostly the two as-of dates the issue names; the others test Feb 29 and future dates.
    const std::vector<Date>& dates = as_of_dates();
    const Date as_of = rng() % 3 == 0 ? dates[rng() % dates.size()] : dates[rng() % 2];
    check_rule(generator.rule(), roster, as_of, rng, stats);
  }
  return stats;
}

void expect_clean(const Stats& stats, const std::string& what) {
  std::cout << "[ RulesReference ] " << what << ": " << stats.rules << " rules ("
            << stats.pct_rank_rules << " with pct_rank), " << stats.row_checks << " row checks, "
            << stats.explain_checks << " explain checks, " << stats.mixed_rules
            << " rules mixed (rows true " << stats.true_rows << ", false " << stats.false_rows
            << ", unknown " << stats.unknown_rows << "), " << stats.overflow_errors
            << " overflow errors, " << stats.rejected << " rejected, " << stats.mismatches
            << " mismatches\n";
  for (const std::string& example : stats.overflow_examples) {
    std::cout << "    overflow: " << example << "\n";
  }
  EXPECT_EQ(stats.mismatches, 0) << what;
  EXPECT_EQ(stats.rejected, 0) << what;
  // A handful of overflows is the generator's doing; many would mean it tests little.
  EXPECT_LE(stats.overflow_errors * 50, stats.rules + 50) << what;
}

// ---------------------------------------------------------------------------------------------
// The reference itself, on values worked out by hand: a wrong reference would make the property
// test vacuous.

const char kTinyCsv[] =
    "id,name,region,industry,employees,revenue,assets,sales_invoiced,tax_paid,registered_on,tags\n"
    "T1,甲,510107,C3911,10,1000,800,900,100,2020-02-29,专精特新\n"
    "T2,乙,510108,C,,,-3,4,100,2021-03-01,\n"
    "T3,丙,320830,F5292,5,,,,200,,小巨人;专精特新\n"
    "T4,丁,5101,I6511,0,10,0,0,,2030-01-01,\n"
    "T5,戊,,,7,20,10,5,300,2023-06-30,a\n";

TEST(RulesReferenceTest, InterpreterAgreesWithHandWorkedValues) {
  const Roster roster = load(kTinyCsv);
  ASSERT_EQ(roster.num_rows(), 5);
  const Date as_of = *parse_date("2021-02-28");
  // Each rule with its value per row (t true, f false, u unknown), worked out from SPEC §5.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"employees > 6", "tufft"},
      {"employees > 6 or tax_paid >= 100", "tttut"},   // true or unknown is true
      {"employees > 6 and tax_paid >= 100", "tufft"},  // false and unknown is false
      {"not (employees > 6)", "futtf"},                // not unknown is unknown
      {"tax_paid / revenue > 0.05", "tuuut"},          // 100/1000 and 300/20; nulls
      {"revenue / assets > 1", "tuuut"},               // T4: 10 / 0 is null
      // Feb 29 2020 to Feb 28 2021: the anniversary is Mar 1, so 0 years but 11 months; T2 and
      // T4 registered after the as-of date (null).
      {"age_years(registered_on) >= 1", "fuuuu"},
      {"age_months(registered_on) == 11", "tuuuu"},
      {"age_years(2020-02-29) == 0 and age_months(2021-01-31) == 0", "ttttt"},
      {"year(registered_on) == 2020 and quarter(registered_on) == 1", "tfuff"},
      // tax_paid 100, 100, 200, null, 300: n = 4, ties share rank 1.
      {"pct_rank(tax_paid) == 0", "ttfuf"},
      {"pct_rank(tax_paid) == 2/3", "fftuf"},
      {"pct_rank(tax_paid) == 1", "fffut"},
      {"region within \"5101\"", "ttftu"},
      {"industry.section == \"C\"", "ttffu"},
      {"industry.division == \"39\"", "tfffu"},
      {"industry.division == \"\"", "ftffu"},  // "C" is shorter than a division
      {"has_tag(\"专精特新\")", "tftff"},
      {"coalesce(revenue, 5) >= 20", "tffft"},    // 5 yuan for the nulls
      {"if(employees > 6, 1, 2) == 2", "ftttf"},  // unknown takes the else branch
      {"min(tax_paid, 150) == 100", "ttfuf"},
      {"max(tax_paid, 150) == 150", "ttfuf"},
      {"tax_paid between 100 and 200", "tttuf"},
      {"tax_paid not between 100 and 200", "fffut"},
      {"employees in [5, 7]", "futft"},
      {"employees not in [5, 7]", "tuftf"},
      {"size in [\"micro\"] or true", "ttttt"},
      {"tax_paid > -5 and assets >= -3", "ttuut"},
      {"tax_paid * 5% == 5 or sales_invoiced == 0.0004万", "ttuuf"},
  };
  for (const auto& [text, expected] : cases) {
    Result<Rule> rule = compile_rule(text, roster);
    ASSERT_TRUE(rule.ok()) << text << "\n" << rule.status().message();
    Interpreter reference(rule->compiled().ast, roster, as_of);
    std::string actual;
    for (RowIndex row = 0; row < roster.num_rows(); ++row) {
      const Truth truth = reference.truth(row);
      actual += truth == Truth::kTrue ? 't' : truth == Truth::kFalse ? 'f' : 'u';
    }
    EXPECT_EQ(actual, expected) << text;
    // The engine too, on these few rows.
    Result<RowMask> mask = rule->eligible(roster, {.as_of = as_of});
    ASSERT_TRUE(mask.ok()) << text << "\n" << mask.status().message();
    for (RowIndex row = 0; row < roster.num_rows(); ++row) {
      EXPECT_EQ(mask->test(row), expected[row] == 't') << text << ", row " << row;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The property test

// Every construct of the language must actually be generated, or agreement proves little.
void expect_coverage(const Stats& stats, const std::vector<std::string>& wanted) {
  for (const std::string& feature : wanted) {
    const auto found = stats.features.find(feature);
    EXPECT_TRUE(found != stats.features.end() && found->second >= 5)
        << feature << " appears " << (found == stats.features.end() ? 0 : found->second)
        << " times";
  }
}

const std::vector<std::string> kCommonFeatures = {"literal:number", "literal:string",
                                                  "literal:date",   "literal:bool",
                                                  "list",           "column:money",
                                                  "column:integer", "column:date",
                                                  "column:string",  "column:text",
                                                  "column:tags",    "field:section",
                                                  "field:division", "not",
                                                  "negate",         "op:and",
                                                  "op:or",          "op:==",
                                                  "op:!=",          "op:<",
                                                  "op:<=",          "op:>",
                                                  "op:>=",          "op:+",
                                                  "op:-",           "op:*",
                                                  "op:/",           "in",
                                                  "in:not",         "between",
                                                  "between:not",    "within",
                                                  "call:if",        "call:min",
                                                  "call:max",       "call:abs",
                                                  "call:coalesce",  "call:has_tag",
                                                  "call:age_years", "call:age_months",
                                                  "call:year",      "call:quarter",
                                                  "call:pct_rank",  "folded"};

TEST(RulesReferenceTest, RandomRulesAgreeOnSyntheticRosters) {
  Stats total;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const Roster roster = synthetic(150 + 90 * static_cast<int64_t>(seed), seed);
    const Stats stats = check_random_rules(roster, 600, 1000 + seed);
    expect_clean(stats, "synthetic roster, seed " + std::to_string(seed));
    total.add(stats);
  }
  expect_coverage(total, kCommonFeatures);
  // Most rules should split the roster: all-false rules would agree with anything.
  EXPECT_GE(total.mixed_rules * 2, total.rules);
}

TEST(RulesReferenceTest, RandomRulesAgreeOnHandMadeRosters) {
  Stats total;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const Roster roster = hand_made(20 + 15 * static_cast<int>(seed), seed, 0.1 * seed);
    const Stats stats = check_random_rules(roster, 300, 2000 + seed);
    expect_clean(stats, "hand-made roster, seed " + std::to_string(seed));
    total.add(stats);
  }
  // One row (pct_rank is 0 for it) and none at all.
  for (const int rows : {1, 0}) {
    const Roster roster = hand_made(rows, 11 + rows, 0.3);
    const Stats stats = check_random_rules(roster, 60, 2100 + rows);
    expect_clean(stats, "hand-made roster of " + std::to_string(rows) + " rows");
    total.add(stats);
  }
  std::vector<std::string> wanted = kCommonFeatures;
  wanted.insert(wanted.end(), {"column:rate", "column:bool"});
  expect_coverage(total, wanted);
}

// More rows than one batch (2048): pct_rank ranks across batches, masks cross word and batch
// boundaries.
TEST(RulesReferenceTest, RandomRulesAgreeAcrossBatches) {
  const Roster roster = synthetic(2600, 77);
  const Stats stats = check_random_rules(roster, 150, 3000);
  expect_clean(stats, "synthetic roster of 2600 rows");
}

TEST(RulesReferenceTest, IllTypedRulesAreRejected) {
  const Roster synthetic_roster = synthetic(50, 9);
  const Roster hand_made_roster = hand_made(20, 9, 0.2);
  int checked = 0;
  for (const Roster* roster : {&synthetic_roster, &hand_made_roster}) {
    std::mt19937_64 rng(4242);
    const Catalog catalog = catalog_of(*roster, rng);
    RuleGenerator generator(catalog, 4243);
    for (int k = 0; k < 400; ++k) {
      const std::string text = generator.ill_typed_rule();
      Result<Rule> rule = compile_rule(text, *roster);
      ++checked;
      EXPECT_FALSE(rule.ok()) << "accepted: " << text;
      if (!rule.ok()) EXPECT_FALSE(rule.status().message().empty()) << text;
    }
  }
  // Well-typed but not true/false: compiles, and eligible() says why instead of answering.
  const EvalContext context{.as_of = *parse_date("2023-06-30")};
  for (const char* text : {"tax_paid", "tax_paid * 5%", "employees + 1", "registered_on", "region",
                           "age_years(registered_on)", "pct_rank(tax_paid)"}) {
    Result<Rule> rule = compile_rule(text, synthetic_roster);
    ASSERT_TRUE(rule.ok()) << text << "\n" << rule.status().message();
    EXPECT_FALSE(rule->eligible(synthetic_roster, context).ok()) << text;
  }
  std::cout << "[ RulesReference ] " << checked << " ill-typed rules rejected\n";
}

// ---------------------------------------------------------------------------------------------
// Reproducers of bugs found by the tests above. Each failed when it was written (on the engine of
// commit 6c689d4 plus the work in progress of the day); the comments say what happened then.

// A field of a plain text column: the binder accepted `id.section` (id is text, so a string), the
// evaluator then read dictionary codes the column does not have: SIGSEGV. SPEC §5: "a hostile
// rule can neither crash nor hang the engine". Either a compile error or the right answer will do.
TEST(RulesReferenceRegression, FieldOfTextColumnCrashes) {
  EXPECT_EXIT(
      {
        const Roster roster = load(kTinyCsv);
        Result<Rule> rule = compile_rule("id.section == \"T\"", roster);
        if (!rule.ok()) std::exit(0);
        Result<RowMask> mask = rule->eligible(roster, {.as_of = *parse_date("2023-06-30")});
        std::exit(mask.ok() && mask->count() == 5 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// explain() of a rule that compiles but is not true/false (`tax_paid`) read the truth vector of
// a node that has none: SIGSEGV. eligible() reports "the rule gives money, not true/false";
// explain() should answer unknown (or the compiler reject such rules) rather than crash.
TEST(RulesReferenceRegression, ExplainOfNonBoolRuleCrashes) {
  EXPECT_EXIT(
      {
        const Roster roster = load(kTinyCsv);
        Result<Rule> rule = compile_rule("tax_paid", roster);
        if (!rule.ok()) std::exit(0);
        const RuleExplanation why = rule->explain(roster, 0, {.as_of = *parse_date("2023-06-30")});
        std::exit(why.value == Truth::kUnknown ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// A constant of plain numbers next to money was turned into fen by multiplying by 100 without
// checking for overflow (bind.cpp, Binder::to_money ignored multiply()'s result): 10^37 yuan is
// 10^39 fen, past int128, and wrapped. `tax_paid < 10^37` was then false for tax_paid = 100 yuan.
// SPEC §3: "Overflow is an error, not a wrap". Expected: true for T1 (or a compile error).
TEST(RulesReferenceRegression, YuanConstantOverflowWraps) {
  const Roster roster = load(kTinyCsv);
  Result<Rule> rule =
      compile_rule("tax_paid < 999999999999999999 * 999999999999999999 * 10", roster);
  if (!rule.ok()) SUCCEED() << "rejected: " << rule.status().message();
  if (!rule.ok()) return;
  Result<RowMask> mask = rule->eligible(roster, {.as_of = *parse_date("2023-06-30")});
  ASSERT_TRUE(mask.ok()) << mask.status().message();
  EXPECT_TRUE(mask->test(0)) << "tax_paid = 100 yuan is below 10^37 yuan";
}

// Whole-number arithmetic stayed in int64 and failed when a product passed 2^63, though the rule
// is exact well within 128 bits (rules.hpp: an error only "when arithmetic leaves 128 bits"; SPEC
// §3: products use 128-bit intermediates). revenue = 10^11 yuan = 10^13 fen, times 10^6 is 10^19.
// The same rule with a non-whole factor (1000000.5) took the rational path and answered.
TEST(RulesReferenceRegression, WholeProductOverflowsInt64) {
  const Roster roster = load(
      "id,name,region,industry,employees,revenue,assets,sales_invoiced,tax_paid,registered_on,"
      "tags\n"
      "B1,甲,510107,C3911,10,100000000000,5,5,5,2020-02-29,\n");
  const EvalContext context{.as_of = *parse_date("2023-06-30")};
  Result<Rule> rational = compile_rule("revenue * 1000000.5 > 0", roster);
  ASSERT_TRUE(rational.ok());
  Result<RowMask> rational_mask = rational->eligible(roster, context);
  ASSERT_TRUE(rational_mask.ok()) << rational_mask.status().message();
  EXPECT_TRUE(rational_mask->test(0));
  Result<Rule> whole = compile_rule("revenue * 1000000 > 0", roster);
  ASSERT_TRUE(whole.ok());
  Result<RowMask> whole_mask = whole->eligible(roster, context);
  ASSERT_TRUE(whole_mask.ok()) << whole_mask.status().message();
  EXPECT_TRUE(whole_mask->test(0));
}

// A number with a second decimal point was read as its prefix: the lexer takes "1.2.3" as one
// literal, scan_decimal() leaves ".3" as a suffix for the caller to judge, and the rule parser
// only looked for 万/亿/%/‰ in it, never rejecting anything else. So `tax_paid >= 1.5.0万` meant
// 1.5 yuan, not an error (and not 15,000 yuan). SPEC §5: errors are caught at compile time with
// the position. Expected: a compile error at 1:12 ("invalid number").
TEST(RulesReferenceRegression, MalformedNumberIsReadAsItsPrefix) {
  const Roster roster = load(kTinyCsv);
  for (const char* text : {"tax_paid >= 1.5.0万", "tax_paid > 1.2.3"}) {
    Result<Rule> rule = compile_rule(text, roster);
    EXPECT_FALSE(rule.ok()) << text << " was accepted";
  }
  // And if it compiles, it must mean 15,000 yuan: T1 pays 100 yuan of tax and is not eligible.
  Result<Rule> rule = compile_rule("tax_paid >= 1.5.0万", roster);
  if (rule.ok()) {
    Result<RowMask> mask = rule->eligible(roster, {.as_of = *parse_date("2023-06-30")});
    ASSERT_TRUE(mask.ok());
    EXPECT_FALSE(mask->test(0)) << "100 yuan >= 1.5.0万 holds: the literal was read as 1.5";
  }
}

bool valid_utf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const auto lead = static_cast<unsigned char>(text[at]);
    const size_t length = lead < 0x80    ? 1
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC0 ? 2
                                         : 0;
    if (length == 0 || at + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[at + k]) & 0xC0) != 0x80) return false;
    }
    at += length;
  }
  return true;
}

// A number followed by a non-ASCII letter was rejected with `invalid number "<literal><next>"`,
// but <next> was one byte (parser.cpp: text_.substr(end, 1)), the first of a UTF-8 sequence: for
// `tax_paid >= 50万元` the message held "50万\xE5" — invalid UTF-8 in a message shown to users
// (and in JSON/Python error strings). Expected: the whole character, "50万元".
TEST(RulesReferenceRegression, InvalidNumberMessageCutsUtf8) {
  const Roster roster = load(kTinyCsv);
  Result<Rule> rule = compile_rule("tax_paid >= 50万元", roster);
  ASSERT_FALSE(rule.ok());
  EXPECT_TRUE(valid_utf8(rule.status().message())) << rule.status().message();
  EXPECT_NE(rule.status().message().find("\"50万元\""), std::string::npos)
      << rule.status().message();
}

}  // namespace
}  // namespace subsidy
