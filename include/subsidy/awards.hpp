// Awards (SPEC §6): a plan compiled against a roster, and every enterprise's requested award,
// program by program and column-wise, then stacking across the programs of a group.
//
//   using namespace subsidy;
//   Result<CompiledAwards> compiled = compile_awards(plan, roster);  // type-checks every rule
//   EvalContext context{.as_of = plan.as_of};
//   Result<AwardsResult> awards = compute_awards(*compiled, context);
//   const ProgramAwards& tax = awards->programs[0];
//   for (size_t k = 0; k < tax.rows.size(); ++k) {
//     // tax.rows[k] is a roster row, tax.requested[k] its request in fen, tax.status[k] why
//   }
//
// The order for one enterprise and program: eligibility → award (exact) → cap → min_award →
// round → stacking on the rounded requests. A null or negative award is 0; a table with no hit
// gives 0; two hits under `unique` are an error naming the enterprise and the rows.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "subsidy/plan.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

// What happened to a line in this stage (allocation adds granted, scaled and unfunded).
enum class AwardStatus : uint8_t {
  kRequested,        // asks its pool for `requested`
  kDroppedBelowMin,  // 0 < award < min_award: asks for nothing
  kStackedOut,       // cut to 0 by its group's stacking rule
};
std::string_view award_status_name(AwardStatus status);  // "requested", "dropped_below_min", ...

// One program's award lines: the eligible rows whose award is above 0 (before min_award), in
// roster row order. Parallel columns, one entry per line.
struct ProgramAwards {
  std::vector<RowIndex> rows;
  // The line's own award after cap and round (fen), before min_award and stacking.
  std::vector<int64_t> award;
  // What it asks of its budget after min_award and stacking (fen): award, or less when a sum_cap
  // cut it, or 0 (dropped or stacked out).
  std::vector<int64_t> requested;
  std::vector<AwardStatus> status;
  // Which band of tiers/brackets (the top one reached) or which table row (the first hit) set the
  // award; -1 for other kinds.
  std::vector<int16_t> hit;
  std::vector<uint8_t> capped;  // 1 when the program's cap cut the award
  // The award as computed, before the cap, to the fen (half-up; for reasons and explanations).
  std::vector<int64_t> computed;
  // The program (plan index) that stacked it out (highest, exclusive); kCutByGroupCap when its
  // group's sum_cap cut it; -1 when stacking left it alone.
  std::vector<int16_t> stacked_by;
  static constexpr int16_t kCutByGroupCap = -2;
  RowIndex eligible = 0;  // rows the eligibility rule holds for (with or without award)

  // The line of a roster row, or -1.
  int64_t find(RowIndex row_idx) const;
};

struct AwardsResult {
  std::vector<ProgramAwards> programs;  // in plan order
  std::vector<RowMask> eligible;        // by program: the rows its eligibility rule holds for
};

namespace internal {
struct CompiledAwardsData;
}

// A plan's rules compiled against one roster (compile once, evaluate many times).
class CompiledAwards {
 public:
  CompiledAwards(CompiledAwards&&) noexcept;
  CompiledAwards& operator=(CompiledAwards&&) noexcept;
  ~CompiledAwards();

  const Plan& plan() const;
  const Roster& roster() const;
  const Rule& eligibility(size_t program) const;
  // The date columns any of the plan's expressions takes an age of (see Rule::aged_columns).
  std::vector<std::string> aged_columns() const;

  const internal::CompiledAwardsData& data() const { return *data_; }

 private:
  friend Result<CompiledAwards> compile_awards(const Plan&, const Roster&);
  explicit CompiledAwards(std::unique_ptr<internal::CompiledAwardsData> data);
  std::unique_ptr<internal::CompiledAwardsData> data_;
};

// Compiles every rule of the plan (eligible, bases, table conditions, formulas) against the
// roster's columns. `plan` and `roster` must outlive the result. Errors name the plan path:
//   plan.yaml:19: programs[0] (tax-contribution).eligible: 1:1: unknown column "tax_piad"; ...
Result<CompiledAwards> compile_awards(const Plan& plan, const Roster& roster);

// The stages one by one (what-if re-runs only the ones a change touches) ...
// Programs run in parallel on `threads` (0: all cores); the result is the same for any count.
Result<std::vector<RowMask>> evaluate_eligibility(const CompiledAwards& compiled,
                                                  const EvalContext& context, int threads = 1);
Result<AwardsResult> compute_requested(const CompiledAwards& compiled, const EvalContext& context,
                                       std::vector<RowMask> eligible, int threads = 1);
void apply_stacking(const Plan& plan, AwardsResult& awards);
// The same for the programs p with which[p] != 0 only (which.size() == the plan's programs); the
// others' masks and lines are left empty, for the caller to fill from an earlier run.
Result<std::vector<RowMask>> evaluate_eligibility(const CompiledAwards& compiled,
                                                  const EvalContext& context,
                                                  std::span<const uint8_t> which, int threads);
Result<AwardsResult> compute_requested(const CompiledAwards& compiled, const EvalContext& context,
                                       std::vector<RowMask> eligible,
                                       std::span<const uint8_t> which, int threads);
// ... and all of them.
Result<AwardsResult> compute_awards(const CompiledAwards& compiled, const EvalContext& context,
                                    int threads = 1);

// The reason of one award line, for people: "tax_paid in band 3 (from 1000000.00): 100000.00 =
// 100000.00; stacked out by sales-contribution (group base-support, highest)".
std::string describe_award_line(const Plan& plan, size_t program, const ProgramAwards& lines,
                                size_t line);

// For one enterprise and program: eligibility clause by clause, the award's arithmetic (band hit,
// cap, min_award, rounding) and stacking, as lines of text.
struct AwardExplanation {
  RuleExplanation eligibility;
  bool eligible = false;
  std::vector<std::string> steps;  // describe_award_line() of its line, or why there is none
  int64_t requested = 0;           // fen
  AwardStatus status = AwardStatus::kRequested;
  bool has_line = false;  // false: not eligible, or an award of 0
};
Result<AwardExplanation> explain_award(const CompiledAwards& compiled, const AwardsResult& awards,
                                       const EvalContext& context, size_t program,
                                       RowIndex row_idx);

}  // namespace subsidy
