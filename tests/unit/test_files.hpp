// Test support shared by the end-to-end tests: reading and writing whole files, and what a run of a
// command left behind.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace subsidy_test {

struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};

// An empty scratch directory for the running test: <tmp>/subsidy-<prefix>-<pid>-<test name>.
inline std::filesystem::path fresh_test_directory(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("subsidy-" + prefix + "-" + std::to_string(::getpid()) + "-" +
       std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

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

// Runs the shell command `command` from `working_directory`, its output captured through the files
// stdout and stderr of `scratch`: the exit code (-1 when it did not exit), stdout, stderr.
inline CommandResult run_shell(const std::string& working_directory, const std::string& command,
                               const std::filesystem::path& scratch) {
  const std::filesystem::path out = scratch / "stdout";
  const std::filesystem::path err = scratch / "stderr";
  const std::string line = "cd '" + working_directory + "' && " + command + " >'" + out.string() +
                           "' 2>'" + err.string() + "'";
  const int status = std::system(line.c_str());
  return CommandResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out),
                       read_file(err)};
}

// RFC 4180 records of a CSV text (no BOM).
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\n') {
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(field);
    records.push_back(record);
  }
  return records;
}

}  // namespace subsidy_test
