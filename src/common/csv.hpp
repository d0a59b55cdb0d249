// Internal: CSV fields (RFC 4180, quoting only where needed) and the trimming of cells.
#pragma once

#include <string>
#include <string_view>

namespace subsidy::internal {

// A cell without the spaces and tabs around it (the roster loader's, a tag's, a pandas cell's).
inline std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Appends `field`, quoted (with inner quotes doubled) only when it holds a comma, a quote, a CR or
// an LF.
inline void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace subsidy::internal
