// Reading the ledger CSV (SPEC §12) into a batch of events, and the checks of an event's fields.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "common/csv_scanner.hpp"
#include "common/suggest.hpp"
#include "ledger/ledger_internal.hpp"
#include "subsidy/ledger.hpp"
#include "subsidy/plan.hpp"

namespace subsidy {

namespace {

constexpr std::array<std::string_view, kLedgerEventTypes> kEventNames = {"received", "arranged",
                                                                         "disbursed", "returned"};

bool has_control_or_edge_space(std::string_view text) {
  if (!text.empty() && (text.front() == ' ' || text.back() == ' ')) return true;
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Reads records into events; `source_name` prefixes every error.
Result<LedgerBatch> read_events(internal::ByteSource* source, bool check_utf8,
                                const std::string& source_name) {
  using internal::Record;
  internal::CsvScanner scanner(source, check_utf8, true);
  Record record;
  Status fatal;
  auto fatal_error = [&]() {
    const int64_t line = scanner.fatal_line();
    return line > 0 ? fatal.with_context(fmt::format("{}:{}", source_name, line))
                    : fatal.with_context(source_name);
  };
  if (!scanner.next(&record, &fatal)) {
    if (!fatal.ok()) return fatal_error();
    return invalid_argument(fmt::format("{}: the file is empty; expected the header {}",
                                        source_name,
                                        "date,event,pool,program,region,enterprise,"
                                        "amount,voucher"));
  }
  if (!record.row_error.empty()) {
    return invalid_argument(fmt::format("{}:{}: {}", source_name, record.line, record.row_error));
  }
  // Which field of a record holds each column.
  std::array<int, std::size(internal::kLedgerColumns)> field_of;
  field_of.fill(-1);
  for (size_t k = 0; k < record.fields.size(); ++k) {
    const std::string_view name = record.fields[k].view();
    const auto* known =
        std::find(std::begin(internal::kLedgerColumns), std::end(internal::kLedgerColumns), name);
    if (known == std::end(internal::kLedgerColumns)) {
      return invalid_argument(fmt::format(
          "{}:{}: unknown column \"{}\"{}; a ledger has date,event,pool,program,region,"
          "enterprise,amount,voucher",
          source_name, record.line, name, internal::did_you_mean(name, internal::kLedgerColumns)));
    }
    const size_t column = static_cast<size_t>(known - std::begin(internal::kLedgerColumns));
    if (field_of[column] >= 0) {
      return invalid_argument(
          fmt::format("{}:{}: column \"{}\" appears twice", source_name, record.line, name));
    }
    field_of[column] = static_cast<int>(k);
  }
  for (size_t column = 0; column < field_of.size(); ++column) {
    if (field_of[column] < 0) {
      return invalid_argument(fmt::format("{}:{}: missing column \"{}\"", source_name, record.line,
                                          internal::kLedgerColumns[column]));
    }
  }

  LedgerBatch batch;
  batch.source = source_name;
  while (scanner.next(&record, &fatal)) {
    const std::string where = fmt::format("{}:{}", source_name, record.line);
    if (!record.row_error.empty()) {
      return invalid_argument(fmt::format("{}: {}", where, record.row_error));
    }
    if (record.fields.size() == 1 && record.fields[0].size == 0 && !record.fields[0].quoted) {
      continue;  // a blank line
    }
    if (record.fields.size() != field_of.size()) {
      return invalid_argument(fmt::format("{}: {} fields; the header has {}", where,
                                          record.fields.size(), field_of.size()));
    }
    auto cell = [&](size_t column) { return record.fields[field_of[column]].view(); };
    LedgerEvent event;
    event.line = record.line;
    Result<Date> date = parse_date(cell(0));
    if (!date.ok()) return date.status().with_context(where + ": date");
    event.date = *date;
    Result<LedgerEventType> type = parse_ledger_event(cell(1));
    if (!type.ok()) return type.status().with_context(where + ": event");
    event.type = *type;
    event.pool = std::string(cell(2));
    event.program = std::string(cell(3));
    event.region = std::string(cell(4));
    event.enterprise = std::string(cell(5));
    Result<Money> amount = parse_money(cell(6));
    if (!amount.ok()) return amount.status().with_context(where + ": amount");
    event.amount = *amount;
    event.voucher = std::string(cell(7));
    const std::string problem = internal::event_field_problem(event);
    if (!problem.empty()) return invalid_argument(fmt::format("{}: {}", where, problem));
    batch.events.push_back(std::move(event));
  }
  if (!fatal.ok()) return fatal_error();
  return batch;
}

}  // namespace

namespace internal {

std::string event_field_problem(const LedgerEvent& event) {
  if (!is_plan_id(event.pool)) {
    return event.pool.empty()
               ? "pool: every event names its pool"
               : fmt::format("pool: \"{}\" is not a pool id (a-z, 0-9 and '-')", event.pool);
  }
  if (!event.program.empty() && !is_plan_id(event.program)) {
    return fmt::format("program: \"{}\" is not a program id (a-z, 0-9 and '-')", event.program);
  }
  if (!event.region.empty() &&
      (event.region.size() != 6 || !std::all_of(event.region.begin(), event.region.end(),
                                                [](char c) { return c >= '0' && c <= '9'; }))) {
    return fmt::format("region: \"{}\" is not a 6-digit division code", event.region);
  }
  if (has_control_or_edge_space(event.enterprise)) {
    return fmt::format(
        "enterprise: \"{}\" starts or ends with a space or holds a control character",
        event.enterprise);
  }
  if (event.amount <= Money::zero()) {
    return fmt::format("amount: {} is not positive (a `returned` event takes money back)",
                       format_yuan(event.amount));
  }
  if (event.voucher.empty()) return "voucher: every event has a voucher";
  if (has_control_or_edge_space(event.voucher)) {
    return fmt::format("voucher: \"{}\" starts or ends with a space or holds a control character",
                       event.voucher);
  }
  return "";
}

std::string event_place(const std::string& source, const LedgerEvent& event, size_t index) {
  if (event.line > 0) return fmt::format("{}:{}", source, event.line);
  return fmt::format("{}: event {}", source, index + 1);
}

}  // namespace internal

std::string_view ledger_event_name(LedgerEventType type) {
  return kEventNames[static_cast<size_t>(type)];
}

Result<LedgerEventType> parse_ledger_event(std::string_view text) {
  for (size_t k = 0; k < kEventNames.size(); ++k) {
    if (text == kEventNames[k]) return static_cast<LedgerEventType>(k);
  }
  return invalid_argument(
      fmt::format("unknown event \"{}\"{}; expected received, arranged, disbursed or returned",
                  text, internal::did_you_mean(text, kEventNames)));
}

Result<LedgerBatch> parse_ledger_csv(std::string_view text, const std::string& source) {
  internal::MemorySource bytes(text, -1);
  return read_events(&bytes, true, source);
}

Result<LedgerBatch> read_ledger_csv(const std::string& path, Encoding encoding) {
  SUBSIDY_ASSIGN_OR_RETURN(std::unique_ptr<internal::ByteSource> bytes,
                           internal::open_file_source(path, encoding == Encoding::kGbk));
  return read_events(bytes.get(), encoding == Encoding::kUtf8, path);
}

}  // namespace subsidy
