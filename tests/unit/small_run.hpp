// Test support: a small roster and plan from text, compiled and allocated in one call.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "subsidy/allocation.hpp"

namespace subsidy::test_support {

// A roster and a plan from text, compiled and allocated; `error` holds the first failure of
// compile_plan or allocate.
struct Small {
  Roster roster;
  Plan plan;
  std::optional<CompiledPlan> compiled;
  std::optional<Allocation> run;
  std::string error;
};

inline std::unique_ptr<Small> run_small(const std::string& csv, const std::string& yaml) {
  auto out = std::make_unique<Small>();
  Result<Roster> roster = parse_roster_csv(csv);
  if (!roster.ok()) {
    ADD_FAILURE() << roster.status().message();
    return out;
  }
  out->roster = std::move(*roster);
  Result<Plan> plan = parse_plan(yaml, "small.yaml");
  if (!plan.ok()) {
    ADD_FAILURE() << plan.status().message();
    return out;
  }
  out->plan = std::move(*plan);
  Result<CompiledPlan> compiled = compile_plan(out->plan, out->roster);
  if (!compiled.ok()) {
    out->error = compiled.status().message();
    return out;
  }
  out->compiled.emplace(std::move(*compiled));
  Result<Allocation> run = allocate(*out->compiled, {.threads = 1});
  if (!run.ok()) {
    out->error = run.status().message();
    return out;
  }
  out->run.emplace(std::move(*run));
  return out;
}

}  // namespace subsidy::test_support
