// End-to-end tests of the ledger commands (SPEC §8, §12): `subsidy ledger import`, `subsidy ledger
// book-run` and `subsidy execution`, run as the real executable over the example ledger, allocation
// runs and small ledgers written here, in temporary directories. Outputs and error messages are
// compared exactly; the ratios were worked out by hand (see the comments next to each expected
// line). Also: a killed import leaves all of its events or none, and two imports at once into one
// ledger both land (or the second skips what the first added).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <iconv.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "subsidy/ledger.hpp"
#include "subsidy/money.hpp"
#include "test_files.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

using subsidy_test::CommandResult;
using subsidy_test::parse_csv;
using subsidy_test::read_file;
using subsidy_test::write_file;

const std::string kHeader = "date,event,pool,program,region,enterprise,amount,voucher\n";
const char kChengduLedger[] = "examples/chengdu-2023-ledger.csv";
const char kXuyi[] = "examples/xuyi-2023-plan.yaml";
const char kRoster[] = "examples/roster-small.csv";

const char kCsvHeader[] =
    "received,arranged,disbursed,returned,arrangement_ratio,expenditure_ratio,"
    "disbursed_of_arranged,schedule_progress,lag\n";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The execution CSV's header for a grouping.
std::string csv_header(const std::string& by) { return by + "," + kCsvHeader; }

// Waits for a child up to `timeout`; its exit code, 128 + the signal that ended it, or nullopt
// when it is still running then (it is killed and reaped: no test leaves a process behind).
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (done < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Starts `subsidy args...` with stdout and stderr to the given files; -1 when it cannot.
pid_t spawn_subsidy(const std::vector<std::string>& args, const fs::path& out,
                    const fs::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_text = {SUBSIDY_CLI_PATH};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, SUBSIDY_CLI_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Starts every command (`subsidy <args>`) at once and waits for all (60 s at most each); each
// one's exit code, stdout and stderr. Their outputs go to <dir>/<tag>-<k>.out and .err.
std::vector<CommandResult> run_at_once(const fs::path& dir,
                                       const std::vector<std::vector<std::string>>& commands,
                                       const std::string& tag) {
  std::vector<pid_t> children;
  for (size_t k = 0; k < commands.size(); ++k) {
    const std::string name = tag + "-" + std::to_string(k);
    children.push_back(spawn_subsidy(commands[k], dir / (name + ".out"), dir / (name + ".err")));
  }
  std::vector<CommandResult> results;
  for (size_t k = 0; k < children.size(); ++k) {
    const std::string name = tag + "-" + std::to_string(k);
    int code = -1;
    if (children[k] > 0) {
      const std::optional<int> exit = wait_child(children[k], std::chrono::seconds(60));
      code = exit ? *exit : -2;
    }
    results.push_back(
        CommandResult{code, read_file(dir / (name + ".out")), read_file(dir / (name + ".err"))});
  }
  return results;
}

// Bytes of a file, 0 when it is not there.
int64_t bytes_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return static_cast<int64_t>(info.st_size);
}

// The number of events in a ledger, read through the library; -1 (and a failure) when it cannot
// be opened or read.
int64_t event_count(const std::string& db) {
  subsidy::Result<subsidy::Ledger> ledger = subsidy::Ledger::open_existing(db);
  if (!ledger.ok()) {
    ADD_FAILURE() << "cannot open " << db << ": " << ledger.status().message();
    return -1;
  }
  subsidy::Result<std::vector<subsidy::LedgerEvent>> events = ledger->events();
  if (!events.ok()) {
    ADD_FAILURE() << "cannot read " << db << ": " << events.status().message();
    return -1;
  }
  return static_cast<int64_t>(events->size());
}

// "added 3 events" → 3, "skipped 13 already" → 13 from an import's report line; -1 if absent.
int64_t reported(const std::string& out, const std::string& what) {
  std::smatch match;
  const std::regex pattern(what == "added" ? "added ([0-9]+) event" : "skipped ([0-9]+) already");
  if (!std::regex_search(out, match, pattern)) return -1;
  return std::stoll(match[1].str());
}

class LedgerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = subsidy_test::fresh_test_directory("ledger-cli");
    db_ = tmp("ledger.db");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `subsidy args` from the source directory (so examples/… resolve).
  CommandResult subsidy(const std::string& args) {
    return subsidy_test::run_shell(SUBSIDY_SOURCE_DIR, "'" SUBSIDY_CLI_PATH "' " + args, dir_);
  }
  CommandResult import(const std::string& file, const std::string& extra = "") {
    return subsidy("ledger import '" + file + "' --db '" + db_ + "'" +
                   (extra.empty() ? "" : " " + extra));
  }
  CommandResult execution(const std::string& as_of, const std::string& extra = "--csv") {
    return subsidy("execution --db '" + db_ + "' --as-of " + as_of +
                   (extra.empty() ? "" : " " + extra));
  }
  // Allocates the Xuyi plan into `out` and returns its run id.
  std::string allocate(const std::string& out) {
    const CommandResult result = subsidy(std::string("allocate --plan ") + kXuyi + " --roster " +
                                         kRoster + " --out '" + tmp(out) + "'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    if (result.exit_code != 0) return "";
    return YAML::Load(read_file(dir_ / out / "run.json"))["run_id"].as<std::string>();
  }
  CommandResult book(const std::string& out, const std::string& extra = "") {
    return subsidy("ledger book-run --db '" + db_ + "' --run '" + tmp(out) + "'" +
                   (extra.empty() ? "" : " " + extra));
  }
  // Writes a ledger CSV (the header, then `body`) under the test's directory; its path.
  std::string ledger_file(const std::string& name, const std::string& body) {
    const std::string path = tmp(name);
    write_file(path, kHeader + body);
    return path;
  }
  std::string tmp(const std::string& name) const { return (dir_ / name).string(); }

  // The report line of an import.
  std::string import_line(const std::string& file, int64_t added, const std::string& by_type,
                          int64_t skipped) const {
    return file + ": added " + std::to_string(added) + " event" + (added == 1 ? "" : "s") + ": " +
           by_type + "; skipped " + std::to_string(skipped) + " already in " + db_ + "\n";
  }

  fs::path dir_;
  std::string db_;
};

// ---------------------------------------------------------------------------------------------
// The Chengdu example: import, re-import, execution as of several dates
//
// Its 13 events, by hand:
//   received  CZ-0001 2023-03-10 5亿, CZ-0002 2023-07-20 3.1亿                 = 8.1亿
//   arranged  05-15 510107 2亿, 05-15 510117 1.8亿, 08-01 510116 1.2亿,
//             08-01 510104 1.1亿, 09-12 510108 1.1亿                            = 7.2亿
//   disbursed 06-30 510107 9500万, 11-30 510107 10000万, 07-31 510117 17200万,
//             10-31 510116 11000万, 12-15 510104 10193.05万, 12-28 510108 10000万 = 67893.05万

const char kChengduImported[] =
    "2 received (810000000.00 yuan), 5 arranged (720000000.00 yuan), 6 disbursed (678930500.00 "
    "yuan)";

TEST_F(LedgerCliTest, ImportsTheChengduLedgerOnceAndSkipsItTheSecondTime) {
  CommandResult result = import(kChengduLedger);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(kChengduLedger, 13, kChengduImported, 0));
  EXPECT_EQ(result.err, "");
  EXPECT_TRUE(fs::exists(db_));

  result = import(kChengduLedger);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(kChengduLedger, 0, "nothing new", 13));
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(event_count(db_), 13);
}

TEST_F(LedgerCliTest, ChengduExecutionAtTheYearEnd) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  // The table for people.
  CommandResult result = execution("2023-12-31", "");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "88.89%")) << result.out;
  EXPECT_TRUE(contains(result.out, "83.82%")) << result.out;
  EXPECT_TRUE(contains(result.out, "day 365 of 365, schedule progress 100.00%")) << result.out;

  // 7.2亿 / 8.1亿 = 0.888… → 88.89%; 67893.05万 / 8.1亿 = 0.8381858… → 83.82%;
  // 67893.05万 / 7.2亿 = 0.9429590… → 94.30%; Dec 31 is day 365 of 365 → 100.00%;
  // lag 83.81858… − 100 = −16.18141… → −16.18.
  result = execution("2023-12-31");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, csv_header("pool") +
                            "central-lcsf,810000000.00,720000000.00,678930500.00,0.00,88.89%,"
                            "83.82%,94.30%,100.00%,-16.18\n");
  EXPECT_EQ(result.err, "");

  result = execution("2023-12-31", "--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const YAML::Node json = YAML::Load(result.out);
  EXPECT_EQ(json["as_of"].as<std::string>(), "2023-12-31");
  EXPECT_EQ(json["fiscal_year_start"].as<std::string>(), "2023-01-01");
  EXPECT_EQ(json["by"].as<std::string>(), "pool");
  EXPECT_EQ(json["days_elapsed"].as<int>(), 365);
  EXPECT_EQ(json["days_in_year"].as<int>(), 365);
  EXPECT_EQ(json["schedule_progress"].as<std::string>(), "100.00%");
  ASSERT_TRUE(json["rows"].IsSequence());
  ASSERT_EQ(json["rows"].size(), 1u);
  for (const YAML::Node& row : {json["rows"][0], json["total"]}) {
    EXPECT_EQ(row["received"].as<std::string>(), "810000000.00");
    EXPECT_EQ(row["received"].Tag(), "!") << "amounts are strings";
    EXPECT_EQ(row["arranged"].as<std::string>(), "720000000.00");
    EXPECT_EQ(row["disbursed"].as<std::string>(), "678930500.00");
    EXPECT_EQ(row["returned"].as<std::string>(), "0.00");
    EXPECT_EQ(row["arrangement_ratio"].as<std::string>(), "88.89%");
    EXPECT_EQ(row["expenditure_ratio"].as<std::string>(), "83.82%");
    EXPECT_EQ(row["disbursed_of_arranged"].as<std::string>(), "94.30%");
    EXPECT_EQ(row["lag"].as<std::string>(), "-16.18");
    EXPECT_EQ(row["lag"].Tag(), "!") << "the lag is a string";
  }
  EXPECT_EQ(json["rows"][0]["pool"].as<std::string>(), "central-lcsf");
  EXPECT_FALSE(json["total"]["pool"]) << "the total names no pool";
}

TEST_F(LedgerCliTest, ChengduExecutionByRegionAndByProgram) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  // Each region: arranged and disbursed, nothing received (received names no region), so the
  // ratios over received are n/a; disbursed / arranged:
  //   510104 10193.05万/1.1亿 = 0.926640… → 92.66%   510107 1.95亿/2亿   = 0.975   → 97.50%
  //   510108 1亿/1.1亿        = 0.909090… → 90.91%   510116 1.1亿/1.2亿 = 0.91666… → 91.67%
  //   510117 1.72亿/1.8亿     = 0.95555…  → 95.56%
  // and the events with no region (the receipts) last: 0/8.1亿 = 0.00%, lag 0 − 100 = −100.00.
  CommandResult result = execution("2023-12-31", "--by region --csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            csv_header("region") +
                "510104,0.00,110000000.00,101930500.00,0.00,n/a,n/a,92.66%,100.00%,n/a\n"
                "510107,0.00,200000000.00,195000000.00,0.00,n/a,n/a,97.50%,100.00%,n/a\n"
                "510108,0.00,110000000.00,100000000.00,0.00,n/a,n/a,90.91%,100.00%,n/a\n"
                "510116,0.00,120000000.00,110000000.00,0.00,n/a,n/a,91.67%,100.00%,n/a\n"
                "510117,0.00,180000000.00,172000000.00,0.00,n/a,n/a,95.56%,100.00%,n/a\n"
                ",810000000.00,0.00,0.00,0.00,0.00%,0.00%,n/a,100.00%,-100.00\n");

  // No event names a program: one row, with an empty key.
  result = execution("2023-12-31", "--by program --csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, csv_header("program") +
                            ",810000000.00,720000000.00,678930500.00,0.00,88.89%,83.82%,94.30%,"
                            "100.00%,-16.18\n");
}

TEST_F(LedgerCliTest, ChengduExecutionBeforeAnyMoneyArrived) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  // Nothing is dated on or before 2023-03-01 (the first receipt is 03-10): no rows.
  CommandResult result = execution("2023-03-01");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, csv_header("pool"));
  // 2023-03-01 is day 31 + 28 + 1 = 60 of 365: 16.438… → 16.44%; the total is all zeros, n/a.
  result = execution("2023-03-01", "--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const YAML::Node json = YAML::Load(result.out);
  EXPECT_EQ(json["days_elapsed"].as<int>(), 60);
  EXPECT_EQ(json["schedule_progress"].as<std::string>(), "16.44%");
  ASSERT_TRUE(json["rows"].IsSequence());
  EXPECT_EQ(json["rows"].size(), 0u);
  EXPECT_EQ(json["total"]["received"].as<std::string>(), "0.00");
  EXPECT_EQ(json["total"]["arrangement_ratio"].as<std::string>(), "n/a");
  EXPECT_EQ(json["total"]["expenditure_ratio"].as<std::string>(), "n/a");
  EXPECT_EQ(json["total"]["disbursed_of_arranged"].as<std::string>(), "n/a");
  EXPECT_EQ(json["total"]["lag"].as<std::string>(), "n/a");
  // The day before the first receipt, and the day of it (included).
  result = execution("2023-03-09");
  EXPECT_EQ(result.out, csv_header("pool"));
  // 03-10 is day 69: 69/365 = 0.189041… → 18.90%; lag 0 − 18.904… → −18.90.
  result = execution("2023-03-10");
  EXPECT_EQ(result.out, csv_header("pool") +
                            "central-lcsf,500000000.00,0.00,0.00,0.00,0.00%,0.00%,n/a,18.90%,"
                            "-18.90\n");
}

TEST_F(LedgerCliTest, ChengduExecutionInTheNextFiscalYear) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  // 2024 counts only its own events (none), but the pool has events before: a row of zeros.
  // 2024 is a leap year: Jan 5 is day 5 of 366 = 0.013661… → 1.37%.
  CommandResult result = execution("2024-01-05");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            csv_header("pool") + "central-lcsf,0.00,0.00,0.00,0.00,n/a,n/a,n/a,1.37%,n/a\n");
  result = execution("2024-01-05", "--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const YAML::Node json = YAML::Load(result.out);
  EXPECT_EQ(json["fiscal_year_start"].as<std::string>(), "2024-01-01");
  EXPECT_EQ(json["days_elapsed"].as<int>(), 5);
  EXPECT_EQ(json["days_in_year"].as<int>(), 366);
}

TEST_F(LedgerCliTest, ChengduExecutionAtMidYear) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  // As of 2023-06-30 (day 31+28+31+30+31+30 = 181 of 365 = 0.495890… → 49.59%): received 5亿
  // (03-10), arranged 2亿 + 1.8亿 = 3.8亿 (05-15), disbursed 9500万 (06-30, the as-of day counts).
  //   3.8/5 = 76.00%, 0.95/5 = 19.00%, 0.95/3.8 = 25.00%,
  //   lag 19 − 49.5890… = −30.5890… → −30.59.
  CommandResult result = execution("2023-06-30");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, csv_header("pool") +
                            "central-lcsf,500000000.00,380000000.00,95000000.00,0.00,76.00%,"
                            "19.00%,25.00%,49.59%,-30.59\n");
  // A day earlier the disbursement is not in yet: day 180/365 = 0.493150… → 49.32%, lag −49.32.
  result = execution("2023-06-29");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, csv_header("pool") +
                            "central-lcsf,500000000.00,380000000.00,0.00,0.00,76.00%,0.00%,0.00%,"
                            "49.32%,-49.32\n");
  // By region on 06-30: 510107 0.95/2 = 47.50%; 510117 0/1.8 = 0.00%; the receipts 0/5亿,
  // lag 0 − 49.5890… → −49.59.
  result = execution("2023-06-30", "--by region --csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, csv_header("region") +
                            "510107,0.00,200000000.00,95000000.00,0.00,n/a,n/a,47.50%,49.59%,n/a\n"
                            "510117,0.00,180000000.00,0.00,0.00,n/a,n/a,0.00%,49.59%,n/a\n"
                            ",500000000.00,0.00,0.00,0.00,0.00%,0.00%,n/a,49.59%,-49.59\n");
  result = execution("2023-06-30", "--json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const YAML::Node json = YAML::Load(result.out);
  EXPECT_EQ(json["days_elapsed"].as<int>(), 181);
  EXPECT_EQ(json["schedule_progress"].as<std::string>(), "49.59%");
  EXPECT_EQ(json["total"]["lag"].as<std::string>(), "-30.59");
}

// Half-up means halves away from zero, for the ratios and for a negative lag alike.
TEST_F(LedgerCliTest, RatiosRoundHalvesAwayFromZero) {
  // 1.00 / 800.00 = 0.125% exactly → 0.13% (half-even would give 0.12%); the lag at Dec 31 is
  // 0.125 − 100 = −99.875 exactly → −99.88.
  const std::string file = ledger_file("half.csv",
                                       "2023-01-01,received,h,,,,800,R1\n"
                                       "2023-01-02,arranged,h,,,,800,A1\n"
                                       "2023-01-03,disbursed,h,,,,1,D1\n");
  ASSERT_EQ(import(file).exit_code, 0);
  const CommandResult result = execution("2023-12-31");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            csv_header("pool") + "h,800.00,800.00,1.00,0.00,100.00%,0.13%,0.13%,100.00%,-99.88\n");
}

TEST_F(LedgerCliTest, ReturnedReducesDisbursed) {
  // Disbursed 300.00, 50.00 of it returned: disbursed net 250.00 of received 1000.00 = 25.00%,
  // of arranged 500.00 = 50.00%; at Dec 31 the lag is 25 − 100 = −75.00.
  const std::string file = ledger_file("returned.csv",
                                       "2023-01-01,received,p,,,,1000,R1\n"
                                       "2023-02-01,arranged,p,rent,510107,,500,A1\n"
                                       "2023-03-01,disbursed,p,rent,510107,e1,300,D1\n"
                                       "2023-04-01,returned,p,rent,510107,e1,50,T1\n");
  CommandResult result = import(file);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(file, 4,
                                    "1 received (1000.00 yuan), 1 arranged (500.00 yuan), "
                                    "1 disbursed (300.00 yuan), 1 returned (50.00 yuan)",
                                    0));
  result = execution("2023-12-31");
  EXPECT_EQ(result.out, csv_header("pool") +
                            "p,1000.00,500.00,250.00,50.00,50.00%,25.00%,50.00%,100.00%,-75.00\n");
  // Before the return: 300.00 disbursed; 2023-03-31 is day 90: 90/365 = 24.657… → 24.66%;
  // lag 30 − 24.6575… = 5.3424… → 5.34.
  result = execution("2023-03-31");
  EXPECT_EQ(result.out,
            csv_header("pool") + "p,1000.00,500.00,300.00,0.00,50.00%,30.00%,60.00%,24.66%,5.34\n");
  result = execution("2023-12-31", "--by program --csv");
  EXPECT_EQ(result.out, csv_header("program") +
                            "rent,0.00,500.00,250.00,50.00,n/a,n/a,50.00%,100.00%,n/a\n"
                            ",1000.00,0.00,0.00,0.00,0.00%,0.00%,n/a,100.00%,-100.00\n");
}

// ---------------------------------------------------------------------------------------------
// A bad CSV: exit 2, file:line and column named, nothing imported

struct BadCsv {
  const char* name;
  std::string text;     // the whole file
  std::string message;  // stderr after "subsidy: <path>"
};

TEST_F(LedgerCliTest, ABadCsvIsRefusedNamingFileLineAndColumn) {
  const std::string good =
      "2023-01-01,received,p,,,,1000,R1\n"
      "2023-02-01,arranged,p,,510107,,500,A1\n";
  const std::vector<BadCsv> cases = {
      {"bad-amount", kHeader + good + "2023-03-01,disbursed,p,,510107,,12a,D1\n",
       ":4: amount: invalid amount \"12a\": expected a number of yuan such as 1234.5, 1_000, 50万 "
       "or 8.1亿\n"},
      {"finer-than-a-fen", kHeader + good + "2023-03-01,disbursed,p,,510107,,0.001,D1\n",
       ":4: amount: amount \"0.001\" is finer than a fen\n"},
      {"zero-amount", kHeader + good + "2023-03-01,disbursed,p,,510107,,0,D1\n",
       ":4: amount: 0.00 is not positive (a `returned` event takes money back)\n"},
      {"unknown-event", kHeader + good + "2023-03-01,dispursed,p,,510107,,12,D1\n",
       ":4: event: unknown event \"dispursed\"; did you mean \"disbursed\"?; expected received, "
       "arranged, disbursed or returned\n"},
      {"missing-column", "date,event,pool,program,region,enterprise,amount\n" + good,
       ":1: missing column \"voucher\"\n"},
      {"unknown-column", "date,event,pool,program,region,enterprise,amout,voucher\n" + good,
       ":1: unknown column \"amout\"; did you mean \"amount\"?; a ledger has date,event,pool,"
       "program,region,enterprise,amount,voucher\n"},
      {"column-twice", "date,event,pool,program,region,enterprise,amount,voucher,pool\n" + good,
       ":1: column \"pool\" appears twice\n"},
      {"too-few-fields", kHeader + good + "2023-03-01,disbursed,p,,510107,12,D1\n",
       ":4: 7 fields; the header has 8\n"},
      {"too-many-fields", kHeader + good + "2023-03-01,disbursed,p,,510107,,12,D1,x\n",
       ":4: 9 fields; the header has 8\n"},
      {"bad-date", kHeader + good + "2023-02-29,disbursed,p,,510107,,12,D1\n",
       ":4: date: invalid date \"2023-02-29\": day 29 is not in 2023-02\n"},
      {"slashed-date", kHeader + "2023/01/01,received,p,,,,1000,R1\n",
       ":2: date: invalid date \"2023/01/01\": expected YYYY-MM-DD\n"},
      {"bad-region", kHeader + good + "2023-03-01,disbursed,p,,5101,,12,D1\n",
       ":4: region: \"5101\" is not a 6-digit division code\n"},
      {"no-pool", kHeader + good + "2023-03-01,disbursed,,,510107,,12,D1\n",
       ":4: pool: every event names its pool\n"},
      {"no-voucher", kHeader + good + "2023-03-01,disbursed,p,,510107,,12,\n",
       ":4: voucher: every event has a voucher\n"},
      {"empty-file", "",
       ": the file is empty; expected the header date,event,pool,program,"
       "region,enterprise,amount,voucher\n"},
  };
  for (const BadCsv& bad : cases) {
    SCOPED_TRACE(bad.name);
    const std::string path = tmp(std::string(bad.name) + ".csv");
    write_file(path, bad.text);
    const CommandResult result = import(path);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err, "subsidy: " + path + bad.message);
    EXPECT_EQ(result.out, "");
    EXPECT_FALSE(fs::exists(db_)) << "a file that does not read creates no ledger";
  }
  // With a ledger there: a bad file adds nothing to it, the fixed file then adds all.
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  const std::string path = tmp("fixable.csv");
  write_file(path, kHeader + good + "2023-03-01,disbursed,p,,510107,,12a,D1\n");
  CommandResult result = import(path);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(event_count(db_), 13);
  write_file(path, kHeader + good + "2023-03-01,disbursed,p,,510107,,12,D1\n");
  result = import(path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(path, 3,
                                    "1 received (1000.00 yuan), 1 arranged (500.00 yuan), "
                                    "1 disbursed (12.00 yuan)",
                                    0));
  EXPECT_EQ(event_count(db_), 16);
}

// The ledger CSV reads as SPEC §12 says: columns in any order, a BOM, CRLF, quotes, blank lines.
TEST_F(LedgerCliTest, ReadsBomCrlfQuotesBlankLinesAndColumnsInAnyOrder) {
  const std::string path = tmp("odd.csv");
  write_file(path,
             "\xEF\xBB\xBF"
             "voucher,amount,enterprise,region,program,pool,event,date\r\n"
             "R1,8.1亿,,,,p,received,2023-01-01\r\n"
             "\r\n"
             "\"A,1\",\"1_000.50\",\"Acme \"\"Ltd\"\"\",510107,rent,p,arranged,2023-02-01\r\n");
  const CommandResult result = import(path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            import_line(path, 2, "1 received (810000000.00 yuan), 1 arranged (1000.50 yuan)", 0));
  subsidy::Result<subsidy::Ledger> ledger = subsidy::Ledger::open_existing(db_);
  ASSERT_TRUE(ledger.ok()) << ledger.status().message();
  const auto events = ledger->events();
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].voucher, "A,1");
  EXPECT_EQ((*events)[1].enterprise, "Acme \"Ltd\"");
  EXPECT_EQ((*events)[1].region, "510107");
  EXPECT_EQ((*events)[1].program, "rent");
  EXPECT_EQ((*events)[1].amount, subsidy::Money::from_fen(100050));
  EXPECT_EQ((*events)[1].line, 4) << "the blank line counts";
}

// UTF-8 text as GBK (GB18030), through iconv.
std::string to_gbk(const std::string& utf8) {
  iconv_t converter = ::iconv_open("GB18030", "UTF-8");
  if (converter == reinterpret_cast<iconv_t>(-1)) return "";
  std::string in = utf8;
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in_at = in.data();
  size_t in_left = in.size();
  char* out_at = out.data();
  size_t out_left = out.size();
  const size_t done = ::iconv(converter, &in_at, &in_left, &out_at, &out_left);
  ::iconv_close(converter);
  if (done == static_cast<size_t>(-1) || in_left != 0) return "";
  out.resize(out.size() - out_left);
  return out;
}

TEST_F(LedgerCliTest, ReadsAGbkLedgerWithEncodingGbk) {
  const std::string utf8 = read_file(std::string(SUBSIDY_SOURCE_DIR) + "/" + kChengduLedger);
  const std::string gbk = to_gbk(utf8);
  ASSERT_FALSE(gbk.empty());
  ASSERT_NE(gbk, utf8) << "亿 and 万 are other bytes in GBK";
  const std::string path = tmp("chengdu-gbk.csv");
  write_file(path, gbk);
  // Read as UTF-8 (the default) it is refused at its first 亿, on line 2.
  CommandResult result = import(path);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: " + path +
                            ":2: invalid UTF-8 (for a GBK file, load it with --encoding gbk)\n");
  EXPECT_FALSE(fs::exists(db_));
  result = import(path, "--encoding gbk");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(path, 13, kChengduImported, 0));
  // The same events as the UTF-8 file: importing that one now skips all 13.
  result = import(kChengduLedger);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(kChengduLedger, 0, "nothing new", 13));
  // An encoding it does not know.
  result = import(path, "--encoding latin1");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "latin1")) << result.err;
  EXPECT_EQ(event_count(db_), 13);
}

// SPEC §3: overflow is an error, not a wrap. 6e16 yuan is 6e18 fen, within int64 (9.22e18); two of
// them in one pool are not.
TEST_F(LedgerCliTest, SumsPastInt64AreAnErrorAndImportNothing) {
  const std::string first =
      ledger_file("first.csv", "2023-01-01,received,a,,,,60000000000000000,R1\n");
  ASSERT_EQ(import(first).exit_code, 0);
  const std::string second = ledger_file("second.csv",
                                         "2023-01-02,received,b,,,,1,R2\n"
                                         "2023-01-02,received,a,,,,60000000000000000,R3\n");
  const CommandResult result = import(second);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + second +
                            ": the ledger's sums pass the range of int64 fen\n");
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(event_count(db_), 1) << "R2 of the refused file is not in";
}

// ---------------------------------------------------------------------------------------------
// Vouchers

TEST_F(LedgerCliTest, AVoucherReusedWithOtherContentNamesBothPlaces) {
  const std::string first = ledger_file("first.csv", "2023-01-01,received,p,,,,5亿,V1\n");
  ASSERT_EQ(import(first).exit_code, 0);
  const std::string second = ledger_file("second.csv",
                                         "2023-01-05,arranged,p,,,,1亿,A1\n"
                                         "2023-01-01,received,p,,,,4亿,V1\n");
  CommandResult result = import(second);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + second +
                            ":3: received voucher V1 is already in the ledger, from " + first +
                            ":2 with other content: amount \"400000000.00\" here, \"500000000.00\" "
                            "there\n");
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(event_count(db_), 1) << "A1 of the refused file is not in";

  // Within one file: named with both lines.
  const std::string twice = ledger_file("twice.csv",
                                        "2023-01-02,received,p,,,,1亿,V2\n"
                                        "2023-01-03,received,p,,,,1亿,V2\n");
  result = import(twice);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + twice +
                            ":3: received voucher V2 is already "
                            "at " +
                            twice +
                            ":2 with other content: date \"2023-01-03\" here, "
                            "\"2023-01-02\" there\n");
  EXPECT_EQ(event_count(db_), 1);

  // The same voucher for another event type is another voucher; an equal repeat is skipped.
  const std::string other = ledger_file("other.csv",
                                        "2023-01-05,arranged,p,,,,1亿,V1\n"
                                        "2023-01-01,received,p,,,,5亿,V1\n"
                                        "2023-01-05,arranged,p,,,,1亿,V1\n");
  result = import(other);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(other, 1, "1 arranged (100000000.00 yuan)", 2));
  EXPECT_EQ(event_count(db_), 2);
}

// ---------------------------------------------------------------------------------------------
// The ledger's rules

TEST_F(LedgerCliTest, ArrangedBeyondReceivedNeedsAllowOverdraft) {
  const std::string file = ledger_file("over.csv",
                                       "2023-01-01,received,p,,,,100,R1\n"
                                       "2023-02-01,arranged,p,,,,150,A1\n");
  CommandResult result = import(file);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + file +
                            ":3: arranged A1 on 2023-02-01: arranged for pool p would reach "
                            "150.00, beyond the 100.00 it has received by then (--allow-overdraft "
                            "permits it)\n");
  EXPECT_EQ(result.out, "");
  result = import(file, "--allow-overdraft");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            import_line(file, 2, "1 received (100.00 yuan), 1 arranged (150.00 yuan)", 0));
  // The ledger remembers the overdraft was allowed: a later import without the flag checks the
  // same events again and passes; spending up to what was arranged is fine.
  const std::string later = ledger_file("later.csv", "2023-03-01,disbursed,p,,,,150,D1\n");
  result = import(later);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(later, 1, "1 disbursed (150.00 yuan)", 0));
  // But a new arrangement without the flag is refused: 150 + 1 > 100 received.
  const std::string more = ledger_file("more.csv", "2023-04-01,arranged,p,,,,1,A2\n");
  result = import(more);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + more +
                            ":2: arranged A2 on 2023-04-01: arranged for pool p would reach "
                            "151.00, beyond the 100.00 it has received by then (--allow-overdraft "
                            "permits it)\n");
  EXPECT_EQ(event_count(db_), 3);
}

TEST_F(LedgerCliTest, DisbursedBeyondArrangedIsRefused) {
  const std::string base = ledger_file("base.csv",
                                       "2023-01-01,received,p,,,,1000,R1\n"
                                       "2023-02-01,arranged,p,,510107,,300,A1\n"
                                       "2023-02-01,arranged,p,,510104,,300,A2\n");
  ASSERT_EQ(import(base).exit_code, 0);
  // The pool has 600 arranged: 700 is too much for it.
  const std::string pool = ledger_file("pool.csv", "2023-03-01,disbursed,p,,,,700,D1\n");
  CommandResult result = import(pool);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + pool +
                            ":2: disbursed D1 on 2023-03-01: disbursed for pool p would reach "
                            "700.00, beyond the 600.00 arranged for it by then\n");
  // 350 fits the pool but not region 510107's 300.
  const std::string region = ledger_file("region.csv",
                                         "2023-03-01,disbursed,p,,510104,,10,D2\n"
                                         "2023-03-01,disbursed,p,,510107,,350,D3\n");
  result = import(region);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + region +
                            ":3: disbursed D3 on 2023-03-01: disbursed for pool p, region 510107 "
                            "would reach 350.00, beyond the 300.00 arranged for it by then\n");
  EXPECT_EQ(event_count(db_), 3);
  // Exactly what was arranged is fine.
  const std::string exact = ledger_file("exact.csv", "2023-03-01,disbursed,p,,510107,,300,D4\n");
  result = import(exact);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(event_count(db_), 4);
}

TEST_F(LedgerCliTest, ReturnedBeyondDisbursedIsRefused) {
  const std::string base = ledger_file("base.csv",
                                       "2023-01-01,received,p,,,,1000,R1\n"
                                       "2023-02-01,arranged,p,,510107,,400,A1\n"
                                       "2023-02-01,arranged,p,,510104,,400,A2\n"
                                       "2023-03-01,disbursed,p,,510107,e1,200,D1\n"
                                       "2023-03-01,disbursed,p,,510104,e2,200,D2\n");
  ASSERT_EQ(import(base).exit_code, 0);
  const std::string pool = ledger_file("pool.csv", "2023-04-01,returned,p,,,,450,T1\n");
  CommandResult result = import(pool);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + pool +
                            ":2: returned T1 on 2023-04-01: returning 450.00 would take disbursed "
                            "for pool p below zero (400.00 disbursed by then)\n");
  // 250 fits the pool's 400 but not region 510107's 200.
  const std::string region = ledger_file("region.csv", "2023-04-01,returned,p,,510107,,250,T2\n");
  result = import(region);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + region +
                            ":2: returned T2 on 2023-04-01: returning 250.00 would take disbursed "
                            "for pool p, region 510107 below zero (200.00 disbursed by then)\n");
  // A return dated before the disbursement it would undo is refused too.
  const std::string early = ledger_file("early.csv", "2023-02-15,returned,p,,,,1,T3\n");
  result = import(early);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + early +
                            ":2: returned T3 on 2023-02-15: returning 1.00 would take disbursed "
                            "for pool p below zero (0.00 disbursed by then)\n");
  EXPECT_EQ(event_count(db_), 5);
  // 250 fits the pool's 400 but not enterprise e2's 200.
  const std::string enterprise =
      ledger_file("enterprise.csv", "2023-04-01,returned,p,,,e2,250,T4\n");
  result = import(enterprise);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + enterprise +
                            ":2: returned T4 on 2023-04-01: returning 250.00 would take disbursed "
                            "for pool p, enterprise e2 below zero (200.00 disbursed by then)\n");
  EXPECT_EQ(event_count(db_), 5);
  // Within every bound it is fine.
  const std::string fine = ledger_file("fine.csv", "2023-04-01,returned,p,,510107,e1,150,T5\n");
  result = import(fine);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(fine, 1, "1 returned (150.00 yuan)", 0));
  EXPECT_EQ(event_count(db_), 6);
}

TEST_F(LedgerCliTest, RulesAreCheckedInDateOrderNotFileOrder) {
  // The disbursement's line comes before its arrangement's, but its date after: accepted.
  const std::string forward = ledger_file("forward.csv",
                                          "2023-01-01,received,p,,,,100,R1\n"
                                          "2023-03-01,disbursed,p,,,,40,D1\n"
                                          "2023-02-01,arranged,p,,,,50,A1\n"
                                          "2023-01-15,received,q,,,,10,R2\n");
  CommandResult result = import(forward);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, import_line(forward, 4,
                                    "2 received (110.00 yuan), 1 arranged (50.00 yuan), "
                                    "1 disbursed (40.00 yuan)",
                                    0));
  // The arrangement's line comes first, but it is dated after the disbursement: refused.
  db_ = tmp("backward.db");
  const std::string backward = ledger_file("backward.csv",
                                           "2023-01-01,received,p,,,,100,R1\n"
                                           "2023-02-01,arranged,p,,,,50,A1\n"
                                           "2023-01-15,disbursed,p,,,,40,D1\n");
  result = import(backward);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + backward +
                            ":4: disbursed D1 on 2023-01-15: disbursed for pool p would reach "
                            "40.00, beyond the 0.00 arranged for it by then\n");
  // A receipt dated after the arrangement it would pay for does not count for it.
  const std::string late = ledger_file("late.csv",
                                       "2023-03-01,received,p,,,,100,R1\n"
                                       "2023-02-01,arranged,p,,,,50,A1\n");
  result = import(late);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + late +
                            ":3: arranged A1 on 2023-02-01: arranged for pool p would reach 50.00, "
                            "beyond the 0.00 it has received by then (--allow-overdraft permits "
                            "it)\n");
  // On the same date, file order decides: the disbursement first is refused...
  const std::string same_day = ledger_file("same-day.csv",
                                           "2023-01-01,received,p,,,,100,R1\n"
                                           "2023-02-01,disbursed,p,,,,40,D1\n"
                                           "2023-02-01,arranged,p,,,,50,A1\n");
  result = import(same_day);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + same_day +
                            ":3: disbursed D1 on 2023-02-01: disbursed for pool p would reach "
                            "40.00, beyond the 0.00 arranged for it by then\n");
  // ...the arrangement first is accepted.
  const std::string same_day_ok = ledger_file("same-day-ok.csv",
                                              "2023-01-01,received,p,,,,100,R1\n"
                                              "2023-02-01,arranged,p,,,,50,A1\n"
                                              "2023-02-01,disbursed,p,,,,40,D1\n");
  result = import(same_day_ok);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(event_count(db_), 3);
}

// An import's events are checked together with every event already there, in date order: an
// earlier-dated arrangement that leaves a stored later one without cover is refused, naming the
// stored one.
TEST_F(LedgerCliTest, ANewEventThatBreaksAStoredOneIsRefusedNamingIt) {
  const std::string old = ledger_file("old.csv",
                                      "2023-01-01,received,p,,,,100,R1\n"
                                      "2023-02-01,arranged,p,,,,100,A1\n");
  ASSERT_EQ(import(old).exit_code, 0);
  const std::string early = ledger_file("early.csv", "2023-01-15,arranged,p,,,,50,A0\n");
  const CommandResult result = import(early);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing imported: " + old +
                            ":3 (already in the ledger): arranged A1 on 2023-02-01: arranged for "
                            "pool p would reach 150.00, beyond the 100.00 it has received by then "
                            "(--allow-overdraft permits it)\n");
  EXPECT_EQ(event_count(db_), 2);
}

// ---------------------------------------------------------------------------------------------
// Usage and file errors

TEST_F(LedgerCliTest, ExecutionOfAMissingLedgerIsExitTwoAndCreatesNothing) {
  const CommandResult result = execution("2023-12-31");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: ledger " + db_ + " does not exist (an import creates it)\n");
  EXPECT_EQ(result.out, "");
  EXPECT_FALSE(fs::exists(db_));
}

TEST_F(LedgerCliTest, BadAsOfByAndFormatFlagsAreExitTwo) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  CommandResult result = execution("2023-13-01");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: --as-of: invalid date \"2023-13-01\": month 13 is not 1..12\n");
  EXPECT_EQ(result.out, "");
  result = execution("31.12.2023");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: --as-of: invalid date \"31.12.2023\": expected YYYY-MM-DD\n");
  result = execution("2023-12-31", "--by city");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "subsidy: --by: unknown grouping \"city\"; expected pool, region or program\n");
  EXPECT_EQ(result.out, "");
  // --csv and --json exclude each other: CLI11's usage error, exit 2.
  result = execution("2023-12-31", "--csv --json");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "excludes")) << result.err;
  EXPECT_TRUE(contains(result.err, "--csv") && contains(result.err, "--json")) << result.err;
  EXPECT_EQ(result.out, "");
  // Missing required options.
  result = subsidy("execution --db '" + db_ + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "--as-of is required")) << result.err;
  result = subsidy("ledger import '" + std::string(kChengduLedger) + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "--db is required")) << result.err;
  result = subsidy("ledger import --db '" + db_ + "' /no/such/ledger.csv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "/no/such/ledger.csv")) << result.err;
  EXPECT_EQ(event_count(db_), 13);
}

TEST_F(LedgerCliTest, AFileThatIsNotALedgerIsExitTwoAndLeftAlone) {
  const std::string text =
      "These are the minutes of the finance bureau's meeting, saved as ledger.db by mistake.\n"
      "Nothing in here is a SQLite database; the ledger commands must say so and not touch it.\n";
  write_file(db_, text);
  const std::string message =
      "subsidy: " + db_ + ": cannot read the ledger: file is not a database\n";
  CommandResult result = import(kChengduLedger);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, message);
  EXPECT_EQ(result.out, "");
  result = execution("2023-12-31");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, message);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(read_file(db_), text);
  EXPECT_FALSE(fs::exists(db_ + "-wal"));
}

// ---------------------------------------------------------------------------------------------
// book-run

class LedgerCliBookRunTest : public LedgerCliTest {};

TEST_F(LedgerCliBookRunTest, BooksARunsGrantedAmountsOnce) {
  const std::string id = allocate("run");
  ASSERT_FALSE(id.empty());
  // Without receipts in the ledger, booking is refused, naming the pool.
  CommandResult result = book("run");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing booked: run " + id +
                            ": pool county-base-fund has nothing received in " + db_ +
                            "; import its receipts first, or book the plan's received amounts with "
                            "--book-received\n");
  EXPECT_EQ(result.out, "");

  // The nine lines with granted > 0 (2 tax-contribution, 5 sales-contribution, 2 startup-rent),
  // 760000.00 in all, and the plan's received 80万.
  result = book("run", "--book-received");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "booked run " + id + " (xuyi-2023-h1, as of 2023-06-30) in " + db_ +
                            ": 1 received (800000.00 yuan), 9 arranged (760000.00 yuan); received "
                            "booked from the plan for county-base-fund\n");
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(event_count(db_), 10);

  result = book("run", "--book-received");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_match(
      result.out,
      std::regex("run " + id + " \\(xuyi-2023-h1\\) was booked in " + db_ +
                 " at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z; nothing added\n")))
      << result.out;
  EXPECT_EQ(event_count(db_), 10);
  // A second allocation of the same inputs is the same run.
  ASSERT_EQ(allocate("again"), id);
  result = book("again");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "; nothing added\n")) << result.out;
  EXPECT_EQ(event_count(db_), 10);

  // The arranged amounts per program are the sums of granted in awards.csv.
  const auto awards = parse_csv(read_file(dir_ / "run" / "awards.csv"));
  ASSERT_GT(awards.size(), 1u);
  const std::vector<std::string>& header = awards[0];
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t program_col = column("program");
  const size_t granted_col = column("granted");
  ASSERT_LT(program_col, header.size());
  ASSERT_LT(granted_col, header.size());
  std::map<std::string, subsidy::Money> granted;
  for (size_t k = 1; k < awards.size(); ++k) {
    const subsidy::Result<subsidy::Money> amount = subsidy::parse_money(awards[k][granted_col]);
    ASSERT_TRUE(amount.ok()) << awards[k][granted_col];
    granted[awards[k][program_col]] += *amount;
  }
  ASSERT_EQ(granted.size(), 3u);
  std::string expected = csv_header("program");
  for (const auto& [program, amount] : granted) {  // ordered by program, as the report is
    if (amount.is_zero()) continue;                // no event names it
    expected += program + ",0.00," + subsidy::format_yuan(amount) + ",0.00,0.00,n/a,n/a,0.00%," +
                "49.59%,n/a\n";
  }
  // The receipt names no program: 0 of 800000.00 arranged under "", lag 0 − 49.5890… → −49.59.
  expected += ",800000.00,0.00,0.00,0.00,0.00%,0.00%,n/a,49.59%,-49.59\n";
  result = execution("2023-06-30", "--by program --csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, expected);
  // And by hand (tests/golden/allocate/xuyi/awards.csv): 24844 + 675156 + 60000 = 760000.
  EXPECT_EQ(subsidy::format_yuan(granted["tax-contribution"]), "24844.00");
  EXPECT_EQ(subsidy::format_yuan(granted["sales-contribution"]), "675156.00");
  EXPECT_EQ(subsidy::format_yuan(granted["startup-rent"]), "60000.00");
  // By pool: 760000 / 800000 = 95.00% arranged.
  result = execution("2023-06-30");
  EXPECT_EQ(result.out, csv_header("pool") +
                            "county-base-fund,800000.00,760000.00,0.00,0.00,95.00%,0.00%,0.00%,"
                            "49.59%,-49.59\n");
}

TEST_F(LedgerCliBookRunTest, WithReceiptsImportedFirstBooksOnlyTheArrangements) {
  const std::string id = allocate("run");
  const std::string receipts =
      ledger_file("receipts.csv", "2023-02-01,received,county-base-fund,,,,75万,XY-R1\n");
  ASSERT_EQ(import(receipts).exit_code, 0);
  // 760000 arranged of 750000 received: an overdraft.
  CommandResult result = book("run", "--book-received");
  // In awards.csv order the granted amounts add up to 730000.00 by line 14; line 18
  // (91320830MA1N000012's startup-rent, 30000.00) brings them to 760000.00.
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: nothing booked: " + tmp("run") +
                            "/awards.csv:18: arranged run:" + id +
                            ":startup-rent:91320830MA1N000012 on 2023-06-30: arranged for "
                            "pool county-base-fund would reach 760000.00, beyond the 750000.00 it "
                            "has received by then (--allow-overdraft permits it)\n");
  EXPECT_EQ(event_count(db_), 1);
  result = book("run", "--allow-overdraft");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "booked run " + id + " (xuyi-2023-h1, as of 2023-06-30) in " + db_ +
                            ": 9 arranged (760000.00 yuan)\n");
  EXPECT_EQ(event_count(db_), 10);
}

TEST_F(LedgerCliBookRunTest, ACorruptRunDirectoryIsExitTwoAndBooksNothing) {
  ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  allocate("run");
  // No run.json.
  fs::copy(dir_ / "run", dir_ / "no-run-json", fs::copy_options::recursive);
  fs::remove(dir_ / "no-run-json" / "run.json");
  CommandResult result = book("no-run-json", "--book-received");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "subsidy: cannot read " + tmp("no-run-json") + "/run.json: it is not there\n");
  EXPECT_EQ(result.out, "");
  // run.json that is not JSON.
  fs::copy(dir_ / "run", dir_ / "bad-json", fs::copy_options::recursive);
  write_file(dir_ / "bad-json" / "run.json", "run_id: 1\n");
  result = book("bad-json", "--book-received");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: " + tmp("bad-json") + "/run.json: not a JSON object (is " +
                            tmp("bad-json") + " a run directory of `subsidy allocate`?)\n");
  // A granted amount that is not an amount: line 4 of awards.csv (91320830MA1N000003's
  // tax-contribution, granted 12422.00).
  fs::copy(dir_ / "run", dir_ / "bad-granted", fs::copy_options::recursive);
  std::string awards = read_file(dir_ / "bad-granted" / "awards.csv");
  const std::string line = ",20000.00,12422.00,scaled,";
  const size_t at = awards.find(line);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(std::count(awards.begin(), awards.begin() + static_cast<std::ptrdiff_t>(at), '\n'), 3);
  awards.replace(at, line.size(), ",20000.00,12422.0x,scaled,");
  write_file(dir_ / "bad-granted" / "awards.csv", awards);
  result = book("bad-granted", "--book-received");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: " + tmp("bad-granted") +
                            "/awards.csv:4: granted: invalid amount \"12422.0x\": expected a "
                            "number of yuan such as 1234.5, 1_000, 50万 or 8.1亿\n");
  // An awards.csv without its granted column.
  fs::copy(dir_ / "run", dir_ / "no-granted", fs::copy_options::recursive);
  write_file(dir_ / "no-granted" / "awards.csv", "enterprise,region,program,pool\n");
  result = book("no-granted", "--book-received");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "subsidy: " + tmp("no-granted") + "/awards.csv:1: no column \"granted\"\n");
  EXPECT_EQ(event_count(db_), 13);
  // The intact run still books.
  result = book("run", "--book-received");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(event_count(db_), 23);
}

// ---------------------------------------------------------------------------------------------
// Crash safety: a killed import leaves all of its events or none

TEST_F(LedgerCliTest, AKilledImportLeavesAllOrNothing) {
  const std::string small = ledger_file("small.csv",
                                        "2023-01-01,received,small,,,,100,S-R1\n"
                                        "2023-01-02,arranged,small,,,,100,S-A1\n");
  ASSERT_EQ(import(small).exit_code, 0);
  const int64_t small_events = 2;
  ASSERT_EQ(event_count(db_), small_events);

  // One receipt, one arrangement, then many disbursements of 1 fen: some 40 MB of pages, which
  // SQLite writes into the WAL when its page cache fills (a spill) or at the commit, before the
  // frame that commits them. A kill once the WAL has grown by 1 MB lands in the middle of the
  // transaction (or, at the latest, just after its commit) and must leave all or none of it.
  constexpr int64_t kDisbursements = 400'000;
  const int64_t big_events = kDisbursements + 2;
  std::string text = kHeader;
  text.reserve(static_cast<size_t>(kDisbursements) * 80);
  text += "2023-01-02,received,big,,,,1亿,BIG-RECEIVED-1\n";
  text += "2023-01-03,arranged,big,,,,1亿,BIG-ARRANGED-1\n";
  char line[128];
  for (int64_t k = 0; k < kDisbursements; ++k) {
    std::snprintf(line, sizeof line,
                  "2023-02-01,disbursed,big,,,,0.01,BIG-DISBURSEMENT-VOUCHER-%09lld\n",
                  static_cast<long long>(k));
    text += line;
  }
  const std::string big = tmp("big.csv");
  write_file(big, text);
  text.clear();
  text.shrink_to_fit();

  const fs::path wal = db_ + "-wal";
  const int64_t wal_before = bytes_of(wal);
  const pid_t child =
      spawn_subsidy({"ledger", "import", big, "--db", db_}, dir_ / "child.out", dir_ / "child.err");
  ASSERT_GT(child, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool exited_early = false;
  bool grew = false;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(child, &status, WNOHANG) == child) {
      exited_early = true;
      break;
    }
    if (bytes_of(wal) > wal_before + (int64_t{1} << 20)) {
      grew = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  if (!exited_early) {
    ::kill(child, SIGKILL);
    ASSERT_EQ(::waitpid(child, &status, 0), child);
  }
  ASSERT_FALSE(exited_early) << "the import finished (exit "
                             << (WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                             << ") before its WAL grew by 1 MB: make the file bigger; stderr: "
                             << read_file(dir_ / "child.err");
  ASSERT_TRUE(grew) << "the WAL did not grow within 60 s";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the import ended by itself before the kill";
  EXPECT_EQ(read_file(dir_ / "child.out"), "") << "a killed import reports nothing";

  const int64_t after_kill = event_count(db_);
  RecordProperty("events_after_kill", std::to_string(after_kill));
  EXPECT_TRUE(after_kill == small_events || after_kill == small_events + big_events)
      << after_kill << " events after the kill: neither " << small_events << " nor "
      << small_events + big_events;

  // Importing again completes the ledger.
  const CommandResult result = import(big);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  if (after_kill == small_events) {
    EXPECT_EQ(result.out, import_line(big, big_events,
                                      "1 received (100000000.00 yuan), 1 arranged (100000000.00 "
                                      "yuan), 400000 disbursed (4000.00 yuan)",
                                      0));
  } else {
    EXPECT_EQ(result.out, import_line(big, 0, "nothing new", big_events));
  }
  EXPECT_EQ(event_count(db_), small_events + big_events);
  const CommandResult ratios = execution("2023-12-31");
  EXPECT_EQ(ratios.out, csv_header("pool") +
                            "big,100000000.00,100000000.00,4000.00,0.00,100.00%,0.00%,0.00%,"
                            "100.00%,-100.00\n"
                            "small,100.00,100.00,0.00,0.00,100.00%,0.00%,0.00%,100.00%,-100.00\n");
}

// ---------------------------------------------------------------------------------------------
// Two imports at once

std::vector<CommandResult> import_at_once(const fs::path& dir,
                                          const std::vector<std::string>& files,
                                          const std::string& db, const std::string& tag) {
  std::vector<std::vector<std::string>> commands;
  for (const std::string& file : files) commands.push_back({"ledger", "import", file, "--db", db});
  return run_at_once(dir, commands, tag);
}

// `count` disbursements of 0.01 for `pool` in `region` on 2023-05-01, vouchers <prefix>-CENT-<k>:
// enough lines that two imports started together are at work at the same time.
std::string many_cents(const std::string& pool, const std::string& region,
                       const std::string& prefix, int count) {
  std::string text;
  for (int k = 0; k < count; ++k) {
    text += "2023-05-01,disbursed," + pool + ",," + region + ",,0.01," + prefix + "-CENT-" +
            std::to_string(k) + "\n";
  }
  return text;
}

class LedgerCliConcurrencyTest : public LedgerCliTest {
 protected:
  // Brings `db_` to its state before a round: missing (fresh) or holding the Chengdu example.
  void prepare(bool fresh) {
    if (!fresh) ASSERT_EQ(import(kChengduLedger).exit_code, 0);
  }
  int64_t before(bool fresh) const { return fresh ? 0 : 13; }

  // Two files, each a pool of its own and valid whichever lands first (2000 cents each besides),
  // imported at once: both land.
  void different_files(bool fresh, const std::string& tag) {
    const std::string alpha = ledger_file("alpha.csv",
                                          "2023-01-01,received,alpha,,,,1000,AL-R1\n"
                                          "2023-02-01,arranged,alpha,,510107,,600,AL-A1\n"
                                          "2023-03-01,disbursed,alpha,,510107,,280,AL-D1\n" +
                                              many_cents("alpha", "510107", "AL", 2000));
    const std::string beta = ledger_file("beta.csv",
                                         "2023-01-01,received,beta,,,,2000,BE-R1\n"
                                         "2023-02-01,arranged,beta,,510104,,500,BE-A1\n"
                                         "2023-03-01,disbursed,beta,,510104,,80,BE-D1\n"
                                         "2023-04-01,returned,beta,,510104,,50,BE-T1\n" +
                                             many_cents("beta", "510104", "BE", 2000));
    db_ = tmp(tag + ".db");
    prepare(fresh);
    const std::vector<CommandResult> results = import_at_once(dir_, {alpha, beta}, db_, tag);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].exit_code, 0) << results[0].err;
    EXPECT_EQ(results[1].exit_code, 0) << results[1].err;
    // Disbursed 280 + 2000 × 0.01 = 300.00 for alpha, 80 + 20 = 100.00 for beta.
    EXPECT_EQ(results[0].out,
              import_line(alpha, 2003,
                          "1 received (1000.00 yuan), 1 arranged (600.00 yuan), 2001 disbursed "
                          "(300.00 yuan)",
                          0));
    EXPECT_EQ(results[1].out,
              import_line(beta, 2004,
                          "1 received (2000.00 yuan), 1 arranged (500.00 yuan), 2001 disbursed "
                          "(100.00 yuan), 1 returned (50.00 yuan)",
                          0));
    EXPECT_EQ(event_count(db_), before(fresh) + 4007);
    // alpha: 600/1000, 300/1000, 300/600, lag 30 − 100; beta (net of the 50 returned):
    // 500/2000, 50/2000 = 2.50%, 50/500 = 10.00%, lag 2.5 − 100.
    const CommandResult ratios = execution("2023-12-31");
    EXPECT_EQ(ratios.out,
              csv_header("pool") +
                  "alpha,1000.00,600.00,300.00,0.00,60.00%,30.00%,50.00%,100.00%,-70.00\n"
                  "beta,2000.00,500.00,50.00,50.00,25.00%,2.50%,10.00%,100.00%,-97.50\n" +
                  (fresh ? ""
                         : "central-lcsf,810000000.00,720000000.00,678930500.00,0.00,88.89%,"
                           "83.82%,94.30%,100.00%,-16.18\n"));
  }

  // One file imported twice at once: one import adds it, the other skips all of it.
  void same_file(bool fresh, const std::string& tag) {
    const std::string file = ledger_file("same.csv",
                                         "2023-01-01,received,p,,,,1000,R1\n"
                                         "2023-02-01,arranged,p,,,,600,A1\n"
                                         "2023-03-01,disbursed,p,,,,280,D1\n" +
                                             many_cents("p", "", "P", 2000));
    const int64_t n = 2003;
    db_ = tmp(tag + ".db");
    prepare(fresh);
    const std::vector<CommandResult> results = import_at_once(dir_, {file, file}, db_, tag);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].exit_code, 0) << results[0].err;
    EXPECT_EQ(results[1].exit_code, 0) << results[1].err;
    EXPECT_EQ(reported(results[0].out, "added") + reported(results[1].out, "added"), n)
        << results[0].out << results[1].out;
    const std::string added = import_line(
        file, n,
        "1 received (1000.00 yuan), 1 arranged (600.00 yuan), 2001 disbursed (300.00 yuan)", 0);
    const std::string skipped = import_line(file, 0, "nothing new", n);
    EXPECT_TRUE((results[0].out == added && results[1].out == skipped) ||
                (results[1].out == added && results[0].out == skipped))
        << results[0].out << results[1].out;
    EXPECT_EQ(event_count(db_), before(fresh) + n);
  }

  // One run booked twice at once: BEGIN IMMEDIATE makes the second wait for the first and then
  // see the run booked.
  void same_run(bool fresh, const std::string& tag) {
    if (!fs::exists(dir_ / "run")) ASSERT_FALSE(allocate("run").empty());
    const std::string id =
        YAML::Load(read_file(dir_ / "run" / "run.json"))["run_id"].as<std::string>();
    db_ = tmp(tag + ".db");
    prepare(fresh);
    const std::vector<std::string> command = {"ledger", "book-run", "--db",           db_,
                                              "--run",  tmp("run"), "--book-received"};
    const std::vector<CommandResult> results = run_at_once(dir_, {command, command}, tag);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].exit_code, 0) << results[0].err;
    EXPECT_EQ(results[1].exit_code, 0) << results[1].err;
    const std::string booked = "booked run " + id + " (xuyi-2023-h1, as of 2023-06-30) in " + db_ +
                               ": 1 received (800000.00 yuan), 9 arranged (760000.00 yuan); "
                               "received booked from the plan for county-base-fund\n";
    const std::string again = "run " + id + " (xuyi-2023-h1) was booked in " + db_ + " at ";
    EXPECT_TRUE((results[0].out == booked && results[1].out.rfind(again, 0) == 0) ||
                (results[1].out == booked && results[0].out.rfind(again, 0) == 0))
        << results[0].out << results[1].out;
    EXPECT_EQ(event_count(db_), before(fresh) + 10);
  }
};

TEST_F(LedgerCliConcurrencyTest, TwoImportsOfDifferentFilesAtOnceBothLand) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    different_files(false, "different-" + std::to_string(round));
  }
}

TEST_F(LedgerCliConcurrencyTest, TwoImportsOfTheSameFileAtOnceAddItOnce) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    same_file(false, "same-" + std::to_string(round));
  }
}

TEST_F(LedgerCliConcurrencyTest, TwoBookRunsOfOneRunAtOnceBookItOnce) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    same_run(false, "run-" + std::to_string(round));
  }
}

// The same, each round into a ledger file that does not exist yet, so that both commands create
// it at once.
TEST_F(LedgerCliConcurrencyTest, TwoCommandsAtOnceCreatingTheLedgerBothSucceed) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    different_files(true, "fresh-different-" + std::to_string(round));
    same_file(true, "fresh-same-" + std::to_string(round));
    same_run(true, "fresh-run-" + std::to_string(round));
  }
}

}  // namespace
