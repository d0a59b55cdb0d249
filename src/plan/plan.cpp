// Names and lookups of the plan's parts.
#include "subsidy/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "subsidy/rules.hpp"

namespace subsidy {

std::string_view pool_level_name(PoolLevel level) {
  switch (level) {
    case PoolLevel::kCentral:
      return "central";
    case PoolLevel::kProvincial:
      return "provincial";
    case PoolLevel::kMunicipal:
      return "municipal";
    case PoolLevel::kCounty:
      return "county";
  }
  return "county";
}

std::string_view scarcity_method_name(ScarcityMethod method) {
  switch (method) {
    case ScarcityMethod::kProRata:
      return "pro_rata";
    case ScarcityMethod::kPriority:
      return "priority";
    case ScarcityMethod::kEqualCap:
      return "equal_cap";
    case ScarcityMethod::kLottery:
      return "lottery";
  }
  return "pro_rata";
}

std::string_view award_kind_name(AwardKind kind) {
  switch (kind) {
    case AwardKind::kFixed:
      return "fixed";
    case AwardKind::kRate:
      return "rate";
    case AwardKind::kTiers:
      return "tiers";
    case AwardKind::kBrackets:
      return "brackets";
    case AwardKind::kTable:
      return "table";
    case AwardKind::kFormula:
      return "formula";
  }
  return "fixed";
}

std::string_view hit_policy_name(HitPolicy hit) {
  switch (hit) {
    case HitPolicy::kFirst:
      return "first";
    case HitPolicy::kUnique:
      return "unique";
    case HitPolicy::kCollectSum:
      return "collect_sum";
    case HitPolicy::kCollectMax:
      return "collect_max";
  }
  return "first";
}

std::string_view stacking_rule_name(StackingRule rule) {
  switch (rule) {
    case StackingRule::kHighest:
      return "highest";
    case StackingRule::kSumCap:
      return "sum_cap";
    case StackingRule::kExclusive:
      return "exclusive";
  }
  return "highest";
}

bool is_plan_id(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Status plan_error(const Plan& plan, const PlanSource& source, const std::string& reason) {
  if (source.line > 0) {
    return invalid_argument(
        fmt::format("{}:{}: {}: {}", plan.file_name, source.line, source.path, reason));
  }
  return invalid_argument(fmt::format("{}: {}: {}", plan.file_name, source.path, reason));
}

PlanSource PlanSource::at(std::string_view key) const {
  PlanSource source{path + "." + std::string(key), line, {}};
  for (const auto& [name, key_line] : key_lines) {
    if (name == key) source.line = key_line;
  }
  return source;
}

Money Pool::reserve_amount() const {
  if (!reserve) return Money::zero();
  if (!reserve->is_rate) return reserve->amount;
  return multiply(received, reserve->rate, Rounding{Unit::kFen, RoundingMode::kHalfUp});
}

const Pool* Plan::find_pool(std::string_view id) const {
  for (const Pool& pool : pools) {
    if (pool.id == id) return &pool;
  }
  return nullptr;
}

const Program* Plan::find_program(std::string_view id) const {
  for (const Program& program : programs) {
    if (program.id == id) return &program;
  }
  return nullptr;
}

const Stacking* Plan::find_stacking(std::string_view group) const {
  for (const Stacking& rule : stacking) {
    if (rule.group == group) return &rule;
  }
  return nullptr;
}

}  // namespace subsidy
