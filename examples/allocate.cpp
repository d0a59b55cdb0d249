// Run a plan over a roster through every stage — eligibility, awards, stacking, budgets and
// scarcity — and print what each budget granted. Compile once, allocate as often as needed.
#include <iostream>
#include <string>

#include "subsidy/allocation.hpp"

int main(int argc, char** argv) {
  using namespace subsidy;
  const std::string plan_path = argc > 2 ? argv[1] : "examples/xuyi-2023-plan.yaml";
  const std::string roster_path = argc > 2 ? argv[2] : "examples/roster-small.csv";
  Result<Plan> plan = load_plan(plan_path);
  if (!plan.ok()) {
    std::cerr << plan.status().message() << "\n";  // file:line: path: why
    return 2;
  }
  Result<Roster> roster = load_roster_csv(roster_path);
  if (!roster.ok()) {
    std::cerr << roster.status().message() << "\n";
    return 2;
  }
  Result<CompiledPlan> compiled = compile_plan(*plan, *roster);  // every rule, type-checked
  if (!compiled.ok()) {
    std::cerr << compiled.status().message() << "\n";
    return 2;
  }
  Result<Allocation> run = allocate(*compiled);
  if (!run.ok()) {
    std::cerr << run.status().message() << "\n";
    return 2;
  }
  for (const PoolSummary& pool : run->pools) {
    std::cout << pool.id << ": budget " << format_yuan(pool.budget) << ", requested "
              << format_yuan(pool.requested) << ", granted " << format_yuan(pool.granted) << " to "
              << pool.funded << " lines\n";
  }
  // Lines are columns per program, aligned: rows, requested (fen), granted (fen), status.
  const Column& ids = roster->column("id");
  for (size_t p = 0; p < plan->programs.size(); ++p) {
    const ProgramAwards& lines = run->awards.programs[p];
    const ProgramGrants& grants = run->grants[p];
    for (size_t line = 0; line < lines.rows.size(); ++line) {
      if (grants.status[line] != LineStatus::kGranted) continue;
      std::cout << plan->programs[p].id << " " << ids.text(lines.rows[line]) << " "
                << format_yuan(Money::from_fen(grants.granted[line])) << "\n";
    }
  }
  return 0;
}
