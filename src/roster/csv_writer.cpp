// Writing a roster back out as UTF-8 CSV.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/csv.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

// Written to `<path>.tmp` and renamed into place, so a failed write never leaves half a file.
Status write_roster_csv(const Roster& roster, const std::string& path) {
  const std::string temporary = path + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(temporary.c_str(), "wb"), &std::fclose);
  auto failed = [&] {
    const Status status = io_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    file.reset();
    std::remove(temporary.c_str());
    return status;
  };
  if (!file) return failed();
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
    if (buffer.size() > (1 << 20) && !flush()) return failed();
  }
  if (!flush() || std::fclose(file.release()) != 0) return failed();
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return failed();
  return Status::Ok();
}

}  // namespace subsidy
