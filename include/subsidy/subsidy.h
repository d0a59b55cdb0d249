/* The C API of subsidy (SPEC §10): rosters, plans, allocation runs, the execution ledger and its
 * ratios, through opaque handles. Pure C (C99 and later); the library behind it is C++, so link a
 * C program with the C++ runtime (e.g. link with g++/clang++, or in CMake set the executable's
 * LINKER_LANGUAGE to CXX). docs/c-api.md has the reference and an example.
 *
 *   subsidy_plan* plan = NULL;
 *   subsidy_roster* roster = NULL;
 *   subsidy_run* run = NULL;
 *   if (subsidy_plan_load(&plan, "examples/xuyi-2023-plan.yaml") != SUBSIDY_OK ||
 *       subsidy_roster_load_csv(&roster, "examples/roster-small.csv") != SUBSIDY_OK ||
 *       subsidy_allocate(&run, plan, roster, 0) != SUBSIDY_OK) {
 *     fprintf(stderr, "%s\n", subsidy_last_error());
 *   }
 *   ... subsidy_run_pool(&pool, run, 0) ... pool.granted_fen ...
 *   subsidy_run_free(run);  subsidy_roster_free(roster);  subsidy_plan_free(plan);
 *
 * Naming: functions and types start with `subsidy_`, enum values and macros with `SUBSIDY_`.
 *
 * Errors. Every function that can fail returns a subsidy_status; SUBSIDY_OK (0) is success.
 * Output parameters come first; they are written only on success, except that an output handle or
 * string (`T** out`) is set to NULL on failure, so it is always safe to free. Every function that
 * returns a subsidy_status sets this thread's last error: "" on success, otherwise a message that
 * names the file, line, path, argument or id at fault (the C++ library's message as it is, e.g.
 * "plan.yaml:3: pools[0]: unknown key ..."). subsidy_last_error() reads it; functions that return
 * anything else (counts, names, the free functions) leave it as it was. A NULL pointer where one
 * is required gives SUBSIDY_ERROR_INVALID_ARGUMENT with a message naming the function and the
 * argument ("subsidy_allocate: plan is NULL"). No C++ exception crosses this boundary: money
 * overflow is SUBSIDY_ERROR_OVERFLOW, exhausted memory SUBSIDY_ERROR_OUT_OF_MEMORY, anything
 * unexpected SUBSIDY_ERROR_INTERNAL, each with its message.
 *
 * Ownership. Every comment below says who owns what a function gives out:
 *   - a handle made by a function (`subsidy_roster**`, ...) belongs to the caller, who frees it
 *     once with its own free function (each accepts NULL);
 *   - a `char**` string belongs to the caller, who frees it with subsidy_string_free();
 *   - a `const char*` inside a struct filled by an accessor (subsidy_award_line, ...) or returned
 *     by one belongs to the handle it was read from and stays valid, unchanged, until that handle
 *     is freed; never free it;
 *   - a run keeps its plan and roster alive: the plan and roster handles may be freed as soon as
 *     subsidy_allocate() returns, and the run still reads, explains and writes.
 *   - the library never keeps a pointer the caller passed in (paths, texts, buffers): it copies
 *     what it needs before it returns.
 *
 * Thread safety. Rosters, plans, runs and execution reports are immutable once made: one handle
 * may be read from several threads at once (subsidy_allocate() over one plan and roster in several
 * threads included), and freed once no thread uses it any more. A ledger changes: use a ledger
 * handle from one thread at a time (two handles on one file, in threads or processes, are fine:
 * SQLite locks the file). The last error is thread-local: each thread sees the message of its own
 * last failed call.
 *
 * Money is int64_t fen (1 yuan = 100 fen) everywhere, exact; texts (CSV, JSON, explanations) show
 * yuan with two decimals, like the command line.
 */
#ifndef SUBSIDY_SUBSIDY_H_
#define SUBSIDY_SUBSIDY_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status, errors, version, strings */

typedef enum subsidy_status {
  SUBSIDY_OK = 0,
  SUBSIDY_ERROR_INVALID_ARGUMENT, /* bad input: a file's content, a rule, a value, a NULL pointer */
  SUBSIDY_ERROR_NOT_FOUND,        /* a missing file, enterprise or name */
  SUBSIDY_ERROR_OUT_OF_RANGE,     /* a value outside what a field accepts; an index past the end */
  SUBSIDY_ERROR_IO,               /* a failure of the operating system */
  SUBSIDY_ERROR_OVERFLOW,         /* money arithmetic left the range of int64 fen */
  SUBSIDY_ERROR_OUT_OF_MEMORY,
  SUBSIDY_ERROR_INTERNAL /* a bug: please report it with the message */
} subsidy_status;

/* This thread's message of its last call that returned a subsidy_status: "" after success. Owned
 * by the library; valid until this thread's next call that returns a subsidy_status. Never NULL. */
const char* subsidy_last_error(void);

/* "ok", "invalid argument", "not found", "out of range", "i/o error", "overflow",
 * "out of memory", "internal error"; "unknown" for a value outside the enum. A static string. */
const char* subsidy_status_name(subsidy_status status);

/* The engine's version, "0.1.0". A static string. */
const char* subsidy_version(void);

/* Frees a string the library gave out through a `char**` (NULL is fine). */
void subsidy_string_free(char* text);

/* ---------------------------------------------------------------------------------------------
 * Rosters (SPEC §4): a CSV with a header row, UTF-8 (with or without a BOM), the standard columns
 * known by name or Chinese header, any others inferred. */

typedef struct subsidy_roster subsidy_roster;

/* Loads the roster CSV at `path` (large files on every core). A missing file is
 * SUBSIDY_ERROR_NOT_FOUND; a bad row fails the load, the message naming file, line and column.
 * On success *out is a new handle the caller frees with subsidy_roster_free(). */
subsidy_status subsidy_roster_load_csv(subsidy_roster** out, const char* path);

/* The same from `size` bytes at `data` (copied: the handle keeps them, for the run id of
 * subsidy_run_write()). `file_name` names the roster in messages and run.json; NULL for
 * "<memory>". On success *out is a new handle the caller frees with subsidy_roster_free(). */
subsidy_status subsidy_roster_parse_csv(subsidy_roster** out, const char* data, size_t size,
                                        const char* file_name);

/* The number of enterprises (rows); 0 for NULL. */
int64_t subsidy_roster_rows(const subsidy_roster* roster);

/* Frees a roster handle (NULL is fine). Runs made from it keep what they need. */
void subsidy_roster_free(subsidy_roster* roster);

/* ---------------------------------------------------------------------------------------------
 * Plans (SPEC §11): pools, programs, awards, scarcity, stacking; YAML or JSON, checked whole. */

typedef struct subsidy_plan subsidy_plan;

/* Reads the plan file at `path`. A missing file is SUBSIDY_ERROR_NOT_FOUND; a bad plan is
 * SUBSIDY_ERROR_INVALID_ARGUMENT (or OUT_OF_RANGE) with "<file>:<line>: <path>: <reason>". On
 * success *out is a new handle the caller frees with subsidy_plan_free(). */
subsidy_status subsidy_plan_load(subsidy_plan** out, const char* path);

/* The same from `size` bytes of text (copied); `file_name` prefixes every message and is the
 * plan_file of run.json; NULL for "plan". On success *out is a new handle the caller frees with
 * subsidy_plan_free(). */
subsidy_status subsidy_plan_parse(subsidy_plan** out, const char* text, size_t size,
                                  const char* file_name);

/* The plan's `name`; "" for NULL. Owned by the plan handle. */
const char* subsidy_plan_name(const subsidy_plan* plan);

/* Frees a plan handle (NULL is fine). Runs made from it keep what they need. */
void subsidy_plan_free(subsidy_plan* plan);

/* ---------------------------------------------------------------------------------------------
 * Allocation runs: every stage (eligibility, awards, stacking, budgets, scarcity) of a plan over a
 * roster. The result is the same for any thread count. */

typedef struct subsidy_run subsidy_run;

/* Compiles the plan's rules against the roster and allocates, on `threads` threads (0: every
 * core; negative is an error). A rule that does not fit the roster is
 * SUBSIDY_ERROR_INVALID_ARGUMENT naming the plan's file, line and path. On success *out is a new
 * handle the caller frees with subsidy_run_free(); it holds the plan and roster itself, so their
 * handles may be freed right away. */
subsidy_status subsidy_allocate(subsidy_run** out, const subsidy_plan* plan,
                                const subsidy_roster* roster, int threads);

/* One row of awards.csv. Every pointer is owned by the run and valid until subsidy_run_free(). */
typedef struct subsidy_award_line {
  const char* enterprise; /* the enterprise id */
  const char* name;       /* "" when the roster has no name column */
  const char* region;     /* "" when the roster has none */
  const char* program;    /* the program id */
  const char* pool;       /* the budget that settled it: "pool", "pool/region" or "pool:program" */
  const char* status;     /* "granted", "scaled", "unfunded", "stacked_out", "dropped_below_min" */
  const char* reason;     /* how the award was computed and what stacking and scarcity did */
  int64_t requested_fen;  /* a stacked-out or dropped line shows its own award */
  int64_t granted_fen;
} subsidy_award_line;

/* The number of award lines: the rows of awards.csv (every line with a request above 0, plus the
 * lines stacked out or dropped below min_award). The lines, reasons included, are built on first
 * use (once per run, whichever thread asks first), which may fail for want of memory: hence a
 * status. */
subsidy_status subsidy_run_line_count(size_t* out, const subsidy_run* run);

/* Line `index` (0-based) in awards.csv's order: programs in plan order, then enterprise id (byte
 * order). An index past the end is SUBSIDY_ERROR_OUT_OF_RANGE. */
subsidy_status subsidy_run_line(subsidy_award_line* out, const subsidy_run* run, size_t index);

typedef enum subsidy_pool_kind {
  SUBSIDY_POOL_KIND_POOL = 0, /* a pool of the plan */
  SUBSIDY_POOL_KIND_REGION,   /* `<pool>/<region>`: a region of a split pool (因素法) */
  SUBSIDY_POOL_KIND_PROGRAM   /* `<pool>:<program>`: a program's own budget */
} subsidy_pool_kind;

/* One row of pools.csv. Every pointer is owned by the run and valid until subsidy_run_free(). */
typedef struct subsidy_pool_summary {
  const char* id;
  subsidy_pool_kind kind;
  int has_received; /* 1 for a pool of the plan; 0 for regions and programs' own budgets */
  int64_t received_fen;
  int has_reserve; /* likewise */
  int64_t reserve_fen;
  int64_t budget_fen;
  /* Σ requested of the lines it settles (stacked-out and dropped lines excluded) */
  int64_t requested_fen;
  int64_t granted_fen;
  int64_t remaining_fen; /* budget − granted */
  int64_t funded;        /* lines with granted > 0 */
  const char* method;    /* "pro_rata", "priority", "equal_cap", "lottery" */
  /* granted / requested and requested / budget, six decimals as in pools.csv; "" when the
   * denominator is 0 */
  const char* scaling;
  const char* oversubscription;
} subsidy_pool_summary;

/* The number of rows of pools.csv: a row per pool, then its regions, then its programs with
 * their own budgets. Cannot fail; 0 for NULL. */
size_t subsidy_run_pool_count(const subsidy_run* run);

/* Pool row `index` (0-based) in pools.csv's order. An index past the end is
 * SUBSIDY_ERROR_OUT_OF_RANGE. */
subsidy_status subsidy_run_pool(subsidy_pool_summary* out, const subsidy_run* run, size_t index);

/* The run's warnings for people (rows whose dates lie after the as-of date, ...): their number
 * (0 for NULL), and warning `index`, owned by the run (NULL past the end). Cannot fail. */
size_t subsidy_run_warning_count(const subsidy_run* run);
const char* subsidy_run_warning(const subsidy_run* run, size_t index);

/* The whole path of one enterprise through every program, as `subsidy explain` prints it. An id
 * not in the roster is SUBSIDY_ERROR_NOT_FOUND naming the id. On success *out is a new string the
 * caller frees with subsidy_string_free(). */
subsidy_status subsidy_run_explain(char** out, const subsidy_run* run, const char* enterprise_id);

/* awards.csv and pools.csv as text, exactly as `subsidy allocate` writes them. On success *out is
 * a new string the caller frees with subsidy_string_free(). */
subsidy_status subsidy_run_awards_csv(char** out, const subsidy_run* run);
subsidy_status subsidy_run_pools_csv(char** out, const subsidy_run* run);

/* Flags of subsidy_run_write(), or-ed. */
#define SUBSIDY_WRITE_JSON 1u /* also result.json, amounts as strings */
#define SUBSIDY_WRITE_BOM 2u  /* a UTF-8 BOM before each CSV, for Excel */

/* Writes awards.csv, pools.csv and run.json (and result.json with SUBSIDY_WRITE_JSON) into
 * `directory` (created if missing), all of them or none, as `subsidy allocate --out` does. The run
 * id in run.json is the command line's: a hash of the plan's bytes, the roster's bytes (a file
 * loaded from a path is read again now, from that path made absolute when it was loaded; bytes
 * parsed from memory were kept), the encoding "utf-8" and the engine version; plan_file and
 * roster_file are the paths or file names the handles were made with. A file that cannot be read
 * or written is SUBSIDY_ERROR_IO. */
subsidy_status subsidy_run_write(const subsidy_run* run, const char* directory, unsigned flags);

/* Frees a run handle (NULL is fine). */
void subsidy_run_free(subsidy_run* run);

/* ---------------------------------------------------------------------------------------------
 * The execution ledger (docs/ledger.md): received, arranged, disbursed and returned events in an
 * SQLite file, and the execution ratios over it. */

typedef struct subsidy_ledger subsidy_ledger;

/* Indexes of subsidy_import_report's arrays. */
typedef enum subsidy_event_type {
  SUBSIDY_EVENT_RECEIVED = 0,
  SUBSIDY_EVENT_ARRANGED,
  SUBSIDY_EVENT_DISBURSED,
  SUBSIDY_EVENT_RETURNED
} subsidy_event_type;
#define SUBSIDY_EVENT_TYPES 4

/* What an import or a booking added. */
typedef struct subsidy_import_report {
  int64_t added;
  int64_t skipped; /* already in the ledger, or repeated in the batch, with equal content */
  int64_t added_by_type[SUBSIDY_EVENT_TYPES];      /* by subsidy_event_type */
  int64_t amount_fen_by_type[SUBSIDY_EVENT_TYPES]; /* Σ amount added, by subsidy_event_type */
} subsidy_import_report;

typedef struct subsidy_book_report {
  int already_booked;    /* 1: the run id was booked before, nothing changed */
  char booked_at[32];    /* when it was first booked: UTC, ISO 8601, NUL-terminated */
  size_t received_pools; /* pools whose received amount was booked now (book_received) */
  subsidy_import_report events;
} subsidy_book_report;

/* Opens the ledger file at `path`, creating it when missing and migrating an older schema. A
 * file that is not a subsidy ledger is an error. On success *out is a new handle the caller frees
 * with subsidy_ledger_free(). */
subsidy_status subsidy_ledger_open(subsidy_ledger** out, const char* path);

/* Imports a ledger CSV (`date,event,pool,program,region,enterprise,amount,voucher`, UTF-8) in one
 * transaction, all or nothing, after checking the rules over every event; `allow_overdraft`
 * (non-zero) lets its arrangements pass what their pool has received. *out says what was added. */
subsidy_status subsidy_ledger_import_csv(subsidy_import_report* out, subsidy_ledger* ledger,
                                         const char* csv_path, int allow_overdraft);

/* Books the arranged amounts of a run directory (what subsidy_run_write() or `subsidy allocate`
 * wrote) once per run id, in one transaction; `book_received` (non-zero) first books the plan's
 * received amounts for pools with nothing received yet. *out says what was booked. */
subsidy_status subsidy_ledger_book_run(subsidy_book_report* out, subsidy_ledger* ledger,
                                       const char* run_directory, int book_received,
                                       int allow_overdraft);

/* Frees a ledger handle, closing the file (NULL is fine). Execution reports made from it stay. */
void subsidy_ledger_free(subsidy_ledger* ledger);

/* Execution ratios as of a date (SPEC §8). */
typedef struct subsidy_execution subsidy_execution;

/* One row of an execution report (the sums of one key), or its total. Every pointer is owned by the
 * report and valid until subsidy_execution_free(). Ratios are exact, rounded once to 2 decimals of
 * a percent, half-up: "88.89%"; "n/a" when the denominator is 0. */
typedef struct subsidy_execution_totals {
  const char* key; /* the pool, region or program; "" for events naming none; "total" */
  int64_t received_fen;
  int64_t arranged_fen;
  int64_t disbursed_fen; /* net of returned */
  int64_t returned_fen;
  const char* arrangement_ratio;     /* arranged / received (安排比例) */
  const char* expenditure_ratio;     /* disbursed / received (支出比例) */
  const char* disbursed_of_arranged; /* disbursed / arranged */
  const char* schedule_lag; /* expenditure ratio − schedule progress, points: "-16.18"; "n/a" */
} subsidy_execution_totals;

/* The report as of `as_of` ("YYYY-MM-DD") over the events of its fiscal (calendar) year up to
 * that day, by `by`: "pool", "region" or "program" (NULL: "pool"). On success *out is a new
 * handle the caller frees with subsidy_execution_free(); it does not need the ledger any more. */
subsidy_status subsidy_ledger_execution(subsidy_execution** out, const subsidy_ledger* ledger,
                                        const char* as_of, const char* by);

/* The number of rows: one per key with any event on or before as_of, ordered by key, "" last.
 * Cannot fail; 0 for NULL. */
size_t subsidy_execution_row_count(const subsidy_execution* report);

/* Row `index` (0-based); past the end is SUBSIDY_ERROR_OUT_OF_RANGE. */
subsidy_status subsidy_execution_row(subsidy_execution_totals* out, const subsidy_execution* report,
                                     size_t index);

/* The total over every row (key "total"). */
subsidy_status subsidy_execution_total(subsidy_execution_totals* out,
                                       const subsidy_execution* report);

/* The schedule progress (序时进度) of the as-of date: "100.00%" on Dec 31. Owned by the report;
 * "" for NULL. Cannot fail. */
const char* subsidy_execution_schedule_progress(const subsidy_execution* report);

/* The report as `subsidy execution --csv` (no total row) and `--json` (with the total) print it.
 * On success *out is a new string the caller frees with subsidy_string_free(). */
subsidy_status subsidy_execution_csv(char** out, const subsidy_execution* report);
subsidy_status subsidy_execution_json(char** out, const subsidy_execution* report);

/* Frees an execution report (NULL is fine). */
void subsidy_execution_free(subsidy_execution* report);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SUBSIDY_SUBSIDY_H_ */
