// The ledger as a library: reading ledger CSVs, the rules (checked in date order), idempotent
// imports, migrations, and execution ratios — exact amounts and exact messages. A property test
// compares the rules with a naive reference over random ledgers.
#include "subsidy/ledger.hpp"
#include "test_files.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "subsidy/execution.hpp"

namespace {

namespace fs = std::filesystem;
using namespace subsidy;

const char kHeader[] = "date,event,pool,program,region,enterprise,amount,voucher\n";

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = subsidy_test::fresh_test_directory("ledger");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string db(const std::string& name = "ledger.db") const { return (dir_ / name).string(); }

  // Parses `body` (lines after the header) as the file `name`; fails the test on a parse error.
  static LedgerBatch batch(const std::string& body, const std::string& name = "l.csv") {
    Result<LedgerBatch> parsed = parse_ledger_csv(kHeader + body, name);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return parsed.ok() ? *parsed : LedgerBatch{};
  }

  static std::string import_error(Ledger& ledger, const std::string& body,
                                  const std::string& name = "l.csv") {
    Result<ImportReport> report = ledger.import(batch(body, name));
    return report.ok() ? "ok" : report.status().message();
  }

  static size_t event_count(const Ledger& ledger) {
    Result<std::vector<LedgerEvent>> events = ledger.events();
    EXPECT_TRUE(events.ok());
    return events.ok() ? events->size() : 0;
  }

  fs::path dir_;
};

std::string parse_error(const std::string& text) {
  Result<LedgerBatch> parsed = parse_ledger_csv(text, "l.csv");
  return parsed.ok() ? "ok" : parsed.status().message();
}

// ---------------------------------------------------------------------------------------------
// Reading the CSV

TEST(LedgerCsv, ReadsEveryFieldWithUnitsAndEmptyFields) {
  Result<LedgerBatch> parsed = parse_ledger_csv(
      std::string(kHeader) +
          "2023-03-10,received,central-lcsf,,,,5亿,CZ-2023-0001\n"
          "2023-12-15,disbursed,central-lcsf,rent,510104,\"91510104, Ltd\",10193.05万,ZF-5\n",
      "l.csv");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->events.size(), 2u);
  EXPECT_EQ(parsed->source, "l.csv");
  const LedgerEvent& received = parsed->events[0];
  EXPECT_EQ(received.date.to_string(), "2023-03-10");
  EXPECT_EQ(received.type, LedgerEventType::kReceived);
  EXPECT_EQ(received.pool, "central-lcsf");
  EXPECT_EQ(received.program, "");
  EXPECT_EQ(received.region, "");
  EXPECT_EQ(received.amount.fen(), 50'000'000'000);
  EXPECT_EQ(received.line, 2);
  const LedgerEvent& disbursed = parsed->events[1];
  EXPECT_EQ(disbursed.type, LedgerEventType::kDisbursed);
  EXPECT_EQ(disbursed.program, "rent");
  EXPECT_EQ(disbursed.region, "510104");
  EXPECT_EQ(disbursed.enterprise, "91510104, Ltd");
  EXPECT_EQ(disbursed.amount.fen(), 10'193'050'000);
  EXPECT_EQ(disbursed.voucher, "ZF-5");
  EXPECT_EQ(disbursed.line, 3);
}

TEST(LedgerCsv, ColumnsInAnyOrderWithBomCrlfAndBlankLines) {
  Result<LedgerBatch> parsed = parse_ledger_csv(
      "\xEF\xBB\xBFvoucher,amount,enterprise,region,program,pool,event,date\r\n"
      "V1,100,,,,p,received,2023-01-02\r\n"
      "\r\n"
      "V2,0.01,,,,p,arranged,2023-01-03\r\n",
      "l.csv");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->events.size(), 2u);
  EXPECT_EQ(parsed->events[1].amount.fen(), 1);
  EXPECT_EQ(parsed->events[1].type, LedgerEventType::kArranged);
  EXPECT_EQ(parsed->events[1].line, 4);
}

TEST(LedgerCsv, HeaderErrors) {
  EXPECT_EQ(parse_error(""),
            "l.csv: the file is empty; expected the header "
            "date,event,pool,program,region,enterprise,amount,voucher");
  EXPECT_EQ(parse_error("date,event,pool,program,region,enterprise,amount,vocher\n"),
            "l.csv:1: unknown column \"vocher\"; did you mean \"voucher\"?; a ledger has "
            "date,event,pool,program,region,enterprise,amount,voucher");
  EXPECT_EQ(parse_error("date,event,pool,program,region,enterprise,amount\n"),
            "l.csv:1: missing column \"voucher\"");
  EXPECT_EQ(parse_error("date,event,pool,program,region,enterprise,amount,voucher,date\n"),
            "l.csv:1: column \"date\" appears twice");
}

TEST(LedgerCsv, RowErrorsNameLineAndColumn) {
  auto row = [](const std::string& line) { return parse_error(kHeader + ("x\n" + line)); };
  // Line 2 is a one-field row: the field count is checked first.
  EXPECT_EQ(parse_error(std::string(kHeader) + "2023-01-01,received,p,,,,1\n"),
            "l.csv:2: 7 fields; the header has 8");
  EXPECT_EQ(row(""), "l.csv:2: 1 fields; the header has 8");
  const std::string h = kHeader;
  EXPECT_EQ(parse_error(h + "2023-02-30,received,p,,,,1,V\n"),
            "l.csv:2: date: invalid date \"2023-02-30\": day 30 is not in 2023-02");
  EXPECT_EQ(parse_error(h + "2023-01-01,recieved,p,,,,1,V\n"),
            "l.csv:2: event: unknown event \"recieved\"; did you mean \"received\"?; expected "
            "received, arranged, disbursed or returned");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,12a,V\n"),
            "l.csv:2: amount: invalid amount \"12a\": expected a number of yuan such as 1234.5, "
            "1_000, 50万 or 8.1亿");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,0.001,V\n"),
            "l.csv:2: amount: amount \"0.001\" is finer than a fen");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,0,V\n"),
            "l.csv:2: amount: 0.00 is not positive (a `returned` event takes money back)");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,-5,V\n"),
            "l.csv:2: amount: -5.00 is not positive (a `returned` event takes money back)");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,,,,,1,V\n"),
            "l.csv:2: pool: every event names its pool");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,Central,,,,1,V\n"),
            "l.csv:2: pool: \"Central\" is not a pool id (a-z, 0-9 and '-')");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,Rent Aid,,,1,V\n"),
            "l.csv:2: program: \"Rent Aid\" is not a program id (a-z, 0-9 and '-')");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,51010,,1,V\n"),
            "l.csv:2: region: \"51010\" is not a 6-digit division code");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,1,\n"),
            "l.csv:2: voucher: every event has a voucher");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,1,V \n"),
            "l.csv:2: voucher: \"V \" starts or ends with a space or holds a control character");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,\" E\",1,V\n"),
            "l.csv:2: enterprise: \" E\" starts or ends with a space or holds a control "
            "character");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,1,\"V\n"),
            "l.csv:2: unterminated quoted field");
  EXPECT_EQ(parse_error(h + "2023-01-01,received,p,,,,1,V\x80\n"),
            "l.csv:2: invalid UTF-8 (for a GBK file, load it with --encoding gbk)");
}

TEST_F(LedgerTest, ReadsAFileAndGbk) {
  const std::string utf8 = std::string(kHeader) + "2023-01-01,received,p,,,某企业,1万,V1\n";
  const fs::path path = dir_ / "gbk.csv";
  {
    // 某企业 in GBK
    std::ofstream out(path, std::ios::binary);
    out << kHeader << "2023-01-01,received,p,,,\xC4\xB3\xC6\xF3\xD2\xB5,1\xCD\xF2,V1\n";
  }
  Result<LedgerBatch> parsed = read_ledger_csv(path.string(), Encoding::kGbk);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->events.size(), 1u);
  EXPECT_EQ(parsed->events[0].enterprise, "某企业");
  EXPECT_EQ(parsed->events[0].amount.fen(), 1'000'000);
  EXPECT_EQ(read_ledger_csv((dir_ / "missing.csv").string()).status().message(),
            "cannot open " + (dir_ / "missing.csv").string() + ": No such file or directory");
}

// ---------------------------------------------------------------------------------------------
// Opening and migrating

// Two receipts that fit their pools but not the report's sum: an error, nothing added.
TEST_F(LedgerTest, ReportSumsPastInt64AreAnErrorNotAThrow) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok()) << ledger.status().message();
  const std::string body =
      "2023-01-01,received,a,,,,50000000000000000,R-1\n"
      "2023-01-01,received,b,,,,50000000000000000,R-2\n";
  Result<ImportReport> report = ledger->import(batch(body, "big.csv"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(report.status().message(),
            "big.csv: the received amounts of the batch sum past int64 fen: money overflow: "
            "a sum leaves the range of int64 fen");
  EXPECT_EQ(event_count(*ledger), 0u);
}

TEST_F(LedgerTest, NewFileIsAtTheLatestSchemaAndMarked) {
  {
    Result<Ledger> ledger = Ledger::open(db());
    ASSERT_TRUE(ledger.ok()) << ledger.status().message();
    EXPECT_EQ(ledger->schema_version(), kLedgerSchemaVersion);
    EXPECT_EQ(event_count(*ledger), 0u);
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &statement, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "wal");
  sqlite3_finalize(statement);
  sqlite3_close(raw);
}

TEST_F(LedgerTest, OpenExistingRefusesAMissingFile) {
  EXPECT_EQ(Ledger::open_existing(db()).status().message(),
            "ledger " + db() + " does not exist (an import creates it)");
  EXPECT_EQ(Ledger::open_existing(db()).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(db()));
}

TEST_F(LedgerTest, RefusesOtherFiles) {
  {
    std::ofstream out(db(), std::ios::binary);
    out << "this is not a database, just some text that is long enough to be a header......";
  }
  Result<Ledger> text = Ledger::open(db());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(), db() + ": cannot read the ledger: file is not a database");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db("other.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ(Ledger::open(db("other.db")).status().message(),
            db("other.db") + " is not a subsidy ledger (a SQLite file of another application)");
}

TEST_F(LedgerTest, RefusesANewerSchema) {
  { ASSERT_TRUE(Ledger::open(db()).ok()); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().message(),
            db() + " has ledger schema version 9; this subsidy " + "0.1.0 knows versions up to 2");
}

TEST_F(LedgerTest, MigratesAVersionOneFileKeepingItsEvents) {
  {
    Result<Ledger> old = Ledger::open(db(), {.create_version = 1});
    ASSERT_TRUE(old.ok()) << old.status().message();
    EXPECT_EQ(old->schema_version(), 1);
    ASSERT_EQ(import_error(*old, "2023-01-01,received,p,,,,100,V1\n"), "ok");
  }
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok()) << ledger.status().message();
  EXPECT_EQ(ledger->schema_version(), 2);
  EXPECT_EQ(event_count(*ledger), 1u);
  // Version 2 brought the runs table: booking works.
  RunBooking run;
  run.run_id = "abc";
  run.plan = "p";
  run.as_of = *parse_date("2023-02-01");
  run.arranged.push_back(
      {run.as_of, LedgerEventType::kArranged, "p", "g", "", "E1", Money::from_fen(5000), "A1"});
  Result<BookReport> booked = ledger->book_run(run);
  ASSERT_TRUE(booked.ok()) << booked.status().message();
  EXPECT_FALSE(booked->already_booked);
  EXPECT_EQ(booked->events.added, 1);
  EXPECT_EQ(event_count(*ledger), 2u);
}

// ---------------------------------------------------------------------------------------------
// Imports and the rules

TEST_F(LedgerTest, ImportIsIdempotentAndCounts) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  const std::string body =
      "2023-01-01,received,p,,,,100,R1\n"
      "2023-01-02,arranged,p,g,510104,,60,A1\n"
      "2023-01-02,arranged,p,g,510104,,60,A1\n"  // repeated within the file: skipped
      "2023-01-03,disbursed,p,g,510104,E1,50,D1\n";
  Result<ImportReport> first = ledger->import(batch(body));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->added, 3);
  EXPECT_EQ(first->skipped, 1);
  EXPECT_EQ(first->added_by_type[1], 1);
  EXPECT_EQ(first->amount_by_type[0].fen(), 10000);
  EXPECT_EQ(first->amount_by_type[2].fen(), 5000);
  Result<ImportReport> again = ledger->import(batch(body));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->added, 0);
  EXPECT_EQ(again->skipped, 4);
  EXPECT_EQ(event_count(*ledger), 3u);
  // The same voucher under another event type is another voucher.
  EXPECT_EQ(import_error(*ledger, "2023-01-04,disbursed,p,g,510104,E1,10,A1\n"), "ok");
  EXPECT_EQ(event_count(*ledger), 4u);
}

TEST_F(LedgerTest, AVoucherWithOtherContentNamesBoth) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(import_error(*ledger, "2023-01-01,received,p,,,,100,R1\n", "first.csv"), "ok");
  EXPECT_EQ(import_error(*ledger, "2023-01-01,received,p,,,,200,R1\n", "second.csv"),
            "second.csv:2: received voucher R1 is already in the ledger, from first.csv:2 with "
            "other content: amount \"200.00\" here, \"100.00\" there");
  EXPECT_EQ(import_error(*ledger, "2023-01-01,received,q,,,,100,R1\n", "second.csv"),
            "second.csv:2: received voucher R1 is already in the ledger, from first.csv:2 with "
            "other content: pool \"q\" here, \"p\" there");
  EXPECT_EQ(import_error(*ledger,
                         "2023-01-05,received,p,,,,5,R2\n"
                         "2023-01-06,received,p,,,,5,R2\n",
                         "third.csv"),
            "third.csv:3: received voucher R2 is already at third.csv:2 with other content: date "
            "\"2023-01-06\" here, \"2023-01-05\" there");
  EXPECT_EQ(event_count(*ledger), 1u);
}

TEST_F(LedgerTest, ArrangedBeyondReceivedIsRefusedInDateOrderThenFileOrder) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  // In the file the arrangement comes first, but its date is later: accepted.
  EXPECT_EQ(import_error(*ledger,
                         "2023-02-01,arranged,p,,510104,,100,A1\n"
                         "2023-01-01,received,p,,,,100,R1\n"),
            "ok");
  // Same date, arrangement earlier in the file than the receipt: refused.
  EXPECT_EQ(import_error(*ledger,
                         "2023-03-01,arranged,p,,,,0.01,A2\n"
                         "2023-03-01,received,p,,,,50,R2\n"),
            "l.csv:2: arranged A2 on 2023-03-01: arranged for pool p would reach 100.01, beyond "
            "the 100.00 it has received by then (--allow-overdraft permits it)");
  EXPECT_EQ(event_count(*ledger), 2u);
  // Another pool's receipts don't count.
  EXPECT_EQ(import_error(*ledger,
                         "2023-03-01,received,q,,,,500,R3\n"
                         "2023-03-02,arranged,p,,,,1,A3\n"),
            "l.csv:3: arranged A3 on 2023-03-02: arranged for pool p would reach 101.00, beyond "
            "the 100.00 it has received by then (--allow-overdraft permits it)");
}

TEST_F(LedgerTest, AnOverdraftAllowedOnceStaysAllowed) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  const std::string body = "2023-01-01,received,p,,,,100,R1\n2023-01-02,arranged,p,,,,150,A1\n";
  EXPECT_NE(import_error(*ledger, body), "ok");
  Result<ImportReport> allowed = ledger->import(batch(body), {.allow_overdraft = true});
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_EQ(allowed->added, 2);
  // Later imports replay the overdrawn arrangement without the option...
  EXPECT_EQ(import_error(*ledger, "2023-01-03,disbursed,p,,,,150,D1\n"), "ok");
  // ...but a new arrangement beyond received is still refused.
  EXPECT_EQ(import_error(*ledger, "2023-01-04,arranged,p,,,,1,A2\n"),
            "l.csv:2: arranged A2 on 2023-01-04: arranged for pool p would reach 151.00, beyond "
            "the 100.00 it has received by then (--allow-overdraft permits it)");
}

TEST_F(LedgerTest, DisbursedBeyondArrangedAtEachLevelItNames) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(import_error(*ledger,
                         "2023-01-01,received,p,,,,1000,R1\n"
                         "2023-01-02,arranged,p,rent,510104,,100,A1\n"
                         "2023-01-02,arranged,p,tax,510107,,200,A2\n"
                         "2023-01-02,arranged,p,,,,50,A3\n"),
            "ok");
  // Pool level: 350 arranged in all.
  EXPECT_EQ(import_error(*ledger, "2023-01-03,disbursed,p,,,,350.01,D1\n"),
            "l.csv:2: disbursed D1 on 2023-01-03: disbursed for pool p would reach 350.01, "
            "beyond the 350.00 arranged for it by then");
  // Region level: 100 arranged to 510104.
  EXPECT_EQ(import_error(*ledger, "2023-01-03,disbursed,p,,510104,,100.01,D1\n"),
            "l.csv:2: disbursed D1 on 2023-01-03: disbursed for pool p, region 510104 would "
            "reach 100.01, beyond the 100.00 arranged for it by then");
  // Program level: 200 arranged to tax.
  EXPECT_EQ(import_error(*ledger, "2023-01-03,disbursed,p,tax,,,200.01,D1\n"),
            "l.csv:2: disbursed D1 on 2023-01-03: disbursed for pool p, program tax would reach "
            "200.01, beyond the 200.00 arranged for it by then");
  // Region and program together: nothing arranged to tax in 510104.
  EXPECT_EQ(import_error(*ledger, "2023-01-03,disbursed,p,tax,510104,,1,D1\n"),
            "l.csv:2: disbursed D1 on 2023-01-03: disbursed for pool p, region 510104, program "
            "tax would reach 1.00, beyond the 0.00 arranged for it by then");
  // Disbursed before it was arranged (dated earlier): refused even though the file is in order.
  EXPECT_EQ(import_error(*ledger, "2023-01-01,disbursed,p,rent,510104,,1,D1\n"),
            "l.csv:2: disbursed D1 on 2023-01-01: disbursed for pool p would reach 1.00, beyond "
            "the 0.00 arranged for it by then");
  // Within every level: accepted; then the pool's total is the limit across imports.
  EXPECT_EQ(import_error(*ledger,
                         "2023-01-03,disbursed,p,rent,510104,E1,100,D1\n"
                         "2023-01-03,disbursed,p,tax,,E2,200,D2\n"),
            "ok");
  EXPECT_EQ(import_error(*ledger, "2023-01-04,disbursed,p,,,,50.01,D3\n"),
            "l.csv:2: disbursed D3 on 2023-01-04: disbursed for pool p would reach 350.01, "
            "beyond the 350.00 arranged for it by then");
  EXPECT_EQ(event_count(*ledger), 6u);
}

TEST_F(LedgerTest, AnEarlierEventCanBreakOneAlreadyInTheLedger) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(import_error(*ledger,
                         "2023-01-01,received,p,,,,100,R1\n"
                         "2023-01-02,arranged,p,,,,100,A1\n"
                         "2023-03-01,disbursed,p,,,,80,D1\n",
                         "old.csv"),
            "ok");
  EXPECT_EQ(import_error(*ledger, "2023-02-01,disbursed,p,,,,30,D0\n", "new.csv"),
            "old.csv:4 (already in the ledger): disbursed D1 on 2023-03-01: disbursed for pool p "
            "would reach 110.00, beyond the 100.00 arranged for it by then");
  EXPECT_EQ(event_count(*ledger), 3u);
}

TEST_F(LedgerTest, ReturnedReducesDisbursedNeverBelowZero) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(import_error(*ledger,
                         "2023-01-01,received,p,,,,1000,R1\n"
                         "2023-01-02,arranged,p,g,510104,,300,A1\n"
                         "2023-01-03,disbursed,p,g,510104,E1,200,D1\n"
                         "2023-01-03,disbursed,p,g,510104,E2,100,D2\n"),
            "ok");
  // E1 got 200: returning 200.01 of it is refused at the enterprise level.
  EXPECT_EQ(import_error(*ledger, "2023-01-04,returned,p,g,510104,E1,200.01,T1\n"),
            "l.csv:2: returned T1 on 2023-01-04: returning 200.01 would take disbursed for pool "
            "p, enterprise E1 below zero (200.00 disbursed by then)");
  // Nothing was disbursed to E3.
  EXPECT_EQ(import_error(*ledger, "2023-01-04,returned,p,,,E3,1,T1\n"),
            "l.csv:2: returned T1 on 2023-01-04: returning 1.00 would take disbursed for pool p, "
            "enterprise E3 below zero (0.00 disbursed by then)");
  // Pool level: 300 disbursed.
  EXPECT_EQ(import_error(*ledger, "2023-01-04,returned,p,,,,300.01,T1\n"),
            "l.csv:2: returned T1 on 2023-01-04: returning 300.01 would take disbursed for pool "
            "p below zero (300.00 disbursed by then)");
  // A return frees arranged money to disburse again.
  EXPECT_EQ(import_error(*ledger,
                         "2023-01-04,returned,p,g,510104,E1,50,T1\n"
                         "2023-01-05,disbursed,p,g,510104,E3,50,D3\n"),
            "ok");
  EXPECT_EQ(import_error(*ledger, "2023-01-06,disbursed,p,g,510104,E3,0.01,D4\n"),
            "l.csv:2: disbursed D4 on 2023-01-06: disbursed for pool p would reach 300.01, "
            "beyond the 300.00 arranged for it by then");
  Result<ExecutionReport> report = execution_report(*ledger, *parse_date("2023-12-31"));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->rows.size(), 1u);
  EXPECT_EQ(report->rows[0].disbursed.fen(), 30000);  // 200 + 100 − 50 + 50
  EXPECT_EQ(report->rows[0].returned.fen(), 5000);
}

TEST_F(LedgerTest, BookRunRefusesAPoolWithoutReceiptsUnlessAsked) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  RunBooking run;
  run.source = "out/awards.csv";
  run.run_id = "r1";
  run.plan = "plan-a";
  run.as_of = *parse_date("2023-06-30");
  run.received = {{"p", Money::from_fen(100000)}, {"q", Money::from_fen(100)}};
  run.arranged.push_back({run.as_of, LedgerEventType::kArranged, "p", "g", "510104", "E1",
                          Money::from_fen(60000), "run:r1:g:E1", 2});
  run.arranged.push_back({run.as_of, LedgerEventType::kArranged, "p", "g", "510104", "E2",
                          Money::from_fen(40000), "run:r1:g:E2", 3});
  EXPECT_EQ(ledger->book_run(run).status().message(),
            "run r1: pool p has nothing received in " + db() +
                "; import its receipts first, or book the plan's received amounts with "
                "--book-received");
  Result<BookReport> booked = ledger->book_run(run, {.book_received = true});
  ASSERT_TRUE(booked.ok()) << booked.status().message();
  EXPECT_FALSE(booked->already_booked);
  EXPECT_EQ(booked->received_pools, std::vector<std::string>{"p"});
  EXPECT_EQ(booked->events.added, 3);
  EXPECT_EQ(booked->events.amount_by_type[0].fen(), 100000);
  EXPECT_EQ(booked->events.amount_by_type[1].fen(), 100000);
  Result<BookReport> again = ledger->book_run(run, {.book_received = true});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_booked);
  EXPECT_EQ(again->events.added, 0);
  EXPECT_EQ(event_count(*ledger), 3u);
  // Another run of more than was received: refused, naming the line of awards.csv.
  RunBooking bigger = run;
  bigger.run_id = "r2";
  for (LedgerEvent& event : bigger.arranged) event.voucher = "run:r2:" + event.enterprise;
  EXPECT_EQ(ledger->book_run(bigger).status().message(),
            "out/awards.csv:2: arranged run:r2:E1 on 2023-06-30: arranged for pool p would "
            "reach 1600.00, beyond the 1000.00 it has received by then (--allow-overdraft "
            "permits it)");
  EXPECT_EQ(event_count(*ledger), 3u);
}

// ---------------------------------------------------------------------------------------------
// Execution ratios

TEST(ExecutionRatios, PercentagesRoundHalfAwayFromZero) {
  auto percent = [](int64_t num, int64_t den) {
    return format_percent(Money::from_fen(num), Money::from_fen(den));
  };
  EXPECT_EQ(percent(72, 81), "88.89%");            // 88.888…
  EXPECT_EQ(percent(6789305, 8100000), "83.82%");  // 83.8185…
  EXPECT_EQ(percent(1, 8), "12.50%");
  EXPECT_EQ(percent(1, 20000), "0.01%");  // 0.005% → half up
  EXPECT_EQ(percent(1, 20001), "0.00%");
  EXPECT_EQ(percent(-1, 20000), "-0.01%");  // halves away from zero
  EXPECT_EQ(percent(3, 2), "150.00%");
  EXPECT_EQ(percent(5, 0), "n/a");
  EXPECT_EQ(percent(0, 0), "n/a");
  EXPECT_EQ(percent(INT64_MAX, 1), "922337203685477580700.00%");
}

TEST(ExecutionRatios, ScheduleProgressAndLag) {
  const FiscalProgress june30 = fiscal_year_progress(*parse_date("2023-06-30"));
  EXPECT_EQ(schedule_progress(june30), "49.59%");  // 181 / 365
  EXPECT_EQ(schedule_progress(fiscal_year_progress(*parse_date("2023-12-31"))), "100.00%");
  EXPECT_EQ(schedule_progress(fiscal_year_progress(*parse_date("2024-12-31"))), "100.00%");
  EXPECT_EQ(schedule_progress(fiscal_year_progress(*parse_date("2024-01-01"))), "0.27%");  // 1/366
  LedgerTotals row;
  row.received = Money::from_fen(81'000'000'000);
  row.disbursed = Money::from_fen(67'893'050'000);
  // 83.8185…% − 49.5890…% = 34.2295…
  EXPECT_EQ(schedule_lag(row, june30), "34.23");
  EXPECT_EQ(schedule_lag(row, fiscal_year_progress(*parse_date("2023-12-31"))), "-16.18");
  row.received = Money::zero();
  EXPECT_EQ(schedule_lag(row, june30), "n/a");
}

TEST_F(LedgerTest, ChengduAtSeveralDates) {
  Result<Ledger> ledger = Ledger::open(db());
  ASSERT_TRUE(ledger.ok());
  Result<LedgerBatch> chengdu =
      read_ledger_csv(std::string(SUBSIDY_SOURCE_DIR) + "/examples/chengdu-2023-ledger.csv");
  ASSERT_TRUE(chengdu.ok()) << chengdu.status().message();
  ASSERT_TRUE(ledger->import(*chengdu).ok());
  auto at = [&](const char* date, LedgerKey by = LedgerKey::kPool) {
    Result<ExecutionReport> report = execution_report(*ledger, *parse_date(date), by);
    EXPECT_TRUE(report.ok());
    return *report;
  };
  // Before any money arrived: no rows, and every ratio of the total is n/a.
  const ExecutionReport march1 = at("2023-03-01");
  EXPECT_TRUE(march1.rows.empty());
  EXPECT_EQ(arrangement_ratio(march1.total), "n/a");
  EXPECT_EQ(expenditure_ratio(march1.total), "n/a");
  EXPECT_EQ(disbursed_of_arranged(march1.total), "n/a");
  EXPECT_EQ(schedule_lag(march1.total, march1.progress), "n/a");
  // Mar 10: 5亿 received, nothing arranged yet.
  const ExecutionReport march10 = at("2023-03-10");
  ASSERT_EQ(march10.rows.size(), 1u);
  EXPECT_EQ(march10.rows[0].received.fen(), 50'000'000'000);
  EXPECT_EQ(arrangement_ratio(march10.rows[0]), "0.00%");
  EXPECT_EQ(disbursed_of_arranged(march10.rows[0]), "n/a");
  EXPECT_EQ(schedule_lag(march10.rows[0], march10.progress), "-18.90");  // 0 − 69/365
  // Jun 30: 3.8亿 of 5亿 arranged, 9500万 spent.
  const ExecutionReport june30 = at("2023-06-30");
  EXPECT_EQ(arrangement_ratio(june30.rows[0]), "76.00%");
  EXPECT_EQ(expenditure_ratio(june30.rows[0]), "19.00%");
  EXPECT_EQ(disbursed_of_arranged(june30.rows[0]), "25.00%");
  EXPECT_EQ(schedule_lag(june30.rows[0], june30.progress), "-30.59");
  // Dec 31: the report's 88.89% and 83.82%.
  const ExecutionReport year_end = at("2023-12-31");
  EXPECT_EQ(year_end.rows[0].key, "central-lcsf");
  EXPECT_EQ(year_end.rows[0].received.fen(), 81'000'000'000);
  EXPECT_EQ(year_end.rows[0].arranged.fen(), 72'000'000'000);
  EXPECT_EQ(year_end.rows[0].disbursed.fen(), 67'893'050'000);
  EXPECT_EQ(arrangement_ratio(year_end.rows[0]), "88.89%");
  EXPECT_EQ(expenditure_ratio(year_end.rows[0]), "83.82%");
  EXPECT_EQ(disbursed_of_arranged(year_end.rows[0]), "94.30%");  // 67893.05 / 72000
  EXPECT_EQ(schedule_lag(year_end.rows[0], year_end.progress), "-16.18");
  // By region: regions have no receipts of their own, so the ratios over received are n/a; the
  // receipts, which name no region, come last.
  const ExecutionReport regions = at("2023-12-31", LedgerKey::kRegion);
  ASSERT_EQ(regions.rows.size(), 6u);
  EXPECT_EQ(regions.rows[0].key, "510104");
  EXPECT_EQ(arrangement_ratio(regions.rows[0]), "n/a");
  EXPECT_EQ(disbursed_of_arranged(regions.rows[0]), "92.66%");  // 10193.05 / 11000
  EXPECT_EQ(regions.rows[5].key, "");
  EXPECT_EQ(regions.rows[5].received.fen(), 81'000'000'000);
  EXPECT_EQ(arrangement_ratio(regions.total), "88.89%");
  // The next year: the pool is there, its year has nothing yet.
  const ExecutionReport next_year = at("2024-01-05");
  ASSERT_EQ(next_year.rows.size(), 1u);
  EXPECT_EQ(next_year.rows[0].received.fen(), 0);
  EXPECT_EQ(arrangement_ratio(next_year.rows[0]), "n/a");
  EXPECT_EQ(execution_csv(year_end),
            "pool,received,arranged,disbursed,returned,arrangement_ratio,expenditure_ratio,"
            "disbursed_of_arranged,schedule_progress,lag\n"
            "central-lcsf,810000000.00,720000000.00,678930500.00,0.00,88.89%,83.82%,94.30%,"
            "100.00%,-16.18\n");
}

// ---------------------------------------------------------------------------------------------
// Property: the rules against a naive reference on random ledgers

// The reference: for each event in date-then-file order, sums over every earlier event by brute
// force, at the levels the rules name. Returns the index (in checking order) of the first event
// that breaks a rule, or -1.
struct Plain {
  int date;
  LedgerEventType type;
  std::string pool, program, region, enterprise;
  int64_t amount;
};

int64_t naive_first_violation(const std::vector<Plain>& events) {
  std::vector<size_t> order(events.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return events[a].date < events[b].date; });
  auto matches = [](const Plain& e, const Plain& filter, bool region, bool program,
                    bool enterprise) {
    return e.pool == filter.pool && (!region || e.region == filter.region) &&
           (!program || e.program == filter.program) &&
           (!enterprise || e.enterprise == filter.enterprise);
  };
  for (size_t i = 0; i < order.size(); ++i) {
    const Plain& event = events[order[i]];
    auto sum = [&](LedgerEventType type, bool r, bool p, bool e) {
      int64_t total = 0;
      for (size_t j = 0; j < i; ++j) {
        const Plain& earlier = events[order[j]];
        if (earlier.type == type && matches(earlier, event, r, p, e)) total += earlier.amount;
      }
      return total;
    };
    auto net = [&](bool r, bool p, bool e) {
      return sum(LedgerEventType::kDisbursed, r, p, e) - sum(LedgerEventType::kReturned, r, p, e);
    };
    if (event.type == LedgerEventType::kArranged) {
      if (sum(LedgerEventType::kArranged, false, false, false) + event.amount >
          sum(LedgerEventType::kReceived, false, false, false)) {
        return static_cast<int64_t>(i);
      }
    }
    for (int mask = 0; mask < 8; ++mask) {
      const bool r = (mask & 1) != 0;
      const bool p = (mask & 2) != 0;
      const bool e = (mask & 4) != 0;
      if ((r && event.region.empty()) || (p && event.program.empty()) ||
          (e && event.enterprise.empty())) {
        continue;
      }
      if (event.type == LedgerEventType::kDisbursed && !e &&
          net(r, p, false) + event.amount > sum(LedgerEventType::kArranged, r, p, false)) {
        return static_cast<int64_t>(i);
      }
      if (event.type == LedgerEventType::kReturned && event.amount > net(r, p, e)) {
        return static_cast<int64_t>(i);
      }
    }
  }
  return -1;
}

// A line of the ledger CSV for `event`, with voucher V<k>.
std::string fmt_line(const Plain& event, int k) {
  return "2023-01-0" + std::to_string(event.date) + "," +
         std::string(ledger_event_name(event.type)) + "," + event.pool + "," + event.program + "," +
         event.region + "," + event.enterprise + "," + format_yuan(Money::from_fen(event.amount)) +
         ",V" + std::to_string(k) + "\n";
}

TEST_F(LedgerTest, RulesMatchANaiveReferenceOnRandomLedgers) {
  std::mt19937_64 random(20231231);
  const std::vector<std::string> pools = {"p", "q"};
  const std::vector<std::string> programs = {"", "g", "h"};
  const std::vector<std::string> regions = {"", "510104", "510107"};
  const std::vector<std::string> enterprises = {"", "E1", "E2"};
  int accepted = 0;
  int refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int count = 1 + static_cast<int>(random() % 14);
    std::vector<Plain> plain;
    std::string body;
    for (int k = 0; k < count; ++k) {
      Plain event;
      event.date = static_cast<int>(random() % 6) + 1;
      // Receipts more often early, so that some ledgers pass.
      const int kind = static_cast<int>(random() % 10);
      event.type = kind < 4   ? LedgerEventType::kReceived
                   : kind < 6 ? LedgerEventType::kArranged
                   : kind < 9 ? LedgerEventType::kDisbursed
                              : LedgerEventType::kReturned;
      event.pool = trial % 2 == 0 ? pools[0] : pools[random() % pools.size()];
      if (event.type == LedgerEventType::kReceived) event.date = 1 + event.date % 2;
      if (event.type != LedgerEventType::kReceived) {
        event.program = programs[random() % programs.size()];
        event.region = regions[random() % regions.size()];
        event.enterprise = enterprises[random() % enterprises.size()];
      }
      // Spending mostly follows an arrangement made before it, so that many ledgers pass.
      if ((event.type == LedgerEventType::kDisbursed || event.type == LedgerEventType::kReturned) &&
          (trial % 2 == 0 || random() % 3 != 0)) {
        for (const Plain& earlier : plain) {
          if (earlier.type == LedgerEventType::kArranged && earlier.pool == event.pool) {
            event.program = earlier.program;
            event.region = earlier.region;
            event.date = std::max(event.date, earlier.date);
            break;
          }
        }
      }
      const int64_t most = event.type == LedgerEventType::kReceived   ? 1000
                           : event.type == LedgerEventType::kArranged ? 60
                                                                      : 15;
      event.amount = 1 + static_cast<int64_t>(random() % most);
      // Half the trials keep the usual order of a year (receipts, then arrangements, then
      // spending and returns), where most ledgers pass; the other half mix dates freely.
      if (trial % 2 == 0) {
        event.date = 1 + 2 * static_cast<int>(event.type) + static_cast<int>(random() % 2);
      }
      plain.push_back(event);
      body += fmt_line(event, k);
    }
    const int64_t expected = naive_first_violation(plain);
    const fs::path path = dir_ / ("trial" + std::to_string(trial) + ".db");
    Result<Ledger> ledger = Ledger::open(path.string());
    ASSERT_TRUE(ledger.ok());
    Result<ImportReport> report = ledger->import(batch(body));
    if (expected < 0) {
      ASSERT_TRUE(report.ok()) << "trial " << trial << ": " << report.status().message() << "\n"
                               << body;
      EXPECT_EQ(report->added, count);
      ++accepted;
    } else {
      ASSERT_FALSE(report.ok()) << "trial " << trial << " should fail at event " << expected << "\n"
                                << body;
      EXPECT_EQ(event_count(*ledger), 0u);
      ++refused;
    }
  }
  EXPECT_GT(accepted, 30);
  EXPECT_GT(refused, 30);
}

}  // namespace
