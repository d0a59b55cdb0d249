// Internal to the ledger module: a thin RAII layer over SQLite's C API — a connection, prepared
// statements, a transaction rolled back unless committed — with errors as Status values that
// name the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "subsidy/status.hpp"

namespace subsidy::internal {

class SqliteStatement;

class SqliteDatabase {
 public:
  SqliteDatabase() = default;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase();

  // `create`: make the file when it is missing.
  Status open(const std::string& path, bool create, int busy_timeout_ms);
  Status execute(const char* sql);
  // As execute(), retrying while another connection holds a lock SQLite does not wait for by
  // itself (changing the journal mode of a file another process is creating), up to the busy
  // timeout.
  Status execute_when_free(const char* sql);
  // The error of the last call, as "<path>: <what>: <sqlite's message>".
  Status error(std::string_view what) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  int busy_timeout_ms_ = 0;
};

class SqliteStatement {
 public:
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() { sqlite3_finalize(statement_); }

  explicit SqliteStatement(SqliteDatabase& db) : db_(&db) {}
  Status prepare(const char* sql);

  void bind(int index, int64_t value) { sqlite3_bind_int64(statement_, index, value); }
  void bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  // Steps once: true with a row, false when done; errors go to *status.
  bool step(Status* status);
  // Steps to the end (a statement without rows) and resets for the next bindings.
  Status run();
  void reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

  int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string_view text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return data == nullptr ? std::string_view()
                           : std::string_view(data, sqlite3_column_bytes(statement_, column));
  }

 private:
  SqliteDatabase* db_;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock, waiting out other writers up to the busy timeout); rolled back
// on destruction unless commit() succeeded.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase& db) : db_(&db) {}
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction() {
    if (open_) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Status begin();
  Status commit();

 private:
  SqliteDatabase* db_;
  bool open_ = false;
};

}  // namespace subsidy::internal
