// Internal: the RAII layer over SQLite (see sqlite.hpp).
#include "ledger/sqlite.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace subsidy::internal {

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

Status SqliteDatabase::open(const std::string& path, bool create, int busy_timeout_ms) {
  path_ = path;
  // One connection per Ledger, used by one thread at a time: no locking inside SQLite.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    return io_error(fmt::format("cannot open ledger {}: {}", path,
                                db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  busy_timeout_ms_ = busy_timeout_ms;
  return Status::Ok();
}

Status SqliteDatabase::execute(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK) return Status::Ok();
  return error("cannot run the ledger's SQL");
}

Status SqliteDatabase::execute_when_free(const char* sql) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
  while (true) {
    const int result = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (result == SQLITE_OK) return Status::Ok();
    if ((result & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
      return error("cannot run the ledger's SQL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status SqliteDatabase::error(std::string_view what) const {
  const int code = sqlite3_errcode(db_);
  const std::string message = fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_));
  switch (code & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
      return invalid_argument(message);
    case SQLITE_ERROR:  // "integer overflow" of a sum, among others
      return out_of_range(message);
    default:
      return io_error(message);
  }
}

Status SqliteStatement::prepare(const char* sql) {
  if (sqlite3_prepare_v2(db_->handle(), sql, -1, &statement_, nullptr) == SQLITE_OK) {
    return Status::Ok();
  }
  return db_->error("cannot read the ledger");
}

bool SqliteStatement::step(Status* status) {
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result != SQLITE_DONE) *status = db_->error("cannot read the ledger");
  return false;
}

Status SqliteStatement::run() {
  const int result = sqlite3_step(statement_);
  Status status = result == SQLITE_DONE || result == SQLITE_ROW
                      ? Status::Ok()
                      : db_->error("cannot write the ledger");
  reset();
  return status;
}

Status SqliteTransaction::begin() {
  if (sqlite3_exec(db_->handle(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_->error("cannot lock the ledger for writing");
  }
  open_ = true;
  return Status::Ok();
}

Status SqliteTransaction::commit() {
  if (sqlite3_exec(db_->handle(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return db_->error("cannot commit to the ledger");
  }
  open_ = false;
  return Status::Ok();
}

}  // namespace subsidy::internal
