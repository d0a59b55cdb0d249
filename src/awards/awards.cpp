// The award stage: per program, the eligible rows, their exact award (a rational in fen), then cap,
// min_award and round, column-wise over the program's lines; then stacking across groups.
//
// Awards stay exact until they are rounded: a rate of an amount is num·nanos / (den·10^9), kept
// unreduced (no gcd per row) and compared in 256 bits, so the common case costs a few integer
// operations per line. An award that cannot be held in 128 bits is an error naming the enterprise.
#include "subsidy/awards.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/parallel.hpp"
#include "common/rational.hpp"

namespace subsidy {

namespace internal {

struct CompiledProgram {
  std::optional<Rule> eligible;
  std::optional<Rule> base;  // rate (`of`), tiers, brackets
  std::optional<Rule> formula;
  std::vector<Rule> when;               // table rows
  std::vector<std::optional<Rule>> of;  // table rows with a rate
};

struct CompiledAwardsData {
  const Plan* plan = nullptr;
  const Roster* roster = nullptr;
  std::vector<CompiledProgram> programs;
  // Top-level clauses that two or more programs' eligibility rules share (`region == "320830"`,
  // `has_tag("入驻基地")`): each is evaluated once, and a program's rule only on the rows where all
  // of its shared clauses hold.
  std::vector<Rule> shared_clauses;
  std::vector<std::vector<size_t>> shared_of_program;
  // By program: its other clauses as one rule (evaluated on those rows only); none when every
  // clause is shared.
  std::vector<std::optional<Rule>> rest_of_program;
  // By program drawing on a split pool: per dictionary code of `region`, whether the code lies
  // within one of the split's regions (SPEC §7: outside them an enterprise is not eligible).
  std::vector<std::vector<uint8_t>> split_region_codes;
};

}  // namespace internal

std::string_view award_status_name(AwardStatus status) {
  switch (status) {
    case AwardStatus::kRequested:
      return "requested";
    case AwardStatus::kDroppedBelowMin:
      return "dropped_below_min";
    case AwardStatus::kStackedOut:
      return "stacked_out";
  }
  return "requested";
}

int64_t ProgramAwards::find(RowIndex row_idx) const {
  const auto it = std::lower_bound(rows.begin(), rows.end(), row_idx);
  return it != rows.end() && *it == row_idx ? it - rows.begin() : -1;
}

CompiledAwards::CompiledAwards(std::unique_ptr<internal::CompiledAwardsData> data)
    : data_(std::move(data)) {}
CompiledAwards::CompiledAwards(CompiledAwards&&) noexcept = default;
CompiledAwards& CompiledAwards::operator=(CompiledAwards&&) noexcept = default;
CompiledAwards::~CompiledAwards() = default;
const Plan& CompiledAwards::plan() const { return *data_->plan; }
const Roster& CompiledAwards::roster() const { return *data_->roster; }
const Rule& CompiledAwards::eligibility(size_t program) const {
  return *data_->programs[program].eligible;
}

std::vector<std::string> CompiledAwards::aged_columns() const {
  std::vector<std::string> columns;
  auto add = [&](const Rule& rule) {
    for (const std::string& name : rule.aged_columns()) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
    }
  };
  for (const internal::CompiledProgram& program : data_->programs) {
    add(*program.eligible);
    if (program.base) add(*program.base);
    if (program.formula) add(*program.formula);
    for (const Rule& when : program.when) add(when);
    for (const std::optional<Rule>& of : program.of) {
      if (of) add(*of);
    }
  }
  return columns;
}

namespace {

using internal::Rational;

// Compiles an expression of the plan and checks what it gives: true/false, or an amount (money or
// a number, which counts as yuan).
Result<Rule> compile_expression(const Plan& plan, const PlanExpression& expression,
                                const Roster& roster, bool boolean) {
  Result<Rule> rule = compile_rule(expression.text, roster);
  if (!rule.ok()) return plan_error(plan, expression.source, rule.status().message());
  const RuleType type = rule->type();
  if (boolean && type != RuleType::kBool) {
    return plan_error(
        plan, expression.source,
        fmt::format("expected a condition (true/false), but this gives {}", rule_type_name(type)));
  }
  if (!boolean && type != RuleType::kMoney && type != RuleType::kNumber) {
    return plan_error(plan, expression.source,
                      fmt::format("expected an amount, but this gives {}", rule_type_name(type)));
  }
  return std::move(*rule);
}

std::string enterprise_id(const Roster& roster, RowIndex row_idx) {
  const Column* ids = roster.find("id");
  return ids != nullptr ? std::string(ids->text(row_idx)) : fmt::format("row {}", row_idx + 1);
}

// v ×= a / b (b > 0) exactly; unreduced when it fits, reduced when it would not.
bool scale(Rational* v, Int128 a, Int128 b) {
  Rational out;
  if (!__builtin_mul_overflow(v->num, a, &out.num) &&
      !__builtin_mul_overflow(v->den, b, &out.den)) {
    *v = out;
    return true;
  }
  Rational reduced;
  Rational factor;
  return internal::make_rational(v->num, v->den, &reduced) &&
         internal::make_rational(a, b, &factor) && internal::multiply(reduced, factor, v);
}

// The values of an amount expression as rationals in fen (a number counts as yuan); den 0 = null.
Result<RuleValues> amount_values(const Rule& rule, const Roster& roster, const EvalContext& context,
                                 const RowMask& rows) {
  SUBSIDY_ASSIGN_OR_RETURN(RuleValues values, rule.values(roster, context, rows));
  if (values.type == RuleType::kNumber) {
    for (size_t k = 0; k < values.num.size(); ++k) {
      if (values.den[k] != 0 &&
          __builtin_mul_overflow(values.num[k], Int128{100}, &values.num[k])) {
        values.den[k] = 0;  // past 128 bits as fen: reported as too large below
        values.num[k] = -1;
      }
    }
  }
  return values;
}

bool is_null(const RuleValues& values, size_t k) { return values.den[k] == 0; }

std::vector<RowIndex> rows_of(const RowMask& mask) {
  std::vector<RowIndex> rows;
  rows.reserve(static_cast<size_t>(mask.count()));
  for (size_t word = 0; word < mask.words.size(); ++word) {
    uint64_t bits = mask.words[word];
    while (bits != 0) {
      rows.push_back(static_cast<RowIndex>(word * 64 + __builtin_ctzll(bits)));
      bits &= bits - 1;
    }
  }
  return rows;
}

// The exact award of each eligible row before cap, min_award and round, and the band or table row
// that set it. A null award is den 0.
class AwardCalculator {
 public:
  AwardCalculator(const CompiledAwards& compiled, size_t program, const EvalContext& context)
      : plan_(compiled.plan()),
        roster_(compiled.roster()),
        program_(plan_.programs[program]),
        code_(compiled.data().programs[program]),
        context_(context) {}

  Status run(const RowMask& eligible, const std::vector<RowIndex>& rows,
             std::vector<Rational>* exact, std::vector<int16_t>* hit);

 private:
  // A base without a value gives no award; amount_values() marks one too large for fen with a
  // nonzero numerator.
  Status null_base(const RuleValues& base, size_t k, RowIndex row_idx,
                   std::vector<Rational>* exact) const {
    if (base.num[k] != 0) return too_large(row_idx);
    (*exact)[k] = Rational{0, 0};
    return Status::Ok();
  }
  Status too_large(RowIndex row_idx) const {
    return plan_error(plan_, program_.award.source,
                      fmt::format("the award of enterprise {} is too large to compute exactly",
                                  enterprise_id(roster_, row_idx)));
  }
  Status tiers(const RuleValues& base, const std::vector<RowIndex>& rows,
               std::vector<Rational>* exact, std::vector<int16_t>* hit) const;
  Status brackets(const RuleValues& base, const std::vector<RowIndex>& rows,
                  std::vector<Rational>* exact, std::vector<int16_t>* hit) const;
  Status table(const RowMask& eligible, const std::vector<RowIndex>& rows,
               std::vector<Rational>* exact, std::vector<int16_t>* hit) const;

  const Plan& plan_;
  const Roster& roster_;
  const Program& program_;
  const internal::CompiledProgram& code_;
  const EvalContext& context_;
};

Status AwardCalculator::run(const RowMask& eligible, const std::vector<RowIndex>& rows,
                            std::vector<Rational>* exact, std::vector<int16_t>* hit) {
  const Award& award = program_.award;
  const size_t n = rows.size();
  exact->assign(n, Rational{0, 1});
  hit->assign(n, -1);
  switch (award.kind) {
    case AwardKind::kFixed:
      std::fill(exact->begin(), exact->end(), Rational{award.fixed.fen(), 1});
      return Status::Ok();
    case AwardKind::kRate: {
      SUBSIDY_ASSIGN_OR_RETURN(RuleValues base,
                               amount_values(*code_.base, roster_, context_, eligible));
      for (size_t k = 0; k < n; ++k) {
        if (is_null(base, k)) {  // no award; an error when it was too large for fen
          SUBSIDY_RETURN_IF_ERROR(null_base(base, k, rows[k], exact));
          continue;
        }
        Rational value{base.num[k], base.den[k]};
        if (!scale(&value, award.rate.nanos(), Rate::kScale)) return too_large(rows[k]);
        (*exact)[k] = value;
      }
      return Status::Ok();
    }
    case AwardKind::kTiers:
    case AwardKind::kBrackets: {
      SUBSIDY_ASSIGN_OR_RETURN(RuleValues base,
                               amount_values(*code_.base, roster_, context_, eligible));
      return award.kind == AwardKind::kTiers ? tiers(base, rows, exact, hit)
                                             : brackets(base, rows, exact, hit);
    }
    case AwardKind::kTable:
      return table(eligible, rows, exact, hit);
    case AwardKind::kFormula: {
      SUBSIDY_ASSIGN_OR_RETURN(RuleValues value,
                               amount_values(*code_.formula, roster_, context_, eligible));
      for (size_t k = 0; k < n; ++k) {
        if (is_null(value, k) && value.num[k] != 0) return too_large(rows[k]);
        (*exact)[k] = Rational{value.num[k], value.den[k]};
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status AwardCalculator::tiers(const RuleValues& base, const std::vector<RowIndex>& rows,
                              std::vector<Rational>* exact, std::vector<int16_t>* hit) const {
  const std::vector<Band>& bands = program_.award.bands;
  for (size_t k = 0; k < rows.size(); ++k) {
    if (is_null(base, k)) {  // no award; an error when it was too large for fen
      SUBSIDY_RETURN_IF_ERROR(null_base(base, k, rows[k], exact));
      continue;
    }
    const Rational value{base.num[k], base.den[k]};
    // The band that contains the base: the last whose `from` it reaches (bands are few).
    int band = -1;
    for (size_t b = bands.size(); b-- > 0;) {
      if (internal::compare(value, Rational{bands[b].from.fen(), 1}) >= 0) {
        band = static_cast<int>(b);
        break;
      }
    }
    (*hit)[k] = static_cast<int16_t>(band);
    if (band < 0) continue;  // below the first band: 0
    if (!bands[band].is_rate) {
      (*exact)[k] = Rational{bands[band].amount.fen(), 1};
      continue;
    }
    Rational award = value;
    if (!scale(&award, bands[band].rate.nanos(), Rate::kScale)) return too_large(rows[k]);
    (*exact)[k] = award;
  }
  return Status::Ok();
}

Status AwardCalculator::brackets(const RuleValues& base, const std::vector<RowIndex>& rows,
                                 std::vector<Rational>* exact, std::vector<int16_t>* hit) const {
  const std::vector<Band>& bands = program_.award.bands;
  for (size_t k = 0; k < rows.size(); ++k) {
    if (is_null(base, k)) {  // no award; an error when it was too large for fen
      SUBSIDY_RETURN_IF_ERROR(null_base(base, k, rows[k], exact));
      continue;
    }
    // Σ rate_b × (the part of the base inside band b), over a common denominator den · 10^9.
    const Int128 num = base.num[k];
    const Int128 den = base.den[k];
    Int128 total = 0;
    int top = -1;
    bool overflow = false;
    for (size_t b = 0; b < bands.size(); ++b) {
      Int128 low;
      overflow |= __builtin_mul_overflow(Int128{bands[b].from.fen()}, den, &low);
      if (overflow || num < low) break;
      top = static_cast<int>(b);  // the band that contains the base, as for tiers
      Int128 part = num - low;
      if (b + 1 < bands.size()) {
        Int128 high;
        overflow |= __builtin_mul_overflow(Int128{bands[b + 1].from.fen()}, den, &high);
        part = std::min(part, high - low);
      }
      Int128 term;
      overflow |= __builtin_mul_overflow(part, Int128{bands[b].rate.nanos()}, &term);
      overflow |= __builtin_add_overflow(total, term, &total);
    }
    Int128 denominator;
    overflow |= __builtin_mul_overflow(den, Int128{Rate::kScale}, &denominator);
    if (overflow) return too_large(rows[k]);
    (*exact)[k] = Rational{total, denominator};
    (*hit)[k] = static_cast<int16_t>(top);
  }
  return Status::Ok();
}

Status AwardCalculator::table(const RowMask& eligible, const std::vector<RowIndex>& rows,
                              std::vector<Rational>* exact, std::vector<int16_t>* hit) const {
  const std::vector<TableRow>& table_rows = program_.award.rows;
  const HitPolicy policy = program_.award.hit;
  const size_t n = rows.size();
  std::vector<uint8_t> any_hit(n, 0);
  for (size_t t = 0; t < table_rows.size(); ++t) {
    SUBSIDY_ASSIGN_OR_RETURN(RowMask when, code_.when[t].eligible(roster_, context_, eligible));
    std::optional<RuleValues> of;
    if (table_rows[t].is_rate) {
      SUBSIDY_ASSIGN_OR_RETURN(of, amount_values(*code_.of[t], roster_, context_, eligible));
    }
    for (size_t k = 0; k < n; ++k) {
      if (!when.test(rows[k])) continue;
      if (policy == HitPolicy::kFirst && any_hit[k]) continue;
      if (policy == HitPolicy::kUnique && any_hit[k]) {
        return plan_error(plan_, program_.award.source,
                          fmt::format("enterprise {} matches rows[{}] and rows[{}] of the table, "
                                      "but the hit policy is unique",
                                      enterprise_id(roster_, rows[k]), (*hit)[k], t));
      }
      Rational value{table_rows[t].amount.fen(), 1};
      if (of) {
        if (is_null(*of, k)) {
          if (of->num[k] != 0) return too_large(rows[k]);
          value = Rational{0, 1};  // a null base gives this row 0
        } else {
          value = Rational{of->num[k], of->den[k]};
          if (!scale(&value, table_rows[t].rate.nanos(), Rate::kScale)) return too_large(rows[k]);
        }
      }
      Rational& current = (*exact)[k];
      if (!any_hit[k]) {
        current = value;
        (*hit)[k] = static_cast<int16_t>(t);
      } else if (policy == HitPolicy::kCollectSum) {
        Rational a, b, sum;
        if (!internal::make_rational(current.num, current.den, &a) ||
            !internal::make_rational(value.num, value.den, &b) || !internal::add(a, b, &sum)) {
          return too_large(rows[k]);
        }
        current = sum;
      } else if (policy == HitPolicy::kCollectMax && internal::compare(value, current) > 0) {
        current = value;
        (*hit)[k] = static_cast<int16_t>(t);
      }
      any_hit[k] = 1;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<CompiledAwards> compile_awards(const Plan& plan, const Roster& roster) {
  auto data = std::make_unique<internal::CompiledAwardsData>();
  data->plan = &plan;
  data->roster = &roster;
  for (const Program& program : plan.programs) {
    internal::CompiledProgram code;
    SUBSIDY_ASSIGN_OR_RETURN(code.eligible,
                             compile_expression(plan, program.eligible, roster, true));
    const Award& award = program.award;
    switch (award.kind) {
      case AwardKind::kRate:
      case AwardKind::kTiers:
      case AwardKind::kBrackets: {
        SUBSIDY_ASSIGN_OR_RETURN(code.base, compile_expression(plan, award.base, roster, false));
        break;
      }
      case AwardKind::kFormula: {
        SUBSIDY_ASSIGN_OR_RETURN(code.formula,
                                 compile_expression(plan, award.formula, roster, false));
        break;
      }
      case AwardKind::kTable:
        for (const TableRow& row : award.rows) {
          SUBSIDY_ASSIGN_OR_RETURN(Rule when, compile_expression(plan, row.when, roster, true));
          code.when.push_back(std::move(when));
          if (row.is_rate) {
            SUBSIDY_ASSIGN_OR_RETURN(Rule of, compile_expression(plan, row.of, roster, false));
            code.of.push_back(std::move(of));
          } else {
            code.of.emplace_back();
          }
        }
        break;
      case AwardKind::kFixed:
        break;
    }
    data->programs.push_back(std::move(code));
  }
  for (const Program& program : plan.programs) {
    std::vector<uint8_t> codes;
    const Pool* pool = plan.find_pool(program.pool);
    if (pool != nullptr && pool->split) {
      const Column* region = roster.find("region");
      if (region == nullptr || region->type() != ColumnType::kString) {
        return plan_error(plan, pool->split->source,
                          "the roster has no region column to split the pool by");
      }
      const Dictionary& dictionary = region->dictionary();
      codes.assign(static_cast<size_t>(dictionary.size()), 0);
      for (int32_t code = 0; code < dictionary.size(); ++code) {
        for (const std::string& listed : pool->split->regions) {
          if (dictionary.value(code).starts_with(listed)) codes[code] = 1;
        }
      }
    }
    data->split_region_codes.push_back(std::move(codes));
  }
  // Clauses written alike in two or more rules.
  std::vector<std::string> texts;
  std::vector<int> uses;
  std::vector<std::vector<std::string>> clauses_of;
  for (const internal::CompiledProgram& code : data->programs) {
    std::vector<std::string> clauses = code.eligible->clauses();
    std::sort(clauses.begin(), clauses.end());
    clauses.erase(std::unique(clauses.begin(), clauses.end()), clauses.end());
    for (const std::string& clause : clauses) {
      const auto it = std::find(texts.begin(), texts.end(), clause);
      if (it == texts.end()) {
        texts.push_back(clause);
        uses.push_back(1);
      } else {
        ++uses[it - texts.begin()];
      }
    }
    clauses_of.push_back(std::move(clauses));
  }
  std::vector<int> shared_index(texts.size(), -1);
  for (size_t t = 0; t < texts.size(); ++t) {
    if (uses[t] < 2) continue;
    Result<Rule> clause = compile_rule(texts[t], roster);
    if (!clause.ok() || clause->type() != RuleType::kBool) continue;  // then just not shared
    shared_index[t] = static_cast<int>(data->shared_clauses.size());
    data->shared_clauses.push_back(std::move(*clause));
  }
  for (size_t p = 0; p < clauses_of.size(); ++p) {
    std::vector<size_t> shared;
    for (const std::string& clause : clauses_of[p]) {
      const int index = shared_index[std::find(texts.begin(), texts.end(), clause) - texts.begin()];
      if (index >= 0) shared.push_back(static_cast<size_t>(index));
    }
    // The rest, in the order written: R = shared ∧ rest holds exactly where both are true.
    std::string rest;
    bool compiled_rest = true;
    if (!shared.empty()) {
      for (const std::string& clause : data->programs[p].eligible->clauses()) {
        const int index =
            shared_index[std::find(texts.begin(), texts.end(), clause) - texts.begin()];
        if (index < 0) rest += (rest.empty() ? "(" : " and (") + clause + ")";
      }
    }
    std::optional<Rule> rest_rule;
    if (!rest.empty()) {
      Result<Rule> compiled_text = compile_rule(rest, roster);
      compiled_rest = compiled_text.ok() && compiled_text->type() == RuleType::kBool;
      if (compiled_rest) rest_rule = std::move(*compiled_text);
    }
    if (!compiled_rest) shared.clear();  // evaluate the whole rule instead
    data->shared_of_program.push_back(std::move(shared));
    data->rest_of_program.push_back(std::move(rest_rule));
  }
  return CompiledAwards(std::move(data));
}

Result<std::vector<RowMask>> evaluate_eligibility(const CompiledAwards& compiled,
                                                  const EvalContext& context, int threads) {
  const std::vector<uint8_t> all(compiled.plan().programs.size(), 1);
  return evaluate_eligibility(compiled, context, all, threads);
}

Result<std::vector<RowMask>> evaluate_eligibility(const CompiledAwards& compiled,
                                                  const EvalContext& context,
                                                  std::span<const uint8_t> which, int threads) {
  const size_t count = compiled.plan().programs.size();
  const internal::CompiledAwardsData& data = compiled.data();
  // Only the shared clauses of the programs asked for.
  std::vector<uint8_t> clause_needed(data.shared_clauses.size(), 0);
  for (size_t p = 0; p < count; ++p) {
    if (!which[p]) continue;
    for (const size_t c : data.shared_of_program[p]) clause_needed[c] = 1;
  }
  std::vector<Result<RowMask>> shared(data.shared_clauses.size(),
                                      Status(StatusCode::kInternal, "not run"));
  internal::parallel_for(shared.size(), threads, [&](size_t c) {
    if (clause_needed[c]) shared[c] = data.shared_clauses[c].eligible(compiled.roster(), context);
  });
  std::vector<Result<RowMask>> masks(count, Status(StatusCode::kInternal, "not run"));
  internal::parallel_for(count, threads, [&](size_t p) {
    if (!which[p]) {
      masks[p] = RowMask{};
      return;
    }
    const std::vector<size_t>& mine = data.shared_of_program[p];
    // A shared clause that failed to evaluate: the program's own evaluation reports it.
    const bool usable = !mine.empty() && std::all_of(mine.begin(), mine.end(),
                                                     [&](size_t c) { return shared[c].ok(); });
    if (!usable) {
      masks[p] = compiled.eligibility(p).eligible(compiled.roster(), context);
      return;
    }
    RowMask within = *shared[mine[0]];
    for (size_t k = 1; k < mine.size(); ++k) {
      const RowMask& other = *shared[mine[k]];
      for (size_t word = 0; word < within.words.size(); ++word)
        within.words[word] &= other.words[word];
    }
    if (!data.rest_of_program[p]) {
      masks[p] = std::move(within);
      return;
    }
    masks[p] = data.rest_of_program[p]->eligible_within(compiled.roster(), context, within);
  });
  std::vector<RowMask> out;
  for (size_t p = 0; p < count; ++p) {  // the first error in plan order, whatever the threads
    if (!masks[p].ok()) {
      return plan_error(compiled.plan(), compiled.plan().programs[p].eligible.source,
                        masks[p].status().message());
    }
    out.push_back(std::move(*masks[p]));
    const std::vector<uint8_t>& within = data.split_region_codes[p];
    if (within.empty() || !which[p]) continue;
    const std::span<const int32_t> codes = compiled.roster().column("region").int32s();
    RowMask& mask = out.back();
    for (size_t word = 0; word < mask.words.size(); ++word) {
      for (uint64_t bits = mask.words[word]; bits != 0; bits &= bits - 1) {
        const size_t row = word * 64 + __builtin_ctzll(bits);
        if (codes[row] < 0 || !within[codes[row]]) mask.words[word] &= ~(uint64_t{1} << (row & 63));
      }
    }
  }
  return out;
}

namespace {

// One program's lines from its eligible rows.
Status compute_program(const CompiledAwards& compiled, const EvalContext& context, size_t p,
                       const RowMask& eligible, ProgramAwards* out) {
  const Plan& plan = compiled.plan();
  const Program& program = plan.programs[p];
  std::vector<Rational> exact;
  std::vector<int16_t> hit;
  const std::vector<RowIndex> rows = rows_of(eligible);
  AwardCalculator calculator(compiled, p, context);
  SUBSIDY_RETURN_IF_ERROR(calculator.run(eligible, rows, &exact, &hit));
  ProgramAwards& lines = *out;
  lines.eligible = static_cast<RowIndex>(rows.size());
  const int64_t unit = unit_fen(program.round.unit);
  const RoundingMode mode = program.round.mode;
  const std::optional<Rational> cap =
      program.cap ? std::optional<Rational>(Rational{program.cap->fen(), 1}) : std::nullopt;
  const std::optional<Rational> min_award =
      program.min_award ? std::optional<Rational>(Rational{program.min_award->fen(), 1})
                        : std::nullopt;
  lines.rows.reserve(rows.size());
  lines.award.reserve(rows.size());
  lines.requested.reserve(rows.size());
  lines.status.reserve(rows.size());
  lines.hit.reserve(rows.size());
  lines.capped.reserve(rows.size());
  lines.stacked_by.reserve(rows.size());
  lines.computed.reserve(rows.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    Rational value = exact[k];
    if (value.den == 0 || value.num <= 0) continue;  // null, zero or negative: no award
    const Rational computed = value;
    bool capped = false;
    if (cap && internal::compare(value, *cap) > 0) {
      value = *cap;
      capped = true;
    }
    const bool dropped = min_award && internal::compare(value, *min_award) < 0;
    Int128 denominator;
    int64_t rounded = 0;
    try {
      if (__builtin_mul_overflow(value.den, Int128{unit}, &denominator)) throw OverflowError("");
      if (__builtin_mul_overflow(round_quotient(value.num, denominator, mode), unit, &rounded)) {
        throw OverflowError("");
      }
    } catch (const OverflowError&) {
      return plan_error(plan, program.award.source,
                        fmt::format("the award of enterprise {} is too large for an amount",
                                    enterprise_id(compiled.roster(), rows[k])));
    }
    if (rounded == 0 && !dropped) continue;
    lines.rows.push_back(rows[k]);
    lines.award.push_back(rounded);
    lines.requested.push_back(dropped ? 0 : rounded);
    lines.status.push_back(dropped ? AwardStatus::kDroppedBelowMin : AwardStatus::kRequested);
    lines.hit.push_back(hit[k]);
    lines.capped.push_back(capped ? 1 : 0);
    lines.stacked_by.push_back(-1);
    int64_t computed_fen = INT64_MAX;  // past int64 only when a cap brought it down: shown as such
    try {
      computed_fen = round_quotient(computed.num, computed.den, RoundingMode::kHalfUp);
    } catch (const OverflowError&) {
    }
    lines.computed.push_back(computed_fen);
  }
  return Status::Ok();
}

}  // namespace

Result<AwardsResult> compute_requested(const CompiledAwards& compiled, const EvalContext& context,
                                       std::vector<RowMask> eligible, int threads) {
  const std::vector<uint8_t> all(compiled.plan().programs.size(), 1);
  return compute_requested(compiled, context, std::move(eligible), all, threads);
}

Result<AwardsResult> compute_requested(const CompiledAwards& compiled, const EvalContext& context,
                                       std::vector<RowMask> eligible,
                                       std::span<const uint8_t> which, int threads) {
  const size_t count = compiled.plan().programs.size();
  AwardsResult result;
  result.programs.resize(count);
  std::vector<Status> statuses(count);
  internal::parallel_for(count, threads, [&](size_t p) {
    if (!which[p]) return;
    statuses[p] = compute_program(compiled, context, p, eligible[p], &result.programs[p]);
  });
  for (const Status& status : statuses) SUBSIDY_RETURN_IF_ERROR(status);
  result.eligible = std::move(eligible);
  return result;
}

void apply_stacking(const Plan& plan, AwardsResult& awards) {
  for (const Stacking& rule : plan.stacking) {
    std::vector<size_t> members;  // in plan order
    for (size_t p = 0; p < plan.programs.size(); ++p) {
      if (plan.programs[p].group == rule.group) members.push_back(p);
    }
    // Walk the members' lines together in row order (each is sorted by row): a k-way merge.
    std::vector<size_t> next(members.size(), 0);
    std::vector<int64_t> at(members.size());  // the member's line for the current row, or -1
    while (true) {
      RowIndex row = -1;
      for (size_t m = 0; m < members.size(); ++m) {
        const ProgramAwards& lines = awards.programs[members[m]];
        if (next[m] < lines.rows.size() && (row < 0 || lines.rows[next[m]] < row)) {
          row = lines.rows[next[m]];
        }
      }
      if (row < 0) break;
      int holders = 0;
      for (size_t m = 0; m < members.size(); ++m) {
        ProgramAwards& lines = awards.programs[members[m]];
        at[m] = -1;
        if (next[m] < lines.rows.size() && lines.rows[next[m]] == row) {
          if (lines.status[next[m]] == AwardStatus::kRequested) {
            at[m] = static_cast<int64_t>(next[m]);
            ++holders;
          }
          ++next[m];
        }
      }
      // One line alone can still pass a sum_cap; the other rules need two.
      if (holders == 0 || (holders < 2 && rule.rule != StackingRule::kSumCap)) continue;
      auto line = [&](size_t m) -> std::pair<ProgramAwards&, size_t> {
        return {awards.programs[members[m]], static_cast<size_t>(at[m])};
      };
      if (rule.rule == StackingRule::kSumCap) {
        Int128 total = 0;  // several int64 requests may pass int64 together
        for (size_t m = 0; m < members.size(); ++m) {
          if (at[m] >= 0) total += line(m).first.requested[line(m).second];
        }
        Int128 excess = total - rule.cap.fen();
        for (size_t m = members.size(); m-- > 0 && excess > 0;) {  // cut from the last program
          if (at[m] < 0) continue;
          auto [lines, l] = line(m);
          // What is left stays a multiple of the program's unit: the cap is one of every member's
          // units, but the excess need not be when the members' units differ.
          const int64_t unit = unit_fen(plan.programs[members[m]].round.unit);
          const int64_t kept =
              static_cast<int64_t>(std::max<Int128>(0, lines.requested[l] - excess) / unit * unit);
          excess -= lines.requested[l] - kept;
          lines.requested[l] = kept;
          lines.stacked_by[l] = ProgramAwards::kCutByGroupCap;
          if (lines.requested[l] == 0) lines.status[l] = AwardStatus::kStackedOut;
        }
        continue;
      }
      // highest: the largest request, ties to the first in plan order; exclusive: the first.
      size_t keep = members.size();
      for (size_t m = 0; m < members.size(); ++m) {
        if (at[m] < 0) continue;
        if (keep == members.size() || (rule.rule == StackingRule::kHighest &&
                                       line(m).first.requested[line(m).second] >
                                           line(keep).first.requested[line(keep).second])) {
          keep = m;
        }
      }
      for (size_t m = 0; m < members.size(); ++m) {
        if (at[m] < 0 || m == keep) continue;
        auto [lines, l] = line(m);
        lines.requested[l] = 0;
        lines.status[l] = AwardStatus::kStackedOut;
        lines.stacked_by[l] = static_cast<int16_t>(members[keep]);
      }
    }
  }
}

namespace {

std::string percent(Rate rate) {
  if (rate.nanos() > INT64_MAX / 100) return format_rate(rate);
  return format_rate(Rate::from_nanos(rate.nanos() * 100)) + "%";
}

std::string describe_band(const Band& band, const std::string& base) {
  return band.is_rate ? fmt::format("{} of {}", percent(band.rate), base)
                      : format_yuan(band.amount);
}

}  // namespace

std::string describe_award_line(const Plan& plan, size_t program, const ProgramAwards& lines,
                                size_t line) {
  const Program& p = plan.programs[program];
  const Award& award = p.award;
  const int hit = lines.hit[line];
  // The rule that set the award, then " = amount" where it was computed rather than given.
  std::string text;
  bool computed = true;
  switch (award.kind) {
    case AwardKind::kFixed:
      text = fmt::format("fixed {}", format_yuan(award.fixed));
      computed = false;
      break;
    case AwardKind::kRate:
      text = fmt::format("{} of {}", percent(award.rate), award.base.text);
      break;
    case AwardKind::kTiers:
      text = fmt::format("{} in band {} (from {}): {}", award.base.text, hit + 1,
                         format_yuan(award.bands[hit].from),
                         describe_band(award.bands[hit], award.base.text));
      computed = award.bands[hit].is_rate;
      break;
    case AwardKind::kBrackets:
      text = fmt::format("{} in band {} (from {}), marginal rates", award.base.text, hit + 1,
                         format_yuan(award.bands[hit].from));
      break;
    case AwardKind::kTable: {
      const TableRow& row = award.rows[hit];
      if (award.hit == HitPolicy::kCollectSum) {
        text = fmt::format("table rows hit, summed (the first: row {})", hit + 1);
      } else if (row.is_rate) {
        text = fmt::format("table row {}: {} of {}", hit + 1, percent(row.rate), row.of.text);
      } else {
        text = fmt::format("table row {}: {}", hit + 1, format_yuan(row.amount));
      }
      computed = award.hit == HitPolicy::kCollectSum || row.is_rate;
      break;
    }
    case AwardKind::kFormula:
      text = fmt::format("formula {}", award.formula.text);
      break;
  }
  if (computed) {
    text += lines.computed[line] == INT64_MAX
                ? " = more than can be shown"
                : fmt::format(" = {}", format_yuan(Money::from_fen(lines.computed[line])));
  }
  if (lines.capped[line]) text += fmt::format("; capped at {}", format_yuan(*p.cap));
  if (computed && !lines.capped[line] && lines.award[line] != lines.computed[line]) {
    text += fmt::format("; rounded {} to the {}: {}", rounding_mode_name(p.round.mode),
                        unit_name(p.round.unit), format_yuan(Money::from_fen(lines.award[line])));
  }
  if (lines.status[line] == AwardStatus::kDroppedBelowMin) {
    text += fmt::format("; below min_award {}: dropped", format_yuan(*p.min_award));
  }
  const int16_t by = lines.stacked_by[line];
  if (by == ProgramAwards::kCutByGroupCap) {
    const Stacking* rule = plan.find_stacking(p.group);
    text += lines.status[line] == AwardStatus::kStackedOut
                ? fmt::format("; stacked out: group {} sum_cap {}", p.group, format_yuan(rule->cap))
                : fmt::format("; cut to {} by group {} sum_cap {}",
                              format_yuan(Money::from_fen(lines.requested[line])), p.group,
                              format_yuan(rule->cap));
  } else if (by >= 0) {
    const Stacking* rule = plan.find_stacking(p.group);
    text += fmt::format("; stacked out by {} (group {}, {})", plan.programs[by].id, p.group,
                        stacking_rule_name(rule->rule));
  }
  return text;
}

Result<AwardExplanation> explain_award(const CompiledAwards& compiled, const AwardsResult& awards,
                                       const EvalContext& context, size_t program,
                                       RowIndex row_idx) {
  if (program >= compiled.plan().programs.size() || row_idx < 0 ||
      row_idx >= compiled.roster().num_rows()) {
    return invalid_argument("no such program or row");
  }
  AwardExplanation explanation;
  explanation.eligibility =
      compiled.eligibility(program).explain(compiled.roster(), row_idx, context);
  explanation.eligible = explanation.eligibility.value == Truth::kTrue;
  const ProgramAwards& lines = awards.programs[program];
  const int64_t line = lines.find(row_idx);
  if (line < 0) {
    if (explanation.eligible)
      explanation.steps.push_back("award 0 (no band reached, or a null or zero base)");
    return explanation;
  }
  explanation.has_line = true;
  explanation.requested = lines.requested[line];
  explanation.status = lines.status[line];
  explanation.steps.push_back(describe_award_line(compiled.plan(), program, lines, line));
  return explanation;
}

Result<AwardsResult> compute_awards(const CompiledAwards& compiled, const EvalContext& context,
                                    int threads) {
  SUBSIDY_ASSIGN_OR_RETURN(std::vector<RowMask> eligible,
                           evaluate_eligibility(compiled, context, threads));
  SUBSIDY_ASSIGN_OR_RETURN(AwardsResult awards,
                           compute_requested(compiled, context, std::move(eligible), threads));
  apply_stacking(compiled.plan(), awards);
  return awards;
}

}  // namespace subsidy
