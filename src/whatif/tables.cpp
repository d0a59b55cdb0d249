// What-if results as CSV tables and as a summary for people.
#include <fmt/format.h>

#include "common/csv.hpp"
#include "subsidy/results.hpp"
#include "subsidy/whatif.hpp"

namespace subsidy {

namespace {

std::string yuan(Money amount) { return format_yuan(amount); }

// The metrics as (name, text) pairs, in the order of the tables.
std::vector<std::pair<std::string, std::string>> metric_texts(const RunMetrics& m) {
  return {{"requested", yuan(m.requested)},
          {"granted", yuan(m.granted)},
          {"funded", std::to_string(m.funded)},
          {"funded_lines", std::to_string(m.funded_lines)},
          {"mean_award", yuan(m.mean_award)},
          {"median_award", yuan(m.median_award)},
          {"small_micro_share", format_ratio(m.small_micro, m.granted)},
          {"gini", m.funded == 0 ? std::string() : fmt::format("{:.6f}", m.gini)},
          {"remaining", yuan(m.remaining)}};
}

std::string signed_yuan(Money amount) {
  std::string text = format_yuan(amount);
  if (amount > Money::zero()) text.insert(text.begin(), '+');
  return text;
}

void append_field(std::string& out, std::string_view field) {
  internal::append_csv_field(out, field);
}

}  // namespace

std::string metrics_csv(const RunMetrics& base, const RunMetrics& scenario) {
  std::string out = "metric,base,scenario,change\n";
  const auto before = metric_texts(base);
  const auto after = metric_texts(scenario);
  // Changes of amounts and counts; ratios and the Gini are left to compare by eye.
  const std::vector<std::string> changes = {
      signed_yuan(scenario.requested - base.requested),
      signed_yuan(scenario.granted - base.granted),
      fmt::format("{:+d}", scenario.funded - base.funded),
      fmt::format("{:+d}", scenario.funded_lines - base.funded_lines),
      signed_yuan(scenario.mean_award - base.mean_award),
      signed_yuan(scenario.median_award - base.median_award),
      "",
      "",
      signed_yuan(scenario.remaining - base.remaining)};
  for (size_t k = 0; k < before.size(); ++k) {
    out += fmt::format("{},{},{},{}\n", before[k].first, before[k].second, after[k].second,
                       changes[k]);
  }
  return out;
}

std::string change_groups_csv(const std::vector<ChangeGroup>& groups, std::string_view key_name) {
  std::string out = fmt::format("{},before,after,change,winners,losers\n", key_name);
  for (const ChangeGroup& group : groups) {
    append_field(out, group.key);
    out += fmt::format(",{},{},{},{},{}\n", yuan(group.before), yuan(group.after),
                       yuan(group.after - group.before), group.winners, group.losers);
  }
  return out;
}

std::string top_changes_csv(const Comparison& comparison) {
  std::string out = "direction,rank,enterprise,region,before,after,change\n";
  auto rows = [&](const char* direction, const std::vector<EnterpriseChange>& changes) {
    for (size_t k = 0; k < changes.size(); ++k) {
      out += fmt::format("{},{},", direction, k + 1);
      append_field(out, changes[k].enterprise);
      out.push_back(',');
      append_field(out, changes[k].region);
      out += fmt::format(",{},{},{}\n", yuan(changes[k].before), yuan(changes[k].after),
                         yuan(changes[k].change()));
    }
  };
  rows("gain", comparison.top_gains);
  rows("loss", comparison.top_losses);
  return out;
}

std::string sweep_csv(const SweepResult& sweep) {
  std::string out;
  for (const SweepAxis& axis : sweep.axes) {
    append_field(out, axis.path);
    out.push_back(',');
  }
  const auto names = metric_texts(RunMetrics{});
  for (size_t k = 0; k < names.size(); ++k) {
    out += names[k].first + (k + 1 < names.size() ? "," : "\n");
  }
  for (const SweepPoint& point : sweep.points) {
    for (const std::string& value : point.values) {
      append_field(out, value);
      out.push_back(',');
    }
    const auto texts = metric_texts(point.metrics);
    for (size_t k = 0; k < texts.size(); ++k) {
      out += texts[k].second + (k + 1 < texts.size() ? "," : "\n");
    }
  }
  return out;
}

std::string sweep_regions_csv(const SweepResult& sweep) {
  std::string out;
  for (const SweepAxis& axis : sweep.axes) {
    append_field(out, axis.path);
    out.push_back(',');
  }
  out += "region,granted,funded\n";
  for (const SweepPoint& point : sweep.points) {
    for (const RegionAmount& region : point.metrics.by_region) {
      for (const std::string& value : point.values) {
        append_field(out, value);
        out.push_back(',');
      }
      append_field(out, region.region);
      out += fmt::format(",{},{}\n", yuan(region.granted), region.funded);
    }
  }
  return out;
}

std::string scenario_summary(const std::string& name, const RunMetrics& base,
                             const RunMetrics& scenario, const Comparison& comparison) {
  std::string out = fmt::format("scenario: {}\n\n", name);
  out += fmt::format("  {:<18}  {:>18}  {:>18}\n", "", "base", "scenario");
  const auto before = metric_texts(base);
  const auto after = metric_texts(scenario);
  for (size_t k = 0; k < before.size(); ++k) {
    out += fmt::format("  {:<18}  {:>18}  {:>18}\n", before[k].first, before[k].second,
                       after[k].second);
  }
  out += fmt::format("\n  {} enterprises gain ({} yuan in all), {} lose ({} yuan), {} unchanged\n",
                     comparison.winners, yuan(comparison.gains), comparison.losers,
                     yuan(comparison.losses), comparison.unchanged);
  auto list = [&](const char* title, const std::vector<EnterpriseChange>& changes) {
    if (changes.empty()) return;
    out += fmt::format("\n  {}:\n", title);
    for (const EnterpriseChange& change : changes) {
      out += fmt::format("    {:<20} {:<8} {:>14} -> {:>14}  {:>15}\n", change.enterprise,
                         change.region, yuan(change.before), yuan(change.after),
                         signed_yuan(change.change()));
    }
  };
  list("largest gains", comparison.top_gains);
  list("largest losses", comparison.top_losses);
  return out;
}

std::string sweep_summary(const SweepResult& sweep) {
  std::string out = "sweep over";
  for (const SweepAxis& axis : sweep.axes)
    out += fmt::format(" {} ({} values)", axis.path, axis.values.size());
  out += fmt::format(": {} points\n\n", sweep.points.size());
  std::string head = "  ";
  for (const SweepAxis& axis : sweep.axes)
    head += fmt::format("{:>16}  ", axis.path.substr(axis.path.rfind('.') + 1));
  out += head + fmt::format("{:>18}  {:>10}  {:>14}  {:>8}  {:>18}\n", "granted", "funded",
                            "mean award", "gini", "remaining");
  for (const SweepPoint& point : sweep.points) {
    out += "  ";
    for (const std::string& value : point.values) out += fmt::format("{:>16}  ", value);
    out += fmt::format("{:>18}  {:>10}  {:>14}  {:>8}  {:>18}\n", yuan(point.metrics.granted),
                       point.metrics.funded, yuan(point.metrics.mean_award),
                       point.metrics.funded == 0 ? "" : fmt::format("{:.4f}", point.metrics.gini),
                       yuan(point.metrics.remaining));
  }
  if (sweep.slope) {
    out += fmt::format(
        "\n  sensitivity (least squares over the points): granted ≈ {:.2f} + {:.6g} × {}\n",
        *sweep.intercept, *sweep.slope, sweep.axes[0].path);
  }
  return out;
}

}  // namespace subsidy
