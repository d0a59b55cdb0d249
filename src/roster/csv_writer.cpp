// Writing a roster back out as UTF-8 CSV.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/atomic_file.hpp"
#include "common/csv.hpp"
#include "subsidy/roster.hpp"

namespace subsidy {

// Written whole or not at all (internal::AtomicFile).
Status write_roster_csv(const Roster& roster, const std::string& path) {
  internal::AtomicFile file(path);
  SUBSIDY_RETURN_IF_ERROR(file.open());
  std::string buffer;
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
    if (buffer.size() > (1 << 20)) {
      SUBSIDY_RETURN_IF_ERROR(file.write(buffer));
      buffer.clear();
    }
  }
  SUBSIDY_RETURN_IF_ERROR(file.write(buffer));
  return file.commit();
}

}  // namespace subsidy
