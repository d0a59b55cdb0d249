// Writing a roster back out as UTF-8 CSV.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/csv.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

Status write_roster_csv(const Roster& roster, const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return io_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  std::string buffer;
  auto flush = [&]() -> bool {
    const bool ok = std::fwrite(buffer.data(), 1, buffer.size(), file.get()) == buffer.size();
    buffer.clear();
    return ok;
  };
  const auto& columns = roster.columns();
  for (size_t idx = 0; idx < columns.size(); ++idx) {
    if (idx > 0) buffer.push_back(',');
    internal::append_csv_field(buffer, columns[idx].name());
  }
  buffer.push_back('\n');
  for (RowIndex row_idx = 0; row_idx < roster.num_rows(); ++row_idx) {
    for (size_t idx = 0; idx < columns.size(); ++idx) {
      if (idx > 0) buffer.push_back(',');
      internal::append_csv_field(buffer, columns[idx].format_value(row_idx));
    }
    buffer.push_back('\n');
    if (buffer.size() > (1 << 20) && !flush()) break;
  }
  if (!flush() || std::fflush(file.get()) != 0) {
    return io_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  return Status::Ok();
}

}  // namespace subsidy
