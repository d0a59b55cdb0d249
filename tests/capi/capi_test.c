/* The C API's test, in C11: loads the example rosters and plans, allocates, reads every award line
 * and pool summary and compares them with the golden files (amounts in fen, converted from the
 * golden yuan by digits), explains, writes a run, keeps a ledger and reads its execution ratios,
 * and checks errors, NULL arguments and the thread-local last error.
 *
 *   subsidy_capi_test SOURCE_DIR    (the repository: examples/ and tests/golden/ are read there)
 *
 * Prints each group of checks and every failure (file:line, expected and actual), then
 * "N passed, N failed"; exits 1 when anything failed. */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "subsidy/subsidy.h"

/* ---------------------------------------------------------------------------------------------
 * Checks */

static int g_passed;
static int g_failed;

static void record(int ok) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
  }
}

static void check_true(int ok, const char* what, const char* file, int line) {
  record(ok);
  if (!ok) printf("%s:%d: FAILED: %s\n", file, line, what);
}

static void check_int(int64_t expected, int64_t actual, const char* what, const char* file,
                      int line) {
  record(expected == actual);
  if (expected != actual) {
    printf("%s:%d: FAILED: %s\n  expected %" PRId64 "\n  actual   %" PRId64 "\n", file, line, what,
           expected, actual);
  }
}

static void check_str(const char* expected, const char* actual, const char* what, const char* file,
                      int line) {
  const int ok = expected != NULL && actual != NULL && strcmp(expected, actual) == 0;
  record(ok);
  if (!ok) {
    printf("%s:%d: FAILED: %s\n  expected \"%s\"\n  actual   \"%s\"\n", file, line, what,
           expected != NULL ? expected : "(NULL)", actual != NULL ? actual : "(NULL)");
  }
}

static void check_contains(const char* text, const char* part, const char* what, const char* file,
                           int line) {
  const int ok = text != NULL && strstr(text, part) != NULL;
  record(ok);
  if (!ok) {
    printf("%s:%d: FAILED: %s\n  expected to contain \"%s\"\n  actual   \"%s\"\n", file, line, what,
           part, text != NULL ? text : "(NULL)");
  }
}

static void check_status(subsidy_status expected, subsidy_status actual, const char* what,
                         const char* file, int line) {
  record(expected == actual);
  if (expected != actual) {
    printf("%s:%d: FAILED: %s\n  expected %s\n  actual   %s: %s\n", file, line, what,
           subsidy_status_name(expected), subsidy_status_name(actual), subsidy_last_error());
  }
}

#define CHECK(condition) check_true((condition) ? 1 : 0, #condition, __FILE__, __LINE__)
#define CHECK_INT(expected, actual) \
  check_int((int64_t)(expected), (int64_t)(actual), #actual, __FILE__, __LINE__)
#define CHECK_STR(expected, actual) check_str((expected), (actual), #actual, __FILE__, __LINE__)
#define CHECK_CONTAINS(text, part) check_contains((text), (part), #text, __FILE__, __LINE__)
#define CHECK_STATUS(expected, call) check_status((expected), (call), #call, __FILE__, __LINE__)
#define CHECK_OK(call) CHECK_STATUS(SUBSIDY_OK, call)

/* Starts a group of checks: prints what it checks. */
static void group(const char* what) { printf("-- %s\n", what); }

/* ---------------------------------------------------------------------------------------------
 * Files, paths, CSV */

static const char* g_source_dir;

/* "<source dir>/<relative>", written into `buffer`. */
static const char* source_path(char* buffer, size_t size, const char* relative) {
  snprintf(buffer, size, "%s/%s", g_source_dir, relative);
  return buffer;
}

/* The whole file, NUL-terminated, malloc'd; NULL when it cannot be read. */
static char* read_file(const char* path) {
  FILE* file = fopen(path, "rb");
  if (file == NULL) return NULL;
  size_t size = 0;
  size_t capacity = 4096;
  char* text = malloc(capacity);
  size_t got;
  while (text != NULL && (got = fread(text + size, 1, capacity - size - 1, file)) > 0) {
    size += got;
    if (capacity - size - 1 == 0) {
      capacity *= 2;
      char* bigger = realloc(text, capacity);
      if (bigger == NULL) free(text);
      text = bigger;
    }
  }
  fclose(file);
  if (text != NULL) text[size] = '\0';
  return text;
}

/* A CSV file as cells (RFC 4180: quotes, doubled quotes, LF or CRLF); row 0 is the header. */
typedef struct csv_table {
  size_t rows; /* data rows, the header excluded */
  size_t columns;
  size_t count; /* cells read: (rows + 1) × columns when every row is whole */
  char** cells;
} csv_table;

static void csv_free(csv_table* table) {
  for (size_t k = 0; k < table->count; ++k) free(table->cells[k]);
  free(table->cells);
  memset(table, 0, sizeof *table);
}

/* Parses `text`; 0 when a row's width differs from the header's. */
static int csv_parse(const char* text, csv_table* table) {
  size_t capacity = 64;
  size_t in_row = 0;
  memset(table, 0, sizeof *table);
  table->cells = malloc(capacity * sizeof *table->cells);
  const char* at = text;
  while (*at != '\0') {
    char* cell = malloc(strlen(at) + 1);
    size_t length = 0;
    if (*at == '"') {
      for (++at; *at != '\0'; ++at) {
        if (*at == '"' && at[1] == '"') {
          cell[length++] = *at++;
        } else if (*at == '"') {
          ++at;
          break;
        } else {
          cell[length++] = *at;
        }
      }
    } else {
      while (*at != '\0' && *at != ',' && *at != '\n' && *at != '\r') cell[length++] = *at++;
    }
    cell[length] = '\0';
    if (table->count == capacity) {
      capacity *= 2;
      table->cells = realloc(table->cells, capacity * sizeof *table->cells);
    }
    table->cells[table->count++] = cell;
    ++in_row;
    if (*at == ',') {
      ++at;
      continue;
    }
    if (*at == '\r') ++at;
    if (*at == '\n') ++at;
    /* The end of a row. */
    if (table->columns == 0) {
      table->columns = in_row;
    } else if (in_row != table->columns) {
      return 0;
    } else {
      ++table->rows;
    }
    in_row = 0;
  }
  return in_row == 0;
}

static const char* csv_cell(const csv_table* table, size_t row, const char* column) {
  for (size_t c = 0; c < table->columns; ++c) {
    if (strcmp(table->cells[c], column) == 0) return table->cells[(row + 1) * table->columns + c];
  }
  return NULL;
}

/* Yuan with exactly two decimals ("12422.00") as fen, digit by digit; -1 when it is not that. */
static int64_t yuan_to_fen(const char* text) {
  int64_t fen = 0;
  int decimals = -1;
  if (text == NULL || *text == '\0') return -1;
  for (const char* at = text; *at != '\0'; ++at) {
    if (*at == '.' && decimals < 0) {
      decimals = 0;
    } else if (*at >= '0' && *at <= '9') {
      fen = fen * 10 + (*at - '0');
      if (decimals >= 0) ++decimals;
    } else {
      return -1;
    }
  }
  return decimals == 2 ? fen : -1;
}

/* mkdtemp under TMPDIR or /tmp; removed with remove_tree(). */
static char* make_temporary_directory(void) {
  const char* base = getenv("TMPDIR");
  char* path = malloc(4096);
  snprintf(path, 4096, "%s/subsidy-capi-XXXXXX", base != NULL && *base != '\0' ? base : "/tmp");
  if (mkdtemp(path) == NULL) {
    perror("mkdtemp");
    exit(1);
  }
  return path;
}

static int remove_entry(const char* path, const struct stat* info, int flag, struct FTW* ftw) {
  (void)info;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void remove_tree(char* path) {
  nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(path);
}

/* ---------------------------------------------------------------------------------------------
 * Runs against the golden files */

/* Loads a plan and the example roster from the source dir and allocates on `threads` threads. */
static subsidy_run* allocate_example(const char* plan_file, int threads) {
  char plan_path[4096];
  char roster_path[4096];
  subsidy_plan* plan = NULL;
  subsidy_roster* roster = NULL;
  subsidy_run* run = NULL;
  CHECK_OK(subsidy_plan_load(&plan, source_path(plan_path, sizeof plan_path, plan_file)));
  CHECK_OK(subsidy_roster_load_csv(
      &roster, source_path(roster_path, sizeof roster_path, "examples/roster-small.csv")));
  CHECK_INT(24, subsidy_roster_rows(roster));
  CHECK_OK(subsidy_allocate(&run, plan, roster, threads));
  /* The run keeps its plan and roster: free them before anything is read. */
  subsidy_plan_free(plan);
  subsidy_roster_free(roster);
  return run;
}

/* The text of golden file `<golden_dir>/<name>` (malloc'd), parsed into *table; NULL (checked)
 * when it cannot be read. */
static char* read_golden(const char* golden_dir, const char* name, csv_table* table) {
  char path[4096];
  char relative[512];
  snprintf(relative, sizeof relative, "%s/%s", golden_dir, name);
  char* text = read_file(source_path(path, sizeof path, relative));
  CHECK(text != NULL);
  if (text != NULL) CHECK(csv_parse(text, table));
  return text;
}

/* A run's CSV text (subsidy_run_awards_csv or _pools_csv) against the golden file's, byte for
 * byte. */
static void check_text(const char* golden, subsidy_status (*to_csv)(char**, const subsidy_run*),
                       const subsidy_run* run) {
  char* csv = NULL;
  CHECK_OK(to_csv(&csv, run));
  CHECK_STR(golden, csv);
  subsidy_string_free(csv);
}

/* Every award line against golden awards.csv: text fields as they are, amounts in fen. */
static void check_lines(const subsidy_run* run, const char* golden_dir) {
  csv_table golden;
  char* text = read_golden(golden_dir, "awards.csv", &golden);
  if (text == NULL) return;
  size_t count = 0;
  CHECK_OK(subsidy_run_line_count(&count, run));
  CHECK_INT(golden.rows, count);
  for (size_t row = 0; row < golden.rows && row < count; ++row) {
    subsidy_award_line line;
    CHECK_OK(subsidy_run_line(&line, run, row));
    CHECK_STR(csv_cell(&golden, row, "enterprise"), line.enterprise);
    CHECK_STR(csv_cell(&golden, row, "name"), line.name);
    CHECK_STR(csv_cell(&golden, row, "region"), line.region);
    CHECK_STR(csv_cell(&golden, row, "program"), line.program);
    CHECK_STR(csv_cell(&golden, row, "pool"), line.pool);
    CHECK_STR(csv_cell(&golden, row, "status"), line.status);
    CHECK_STR(csv_cell(&golden, row, "reason"), line.reason);
    CHECK_INT(yuan_to_fen(csv_cell(&golden, row, "requested")), line.requested_fen);
    CHECK_INT(yuan_to_fen(csv_cell(&golden, row, "granted")), line.granted_fen);
  }
  subsidy_award_line past;
  CHECK_STATUS(SUBSIDY_ERROR_OUT_OF_RANGE, subsidy_run_line(&past, run, count));
  CHECK_CONTAINS(subsidy_last_error(), "past the");

  check_text(text, subsidy_run_awards_csv, run);
  csv_free(&golden);
  free(text);
}

/* An optional amount of pools.csv ("" for none) against has_ and _fen. */
static void check_optional_fen(const char* golden, int has, int64_t fen, const char* what) {
  if (golden[0] == '\0') {
    check_int(0, has, what, __FILE__, __LINE__);
  } else {
    check_int(1, has, what, __FILE__, __LINE__);
    check_int(yuan_to_fen(golden), fen, what, __FILE__, __LINE__);
  }
}

/* Every pool summary against golden pools.csv. */
static void check_pools(const subsidy_run* run, const char* golden_dir) {
  csv_table golden;
  char* text = read_golden(golden_dir, "pools.csv", &golden);
  if (text == NULL) return;
  CHECK_INT(golden.rows, subsidy_run_pool_count(run));
  for (size_t row = 0; row < golden.rows && row < subsidy_run_pool_count(run); ++row) {
    subsidy_pool_summary pool;
    CHECK_OK(subsidy_run_pool(&pool, run, row));
    const char* id = csv_cell(&golden, row, "pool");
    CHECK_STR(id, pool.id);
    CHECK_INT(strchr(id, '/') != NULL   ? SUBSIDY_POOL_KIND_REGION
              : strchr(id, ':') != NULL ? SUBSIDY_POOL_KIND_PROGRAM
                                        : SUBSIDY_POOL_KIND_POOL,
              pool.kind);
    check_optional_fen(csv_cell(&golden, row, "received"), pool.has_received, pool.received_fen,
                       "received");
    check_optional_fen(csv_cell(&golden, row, "reserve"), pool.has_reserve, pool.reserve_fen,
                       "reserve");
    CHECK_INT(yuan_to_fen(csv_cell(&golden, row, "budget")), pool.budget_fen);
    CHECK_INT(yuan_to_fen(csv_cell(&golden, row, "requested")), pool.requested_fen);
    CHECK_INT(yuan_to_fen(csv_cell(&golden, row, "granted")), pool.granted_fen);
    CHECK_INT(yuan_to_fen(csv_cell(&golden, row, "remaining")), pool.remaining_fen);
    CHECK_INT(strtoll(csv_cell(&golden, row, "funded"), NULL, 10), pool.funded);
    CHECK_STR(csv_cell(&golden, row, "scaling"), pool.scaling);
    CHECK_STR(csv_cell(&golden, row, "oversubscription"), pool.oversubscription);
  }
  subsidy_pool_summary past;
  CHECK_STATUS(SUBSIDY_ERROR_OUT_OF_RANGE,
               subsidy_run_pool(&past, run, subsidy_run_pool_count(run)));
  check_text(text, subsidy_run_pools_csv, run);
  csv_free(&golden);
  free(text);
}

static void test_golden(const char* plan_file, const char* golden_dir) {
  for (int threads = 1; threads <= 2; ++threads) {
    printf(
        "-- %s on %d thread%s: award lines and pools against %s, awards.csv and pools.csv "
        "byte for byte\n",
        plan_file, threads, threads == 1 ? "" : "s", golden_dir);
    subsidy_run* run = allocate_example(plan_file, threads);
    CHECK(run != NULL);
    if (run == NULL) continue;
    check_lines(run, golden_dir);
    check_pools(run, golden_dir);
    subsidy_run_free(run);
  }
}

/* The headline numbers of Xuyi, spelled out (tests/golden/allocate/xuyi/README.md). */
static void test_xuyi_numbers(void) {
  group("xuyi: county-base-fund budget 76000000 fen, all granted; line 3 scaled to 1242200 fen");
  subsidy_run* run = allocate_example("examples/xuyi-2023-plan.yaml", 0);
  subsidy_pool_summary pool;
  CHECK_OK(subsidy_run_pool(&pool, run, 0));
  CHECK_STR("county-base-fund", pool.id);
  CHECK_INT(SUBSIDY_POOL_KIND_POOL, pool.kind);
  CHECK_INT(80000000, pool.received_fen);
  CHECK_INT(4000000, pool.reserve_fen);
  CHECK_INT(76000000, pool.budget_fen);
  CHECK_INT(128700000, pool.requested_fen);
  CHECK_INT(76000000, pool.granted_fen);
  CHECK_INT(0, pool.remaining_fen);
  CHECK_INT(9, pool.funded);
  CHECK_STR("pro_rata", pool.method);
  CHECK_STR("0.590521", pool.scaling);
  CHECK_OK(subsidy_run_pool(&pool, run, 1));
  CHECK_STR("county-base-fund:startup-rent", pool.id);
  CHECK_INT(SUBSIDY_POOL_KIND_PROGRAM, pool.kind);
  CHECK_INT(0, pool.has_received);
  CHECK_STR("priority", pool.method);
  CHECK_INT(6000000, pool.granted_fen);
  subsidy_award_line line;
  CHECK_OK(subsidy_run_line(&line, run, 2));
  CHECK_STR("91320830MA1N000003", line.enterprise);
  CHECK_STR("tax-contribution", line.program);
  CHECK_STR("scaled", line.status);
  CHECK_INT(2000000, line.requested_fen);
  CHECK_INT(1242200, line.granted_fen);
  CHECK_INT(1, subsidy_run_warning_count(run));
  CHECK_CONTAINS(subsidy_run_warning(run, 0), "after the as-of date 2023-06-30");
  CHECK(subsidy_run_warning(run, 1) == NULL);

  group("explain: a known id's whole path; an unknown id is NOT_FOUND naming it");
  char* text = NULL;
  CHECK_OK(subsidy_run_explain(&text, run, "91320830MA1N000004"));
  CHECK_CONTAINS(text, "enterprise 91320830MA1N000004 (江苏龙虾电商有限公司), plan xuyi-2023-h1");
  CHECK_CONTAINS(text, "stacked out by sales-contribution (group base-support, highest)");
  CHECK_CONTAINS(text, "→ scaled: requested 28000.00, granted 17391.00");
  subsidy_string_free(text);
  text = (char*)"not reset";
  CHECK_STATUS(SUBSIDY_ERROR_NOT_FOUND, subsidy_run_explain(&text, run, "91320830MA1N999999"));
  CHECK_STR("no enterprise \"91320830MA1N999999\" in the roster", subsidy_last_error());
  CHECK(text == NULL);
  subsidy_run_free(run);
}

/* ---------------------------------------------------------------------------------------------
 * Errors */

static void test_errors(void) {
  char path[4096];
  group("errors: a missing roster or plan file, a plan with a bad key, bad arguments");
  subsidy_roster* roster = (subsidy_roster*)&g_passed; /* not NULL: must be reset */
  source_path(path, sizeof path, "examples/no-such-roster.csv");
  CHECK_STATUS(SUBSIDY_ERROR_NOT_FOUND, subsidy_roster_load_csv(&roster, path));
  CHECK_CONTAINS(subsidy_last_error(), path);
  CHECK_CONTAINS(subsidy_last_error(), "cannot open roster");
  CHECK(roster == NULL);

  subsidy_plan* plan = NULL;
  source_path(path, sizeof path, "examples/no-such-plan.yaml");
  CHECK_STATUS(SUBSIDY_ERROR_NOT_FOUND, subsidy_plan_load(&plan, path));
  CHECK_CONTAINS(subsidy_last_error(), path);
  CHECK(plan == NULL);

  /* The Xuyi plan with `received` misspelt: the plan reader's message, as it is. */
  char* text = read_file(source_path(path, sizeof path, "examples/xuyi-2023-plan.yaml"));
  CHECK(text != NULL);
  char* key = text != NULL ? strstr(text, "received:") : NULL;
  CHECK(key != NULL);
  if (key != NULL) {
    memcpy(key, "recieved:", 9);
    CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT,
                 subsidy_plan_parse(&plan, text, strlen(text), "bad-plan.yaml"));
    CHECK_STR(
        "bad-plan.yaml:12: pools[0]: unknown key \"recieved\"; "
        "did you mean \"received\"?",
        subsidy_last_error());
    CHECK(plan == NULL);
  }
  free(text);

  /* A roster in memory whose amount is finer than a fen. */
  const char bad_roster[] = "id,name,tax_paid\nA1,甲,12.345\n";
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT,
               subsidy_roster_parse_csv(&roster, bad_roster, sizeof bad_roster - 1, "bad.csv"));
  CHECK_CONTAINS(subsidy_last_error(), "bad.csv:2");
  CHECK(roster == NULL);

  /* NULL arguments, named. */
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_roster_load_csv(NULL, "x.csv"));
  CHECK_STR("subsidy_roster_load_csv: out is NULL", subsidy_last_error());
  /* An output handle holding junk is set to NULL even when another argument is the fault. */
  roster = (subsidy_roster*)0x1234;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_roster_load_csv(&roster, NULL));
  CHECK_STR("subsidy_roster_load_csv: path is NULL", subsidy_last_error());
  CHECK(roster == NULL);
  subsidy_run* run = (subsidy_run*)0x5678;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_allocate(&run, NULL, NULL, 1));
  CHECK_STR("subsidy_allocate: plan is NULL", subsidy_last_error());
  CHECK(run == NULL);
  plan = (subsidy_plan*)0x9abc;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_plan_parse(&plan, NULL, 0, NULL));
  CHECK_STR("subsidy_plan_parse: text is NULL", subsidy_last_error());
  CHECK(plan == NULL);
  char* junk_text = (char*)0xdef0;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_run_explain(&junk_text, NULL, "x"));
  CHECK(junk_text == NULL);
  size_t count = 0;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_run_line_count(&count, NULL));
  CHECK_STR("subsidy_run_line_count: run is NULL", subsidy_last_error());
  subsidy_execution_totals totals;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_execution_total(&totals, NULL));
  CHECK_STR("subsidy_execution_total: report is NULL", subsidy_last_error());
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_run_write(NULL, "dir", 0));
  CHECK_STR("subsidy_run_write: run is NULL", subsidy_last_error());

  /* Negative threads; a success clears the last error. */
  run = allocate_example("examples/xuyi-2023-plan.yaml", 1);
  CHECK_STR("", subsidy_last_error());
  CHECK_OK(
      subsidy_plan_load(&plan, source_path(path, sizeof path, "examples/xuyi-2023-plan.yaml")));
  CHECK_OK(subsidy_roster_load_csv(&roster,
                                   source_path(path, sizeof path, "examples/roster-small.csv")));
  subsidy_run* other = NULL;
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_allocate(&other, plan, roster, -1));
  CHECK_CONTAINS(subsidy_last_error(), "threads is -1");
  CHECK(other == NULL);
  CHECK_STR("xuyi-2023-h1", subsidy_plan_name(plan));
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT, subsidy_run_write(run, "unused", 4u));
  CHECK_CONTAINS(subsidy_last_error(), "unknown flags 0x4");
  CHECK_OK(subsidy_run_line_count(&count, run));
  CHECK_STR("", subsidy_last_error());
  subsidy_run_free(run);
  subsidy_plan_free(plan);
  subsidy_roster_free(roster);

  /* NULL handles: accessors give their empty values, free functions do nothing. */
  CHECK_INT(0, subsidy_roster_rows(NULL));
  CHECK_STR("", subsidy_plan_name(NULL));
  CHECK_INT(0, subsidy_run_pool_count(NULL));
  CHECK(subsidy_run_warning(NULL, 0) == NULL);
  CHECK_INT(0, subsidy_execution_row_count(NULL));
  CHECK_STR("", subsidy_execution_schedule_progress(NULL));
  subsidy_roster_free(NULL);
  subsidy_plan_free(NULL);
  subsidy_run_free(NULL);
  subsidy_ledger_free(NULL);
  subsidy_execution_free(NULL);
  subsidy_string_free(NULL);

  CHECK_STR("not found", subsidy_status_name(SUBSIDY_ERROR_NOT_FOUND));
  CHECK_STR("overflow", subsidy_status_name(SUBSIDY_ERROR_OVERFLOW));
  CHECK_STR("unknown", subsidy_status_name((subsidy_status)99));
}

/* ---------------------------------------------------------------------------------------------
 * Threads: the last error is per thread; one run read by several threads */

struct thread_work {
  const char* missing_path;
  const subsidy_run* run;       /* shared by the threads */
  const subsidy_plan* plan;     /* likewise, to allocate from */
  const subsidy_roster* roster; /* likewise */
  int error_seen;               /* its own message */
  int cleared;                  /* "" after its own success */
  size_t lines[2];              /* award lines it read: of the shared run, of its own */
  int64_t granted_fen[2];       /* Σ granted over them */
};

/* Σ granted over a run's lines into work->granted_fen[which]. */
static void read_lines(struct thread_work* work, const subsidy_run* run, int which) {
  if (subsidy_run_line_count(&work->lines[which], run) != SUBSIDY_OK) return;
  for (size_t k = 0; k < work->lines[which]; ++k) {
    subsidy_award_line line;
    if (subsidy_run_line(&line, run, k) == SUBSIDY_OK) work->granted_fen[which] += line.granted_fen;
  }
}

static void* thread_main(void* argument) {
  struct thread_work* work = argument;
  subsidy_roster* roster = NULL;
  subsidy_roster_load_csv(&roster, work->missing_path);
  work->error_seen = strstr(subsidy_last_error(), work->missing_path) != NULL;
  read_lines(work, work->run, 0);
  work->cleared = subsidy_last_error()[0] == '\0';
  subsidy_run* own = NULL;
  if (subsidy_allocate(&own, work->plan, work->roster, 1) == SUBSIDY_OK) read_lines(work, own, 1);
  subsidy_run_free(own);
  return NULL;
}

static void test_threads(void) {
  char plan_path[4096];
  char roster_path[4096];
  group(
      "threads: each thread sees its own last error; two threads read one run (its lines built "
      "on first use) and allocate from one plan and roster at once");
  subsidy_plan* plan = NULL;
  subsidy_roster* roster = NULL;
  subsidy_run* run = NULL;
  CHECK_OK(subsidy_plan_load(
      &plan, source_path(plan_path, sizeof plan_path, "examples/xuyi-2023-plan.yaml")));
  CHECK_OK(subsidy_roster_load_csv(
      &roster, source_path(roster_path, sizeof roster_path, "examples/roster-small.csv")));
  CHECK_OK(subsidy_allocate(&run, plan, roster, 2));
  subsidy_roster* missing = NULL;
  CHECK_STATUS(SUBSIDY_ERROR_NOT_FOUND, subsidy_roster_load_csv(&missing, "/nonexistent/main.csv"));
  struct thread_work work[2] = {
      {"/nonexistent/first.csv", run, plan, roster, 0, 0, {0, 0}, {0, 0}},
      {"/nonexistent/second.csv", run, plan, roster, 0, 0, {0, 0}, {0, 0}}};
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t) {
    CHECK_INT(0, pthread_create(&threads[t], NULL, thread_main, &work[t]));
  }
  for (int t = 0; t < 2; ++t) CHECK_INT(0, pthread_join(threads[t], NULL));
  for (int t = 0; t < 2; ++t) {
    CHECK_INT(1, work[t].error_seen);
    CHECK_INT(1, work[t].cleared);
    for (int which = 0; which < 2; ++which) {
      CHECK_INT(18, work[t].lines[which]);
      CHECK_INT(76000000, work[t].granted_fen[which]);
    }
  }
  /* This thread's message is still its own. */
  CHECK_CONTAINS(subsidy_last_error(), "/nonexistent/main.csv");
  subsidy_run_free(run);
  subsidy_plan_free(plan);
  subsidy_roster_free(roster);
}

/* ---------------------------------------------------------------------------------------------
 * Writing a run; the ledger and its execution ratios */

static void write_file(const char* path, const char* text) {
  FILE* file = fopen(path, "wb");
  CHECK(file != NULL);
  if (file == NULL) return;
  CHECK_INT(strlen(text), fwrite(text, 1, strlen(text), file));
  fclose(file);
}

static void check_file_equals(const char* path, const char* golden_relative) {
  char golden_path[4096];
  char* actual = read_file(path);
  char* expected = read_file(source_path(golden_path, sizeof golden_path, golden_relative));
  check_str(expected, actual, path, __FILE__, __LINE__);
  free(actual);
  free(expected);
}

static void test_write(const char* directory) {
  char path[8192];
  char out[4096];
  group("write: awards.csv and pools.csv as golden, run.json with the command line's run id");
  subsidy_run* run = allocate_example("examples/xuyi-2023-plan.yaml", 1);
  snprintf(out, sizeof out, "%s/run", directory);
  CHECK_OK(subsidy_run_write(run, out, SUBSIDY_WRITE_JSON));
  snprintf(path, sizeof path, "%s/awards.csv", out);
  check_file_equals(path, "tests/golden/allocate/xuyi/awards.csv");
  snprintf(path, sizeof path, "%s/pools.csv", out);
  check_file_equals(path, "tests/golden/allocate/xuyi/pools.csv");
  snprintf(path, sizeof path, "%s/run.json", out);
  char* json = read_file(path);
  /* What `subsidy allocate --plan examples/xuyi-2023-plan.yaml --roster
   * examples/roster-small.csv` prints as its run id with engine 0.1.0: a hash of the two files'
   * bytes and the version (run it again to renew this after changing any of them). */
  CHECK_CONTAINS(json, "\"run_id\": \"04a5a5435914c0d7\"");
  CHECK_CONTAINS(json, "\"engine\": \"0.1.0\"");
  CHECK_STR("0.1.0", subsidy_version());
  CHECK_CONTAINS(json, "xuyi-2023-plan.yaml\"");
  CHECK_CONTAINS(json, "\"roster_rows\": 24");
  free(json);
  snprintf(path, sizeof path, "%s/result.json", out);
  json = read_file(path);
  CHECK_CONTAINS(json, "\"granted\": \"12422.00\"");
  free(json);
  subsidy_run_free(run);

  group("write: the same bytes given in memory give the same run id");
  char* plan_text = read_file(source_path(path, sizeof path, "examples/xuyi-2023-plan.yaml"));
  char* roster_text = read_file(source_path(path, sizeof path, "examples/roster-small.csv"));
  subsidy_plan* plan = NULL;
  subsidy_roster* roster = NULL;
  CHECK_OK(subsidy_plan_parse(&plan, plan_text, strlen(plan_text), "in-memory.yaml"));
  CHECK_OK(subsidy_roster_parse_csv(&roster, roster_text, strlen(roster_text), NULL));
  free(plan_text);
  free(roster_text);
  CHECK_OK(subsidy_allocate(&run, plan, roster, 0));
  subsidy_plan_free(plan);
  subsidy_roster_free(roster);
  snprintf(out, sizeof out, "%s/memory", directory);
  CHECK_OK(subsidy_run_write(run, out, 0));
  snprintf(path, sizeof path, "%s/run.json", out);
  json = read_file(path);
  CHECK_CONTAINS(json, "\"run_id\": \"04a5a5435914c0d7\"");
  CHECK_CONTAINS(json, "\"plan_file\": \"in-memory.yaml\"");
  CHECK_CONTAINS(json, "\"roster_file\": \"<memory>\"");
  free(json);
  snprintf(path, sizeof path, "%s/result.json", out);
  json = read_file(path);
  CHECK(json == NULL); /* only with SUBSIDY_WRITE_JSON */
  free(json);

  /* A directory that cannot be made: under a regular file. */
  snprintf(out, sizeof out, "%s/memory/awards.csv/sub", directory);
  CHECK_STATUS(SUBSIDY_ERROR_IO, subsidy_run_write(run, out, 0));
  CHECK_CONTAINS(subsidy_last_error(), "awards.csv/sub");
  subsidy_run_free(run);
}

static void check_totals(const subsidy_execution_totals* row, const char* key, int64_t received,
                         int64_t arranged, int64_t disbursed, const char* arrangement,
                         const char* expenditure, const char* of_arranged, const char* lag) {
  check_str(key, row->key, "key", __FILE__, __LINE__);
  check_int(received, row->received_fen, key, __FILE__, __LINE__);
  check_int(arranged, row->arranged_fen, key, __FILE__, __LINE__);
  check_int(disbursed, row->disbursed_fen, key, __FILE__, __LINE__);
  check_int(0, row->returned_fen, key, __FILE__, __LINE__);
  check_str(arrangement, row->arrangement_ratio, key, __FILE__, __LINE__);
  check_str(expenditure, row->expenditure_ratio, key, __FILE__, __LINE__);
  check_str(of_arranged, row->disbursed_of_arranged, key, __FILE__, __LINE__);
  check_str(lag, row->schedule_lag, key, __FILE__, __LINE__);
}

static void test_ledger(const char* directory) {
  char path[4096];
  group("ledger: import examples/chengdu-2023-ledger.csv, then again (all skipped)");
  subsidy_ledger* ledger = NULL;
  snprintf(path, sizeof path, "%s/chengdu.db", directory);
  CHECK_OK(subsidy_ledger_open(&ledger, path));
  subsidy_import_report report;
  source_path(path, sizeof path, "examples/chengdu-2023-ledger.csv");
  CHECK_OK(subsidy_ledger_import_csv(&report, ledger, path, 0));
  CHECK_INT(13, report.added);
  CHECK_INT(0, report.skipped);
  CHECK_INT(2, report.added_by_type[SUBSIDY_EVENT_RECEIVED]);
  CHECK_INT(5, report.added_by_type[SUBSIDY_EVENT_ARRANGED]);
  CHECK_INT(6, report.added_by_type[SUBSIDY_EVENT_DISBURSED]);
  CHECK_INT(0, report.added_by_type[SUBSIDY_EVENT_RETURNED]);
  CHECK_INT(INT64_C(81000000000), report.amount_fen_by_type[SUBSIDY_EVENT_RECEIVED]);
  CHECK_INT(INT64_C(72000000000), report.amount_fen_by_type[SUBSIDY_EVENT_ARRANGED]);
  CHECK_INT(INT64_C(67893050000), report.amount_fen_by_type[SUBSIDY_EVENT_DISBURSED]);
  CHECK_OK(subsidy_ledger_import_csv(&report, ledger, path, 0));
  CHECK_INT(0, report.added);
  CHECK_INT(13, report.skipped);
  source_path(path, sizeof path, "examples/no-such-ledger.csv");
  CHECK_STATUS(SUBSIDY_ERROR_NOT_FOUND, subsidy_ledger_import_csv(&report, ledger, path, 0));
  CHECK_CONTAINS(subsidy_last_error(), path);

  group("execution as of 2023-12-31 by pool: 88.89% arranged, 83.82% spent (docs/ledger.md)");
  subsidy_execution* execution = NULL;
  CHECK_OK(subsidy_ledger_execution(&execution, ledger, "2023-12-31", "pool"));
  CHECK_INT(1, subsidy_execution_row_count(execution));
  subsidy_execution_totals row;
  CHECK_OK(subsidy_execution_row(&row, execution, 0));
  check_totals(&row, "central-lcsf", INT64_C(81000000000), INT64_C(72000000000),
               INT64_C(67893050000), "88.89%", "83.82%", "94.30%", "-16.18");
  CHECK_OK(subsidy_execution_total(&row, execution));
  check_totals(&row, "total", INT64_C(81000000000), INT64_C(72000000000), INT64_C(67893050000),
               "88.89%", "83.82%", "94.30%", "-16.18");
  CHECK_STATUS(SUBSIDY_ERROR_OUT_OF_RANGE, subsidy_execution_row(&row, execution, 1));
  CHECK_STR("100.00%", subsidy_execution_schedule_progress(execution));
  char* text = NULL;
  CHECK_OK(subsidy_execution_csv(&text, execution));
  CHECK_STR(
      "pool,received,arranged,disbursed,returned,arrangement_ratio,expenditure_ratio,"
      "disbursed_of_arranged,schedule_progress,lag\n"
      "central-lcsf,810000000.00,720000000.00,678930500.00,0.00,88.89%,83.82%,94.30%,"
      "100.00%,-16.18\n",
      text);
  subsidy_string_free(text);
  CHECK_OK(subsidy_execution_json(&text, execution));
  CHECK_CONTAINS(text, "\"arrangement_ratio\": \"88.89%\"");
  subsidy_string_free(text);
  subsidy_execution_free(execution);

  group("execution as of 2023-06-30 (by pool, NULL) and by region");
  CHECK_OK(subsidy_ledger_execution(&execution, ledger, "2023-06-30", NULL));
  CHECK_OK(subsidy_execution_total(&row, execution));
  /* 5亿 received, 2亿 + 1.8亿 arranged, 9500万 disbursed on the as-of day itself. */
  check_totals(&row, "total", INT64_C(50000000000), INT64_C(38000000000), INT64_C(9500000000),
               "76.00%", "19.00%", "25.00%", "-30.59");
  CHECK_STR("49.59%", subsidy_execution_schedule_progress(execution));
  subsidy_execution_free(execution);
  CHECK_OK(subsidy_ledger_execution(&execution, ledger, "2023-12-31", "region"));
  CHECK_INT(6, subsidy_execution_row_count(execution));
  CHECK_OK(subsidy_execution_row(&row, execution, 1));
  check_totals(&row, "510107", 0, INT64_C(20000000000), INT64_C(19500000000), "n/a", "n/a",
               "97.50%", "n/a");
  CHECK_OK(subsidy_execution_row(&row, execution, 5));
  check_totals(&row, "", INT64_C(81000000000), 0, 0, "0.00%", "0.00%", "n/a", "-100.00");
  subsidy_execution_free(execution);

  execution = (subsidy_execution*)&g_passed; /* not NULL: must be reset */
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT,
               subsidy_ledger_execution(&execution, ledger, "2023-13-01", "pool"));
  CHECK_CONTAINS(subsidy_last_error(), "as_of: ");
  CHECK(execution == NULL);
  CHECK_STATUS(SUBSIDY_ERROR_INVALID_ARGUMENT,
               subsidy_ledger_execution(&execution, ledger, "2023-12-31", "county"));
  CHECK_CONTAINS(subsidy_last_error(), "county");
  subsidy_ledger_free(ledger);

  group("ledger: book the Xuyi run written by subsidy_run_write, once");
  char run_dir[4096];
  snprintf(path, sizeof path, "%s/xuyi.db", directory);
  CHECK_OK(subsidy_ledger_open(&ledger, path));
  snprintf(run_dir, sizeof run_dir, "%s/run", directory);
  subsidy_book_report booked;
  CHECK_OK(subsidy_ledger_book_run(&booked, ledger, run_dir, 1, 0));
  CHECK_INT(0, booked.already_booked);
  CHECK_INT(1, booked.received_pools);
  CHECK_INT(10, booked.events.added);
  CHECK_INT(1, booked.events.added_by_type[SUBSIDY_EVENT_RECEIVED]);
  CHECK_INT(9, booked.events.added_by_type[SUBSIDY_EVENT_ARRANGED]);
  CHECK_INT(80000000, booked.events.amount_fen_by_type[SUBSIDY_EVENT_RECEIVED]);
  CHECK_INT(76000000, booked.events.amount_fen_by_type[SUBSIDY_EVENT_ARRANGED]);
  CHECK_OK(subsidy_ledger_book_run(&booked, ledger, run_dir, 1, 0));
  CHECK_INT(1, booked.already_booked);
  CHECK_INT(20, strlen(booked.booked_at)); /* 2024-01-31T08:00:00Z */
  CHECK_INT(0, booked.events.added);
  CHECK_OK(subsidy_ledger_execution(&execution, ledger, "2023-06-30", "program"));
  CHECK_OK(subsidy_execution_total(&row, execution));
  check_totals(&row, "total", 80000000, 76000000, 0, "95.00%", "0.00%", "0.00%", "-49.59");
  subsidy_execution_free(execution);
  subsidy_ledger_free(ledger);

  group("ledger: a total past int64 fen is SUBSIDY_ERROR_OVERFLOW (a C++ OverflowError)");
  /* Two pools of 5×10^16 yuan each, imported one at a time: each pool fits, their sum does not. */
  const char* header = "date,event,pool,program,region,enterprise,amount,voucher\n";
  char text_a[256];
  char text_b[256];
  snprintf(text_a, sizeof text_a, "%s2023-01-02,received,a,,,,50000000000000000,R1\n", header);
  snprintf(text_b, sizeof text_b, "%s2023-01-02,received,b,,,,50000000000000000,R2\n", header);
  snprintf(path, sizeof path, "%s/big.db", directory);
  CHECK_OK(subsidy_ledger_open(&ledger, path));
  snprintf(path, sizeof path, "%s/a.csv", directory);
  write_file(path, text_a);
  CHECK_OK(subsidy_ledger_import_csv(&report, ledger, path, 0));
  snprintf(path, sizeof path, "%s/b.csv", directory);
  write_file(path, text_b);
  CHECK_OK(subsidy_ledger_import_csv(&report, ledger, path, 0));
  CHECK_INT(INT64_C(5000000000000000000), report.amount_fen_by_type[SUBSIDY_EVENT_RECEIVED]);
  execution = (subsidy_execution*)&g_passed; /* not NULL: must be reset */
  CHECK_STATUS(SUBSIDY_ERROR_OVERFLOW,
               subsidy_ledger_execution(&execution, ledger, "2023-12-31", "pool"));
  CHECK_STR("money overflow: a sum leaves the range of int64 fen", subsidy_last_error());
  CHECK(execution == NULL);
  subsidy_ledger_free(ledger);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SOURCE_DIR\n", argv[0]);
    return 2;
  }
  g_source_dir = argv[1];
  printf("subsidy C API %s\n", subsidy_version());
  test_golden("examples/xuyi-2023-plan.yaml", "tests/golden/allocate/xuyi");
  test_golden("examples/chengdu-2023-plan.yaml", "tests/golden/allocate/chengdu");
  test_xuyi_numbers();
  test_errors();
  test_threads();
  char* directory = make_temporary_directory();
  test_write(directory);
  test_ledger(directory);
  remove_tree(directory);
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
