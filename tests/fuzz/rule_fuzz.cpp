// Fuzzes the rule language: any bytes are compiled against a small roster with every column type
// and, when they compile, evaluated and explained. Nothing may crash, hang or overflow the stack;
// the limits (RuleLimits) must refuse hostile rules with an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "subsidy/rules.hpp"

namespace {

const subsidy::Roster& roster() {
  static const subsidy::Roster* loaded = [] {
    subsidy::Schema schema;
    schema.columns.push_back({"score", subsidy::ColumnType::kInteger, subsidy::Unit::kYuan, ""});
    schema.columns.push_back({"share", subsidy::ColumnType::kRate, subsidy::Unit::kYuan, ""});
    schema.columns.push_back({"active", subsidy::ColumnType::kBool, subsidy::Unit::kYuan, ""});
    static subsidy::Schema kept = schema;
    subsidy::LoadOptions options;
    options.schema = &kept;
    auto result = subsidy::parse_roster_csv(
        "id,name,region,industry,employees,revenue,assets,sales_invoiced,tax_paid,registered_on,"
        "tags,rent_paid,score,share,active\n"
        "A1,甲,320830,C3484,86,42000000,31000000,41800000,1260000,2016-05-12,入驻基地;专精特新,,7,5%,true\n"
        "A2,乙,510107,I6513,,3200000,,3150000,95000,2020-02-29,科技型中小企业,54000,,0.5,false\n"
        "A3,丙,510117,J6620,410,,75000000,,,2024-03-01,,96000,-3,,\n"
        "A4,丁,320830,K7010,12,-5,0,0,0,2023-06-30,入驻基地,0,0,100%,true\n",
        options);
    if (!result.ok()) std::abort();
    return new subsidy::Roster(std::move(*result));
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const subsidy::Roster& r = roster();
  subsidy::Result<subsidy::Rule> rule = subsidy::compile_rule(text, r);
  if (!rule.ok()) {
    if (rule.status().message().empty()) std::abort();  // every refusal says why
    return 0;
  }
  const subsidy::EvalContext context{*subsidy::parse_date("2023-06-30")};
  subsidy::Result<subsidy::RowMask> mask = rule->eligible(r, context);
  if (mask.ok()) {
    if (mask->size != r.num_rows()) std::abort();
    for (subsidy::RowIndex row = 0; row < r.num_rows(); ++row) {
      const subsidy::RuleExplanation why = rule->explain(r, row, context);
      // The explanation and the mask must agree.
      if ((why.value == subsidy::Truth::kTrue) != mask->test(row)) std::abort();
    }
  }
  return 0;
}
