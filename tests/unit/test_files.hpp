// Test support shared by the end-to-end tests: reading and writing whole files, and what a run of a
// command left behind.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace subsidy_test {

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace subsidy_test
