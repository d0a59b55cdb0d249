// The plan reader: YAML (or JSON) → Plan, every scalar from its text, every check of SPEC §6, §7
// and §11 that needs no roster. The first error wins and nothing half-read escapes.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/suggest.hpp"
#include "common/yaml_reader.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/rules.hpp"

namespace subsidy {

namespace {

constexpr std::string_view kTopKeys[] = {"format", "plan",  "fiscal_year", "as_of",
                                         "round",  "pools", "programs",    "stacking"};
constexpr std::string_view kRoundKeys[] = {"unit", "mode"};
constexpr std::string_view kPoolKeys[] = {"id",      "name",     "level", "received",
                                          "reserve", "scarcity", "split", "round"};
constexpr std::string_view kSplitKeys[] = {"by", "regions", "factors"};
constexpr std::string_view kFactorKeys[] = {"weight", "measure"};
constexpr std::string_view kProgramKeys[] = {"id",       "name",   "pool",     "group",
                                             "eligible", "award",  "cap",      "min_award",
                                             "round",    "budget", "scarcity", "spill"};
constexpr std::string_view kAwardKinds[] = {"fixed",    "rate",  "tiers",
                                            "brackets", "table", "formula"};
constexpr std::string_view kRateAwardKeys[] = {"rate", "of"};
constexpr std::string_view kTiersKeys[] = {"base", "bands"};
constexpr std::string_view kTierBandKeys[] = {"from", "award", "rate"};
constexpr std::string_view kBracketBandKeys[] = {"from", "rate"};
constexpr std::string_view kTableKeys[] = {"hit", "rows"};
constexpr std::string_view kTableRowKeys[] = {"when", "award", "rate", "of"};
constexpr std::string_view kScarcityKeys[] = {"method", "rank_by",    "partial",
                                              "skip",   "max_funded", "seed"};
constexpr std::string_view kMethods[] = {"pro_rata", "priority", "equal_cap", "lottery"};
constexpr std::string_view kLevels[] = {"central", "provincial", "municipal", "county"};
constexpr std::string_view kHits[] = {"first", "unique", "collect_sum", "collect_max"};
constexpr std::string_view kStackingKeys[] = {"group", "rule", "cap"};
constexpr std::string_view kStackingRules[] = {"highest", "sum_cap", "exclusive"};

// The index of `text` in `names`, or an error listing them (with a did-you-mean).
template <size_t N>
Result<int> pick(const internal::YamlReader& yaml, const YAML::Node& node, const std::string& path,
                 const std::string_view (&names)[N], std::string_view what) {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml.scalar(node, path));
  for (size_t k = 0; k < N; ++k) {
    if (names[k] == text) return static_cast<int>(k);
  }
  std::string listed;
  for (size_t k = 0; k < N; ++k) listed += fmt::format("{}{}", k == 0 ? "" : ", ", names[k]);
  return yaml.error(node, path,
                    fmt::format("unknown {} \"{}\"{}; expected one of {}", what, text,
                                internal::did_you_mean(text, names), listed));
}

std::vector<std::pair<std::string, int>> key_lines(const YAML::Node& map) {
  std::vector<std::pair<std::string, int>> lines;
  for (const auto& entry : map) {
    lines.emplace_back(entry.first.Scalar(), internal::YamlReader::line_of(entry.first));
  }
  return lines;
}

// Bands, table rows, programs and a split's regions are indexed with 16 bits in the award lines:
// a plan may list at most this many of each.
constexpr size_t kMaxListed = 10000;

Status check_count(const internal::YamlReader& yaml, const YAML::Node& list,
                   const std::string& path, std::string_view what) {
  if (list.size() <= kMaxListed) return Status::Ok();
  return yaml.error(
      list, path,
      fmt::format("lists {} {}; at most {} are allowed", list.size(), what, kMaxListed));
}

class PlanReader {
 public:
  explicit PlanReader(std::string file_name) : yaml_(std::move(file_name)) {}

  Result<Plan> read(std::string_view text);

 private:
  Status read_round(const YAML::Node& node, const std::string& path, Rounding* round) const;
  Result<Money> amount(const YAML::Node& node, const std::string& path, bool allow_negative) const;
  Result<Rate> rate(const YAML::Node& node, const std::string& path) const;
  Result<AmountOrRate> amount_or_rate(const YAML::Node& node, const std::string& path) const;
  Result<PlanExpression> expression(const YAML::Node& node, const std::string& path) const;
  Result<std::string> id(const YAML::Node& node, const std::string& path) const;
  Result<Scarcity> scarcity(const YAML::Node& node, const std::string& path) const;
  Result<Split> split(const YAML::Node& node, const std::string& path) const;
  // The part pools and programs share: their keys, `id`, `name` (the id when left out) and where
  // they stand, as "<index_path> (<id>)".
  Status read_head(const YAML::Node& node, const std::string& index_path,
                   std::span<const std::string_view> keys, std::string* id_out, std::string* name,
                   PlanSource* source) const;
  Result<Pool> pool(const YAML::Node& node, const std::string& path) const;
  Result<Award> award(const YAML::Node& node, const std::string& path) const;
  Result<std::vector<Band>> bands(const YAML::Node& node, const std::string& path,
                                  bool brackets) const;
  Result<Program> program(const YAML::Node& node, const std::string& path) const;
  Result<Stacking> stacking(const YAML::Node& node, const std::string& path) const;
  Status check_across(const Plan& plan) const;
  Status error(const PlanSource& source, const std::string& reason) const {
    return yaml_.error_at_line(source.line, source.path, reason);
  }

  internal::YamlReader yaml_;
  Rounding plan_round_;
};

Status PlanReader::read_round(const YAML::Node& node, const std::string& path,
                              Rounding* round) const {
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, kRoundKeys));
  if (const YAML::Node unit = node["unit"]) {
    SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(unit, path + ".unit"));
    Result<Unit> parsed = parse_unit(text);
    if (!parsed.ok()) return yaml_.error(unit, path + ".unit", parsed.status().message());
    round->unit = *parsed;
  }
  if (const YAML::Node mode = node["mode"]) {
    SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(mode, path + ".mode"));
    Result<RoundingMode> parsed = parse_rounding_mode(text);
    if (!parsed.ok()) return yaml_.error(mode, path + ".mode", parsed.status().message());
    round->mode = *parsed;
  }
  return Status::Ok();
}

Result<Money> PlanReader::amount(const YAML::Node& node, const std::string& path,
                                 bool allow_negative) const {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(node, path));
  Result<Money> parsed = parse_money(text);
  if (!parsed.ok()) return yaml_.error(node, path, parsed.status().message());
  if (!allow_negative && parsed->is_negative()) {
    return yaml_.error(node, path, fmt::format("amount \"{}\" may not be negative", text));
  }
  return *parsed;
}

Result<Rate> PlanReader::rate(const YAML::Node& node, const std::string& path) const {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(node, path));
  Result<Rate> parsed = parse_rate(text);
  if (!parsed.ok()) return yaml_.error(node, path, parsed.status().message());
  if (parsed->nanos() < 0) {
    return yaml_.error(node, path, fmt::format("rate \"{}\" may not be negative", text));
  }
  return *parsed;
}

Result<AmountOrRate> PlanReader::amount_or_rate(const YAML::Node& node,
                                                const std::string& path) const {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(node, path));
  AmountOrRate value;
  // A rate carries % or ‰ here; a bare number is an amount of yuan.
  const bool is_rate = text.ends_with("%") || text.ends_with("‰");
  value.is_rate = is_rate;
  if (is_rate) {
    SUBSIDY_ASSIGN_OR_RETURN(value.rate, rate(node, path));
  } else {
    SUBSIDY_ASSIGN_OR_RETURN(value.amount, amount(node, path, false));
  }
  return value;
}

Result<PlanExpression> PlanReader::expression(const YAML::Node& node,
                                              const std::string& path) const {
  PlanExpression expression;
  SUBSIDY_ASSIGN_OR_RETURN(expression.text, yaml_.scalar(node, path));
  expression.source = PlanSource{path, internal::YamlReader::line_of(node)};
  const Status syntax = check_rule_syntax(expression.text);
  if (!syntax.ok()) return yaml_.error(node, path, syntax.message());
  return expression;
}

Result<std::string> PlanReader::id(const YAML::Node& node, const std::string& path) const {
  SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(node, path));
  if (!is_plan_id(text)) {
    return yaml_.error(node, path, fmt::format("id \"{}\" may hold only a-z, 0-9 and '-'", text));
  }
  return text;
}

Result<Scarcity> PlanReader::scarcity(const YAML::Node& node, const std::string& path) const {
  Scarcity scarcity;
  if (node.IsScalar()) {
    SUBSIDY_ASSIGN_OR_RETURN(int method, pick(yaml_, node, path, kMethods, "scarcity method"));
    scarcity.method = static_cast<ScarcityMethod>(method);
    return scarcity;
  }
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, kScarcityKeys));
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node method_node, yaml_.required(node, path, "method"));
  SUBSIDY_ASSIGN_OR_RETURN(int method,
                           pick(yaml_, method_node, path + ".method", kMethods, "scarcity method"));
  scarcity.method = static_cast<ScarcityMethod>(method);
  const bool ordered =
      scarcity.method == ScarcityMethod::kPriority || scarcity.method == ScarcityMethod::kLottery;
  auto only_for = [&](std::string_view key, bool allowed, std::string_view which) -> Status {
    const YAML::Node value = node[std::string(key)];
    if (value && !allowed) {
      return yaml_.error(
          value, path + "." + std::string(key),
          fmt::format("{} applies to {} only, not to {}", key, which, kMethods[method]));
    }
    return Status::Ok();
  };
  SUBSIDY_RETURN_IF_ERROR(
      only_for("rank_by", scarcity.method == ScarcityMethod::kPriority, "priority"));
  SUBSIDY_RETURN_IF_ERROR(only_for("partial", ordered, "priority and lottery"));
  SUBSIDY_RETURN_IF_ERROR(only_for("skip", ordered, "priority and lottery"));
  SUBSIDY_RETURN_IF_ERROR(only_for("max_funded", ordered, "priority and lottery"));
  SUBSIDY_RETURN_IF_ERROR(only_for("seed", scarcity.method == ScarcityMethod::kLottery, "lottery"));
  if (const YAML::Node keys = node["rank_by"]) {
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(keys, path + ".rank_by"));
    for (size_t k = 0; k < keys.size(); ++k) {
      const std::string key_path = fmt::format("{}.rank_by[{}]", path, k);
      SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(keys[k], key_path));
      RankKey key;
      // "EXPR asc|desc": the last word names the direction when it is one.
      std::string_view expr = text;
      while (!expr.empty() && expr.back() == ' ') expr.remove_suffix(1);
      const size_t space = expr.find_last_of(' ');
      if (space != std::string_view::npos) {
        const std::string_view word = expr.substr(space + 1);
        if (word == "asc" || word == "desc") {
          key.descending = word == "desc";
          expr = expr.substr(0, space);
        }
      }
      key.expression.text = std::string(expr);
      key.expression.source = PlanSource{key_path, internal::YamlReader::line_of(keys[k])};
      const Status syntax = check_rule_syntax(key.expression.text);
      if (!syntax.ok()) return yaml_.error(keys[k], key_path, syntax.message());
      scarcity.rank_by.push_back(std::move(key));
    }
  }
  if (const YAML::Node value = node["partial"]) {
    SUBSIDY_ASSIGN_OR_RETURN(scarcity.partial, yaml_.boolean(value, path + ".partial"));
  }
  if (const YAML::Node value = node["skip"]) {
    SUBSIDY_ASSIGN_OR_RETURN(scarcity.skip, yaml_.boolean(value, path + ".skip"));
    if (scarcity.skip && scarcity.partial) {
      return yaml_.error(value, path, "partial and skip cannot both be true");
    }
  }
  if (const YAML::Node value = node["max_funded"]) {
    SUBSIDY_ASSIGN_OR_RETURN(scarcity.max_funded,
                             yaml_.integer(value, path + ".max_funded", 1, INT64_MAX));
  }
  if (const YAML::Node value = node["seed"]) {
    SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(value, path + ".seed"));
    uint64_t seed = 0;
    bool ok = !text.empty() && text.size() <= 20;
    for (const char c : text) {
      if (c < '0' || c > '9' || seed > (UINT64_MAX - (c - '0')) / 10) {
        ok = false;
        break;
      }
      seed = seed * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok) {
      return yaml_.error(
          value, path + ".seed",
          fmt::format("expected a whole number from 0 to {}, not \"{}\"", UINT64_MAX, text));
    }
    scarcity.seed = seed;
  }
  return scarcity;
}

Result<Split> PlanReader::split(const YAML::Node& node, const std::string& path) const {
  Split split;
  split.source = PlanSource{path, internal::YamlReader::line_of(node)};
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, kSplitKeys));
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node by, yaml_.required(node, path, "by"));
  SUBSIDY_ASSIGN_OR_RETURN(std::string by_text, yaml_.scalar(by, path + ".by"));
  if (by_text != "region") {
    return yaml_.error(by, path + ".by",
                       fmt::format("a pool splits by region only, not by \"{}\"", by_text));
  }
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node regions, yaml_.required(node, path, "regions"));
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(regions, path + ".regions"));
  if (regions.size() == 0) return yaml_.error(regions, path + ".regions", "lists no region");
  SUBSIDY_RETURN_IF_ERROR(check_count(yaml_, regions, path + ".regions", "regions"));
  for (size_t k = 0; k < regions.size(); ++k) {
    const std::string region_path = fmt::format("{}.regions[{}]", path, k);
    SUBSIDY_ASSIGN_OR_RETURN(std::string region, yaml_.scalar(regions[k], region_path));
    if (region.empty()) return yaml_.error(regions[k], region_path, "empty region");
    if (std::find(split.regions.begin(), split.regions.end(), region) != split.regions.end()) {
      return yaml_.error(regions[k], region_path,
                         fmt::format("region \"{}\" is listed twice", region));
    }
    split.regions.push_back(region);
  }
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node factors, yaml_.required(node, path, "factors"));
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(factors, path + ".factors"));
  if (factors.size() == 0) return yaml_.error(factors, path + ".factors", "lists no factor");
  int64_t total = 0;
  for (size_t k = 0; k < factors.size(); ++k) {
    const std::string factor_path = fmt::format("{}.factors[{}]", path, k);
    const YAML::Node& item = factors[k];
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(item, factor_path, kFactorKeys));
    SplitFactor factor;
    factor.source = PlanSource{factor_path, internal::YamlReader::line_of(item)};
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node weight, yaml_.required(item, factor_path, "weight"));
    SUBSIDY_ASSIGN_OR_RETURN(factor.weight, rate(weight, factor_path + ".weight"));
    if (factor.weight.nanos() > Rate::kScale) {
      return yaml_.error(weight, factor_path + ".weight", "a weight may not exceed 100%");
    }
    total += factor.weight.nanos();
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node measure,
                             yaml_.required(item, factor_path, "measure"));
    SUBSIDY_ASSIGN_OR_RETURN(std::string text, yaml_.scalar(measure, factor_path + ".measure"));
    if (text != "count") {
      if (!text.starts_with("sum(") || !text.ends_with(")") || text.size() <= 5) {
        return yaml_.error(
            measure, factor_path + ".measure",
            fmt::format("unknown measure \"{}\"; expected count or sum(<column>)", text));
      }
      factor.column = text.substr(4, text.size() - 5);
    }
    split.factors.push_back(std::move(factor));
  }
  if (total != Rate::kScale) {
    return yaml_.error(
        factors, path + ".factors",
        fmt::format("the weights add up to {}, not 1", format_rate(Rate::from_nanos(total))));
  }
  return split;
}

Status PlanReader::read_head(const YAML::Node& node, const std::string& index_path,
                             std::span<const std::string_view> keys, std::string* id_out,
                             std::string* name, PlanSource* source) const {
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, index_path, keys));
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node id_node, yaml_.required(node, index_path, "id"));
  SUBSIDY_ASSIGN_OR_RETURN(*id_out, id(id_node, index_path + ".id"));
  const std::string path = fmt::format("{} ({})", index_path, *id_out);
  *source = PlanSource{path, internal::YamlReader::line_of(node), key_lines(node)};
  *name = *id_out;
  if (const YAML::Node name_node = node["name"]) {
    SUBSIDY_ASSIGN_OR_RETURN(*name, yaml_.scalar(name_node, path + ".name"));
  }
  return Status::Ok();
}

Result<Pool> PlanReader::pool(const YAML::Node& node, const std::string& index_path) const {
  Pool pool;
  SUBSIDY_RETURN_IF_ERROR(
      read_head(node, index_path, kPoolKeys, &pool.id, &pool.name, &pool.source));
  const std::string& path = pool.source.path;
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node level, yaml_.required(node, path, "level"));
  SUBSIDY_ASSIGN_OR_RETURN(int level_index, pick(yaml_, level, path + ".level", kLevels, "level"));
  pool.level = static_cast<PoolLevel>(level_index);
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node received, yaml_.required(node, path, "received"));
  SUBSIDY_ASSIGN_OR_RETURN(pool.received, amount(received, path + ".received", false));
  if (const YAML::Node reserve = node["reserve"]) {
    SUBSIDY_ASSIGN_OR_RETURN(pool.reserve, amount_or_rate(reserve, path + ".reserve"));
    if ((pool.reserve->is_rate && pool.reserve->rate.nanos() > Rate::kScale) ||
        (!pool.reserve->is_rate && pool.reserve->amount > pool.received)) {
      return yaml_.error(reserve, path + ".reserve", "the reserve exceeds what was received");
    }
  }
  pool.round = plan_round_;
  if (const YAML::Node round = node["round"]) {
    SUBSIDY_RETURN_IF_ERROR(read_round(round, path + ".round", &pool.round));
  }
  if (const YAML::Node scarcity_node = node["scarcity"]) {
    SUBSIDY_ASSIGN_OR_RETURN(pool.scarcity, scarcity(scarcity_node, path + ".scarcity"));
  }
  if (const YAML::Node split_node = node["split"]) {
    SUBSIDY_ASSIGN_OR_RETURN(pool.split, split(split_node, path + ".split"));
    const int64_t unit = unit_fen(pool.round.unit);
    if (pool.budget().fen() % unit != 0) {
      return yaml_.error(
          split_node, path + ".split",
          fmt::format("the budget {} (received − reserve) is not a multiple of the "
                      "rounding unit ({}), so the regions' shares cannot add up to it",
                      format_yuan(pool.budget()), unit_name(pool.round.unit)));
    }
  }
  return pool;
}

Result<std::vector<Band>> PlanReader::bands(const YAML::Node& node, const std::string& path,
                                            bool brackets) const {
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(node, path));
  if (node.size() == 0) return yaml_.error(node, path, "lists no band");
  SUBSIDY_RETURN_IF_ERROR(check_count(yaml_, node, path, "bands"));
  std::vector<Band> bands;
  for (size_t k = 0; k < node.size(); ++k) {
    const std::string band_path = fmt::format("{}[{}]", path, k);
    const YAML::Node& item = node[k];
    if (brackets) {
      SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(item, band_path, kBracketBandKeys));
    } else {
      SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(item, band_path, kTierBandKeys));
    }
    Band band;
    band.source = PlanSource{band_path, internal::YamlReader::line_of(item)};
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node from, yaml_.required(item, band_path, "from"));
    SUBSIDY_ASSIGN_OR_RETURN(band.from, amount(from, band_path + ".from", true));
    if (!bands.empty() && band.from <= bands.back().from) {
      return yaml_.error(from, band_path + ".from",
                         fmt::format("bands must be strictly ascending: {} does not exceed {}",
                                     from.Scalar(), node[k - 1]["from"].Scalar()));
    }
    const YAML::Node award = item["award"];
    const YAML::Node rate_node = item["rate"];
    if (brackets && !rate_node) return yaml_.error(item, band_path, "missing key \"rate\"");
    if (!brackets && award && rate_node) {
      return yaml_.error(item, band_path, "a band gives an award or a rate, not both");
    }
    if (!brackets && !award && !rate_node) {
      return yaml_.error(item, band_path, "a band needs an award or a rate");
    }
    if (rate_node) {
      band.is_rate = true;
      SUBSIDY_ASSIGN_OR_RETURN(band.rate, rate(rate_node, band_path + ".rate"));
    } else {
      SUBSIDY_ASSIGN_OR_RETURN(band.amount, amount(award, band_path + ".award", false));
    }
    bands.push_back(band);
  }
  return bands;
}

Result<Award> PlanReader::award(const YAML::Node& node, const std::string& path) const {
  Award award;
  award.source = PlanSource{path, internal::YamlReader::line_of(node)};
  if (!node.IsMap()) return yaml_.error(node, path, "expected a mapping");
  // The kind is the one key among fixed, rate, tiers, brackets, table, formula (rate takes `of`).
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, {}));  // repeated keys first
  std::string kind;
  for (const auto& entry : node) {
    const std::string& key = entry.first.Scalar();
    if (key == "of") continue;
    if (std::find(std::begin(kAwardKinds), std::end(kAwardKinds), key) == std::end(kAwardKinds)) {
      return yaml_.error(entry.first, path,
                         fmt::format("unknown award kind \"{}\"{}; expected one of fixed, rate, "
                                     "tiers, brackets, table, formula",
                                     key, internal::did_you_mean(key, kAwardKinds)));
    }
    if (!kind.empty()) {
      return yaml_.error(entry.first, path,
                         fmt::format("an award has one kind, but gives both {} and {}", kind, key));
    }
    kind = key;
  }
  if (kind.empty())
    return yaml_.error(node, path, "missing the award kind (fixed, rate, tiers, ...)");
  if (kind == "rate") {
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, kRateAwardKeys));
    award.kind = AwardKind::kRate;
    SUBSIDY_ASSIGN_OR_RETURN(award.rate, rate(node["rate"], path + ".rate"));
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node of, yaml_.required(node, path, "of"));
    SUBSIDY_ASSIGN_OR_RETURN(award.base, expression(of, path + ".of"));
    return award;
  }
  const std::string_view only[] = {kind};
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, only));
  const YAML::Node body = node[kind];
  const std::string body_path = path + "." + kind;
  if (kind == "fixed") {
    award.kind = AwardKind::kFixed;
    SUBSIDY_ASSIGN_OR_RETURN(award.fixed, amount(body, body_path, false));
  } else if (kind == "formula") {
    award.kind = AwardKind::kFormula;
    SUBSIDY_ASSIGN_OR_RETURN(award.formula, expression(body, body_path));
  } else if (kind == "tiers" || kind == "brackets") {
    award.kind = kind == "tiers" ? AwardKind::kTiers : AwardKind::kBrackets;
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(body, body_path, kTiersKeys));
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node base, yaml_.required(body, body_path, "base"));
    SUBSIDY_ASSIGN_OR_RETURN(award.base, expression(base, body_path + ".base"));
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node bands_node, yaml_.required(body, body_path, "bands"));
    SUBSIDY_ASSIGN_OR_RETURN(award.bands,
                             bands(bands_node, body_path + ".bands", kind == "brackets"));
  } else {  // table
    award.kind = AwardKind::kTable;
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(body, body_path, kTableKeys));
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node hit, yaml_.required(body, body_path, "hit"));
    SUBSIDY_ASSIGN_OR_RETURN(int hit_index,
                             pick(yaml_, hit, body_path + ".hit", kHits, "hit policy"));
    award.hit = static_cast<HitPolicy>(hit_index);
    SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node rows, yaml_.required(body, body_path, "rows"));
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(rows, body_path + ".rows"));
    if (rows.size() == 0) return yaml_.error(rows, body_path + ".rows", "lists no row");
    SUBSIDY_RETURN_IF_ERROR(check_count(yaml_, rows, body_path + ".rows", "rows"));
    for (size_t k = 0; k < rows.size(); ++k) {
      const std::string row_path = fmt::format("{}.rows[{}]", body_path, k);
      const YAML::Node& item = rows[k];
      SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(item, row_path, kTableRowKeys));
      TableRow row;
      row.source = PlanSource{row_path, internal::YamlReader::line_of(item)};
      SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node when, yaml_.required(item, row_path, "when"));
      SUBSIDY_ASSIGN_OR_RETURN(row.when, expression(when, row_path + ".when"));
      const YAML::Node amount_node = item["award"];
      const YAML::Node rate_node = item["rate"];
      const YAML::Node of = item["of"];
      if (amount_node && (rate_node || of)) {
        return yaml_.error(item, row_path, "a row gives an award or a rate of something, not both");
      }
      if (amount_node) {
        SUBSIDY_ASSIGN_OR_RETURN(row.amount, amount(amount_node, row_path + ".award", false));
      } else if (rate_node) {
        row.is_rate = true;
        SUBSIDY_ASSIGN_OR_RETURN(row.rate, rate(rate_node, row_path + ".rate"));
        if (!of) return yaml_.error(item, row_path, "a rate needs \"of\": the base it applies to");
        SUBSIDY_ASSIGN_OR_RETURN(row.of, expression(of, row_path + ".of"));
      } else {
        return yaml_.error(item, row_path, "a row needs an award or a rate");
      }
      award.rows.push_back(std::move(row));
    }
  }
  return award;
}

Result<Program> PlanReader::program(const YAML::Node& node, const std::string& index_path) const {
  Program program;
  SUBSIDY_RETURN_IF_ERROR(
      read_head(node, index_path, kProgramKeys, &program.id, &program.name, &program.source));
  const std::string& path = program.source.path;
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node pool_node, yaml_.required(node, path, "pool"));
  SUBSIDY_ASSIGN_OR_RETURN(program.pool, yaml_.scalar(pool_node, path + ".pool"));
  if (const YAML::Node group = node["group"]) {
    SUBSIDY_ASSIGN_OR_RETURN(program.group, id(group, path + ".group"));
  }
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node eligible, yaml_.required(node, path, "eligible"));
  SUBSIDY_ASSIGN_OR_RETURN(program.eligible, expression(eligible, path + ".eligible"));
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node award_node, yaml_.required(node, path, "award"));
  SUBSIDY_ASSIGN_OR_RETURN(program.award, award(award_node, path + ".award"));
  if (const YAML::Node cap = node["cap"]) {
    SUBSIDY_ASSIGN_OR_RETURN(program.cap, amount(cap, path + ".cap", false));
  }
  if (const YAML::Node min_award = node["min_award"]) {
    SUBSIDY_ASSIGN_OR_RETURN(program.min_award, amount(min_award, path + ".min_award", false));
  }
  program.round = plan_round_;
  if (const YAML::Node round = node["round"]) {
    SUBSIDY_RETURN_IF_ERROR(read_round(round, path + ".round", &program.round));
  }
  const int64_t unit = unit_fen(program.round.unit);
  for (const auto& [key, value] :
       {std::pair{"cap", program.cap}, {"min_award", program.min_award}}) {
    if (value && value->fen() % unit != 0) {
      return yaml_.error(node[key], path + "." + key,
                         fmt::format("{} {} is not a multiple of the program's rounding unit ({})",
                                     key, format_yuan(*value), unit_name(program.round.unit)));
    }
  }
  if (const YAML::Node budget = node["budget"]) {
    SUBSIDY_ASSIGN_OR_RETURN(program.budget, amount(budget, path + ".budget", false));
  }
  if (const YAML::Node scarcity_node = node["scarcity"]) {
    if (!program.budget) {
      return yaml_.error(scarcity_node, path + ".scarcity",
                         "only a program with its own budget has a scarcity method; the pool's "
                         "settles the others");
    }
    SUBSIDY_ASSIGN_OR_RETURN(program.scarcity, scarcity(scarcity_node, path + ".scarcity"));
  }
  if (const YAML::Node spill = node["spill"]) {
    SUBSIDY_ASSIGN_OR_RETURN(program.spill, yaml_.boolean(spill, path + ".spill"));
    if (program.spill && !program.budget) {
      return yaml_.error(spill, path + ".spill", "spill needs the program's own budget");
    }
  }
  return program;
}

Result<Stacking> PlanReader::stacking(const YAML::Node& node, const std::string& path) const {
  Stacking stacking;
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(node, path, kStackingKeys));
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node group, yaml_.required(node, path, "group"));
  SUBSIDY_ASSIGN_OR_RETURN(stacking.group, id(group, path + ".group"));
  stacking.source =
      PlanSource{fmt::format("{} ({})", path, stacking.group), internal::YamlReader::line_of(node)};
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node rule, yaml_.required(node, path, "rule"));
  SUBSIDY_ASSIGN_OR_RETURN(int rule_index, pick(yaml_, rule, stacking.source.path + ".rule",
                                                kStackingRules, "stacking rule"));
  stacking.rule = static_cast<StackingRule>(rule_index);
  const YAML::Node cap = node["cap"];
  if (stacking.rule == StackingRule::kSumCap) {
    if (!cap) return yaml_.error(node, stacking.source.path, "sum_cap needs a cap");
    SUBSIDY_ASSIGN_OR_RETURN(stacking.cap, amount(cap, stacking.source.path + ".cap", false));
  } else if (cap) {
    return yaml_.error(cap, stacking.source.path + ".cap",
                       fmt::format("only sum_cap takes a cap, not {}", rule.Scalar()));
  }
  return stacking;
}

// Checks that span pools, programs and stacking together.
Status PlanReader::check_across(const Plan& plan) const {
  std::set<std::string> ids;
  for (const Pool& pool : plan.pools) {
    if (!ids.insert(pool.id).second) {
      return error(pool.source, fmt::format("id \"{}\" is used twice", pool.id));
    }
  }
  std::vector<std::string_view> pool_ids;
  for (const Pool& pool : plan.pools) pool_ids.push_back(pool.id);
  for (const Program& program : plan.programs) {
    if (!ids.insert(program.id).second) {
      return error(program.source, fmt::format("id \"{}\" is used twice", program.id));
    }
    const Pool* pool = plan.find_pool(program.pool);
    if (pool == nullptr) {
      return error(program.source.at("pool"),
                   fmt::format("unknown pool \"{}\"{}", program.pool,
                               internal::did_you_mean(program.pool, pool_ids)));
    }
    if (pool->split && program.budget) {
      return error(
          program.source.at("budget"),
          fmt::format("a program with its own budget may not draw on the split pool \"{}\"",
                      pool->id));
    }
    if (unit_fen(program.round.unit) % unit_fen(pool->round.unit) != 0) {
      return error(
          program.source.at("round"),
          fmt::format("the program's rounding unit ({}) is not a multiple of its pool's ({})",
                      unit_name(program.round.unit), unit_name(pool->round.unit)));
    }
  }
  for (const Pool& pool : plan.pools) {
    Int128 carved = 0;  // a sum of int64 amounts: 128 bits cannot overflow here
    for (const Program& program : plan.programs) {
      if (program.pool == pool.id && program.budget) carved += program.budget->fen();
    }
    if (carved > pool.budget().fen()) {
      const std::string total = carved > INT64_MAX
                                    ? std::string("more than the largest amount")
                                    : format_yuan(Money::from_fen(static_cast<int64_t>(carved)));
      return error(pool.source,
                   fmt::format("the programs' own budgets add up to {}, more than the pool's "
                               "budget of {} (received − reserve)",
                               total, format_yuan(pool.budget())));
    }
  }
  std::vector<std::string_view> groups;
  for (const Program& program : plan.programs) {
    if (!program.group.empty() &&
        std::find(groups.begin(), groups.end(), program.group) == groups.end()) {
      groups.push_back(program.group);
    }
  }
  for (size_t k = 0; k < plan.stacking.size(); ++k) {
    const Stacking& rule = plan.stacking[k];
    if (plan.find_stacking(rule.group) != &rule) {
      return error(rule.source, fmt::format("group \"{}\" has a second stacking rule", rule.group));
    }
    if (std::find(groups.begin(), groups.end(), rule.group) == groups.end()) {
      return error(rule.source, fmt::format("no program is in group \"{}\"{}", rule.group,
                                            internal::did_you_mean(rule.group, groups)));
    }
    for (const Program& program : plan.programs) {
      if (program.group == rule.group && rule.rule == StackingRule::kSumCap &&
          rule.cap.fen() % unit_fen(program.round.unit) != 0) {
        return error(PlanSource{rule.source.path + ".cap", rule.source.line},
                     fmt::format("cap {} is not a multiple of the rounding unit ({}) of program {}",
                                 format_yuan(rule.cap), unit_name(program.round.unit), program.id));
      }
    }
  }
  for (const Program& program : plan.programs) {
    if (!program.group.empty() && plan.find_stacking(program.group) == nullptr) {
      return error(program.source.at("group"),
                   fmt::format("group \"{}\" has no stacking rule; add {{group: {}, rule: "
                               "highest|sum_cap|exclusive}} under stacking",
                               program.group, program.group));
    }
  }
  return Status::Ok();
}

Result<Plan> PlanReader::read(std::string_view text) {
  SUBSIDY_ASSIGN_OR_RETURN(YAML::Node root, yaml_.load(text));
  Plan plan;
  plan.file_name = yaml_.file_name();
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_map(root, "plan", kTopKeys));
  if (const YAML::Node format = root["format"]) {
    SUBSIDY_ASSIGN_OR_RETURN(int64_t version, yaml_.integer(format, "format", 1, 1));
    plan.format = static_cast<int>(version);
  }
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node name, yaml_.required(root, "plan", "plan"));
  SUBSIDY_ASSIGN_OR_RETURN(plan.name, yaml_.scalar(name, "plan"));
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node as_of, yaml_.required(root, "plan", "as_of"));
  SUBSIDY_ASSIGN_OR_RETURN(std::string as_of_text, yaml_.scalar(as_of, "as_of"));
  Result<Date> date = parse_date(as_of_text);
  if (!date.ok()) return yaml_.error(as_of, "as_of", date.status().message());
  plan.as_of = *date;
  plan.fiscal_year = plan.as_of.year();
  if (const YAML::Node year = root["fiscal_year"]) {
    SUBSIDY_ASSIGN_OR_RETURN(int64_t value, yaml_.integer(year, "fiscal_year", 1400, 9999));
    plan.fiscal_year = static_cast<int>(value);
  }
  if (const YAML::Node round = root["round"]) {
    SUBSIDY_RETURN_IF_ERROR(read_round(round, "round", &plan.round));
  }
  plan_round_ = plan.round;
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node pools, yaml_.required(root, "plan", "pools"));
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(pools, "pools"));
  if (pools.size() == 0) return yaml_.error(pools, "pools", "lists no pool");
  for (size_t k = 0; k < pools.size(); ++k) {
    SUBSIDY_ASSIGN_OR_RETURN(Pool pool, this->pool(pools[k], fmt::format("pools[{}]", k)));
    plan.pools.push_back(std::move(pool));
  }
  SUBSIDY_ASSIGN_OR_RETURN(const YAML::Node programs, yaml_.required(root, "plan", "programs"));
  SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(programs, "programs"));
  SUBSIDY_RETURN_IF_ERROR(check_count(yaml_, programs, "programs", "programs"));
  for (size_t k = 0; k < programs.size(); ++k) {
    SUBSIDY_ASSIGN_OR_RETURN(Program program,
                             this->program(programs[k], fmt::format("programs[{}]", k)));
    plan.programs.push_back(std::move(program));
  }
  if (const YAML::Node rules = root["stacking"]) {
    SUBSIDY_RETURN_IF_ERROR(yaml_.check_sequence(rules, "stacking"));
    for (size_t k = 0; k < rules.size(); ++k) {
      SUBSIDY_ASSIGN_OR_RETURN(Stacking rule, stacking(rules[k], fmt::format("stacking[{}]", k)));
      plan.stacking.push_back(std::move(rule));
    }
  }
  SUBSIDY_RETURN_IF_ERROR(check_across(plan));
  return plan;
}

}  // namespace

Result<Plan> parse_plan(std::string_view text, const std::string& file_name) {
  PlanReader reader(file_name);
  try {
    return reader.read(text);
  } catch (const OverflowError& e) {  // sums of budgets past int64 fen
    return invalid_argument(fmt::format("{}: {}", file_name, e.what()));
  } catch (const YAML::Exception& e) {
    return invalid_argument(fmt::format("{}:{}: {}", file_name, e.mark.line + 1, e.msg));
  }
}

Result<std::string> read_plan_text(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return not_found(fmt::format("cannot open plan {}: it is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot open plan {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<Plan> load_plan(const std::string& path) {
  SUBSIDY_ASSIGN_OR_RETURN(const std::string text, read_plan_text(path));
  return parse_plan(text, path);
}

}  // namespace subsidy
