// libFuzzer target: the ledger CSV reader (parse_ledger_csv) on arbitrary bytes.
//
// Invariants (a violation prints the input and aborts):
//   - on success every event has a non-empty voucher and pool, an amount > 0, and a line number
//     >= 2 (line 1 is the header), strictly increasing from one event to the next; every event's
//     fields pass the reader's own checks again (a pool that is a plan id, a 6-digit region or
//     none, a date that formats and parses back to itself, an event name that parses back);
//     the batch's source is the name given;
//   - on failure the message starts with the name given ("fuzz.csv"), so that a person is told
//     which file;
//   - parsing the same bytes twice gives the same result (no hidden state).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "subsidy/calendar.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/money.hpp"

namespace {

using subsidy::LedgerBatch;
using subsidy::LedgerEvent;
using subsidy::Money;
using subsidy::Result;

constexpr char kSource[] = "fuzz.csv";

std::string_view g_input;

[[noreturn]] void fail(const std::string& what) {
  std::string quoted;
  for (const char c : g_input.substr(0, 4096)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '\\' && c != '"') {
      quoted.push_back(c);
    } else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", byte);
      quoted += escape;
    }
  }
  std::fprintf(stderr, "ledger_csv_fuzz: invariant violated on \"%s\": %s\n", quoted.c_str(),
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

bool is_pool_id(std::string_view id) {
  if (id.empty()) return false;
  for (const char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

void check_event(const LedgerEvent& event, int64_t previous_line) {
  const std::string where = "event of line " + std::to_string(event.line);
  if (event.line < 2) fail(where + ": line < 2");
  if (event.line <= previous_line) {
    fail(where + ": line not after the previous event's line " + std::to_string(previous_line));
  }
  if (event.voucher.empty()) fail(where + ": empty voucher");
  if (event.pool.empty()) fail(where + ": empty pool");
  if (!is_pool_id(event.pool)) fail(where + ": pool \"" + event.pool + "\" is not an id");
  if (!event.program.empty() && !is_pool_id(event.program)) {
    fail(where + ": program \"" + event.program + "\" is not an id");
  }
  if (!event.region.empty()) {
    bool digits = event.region.size() == 6;
    for (const char c : event.region) digits = digits && c >= '0' && c <= '9';
    if (!digits) fail(where + ": region \"" + event.region + "\" is not 6 digits");
  }
  if (event.amount <= Money::zero()) {
    fail(where + ": amount " + std::to_string(event.amount.fen()) + " fen is not positive");
  }
  const std::string date = event.date.to_string();
  const Result<subsidy::Date> again = subsidy::parse_date(date);
  if (!again.ok() || *again != event.date) fail(where + ": date " + date + " does not re-parse");
  const Result<subsidy::LedgerEventType> type =
      subsidy::parse_ledger_event(subsidy::ledger_event_name(event.type));
  if (!type.ok() || *type != event.type) fail(where + ": event type does not re-parse");
  // The amount formats and re-parses to itself.
  const Result<Money> amount = subsidy::parse_money(subsidy::format_yuan(event.amount));
  if (!amount.ok() || *amount != event.amount) {
    fail(where + ": amount " + subsidy::format_yuan(event.amount) + " does not re-parse");
  }
}

bool same_events(const LedgerEvent& a, const LedgerEvent& b) {
  return a.date == b.date && a.type == b.type && a.pool == b.pool && a.program == b.program &&
         a.region == b.region && a.enterprise == b.enterprise && a.amount == b.amount &&
         a.voucher == b.voucher && a.line == b.line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  g_input = text;
  const Result<LedgerBatch> batch = subsidy::parse_ledger_csv(text, kSource);
  if (batch.ok()) {
    if (batch->source != kSource) fail("batch.source is \"" + batch->source + "\"");
    int64_t previous_line = 1;
    for (const LedgerEvent& event : batch->events) {
      check_event(event, previous_line);
      previous_line = event.line;
    }
  } else {
    const std::string& message = batch.status().message();
    if (message.compare(0, sizeof kSource - 1, kSource) != 0) {
      fail("error message does not start with " + std::string(kSource) + ": " + message);
    }
  }
  // The same bytes give the same result.
  const Result<LedgerBatch> again = subsidy::parse_ledger_csv(text, kSource);
  if (again.ok() != batch.ok()) fail("a second parse disagrees on success");
  if (!batch.ok()) {
    if (again.status().message() != batch.status().message()) {
      fail("a second parse gives another error: " + again.status().message());
    }
  } else {
    if (again->events.size() != batch->events.size()) fail("a second parse has another count");
    for (size_t k = 0; k < batch->events.size(); ++k) {
      if (!same_events(batch->events[k], again->events[k])) {
        fail("a second parse differs at event " + std::to_string(k));
      }
    }
  }
  return 0;
}
