// The ledger on SQLite: opening and migrating the file, importing batches in one transaction after
// a replay of the rules over every event, booking runs once, and sums for execution ratios.
//
// The file is in WAL mode with synchronous=FULL: a transaction is all there or not at all after a
// crash, and readers go on while one writer works. Writers take the lock first (BEGIN IMMEDIATE)
// and only then read what they check against, so two importers never check against a ledger the
// other is changing; the second waits up to the busy timeout.
#include "subsidy/ledger.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include "ledger/ledger_internal.hpp"
#include "ledger/replay.hpp"
#include "ledger/sqlite.hpp"

#ifndef SUBSIDY_VERSION
#define SUBSIDY_VERSION "0.0.0"
#endif

namespace subsidy {

namespace {

using internal::SqliteDatabase;
using internal::SqliteStatement;
using internal::SqliteTransaction;

constexpr int32_t kApplicationId = 0x53425344;  // "SBSD": marks the file as a subsidy ledger

// Migration k brings a file from schema version k to k + 1.
constexpr const char* kMigrations[] = {
    // 1: imports and their events.
    "CREATE TABLE imports ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"       // a file name, or "run <id> (<plan>)"
    "  imported_at TEXT NOT NULL,"  // UTC, ISO 8601
    "  added INTEGER NOT NULL,"
    "  skipped INTEGER NOT NULL);"
    "CREATE TABLE events ("
    "  seq INTEGER PRIMARY KEY,"  // the order of adding: ties of date go by it
    "  date TEXT NOT NULL,"       // ISO 8601, so text order is date order
    "  event TEXT NOT NULL CHECK (event IN ('received', 'arranged', 'disbursed', 'returned')),"
    "  pool TEXT NOT NULL,"
    "  program TEXT NOT NULL,"  // '' when the event names none; so are region, enterprise
    "  region TEXT NOT NULL,"
    "  enterprise TEXT NOT NULL,"
    "  amount INTEGER NOT NULL CHECK (amount > 0),"  // fen
    "  voucher TEXT NOT NULL,"
    "  allow_overdraft INTEGER NOT NULL,"
    "  import_id INTEGER NOT NULL REFERENCES imports (id),"
    "  line INTEGER NOT NULL,"  // the line of its file, 0 for events from elsewhere
    "  UNIQUE (event, voucher));",
    // 2: runs booked by book-run, one row per run id.
    "CREATE TABLE runs ("
    "  run_id TEXT PRIMARY KEY,"
    "  plan TEXT NOT NULL,"
    "  as_of TEXT NOT NULL,"
    "  import_id INTEGER NOT NULL REFERENCES imports (id));",
};
static_assert(std::size(kMigrations) == kLedgerSchemaVersion);

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

Result<int64_t> pragma_integer(SqliteDatabase& db, const char* sql) {
  SqliteStatement statement(db);
  SUBSIDY_RETURN_IF_ERROR(statement.prepare(sql));
  Status status;
  if (!statement.step(&status)) {
    if (!status.ok()) return status;
    return int64_t{0};
  }
  return statement.integer(0);
}

// The first field in which two events with the same voucher differ, as "amount 1.00 here, 2.00
// there".
std::string first_difference(const LedgerEvent& here, const LedgerEvent& there) {
  auto differ = [](std::string_view field, std::string_view a, std::string_view b) {
    return fmt::format("{} \"{}\" here, \"{}\" there", field, a, b);
  };
  if (here.date != there.date) {
    return differ("date", here.date.to_string(), there.date.to_string());
  }
  if (here.pool != there.pool) return differ("pool", here.pool, there.pool);
  if (here.program != there.program) return differ("program", here.program, there.program);
  if (here.region != there.region) return differ("region", here.region, there.region);
  if (here.enterprise != there.enterprise) {
    return differ("enterprise", here.enterprise, there.enterprise);
  }
  if (here.amount != there.amount) {
    return differ("amount", format_yuan(here.amount), format_yuan(there.amount));
  }
  return "";
}

}  // namespace

// Every event of the ledger, in the order of adding, each with its replay item (where it came
// from, whether it may overdraw): what an import checks against, and what events() returns.
struct StoredEvents {
  std::vector<LedgerEvent> events;
  std::unordered_map<int64_t, std::string> sources;  // import id → its file or run
  std::vector<internal::ReplayItem> items;           // items[k] is events[k]
};

struct Ledger::Impl {
  SqliteDatabase db;
  int version = 0;

  Status migrate(const LedgerOptions& options);
  Status load(StoredEvents* stored);
  // Checks and adds `events` inside the caller's transaction.
  Result<ImportReport> add(const std::string& source, const std::vector<const LedgerEvent*>& events,
                           bool allow_overdraft, int64_t* import_id);
};

Status Ledger::Impl::migrate(const LedgerOptions& options) {
  // journal_mode needs no transaction around it; it stays set in the file.
  // One statement, one snapshot: another process creating the ledger at this moment commits
  // both its tables and its application id, or neither, as far as this read can see.
  int64_t application_id = 0;
  int64_t tables = 0;
  {
    SqliteStatement marks(db);
    SUBSIDY_RETURN_IF_ERROR(
        marks.prepare("SELECT (SELECT application_id FROM pragma_application_id),"
                      " (SELECT count(*) FROM sqlite_master)"));
    Status status;
    if (!marks.step(&status)) return status.ok() ? internal_error("no row") : status;
    application_id = marks.integer(0);
    tables = marks.integer(1);
  }
  if (application_id != kApplicationId && (application_id != 0 || tables != 0)) {
    return invalid_argument(fmt::format(
        "{} is not a subsidy ledger (a SQLite file of another application)", db.path()));
  }
  if (tables == 0) SUBSIDY_RETURN_IF_ERROR(db.execute_when_free("PRAGMA page_size = 16384"));
  SUBSIDY_RETURN_IF_ERROR(db.execute_when_free("PRAGMA journal_mode = WAL"));
  SUBSIDY_RETURN_IF_ERROR(db.execute("PRAGMA synchronous = FULL"));
  SUBSIDY_RETURN_IF_ERROR(db.execute("PRAGMA foreign_keys = ON"));
  SUBSIDY_RETURN_IF_ERROR(db.execute("PRAGMA cache_size = -262144"));  // 256 MiB
  SUBSIDY_ASSIGN_OR_RETURN(int64_t current, pragma_integer(db, "PRAGMA user_version"));
  if (current > kLedgerSchemaVersion) {
    return invalid_argument(
        fmt::format("{} has ledger schema version {}; this subsidy {} knows versions up to {}",
                    db.path(), current, SUBSIDY_VERSION, kLedgerSchemaVersion));
  }
  const int target = options.create_version > 0 && tables == 0
                         ? std::min(options.create_version, kLedgerSchemaVersion)
                         : kLedgerSchemaVersion;
  if (current < target) {
    SqliteTransaction transaction(db);
    SUBSIDY_RETURN_IF_ERROR(transaction.begin());
    // Another process may have migrated the file while this one waited for the lock.
    SUBSIDY_ASSIGN_OR_RETURN(current, pragma_integer(db, "PRAGMA user_version"));
    for (int64_t step = current; step < target; ++step) {
      SUBSIDY_RETURN_IF_ERROR(db.execute(kMigrations[step]));
    }
    SUBSIDY_RETURN_IF_ERROR(
        db.execute(fmt::format("PRAGMA application_id = {}", kApplicationId).c_str()));
    SUBSIDY_RETURN_IF_ERROR(db.execute(fmt::format("PRAGMA user_version = {}", target).c_str()));
    SUBSIDY_RETURN_IF_ERROR(transaction.commit());
    current = std::max<int64_t>(current, target);
  }
  version = static_cast<int>(current);
  return Status::Ok();
}

Status Ledger::Impl::load(StoredEvents* stored) {
  SqliteStatement imports(db);
  SUBSIDY_RETURN_IF_ERROR(imports.prepare("SELECT id, source FROM imports"));
  Status status;
  while (imports.step(&status)) {
    stored->sources[imports.integer(0)] = std::string(imports.text(1));
  }
  SUBSIDY_RETURN_IF_ERROR(status);
  SUBSIDY_ASSIGN_OR_RETURN(const int64_t count, pragma_integer(db, "SELECT count(*) FROM events"));
  // Reserved whole: the items point into it.
  stored->events.reserve(static_cast<size_t>(count));
  stored->items.reserve(static_cast<size_t>(count));
  SqliteStatement rows(db);
  SUBSIDY_RETURN_IF_ERROR(
      rows.prepare("SELECT date, event, pool, program, region, enterprise, amount, voucher, "
                   "allow_overdraft, import_id, line FROM events ORDER BY seq"));
  std::unordered_map<int64_t, size_t> index_in_import;
  while (rows.step(&status)) {
    LedgerEvent event;
    Result<Date> date = parse_date(rows.text(0));
    Result<LedgerEventType> type = parse_ledger_event(rows.text(1));
    if (!date.ok() || !type.ok()) {
      return invalid_argument(
          fmt::format("{}: a stored event is damaged (date \"{}\", event \"{}\")", db.path(),
                      rows.text(0), rows.text(1)));
    }
    event.date = *date;
    event.type = *type;
    event.pool = std::string(rows.text(2));
    event.program = std::string(rows.text(3));
    event.region = std::string(rows.text(4));
    event.enterprise = std::string(rows.text(5));
    event.amount = Money::from_fen(rows.integer(6));
    event.voucher = std::string(rows.text(7));
    const int64_t import_id = rows.integer(9);
    event.line = rows.integer(10);
    auto source = stored->sources.find(import_id);
    if (source == stored->sources.end()) {
      source = stored->sources.emplace(import_id, "an unknown import").first;
    }
    if (stored->events.size() == stored->events.capacity()) {
      return internal_error(fmt::format("{}: events were added while it was read", db.path()));
    }
    stored->events.push_back(std::move(event));
    stored->items.push_back({&stored->events.back(), static_cast<int64_t>(stored->items.size()),
                             rows.integer(8) != 0, &source->second, index_in_import[import_id]++,
                             true});
  }
  return status;
}

Result<ImportReport> Ledger::Impl::add(const std::string& source,
                                       const std::vector<const LedgerEvent*>& batch,
                                       bool allow_overdraft, int64_t* import_id) {
  for (size_t k = 0; k < batch.size(); ++k) {
    const std::string problem = internal::event_field_problem(*batch[k]);
    if (!problem.empty()) {
      return invalid_argument(
          fmt::format("{}: {}", internal::event_place(source, *batch[k], k), problem));
    }
  }
  StoredEvents stored;
  SUBSIDY_RETURN_IF_ERROR(load(&stored));
  std::vector<internal::ReplayItem>& items = stored.items;
  items.reserve(stored.events.size() + batch.size());
  // Vouchers are unique per event type: the type's name and the voucher make the key.
  std::unordered_map<std::string, size_t> by_voucher;
  by_voucher.reserve(items.size() + batch.size());
  auto voucher_key = [](const LedgerEvent& event) {
    std::string key(1, static_cast<char>('0' + static_cast<int>(event.type)));
    key += event.voucher;
    return key;
  };
  for (size_t k = 0; k < items.size(); ++k) by_voucher.emplace(voucher_key(*items[k].event), k);
  ImportReport report;
  std::vector<const LedgerEvent*> added;
  for (size_t k = 0; k < batch.size(); ++k) {
    const LedgerEvent& event = *batch[k];
    internal::ReplayItem item{
        &event, static_cast<int64_t>(stored.events.size() + k), allow_overdraft, &source, k, false};
    const auto [it, fresh] = by_voucher.emplace(voucher_key(event), items.size());
    if (!fresh) {
      const internal::ReplayItem& first = items[it->second];
      const std::string difference = first_difference(event, *first.event);
      if (difference.empty()) {
        ++report.skipped;
        continue;
      }
      return invalid_argument(fmt::format(
          "{}: {} voucher {} is already {} with other content: {}", internal::replay_place(item),
          ledger_event_name(event.type), event.voucher,
          first.in_ledger ? "in the ledger, from " +
                                internal::event_place(*first.source, *first.event, first.index)
                          : "at " + internal::replay_place(first),
          difference));
    }
    items.push_back(item);
    added.push_back(&event);
    const auto type = static_cast<size_t>(event.type);
    ++report.added_by_type[type];
    try {
      report.amount_by_type[type] += event.amount;
    } catch (const OverflowError& e) {
      // The report's sums span pools, so they may pass int64 where no pool's balance does.
      return out_of_range(fmt::format("{}: the {} amounts of the batch sum past int64 fen: {}",
                                      source, ledger_event_name(event.type), e.what()));
    }
  }
  report.added = static_cast<int64_t>(added.size());
  try {
    SUBSIDY_RETURN_IF_ERROR(internal::check_ledger_rules(items));
  } catch (const OverflowError& e) {
    return out_of_range(fmt::format("{}: {}", source, e.what()));
  }

  SqliteStatement import_row(db);
  SUBSIDY_RETURN_IF_ERROR(import_row.prepare(
      "INSERT INTO imports (source, imported_at, added, skipped) VALUES (?, ?, ?, ?)"));
  import_row.bind(1, source);
  const std::string now = utc_now();
  import_row.bind(2, now);
  import_row.bind(3, report.added);
  import_row.bind(4, report.skipped);
  SUBSIDY_RETURN_IF_ERROR(import_row.run());
  *import_id = db.last_insert_rowid();
  SqliteStatement insert(db);
  SUBSIDY_RETURN_IF_ERROR(
      insert.prepare("INSERT INTO events (date, event, pool, program, region, enterprise, amount, "
                     "voucher, allow_overdraft, import_id, line) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::string date;
  Date date_of_text;
  for (const LedgerEvent* event : added) {
    if (date.empty() || event->date != date_of_text) {  // runs of one date are common
      date = event->date.to_string();
      date_of_text = event->date;
    }
    insert.bind(1, date);
    insert.bind(2, ledger_event_name(event->type));
    insert.bind(3, event->pool);
    insert.bind(4, event->program);
    insert.bind(5, event->region);
    insert.bind(6, event->enterprise);
    insert.bind(7, event->amount.fen());
    insert.bind(8, event->voucher);
    insert.bind(9, int64_t{allow_overdraft ? 1 : 0});
    insert.bind(10, *import_id);
    insert.bind(11, event->line);
    SUBSIDY_RETURN_IF_ERROR(insert.run());
  }
  return report;
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

Result<Ledger> Ledger::open(const std::string& path, const LedgerOptions& options) {
  auto impl = std::make_unique<Impl>();
  SUBSIDY_RETURN_IF_ERROR(impl->db.open(path, true, options.busy_timeout_ms));
  SUBSIDY_RETURN_IF_ERROR(impl->migrate(options));
  return Ledger(std::move(impl));
}

Result<Ledger> Ledger::open_existing(const std::string& path, const LedgerOptions& options) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    return not_found(fmt::format("ledger {} does not exist (an import creates it)", path));
  }
  return open(path, options);
}

int Ledger::schema_version() const { return impl_->version; }
const std::string& Ledger::path() const { return impl_->db.path(); }

Result<ImportReport> Ledger::import(const LedgerBatch& batch, const ImportOptions& options) {
  SqliteTransaction transaction(impl_->db);
  SUBSIDY_RETURN_IF_ERROR(transaction.begin());
  std::vector<const LedgerEvent*> events;
  events.reserve(batch.events.size());
  for (const LedgerEvent& event : batch.events) events.push_back(&event);
  int64_t import_id = 0;
  SUBSIDY_ASSIGN_OR_RETURN(ImportReport report,
                           impl_->add(batch.source, events, options.allow_overdraft, &import_id));
  SUBSIDY_RETURN_IF_ERROR(transaction.commit());
  return report;
}

Result<BookReport> Ledger::book_run(const RunBooking& run, const BookOptions& options) {
  SqliteDatabase& db = impl_->db;
  SqliteTransaction transaction(db);
  SUBSIDY_RETURN_IF_ERROR(transaction.begin());
  BookReport report;
  {
    SqliteStatement booked(db);
    SUBSIDY_RETURN_IF_ERROR(booked.prepare(
        "SELECT imports.imported_at FROM runs JOIN imports ON imports.id = runs.import_id "
        "WHERE runs.run_id = ?"));
    booked.bind(1, run.run_id);
    Status status;
    if (booked.step(&status)) {
      report.already_booked = true;
      report.booked_at = std::string(booked.text(0));
      return report;
    }
    SUBSIDY_RETURN_IF_ERROR(status);
  }
  // Pools the run arranges money from, in the order they first appear, and those with any
  // receipt in the ledger so far.
  std::vector<std::string> pools;
  for (const LedgerEvent& event : run.arranged) {
    if (std::find(pools.begin(), pools.end(), event.pool) == pools.end()) {
      pools.push_back(event.pool);
    }
  }
  std::unordered_set<std::string> with_receipts;
  {
    SqliteStatement pools_received(db);
    SUBSIDY_RETURN_IF_ERROR(
        pools_received.prepare("SELECT DISTINCT pool FROM events WHERE event = 'received'"));
    Status status;
    while (pools_received.step(&status)) with_receipts.emplace(pools_received.text(0));
    SUBSIDY_RETURN_IF_ERROR(status);
  }
  std::vector<LedgerEvent> received_events;
  for (const std::string& pool : pools) {
    if (with_receipts.count(pool) > 0) continue;
    if (!options.book_received) {
      return invalid_argument(fmt::format(
          "run {}: pool {} has nothing received in {}; import its receipts first, or book the "
          "plan's received amounts with --book-received",
          run.run_id, pool, db.path()));
    }
    const auto plan_received = std::find_if(run.received.begin(), run.received.end(),
                                            [&](const auto& entry) { return entry.first == pool; });
    if (plan_received == run.received.end() || plan_received->second <= Money::zero()) {
      return invalid_argument(
          fmt::format("run {}: pool {} has nothing received in {} nor in the run's pools.csv",
                      run.run_id, pool, db.path()));
    }
    LedgerEvent event;
    event.date = run.as_of;
    event.type = LedgerEventType::kReceived;
    event.pool = pool;
    event.amount = plan_received->second;
    event.voucher = fmt::format("run:{}:received:{}", run.run_id, pool);
    received_events.push_back(std::move(event));
    report.received_pools.push_back(pool);
  }
  std::vector<const LedgerEvent*> events;
  events.reserve(received_events.size() + run.arranged.size());
  for (const LedgerEvent& event : received_events) events.push_back(&event);
  for (const LedgerEvent& event : run.arranged) events.push_back(&event);
  int64_t import_id = 0;
  const std::string source =
      run.source.empty() ? fmt::format("run {} ({})", run.run_id, run.plan) : run.source;
  SUBSIDY_ASSIGN_OR_RETURN(report.events,
                           impl_->add(source, events, options.allow_overdraft, &import_id));
  SqliteStatement insert(db);
  SUBSIDY_RETURN_IF_ERROR(
      insert.prepare("INSERT INTO runs (run_id, plan, as_of, import_id) VALUES (?, ?, ?, ?)"));
  insert.bind(1, run.run_id);
  insert.bind(2, run.plan);
  const std::string as_of = run.as_of.to_string();
  insert.bind(3, as_of);
  insert.bind(4, import_id);
  SUBSIDY_RETURN_IF_ERROR(insert.run());
  SUBSIDY_RETURN_IF_ERROR(transaction.commit());
  report.booked_at = utc_now();
  return report;
}

std::string_view ledger_key_name(LedgerKey key) {
  switch (key) {
    case LedgerKey::kPool:
      return "pool";
    case LedgerKey::kRegion:
      return "region";
    case LedgerKey::kProgram:
      return "program";
  }
  return "pool";
}

Result<LedgerKey> parse_ledger_key(std::string_view text) {
  for (const LedgerKey key : {LedgerKey::kPool, LedgerKey::kRegion, LedgerKey::kProgram}) {
    if (text == ledger_key_name(key)) return key;
  }
  return invalid_argument(
      fmt::format("unknown grouping \"{}\"; expected pool, region or program", text));
}

Result<std::vector<LedgerTotals>> Ledger::totals(Date from, Date to, LedgerKey by) const {
  // Summed here rather than by SQL's GROUP BY, which would sort every event by the key: one pass
  // over the events, a hash of the (few) keys. The column name comes from the enum, never from
  // the caller's text.
  const std::string sql = fmt::format(
      "SELECT {}, event, date >= ?1, amount FROM events WHERE date <= ?2", ledger_key_name(by));
  SqliteStatement statement(impl_->db);
  SUBSIDY_RETURN_IF_ERROR(statement.prepare(sql.c_str()));
  const std::string from_text = from.to_string();
  const std::string to_text = to.to_string();
  statement.bind(1, from_text);
  statement.bind(2, to_text);
  std::unordered_map<std::string, std::array<int64_t, kLedgerEventTypes>> sums;
  std::string last_key;
  std::array<int64_t, kLedgerEventTypes>* last = nullptr;
  Status status;
  while (statement.step(&status)) {
    const std::string_view key = statement.text(0);
    if (last == nullptr || key != last_key) {
      last_key = std::string(key);
      last = &sums.try_emplace(last_key).first->second;
    }
    if (statement.integer(2) == 0) continue;  // before the fiscal year: the key only
    const std::string_view event = statement.text(1);
    Result<LedgerEventType> type = parse_ledger_event(event);
    if (!type.ok()) return invalid_argument(fmt::format("{}: a stored event is damaged", path()));
    int64_t& sum = (*last)[static_cast<size_t>(*type)];
    if (__builtin_add_overflow(sum, statement.integer(3), &sum)) {
      return out_of_range(fmt::format("{}: the sums of {} {} pass the range of int64 fen", path(),
                                      ledger_key_name(by), key));
    }
  }
  SUBSIDY_RETURN_IF_ERROR(status);
  std::vector<LedgerTotals> totals;
  totals.reserve(sums.size());
  for (const auto& [key, amounts] : sums) {
    LedgerTotals row;
    row.key = key;
    row.received = Money::from_fen(amounts[0]);
    row.arranged = Money::from_fen(amounts[1]);
    row.returned = Money::from_fen(amounts[3]);
    row.disbursed = Money::from_fen(amounts[2]) - row.returned;
    totals.push_back(std::move(row));
  }
  // By key, events that name none ("") last.
  std::sort(totals.begin(), totals.end(), [](const LedgerTotals& a, const LedgerTotals& b) {
    if (a.key.empty() != b.key.empty()) return b.key.empty();
    return a.key < b.key;
  });
  return totals;
}

Result<std::vector<LedgerEvent>> Ledger::events() const {
  StoredEvents stored;
  // One read snapshot: the count load() reserves for and the rows it reads agree.
  SUBSIDY_RETURN_IF_ERROR(impl_->db.execute("BEGIN"));
  const Status loaded = impl_->load(&stored);
  SUBSIDY_RETURN_IF_ERROR(impl_->db.execute(loaded.ok() ? "COMMIT" : "ROLLBACK"));
  SUBSIDY_RETURN_IF_ERROR(loaded);
  internal::sort_for_replay(stored.items);
  std::vector<LedgerEvent> sorted;
  sorted.reserve(stored.items.size());
  for (const internal::ReplayItem& item : stored.items) sorted.push_back(*item.event);
  return sorted;
}

}  // namespace subsidy
