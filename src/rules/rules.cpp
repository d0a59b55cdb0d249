// The public face of the rule language: compile, evaluate, explain.
#include <fmt/format.h>

#include <algorithm>

#include "rules/compiled.hpp"

namespace subsidy {

std::string_view rule_type_name(RuleType type) {
  switch (type) {
    case RuleType::kBool: return "bool";
    case RuleType::kMoney: return "money";
    case RuleType::kNumber: return "number";
    case RuleType::kString: return "string";
    case RuleType::kDate: return "date";
    case RuleType::kTags: return "tags";
    case RuleType::kList: return "list";
  }
  return "unknown";
}

std::string_view truth_name(Truth truth) {
  switch (truth) {
    case Truth::kFalse: return "false";
    case Truth::kTrue: return "true";
    case Truth::kUnknown: return "unknown";
  }
  return "unknown";
}

RowIndex RowMask::count() const {
  RowIndex total = 0;
  for (const uint64_t word : words) total += __builtin_popcountll(word);
  return total;
}

std::string RuleExplanation::summary() const {
  if (value == Truth::kTrue) return "eligible";
  for (const ClauseExplanation& clause : clauses) {
    if (clause.value == Truth::kFalse) return "not eligible: " + clause.text + " is false";
  }
  for (const ClauseExplanation& clause : clauses) {
    if (clause.value != Truth::kUnknown) continue;
    std::string fields;
    for (const std::string& field : clause.null_fields) {
      fields += (fields.empty() ? "" : ", ") + field;
    }
    return "not eligible: " + clause.text + " is unknown" +
           (fields.empty() ? "" : " (" + fields + " is null)");
  }
  return value == Truth::kFalse ? "not eligible" : "not eligible: unknown";
}

Rule::Rule(std::unique_ptr<internal::CompiledRule> compiled) : compiled_(std::move(compiled)) {}
Rule::Rule(Rule&&) noexcept = default;
Rule& Rule::operator=(Rule&&) noexcept = default;
Rule::~Rule() = default;

const std::string& Rule::text() const { return compiled_->ast.text; }
RuleType Rule::type() const { return compiled_->ast.nodes[compiled_->ast.root].type; }

namespace {

Status check_roster(const internal::CompiledRule& rule, const Roster& roster) {
  if (&roster != rule.roster || roster.num_rows() != rule.rows) {
    return invalid_argument("the rule was compiled against another roster");
  }
  if (rule.ast.nodes[rule.ast.root].type != RuleType::kBool) {
    return invalid_argument(fmt::format("the rule gives {}, not true/false",
                                        rule_type_name(rule.ast.nodes[rule.ast.root].type)));
  }
  return Status::Ok();
}

// The operands of the outermost `and`s, left to right.
void collect_clauses(const internal::Ast& ast, int index, std::vector<int>* clauses) {
  const internal::Node& node = ast.nodes[index];
  if (node.kind == internal::NodeKind::kBinary && node.op == internal::BinaryOp::kAnd) {
    collect_clauses(ast, node.children[0], clauses);
    collect_clauses(ast, node.children[1], clauses);
  } else {
    clauses->push_back(index);
  }
}

void collect_columns(const internal::Ast& ast, int index, std::vector<int>* columns) {
  const internal::Node& node = ast.nodes[index];
  if (node.column >= 0 &&
      std::find(columns->begin(), columns->end(), node.column) == columns->end()) {
    columns->push_back(node.column);
  }
  for (const int child : node.children) collect_columns(ast, child, columns);
}

}  // namespace

Result<RowMask> Rule::eligible(const Roster& roster, const EvalContext& context) const {
  SUBSIDY_RETURN_IF_ERROR(check_roster(*compiled_, roster));
  return internal::evaluate_rule(*compiled_, context, nullptr);
}

Result<RowMask> Rule::eligible(const Roster& roster, const EvalContext& context,
                               const RowMask& considered) const {
  SUBSIDY_RETURN_IF_ERROR(check_roster(*compiled_, roster));
  if (considered.size != roster.num_rows()) {
    return invalid_argument("the rows considered do not match the roster");
  }
  return internal::evaluate_rule(*compiled_, context, &considered, &considered);
}

Result<RowMask> Rule::eligible_within(const Roster& roster, const EvalContext& context,
                                     const RowMask& within) const {
  SUBSIDY_RETURN_IF_ERROR(check_roster(*compiled_, roster));
  if (within.size != roster.num_rows()) {
    return invalid_argument("the rows to evaluate do not match the roster");
  }
  return internal::evaluate_rule(*compiled_, context, nullptr, &within);
}

std::vector<std::string> Rule::clauses() const {
  std::vector<std::string> texts;
  const internal::Ast& ast = compiled_->ast;
  for (const int index : compiled_->clauses) {
    const internal::Node& clause = ast.nodes[index];
    texts.push_back(ast.text.substr(clause.span.begin, clause.span.end - clause.span.begin));
  }
  return texts;
}

std::vector<std::string> Rule::aged_columns() const {
  std::vector<std::string> names;
  const internal::Ast& ast = compiled_->ast;
  for (const internal::Node& node : ast.nodes) {
    if (node.kind != internal::NodeKind::kCall ||
        (node.function != internal::Function::kAgeYears &&
         node.function != internal::Function::kAgeMonths)) {
      continue;
    }
    // Every date column under the argument: age_years(coalesce(registered_on, ...)) reads it too.
    std::vector<int> pending = {node.children[0]};
    while (!pending.empty()) {
      const internal::Node& part = ast.nodes[pending.back()];
      pending.pop_back();
      for (const int child : part.children) pending.push_back(child);
      if (part.kind != internal::NodeKind::kColumn) continue;
      const Column& column = compiled_->roster->columns()[part.column];
      if (column.type() != ColumnType::kDate) continue;
      if (std::find(names.begin(), names.end(), column.name()) == names.end()) {
        names.push_back(column.name());
      }
    }
  }
  return names;
}

Result<RuleValues> Rule::values(const Roster& roster, const EvalContext& context,
                                const RowMask& rows) const {
  if (&roster != compiled_->roster || roster.num_rows() != compiled_->rows) {
    return invalid_argument("the rule was compiled against another roster");
  }
  const RuleType type = this->type();
  if (type != RuleType::kMoney && type != RuleType::kNumber && type != RuleType::kDate) {
    return invalid_argument(
        fmt::format("the expression gives {}, not an amount, a number or a date", rule_type_name(type)));
  }
  if (rows.size != roster.num_rows()) {
    return invalid_argument("the rows considered do not match the roster");
  }
  return internal::evaluate_values(*compiled_, context, rows);
}

RuleExplanation Rule::explain(const Roster& roster, RowIndex row_idx,
                              const EvalContext& context) const {
  RuleExplanation explanation;
  const internal::Ast& ast = compiled_->ast;
  std::vector<int> nodes = compiled_->clauses;
  nodes.push_back(ast.root);
  Result<std::vector<Truth>> truths = internal::evaluate_row(*compiled_, context, row_idx, nodes);
  for (size_t k = 0; k < compiled_->clauses.size(); ++k) {
    const internal::Node& clause = ast.nodes[compiled_->clauses[k]];
    ClauseExplanation item;
    item.text = ast.text.substr(clause.span.begin, clause.span.end - clause.span.begin);
    item.line = clause.span.line;
    item.column = clause.span.column;
    item.value = truths.ok() ? (*truths)[k] : Truth::kUnknown;
    std::vector<int> columns;
    collect_columns(ast, compiled_->clauses[k], &columns);
    for (const int column : columns) {
      if (roster.columns()[column].is_null(row_idx)) {
        item.null_fields.push_back(roster.columns()[column].name());
      }
    }
    explanation.clauses.push_back(std::move(item));
  }
  explanation.value = truths.ok() ? truths->back() : Truth::kUnknown;
  return explanation;
}

Result<Rule> compile_rule(std::string_view text, const Roster& roster, const RuleLimits& limits) {
  SUBSIDY_ASSIGN_OR_RETURN(internal::Ast ast, internal::parse_rule(text, limits));
  SUBSIDY_RETURN_IF_ERROR(internal::bind_rule(ast, roster));
  auto compiled = std::make_unique<internal::CompiledRule>();
  compiled->ast = std::move(ast);
  compiled->roster = &roster;
  compiled->rows = roster.num_rows();
  internal::plan_rule(*compiled);
  collect_clauses(compiled->ast, compiled->ast.root, &compiled->clauses);
  return Rule(std::move(compiled));
}

Status check_rule_syntax(std::string_view text, const RuleLimits& limits) {
  return internal::parse_rule(text, limits).status();
}

}  // namespace subsidy
