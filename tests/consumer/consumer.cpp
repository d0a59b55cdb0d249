// A program outside the subsidy tree: allocates a plan over a roster through the installed headers
// and library and prints each pool's budget and grant in fen. scripts/consumer.sh builds it with
// CMake (find_package) and with pkg-config and compares the output with the expected lines.
#include <iostream>

// Every public header, to show each is installed and compiles without the source tree.
#include "subsidy/allocation.hpp"
#include "subsidy/awards.hpp"
#include "subsidy/calendar.hpp"
#include "subsidy/execution.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/money.hpp"
#include "subsidy/plan.hpp"
#include "subsidy/results.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/rules.hpp"
#include "subsidy/status.hpp"
#include "subsidy/subsidy.h"
#include "subsidy/synth.hpp"
#include "subsidy/whatif.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: consumer PLAN ROSTER\n";
    return 2;
  }
  subsidy::Result<subsidy::Plan> plan = subsidy::load_plan(argv[1]);
  if (!plan.ok()) {
    std::cerr << plan.status().message() << "\n";
    return 2;
  }
  subsidy::Result<subsidy::Roster> roster = subsidy::load_roster_csv(argv[2]);
  if (!roster.ok()) {
    std::cerr << roster.status().message() << "\n";
    return 2;
  }
  subsidy::Result<subsidy::CompiledPlan> compiled = subsidy::compile_plan(*plan, *roster);
  if (!compiled.ok()) {
    std::cerr << compiled.status().message() << "\n";
    return 2;
  }
  subsidy::Result<subsidy::Allocation> run = subsidy::allocate(*compiled);
  if (!run.ok()) {
    std::cerr << run.status().message() << "\n";
    return 2;
  }
  for (const subsidy::PoolSummary& pool : run->pools)
    std::cout << pool.id << " " << pool.budget.fen() << " " << pool.granted.fen() << "\n";
  return 0;
}
