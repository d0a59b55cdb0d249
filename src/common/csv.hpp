// Internal: writing CSV fields (RFC 4180, quoting only where needed).
#pragma once

#include <string>
#include <string_view>

namespace subsidy::internal {

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
