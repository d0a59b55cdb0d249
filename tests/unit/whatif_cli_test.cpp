// End-to-end tests of `subsidy whatif` (SPEC §9, issue 7): the real executable over the Xuyi
// example plan and the small roster, in temporary directories. A scenario's tables are checked
// three ways: against numbers worked out by hand (in the comments), against tables computed here
// from the files `subsidy allocate` writes for the base plan and for the plan with the change made
// by hand (text replacement) — so the incremental runner equals a from-scratch run through the
// command line — and byte for byte (awards.csv, pools.csv). Sweeps: every point against a
// from-scratch allocate of the plan with that value. Errors: exit 2, the exact message, nothing
// written.
//
// The Xuyi plan (examples/xuyi-2023-plan.yaml) over examples/roster-small.csv, by hand:
//   pool county-base-fund: received 80万, reserve 5% → budget 760000; pro_rata; rounded down to the
//   yuan. startup-rent has its own budget 60000 (priority by registered_on): #12 and #3 get 30000
//   each. base-support (tax-contribution vs sales-contribution, highest) asks, after stacking:
//     #1 sales 159000, #2 sales 300000 (cap), #3 tax 20000, #4 sales 28000, #8 sales 300000 (cap),
//     #11 sales 300000 (cap), #14 tax 20000                                  → Σ 1127000
//   requested (metric) = 1127000 + 160000 (rent lines) = 1287000.
//   Base: 700000 for 1127000 → #1 98758, #2 186336, #3 12422, #4 17391, #8 186336, #11 186335,
//   #14 12422 (largest remainders: the three 300000 lines tie, lower ids first).
//   Enterprises funded: #1 #2 #3 (12422 + 30000 = 42422) #4 #8 #11 #12 (30000) #14 → 8, 9 lines.
//   Sizes (subsidy classify): #8 medium; #13, #14 unknown; the others here small.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;

using subsidy_test::CommandResult;
using subsidy_test::read_file;
using subsidy_test::write_file;

const char kXuyi[] = "examples/xuyi-2023-plan.yaml";
const char kRoster[] = "examples/roster-small.csv";
const char kReceived[] = "pools.county-base-fund.received";
const char kBand0Award[] = "programs.tax-contribution.award.tiers.bands[0].award";

// The text of the Xuyi plan that the edits below replace.
const char kReceivedText[] = "received: 80万";
const char kBand0Text[] = "{from: 20万,  award: 2万}";

const char kScenarioFiles[] =
    "metrics.csv, by_region.csv, by_size.csv, by_change.csv, top_changes.csv, awards.csv, "
    "pools.csv, summary.txt";

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string quote(const std::string& arg) {
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// RFC 4180 records of a CSV text (no BOM).
std::vector<std::vector<std::string>> csv_records(const std::string& text) {
  return subsidy_test::parse_csv(text);
}

// "1234.56" / "-3.00" → fen.
int64_t fen_of(const std::string& text) {
  static const std::regex amount(R"((-?)([0-9]+)\.([0-9]{2}))");
  std::smatch match;
  if (!std::regex_match(text, match, amount)) {
    ADD_FAILURE() << "not an amount: \"" << text << "\"";
    return 0;
  }
  const int64_t fen = std::stoll(match[2].str()) * 100 + std::stoll(match[3].str());
  return match[1].length() > 0 ? -fen : fen;
}

std::string yuan(int64_t fen) {
  const int64_t magnitude = fen < 0 ? -fen : fen;
  return fmt::format("{}{}.{:02d}", fen < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

std::string signed_yuan(int64_t fen) { return (fen > 0 ? "+" : "") + yuan(fen); }

// n / d half-up (n ≥ 0, d > 0).
int64_t half_up(int64_t n, int64_t d) { return n / d + (2 * (n % d) >= d ? 1 : 0); }

// n / d to six decimals, half-up; "" when d is 0.
std::string ratio6(int64_t n, int64_t d) {
  if (d == 0) return "";
  const int64_t millionths = half_up(n * 1'000'000, d);
  return fmt::format("{}.{:06d}", millionths / 1'000'000, millionths % 1'000'000);
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto found = std::find(header.begin(), header.end(), name);
  EXPECT_NE(found, header.end()) << "no column " << name;
  return static_cast<size_t>(found - header.begin());
}

// What an allocation left in awards.csv and pools.csv, per enterprise.
struct Outcome {
  std::map<std::string, int64_t> total;       // enterprise → Σ granted, only those granted > 0
  std::map<std::string, std::string> region;  // of every enterprise in awards.csv
  int64_t requested = 0;                      // Σ requested of lines not stacked out or dropped
  int64_t granted = 0;
  int64_t funded_lines = 0;
  int64_t remaining = 0;  // Σ remaining of the plan's pools (not their children or program budgets)
};

Outcome outcome_of(const std::string& awards_csv, const std::string& pools_csv) {
  Outcome out;
  const auto awards = csv_records(awards_csv);
  EXPECT_FALSE(awards.empty());
  if (awards.empty()) return out;
  const size_t enterprise = column(awards[0], "enterprise");
  const size_t region = column(awards[0], "region");
  const size_t requested = column(awards[0], "requested");
  const size_t granted = column(awards[0], "granted");
  const size_t status = column(awards[0], "status");
  for (size_t r = 1; r < awards.size(); ++r) {
    const auto& row = awards[r];
    out.region[row[enterprise]] = row[region];
    if (row[status] != "stacked_out" && row[status] != "dropped_below_min") {
      out.requested += fen_of(row[requested]);
    }
    const int64_t fen = fen_of(row[granted]);
    if (fen > 0) {
      out.total[row[enterprise]] += fen;
      out.granted += fen;
      ++out.funded_lines;
    }
  }
  const auto pools = csv_records(pools_csv);
  EXPECT_FALSE(pools.empty());
  if (pools.empty()) return out;
  const size_t pool = column(pools[0], "pool");
  const size_t remaining = column(pools[0], "remaining");
  const size_t pool_requested = column(pools[0], "requested");
  const size_t pool_granted = column(pools[0], "granted");
  int64_t top_requested = 0;
  int64_t top_granted = 0;
  for (size_t r = 1; r < pools.size(); ++r) {
    const std::string& id = pools[r][pool];
    if (id.find(':') != std::string::npos || id.find('/') != std::string::npos) continue;
    out.remaining += fen_of(pools[r][remaining]);
    top_requested += fen_of(pools[r][pool_requested]);
    top_granted += fen_of(pools[r][pool_granted]);
  }
  // awards.csv and pools.csv agree (one pool level, no split: every line is under a plan pool).
  EXPECT_EQ(top_requested, out.requested);
  EXPECT_EQ(top_granted, out.granted);
  return out;
}

using Sizes = std::map<std::string, std::string>;  // enterprise → size class ("" unknown)

std::string size_of(const Sizes& sizes, const std::string& enterprise) {
  const auto found = sizes.find(enterprise);
  EXPECT_NE(found, sizes.end()) << enterprise << " is not in the classified roster";
  return found == sizes.end() ? std::string() : found->second;
}

// The metrics of a run (RunMetrics), worked out here from its files.
struct Metrics {
  int64_t requested = 0;
  int64_t granted = 0;
  int64_t funded = 0;
  int64_t funded_lines = 0;
  int64_t mean = 0;
  int64_t median = 0;
  int64_t small_micro = 0;
  std::string gini;
  int64_t remaining = 0;
};

Metrics metrics_of(const Outcome& outcome, const Sizes& sizes) {
  Metrics m;
  m.requested = outcome.requested;
  m.granted = outcome.granted;
  m.funded_lines = outcome.funded_lines;
  m.remaining = outcome.remaining;
  std::vector<int64_t> amounts;
  for (const auto& [enterprise, fen] : outcome.total) {
    amounts.push_back(fen);
    const std::string size = size_of(sizes, enterprise);
    if (size == "small" || size == "micro") m.small_micro += fen;
  }
  const auto n = static_cast<int64_t>(amounts.size());
  m.funded = n;
  if (n == 0) return m;
  m.mean = half_up(m.granted, n);
  std::sort(amounts.begin(), amounts.end());
  m.median = n % 2 == 1 ? amounts[n / 2] : half_up(amounts[n / 2 - 1] + amounts[n / 2], 2);
  // Gini of the sorted totals: (2 Σ i·x_i) / (n Σ x_i) − (n + 1) / n, i from 1.
  int64_t weighted = 0;
  for (int64_t i = 0; i < n; ++i) weighted += (i + 1) * amounts[static_cast<size_t>(i)];
  const double gini = 2.0 * static_cast<double>(weighted) /
                          (static_cast<double>(n) * static_cast<double>(m.granted)) -
                      static_cast<double>(n + 1) / static_cast<double>(n);
  m.gini = fmt::format("{:.6f}", gini);
  return m;
}

std::vector<std::pair<std::string, std::string>> metric_texts(const Metrics& m) {
  return {{"requested", yuan(m.requested)},
          {"granted", yuan(m.granted)},
          {"funded", std::to_string(m.funded)},
          {"funded_lines", std::to_string(m.funded_lines)},
          {"mean_award", yuan(m.mean)},
          {"median_award", yuan(m.median)},
          {"small_micro_share", ratio6(m.small_micro, m.granted)},
          {"gini", m.gini},
          {"remaining", yuan(m.remaining)}};
}

std::string expected_metrics_csv(const Metrics& base, const Metrics& after) {
  const auto a = metric_texts(base);
  const auto b = metric_texts(after);
  const std::vector<std::string> changes = {
      signed_yuan(after.requested - base.requested),
      signed_yuan(after.granted - base.granted),
      fmt::format("{:+d}", after.funded - base.funded),
      fmt::format("{:+d}", after.funded_lines - base.funded_lines),
      signed_yuan(after.mean - base.mean),
      signed_yuan(after.median - base.median),
      "",
      "",
      signed_yuan(after.remaining - base.remaining)};
  std::string out = "metric,base,scenario,change\n";
  for (size_t k = 0; k < a.size(); ++k) {
    out += a[k].first + "," + a[k].second + "," + b[k].second + "," + changes[k] + "\n";
  }
  return out;
}

// One row of sweep.csv: the point's values, then its metrics.
std::string sweep_row(const std::vector<std::string>& values, const Metrics& m) {
  std::string out;
  for (const std::string& value : values) out += value + ",";
  const auto texts = metric_texts(m);
  for (size_t k = 0; k < texts.size(); ++k)
    out += texts[k].second + (k + 1 < texts.size() ? "," : "\n");
  return out;
}

// The rows of sweep_by_region.csv for one point: region (ordered, "" last), granted, funded.
std::string sweep_region_rows(const std::vector<std::string>& values, const Outcome& outcome) {
  std::map<std::string, std::pair<int64_t, int64_t>> regions;
  for (const auto& [enterprise, fen] : outcome.total) {
    auto& entry = regions[outcome.region.at(enterprise)];
    entry.first += fen;
    ++entry.second;
  }
  std::vector<std::string> keys;
  for (const auto& entry : regions) keys.push_back(entry.first);
  std::stable_partition(keys.begin(), keys.end(), [](const std::string& k) { return !k.empty(); });
  std::string out;
  for (const std::string& key : keys) {
    for (const std::string& value : values) out += value + ",";
    out += fmt::format("{},{},{}\n", key, yuan(regions[key].first), regions[key].second);
  }
  return out;
}

struct Change {
  std::string enterprise;
  std::string region;
  int64_t before = 0;
  int64_t after = 0;
  int64_t change() const { return after - before; }
};

// Every enterprise granted something in either run, with its totals.
std::vector<Change> changes_between(const Outcome& before, const Outcome& after) {
  std::map<std::string, Change> all;
  for (const auto& [enterprise, fen] : before.total) {
    all[enterprise] = {enterprise, before.region.at(enterprise), fen, 0};
  }
  for (const auto& [enterprise, fen] : after.total) {
    Change& change = all[enterprise];
    change.enterprise = enterprise;
    change.region = after.region.at(enterprise);
    change.after = fen;
  }
  std::vector<Change> out;
  for (auto& entry : all) out.push_back(entry.second);
  return out;
}

struct Group {
  int64_t before = 0;
  int64_t after = 0;
  int64_t winners = 0;
  int64_t losers = 0;
};

std::string group_rows(const std::string& key_name,
                       const std::vector<std::pair<std::string, Group>>& groups) {
  std::string out = key_name + ",before,after,change,winners,losers\n";
  for (const auto& [key, g] : groups) {
    out += fmt::format("{},{},{},{},{},{}\n", key, yuan(g.before), yuan(g.after),
                       yuan(g.after - g.before), g.winners, g.losers);
  }
  return out;
}

void add(Group& group, const Change& change) {
  group.before += change.before;
  group.after += change.after;
  group.winners += change.change() > 0 ? 1 : 0;
  group.losers += change.change() < 0 ? 1 : 0;
}

// by_region.csv or by_size.csv: groups ordered by key ("" first), every enterprise granted in
// either run counted in its group.
template <typename KeyOf>
std::string expected_groups(const std::string& key_name, const std::vector<Change>& changes,
                            KeyOf key_of) {
  std::map<std::string, Group> groups;
  for (const Change& change : changes) add(groups[key_of(change)], change);
  return group_rows(key_name,
                    std::vector<std::pair<std::string, Group>>(groups.begin(), groups.end()));
}

// by_change.csv: four buckets of the size of a change (edges 1千, 1万, 10万 yuan, each inclusive),
// gains then losses; unchanged enterprises in none.
std::string expected_by_change(const std::vector<Change>& changes) {
  const char* names[] = {"up to 1千", "1千–1万", "1万–10万", "over 10万"};
  std::vector<std::pair<std::string, Group>> groups;
  for (const char* direction : {"gain", "loss"}) {
    for (const char* name : names) groups.push_back({fmt::format("{} {}", direction, name), {}});
  }
  for (const Change& change : changes) {
    if (change.change() == 0) continue;
    const int64_t size = change.change() < 0 ? -change.change() : change.change();
    const size_t bucket = size <= 1'000'00 ? 0 : size <= 10'000'00 ? 1 : size <= 100'000'00 ? 2 : 3;
    add(groups[(change.change() > 0 ? 0 : 4) + bucket].second, change);
  }
  return group_rows("change", groups);
}

// top_changes.csv: the `top` largest gains (ties by enterprise id), then the largest losses.
std::string expected_top_changes(std::vector<Change> changes, size_t top) {
  std::vector<Change> gains;
  std::vector<Change> losses;
  for (const Change& change : changes) {
    if (change.change() > 0) gains.push_back(change);
    if (change.change() < 0) losses.push_back(change);
  }
  std::sort(gains.begin(), gains.end(), [](const Change& a, const Change& b) {
    return a.change() != b.change() ? a.change() > b.change() : a.enterprise < b.enterprise;
  });
  std::sort(losses.begin(), losses.end(), [](const Change& a, const Change& b) {
    return a.change() != b.change() ? a.change() < b.change() : a.enterprise < b.enterprise;
  });
  std::string out = "direction,rank,enterprise,region,before,after,change\n";
  for (size_t k = 0; k < std::min(top, gains.size()); ++k) {
    out += fmt::format("gain,{},{},{},{},{},{}\n", k + 1, gains[k].enterprise, gains[k].region,
                       yuan(gains[k].before), yuan(gains[k].after), yuan(gains[k].change()));
  }
  for (size_t k = 0; k < std::min(top, losses.size()); ++k) {
    out += fmt::format("loss,{},{},{},{},{},{}\n", k + 1, losses[k].enterprise, losses[k].region,
                       yuan(losses[k].before), yuan(losses[k].after), yuan(losses[k].change()));
  }
  return out;
}

std::vector<std::string> files_in(const fs::path& directory) {
  std::vector<std::string> names;
  if (!fs::exists(directory)) return names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string xuyi_id(int n) {
  return "91320830MA1N0000" + std::string(n < 10 ? "0" : "") + std::to_string(n);
}

// A from-scratch run: what `subsidy allocate` wrote.
struct Scratch {
  std::string awards;
  std::string pools;
  Outcome outcome;
};

class WhatifCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = subsidy_test::fresh_test_directory("whatif-cli");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `subsidy args...` from the source directory (so examples/… resolve), each arg quoted.
  CommandResult subsidy(const std::vector<std::string>& args) {
    std::string command = "'" SUBSIDY_CLI_PATH "'";
    for (const std::string& arg : args) command += " " + quote(arg);
    return subsidy_test::run_shell(SUBSIDY_SOURCE_DIR, command, dir_);
  }
  // `subsidy whatif --plan <Xuyi> --roster <small> args...`
  CommandResult whatif(std::vector<std::string> args) {
    args.insert(args.begin(), {"whatif", "--plan", kXuyi, "--roster", kRoster});
    return subsidy(args);
  }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }
  std::string output(const std::string& out_dir, const std::string& file) const {
    return read_file(dir_ / out_dir / file);
  }

  // The Xuyi plan's text with each `from` (found exactly once) replaced by its `to`.
  static std::string xuyi_with(const std::vector<std::pair<std::string, std::string>>& edits) {
    std::string text = read_file(std::string(SUBSIDY_SOURCE_DIR) + "/" + kXuyi);
    for (const auto& [from, to] : edits) {
      const size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at == std::string::npos) continue;
      EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " is in the plan twice";
      text.replace(at, from.size(), to);
    }
    return text;
  }

  // `subsidy allocate` of a plan text written here (runs are cached by the text: same bytes).
  const Scratch& allocate(const std::string& plan_text) {
    static std::map<std::string, Scratch> cache;
    if (const auto found = cache.find(plan_text); found != cache.end()) return found->second;
    const std::string name = "scratch-" + std::to_string(cache.size());
    write_file(dir_ / (name + ".yaml"), plan_text);
    const CommandResult run = subsidy(
        {"allocate", "--plan", tmp(name + ".yaml"), "--roster", kRoster, "--out", tmp(name)});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    Scratch scratch;
    scratch.awards = output(name, "awards.csv");
    scratch.pools = output(name, "pools.csv");
    scratch.outcome = outcome_of(scratch.awards, scratch.pools);
    return cache.emplace(plan_text, std::move(scratch)).first->second;
  }
  const Scratch& base() { return allocate(xuyi_with({})); }

  // Each enterprise's size class, as `subsidy classify` gives it (once).
  const Sizes& sizes() {
    static Sizes sizes;
    if (!sizes.empty()) return sizes;
    const CommandResult run =
        subsidy({"classify", "--roster", kRoster, "--out", tmp("classified.csv")});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const auto records = csv_records(read_file(dir_ / "classified.csv"));
    EXPECT_GT(records.size(), 1u);
    if (records.empty()) return sizes;
    const size_t id = column(records[0], "id");
    const size_t size = column(records[0], "size");
    for (size_t r = 1; r < records.size(); ++r) sizes[records[r][id]] = records[r][size];
    return sizes;
  }

  // Checks every table of a scenario's --out directory against the two from-scratch runs.
  void expect_scenario_tables(const std::string& out_dir, const Scratch& after, size_t top) {
    const Scratch& before = base();
    EXPECT_EQ(output(out_dir, "awards.csv"), after.awards);
    EXPECT_EQ(output(out_dir, "pools.csv"), after.pools);
    EXPECT_EQ(output(out_dir, "metrics.csv"),
              expected_metrics_csv(metrics_of(before.outcome, sizes()),
                                   metrics_of(after.outcome, sizes())));
    const std::vector<Change> changes = changes_between(before.outcome, after.outcome);
    EXPECT_EQ(output(out_dir, "top_changes.csv"), expected_top_changes(changes, top));
    EXPECT_EQ(output(out_dir, "by_region.csv"),
              expected_groups("region", changes, [](const Change& c) { return c.region; }));
    const Sizes& classes = sizes();
    EXPECT_EQ(output(out_dir, "by_size.csv"),
              expected_groups("size", changes,
                              [&](const Change& c) { return size_of(classes, c.enterprise); }));
    EXPECT_EQ(output(out_dir, "by_change.csv"), expected_by_change(changes));
  }

  // Checks that a failed run said exactly `message` on stderr, exit 2, and wrote nothing.
  void expect_refused(const std::vector<std::string>& args, const std::string& message) {
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    fs::remove_all(dir_ / "out");
    fs::create_directories(dir_ / "out");
    std::vector<std::string> with_out = args;
    with_out.push_back("--out");
    with_out.push_back(tmp("out"));
    const CommandResult run = whatif(with_out);
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.err, message);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(files_in(dir_ / "out"), std::vector<std::string>());
  }

  fs::path dir_;
};

// The stdout of a run with --out: the summary, then where the files went and how long it took.
void expect_summary_then_wrote(const std::string& out, const std::string& summary,
                               const std::string& directory, const std::string& files) {
  const std::string wrote = "\nwrote " + directory + "/" + files + " in ";
  ASSERT_TRUE(starts_with(out, summary + wrote)) << out;
  EXPECT_TRUE(std::regex_match(out.substr(summary.size() + wrote.size()),
                               std::regex(R"([0-9]+\.[0-9]{2} s\n)")))
      << out;
}

// pools.county-base-fund.received=120万 → budget 1140000, 1080000 after the rent's 60000 for the
// same 1127000: r = 1080000 / 1127000 = 0.958296…
//   20000 r = 19165.93 → 19165 (#3, #14)   159000 r = 152369.12 → 152369 (#1)
//   28000 r = 26832.30 → 26832 (#4)        300000 r = 287488.91 → 287488 (#2, #8, #11)
//   Σ = 1079995: the 5 yuan left go to the largest remainders: .93 (#3, #14), .91 (#2, #8, #11).
// Totals: #1 152369, #2 287489, #3 19166 + 30000 = 49166, #4 26832, #8 287489, #11 287489,
// #12 30000 (unchanged), #14 19166 → granted 1140000, 8 funded: mean 142500; median of
// 19166 26832 30000 49166 | 152369 287489×3 = (49166 + 152369) / 2 = 100767.50; base median
// (42422 + 98758) / 2 = 70590. Small or micro: all but #8 (medium) and #14 (unknown):
// base 760000 − 186336 − 12422 = 561242 → 0.738476; scenario 1140000 − 287489 − 19166 = 833345
// → 0.731004. Gini of the base totals: 2·4713732 / (8·760000) − 9/8 = 0.425570.
const char kSummary120[] = R"(scenario: pools.county-base-fund.received=120万

                                    base            scenario
  requested                   1287000.00          1287000.00
  granted                      760000.00          1140000.00
  funded                               8                   8
  funded_lines                         9                   9
  mean_award                    95000.00           142500.00
  median_award                  70590.00           100767.50
  small_micro_share             0.738476            0.731004
  gini                          0.425570            0.444870
  remaining                         0.00                0.00

  7 enterprises gain (380000.00 yuan in all), 0 lose (0.00 yuan), 1 unchanged

  largest gains:
    91320830MA1N000011   320830        186335.00 ->      287489.00       +101154.00
    91320830MA1N000002   320830        186336.00 ->      287489.00       +101153.00
    91320830MA1N000008   320830        186336.00 ->      287489.00       +101153.00
    91320830MA1N000001   320830         98758.00 ->      152369.00        +53611.00
    91320830MA1N000004   320830         17391.00 ->       26832.00         +9441.00
    91320830MA1N000003   320830         42422.00 ->       49166.00         +6744.00
    91320830MA1N000014   320830         12422.00 ->       19166.00         +6744.00
)";

TEST_F(WhatifCliTest, ScenarioPrintsTheSummary) {
  const CommandResult run = whatif({"--set", std::string(kReceived) + "=120万"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, kSummary120);
}

TEST_F(WhatifCliTest, ScenarioWritesItsTablesIntoOut) {
  const CommandResult run = whatif({"--set", std::string(kReceived) + "=120万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_summary_then_wrote(run.out, kSummary120, tmp("s"), kScenarioFiles);
  EXPECT_EQ(
      files_in(dir_ / "s"),
      (std::vector<std::string>{"awards.csv", "by_change.csv", "by_region.csv", "by_size.csv",
                                "metrics.csv", "pools.csv", "summary.txt", "top_changes.csv"}));
  EXPECT_EQ(output("s", "summary.txt"), kSummary120);
  EXPECT_EQ(output("s", "metrics.csv"),
            "metric,base,scenario,change\n"
            "requested,1287000.00,1287000.00,0.00\n"
            "granted,760000.00,1140000.00,+380000.00\n"
            "funded,8,8,+0\n"
            "funded_lines,9,9,+0\n"
            "mean_award,95000.00,142500.00,+47500.00\n"
            "median_award,70590.00,100767.50,+30177.50\n"
            "small_micro_share,0.738476,0.731004,\n"
            "gini,0.425570,0.444870,\n"
            "remaining,0.00,0.00,0.00\n");
  EXPECT_EQ(output("s", "by_region.csv"),
            "region,before,after,change,winners,losers\n"
            "320830,760000.00,1140000.00,380000.00,7,0\n");
  // Unknown size: #14; medium: #8; small: #1 #2 #3 #4 #11 #12.
  EXPECT_EQ(output("s", "by_size.csv"),
            "size,before,after,change,winners,losers\n"
            ",12422.00,19166.00,6744.00,1,0\n"
            "medium,186336.00,287489.00,101153.00,1,0\n"
            "small,561242.00,833345.00,272103.00,5,0\n");
  // Gains 6744 (#3, #14), 9441 (#4): 1千–1万; 53611 (#1): 1万–10万; 101153/101154: over 10万.
  EXPECT_EQ(output("s", "by_change.csv"),
            "change,before,after,change,winners,losers\n"
            "gain up to 1千,0.00,0.00,0.00,0,0\n"
            "gain 1千–1万,72235.00,95164.00,22929.00,3,0\n"
            "gain 1万–10万,98758.00,152369.00,53611.00,1,0\n"
            "gain over 10万,559007.00,862467.00,303460.00,3,0\n"
            "loss up to 1千,0.00,0.00,0.00,0,0\n"
            "loss 1千–1万,0.00,0.00,0.00,0,0\n"
            "loss 1万–10万,0.00,0.00,0.00,0,0\n"
            "loss over 10万,0.00,0.00,0.00,0,0\n");
  EXPECT_EQ(output("s", "top_changes.csv"),
            "direction,rank,enterprise,region,before,after,change\n"
            "gain,1,91320830MA1N000011,320830,186335.00,287489.00,101154.00\n"
            "gain,2,91320830MA1N000002,320830,186336.00,287489.00,101153.00\n"
            "gain,3,91320830MA1N000008,320830,186336.00,287489.00,101153.00\n"
            "gain,4,91320830MA1N000001,320830,98758.00,152369.00,53611.00\n"
            "gain,5,91320830MA1N000004,320830,17391.00,26832.00,9441.00\n"
            "gain,6,91320830MA1N000003,320830,42422.00,49166.00,6744.00\n"
            "gain,7,91320830MA1N000014,320830,12422.00,19166.00,6744.00\n");
}

TEST_F(WhatifCliTest, ScenarioEqualsAllocateOfTheEditedPlan) {
  const CommandResult run = whatif({"--set", std::string(kReceived) + "=120万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The base column is what `subsidy allocate` of the base plan gives.
  const Metrics base_metrics = metrics_of(base().outcome, sizes());
  EXPECT_EQ(base_metrics.granted, 760000'00);
  EXPECT_EQ(base_metrics.requested, 1287000'00);
  EXPECT_EQ(base_metrics.funded, 8);
  const Scratch& after = allocate(xuyi_with({{kReceivedText, "received: 120万"}}));
  EXPECT_EQ(after.outcome.granted, 1140000'00);
  EXPECT_EQ(after.outcome.total.at(xuyi_id(3)), 49166'00);
  EXPECT_EQ(after.outcome.total.at(xuyi_id(11)), 287489'00);
  expect_scenario_tables("s", after, 10);
}

// programs.tax-contribution.award.tiers.bands[0].award=3万: #3 and #14 ask 30000 of
// tax-contribution; #4's tax 30000 now beats its sales 28000 (highest). Base-support asks 1127000 +
// 10000 + 10000 + 2000 = 1149000 of the same 700000: r = 700000 / 1149000 = 0.609225…
//   30000 r = 18276.76 (#3, #4, #14)   159000 r = 96866.84 (#1)   300000 r = 182767.62 (#2 #8 #11)
//   Σ of the floors 699995: 5 yuan to .84 (#1), .76 (#3 #4 #14), then .62 (#2, the lowest id).
// Changes: #3 42422 → 48277 (+5855), #14 12422 → 18277 (+5855), #4 17391 → 18277 (+886);
// #8 186336 → 182767 (−3569), #2 186336 → 182768 (−3568), #11 186335 → 182767 (−3568),
// #1 98758 → 96867 (−1891); #12 unchanged. Gains 12596 = losses.
TEST_F(WhatifCliTest, TierAwardChangeHasWinnersAndLosers) {
  const CommandResult run = whatif({"--set", std::string(kBand0Award) + "=3万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(output("s", "top_changes.csv"),
            "direction,rank,enterprise,region,before,after,change\n"
            "gain,1,91320830MA1N000003,320830,42422.00,48277.00,5855.00\n"
            "gain,2,91320830MA1N000014,320830,12422.00,18277.00,5855.00\n"
            "gain,3,91320830MA1N000004,320830,17391.00,18277.00,886.00\n"
            "loss,1,91320830MA1N000008,320830,186336.00,182767.00,-3569.00\n"
            "loss,2,91320830MA1N000002,320830,186336.00,182768.00,-3568.00\n"
            "loss,3,91320830MA1N000011,320830,186335.00,182767.00,-3568.00\n"
            "loss,4,91320830MA1N000001,320830,98758.00,96867.00,-1891.00\n");
  EXPECT_NE(run.out.find("\n  3 enterprises gain (12596.00 yuan in all), 4 lose (-12596.00 yuan), "
                         "1 unchanged\n"),
            std::string::npos)
      << run.out;
  const Scratch& after = allocate(xuyi_with({{kBand0Text, "{from: 20万,  award: 3万}"}}));
  EXPECT_EQ(after.outcome.requested, 1309000'00);
  expect_scenario_tables("s", after, 10);
}

TEST_F(WhatifCliTest, TopLimitsTheLists) {
  const CommandResult run =
      whatif({"--set", std::string(kBand0Award) + "=3万", "--top", "1", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // #3 and #14 tie at +5855: the lower id is listed.
  EXPECT_EQ(output("s", "top_changes.csv"),
            "direction,rank,enterprise,region,before,after,change\n"
            "gain,1,91320830MA1N000003,320830,42422.00,48277.00,5855.00\n"
            "loss,1,91320830MA1N000008,320830,186336.00,182767.00,-3569.00\n");
  const std::string summary = R"(scenario: programs.tax-contribution.award.tiers.bands[0].award=3万

                                    base            scenario
  requested                   1287000.00          1309000.00
  granted                      760000.00           760000.00
  funded                               8                   8
  funded_lines                         9                   9
  mean_award                    95000.00            95000.00
  median_award                  70590.00            72572.00
  small_micro_share             0.738476            0.735468
  gini                          0.425570            0.408023
  remaining                         0.00                0.00

  3 enterprises gain (12596.00 yuan in all), 4 lose (-12596.00 yuan), 1 unchanged

  largest gains:
    91320830MA1N000003   320830         42422.00 ->       48277.00         +5855.00

  largest losses:
    91320830MA1N000008   320830        186336.00 ->      182767.00         -3569.00
)";
  expect_summary_then_wrote(run.out, summary, tmp("s"), kScenarioFiles);
  EXPECT_EQ(output("s", "summary.txt"), summary);
  // The other tables do not depend on --top.
  expect_scenario_tables("s", allocate(xuyi_with({{kBand0Text, "{from: 20万,  award: 3万}"}})), 1);
}

// programs.startup-rent.budget=1万: every rent line asks ≥ 19000, so priority (partial: false)
// funds none and the 1万 stays unspent (no spill): remaining 10000. Base-support gets 750000 for
// 1127000: r = 0.665484…: 300000 r = 199645.08, 159000 r = 105811.89, 28000 r = 18633.54, 20000 r =
// 13309.67; floors add up to 749997; 3 yuan to .89 (#1), .67 (#3, #14). Funded 7 (#12 loses its
// 30000): mean 750000 / 7 = 107142.857… → 107142.86 (half-up to the fen); median 105812 (#1).
TEST_F(WhatifCliTest, ProgramBudgetCutLeavesItUnspent) {
  const CommandResult run =
      whatif({"--set", "programs.startup-rent.budget=1万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(output("s", "metrics.csv"),
            "metric,base,scenario,change\n"
            "requested,1287000.00,1287000.00,0.00\n"
            "granted,760000.00,750000.00,-10000.00\n"
            "funded,8,7,-1\n"
            "funded_lines,9,7,-2\n"
            "mean_award,95000.00,107142.86,+12142.86\n"
            "median_award,70590.00,105812.00,+35222.00\n"
            "small_micro_share,0.738476,0.716060,\n"
            "gini,0.425570,0.423881,\n"
            "remaining,0.00,10000.00,+10000.00\n");
  EXPECT_NE(run.out.find("\n  6 enterprises gain (49112.00 yuan in all), 2 lose (-59112.00 yuan), "
                         "0 unchanged\n"),
            std::string::npos)
      << run.out;
  expect_scenario_tables("s", allocate(xuyi_with({{"budget: 6万", "budget: 1万"}})), 10);
}

// Two --set, one a rule whose value holds '=' (split at the first): tax-contribution from 15万 of
// tax paid brings in #13 (160000 of tax, in the base): 2万 asked, scaled like the rest.
TEST_F(WhatifCliTest, SeveralSetsAndARuleWithEqualsSigns) {
  const std::string rule = R"(region == "320830" and has_tag("入驻基地") and tax_paid >= 15万)";
  const CommandResult run =
      whatif({"--set", "programs.tax-contribution.eligible=" + rule, "--set",
              "programs.tax-contribution.award.tiers.bands[0].from=15万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Scratch& after = allocate(
      xuyi_with({{R"(region == "320830" and has_tag("入驻基地") and tax_paid >= 20万)", rule},
                 {kBand0Text, "{from: 15万,  award: 2万}"}}));
  ASSERT_EQ(after.outcome.total.count(xuyi_id(13)), 1u);
  EXPECT_GT(after.outcome.total.at(xuyi_id(13)), 0);
  EXPECT_EQ(base().outcome.total.count(xuyi_id(13)), 0u);
  expect_scenario_tables("s", after, 10);
}

// --sweep received=50万:150万:25万 → budgets 475000, 712500, 950000, 1187500, 1425000. The rent's
// 60000 is always spent; base-support gets the rest up to its 1127000: granted 475000, 712500,
// 950000, then 1127000 + 60000 = 1187000 twice (remaining 500 and 238000).
// Least squares: x̄ = 1000000, ȳ = 902300, Σ dx·y = 4.74625e11, Σ dx² = 6.25e11 → slope 0.7594,
// intercept 902300 − 759400 = 142900.
TEST_F(WhatifCliTest, SweepOverARange) {
  const CommandResult run =
      whatif({"--sweep", std::string(kReceived) + "=50万:150万:25万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(files_in(dir_ / "s"),
            (std::vector<std::string>{"summary.txt", "sweep.csv", "sweep_by_region.csv"}));
  const std::vector<std::string> received = {"50万", "75万", "100万", "125万", "150万"};
  const std::vector<std::string> values = {"500000.00", "750000.00", "1000000.00", "1250000.00",
                                           "1500000.00"};
  const std::vector<int64_t> granted = {475000'00, 712500'00, 950000'00, 1187000'00, 1187000'00};
  std::string sweep = std::string(kReceived) +
                      ",requested,granted,funded,funded_lines,mean_award,median_award,"
                      "small_micro_share,gini,remaining\n";
  std::string regions = std::string(kReceived) + ",region,granted,funded\n";
  for (size_t k = 0; k < received.size(); ++k) {
    const Scratch& scratch = allocate(xuyi_with({{kReceivedText, "received: " + received[k]}}));
    EXPECT_EQ(scratch.outcome.granted, granted[k]) << received[k];
    sweep += sweep_row({values[k]}, metrics_of(scratch.outcome, sizes()));
    regions += sweep_region_rows({values[k]}, scratch.outcome);
  }
  EXPECT_EQ(output("s", "sweep.csv"), sweep);
  EXPECT_EQ(output("s", "sweep_by_region.csv"), regions);
  const std::string summary =
      "sweep over pools.county-base-fund.received (5 values): 5 points\n"
      "\n"
      "          received             granted      funded      mean award      gini           "
      "remaining\n"
      "         500000.00           475000.00           8        59375.00    0.3908                "
      "0.00\n"
      "         750000.00           712500.00           8        89062.50    0.4217                "
      "0.00\n"
      "        1000000.00           950000.00           8       118750.00    0.4371                "
      "0.00\n"
      "        1250000.00          1187000.00           8       148375.00    0.4464              "
      "500.00\n"
      "        1500000.00          1187000.00           8       148375.00    0.4464           "
      "238000.00\n"
      "\n"
      "  sensitivity (least squares over the points): granted ≈ 142900.00 + 0.7594 × "
      "pools.county-base-fund.received\n";
  EXPECT_EQ(output("s", "summary.txt"), summary);
  expect_summary_then_wrote(run.out, summary, tmp("s"),
                            "sweep.csv, sweep_by_region.csv, summary.txt");
}

// A list keeps its values as written; 475000 and 950000 lie on granted = 0.95 × received.
TEST_F(WhatifCliTest, SweepOverAList) {
  const CommandResult run = whatif({"--sweep", std::string(kReceived) + "=50万,100万"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "sweep over pools.county-base-fund.received (2 values): 2 points\n"
            "\n"
            "          received             granted      funded      mean award      gini          "
            " remaining\n"
            "              50万           475000.00           8        59375.00    0.3908          "
            "      0.00\n"
            "             100万           950000.00           8       118750.00    0.4371          "
            "      0.00\n"
            "\n"
            "  sensitivity (least squares over the points): granted ≈ 0.00 + 0.95 × "
            "pools.county-base-fund.received\n");
  const CommandResult with_out =
      whatif({"--sweep", std::string(kReceived) + "=50万,100万", "--out", tmp("s")});
  ASSERT_EQ(with_out.exit_code, 0) << with_out.err;
  std::string sweep = std::string(kReceived) +
                      ",requested,granted,funded,funded_lines,mean_award,median_award,"
                      "small_micro_share,gini,remaining\n";
  for (const std::string value : {"50万", "100万"}) {
    sweep += sweep_row(
        {value},
        metrics_of(allocate(xuyi_with({{kReceivedText, "received: " + value}})).outcome, sizes()));
  }
  EXPECT_EQ(output("s", "sweep.csv"), sweep);
  EXPECT_EQ(output("s", "summary.txt"), run.out);
}

// A grid: the first axis runs slowest; 2 × 2 = 4 points; no slope for two parameters.
TEST_F(WhatifCliTest, SweepGridOfTwo) {
  const CommandResult run = whatif({"--sweep", std::string(kReceived) + "=50万,100万", "--sweep",
                                    std::string(kBand0Award) + "=2万,3万,4万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string sweep = std::string(kReceived) + "," + kBand0Award +
                      ",requested,granted,funded,funded_lines,mean_award,median_award,"
                      "small_micro_share,gini,remaining\n";
  std::string regions = std::string(kReceived) + "," + kBand0Award + ",region,granted,funded\n";
  for (const std::string received : {"50万", "100万"}) {
    for (const std::string award : {"2万", "3万", "4万"}) {
      const Scratch& scratch =
          allocate(xuyi_with({{kReceivedText, "received: " + received},
                              {kBand0Text, "{from: 20万,  award: " + award + "}"}}));
      sweep += sweep_row({received, award}, metrics_of(scratch.outcome, sizes()));
      regions += sweep_region_rows({received, award}, scratch.outcome);
    }
  }
  const std::string written = output("s", "sweep.csv");
  EXPECT_EQ(written, sweep);
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 1 + 2 * 3);
  EXPECT_EQ(output("s", "sweep_by_region.csv"), regions);
  const std::string summary = output("s", "summary.txt");
  EXPECT_TRUE(starts_with(summary,
                          "sweep over pools.county-base-fund.received (2 values) "
                          "programs.tax-contribution.award.tiers.bands[0].award (3 values): 6 "
                          "points\n"))
      << summary;
  EXPECT_EQ(summary.find("sensitivity"), std::string::npos) << summary;
  expect_summary_then_wrote(run.out, summary, tmp("s"),
                            "sweep.csv, sweep_by_region.csv, summary.txt");
}

// --set applies at every point: with the 3万 band, base-support asks 1149000 (see above), so at
// 150万 (budget 1425000) everyone is paid in full: 1149000 + 60000 = 1209000 (1187000 without).
TEST_F(WhatifCliTest, SetAppliesToEverySweepPoint) {
  const CommandResult run = whatif({"--set", std::string(kBand0Award) + "=3万", "--sweep",
                                    std::string(kReceived) + "=50万,150万", "--out", tmp("s")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string sweep = std::string(kReceived) +
                      ",requested,granted,funded,funded_lines,mean_award,median_award,"
                      "small_micro_share,gini,remaining\n";
  const std::vector<int64_t> granted = {475000'00, 1209000'00};
  const std::vector<std::string> received = {"50万", "150万"};
  for (size_t k = 0; k < received.size(); ++k) {
    const Scratch& scratch = allocate(xuyi_with(
        {{kReceivedText, "received: " + received[k]}, {kBand0Text, "{from: 20万,  award: 3万}"}}));
    EXPECT_EQ(scratch.outcome.granted, granted[k]);
    sweep += sweep_row({received[k]}, metrics_of(scratch.outcome, sizes()));
  }
  EXPECT_EQ(output("s", "sweep.csv"), sweep);
}

// The same bytes whatever the thread count (points run in parallel on the runner's threads).
TEST_F(WhatifCliTest, SweepSameBytesWhateverTheThreads) {
  const std::string sweep = std::string(kReceived) + "=50万:150万:10万";
  const CommandResult one = whatif({"--sweep", sweep, "--threads", "1", "--out", tmp("one")});
  const CommandResult two = whatif({"--sweep", sweep, "--threads", "2", "--out", tmp("two")});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  for (const char* file : {"sweep.csv", "sweep_by_region.csv", "summary.txt"}) {
    EXPECT_EQ(output("one", file), output("two", file)) << file;
  }
  const std::string written = output("one", "sweep.csv");
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 1 + 11);
}

TEST_F(WhatifCliTest, RefusesBadInputWithExitTwoAndWritesNothing) {
  expect_refused({},
                 "subsidy: nothing to simulate: give --set PATH=VALUE and/or --sweep "
                 "PATH=a:b:step\n");
  expect_refused({"--set", kReceived},
                 "subsidy: --set: \"pools.county-base-fund.received\" is not PATH=VALUE (e.g. "
                 "pools.city-sme.received=4000万)\n");
  expect_refused(
      {"--set", "=3"},
      "subsidy: --set: \"=3\" is not PATH=VALUE (e.g. pools.city-sme.received=4000万)\n");
  expect_refused({"--set", "programs.rent.award.rate=40%"},
                 "subsidy: --set programs.rent.award.rate=40%: programs has no item named "
                 "\"rent\"; it has tax-contribution, sales-contribution, startup-rent\n");
  expect_refused({"--set", "pools.nope.received=1"},
                 "subsidy: --set pools.nope.received=1: pools has no item named \"nope\"; it has "
                 "county-base-fund\n");
  expect_refused({"--set", "programs.tax-contribution.award.tiers.bands[9].award=3万"},
                 "subsidy: --set programs.tax-contribution.award.tiers.bands[9].award=3万: "
                 "programs.tax-contribution.award.tiers.bands has 4 items; [9] is past its end\n");
  expect_refused({"--set", "programs.tax-contribution.award.ladder.x=1"},
                 "subsidy: --set programs.tax-contribution.award.ladder.x=1: "
                 "programs.tax-contribution.award.ladder is not in the plan\n");
  expect_refused({"--set", "programs.tax-contribution=3"},
                 "subsidy: --set programs.tax-contribution=3: programs.tax-contribution is a whole "
                 "item; set one of its keys\n");
  // A value the plan reader refuses: its message, naming the plan and the override.
  expect_refused({"--set", std::string(kReceived) + "=12a"},
                 "subsidy: examples/xuyi-2023-plan.yaml with --set "
                 "pools.county-base-fund.received=12a: pools[0] (county-base-fund).received: "
                 "invalid amount \"12a\": expected a number of yuan such as 1234.5, 1_000, 50万 "
                 "or 8.1亿\n");
  expect_refused({"--set", std::string(kBand0Award) + "=-5万"},
                 "subsidy: examples/xuyi-2023-plan.yaml with --set "
                 "programs.tax-contribution.award.tiers.bands[0].award=-5万: programs[0] "
                 "(tax-contribution).award.tiers.bands[0].award: amount \"-5万\" may not be "
                 "negative\n");
  expect_refused({"--sweep", std::string(kReceived) + "=50万:150万:0"},
                 "subsidy: --sweep pools.county-base-fund.received=50万:150万:0: the step must be "
                 "positive\n");
  expect_refused({"--sweep", std::string(kReceived) + "=150万:50万:25万"},
                 "subsidy: --sweep pools.county-base-fund.received=150万:50万:25万: the range ends "
                 "before it starts\n");
  expect_refused({"--sweep", std::string(kReceived) + "=50万:150万"},
                 "subsidy: --sweep pools.county-base-fund.received=50万:150万: a range is "
                 "from:to:step\n");
  expect_refused({"--sweep", std::string(kReceived) + "=50万,,100万"},
                 "subsidy: --sweep pools.county-base-fund.received=50万,,100万: an empty value in "
                 "the list\n");
  expect_refused(
      {"--sweep", std::string(kReceived) + "=50万,100万", "--sweep",
       std::string(kBand0Award) + "=2万,3万", "--sweep", "programs.startup-rent.budget=5万,6万"},
      "subsidy: at most two --sweep (a grid of two parameters)\n");
  // A point the plan reader refuses is the sweep's error: nothing of the other points is written.
  expect_refused({"--sweep", std::string(kReceived) + "=50万,12a"},
                 "subsidy: examples/xuyi-2023-plan.yaml with --set "
                 "pools.county-base-fund.received=12a: pools[0] (county-base-fund).received: "
                 "invalid amount \"12a\": expected a number of yuan such as 1234.5, 1_000, 50万 "
                 "or 8.1亿\n");
  // CLI11's own usage errors are exit 2 too.
  expect_refused({"--set", std::string(kReceived) + "=120万", "--bogus"},
                 "The following argument was not expected: --bogus\n"
                 "Run with --help for more information.\n");
  expect_refused({"--set", std::string(kReceived) + "=120万", "--top", "abc"},
                 "Could not convert: --top = abc\nRun with --help for more information.\n");
  expect_refused({"--set", std::string(kReceived) + "=120万", "--top", "-1"},
                 "subsidy: --top: -1 is negative\n");
}

TEST_F(WhatifCliTest, RefusesMissingFiles) {
  for (const auto& [plan, roster, message] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"examples/nope.yaml", kRoster, "subsidy: cannot read plan examples/nope.yaml\n"},
           {kXuyi, "examples/nope.csv",
            "subsidy: cannot open roster examples/nope.csv: No such file or directory\n"}}) {
    SCOPED_TRACE(plan + " " + roster);
    fs::create_directories(dir_ / "out");
    const CommandResult run = subsidy({"whatif", "--plan", plan, "--roster", roster, "--set",
                                       std::string(kReceived) + "=120万", "--out", tmp("out")});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.err, message);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(files_in(dir_ / "out"), std::vector<std::string>());
  }
  const CommandResult no_plan =
      subsidy({"whatif", "--roster", kRoster, "--set", std::string(kReceived) + "=120万"});
  EXPECT_EQ(no_plan.exit_code, 2);
  EXPECT_EQ(no_plan.err, "--plan is required\nRun with --help for more information.\n");
}

TEST_F(WhatifCliTest, OutThatIsAFileIsAnError) {
  write_file(dir_ / "taken", "x");
  const CommandResult run =
      whatif({"--set", std::string(kReceived) + "=120万", "--out", tmp("taken")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "subsidy: cannot create " + tmp("taken") + ": Not a directory\n");
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(read_file(dir_ / "taken"), "x");
}

}  // namespace
