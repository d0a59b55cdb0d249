// Internal: a file written whole or not at all — written to `<path>.tmp` and renamed into place
// on commit(); dropped (the .tmp removed) if commit() is never reached.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "subsidy/status.hpp"

namespace subsidy::internal {

class AtomicFile {
 public:
  // `what` names the file in errors: "cannot write <what><path>: <reason>".
  explicit AtomicFile(std::string path, std::string what = "")
      : path_(std::move(path)), what_(std::move(what)), temporary_(path_ + ".tmp") {}
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
      std::remove(temporary_.c_str());
    }
  }

  Status open() {
    file_ = std::fopen(temporary_.c_str(), "wb");
    return file_ != nullptr ? Status::Ok() : failed();
  }
  Status write(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) == text.size()) return Status::Ok();
    return failed();
  }
  Status commit() {
    FILE* file = file_;
    file_ = nullptr;
    if (std::fclose(file) != 0 || std::rename(temporary_.c_str(), path_.c_str()) != 0) {
      const Status status = failed();
      std::remove(temporary_.c_str());
      return status;
    }
    return Status::Ok();
  }

 private:
  Status failed() const {
    return io_error(fmt::format("cannot write {}{}: {}", what_, path_, std::strerror(errno)));
  }
  std::string path_;
  std::string what_;
  std::string temporary_;
  FILE* file_ = nullptr;
};

}  // namespace subsidy::internal
