// Errors as values: Status and Result<T>.
//
// Expected failures (a bad CSV cell, a bad rule, a bad plan, a ledger conflict) are returned as a
// Status carrying a code and a message that names where and why; programmer errors are assertions.
// Arithmetic overflow of money is unexpected on sane inputs and throws OverflowError instead, which
// the command line and the C/Python boundaries turn into an error of their own.
//
//   subsidy::Result<subsidy::Money> amount = subsidy::parse_money("50万");
//   if (!amount.ok()) { std::cerr << amount.status().message(); return 2; }
//   subsidy::Money fen = *amount;
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace subsidy {

// A small fixed set of codes. kInvalidArgument is bad input (a file, a rule, a value);
// kNotFound is a missing file or name; kOutOfRange is a value outside what a field accepts;
// kIoError is a failure of the operating system; kInternal is a bug.
enum class StatusCode { kOk, kInvalidArgument, kNotFound, kOutOfRange, kIoError, kInternal };

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: <message>"
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>".
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status not_found(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status out_of_range(std::string message) {
  return Status(StatusCode::kOutOfRange, std::move(message));
}
inline Status io_error(std::string message) {
  return Status(StatusCode::kIoError, std::move(message));
}
inline Status internal_error(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(state_).ok()) {
      state_ = Status(StatusCode::kInternal, "Result constructed from an ok Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(state_);
  }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

// Thrown by checked money arithmetic when a result leaves the range of int64 fen.
class OverflowError : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

}  // namespace subsidy

#define SUBSIDY_CONCAT_INNER_(a, b) a##b
#define SUBSIDY_CONCAT_(a, b) SUBSIDY_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define SUBSIDY_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::subsidy::Status subsidy_status_ = (expr);       \
    if (!subsidy_status_.ok()) return subsidy_status_; \
  } while (false)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define SUBSIDY_ASSIGN_OR_RETURN(lhs, expr) \
  SUBSIDY_ASSIGN_OR_RETURN_IMPL_(SUBSIDY_CONCAT_(subsidy_result_, __LINE__), lhs, expr)
#define SUBSIDY_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
