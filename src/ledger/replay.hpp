// Internal to the ledger module: the ledger's rules (see subsidy/ledger.hpp), checked by replaying
// events in date order, then the order they were added.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "subsidy/ledger.hpp"

namespace subsidy::internal {

struct ReplayItem {
  const LedgerEvent* event = nullptr;
  int64_t order = 0;                    // the order of adding: ties of date go by it
  bool allow_overdraft = false;         // may pass its pool's received (arranged only)
  const std::string* source = nullptr;  // the file or run it came from
  size_t index = 0;                     // its index in that source, for events without a line
  bool in_ledger = false;               // already stored (not part of the batch being added)
};

// "ledger.csv:7", or "old.csv:7 (already in the ledger)".
std::string replay_place(const ReplayItem& item);

// Sorts `items` in the order the rules are checked: date, then order of adding.
void sort_for_replay(std::vector<ReplayItem>& items);

// Sorts `items` (sort_for_replay) and checks every rule; the first event that breaks one is the
// error, named with its place and voucher.
Status check_ledger_rules(std::vector<ReplayItem>& items);

}  // namespace subsidy::internal
