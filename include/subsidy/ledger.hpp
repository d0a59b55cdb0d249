// The execution ledger (SPEC §8, §12): what a fund received, arranged (安排/分解下达), disbursed
// (支出/拨付) and had returned, as dated events with vouchers, kept in an embedded SQLite file.
//
//   using namespace subsidy;
//   Result<Ledger> ledger = Ledger::open("ledger.db");             // created when missing
//   Result<LedgerBatch> batch = read_ledger_csv("chengdu-2023-ledger.csv");
//   Result<ImportReport> added = ledger->import(*batch);           // one transaction: all or none
//   Result<RunBooking> run = read_run_directory("out");            // what `subsidy allocate` wrote
//   Result<BookReport> booked = ledger->book_run(*run, {.book_received = true});
//
// The rules, checked over every event of the ledger in date order (then the order they were
// added: an earlier import's events before a later one's, a file's lines in order):
//   - a voucher is unique per event type; importing it again with the same content is skipped and
//     counted, with other content it is an error naming both;
//   - arranged for a pool may not pass what the pool has received by then (unless the event was
//     added with allow_overdraft, which the ledger remembers);
//   - disbursed net of returned may not pass arranged, for the pool and for each of its region,
//     its program, and its region and program together, as far as the disbursement names them
//     (arranged events count toward every one of these they match);
//   - returned may not take disbursed below zero for the pool, and for its region, program and
//     enterprise as far as the return names them.
// Amounts are integer fen, positive; a running sum past int64 fen is an error (kOutOfRange) naming
// the batch, and nothing is added.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/calendar.hpp"
#include "subsidy/money.hpp"
#include "subsidy/roster.hpp"
#include "subsidy/status.hpp"

namespace subsidy {

enum class LedgerEventType : uint8_t { kReceived, kArranged, kDisbursed, kReturned };
constexpr int kLedgerEventTypes = 4;

// "received", "arranged", "disbursed", "returned".
std::string_view ledger_event_name(LedgerEventType type);
Result<LedgerEventType> parse_ledger_event(std::string_view text);

struct LedgerEvent {
  Date date;
  LedgerEventType type = LedgerEventType::kReceived;
  std::string pool;        // required
  std::string program;     // "" when the event does not name one
  std::string region;      // "" or a 6-digit division code
  std::string enterprise;  // ""
  Money amount;            // > 0
  std::string voucher;     // required; unique per event type
  int64_t line = 0;        // the line of its file, 0 when it came from elsewhere
};

// Events from one source (a ledger CSV, an allocation run), in the source's order.
struct LedgerBatch {
  std::string source;  // a file name, or "run <id>"
  std::vector<LedgerEvent> events;
};

// The ledger CSV: `date,event,pool,program,region,enterprise,amount,voucher` (columns in any
// order, each once, no others), a header row, amounts by SPEC §3 (万/亿 accepted). The whole file
// is read or none of it; errors name the file, line and column:
//   ledger.csv:7: amount: invalid amount "12a": expected a number of yuan such as ...
Result<LedgerBatch> parse_ledger_csv(std::string_view text, const std::string& source);
Result<LedgerBatch> read_ledger_csv(const std::string& path, Encoding encoding = Encoding::kUtf8);

// What `subsidy ledger book-run` books from a run directory of `subsidy allocate`: run.json (run
// id, plan, as_of), awards.csv (every line with granted > 0 becomes an `arranged` event dated
// as_of, under its top-level pool, with the enterprise's region, the program and the enterprise;
// voucher "run:<run id>:<program>:<enterprise>"), pools.csv (the plan's received per pool).
struct RunBooking {
  std::string source;  // where the lines came from ("out/awards.csv"), for messages
  std::string run_id;
  std::string plan;
  Date as_of;
  std::vector<LedgerEvent> arranged;
  std::vector<std::pair<std::string, Money>> received;  // top-level pools in plan order
};
Result<RunBooking> read_run_directory(const std::string& directory);

struct LedgerOptions {
  // How long to wait for another process's write to finish before giving up.
  int busy_timeout_ms = 60'000;
  // The schema version a new file is created at (tests of migrations create old files); opening
  // an existing file always migrates it to the latest.
  int create_version = 0;  // 0: the latest
};

struct ImportOptions {
  // Let this batch's arranged events pass what their pool has received; remembered per event.
  bool allow_overdraft = false;
};

struct ImportReport {
  int64_t added = 0;
  int64_t skipped = 0;  // already in the ledger, or repeated within the batch, with equal content
  std::array<int64_t, kLedgerEventTypes> added_by_type{};
  std::array<Money, kLedgerEventTypes> amount_by_type{};
};

struct BookOptions {
  // Book the run's received amounts (dated as_of) for each of its pools that has nothing received
  // in the ledger yet; without it, booking arranged money into such a pool is refused.
  bool book_received = false;
  bool allow_overdraft = false;
};

struct BookReport {
  bool already_booked = false;              // the run id was booked before: nothing changed
  std::string booked_at;                    // when it was first booked (UTC, ISO 8601)
  std::vector<std::string> received_pools;  // pools whose received amounts were booked now
  ImportReport events;
};

// Sums of one key (a pool, region or program; "" for events that name none) over a date range.
struct LedgerTotals {
  std::string key;
  Money received;
  Money arranged;
  Money disbursed;  // net of returned
  Money returned;
};

enum class LedgerKey { kPool, kRegion, kProgram };
std::string_view ledger_key_name(LedgerKey key);  // "pool", "region", "program"
Result<LedgerKey> parse_ledger_key(std::string_view text);

// The ledger's schema version this engine writes; older files are migrated when opened.
constexpr int kLedgerSchemaVersion = 2;

class Ledger {
 public:
  // Opens the SQLite file at `path`, creating it when missing, migrating an older schema. A file
  // that is not a subsidy ledger, or has a newer schema than this engine knows, is an error.
  static Result<Ledger> open(const std::string& path, const LedgerOptions& options = {});
  // As open(), but a missing file is an error (kNotFound) instead of a new ledger.
  static Result<Ledger> open_existing(const std::string& path, const LedgerOptions& options = {});

  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;
  ~Ledger();

  int schema_version() const;
  const std::string& path() const;

  // Adds a batch in one transaction, after checking it with every event already in the ledger;
  // on any error nothing is added.
  Result<ImportReport> import(const LedgerBatch& batch, const ImportOptions& options = {});
  // Books a run's arranged amounts once per run id, in one transaction.
  Result<BookReport> book_run(const RunBooking& run, const BookOptions& options = {});

  // Sums per key of the events dated from `from` to `to` (both included), one entry for every key
  // that has any event dated on or before `to`, ordered by key with "" last.
  Result<std::vector<LedgerTotals>> totals(Date from, Date to, LedgerKey by) const;
  // Every event, in the order the rules check them (date, then order of adding).
  Result<std::vector<LedgerEvent>> events() const;

 private:
  struct Impl;
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace subsidy
