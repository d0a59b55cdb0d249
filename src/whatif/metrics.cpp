// Metrics of a run, the comparison of two runs, and sweeps over a parameter's values.
#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

#include "common/parallel.hpp"
#include "subsidy/whatif.hpp"

namespace subsidy {

namespace {

// Each enterprise's total granted over every program: (row, fen) in row order, rows with
// nothing granted left out. The programs' lines are each in row order: merged, not sorted.
std::vector<std::pair<RowIndex, int64_t>> totals_by_row(const Allocation& allocation) {
  std::vector<std::pair<RowIndex, int64_t>> out;
  for (size_t p = 0; p < allocation.grants.size(); ++p) {
    const ProgramAwards& lines = allocation.awards.programs[p];
    const std::vector<int64_t>& granted = allocation.grants[p].granted;
    std::vector<std::pair<RowIndex, int64_t>> mine;
    mine.reserve(lines.rows.size());
    for (size_t l = 0; l < lines.rows.size(); ++l) {
      if (granted[l] > 0) mine.emplace_back(lines.rows[l], granted[l]);
    }
    std::vector<std::pair<RowIndex, int64_t>> merged;
    merged.reserve(out.size() + mine.size());
    size_t a = 0;
    size_t b = 0;
    while (a < out.size() || b < mine.size()) {
      if (b == mine.size() || (a < out.size() && out[a].first < mine[b].first)) {
        merged.push_back(out[a++]);
      } else if (a == out.size() || mine[b].first < out[a].first) {
        merged.push_back(mine[b++]);
      } else {
        merged.emplace_back(
            out[a].first, (Money::from_fen(out[a].second) + Money::from_fen(mine[b].second)).fen());
        ++a;
        ++b;
      }
    }
    out = std::move(merged);
  }
  return out;
}

std::string_view code_text(const Column* column, RowIndex row) {
  if (column == nullptr) return {};
  if (column->type() == ColumnType::kString) {
    const int32_t code = column->int32s()[row];
    return code < 0 ? std::string_view() : column->dictionary().value(code);
  }
  if (column->type() == ColumnType::kText) return column->text(row);
  return {};
}

// n / d half-up to the fen (d > 0).
Money half_up(Int128 n, int64_t d) {
  return Money::from_fen(round_quotient(n, d, RoundingMode::kHalfUp));
}

}  // namespace

RunMetrics run_metrics(const CompiledPlan& compiled, const Allocation& allocation) {
  RunMetrics metrics;
  for (size_t p = 0; p < allocation.grants.size(); ++p) {
    const ProgramAwards& lines = allocation.awards.programs[p];
    for (size_t l = 0; l < lines.rows.size(); ++l) {
      metrics.requested += Money::from_fen(lines.requested[l]);
      if (allocation.grants[p].granted[l] > 0) ++metrics.funded_lines;
    }
  }
  for (const PoolSummary& pool : allocation.pools) {
    if (pool.kind == PoolSummary::Kind::kPool) metrics.remaining += pool.remaining;
  }
  const std::vector<std::pair<RowIndex, int64_t>> totals = totals_by_row(allocation);
  const Roster& roster = compiled.roster();
  const Column* sizes = roster.find("size");
  const Column* regions = roster.find("region");
  // Small or micro, by dictionary code of the size column (looked up once, not per enterprise).
  std::vector<uint8_t> small_micro_code;
  if (sizes != nullptr && sizes->type() == ColumnType::kString) {
    for (int32_t code = 0; code < sizes->dictionary().size(); ++code) {
      const std::string_view size = sizes->dictionary().value(code);
      small_micro_code.push_back(size == "small" || size == "micro" ? 1 : 0);
    }
  }
  std::vector<int64_t> amounts;
  amounts.reserve(totals.size());
  // Regions by dictionary code (then text for a plain text column).
  std::vector<RegionAmount> by_code(regions != nullptr && regions->type() == ColumnType::kString
                                        ? static_cast<size_t>(regions->dictionary().size()) + 1
                                        : 0);
  std::map<std::string, RegionAmount, std::less<>> by_text;
  for (const auto& [row, fen] : totals) {
    const Money amount = Money::from_fen(fen);
    metrics.granted += amount;
    amounts.push_back(fen);
    if (!small_micro_code.empty()) {
      const int32_t code = sizes->int32s()[row];
      if (code >= 0 && small_micro_code[static_cast<size_t>(code)]) metrics.small_micro += amount;
    }
    RegionAmount* region = nullptr;
    if (!by_code.empty()) {
      const int32_t code = regions->int32s()[row];
      region = &by_code[code < 0 ? by_code.size() - 1 : static_cast<size_t>(code)];
    } else {
      const std::string_view text = code_text(regions, row);
      auto found = by_text.find(text);
      if (found == by_text.end()) found = by_text.emplace(std::string(text), RegionAmount{}).first;
      region = &found->second;
    }
    region->granted += amount;
    ++region->funded;
  }
  for (size_t code = 0; code < by_code.size(); ++code) {
    if (by_code[code].funded == 0) continue;
    RegionAmount entry = by_code[code];
    entry.region = code + 1 == by_code.size()
                       ? std::string()
                       : std::string(regions->dictionary().value(static_cast<int32_t>(code)));
    metrics.by_region.push_back(std::move(entry));
  }
  for (auto& [text, entry] : by_text) {
    entry.region = text;
    metrics.by_region.push_back(entry);
  }
  std::sort(metrics.by_region.begin(), metrics.by_region.end(),
            [](const RegionAmount& a, const RegionAmount& b) {
              if (a.region.empty() != b.region.empty()) return b.region.empty();
              return a.region < b.region;
            });
  metrics.funded = static_cast<int64_t>(amounts.size());
  if (amounts.empty()) return metrics;
  const auto n = static_cast<int64_t>(amounts.size());
  metrics.mean_award = half_up(metrics.granted.fen(), n);
  std::sort(amounts.begin(), amounts.end());
  metrics.median_award = n % 2 == 1
                             ? Money::from_fen(amounts[n / 2])
                             : half_up(static_cast<Int128>(amounts[n / 2 - 1]) + amounts[n / 2], 2);
  // Gini of the sorted totals: (2 Σ i·x_i) / (n Σ x_i) − (n + 1) / n, i from 1.
  Int128 weighted = 0;
  for (int64_t i = 0; i < n; ++i) weighted += static_cast<Int128>(i + 1) * amounts[i];
  metrics.gini = 2.0 * static_cast<double>(weighted) /
                     (static_cast<double>(n) * static_cast<double>(metrics.granted.fen())) -
                 static_cast<double>(n + 1) / static_cast<double>(n);
  return metrics;
}

Comparison compare_runs(const CompiledPlan& before_plan, const Allocation& before,
                        const CompiledPlan& after_plan, const Allocation& after, size_t top) {
  (void)after_plan;  // one roster: rows mean the same enterprise in both runs
  const Roster& roster = before_plan.roster();
  const Column* ids = roster.find("id");
  const Column* regions = roster.find("region");
  const Column* sizes = roster.find("size");
  const auto a = totals_by_row(before);
  const auto b = totals_by_row(after);
  Comparison out;
  // Buckets of the size of a change, in yuan.
  const int64_t kEdges[] = {1'000 * 100, 10'000 * 100, 100'000 * 100};
  const char* kNames[] = {"up to 1千", "1千–1万", "1万–10万", "over 10万"};
  std::vector<ChangeGroup> gains(4);
  std::vector<ChangeGroup> losses(4);
  for (size_t k = 0; k < 4; ++k) {
    gains[k].key = fmt::format("gain {}", kNames[k]);
    losses[k].key = fmt::format("loss {}", kNames[k]);
  }
  std::map<std::string, ChangeGroup, std::less<>> by_region;
  std::map<std::string, ChangeGroup, std::less<>> by_size;
  std::vector<EnterpriseChange> changes;
  auto visit = [&](RowIndex row, int64_t x, int64_t y) {
    const Money was = Money::from_fen(x);
    const Money now = Money::from_fen(y);
    const Money change = now - was;
    auto group = [&](std::map<std::string, ChangeGroup, std::less<>>& groups,
                     std::string_view key) {
      auto found = groups.find(key);
      if (found == groups.end()) {
        ChangeGroup fresh;
        fresh.key = std::string(key);
        found = groups.emplace(fresh.key, std::move(fresh)).first;
      }
      ChangeGroup& entry = found->second;
      entry.before += was;
      entry.after += now;
      entry.winners += change > Money::zero() ? 1 : 0;
      entry.losers += change < Money::zero() ? 1 : 0;
    };
    group(by_region, code_text(regions, row));
    group(by_size, code_text(sizes, row));
    if (change.is_zero()) {
      ++out.unchanged;
      return;
    }
    const int64_t size = change.fen() < 0 ? -change.fen() : change.fen();
    const size_t bucket = static_cast<size_t>(
        std::upper_bound(std::begin(kEdges), std::end(kEdges), size - 1) - std::begin(kEdges));
    ChangeGroup& entry = change > Money::zero() ? gains[bucket] : losses[bucket];
    entry.before += was;
    entry.after += now;
    if (change > Money::zero()) {
      ++out.winners;
      ++entry.winners;
      out.gains += change;
    } else {
      ++out.losers;
      ++entry.losers;
      out.losses += change;
    }
    changes.push_back(
        {std::string(code_text(ids, row)), std::string(code_text(regions, row)), was, now});
  };
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
      visit(a[i].first, a[i].second, 0);
      ++i;
    } else if (i == a.size() || b[j].first < a[i].first) {
      visit(b[j].first, 0, b[j].second);
      ++j;
    } else {
      visit(a[i].first, a[i].second, b[j].second);
      ++i;
      ++j;
    }
  }
  for (ChangeGroup& group : gains) out.by_change.push_back(std::move(group));
  for (ChangeGroup& group : losses) out.by_change.push_back(std::move(group));
  for (auto& [key, group] : by_region) out.by_region.push_back(std::move(group));
  for (auto& [key, group] : by_size) out.by_size.push_back(std::move(group));
  auto larger_gain = [](const EnterpriseChange& x, const EnterpriseChange& y) {
    if (x.change() != y.change()) return x.change() > y.change();
    return x.enterprise < y.enterprise;
  };
  auto larger_loss = [](const EnterpriseChange& x, const EnterpriseChange& y) {
    if (x.change() != y.change()) return x.change() < y.change();
    return x.enterprise < y.enterprise;
  };
  std::vector<EnterpriseChange> up;
  std::vector<EnterpriseChange> down;
  for (EnterpriseChange& change : changes) {
    (change.change() > Money::zero() ? up : down).push_back(std::move(change));
  }
  const size_t up_count = std::min(top, up.size());
  std::partial_sort(up.begin(), up.begin() + static_cast<ptrdiff_t>(up_count), up.end(),
                    larger_gain);
  up.resize(up_count);
  const size_t down_count = std::min(top, down.size());
  std::partial_sort(down.begin(), down.begin() + static_cast<ptrdiff_t>(down_count), down.end(),
                    larger_loss);
  down.resize(down_count);
  out.top_gains = std::move(up);
  out.top_losses = std::move(down);
  return out;
}

Result<SweepAxis> parse_sweep(std::string_view text) {
  SUBSIDY_ASSIGN_OR_RETURN(Override spec, parse_override(text));
  SweepAxis axis;
  axis.path = spec.path;
  const std::string& values = spec.value;
  auto is_rate = [](std::string_view v) {
    return v.find('%') != std::string_view::npos || v.find("‰") != std::string_view::npos;
  };
  auto bad = [&](const std::string& why) {
    return invalid_argument(fmt::format("--sweep {}: {}", text, why));
  };
  if (values.find(':') != std::string::npos) {
    std::vector<std::string> parts;
    size_t begin = 0;
    while (true) {
      const size_t end = values.find(':', begin);
      parts.emplace_back(values.substr(begin, end - begin));
      if (end == std::string::npos) break;
      begin = end + 1;
    }
    if (parts.size() != 3) return bad("a range is from:to:step");
    const bool rates = is_rate(parts[0]) || is_rate(parts[1]) || is_rate(parts[2]);
    // In units of fen, or of 10^-9 for rates: exact steps, no drift.
    std::array<int64_t, 3> v{};
    for (size_t k = 0; k < 3; ++k) {
      if (rates) {
        Result<Rate> rate = parse_rate(parts[k]);
        if (!rate.ok()) return bad(rate.status().message());
        v[k] = rate->nanos();
      } else {
        Result<Money> amount = parse_money(parts[k]);
        if (!amount.ok()) return bad(amount.status().message());
        v[k] = amount->fen();
      }
    }
    if (v[2] <= 0) return bad("the step must be positive");
    if (v[1] < v[0]) return bad("the range ends before it starts");
    if ((v[1] - v[0]) / v[2] >= 10'000) return bad("more than 10000 points");
    for (int64_t x = v[0]; x <= v[1]; x += v[2]) {
      if (rates) {
        axis.values.push_back(format_rate(Rate::from_nanos(x)));
        axis.numbers.push_back(static_cast<double>(x) / Rate::kScale);
      } else {
        const std::string yuan = format_yuan(Money::from_fen(x));
        axis.values.push_back(yuan);
        axis.numbers.push_back(static_cast<double>(x) / 100.0);
      }
    }
    return axis;
  }
  size_t begin = 0;
  while (true) {
    const size_t end = values.find(',', begin);
    const std::string value = values.substr(begin, end - begin);
    if (value.empty()) return bad("an empty value in the list");
    axis.values.push_back(value);
    // A number for the slope when the value is one (an amount or a rate); NaN otherwise.
    double number = std::nan("");
    if (is_rate(value)) {
      if (Result<Rate> rate = parse_rate(value); rate.ok()) {
        number = static_cast<double>(rate->nanos()) / Rate::kScale;
      }
    } else if (Result<Money> amount = parse_money(value); amount.ok()) {
      number = static_cast<double>(amount->fen()) / 100.0;
    }
    axis.numbers.push_back(number);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return axis;
}

Result<SweepResult> run_sweep(const ScenarioRunner& runner, const std::vector<SweepAxis>& axes,
                              const std::vector<Override>& base) {
  if (axes.empty() || axes.size() > 2) {
    return invalid_argument("a sweep has one parameter, or two for a grid");
  }
  SweepResult result;
  result.axes = axes;
  std::vector<std::vector<size_t>> index;  // per point, the value of each axis
  for (size_t a = 0; a < axes[0].values.size(); ++a) {
    if (axes.size() == 1) {
      index.push_back({a});
      continue;
    }
    for (size_t b = 0; b < axes[1].values.size(); ++b) index.push_back({a, b});
  }
  std::vector<Result<RunMetrics>> metrics(index.size(), Status(StatusCode::kInternal, "not run"));
  internal::parallel_for(index.size(), runner.threads(), [&](size_t k) {
    Scenario scenario{fmt::format("point {}", k + 1), base};
    for (size_t a = 0; a < axes.size(); ++a) {
      scenario.overrides.push_back({axes[a].path, axes[a].values[index[k][a]]});
    }
    Result<ScenarioResult> run = runner.run(scenario);
    if (!run.ok()) {
      metrics[k] = run.status();
      return;
    }
    metrics[k] = run_metrics(run->compiled(), run->allocation);
  });
  for (size_t k = 0; k < index.size(); ++k) {
    if (!metrics[k].ok()) return metrics[k].status();
    SweepPoint point;
    for (size_t a = 0; a < axes.size(); ++a) point.values.push_back(axes[a].values[index[k][a]]);
    point.metrics = std::move(*metrics[k]);
    result.points.push_back(std::move(point));
  }
  if (axes.size() == 1 && result.points.size() >= 2 &&
      std::none_of(axes[0].numbers.begin(), axes[0].numbers.end(),
                   [](double x) { return std::isnan(x); })) {
    // Least squares through the points: granted (yuan) = intercept + slope × parameter.
    const auto n = static_cast<Eigen::Index>(result.points.size());
    Eigen::MatrixXd design(n, 2);
    Eigen::VectorXd cost(n);
    for (Eigen::Index k = 0; k < n; ++k) {
      design(k, 0) = 1.0;
      design(k, 1) = axes[0].numbers[static_cast<size_t>(k)];
      cost(k) =
          static_cast<double>(result.points[static_cast<size_t>(k)].metrics.granted.fen()) / 100.0;
    }
    const Eigen::Vector2d fit = design.colPivHouseholderQr().solve(cost);
    result.intercept = fit(0);
    result.slope = fit(1);
  }
  return result;
}

}  // namespace subsidy
