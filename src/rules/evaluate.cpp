// The batch evaluator: each node of a compiled rule is computed for 2048 rows at a time, one
// tight loop per node and batch (a switch per node, never per row), into buffers allocated once.
//
// Truth values are bytes 0 (false), 1 (unknown), 2 (true): SQL's three-valued `and` is then the
// minimum, `or` the maximum and `not` 2 − x. Money and numbers stay int64 while they are whole
// (fen for money) and become exact rationals when a division or a fraction enters; comparing a
// whole column with a constant is turned into one integer comparison against a bound.
#include <fmt/format.h>

#include <emmintrin.h>

#include <algorithm>
#include <cstring>

#include "rules/compiled.hpp"

namespace subsidy::internal {

namespace {

constexpr RowIndex kBatch = 2048;
constexpr uint8_t kF = 0;
constexpr uint8_t kU = 1;
constexpr uint8_t kT = 2;

bool is_integer(const Rational& value) { return value.den == 1; }

// Days since 1970-01-01 to a civil date (proleptic Gregorian), exactly as Boost counts them.
struct Civil {
  int year;
  int month;
  int day;
};
inline __attribute__((always_inline)) Civil civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return Civil{static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0)), static_cast<int>(month),
               static_cast<int>(day)};
}

std::string_view field_of(std::string_view code, std::string_view field) {
  // industry.section is the letter; industry.division the two digits after it.
  if (field == "section") return code.empty() ? code : code.substr(0, 1);
  return code.size() >= 3 ? code.substr(1, 2) : std::string_view();
}

// Which rows `narrow` keeps: where the truth is not false (the rest of an `and`), not true (the
// rest of an `or`), or true (the then-branch of an if()).
enum class KeepMode { kNotFalse, kNotTrue, kTrue };
template <KeepMode M>
struct Keep {
  static constexpr KeepMode kMode = M;
  bool operator()(uint8_t t) const {
    if constexpr (M == KeepMode::kNotFalse) return t != 0;
    if constexpr (M == KeepMode::kNotTrue) return t != 2;
    return t == 2;
  }
};

// The rows of a batch a node is computed for: `and`, `or` and `if` narrow it for their later
// operands, so `region == "320830" and has_tag(...)` looks at tags only where the region matched.
// Outside its selection a node's buffers hold stale values, which no parent reads as a result
// (cheap dense kernels may compute them anyway: that is faster than skipping).
struct Selection {
  const uint16_t* rows = nullptr;  // nullptr: every row of the batch
  RowIndex count = 0;
  RowIndex at(RowIndex k) const { return rows == nullptr ? k : rows[k]; }
};

struct Vec {
  std::vector<uint8_t> truth;
  std::vector<int64_t> ints;
  const int64_t* int_data = nullptr;
  std::vector<Rational> rats;
  std::vector<uint8_t> valid;
  const uint8_t* valid_data = nullptr;  // nullptr: every row valid
  const int32_t* code_data = nullptr;
  bool is_valid(RowIndex i) const { return valid_data == nullptr || valid_data[i] != 0; }
};

class Evaluator {
 public:
  Evaluator(const CompiledRule& rule, const EvalContext& context)
      : rule_(rule), ast_(rule.ast), roster_(*rule.roster), context_(context),
        vecs_(rule.ast.nodes.size()), sel_buffers_(rule.ast.nodes.size()) {
    const Civil as_of = civil_from_days(context.as_of.serial());
    as_of_ = as_of;
  }

  // Computes pct_rank() inputs over the considered rows before any batch.
  Status prepare(const RowMask* considered);
  // Evaluates every node under `root` for rows [start, start + count).
  Status run(int root, RowIndex start, RowIndex count);
  // The same for the rows of [start, start + count) set in `mask` only (start a multiple of 64);
  // returns how many, listed in selected().
  Result<RowIndex> run_masked(int root, RowIndex start, RowIndex count, const RowMask& mask);
  const uint16_t* selected() const { return mask_rows_.data(); }
  Rational rat_at(int index, RowIndex i) const;
  bool valid_at(int index, RowIndex i) const;
  const Vec& vec(int node) const { return vecs_[node]; }

 private:
  const Node& node(int index) const { return ast_.nodes[index]; }
  Repr repr(int index) const { return rule_.repr[index]; }
  Status overflow(int index, RowIndex row) const {
    const Column* ids = roster_.find("id");
    return out_of_range(error_at(
        ast_.text, node(index).span,
        fmt::format("the numbers for enterprise {} are too large to compute exactly",
                    ids != nullptr ? std::string(ids->text(start_ + row)) : std::to_string(row))));
  }
  void expand_validity(const Column& column, Vec& out);
  void compare(int a, int b, BinaryOp op, uint8_t* out);
  Status eval(int index);
  Status eval_arithmetic(int index);
  Status eval_call(int index);
  void eval_string_predicate(int index, int operand);
  // Narrows the selection to the rows where `truth` of node `source` satisfies `keep`, into
  // node `owner`'s buffer, and returns it.
  template <class Keep>
  Selection narrow(int owner, const uint8_t* truth, Keep keep) {
    std::vector<uint16_t>& rows = sel_buffers_[owner];
    rows.resize(kBatch);
    RowIndex kept = 0;
    if (sel_.rows == nullptr) {
      // Every row selected: test sixteen at a time and list the kept ones from the bit mask.
      RowIndex i = 0;
      const __m128i zero = _mm_setzero_si128();
      const __m128i two = _mm_set1_epi8(static_cast<char>(kT));
      for (; i + 16 <= sel_.count; i += 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(truth + i));
        uint32_t bits;
        if constexpr (Keep::kMode == KeepMode::kNotFalse) {
          bits = ~static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, zero))) & 0xFFFF;
        } else if constexpr (Keep::kMode == KeepMode::kNotTrue) {
          bits = ~static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, two))) & 0xFFFF;
        } else {
          bits = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, two)));
        }
        while (bits != 0) {
          rows[kept++] = static_cast<uint16_t>(i + __builtin_ctz(bits));
          bits &= bits - 1;
        }
      }
      for (; i < sel_.count; ++i) {
        rows[kept] = static_cast<uint16_t>(i);
        kept += keep(truth[i]) ? 1 : 0;
      }
      return Selection{rows.data(), kept};
    }
    for (RowIndex k = 0; k < sel_.count; ++k) {
      const RowIndex i = sel_.at(k);
      rows[kept] = static_cast<uint16_t>(i);
      kept += keep(truth[i]) ? 1 : 0;
    }
    return Selection{rows.data(), kept};
  }
  Status eval_in(int index, const Selection& selection) {
    const Selection saved = sel_;
    sel_ = selection;
    const Status status = selection.count > 0 ? eval(index) : Status::Ok();
    sel_ = saved;
    return status;
  }

  const CompiledRule& rule_;
  const Ast& ast_;
  const Roster& roster_;
  const EvalContext& context_;
  Civil as_of_{};
  std::vector<Vec> vecs_;
  RowIndex start_ = 0;
  RowIndex count_ = 0;
  Selection sel_;
  std::vector<std::vector<uint16_t>> sel_buffers_;  // by node: the selection it narrows to
  std::vector<uint16_t> mask_rows_ = std::vector<uint16_t>(kBatch);  // run_masked's selection
  // For `in` and `between`, which compare into it and combine at once (no evaluation between).
  std::vector<uint8_t> scratch_ = std::vector<uint8_t>(kBatch);
  // pct_rank(): by node, the rank of every roster row ((rank − 1) / (n − 1)), computed up front.
  std::vector<std::vector<Rational>> ranks_;
  std::vector<std::vector<uint8_t>> rank_valid_;
};

void Evaluator::expand_validity(const Column& column, Vec& out) {
  if (column.null_count() == 0) {
    out.valid_data = nullptr;
    return;
  }
  out.valid.resize(kBatch);
  for (RowIndex k = 0; k < sel_.count; ++k) {
    const RowIndex i = sel_.at(k);
    out.valid[i] = column.is_valid(start_ + i) ? 1 : 0;
  }
  out.valid_data = out.valid.data();
}

bool Evaluator::valid_at(int index, RowIndex i) const {
  switch (repr(index)) {
    case Repr::kConst:
    case Repr::kLiteral: return true;
    case Repr::kTruth: return vecs_[index].truth[i] != kU;
    default: return vecs_[index].is_valid(i);
  }
}

Rational Evaluator::rat_at(int index, RowIndex i) const {
  switch (repr(index)) {
    case Repr::kConst: return *node(index).constant;
    case Repr::kInt: return Rational{vecs_[index].int_data[i], 1};
    case Repr::kRat: return vecs_[index].rats[i];
    default: return Rational{};
  }
}

// a op b for every row of the batch, in three-valued logic.
void Evaluator::compare(int a, int b, BinaryOp op, uint8_t* out) {
  // Constant on the left: mirror the operator.
  if (repr(a) == Repr::kConst && repr(b) != Repr::kConst) {
    std::swap(a, b);
    switch (op) {
      case BinaryOp::kLt: op = BinaryOp::kGt; break;
      case BinaryOp::kLe: op = BinaryOp::kGe; break;
      case BinaryOp::kGt: op = BinaryOp::kLt; break;
      case BinaryOp::kGe: op = BinaryOp::kLe; break;
      default: break;
    }
  }
  const Vec& left = vecs_[a];
  if (repr(a) == Repr::kInt && repr(b) == Repr::kConst) {
    // x op c on whole numbers is x op' bound: x >= c ⟺ x >= ⌈c⌉, x > c ⟺ x > ⌊c⌋, and so on.
    const Rational& c = *node(b).constant;
    const Int128 low = floor_of(c);
    const Int128 high = ceil_of(c);
    auto clamp = [](Int128 v) {
      return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : static_cast<int64_t>(v);
    };
    const int64_t* x = left.int_data;
    const bool whole = is_integer(c);
    const int64_t exact = clamp(low);
    const bool in_range = low >= INT64_MIN && low <= INT64_MAX;
    auto fill = [&](auto predicate) {
      if (sel_.rows != nullptr && sel_.count * 4 < count_) {  // few rows left: visit only those
        for (RowIndex k = 0; k < sel_.count; ++k) {
          const RowIndex i = sel_.rows[k];
          out[i] = predicate(x[i]) ? kT : kF;
        }
        return;
      }
      for (RowIndex i = 0, n = count_; i < n; ++i) out[i] = predicate(x[i]) ? kT : kF;
    };
    switch (op) {
      case BinaryOp::kGe: {
        const Int128 bound = high;
        if (bound > INT64_MAX) {
          std::memset(out, kF, count_);
        } else {
          const int64_t t = clamp(bound);
          fill([t](int64_t v) { return v >= t; });
        }
        break;
      }
      case BinaryOp::kGt: {
        if (low >= INT64_MAX) {
          std::memset(out, kF, count_);
        } else {
          const int64_t t = clamp(low);
          fill([t](int64_t v) { return v > t; });
        }
        break;
      }
      case BinaryOp::kLe: {
        if (low < INT64_MIN) {
          std::memset(out, kF, count_);
        } else {
          const int64_t t = clamp(low);
          fill([t](int64_t v) { return v <= t; });
        }
        break;
      }
      case BinaryOp::kLt: {
        if (high <= INT64_MIN) {
          std::memset(out, kF, count_);
        } else {
          const int64_t t = clamp(high);
          fill([t](int64_t v) { return v < t; });
        }
        break;
      }
      case BinaryOp::kEq:
        if (!whole || !in_range) {
          std::memset(out, kF, count_);
        } else {
          fill([exact](int64_t v) { return v == exact; });
        }
        break;
      case BinaryOp::kNe:
        if (!whole || !in_range) {
          std::memset(out, kT, count_);
        } else {
          fill([exact](int64_t v) { return v != exact; });
        }
        break;
      default: break;
    }
    if (left.valid_data != nullptr) {
      for (RowIndex k = 0; k < sel_.count; ++k) {
        const RowIndex i = sel_.at(k);
        if (!left.valid_data[i]) out[i] = kU;
      }
    }
    return;
  }
  if (repr(a) == Repr::kInt && repr(b) == Repr::kInt) {
    const int64_t* x = left.int_data;
    const int64_t* y = vecs_[b].int_data;
    for (RowIndex k = 0; k < sel_.count; ++k) {
      const RowIndex i = sel_.at(k);
      bool result = false;
      switch (op) {
        case BinaryOp::kEq: result = x[i] == y[i]; break;
        case BinaryOp::kNe: result = x[i] != y[i]; break;
        case BinaryOp::kLt: result = x[i] < y[i]; break;
        case BinaryOp::kLe: result = x[i] <= y[i]; break;
        case BinaryOp::kGt: result = x[i] > y[i]; break;
        case BinaryOp::kGe: result = x[i] >= y[i]; break;
        default: break;
      }
      out[i] = !left.is_valid(i) || !vecs_[b].is_valid(i) ? kU : result ? kT : kF;
    }
    return;
  }
  if (repr(a) == Repr::kTruth) {
    // true/false compared with == or != (bool literals are truth vectors too).
    const uint8_t* x_truth = vecs_[a].truth.data();
    const uint8_t* y_truth = vecs_[b].truth.data();
    for (RowIndex i = 0, n = count_; i < n; ++i) {
      const uint8_t x = x_truth[i];
      const uint8_t y = y_truth[i];
      if (x == kU || y == kU) {
        out[i] = kU;
      } else {
        out[i] = ((x == y) == (op == BinaryOp::kEq)) ? kT : kF;
      }
    }
    return;
  }
  for (RowIndex k = 0; k < sel_.count; ++k) {
    const RowIndex i = sel_.at(k);
    if (!valid_at(a, i) || !valid_at(b, i)) {
      out[i] = kU;
      continue;
    }
    const int order = internal::compare(rat_at(a, i), rat_at(b, i));
    bool result = false;
    switch (op) {
      case BinaryOp::kEq: result = order == 0; break;
      case BinaryOp::kNe: result = order != 0; break;
      case BinaryOp::kLt: result = order < 0; break;
      case BinaryOp::kLe: result = order <= 0; break;
      case BinaryOp::kGt: result = order > 0; break;
      case BinaryOp::kGe: result = order >= 0; break;
      default: break;
    }
    out[i] = result ? kT : kF;
  }
}

// ==, !=, in and within over a string operand: a code operand looks its truth up in the node's
// table (one entry per dictionary code, built at compile time); a text operand compares text.
void Evaluator::eval_string_predicate(int index, int operand) {
  Vec& out = vecs_[index];
  const Vec& in = vecs_[operand];
  if (repr(operand) == Repr::kCode) {
    const uint8_t* __restrict table = rule_.code_table[index].data();
    const int32_t* __restrict codes = in.code_data;
    uint8_t* __restrict result = out.truth.data();
    for (RowIndex i = 0, n = count_; i < n; ++i) {
      const int32_t code = codes[i];
      result[i] = code < 0 ? kU : table[code];
    }
    return;
  }
  // Plain text (id, name): the literals are few; compare each.
  const Node& predicate = node(index);
  const Column& column = roster_.columns()[node(operand).column];
  std::vector<std::string_view> literals;
  bool negated = predicate.negated;
  if (predicate.kind == NodeKind::kIn) {
    for (const int element : node(predicate.children[1]).children) {
      literals.push_back(node(element).text);
    }
  } else {
    const int literal = predicate.children[0] == operand ? predicate.children[1]
                                                         : predicate.children[0];
    literals.push_back(node(literal).text);
    negated = predicate.op == BinaryOp::kNe;
  }
  const bool within = predicate.kind == NodeKind::kWithin;
  for (RowIndex k = 0; k < sel_.count; ++k) {
    const RowIndex i = sel_.at(k);
    if (column.is_null(start_ + i)) {
      out.truth[i] = kU;
      continue;
    }
    const std::string_view value = column.text(start_ + i);
    bool hit = false;
    for (const std::string_view literal : literals) {
      hit = hit || (within ? value.substr(0, literal.size()) == literal : value == literal);
    }
    out.truth[i] = hit != negated ? kT : kF;
  }
}

Status Evaluator::eval_arithmetic(int index) {
  const Node& current = node(index);
  Vec& out = vecs_[index];
  const bool negate = current.kind == NodeKind::kNegate;
  const int a = current.children[0];
  const int b = negate ? a : current.children[1];
  out.valid.resize(kBatch);
  for (RowIndex k = 0; k < sel_.count; ++k) {
    const RowIndex i = sel_.at(k);
    out.valid[i] = valid_at(a, i) && valid_at(b, i);
  }
  out.valid_data = out.valid.data();
  if (repr(index) == Repr::kInt) {
    out.ints.resize(kBatch);
    out.int_data = out.ints.data();
    auto value = [&](int child, RowIndex i) -> int64_t {
      if (repr(child) == Repr::kConst) return static_cast<int64_t>(node(child).constant->num);
      return vecs_[child].int_data[i];
    };
    for (RowIndex k = 0; k < sel_.count; ++k) {
      const RowIndex i = sel_.at(k);
      if (!out.valid[i]) {
        out.ints[i] = 0;
        continue;
      }
      const int64_t x = value(a, i);
      int64_t result = 0;
      bool overflowed = false;
      if (negate) {
        overflowed = __builtin_sub_overflow(int64_t{0}, x, &result);
      } else {
        const int64_t y = value(b, i);
        switch (current.op) {
          case BinaryOp::kAdd: overflowed = __builtin_add_overflow(x, y, &result); break;
          case BinaryOp::kSub: overflowed = __builtin_sub_overflow(x, y, &result); break;
          case BinaryOp::kMul: overflowed = __builtin_mul_overflow(x, y, &result); break;
          default: break;
        }
      }
      if (overflowed) return overflow(index, i);
      out.ints[i] = result;
    }
    return Status::Ok();
  }
  out.rats.resize(kBatch);
  for (RowIndex k = 0; k < sel_.count; ++k) {
    const RowIndex i = sel_.at(k);
    if (!out.valid[i]) continue;
    const Rational x = rat_at(a, i);
    bool ok = true;
    if (negate) {
      ok = subtract(Rational{0, 1}, x, &out.rats[i]);
    } else {
      const Rational y = rat_at(b, i);
      switch (current.op) {
        case BinaryOp::kAdd: ok = add(x, y, &out.rats[i]); break;
        case BinaryOp::kSub: ok = subtract(x, y, &out.rats[i]); break;
        case BinaryOp::kMul: ok = multiply(x, y, &out.rats[i]); break;
        case BinaryOp::kDiv:
          if (y.num == 0) {
            out.valid[i] = 0;  // dividing by zero gives null
            continue;
          }
          ok = divide(x, y, &out.rats[i]);
          break;
        default: break;
      }
    }
    if (!ok) return overflow(index, i);
  }
  return Status::Ok();
}

Status Evaluator::eval_call(int index) {
  const Node& call = node(index);
  Vec& out = vecs_[index];
  const std::vector<int>& args = call.children;
  switch (call.function) {
    case Function::kHasTag: {
      const Column& tags = roster_.columns()[call.column];
      const int32_t wanted = rule_.tag_code[index];
      uint8_t* __restrict result = out.truth.data();
      const bool has_nulls = tags.null_count() > 0;
      if (const uint64_t* bitmap = tags.tag_bitmap(wanted); bitmap != nullptr && !has_nulls) {
        // The column's bitmap for this tag: one bit per row, no list to walk.
        for (RowIndex k = 0; k < sel_.count; ++k) {
          const RowIndex i = sel_.at(k);
          const RowIndex row = start_ + i;
          result[i] = ((bitmap[row >> 6] >> (row & 63)) & 1) != 0 ? kT : kF;
        }
        return Status::Ok();
      }
      for (RowIndex k = 0; k < sel_.count; ++k) {
        const RowIndex i = sel_.at(k);
        const RowIndex row = start_ + i;
        if (has_nulls && tags.is_null(row)) {
          result[i] = kU;
          continue;
        }
        bool hit = false;
        for (const int32_t code : tags.tags(row)) hit |= code == wanted;
        result[i] = hit ? kT : kF;
      }
      return Status::Ok();
    }
    case Function::kAgeYears:
    case Function::kAgeMonths:
    case Function::kYear:
    case Function::kQuarter: {
      const Vec& date = vecs_[args[0]];
      out.ints.resize(kBatch);
      out.valid.resize(kBatch);
      out.int_data = out.ints.data();
      out.valid_data = out.valid.data();
      const int64_t as_of = context_.as_of.serial();
      for (RowIndex k = 0; k < sel_.count; ++k) {
        const RowIndex i = sel_.at(k);
        const bool present = repr(args[0]) == Repr::kConst || date.is_valid(i);
        const int64_t serial = repr(args[0]) == Repr::kConst
                                   ? static_cast<int64_t>(node(args[0]).constant->num)
                                   : date.int_data[i];
        out.valid[i] = present;
        out.ints[i] = 0;
        if (!present) continue;
        const Civil d = civil_from_days(serial);
        switch (call.function) {
          case Function::kYear: out.ints[i] = d.year; break;
          case Function::kQuarter: out.ints[i] = (d.month - 1) / 3 + 1; break;
          default: {
            // A date after the as-of date: the enterprise did not exist yet.
            if (serial > as_of) {
              out.valid[i] = 0;
              break;
            }
            const bool before = as_of_.month < d.month ||
                                (as_of_.month == d.month && as_of_.day < d.day);
            if (call.function == Function::kAgeYears) {
              out.ints[i] = as_of_.year - d.year - (before ? 1 : 0);
            } else {
              out.ints[i] = (as_of_.year - d.year) * 12 + (as_of_.month - d.month) -
                            (as_of_.day < d.day ? 1 : 0);
            }
          }
        }
      }
      return Status::Ok();
    }
    case Function::kPctRank: {
      out.rats.resize(kBatch);
      out.valid.resize(kBatch);
      out.valid_data = out.valid.data();
      for (RowIndex k = 0; k < sel_.count; ++k) {
        const RowIndex i = sel_.at(k);
        out.valid[i] = rank_valid_[index][start_ + i];
        out.rats[i] = ranks_[index][start_ + i];
      }
      return Status::Ok();
    }
    case Function::kIf:
    case Function::kMin:
    case Function::kMax:
    case Function::kAbs:
    case Function::kCoalesce: {
      if (repr(index) == Repr::kTruth) {
        // if(c, a, b) and coalesce(...) of true/false.
        auto truth_at = [&](int child, RowIndex i) { return vecs_[child].truth[i]; };
        for (RowIndex k = 0; k < sel_.count; ++k) {
          const RowIndex i = sel_.at(k);
          if (call.function == Function::kIf) {
            out.truth[i] = truth_at(args[0], i) == kT ? truth_at(args[1], i) : truth_at(args[2], i);
          } else {
            uint8_t value = kU;
            for (const int arg : args) {
              if (truth_at(arg, i) != kU) {
                value = truth_at(arg, i);
                break;
              }
            }
            out.truth[i] = value;
          }
        }
        return Status::Ok();
      }
      // Numbers, money and dates: pick (if, coalesce) or combine (min, max, abs) per row.
      out.valid.resize(kBatch);
      out.valid_data = out.valid.data();
      const bool whole = repr(index) == Repr::kInt;
      if (whole) {
        out.ints.resize(kBatch);
        out.int_data = out.ints.data();
      } else {
        out.rats.resize(kBatch);
      }
      auto set = [&](RowIndex i, int child) {
        out.valid[i] = valid_at(child, i);
        if (!out.valid[i]) return;
        if (whole) {
          out.ints[i] = repr(child) == Repr::kConst ? static_cast<int64_t>(node(child).constant->num)
                                                    : vecs_[child].int_data[i];
        } else {
          out.rats[i] = rat_at(child, i);
        }
      };
      for (RowIndex k = 0; k < sel_.count; ++k) {
        const RowIndex i = sel_.at(k);
        switch (call.function) {
          case Function::kIf:
            set(i, vecs_[args[0]].truth[i] == kT ? args[1] : args[2]);
            break;
          case Function::kCoalesce: {
            out.valid[i] = 0;
            for (const int arg : args) {
              if (valid_at(arg, i)) {
                set(i, arg);
                break;
              }
            }
            break;
          }
          case Function::kAbs: {
            set(i, args[0]);
            if (!out.valid[i]) break;
            if (whole) {
              if (out.ints[i] == INT64_MIN) return overflow(index, i);
              out.ints[i] = out.ints[i] < 0 ? -out.ints[i] : out.ints[i];
            } else if (out.rats[i].num < 0) {
              out.rats[i] = negate(out.rats[i]);
            }
            break;
          }
          default: {  // min, max: null if any argument is null
            int best = args[0];
            bool all_valid = true;
            for (const int arg : args) all_valid = all_valid && valid_at(arg, i);
            if (!all_valid) {
              out.valid[i] = 0;
              break;
            }
            for (const int arg : args) {
              const int order = internal::compare(rat_at(arg, i), rat_at(best, i));
              if ((call.function == Function::kMin && order < 0) ||
                  (call.function == Function::kMax && order > 0)) {
                best = arg;
              }
            }
            set(i, best);
          }
        }
      }
      return Status::Ok();
    }
    case Function::kNone: break;
  }
  return Status::Ok();
}

Status Evaluator::eval(int index) {
  const Node& current = node(index);
  const Repr kind = repr(index);
  if (kind == Repr::kConst) return Status::Ok();
  if (kind == Repr::kLiteral) {
    // A list's elements are read by its parent: true/false elements need their truth.
    for (const int child : current.children) SUBSIDY_RETURN_IF_ERROR(eval(child));
    return Status::Ok();
  }
  // Children first. `and`, `or` and if() evaluate their later operands only on the rows whose
  // outcome is still open.
  const bool is_and_or = current.kind == NodeKind::kBinary &&
                         (current.op == BinaryOp::kAnd || current.op == BinaryOp::kOr);
  const bool is_if = current.kind == NodeKind::kCall && current.function == Function::kIf;
  if (is_and_or) {
    const int a = current.children[0];
    SUBSIDY_RETURN_IF_ERROR(eval(a));
    const uint8_t* left = vecs_[a].truth.data();
    const Selection open = current.op == BinaryOp::kAnd
                               ? narrow(index, left, Keep<KeepMode::kNotFalse>{})
                               : narrow(index, left, Keep<KeepMode::kNotTrue>{});
    SUBSIDY_RETURN_IF_ERROR(eval_in(current.children[1], open));
  } else if (is_if) {
    const int condition = current.children[0];
    SUBSIDY_RETURN_IF_ERROR(eval(condition));
    const uint8_t* truth = vecs_[condition].truth.data();
    // The condition is done with its own buffer: it holds the rows of the else branch.
    const Selection when_true = narrow(index, truth, Keep<KeepMode::kTrue>{});
    const Selection otherwise = narrow(condition, truth, Keep<KeepMode::kNotTrue>{});
    SUBSIDY_RETURN_IF_ERROR(eval_in(current.children[1], when_true));
    SUBSIDY_RETURN_IF_ERROR(eval_in(current.children[2], otherwise));
  } else {
    for (const int child : current.children) SUBSIDY_RETURN_IF_ERROR(eval(child));
  }
  Vec& out = vecs_[index];
  if (kind == Repr::kTruth) out.truth.resize(kBatch);
  switch (current.kind) {
    case NodeKind::kColumn: {
      const Column& column = roster_.columns()[current.column];
      switch (kind) {
        case Repr::kInt:
          if (column.type() == ColumnType::kDate) {
            out.ints.resize(kBatch);
            const int32_t* dates = column.int32s().data() + start_;
            for (RowIndex k = 0; k < sel_.count; ++k) {
              const RowIndex i = sel_.at(k);
              out.ints[i] = dates[i];
            }
            out.int_data = out.ints.data();
          } else {
            out.int_data = column.int64s().data() + start_;
          }
          expand_validity(column, out);
          break;
        case Repr::kRat: {  // a rate column: count of 10^-9
          out.rats.resize(kBatch);
          const int64_t* nanos = column.int64s().data() + start_;
          for (RowIndex k = 0; k < sel_.count; ++k) {
            const RowIndex i = sel_.at(k);
            make_rational(nanos[i], Rate::kScale, &out.rats[i]);
          }
          expand_validity(column, out);
          break;
        }
        case Repr::kCode:
          out.code_data = column.int32s().data() + start_;
          break;
        case Repr::kTruth: {
          const int64_t* flags = column.int64s().data() + start_;
          for (RowIndex k = 0; k < sel_.count; ++k) {
            const RowIndex i = sel_.at(k);
            out.truth[i] = column.is_null(start_ + i) ? kU : flags[i] != 0 ? kT : kF;
          }
          break;
        }
        default: break;
      }
      return Status::Ok();
    }
    case NodeKind::kBool:
      std::fill(out.truth.begin(), out.truth.begin() + count_, current.boolean ? kT : kF);
      return Status::Ok();
    case NodeKind::kField:
      // The base column's codes; the parent's table maps them through the field.
      out.code_data = vecs_[current.children[0]].code_data;
      return Status::Ok();
    case NodeKind::kNot: {
      const uint8_t* in = vecs_[current.children[0]].truth.data();
      for (RowIndex i = 0, n = count_; i < n; ++i) out.truth[i] = static_cast<uint8_t>(kT - in[i]);
      return Status::Ok();
    }
    case NodeKind::kNegate: return eval_arithmetic(index);
    case NodeKind::kBinary: {
      const int a = current.children[0];
      const int b = current.children[1];
      switch (current.op) {
        case BinaryOp::kAnd:
        case BinaryOp::kOr: {
          // Dense over the batch (vectorized): where the right operand was skipped, the left one
          // already decides (false for `and`, true for `or`), and min/max keep it.
          const uint8_t* __restrict x = vecs_[a].truth.data();
          const uint8_t* __restrict y = vecs_[b].truth.data();
          uint8_t* __restrict result = out.truth.data();
          const int count = static_cast<int>(count_);  // a local bound lets the loops vectorize
          if (vecs_[b].truth.size() < static_cast<size_t>(count)) {  // right never evaluated
            std::copy(x, x + count, result);
          } else if (current.op == BinaryOp::kAnd) {
            for (int i = 0; i < count; ++i) result[i] = x[i] < y[i] ? x[i] : y[i];
          } else {
            for (int i = 0; i < count; ++i) result[i] = x[i] > y[i] ? x[i] : y[i];
          }
          return Status::Ok();
        }
        case BinaryOp::kEq:
        case BinaryOp::kNe:
          if (node(a).type == RuleType::kString) {
            eval_string_predicate(index, node(a).kind == NodeKind::kString ? b : a);
            return Status::Ok();
          }
          compare(a, b, current.op, out.truth.data());
          return Status::Ok();
        case BinaryOp::kLt:
        case BinaryOp::kLe:
        case BinaryOp::kGt:
        case BinaryOp::kGe: compare(a, b, current.op, out.truth.data()); return Status::Ok();
        default: return eval_arithmetic(index);
      }
    }
    case NodeKind::kIn: {
      const int value = current.children[0];
      if (node(value).type == RuleType::kString) {
        eval_string_predicate(index, value);
        return Status::Ok();
      }
      // Numbers, money, dates, true/false: any element equal.
      std::vector<uint8_t>& any = out.truth;
      std::fill(any.begin(), any.begin() + count_, kF);
      std::vector<uint8_t>& hit = scratch_;
      for (const int element : node(current.children[1]).children) {
        compare(value, element, BinaryOp::kEq, hit.data());
        for (RowIndex i = 0, n = count_; i < n; ++i) any[i] = std::max(any[i], hit[i]);
      }
      // A null value is unknown, whatever the list holds (an empty list too).
      for (RowIndex k = 0; k < sel_.count; ++k) {
        const RowIndex i = sel_.at(k);
        if (!valid_at(value, i)) any[i] = kU;
      }
      if (current.negated) {
        for (RowIndex i = 0, n = count_; i < n; ++i) any[i] = static_cast<uint8_t>(kT - any[i]);
      }
      return Status::Ok();
    }
    case NodeKind::kBetween: {
      std::vector<uint8_t>& upper = scratch_;
      compare(current.children[0], current.children[1], BinaryOp::kGe, out.truth.data());
      compare(current.children[0], current.children[2], BinaryOp::kLe, upper.data());
      for (RowIndex i = 0, n = count_; i < n; ++i) {
        const uint8_t both = std::min(out.truth[i], upper[i]);
        out.truth[i] = current.negated ? static_cast<uint8_t>(kT - both) : both;
      }
      return Status::Ok();
    }
    case NodeKind::kWithin: eval_string_predicate(index, current.children[0]); return Status::Ok();
    case NodeKind::kCall: return eval_call(index);
    default: return Status::Ok();
  }
}

Status Evaluator::run(int root, RowIndex start, RowIndex count) {
  start_ = start;
  count_ = count;
  sel_ = Selection{nullptr, count};
  return eval(root);
}

Result<RowIndex> Evaluator::run_masked(int root, RowIndex start, RowIndex count,
                                       const RowMask& mask) {
  RowIndex kept = 0;
  for (RowIndex word = 0; word * 64 < count; ++word) {
    uint64_t bits = mask.words[(start >> 6) + word];
    while (bits != 0) {
      mask_rows_[kept++] = static_cast<uint16_t>(word * 64 + __builtin_ctzll(bits));
      bits &= bits - 1;
    }
  }
  if (kept == 0) return RowIndex{0};
  start_ = start;
  count_ = count;
  sel_ = kept == count ? Selection{nullptr, count} : Selection{mask_rows_.data(), kept};
  if (sel_.rows == nullptr) {
    for (RowIndex i = 0; i < count; ++i) mask_rows_[i] = static_cast<uint16_t>(i);
  }
  SUBSIDY_RETURN_IF_ERROR(eval(root));
  return kept;
}

Status Evaluator::prepare(const RowMask* considered) {
  ranks_.assign(ast_.nodes.size(), {});
  rank_valid_.assign(ast_.nodes.size(), {});
  for (size_t index = 0; index < ast_.nodes.size(); ++index) {
    const Node& call = ast_.nodes[index];
    if (call.kind != NodeKind::kCall || call.function != Function::kPctRank) continue;
    // Evaluate the argument over every row, then rank the considered rows' non-null values.
    const int arg = call.children[0];
    const RowIndex rows = rule_.rows;
    std::vector<Rational> values(static_cast<size_t>(rows));
    std::vector<uint8_t> present(static_cast<size_t>(rows), 0);
    for (RowIndex start = 0; start < rows; start += kBatch) {
      const RowIndex count = std::min(kBatch, rows - start);
      SUBSIDY_RETURN_IF_ERROR(run(arg, start, count));
      for (RowIndex i = 0; i < count; ++i) {
        const RowIndex row = start + i;
        if (considered != nullptr && !considered->test(row)) continue;
        if (!valid_at(arg, i)) continue;
        present[row] = 1;
        values[row] = rat_at(arg, i);
      }
    }
    std::vector<int32_t> order;
    for (RowIndex row = 0; row < rows; ++row) {
      if (present[row]) order.push_back(static_cast<int32_t>(row));
    }
    std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
      return internal::compare(values[x], values[y]) < 0;
    });
    const auto n = static_cast<Int128>(order.size());
    std::vector<Rational>& ranks = ranks_[index];
    ranks.assign(static_cast<size_t>(rows), Rational{});
    size_t rank = 0;  // ties share the rank of the first of them (SQL PERCENT_RANK)
    for (size_t k = 0; k < order.size(); ++k) {
      if (k > 0 && internal::compare(values[order[k]], values[order[k - 1]]) != 0) rank = k;
      if (n > 1) make_rational(static_cast<Int128>(rank), n - 1, &ranks[order[k]]);
    }
    rank_valid_[index] = std::move(present);
  }
  return Status::Ok();
}

}  // namespace

Result<RowMask> evaluate_rule(const CompiledRule& rule, const EvalContext& context,
                              const RowMask* considered, const RowMask* within) {
  Evaluator evaluator(rule, context);
  SUBSIDY_RETURN_IF_ERROR(evaluator.prepare(considered));
  RowMask mask;
  mask.size = rule.rows;
  mask.words.assign(static_cast<size_t>((rule.rows + 63) / 64), 0);
  const int root = rule.ast.root;
  if (within != nullptr) {
    // Only the rows of `within` are evaluated; the rest stay false.
    for (RowIndex start = 0; start < rule.rows; start += kBatch) {
      const RowIndex count = std::min(kBatch, rule.rows - start);
      SUBSIDY_ASSIGN_OR_RETURN(const RowIndex kept, evaluator.run_masked(root, start, count, *within));
      const uint8_t* truth = evaluator.vec(root).truth.data();
      const uint16_t* selected = evaluator.selected();
      uint64_t* words = mask.words.data() + (start >> 6);
      for (RowIndex k = 0; k < kept; ++k) {
        const RowIndex i = selected[k];
        if (truth[i] == kT) words[i >> 6] |= uint64_t{1} << (i & 63);
      }
    }
  } else {
    for (RowIndex start = 0; start < rule.rows; start += kBatch) {
      const RowIndex count = std::min(kBatch, rule.rows - start);
      SUBSIDY_RETURN_IF_ERROR(evaluator.run(root, start, count));
      const uint8_t* truth = evaluator.vec(root).truth.data();
      // kBatch is a multiple of 64, so a batch starts on a word boundary; sixteen rows at a time.
      uint64_t* words = mask.words.data() + (start >> 6);
      RowIndex i = 0;
      const __m128i is_true = _mm_set1_epi8(static_cast<char>(kT));
      for (; i + 16 <= count; i += 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(truth + i));
        const auto bits = static_cast<uint64_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, is_true)));
        words[i >> 6] |= bits << (i & 63);
      }
      for (; i < count; ++i) {
        if (truth[i] == kT) words[i >> 6] |= uint64_t{1} << (i & 63);
      }
    }
  }
  if (considered != nullptr) {
    for (size_t word = 0; word < mask.words.size(); ++word) mask.words[word] &= considered->words[word];
  }
  return mask;
}

Result<RuleValues> evaluate_values(const CompiledRule& rule, const EvalContext& context,
                                   const RowMask& rows) {
  Evaluator evaluator(rule, context);
  SUBSIDY_RETURN_IF_ERROR(evaluator.prepare(&rows));
  RuleValues values;
  const int root = rule.ast.root;
  values.type = rule.ast.nodes[root].type;
  const RowIndex total = rows.count();
  values.num.resize(static_cast<size_t>(total));
  values.den.resize(static_cast<size_t>(total));
  size_t out = 0;
  const Repr repr = rule.repr[root];
  if (repr == Repr::kConst) {  // a folded number or amount, or a date literal
    const Node& constant = rule.ast.nodes[root];
    const Rational value = constant.constant ? *constant.constant : Rational{constant.date, 1};
    std::fill(values.num.begin(), values.num.end(), value.num);
    std::fill(values.den.begin(), values.den.end(), value.den);
    return values;
  }
  for (RowIndex start = 0; start < rule.rows; start += kBatch) {
    const RowIndex count = std::min(kBatch, rule.rows - start);
    SUBSIDY_ASSIGN_OR_RETURN(const RowIndex kept, evaluator.run_masked(root, start, count, rows));
    const uint16_t* selected = evaluator.selected();
    const Vec& vec = evaluator.vec(root);
    if (repr == Repr::kInt) {  // the common case: a money or date column, whole numbers
      for (RowIndex k = 0; k < kept; ++k, ++out) {
        const RowIndex i = selected[k];
        values.num[out] = vec.int_data[i];
        values.den[out] = vec.is_valid(i) ? 1 : 0;
      }
      continue;
    }
    for (RowIndex k = 0; k < kept; ++k, ++out) {
      const RowIndex i = selected[k];
      if (!evaluator.valid_at(root, i)) {
        values.num[out] = 0;
        values.den[out] = 0;
        continue;
      }
      const Rational value = evaluator.rat_at(root, i);
      values.num[out] = value.num;
      values.den[out] = value.den;
    }
  }
  return values;
}

Result<std::vector<Truth>> evaluate_row(const CompiledRule& rule, const EvalContext& context,
                                        RowIndex row_idx, const std::vector<int>& nodes) {
  Evaluator evaluator(rule, context);
  SUBSIDY_RETURN_IF_ERROR(evaluator.prepare(nullptr));
  std::vector<Truth> truths;
  for (const int index : nodes) {
    if (rule.repr[index] != Repr::kTruth) {  // not true/false: nothing to explain
      truths.push_back(Truth::kUnknown);
      continue;
    }
    // Each node on its own: under the root, `and` would skip a clause after a false one.
    SUBSIDY_RETURN_IF_ERROR(evaluator.run(index, row_idx, 1));
    const uint8_t value = evaluator.vec(index).truth[0];
    truths.push_back(value == kT ? Truth::kTrue : value == kF ? Truth::kFalse : Truth::kUnknown);
  }
  return truths;
}

// ---------------------------------------------------------------------------------------------
// Planning: representations and code tables

namespace {

bool whole_const(const Node& node) {
  return node.constant && is_integer(*node.constant) && node.constant->num >= INT64_MIN &&
         node.constant->num <= INT64_MAX;
}

}  // namespace

void plan_rule(CompiledRule& rule) {
  const Ast& ast = rule.ast;
  const auto& columns = rule.roster->columns();
  rule.repr.assign(ast.nodes.size(), Repr::kLiteral);
  rule.code_table.assign(ast.nodes.size(), {});
  rule.tag_code.assign(ast.nodes.size(), -1);
  // Children come before parents in the arena, so one pass in index order sees children first.
  for (size_t index = 0; index < ast.nodes.size(); ++index) {
    const Node& node = ast.nodes[index];
    Repr& repr = rule.repr[index];
    auto whole = [&](int child) {
      return rule.repr[child] == Repr::kInt ||
             (rule.repr[child] == Repr::kConst && whole_const(ast.nodes[child]));
    };
    if (node.constant) {
      repr = Repr::kConst;
      continue;
    }
    switch (node.kind) {
      case NodeKind::kNumber:
      case NodeKind::kString:
      case NodeKind::kList: repr = Repr::kLiteral; break;
      case NodeKind::kBool: repr = Repr::kTruth; break;
      case NodeKind::kDate: repr = Repr::kConst; break;
      case NodeKind::kColumn: {
        const Column& column = columns[node.column];
        switch (column.type()) {
          case ColumnType::kMoney:
          case ColumnType::kInteger:
          case ColumnType::kDate: repr = Repr::kInt; break;
          case ColumnType::kRate: repr = Repr::kRat; break;
          case ColumnType::kString: repr = Repr::kCode; break;
          case ColumnType::kText: repr = Repr::kText; break;
          case ColumnType::kBool: repr = Repr::kTruth; break;
          case ColumnType::kTags: repr = Repr::kTags; break;
        }
        break;
      }
      case NodeKind::kField: repr = Repr::kCode; break;
      // Arithmetic is exact: a sum or product of whole int64 values may leave int64, so it is
      // computed as a rational (whose whole-number case is one checked 128-bit operation).
      case NodeKind::kNegate: repr = Repr::kRat; break;
      case NodeKind::kBinary:
        switch (node.op) {
          case BinaryOp::kAdd:
          case BinaryOp::kSub:
          case BinaryOp::kMul:
          case BinaryOp::kDiv: repr = Repr::kRat; break;
          default: repr = Repr::kTruth; break;
        }
        break;
      case NodeKind::kCall:
        switch (node.function) {
          case Function::kAgeYears:
          case Function::kAgeMonths:
          case Function::kYear:
          case Function::kQuarter: repr = Repr::kInt; break;
          case Function::kPctRank: repr = Repr::kRat; break;
          case Function::kHasTag: repr = Repr::kTruth; break;
          default: {
            if (node.type == RuleType::kBool) {
              repr = Repr::kTruth;
              break;
            }
            const size_t first = node.function == Function::kIf ? 1 : 0;
            bool all_whole = node.function != Function::kAbs;  // |INT64_MIN| leaves int64
            for (size_t k = first; k < node.children.size(); ++k) {
              all_whole = all_whole && whole(node.children[k]);
            }
            repr = all_whole ? Repr::kInt : Repr::kRat;
          }
        }
        break;
      default: repr = Repr::kTruth; break;
    }
  }
  // Bool literals used where a truth vector is read directly (a rule that is just `true`).
  // Tables for string predicates and tag codes.
  for (size_t index = 0; index < ast.nodes.size(); ++index) {
    const Node& node = ast.nodes[index];
    if (node.kind == NodeKind::kCall && node.function == Function::kHasTag) {
      const std::string& tag = ast.nodes[node.children.back()].text;
      rule.tag_code[index] = columns[node.column].dictionary().find(tag);
      continue;
    }
    int operand = -1;
    if (node.kind == NodeKind::kBinary && (node.op == BinaryOp::kEq || node.op == BinaryOp::kNe) &&
        ast.nodes[node.children[0]].type == RuleType::kString) {
      operand = ast.nodes[node.children[0]].kind == NodeKind::kString ? node.children[1]
                                                                      : node.children[0];
    } else if ((node.kind == NodeKind::kIn &&
                ast.nodes[node.children[0]].type == RuleType::kString) ||
               node.kind == NodeKind::kWithin) {
      operand = node.children[0];
    }
    if (operand < 0 || rule.repr[operand] != Repr::kCode) continue;
    const Node& value = ast.nodes[operand];
    const Column& column = columns[value.column];
    const Dictionary& dictionary = column.dictionary();
    std::vector<std::string_view> literals;
    bool negated = false;
    if (node.kind == NodeKind::kIn) {
      for (const int element : ast.nodes[node.children[1]].children) {
        literals.push_back(ast.nodes[element].text);
      }
      negated = node.negated;
    } else {
      const int literal = node.children[0] == operand ? node.children[1] : node.children[0];
      literals.push_back(ast.nodes[literal].text);
      negated = node.kind == NodeKind::kBinary && node.op == BinaryOp::kNe;
    }
    std::vector<uint8_t>& table = rule.code_table[index];
    table.resize(static_cast<size_t>(dictionary.size()));
    for (int32_t code = 0; code < dictionary.size(); ++code) {
      std::string_view text = dictionary.value(code);
      if (value.kind == NodeKind::kField) text = field_of(text, value.text);
      bool hit = false;
      for (const std::string_view literal : literals) {
        hit = hit || (node.kind == NodeKind::kWithin ? text.substr(0, literal.size()) == literal
                                                     : text == literal);
      }
      table[code] = hit != negated ? kT : kF;
    }
  }
}

}  // namespace subsidy::internal
