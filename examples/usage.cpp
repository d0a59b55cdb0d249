// Load a roster, total the tax paid by small and micro enterprises, and split a fund among regions
// in proportion to it — exactly, to the fen.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "subsidy/money.hpp"
#include "subsidy/roster.hpp"

int main(int argc, char** argv) {
  using namespace subsidy;
  const std::string path = argc > 1 ? argv[1] : "examples/roster-small.csv";
  Result<Roster> roster = load_roster_csv(path);
  if (!roster.ok()) {
    std::cerr << roster.status().message() << "\n";
    return 2;
  }
  const Column& region = roster->column("region");
  const Column& size = roster->column("size");
  const Column& tax = roster->column("tax_paid");
  std::map<std::string, Money> tax_by_region;
  for (RowIndex row = 0; row < roster->num_rows(); ++row) {
    if (size.is_null(row) || tax.is_null(row)) continue;  // unknown size or tax: not counted
    const std::string_view cls = size.dictionary().value(size.int32s()[row]);
    if (cls != "small" && cls != "micro") continue;
    tax_by_region[region.format_value(row)] += Money::from_fen(tax.int64s()[row]);
  }
  std::vector<int64_t> weights;
  for (const auto& [code, total] : tax_by_region) weights.push_back(total.fen());
  const Money fund = *parse_money("50万");
  const std::vector<Money> shares = *split_exact(fund, weights, Unit::kYuan);
  size_t index = 0;
  for (const auto& [code, total] : tax_by_region) {
    std::cout << code << "  tax " << format_wan(total) << "  share " << format_yuan(shares[index++])
              << "\n";
  }
  return 0;
}
