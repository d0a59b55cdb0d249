// Internal to the ledger module: checks of one event's fields, shared by the CSV reader and by
// batches that come from elsewhere (a run, a caller of the library).
#pragma once

#include <string>
#include <string_view>

#include "subsidy/ledger.hpp"

namespace subsidy::internal {

// The field names of the ledger CSV, in SPEC §12's order.
inline constexpr std::string_view kLedgerColumns[] = {"date",   "event",      "pool",   "program",
                                                      "region", "enterprise", "amount", "voucher"};

// The first problem with an event's ids, region, amount or voucher as "<field>: <reason>", or "".
std::string event_field_problem(const LedgerEvent& event);

// "ledger.csv:7" for an event read from a file, "run 1a2b…: event 3" otherwise.
std::string event_place(const std::string& source, const LedgerEvent& event, size_t index);

}  // namespace subsidy::internal
