// libFuzzer target: plan files (parse_plan, SPEC §6, §7, §11) on arbitrary bytes.
//
// yaml-cpp is not instrumented, so coverage feedback comes from the plan reader (and the rule
// parser it calls). A plan that does not load must say why, prefixed by the file name. A plan that
// loads must satisfy every check the reader promises, whatever the input: ids valid and unique,
// every program's pool and every group's stacking rule present, bands strictly ascending, split
// weights adding up to exactly 1 (10^9 nanos), the programs' own budgets within the pool's budget,
// caps and units consistent, scarcity options only where they apply, rules that parse. A
// violation aborts with "invariant violated" (scripts/fuzz.sh reports it as CRASH).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "subsidy/money.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/rules.hpp"

namespace {

using namespace subsidy;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "plan_fuzz: invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The message is built only when the check fails.
#define CHECK(ok, what)    \
  do {                     \
    if (!(ok)) fail(what); \
  } while (false)

bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  for (const char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool valid_unit(Unit unit) {
  return unit == Unit::kFen || unit == Unit::kYuan || unit == Unit::kHundred ||
         unit == Unit::kThousand || unit == Unit::kWan;
}

void check_round(const Rounding& round, const std::string& where) {
  CHECK(valid_unit(round.unit), where + ": rounding unit out of range");
  CHECK(round.mode == RoundingMode::kHalfUp || round.mode == RoundingMode::kHalfEven ||
            round.mode == RoundingMode::kDown || round.mode == RoundingMode::kUp,
        where + ": rounding mode out of range");
}

void check_rule(const PlanExpression& expression, const std::string& where) {
  CHECK(check_rule_syntax(expression.text).ok(), where + ": accepted rule does not parse: " +
                                                     expression.text);
  CHECK(!expression.source.path.empty(), where + ": rule without a path");
}

void check_multiple(Money amount, Unit unit, const std::string& where) {
  CHECK(amount.fen() % unit_fen(unit) == 0, where + ": not a multiple of the rounding unit");
}

void check_scarcity(const Scarcity& scarcity, const std::string& where) {
  const bool priority = scarcity.method == ScarcityMethod::kPriority;
  const bool lottery = scarcity.method == ScarcityMethod::kLottery;
  CHECK(priority || lottery || scarcity.method == ScarcityMethod::kProRata ||
            scarcity.method == ScarcityMethod::kEqualCap,
        where + ": scarcity method out of range");
  CHECK(!(scarcity.partial && scarcity.skip), where + ": partial and skip together");
  CHECK(scarcity.rank_by.empty() || priority, where + ": rank_by on a method without it");
  CHECK(!scarcity.partial || priority || lottery, where + ": partial on a method without it");
  CHECK(!scarcity.skip || priority || lottery, where + ": skip on a method without it");
  CHECK(!scarcity.max_funded || priority || lottery, where + ": max_funded on a method without it");
  CHECK(!scarcity.max_funded || *scarcity.max_funded >= 1, where + ": max_funded below 1");
  CHECK(!scarcity.seed || lottery, where + ": seed on a method other than lottery");
  for (const RankKey& key : scarcity.rank_by) check_rule(key.expression, where + ".rank_by");
}

bool default_scarcity(const Scarcity& scarcity) {
  return scarcity.method == ScarcityMethod::kProRata && scarcity.rank_by.empty() &&
         !scarcity.partial && !scarcity.skip && !scarcity.max_funded && !scarcity.seed;
}

void check_bands(const Award& award, const std::string& where) {
  CHECK(!award.bands.empty(), where + ": no band");
  for (size_t k = 0; k < award.bands.size(); ++k) {
    const Band& band = award.bands[k];
    if (k > 0) {
      CHECK(award.bands[k - 1].from < band.from, where + ": bands not strictly ascending");
    }
    if (award.kind == AwardKind::kBrackets) CHECK(band.is_rate, where + ": bracket without a rate");
    if (band.is_rate) {
      CHECK(band.rate.nanos() >= 0, where + ": negative band rate");
    } else {
      CHECK(!band.amount.is_negative(), where + ": negative band award");
    }
  }
  check_rule(award.base, where + ".base");
}

void check_award(const Award& award, const std::string& where) {
  switch (award.kind) {
    case AwardKind::kFixed:
      CHECK(!award.fixed.is_negative(), where + ": negative fixed award");
      break;
    case AwardKind::kRate:
      CHECK(award.rate.nanos() >= 0, where + ": negative rate");
      check_rule(award.base, where + ".of");
      break;
    case AwardKind::kTiers:
    case AwardKind::kBrackets:
      check_bands(award, where);
      break;
    case AwardKind::kTable:
      CHECK(award.hit == HitPolicy::kFirst || award.hit == HitPolicy::kUnique ||
                award.hit == HitPolicy::kCollectSum || award.hit == HitPolicy::kCollectMax,
            where + ": hit policy out of range");
      CHECK(!award.rows.empty(), where + ": table without rows");
      for (const TableRow& row : award.rows) {
        check_rule(row.when, where + ".when");
        if (row.is_rate) {
          CHECK(row.rate.nanos() >= 0, where + ": negative row rate");
          check_rule(row.of, where + ".of");
        } else {
          CHECK(!row.amount.is_negative(), where + ": negative row award");
        }
      }
      break;
    case AwardKind::kFormula:
      check_rule(award.formula, where + ".formula");
      break;
    default:
      fail(where + ": award kind out of range");
  }
}

void check_plan(const Plan& plan) {
  CHECK(plan.format == 1, "format is not 1");
  CHECK(plan.fiscal_year >= 1400 && plan.fiscal_year <= 9999, "fiscal year out of range");
  CHECK(plan.file_name == "fuzz.yaml", "file name lost");
  check_round(plan.round, "plan");
  CHECK(!plan.pools.empty(), "a plan without pools");

  std::set<std::string> ids;
  for (const Pool& pool : plan.pools) {
    const std::string where = "pool " + pool.id;
    CHECK(valid_id(pool.id), where + ": invalid id");
    CHECK(ids.insert(pool.id).second, where + ": id used twice");
    CHECK(plan.find_pool(pool.id) == &pool, where + ": find_pool finds another");
    CHECK(pool.level == PoolLevel::kCentral || pool.level == PoolLevel::kProvincial ||
              pool.level == PoolLevel::kMunicipal || pool.level == PoolLevel::kCounty,
          where + ": level out of range");
    CHECK(!pool.received.is_negative(), where + ": negative received");
    if (pool.reserve) {
      if (pool.reserve->is_rate) {
        CHECK(pool.reserve->rate.nanos() >= 0 && pool.reserve->rate.nanos() <= Rate::kScale,
              where + ": reserve rate outside [0, 1]");
      } else {
        CHECK(!pool.reserve->amount.is_negative() && pool.reserve->amount <= pool.received,
              where + ": reserve amount outside [0, received]");
      }
    }
    const Money budget = pool.budget();
    CHECK(!budget.is_negative() && budget <= pool.received, where + ": budget outside [0, received]");
    check_round(pool.round, where);
    check_scarcity(pool.scarcity, where + ".scarcity");
    if (pool.split) {
      CHECK(!pool.split->regions.empty(), where + ": split without regions");
      std::set<std::string> regions;
      for (const std::string& region : pool.split->regions) {
        CHECK(!region.empty(), where + ": empty region");
        CHECK(regions.insert(region).second, where + ": region listed twice");
      }
      CHECK(!pool.split->factors.empty(), where + ": split without factors");
      int64_t total = 0;
      for (const SplitFactor& factor : pool.split->factors) {
        CHECK(factor.weight.nanos() >= 0 && factor.weight.nanos() <= Rate::kScale,
              where + ": weight outside [0, 1]");
        total += factor.weight.nanos();
      }
      CHECK(total == Rate::kScale, where + ": split weights do not add up to 10^9 nanos");
      check_multiple(budget, pool.round.unit, where + ": split budget");
    }
  }

  std::set<std::string> groups;
  for (const Program& program : plan.programs) {
    const std::string where = "program " + program.id;
    CHECK(valid_id(program.id), where + ": invalid id");
    CHECK(ids.insert(program.id).second, where + ": id used twice");
    CHECK(plan.find_program(program.id) == &program, where + ": find_program finds another");
    const Pool* pool = plan.find_pool(program.pool);
    CHECK(pool != nullptr, where + ": unknown pool " + program.pool);
    if (!program.group.empty()) {
      CHECK(valid_id(program.group), where + ": invalid group");
      CHECK(plan.find_stacking(program.group) != nullptr, where + ": group without stacking rule");
      groups.insert(program.group);
    }
    check_rule(program.eligible, where + ".eligible");
    check_award(program.award, where + ".award");
    check_round(program.round, where);
    const Unit unit = program.round.unit;
    CHECK(unit_fen(unit) % unit_fen(pool->round.unit) == 0,
          where + ": unit not a multiple of the pool's");
    if (program.cap) {
      CHECK(!program.cap->is_negative(), where + ": negative cap");
      check_multiple(*program.cap, unit, where + ": cap");
    }
    if (program.min_award) {
      CHECK(!program.min_award->is_negative(), where + ": negative min_award");
      check_multiple(*program.min_award, unit, where + ": min_award");
    }
    if (program.budget) {
      CHECK(!program.budget->is_negative(), where + ": negative budget");
      CHECK(!pool->split, where + ": own budget on a split pool");
      check_scarcity(program.scarcity, where + ".scarcity");
    } else {
      CHECK(!program.spill, where + ": spill without a budget");
      CHECK(default_scarcity(program.scarcity), where + ": scarcity without a budget");
    }
  }

  // The programs' own budgets fit in their pool's budget (summed without overflow).
  for (const Pool& pool : plan.pools) {
    Int128 carved = 0;
    for (const Program& program : plan.programs) {
      if (program.pool == pool.id && program.budget) carved += program.budget->fen();
    }
    CHECK(carved <= pool.budget().fen(), "pool " + pool.id + ": own budgets exceed the budget");
  }

  std::set<std::string> ruled;
  for (const Stacking& rule : plan.stacking) {
    const std::string where = "stacking " + rule.group;
    CHECK(valid_id(rule.group), where + ": invalid group");
    CHECK(ruled.insert(rule.group).second, where + ": a second rule for the group");
    CHECK(groups.count(rule.group) == 1, where + ": no program in the group");
    CHECK(plan.find_stacking(rule.group) == &rule, where + ": find_stacking finds another");
    CHECK(rule.rule == StackingRule::kHighest || rule.rule == StackingRule::kSumCap ||
              rule.rule == StackingRule::kExclusive,
          where + ": rule out of range");
    if (rule.rule == StackingRule::kSumCap) {
      CHECK(!rule.cap.is_negative(), where + ": negative cap");
      for (const Program& program : plan.programs) {
        if (program.group == rule.group) check_multiple(rule.cap, program.round.unit, where + ": cap");
      }
    } else {
      CHECK(rule.cap.is_zero(), where + ": a cap on a rule other than sum_cap");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<Plan> plan = parse_plan(text, "fuzz.yaml");
  if (!plan.ok()) {
    const std::string& message = plan.status().message();
    CHECK(plan.status().code() == StatusCode::kInvalidArgument, "an error that is not InvalidArgument");
    CHECK(message.rfind("fuzz.yaml", 0) == 0, "an error without the file name: " + message);
    CHECK(message.size() > std::string_view("fuzz.yaml: ").size(), "an error without a reason");
    return 0;
  }
  check_plan(*plan);
  // The same text reads the same way twice.
  const Result<Plan> again = parse_plan(text, "fuzz.yaml");
  CHECK(again.ok() && again->pools.size() == plan->pools.size() &&
            again->programs.size() == plan->programs.size() &&
            again->stacking.size() == plan->stacking.size(),
        "a second read differs");
  return 0;
}
