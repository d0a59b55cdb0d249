// Budgets and settlement: each pool's own-budget programs are carved out and settled first, then
// the shared rest (or, for a split pool, each region's share) by the pool's scarcity method across
// the lines of all its other programs.
#include "subsidy/allocation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstring>
#include <numeric>

#include "allocation/scarcity.hpp"
#include "common/parallel.hpp"

namespace subsidy {

namespace internal {

// A scarcity's rank_by keys, compiled.
struct CompiledRanking {
  std::vector<Rule> keys;
  std::vector<bool> descending;
};

struct CompiledPlanData {
  const Plan* plan = nullptr;
  const Roster* roster = nullptr;
  std::optional<CompiledAwards> awards;
  std::vector<CompiledRanking> pool_ranking;     // by pool
  std::vector<CompiledRanking> program_ranking;  // by program (its own budget)
  // By pool: for a split pool, the listed region each dictionary code of `region` falls within
  // (the first listed, -1 for none), and the split's measure columns.
  std::vector<std::vector<int16_t>> region_of_code;
  std::vector<std::vector<const Column*>> measure_columns;
  // The rank of each row's enterprise id in byte order, so that ties compare integers; empty when
  // the rows are already in id order (the rank is the row). Shared by the plans compiled against
  // one roster with compile_plan_like (what-if's scenarios).
  std::shared_ptr<const std::vector<int32_t>> id_rank;
  // Rows with a date after an as-of date, by (column, as-of serial): a scan of a date column at a
  // million rows, done once and shared like the id ranks.
  struct FutureDateCounts {
    std::mutex mutex;
    std::map<std::pair<std::string, int32_t>, int64_t> counts;
  };
  std::shared_ptr<FutureDateCounts> future_counts;
  // Found once, when the plan is compiled: rows with dates after as_of where an age is taken.
  std::vector<std::string> warnings;
};

}  // namespace internal

std::string_view pool_kind_name(PoolSummary::Kind kind) {
  switch (kind) {
    case PoolSummary::Kind::kPool:
      return "pool";
    case PoolSummary::Kind::kRegion:
      return "region";
    case PoolSummary::Kind::kProgram:
      return "program";
  }
  return "pool";
}

std::string_view line_status_name(LineStatus status) {
  switch (status) {
    case LineStatus::kGranted:
      return "granted";
    case LineStatus::kScaled:
      return "scaled";
    case LineStatus::kUnfunded:
      return "unfunded";
    case LineStatus::kStackedOut:
      return "stacked_out";
    case LineStatus::kDroppedBelowMin:
      return "dropped_below_min";
  }
  return "granted";
}

CompiledPlan::CompiledPlan(std::unique_ptr<internal::CompiledPlanData> data)
    : data_(std::move(data)) {}
CompiledPlan::CompiledPlan(CompiledPlan&&) noexcept = default;
CompiledPlan& CompiledPlan::operator=(CompiledPlan&&) noexcept = default;
CompiledPlan::~CompiledPlan() = default;
const Plan& CompiledPlan::plan() const { return *data_->plan; }
const std::vector<std::string>& CompiledPlan::warnings() const { return data_->warnings; }
const Roster& CompiledPlan::roster() const { return *data_->roster; }
const CompiledAwards& CompiledPlan::awards() const { return *data_->awards; }

namespace {

using internal::SettleLine;

Result<internal::CompiledRanking> compile_ranking(const Plan& plan, const Scarcity& scarcity,
                                                  const Roster& roster) {
  internal::CompiledRanking ranking;
  for (const RankKey& key : scarcity.rank_by) {
    Result<Rule> rule = compile_rule(key.expression.text, roster);
    if (!rule.ok()) return plan_error(plan, key.expression.source, rule.status().message());
    const RuleType type = rule->type();
    if (type != RuleType::kMoney && type != RuleType::kNumber && type != RuleType::kDate) {
      return plan_error(
          plan, key.expression.source,
          fmt::format("rank_by needs an amount, a number or a date, not {}", rule_type_name(type)));
    }
    ranking.keys.push_back(std::move(*rule));
    ranking.descending.push_back(key.descending);
  }
  return ranking;
}

}  // namespace

namespace {

// The rank of each row's id in byte order. Ids are short codes (18 characters for a unified social
// credit code), so rows are sorted by their first 24 bytes as three big-endian words, which
// compare as integers; only longer ids that agree on those bytes compare as strings.
std::vector<int32_t> rank_ids(const Column& ids) {
  struct Key {
    uint64_t words[3];
    int32_t row;
  };
  const auto rows = static_cast<size_t>(ids.size());
  std::vector<Key> keys(rows);
  for (size_t row = 0; row < rows; ++row) {
    const std::string_view id = ids.text(static_cast<RowIndex>(row));
    unsigned char bytes[24] = {};
    std::memcpy(bytes, id.data(), std::min<size_t>(id.size(), 24));
    for (int w = 0; w < 3; ++w) {
      uint64_t word = 0;
      for (int b = 0; b < 8; ++b) word = (word << 8) | bytes[w * 8 + b];
      keys[row].words[w] = word;
    }
    keys[row].row = static_cast<int32_t>(row);
  }
  // Zero padding keeps byte order (a prefix sorts first); words that tie, as a prefix and a longer
  // id continuing with NUL bytes would, are settled by the full text.
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    for (int w = 0; w < 3; ++w) {
      if (a.words[w] != b.words[w]) return a.words[w] < b.words[w];
    }
    return ids.text(a.row) < ids.text(b.row);
  });
  std::vector<int32_t> rank(rows);
  for (size_t k = 0; k < rows; ++k) rank[keys[k].row] = static_cast<int32_t>(k);
  return rank;
}

// SPEC §5: an age of a date after the as-of date is null, and the run says how many rows have one.
std::vector<std::string> future_date_warnings(const internal::CompiledPlanData& data) {
  const Plan& plan = *data.plan;
  std::vector<std::string> columns = data.awards->aged_columns();
  auto add = [&](const internal::CompiledRanking& ranking) {
    for (const Rule& key : ranking.keys) {
      for (const std::string& name : key.aged_columns()) {
        if (std::find(columns.begin(), columns.end(), name) == columns.end())
          columns.push_back(name);
      }
    }
  };
  for (const internal::CompiledRanking& ranking : data.pool_ranking) add(ranking);
  for (const internal::CompiledRanking& ranking : data.program_ranking) add(ranking);
  std::vector<std::string> warnings;
  for (const std::string& name : columns) {
    const std::pair<std::string, int32_t> key{name, plan.as_of.serial()};
    std::optional<int64_t> known;
    {
      const std::lock_guard<std::mutex> lock(data.future_counts->mutex);
      const auto found = data.future_counts->counts.find(key);
      if (found != data.future_counts->counts.end()) known = found->second;
    }
    int64_t later = known.value_or(0);
    if (!known) {
      const Column& column = data.roster->column(name);
      const std::span<const int32_t> days = column.int32s();
      for (RowIndex row = 0; row < data.roster->num_rows(); ++row) {
        later += column.is_valid(row) && days[row] > plan.as_of.serial() ? 1 : 0;
      }
      const std::lock_guard<std::mutex> lock(data.future_counts->mutex);
      data.future_counts->counts.emplace(key, later);
    }
    if (later > 0) {
      warnings.push_back(
          fmt::format("{} {} a {} after the as-of date {}; the age of such a date "
                      "is null, so rules reading it are unknown there",
                      later, later == 1 ? "row has" : "rows have", name, plan.as_of.to_string()));
    }
  }
  return warnings;
}

}  // namespace

namespace {

// Everything but the id ranks.
Result<std::unique_ptr<internal::CompiledPlanData>> compile_plan_with(
    const Plan& plan, const Roster& roster, std::shared_ptr<const std::vector<int32_t>> id_rank,
    std::shared_ptr<internal::CompiledPlanData::FutureDateCounts> future_counts) {
  auto data = std::make_unique<internal::CompiledPlanData>();
  data->plan = &plan;
  data->roster = &roster;
  data->id_rank = std::move(id_rank);
  data->future_counts = std::move(future_counts);
  SUBSIDY_ASSIGN_OR_RETURN(data->awards, compile_awards(plan, roster));
  for (const Pool& pool : plan.pools) {
    SUBSIDY_ASSIGN_OR_RETURN(internal::CompiledRanking ranking,
                             compile_ranking(plan, pool.scarcity, roster));
    data->pool_ranking.push_back(std::move(ranking));
    std::vector<int16_t> region_of_code;
    std::vector<const Column*> measures;
    if (pool.split) {
      const Column* region = roster.find("region");
      if (region == nullptr || region->type() != ColumnType::kString) {
        return plan_error(plan, pool.split->source,
                          "the roster has no region column to split the pool by");
      }
      const Dictionary& codes = region->dictionary();
      region_of_code.assign(static_cast<size_t>(codes.size()), -1);
      for (int32_t code = 0; code < codes.size(); ++code) {
        const std::string_view value = codes.value(code);
        for (size_t r = 0; r < pool.split->regions.size(); ++r) {
          if (value.starts_with(pool.split->regions[r])) {
            region_of_code[code] = static_cast<int16_t>(r);
            break;
          }
        }
      }
      for (const SplitFactor& factor : pool.split->factors) {
        if (factor.column.empty()) {
          measures.push_back(nullptr);
          continue;
        }
        const Column* column = roster.find(factor.column);
        if (column == nullptr) {
          return plan_error(plan, PlanSource{factor.source.path + ".measure", factor.source.line},
                            fmt::format("unknown column \"{}\"", factor.column));
        }
        if (column->type() != ColumnType::kMoney && column->type() != ColumnType::kInteger) {
          return plan_error(
              plan, PlanSource{factor.source.path + ".measure", factor.source.line},
              fmt::format("sum() needs an amount or integer column; {} is not one", factor.column));
        }
        measures.push_back(column);
      }
    }
    data->region_of_code.push_back(std::move(region_of_code));
    data->measure_columns.push_back(std::move(measures));
  }
  for (const Program& program : plan.programs) {
    SUBSIDY_ASSIGN_OR_RETURN(internal::CompiledRanking ranking,
                             compile_ranking(plan, program.scarcity, roster));
    data->program_ranking.push_back(std::move(ranking));
  }
  data->warnings = future_date_warnings(*data);
  return data;
}

}  // namespace

Result<CompiledPlan> compile_plan(const Plan& plan, const Roster& roster) {
  auto id_rank = std::make_shared<std::vector<int32_t>>();
  if (const Column* ids = roster.find("id"); ids != nullptr && ids->type() == ColumnType::kText) {
    bool sorted = true;
    for (RowIndex row = 1; row < roster.num_rows() && sorted; ++row) {
      sorted = ids->text(row - 1) < ids->text(row);
    }
    if (!sorted) *id_rank = rank_ids(*ids);
  }
  SUBSIDY_ASSIGN_OR_RETURN(
      auto data,
      compile_plan_with(plan, roster, std::move(id_rank),
                        std::make_shared<internal::CompiledPlanData::FutureDateCounts>()));
  return CompiledPlan(std::move(data));
}

Result<CompiledPlan> compile_plan_like(const Plan& plan, const CompiledPlan& base) {
  SUBSIDY_ASSIGN_OR_RETURN(auto data, compile_plan_with(plan, base.roster(), base.data().id_rank,
                                                       base.data().future_counts));
  return CompiledPlan(std::move(data));
}

// Region of every roster row for each split pool (-1: outside every listed region).
std::vector<std::vector<int16_t>> split_regions_of_rows(const CompiledPlan& compiled) {
  const internal::CompiledPlanData& data = compiled.data();
  std::vector<std::vector<int16_t>> out(compiled.plan().pools.size());
  for (size_t p = 0; p < compiled.plan().pools.size(); ++p) {
    if (!compiled.plan().pools[p].split) continue;
    const std::span<const int32_t> codes = compiled.roster().column("region").int32s();
    std::vector<int16_t>& regions = out[p];
    regions.resize(codes.size());
    for (size_t row = 0; row < codes.size(); ++row) {
      regions[row] = codes[row] < 0 ? int16_t{-1} : data.region_of_code[p][codes[row]];
    }
  }
  return out;
}

namespace {

// The factor method: each listed region's exact share of the budget, rounded by largest
// remainder to the unit (ties to the region listed first). Products of the factors' totals leave
// 128 bits, so this runs on arbitrary-precision integers (a few regions, once per run).
Result<std::vector<int64_t>> split_budget(const CompiledPlan& compiled, size_t pool_index,
                                          const std::vector<int16_t>& region_of_row) {
  using boost::multiprecision::cpp_int;
  const Pool& pool = compiled.plan().pools[pool_index];
  const Split& split = *pool.split;
  const size_t regions = split.regions.size();
  const size_t factors = split.factors.size();
  const std::vector<const Column*>& columns = compiled.data().measure_columns[pool_index];
  std::vector<std::vector<cpp_int>> measure(factors, std::vector<cpp_int>(regions));
  std::vector<cpp_int> total(factors);
  for (size_t f = 0; f < factors; ++f) {
    std::vector<Int128> sums(regions, 0);
    const Column* column = columns[f];
    for (size_t row = 0; row < region_of_row.size(); ++row) {
      const int16_t region = region_of_row[row];
      if (region < 0) continue;
      if (column == nullptr) {
        sums[region] += 1;
      } else if (column->is_valid(static_cast<RowIndex>(row))) {  // a null counts 0
        sums[region] += column->int64s()[row];
      }
    }
    for (size_t r = 0; r < regions; ++r) {
      // A share of money cannot be negative: neither can what weighs it.
      if (sums[r] < 0) {
        return plan_error(compiled.plan(), split.factors[f].source,
                          fmt::format("sum({}) is negative in region {}; the factor method needs "
                                      "measures of 0 or more",
                                      split.factors[f].column, split.regions[r]));
      }
      measure[f][r] = cpp_int(static_cast<int64_t>(sums[r] >> 64)) * (cpp_int(1) << 64) +
                      cpp_int(static_cast<uint64_t>(sums[r] & ~uint64_t{0}));
      total[f] += measure[f][r];
    }
    if (total[f] == 0) {
      return plan_error(
          compiled.plan(), split.factors[f].source,
          fmt::format("the measure {} is 0 over the listed regions, so it cannot "
                      "weigh them",
                      columns[f] == nullptr ? "count" : "sum(" + split.factors[f].column + ")"));
    }
  }
  // share_r = Σ_f w_f · m_f(r) / M_f = N_r / D with D = 10^9 · Π M_f.
  cpp_int denominator = Rate::kScale;
  for (const cpp_int& t : total) denominator *= t;
  const cpp_int budget = pool.budget().fen();
  const int64_t unit = unit_fen(pool.round.unit);
  std::vector<cpp_int> remainder(regions);
  std::vector<int64_t> parts(regions);
  int64_t given = 0;
  for (size_t r = 0; r < regions; ++r) {
    cpp_int numerator = 0;
    for (size_t f = 0; f < factors; ++f) {
      cpp_int term = cpp_int(split.factors[f].weight.nanos()) * measure[f][r];
      for (size_t g = 0; g < factors; ++g) {
        if (g != f) term *= total[g];
      }
      numerator += term;
    }
    const cpp_int share = budget * numerator;  // q_r = share / D
    const cpp_int base = share / (denominator * unit) * unit;
    parts[r] = static_cast<int64_t>(base);
    remainder[r] = share - base * denominator;
    given += parts[r];
  }
  std::vector<size_t> order(regions);
  for (size_t r = 0; r < regions; ++r) order[r] = r;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  for (int64_t k = 0; k < (pool.budget().fen() - given) / unit; ++k) parts[order[k]] += unit;
  return parts;
}

// One budget being settled: which lines, how much, how.
struct Settlement {
  int32_t summary = 0;  // index into Allocation::pools
  int64_t budget = 0;
  int64_t unit = 1;
  const Scarcity* scarcity = nullptr;
  const internal::CompiledRanking* ranking = nullptr;
  // The lines, in plan order then line order: id_rank holds the line's roster row.
  internal::ScratchVector<SettleLine> lines;
  Int128 total = 0;  // Σ requested

  void add(const ProgramAwards& awards, size_t program, uint32_t line) {
    lines.push_back(SettleLine{.requested = awards.requested[line],
                               .id_rank = awards.rows[line],
                               .program = static_cast<int32_t>(program),
                               .line = line});
    total += awards.requested[line];
  }
};

class Settler {
 public:
  Settler(const CompiledPlan& compiled, Allocation& allocation)
      : compiled_(compiled),
        plan_(compiled.plan()),
        allocation_(allocation),
        id_rank_(*compiled.data().id_rank) {}

  Status run(Settlement& settlement);

 private:
  Result<std::vector<internal::ScratchVector<internal::RankValue>>> rank_values(
      const Settlement& settlement);

  const CompiledPlan& compiled_;
  const Plan& plan_;
  Allocation& allocation_;
  const std::vector<int32_t>& id_rank_;
  // A rank_by key's values over a program's eligible rows, and those rows.
  struct RankedValues {
    RuleValues values;
    internal::ScratchVector<RowIndex> rows;
  };
  std::map<std::pair<const Rule*, int32_t>, RankedValues> rank_cache_;
};

Result<std::vector<internal::ScratchVector<internal::RankValue>>> Settler::rank_values(
    const Settlement& settlement) {
  // Each key per program over the program's eligible rows (pct_rank ranks among them), then
  // picked out for the lines being settled.
  const internal::CompiledRanking& ranking = *settlement.ranking;
  std::vector<internal::ScratchVector<internal::RankValue>> keys(
      ranking.keys.size(), internal::ScratchVector<internal::RankValue>(settlement.lines.size()));
  const EvalContext context{plan_.as_of};
  std::vector<int32_t> programs;
  for (const SettleLine& line : settlement.lines) {
    if (std::find(programs.begin(), programs.end(), line.program) == programs.end()) {
      programs.push_back(line.program);
    }
  }
  for (size_t key = 0; key < ranking.keys.size(); ++key) {
    for (const int32_t program : programs) {
      // Computed once per key and program, then shared by every child of a split pool.
      auto [cached, fresh] = rank_cache_.try_emplace({&ranking.keys[key], program});
      RankedValues& ranked = cached->second;
      if (fresh) {
        const RowMask& eligible = allocation_.awards.eligible[program];
        Result<RuleValues> values = ranking.keys[key].values(compiled_.roster(), context, eligible);
        if (!values.ok()) {
          const Scarcity& scarcity = *settlement.scarcity;
          rank_cache_.erase(cached);
          return plan_error(plan_, scarcity.rank_by[key].expression.source,
                            values.status().message());
        }
        ranked.values = std::move(*values);
        // values[k] belongs to the k-th eligible row.
        ranked.rows.reserve(ranked.values.num.size());
        for (size_t word = 0; word < eligible.words.size(); ++word) {
          for (uint64_t bits = eligible.words[word]; bits != 0; bits &= bits - 1) {
            ranked.rows.push_back(static_cast<RowIndex>(word * 64 + __builtin_ctzll(bits)));
          }
        }
      }
      // A program's lines come in roster row order (ProgramAwards), as its eligible rows do, and
      // each line's row is one of them: the two are walked together, not searched.
      const ProgramAwards& lines = allocation_.awards.programs[program];
      size_t position = 0;
      for (size_t k = 0; k < settlement.lines.size(); ++k) {
        if (settlement.lines[k].program != program) continue;
        const RowIndex row = lines.rows[settlement.lines[k].line];
        while (ranked.rows[position] < row) ++position;
        keys[key][k] =
            internal::RankValue{ranked.values.num[position], ranked.values.den[position]};
      }
    }
  }
  return keys;
}

Status Settler::run(Settlement& settlement) {
  const internal::ScratchVector<SettleLine>& lines = settlement.lines;
  const Int128 total = settlement.total;
  // Lines hold their rows; the methods read the ranks of the rows only where ties need them (the
  // table has an entry per roster row: read for every line, it goes to memory at 10M rows).
  const internal::IdRanks ranks{id_rank_.empty() ? nullptr : id_rank_.data()};
  if (total > INT64_MAX) throw OverflowError("the requests of one budget add up past int64 fen");
  const Money requested = Money::from_fen(static_cast<int64_t>(total));
  const Scarcity& scarcity = *settlement.scarcity;
  internal::ScratchVector<int64_t> granted(lines.size());
  std::vector<uint8_t> passed_over;
  switch (scarcity.method) {
    case ScarcityMethod::kProRata:
      internal::settle_pro_rata(lines, settlement.budget, settlement.unit, ranks, granted);
      break;
    case ScarcityMethod::kEqualCap:
      internal::settle_equal_cap(lines, settlement.budget, settlement.unit, ranks, granted);
      break;
    case ScarcityMethod::kPriority: {
      SUBSIDY_ASSIGN_OR_RETURN(auto keys, rank_values(settlement));
      internal::settle_priority(lines, keys, settlement.ranking->descending, settlement.budget,
                                settlement.unit, scarcity, &passed_over, ranks, granted);
      break;
    }
    case ScarcityMethod::kLottery: {
      const uint64_t seed = scarcity.seed ? *scarcity.seed
                                          : static_cast<uint64_t>(plan_.as_of.year()) * 10000 +
                                                static_cast<uint64_t>(plan_.as_of.month()) * 100 +
                                                static_cast<uint64_t>(plan_.as_of.day());
      const std::vector<uint32_t> order = internal::lottery_order(lines, seed, ranks);
      internal::settle_in_order(lines, order, settlement.budget, settlement.unit, scarcity,
                                &passed_over, granted);
      break;
    }
  }
  PoolSummary& summary = allocation_.pools[settlement.summary];
  summary.requested += requested;
  int64_t sum = 0;  // <= Σ requested, which fits in int64 (checked above)
  for (size_t k = 0; k < lines.size(); ++k) {
    const uint32_t line = lines[k].line;
    ProgramGrants& grants = allocation_.grants[lines[k].program];
    grants.granted[line] = granted[k];
    grants.settlement[line] = settlement.summary;
    grants.passed_over[line] = passed_over.empty() ? 0 : passed_over[k];
    grants.status[line] = granted[k] == lines[k].requested ? LineStatus::kGranted
                          : granted[k] > 0                 ? LineStatus::kScaled
                                                           : LineStatus::kUnfunded;
    sum += granted[k];
    summary.funded += granted[k] > 0 ? 1 : 0;
  }
  summary.granted += Money::from_fen(sum);
  summary.remaining = summary.budget - summary.granted;
  return Status::Ok();
}

}  // namespace

Result<Allocation> settle(const CompiledPlan& compiled, AwardsResult awards,
                          std::vector<std::vector<int16_t>> region_of_row) {
  const Plan& plan = compiled.plan();
  Allocation allocation;
  allocation.awards = std::move(awards);
  allocation.region_of_row = std::move(region_of_row);
  allocation.grants.resize(plan.programs.size());
  for (size_t p = 0; p < plan.programs.size(); ++p) {
    const ProgramAwards& lines = allocation.awards.programs[p];
    ProgramGrants& grants = allocation.grants[p];
    grants.granted.assign(lines.rows.size(), 0);
    grants.settlement.assign(lines.rows.size(), -1);
    grants.passed_over.assign(lines.rows.size(), 0);
    grants.status.reserve(lines.rows.size());
    for (size_t l = 0; l < lines.rows.size(); ++l) {
      grants.status.push_back(lines.status[l] == AwardStatus::kStackedOut ? LineStatus::kStackedOut
                              : lines.status[l] == AwardStatus::kDroppedBelowMin
                                  ? LineStatus::kDroppedBelowMin
                                  : LineStatus::kUnfunded);
    }
  }
  Settler settler(compiled, allocation);
  for (size_t pool_index = 0; pool_index < plan.pools.size(); ++pool_index) {
    // Money sums are checked: one past int64 fen names the pool.
    try {
      const Pool& pool = plan.pools[pool_index];
      const auto pool_summary = static_cast<int32_t>(allocation.pools.size());
      PoolSummary head;
      head.id = pool.id;
      head.kind = PoolSummary::Kind::kPool;
      head.received = pool.received;
      head.reserve = pool.reserve_amount();
      head.budget = pool.budget();
      head.method = pool.scarcity.method;
      head.unit = pool.round.unit;
      head.max_funded = pool.scarcity.max_funded;
      allocation.pools.push_back(head);
      // Lines by program: the ones asking for something, counted first so that the lists of a
      // large roster are allocated once, at their size.
      auto for_each_requesting = [&](size_t p, auto&& visit) {
        const ProgramAwards& lines = allocation.awards.programs[p];
        for (size_t l = 0; l < lines.rows.size(); ++l) {
          if (lines.status[l] == AwardStatus::kRequested && lines.requested[l] > 0) {
            if (!visit(static_cast<uint32_t>(l))) return false;
          }
        }
        return true;
      };
      auto count_requesting = [&](size_t p) {
        size_t count = 0;
        for_each_requesting(p, [&](uint32_t) {
          ++count;
          return true;
        });
        return count;
      };
      // Own budgets first, in plan order; their rows come after the pool's children.
      std::vector<PoolSummary> program_rows;
      Money shared = pool.budget();
      for (size_t p = 0; p < plan.programs.size(); ++p) {
        const Program& program = plan.programs[p];
        if (program.pool != pool.id || !program.budget) continue;
        shared -= *program.budget;
      }
      std::vector<std::pair<size_t, int32_t>> own_rows;  // (program, summary index) filled below
      const size_t children = pool.split ? pool.split->regions.size() : 0;
      int32_t next_index = pool_summary + 1 + static_cast<int32_t>(children);
      for (size_t p = 0; p < plan.programs.size(); ++p) {
        const Program& program = plan.programs[p];
        if (program.pool != pool.id || !program.budget) continue;
        PoolSummary row;
        row.id = pool.id + ":" + program.id;
        row.kind = PoolSummary::Kind::kProgram;
        row.budget = *program.budget;
        row.method = program.scarcity.method;
        row.unit = program.round.unit;
        row.max_funded = program.scarcity.max_funded;
        program_rows.push_back(row);
        own_rows.emplace_back(p, next_index++);
      }
      // Children rows (split pools), then program rows, go right after the pool's own row.
      std::vector<int64_t> child_budgets;
      if (pool.split) {
        SUBSIDY_ASSIGN_OR_RETURN(child_budgets, split_budget(compiled, pool_index,
                                                             allocation.region_of_row[pool_index]));
        for (size_t r = 0; r < children; ++r) {
          PoolSummary child;
          child.id = pool.id + "/" + pool.split->regions[r];
          child.kind = PoolSummary::Kind::kRegion;
          child.budget = Money::from_fen(child_budgets[r]);
          child.method = pool.scarcity.method;
          child.unit = pool.round.unit;
          child.max_funded = pool.scarcity.max_funded;
          allocation.pools.push_back(child);
        }
      }
      for (PoolSummary& row : program_rows) allocation.pools.push_back(std::move(row));
      for (const auto& [p, summary] : own_rows) {
        Settlement settlement;
        settlement.summary = summary;
        settlement.budget = plan.programs[p].budget->fen();
        settlement.unit = unit_fen(plan.programs[p].round.unit);
        settlement.scarcity = &plan.programs[p].scarcity;
        settlement.ranking = &compiled.data().program_ranking[p];
        settlement.lines.reserve(count_requesting(p));
        const size_t program = p;  // a structured binding: lambdas may not capture it (clang)
        for_each_requesting(program, [&](uint32_t line) {
          settlement.add(allocation.awards.programs[program], program, line);
          return true;
        });
        SUBSIDY_RETURN_IF_ERROR(settler.run(settlement));
        if (plan.programs[p].spill) shared += allocation.pools[summary].remaining;
      }
      // The shared budget: one settlement, or one per region of a split pool.
      std::vector<Settlement> shared_settlements(pool.split ? children : 1);
      for (size_t s = 0; s < shared_settlements.size(); ++s) {
        Settlement& settlement = shared_settlements[s];
        settlement.summary = pool.split ? pool_summary + 1 + static_cast<int32_t>(s) : pool_summary;
        settlement.budget = pool.split ? child_budgets[s] : shared.fen();
        settlement.unit = unit_fen(pool.round.unit);
        settlement.scarcity = &pool.scarcity;
        settlement.ranking = &compiled.data().pool_ranking[pool_index];
      }
      if (!pool.split) {
        size_t count = 0;
        for (size_t p = 0; p < plan.programs.size(); ++p) {
          const Program& program = plan.programs[p];
          if (program.pool == pool.id && !program.budget) count += count_requesting(p);
        }
        shared_settlements.front().lines.reserve(count);
      }
      const std::vector<int16_t>* region_of_row =
          pool.split ? &allocation.region_of_row[pool_index] : nullptr;
      for (size_t p = 0; p < plan.programs.size(); ++p) {
        const Program& program = plan.programs[p];
        if (program.pool != pool.id || program.budget) continue;
        const ProgramAwards& lines = allocation.awards.programs[p];
        const bool inside = for_each_requesting(p, [&](uint32_t line) {
          size_t s = 0;
          if (pool.split) {
            const RowIndex row = lines.rows[line];
            const int16_t region = region_of_row->empty() ? int16_t{-1} : (*region_of_row)[row];
            if (region < 0) return false;  // evaluate_eligibility() leaves no such line
            s = static_cast<size_t>(region);
          }
          shared_settlements[s].add(lines, p, line);
          return true;
        });
        if (!inside) {
          return invalid_argument(fmt::format(
              "{}: a line of program {} lies outside the regions the pool is split among", pool.id,
              plan.programs[p].id));
        }
      }
      for (Settlement& settlement : shared_settlements) {
        SUBSIDY_RETURN_IF_ERROR(settler.run(settlement));
      }
      // The pool's row covers every line drawing on it: its children's (a split pool's shared part
      // is settled in them) or the shared part it settled itself, and the own budgets.
      PoolSummary& total = allocation.pools[pool_summary];
      std::vector<int32_t> parts;
      for (size_t r = 0; r < children; ++r)
        parts.push_back(pool_summary + 1 + static_cast<int32_t>(r));
      for (const auto& [p, summary] : own_rows) parts.push_back(summary);
      for (const int32_t summary : parts) {
        total.requested += allocation.pools[summary].requested;
        total.granted += allocation.pools[summary].granted;
        total.funded += allocation.pools[summary].funded;
      }
      total.budget = pool.budget();
      total.remaining = total.budget - total.granted;
    } catch (const OverflowError&) {
      return invalid_argument(fmt::format(
          "{}:{}: {}: the amounts of this pool add up past the "
          "largest amount (int64 fen)",
          plan.file_name, plan.pools[pool_index].source.line, plan.pools[pool_index].source.path));
    }
  }
  return allocation;
}

Result<Allocation> allocate(const CompiledPlan& compiled, const AllocateOptions& options) {
  const Plan& plan = compiled.plan();
  const EvalContext context{plan.as_of};
  SUBSIDY_ASSIGN_OR_RETURN(std::vector<RowMask> eligible,
                           evaluate_eligibility(compiled.awards(), context, options.threads));
  std::vector<std::vector<int16_t>> regions = split_regions_of_rows(compiled);
  SUBSIDY_ASSIGN_OR_RETURN(
      AwardsResult awards,
      compute_requested(compiled.awards(), context, std::move(eligible), options.threads));
  apply_stacking(plan, awards);
  SUBSIDY_ASSIGN_OR_RETURN(Allocation allocation,
                           settle(compiled, std::move(awards), std::move(regions)));
  allocation.warnings = compiled.data().warnings;
  return allocation;
}

std::string describe_line(const CompiledPlan& compiled, const Allocation& allocation,
                          size_t program, size_t line) {
  const Plan& plan = compiled.plan();
  std::string text = describe_award_line(plan, program, allocation.awards.programs[program], line);
  const ProgramGrants& grants = allocation.grants[program];
  const int32_t settlement = grants.settlement[line];
  if (settlement < 0) return text;
  const PoolSummary& budget = allocation.pools[settlement];
  const std::string_view method = scarcity_method_name(budget.method);
  switch (grants.status[line]) {
    case LineStatus::kGranted:
      if (budget.requested > budget.budget) {
        text += fmt::format("; granted in full by {} in {}", method, budget.id);
      }
      break;
    case LineStatus::kScaled:
      text += fmt::format("; scaled to {} by {} in {}",
                          format_yuan(Money::from_fen(grants.granted[line])), method, budget.id);
      break;
    case LineStatus::kUnfunded:
      if (grants.passed_over[line]) {
        text += fmt::format("; unfunded: passed over by {} in {}, it did not fit what was left",
                            method, budget.id);
      } else if (budget.max_funded && budget.funded >= *budget.max_funded) {
        text += fmt::format("; unfunded: {} in {} stopped at max_funded {}", method, budget.id,
                            *budget.max_funded);
      } else {
        text += fmt::format("; unfunded: {} in {} ran out ({} requested of {})", method, budget.id,
                            format_yuan(budget.requested), format_yuan(budget.budget));
      }
      break;
    default:
      break;
  }
  return text;
}

Result<std::string> explain_enterprise(const CompiledPlan& compiled, const Allocation& allocation,
                                       std::string_view enterprise_id) {
  const std::optional<RowIndex> row = compiled.roster().find_row(enterprise_id);
  if (!row) return not_found(fmt::format("no enterprise \"{}\" in the roster", enterprise_id));
  const Plan& plan = compiled.plan();
  const EvalContext context{plan.as_of};
  std::string text = fmt::format("enterprise {}", enterprise_id);
  if (const Column* name = compiled.roster().find("name"); name != nullptr) {
    text += fmt::format(" ({})", name->text(*row));
  }
  text += fmt::format(", plan {}, as of {}\n", plan.name, plan.as_of.to_string());
  for (size_t p = 0; p < plan.programs.size(); ++p) {
    const Program& program = plan.programs[p];
    text += fmt::format("\nprogram {} ({}), pool {}\n", program.id, program.name, program.pool);
    const RuleExplanation eligibility =
        compiled.awards().eligibility(p).explain(compiled.roster(), *row, context);
    for (const ClauseExplanation& clause : eligibility.clauses) {
      text += fmt::format("  {:<7} {}", truth_name(clause.value), clause.text);
      if (!clause.null_fields.empty()) {
        std::string fields;
        for (const std::string& field : clause.null_fields)
          fields += (fields.empty() ? "" : ", ") + field;
        text += fmt::format("  ({} is null)", fields);
      }
      text += "\n";
    }
    const ProgramAwards& lines = allocation.awards.programs[p];
    const int64_t line = lines.find(*row);
    if (eligibility.value != Truth::kTrue) {
      text += fmt::format("  → {}\n", eligibility.summary());
      continue;
    }
    if (line < 0) {
      const bool outside_regions = !allocation.awards.eligible[p].test(*row);
      text += outside_regions
                  ? "  → ineligible: outside every region the pool is split among\n"
                  : "  → eligible, award 0 (below the first band, no table row hit, or a null or "
                    "zero base)\n";
      continue;
    }
    text += fmt::format("  award: {}\n",
                        describe_line(compiled, allocation, p, static_cast<size_t>(line)));
    const LineStatus status = allocation.grants[p].status[line];
    const bool out_of_play =
        status == LineStatus::kStackedOut || status == LineStatus::kDroppedBelowMin;
    text += fmt::format(
        "  → {}: requested {}, granted {}\n", line_status_name(status),
        format_yuan(Money::from_fen(out_of_play ? lines.award[line] : lines.requested[line])),
        format_yuan(Money::from_fen(allocation.grants[p].granted[line])));
  }
  return text;
}

}  // namespace subsidy
