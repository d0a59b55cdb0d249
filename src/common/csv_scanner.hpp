// Internal: reading CSV records (RFC 4180) from a stream of bytes — a file, memory, or GBK
// transcoded to UTF-8 — in chunks through one reusable buffer. Shared by the roster loader and the
// ledger's importer.
//
//   FileSource source(file, path, size);
//   CsvScanner scanner(&source, /*check_utf8=*/true, /*at_file_start=*/true);
//   Record record;
//   Status fatal;
//   while (scanner.next(&record, &fatal)) { ... record.fields[k].view() ... }
//   if (!fatal.ok()) ...  // scanner.fatal_line() names the line
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "subsidy/status.hpp"

namespace subsidy::internal {

constexpr size_t kChunkBytes = size_t{256} << 10;  // fits in cache between read and parse
constexpr size_t kMaxRecordBytes = size_t{64} << 20;

// ---------------------------------------------------------------------------------------------
// Byte sources (called once per chunk, so a virtual call is fine)

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `max` bytes; 0 at the end of the input.
  virtual Result<size_t> read(char* destination, size_t max) = 0;
  // Bytes of the underlying input consumed so far, and in all (-1 when unknown).
  virtual int64_t input_consumed() const = 0;
  virtual int64_t input_size() const = 0;
};

class MemorySource final : public ByteSource {
 public:
  // `size_hint`: the bytes expected (for sizing buffers); -1 for all of `data`.
  MemorySource(std::string_view data, int64_t size_hint)
      : data_(data), size_hint_(size_hint >= 0 ? size_hint : static_cast<int64_t>(data.size())) {}
  Result<size_t> read(char* destination, size_t max) override;
  int64_t input_consumed() const override { return static_cast<int64_t>(position_); }
  int64_t input_size() const override { return size_hint_; }

 private:
  std::string_view data_;
  int64_t size_hint_;
  size_t position_ = 0;
};

// Reads a file from where its FILE* stands (and closes it); `size` is the bytes expected (for
// sizing buffers).
class FileSource final : public ByteSource {
 public:
  FileSource(FILE* file, std::string path, int64_t size)
      : file_(file), path_(std::move(path)), size_(size) {}
  ~FileSource() override { std::fclose(file_); }
  Result<size_t> read(char* destination, size_t max) override;
  int64_t input_consumed() const override { return consumed_; }
  int64_t input_size() const override { return size_; }

 private:
  FILE* file_;
  std::string path_;
  int64_t size_;
  int64_t consumed_ = 0;
};

// GBK (read as GB18030, its superset) to UTF-8 through iconv, carrying a multi-byte sequence that
// a chunk boundary cuts over to the next chunk.
class GbkSource final : public ByteSource {
 public:
  GbkSource(std::unique_ptr<ByteSource> inner, std::string file_name);
  ~GbkSource() override;
  GbkSource(const GbkSource&) = delete;
  GbkSource& operator=(const GbkSource&) = delete;
  bool ready() const;

  Result<size_t> read(char* destination, size_t max) override;
  int64_t input_consumed() const override { return inner_->input_consumed(); }
  int64_t input_size() const override { return inner_->input_size(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string file_name_;
  void* converter_;  // iconv_t, kept out of this header
  std::vector<char> input_;
  size_t offset_ = 0;
  size_t pending_ = 0;
  bool need_more_ = false;
  bool inner_eof_ = false;
  int64_t lines_ = 0;
};

// Opens `path` for reading as a FileSource, wrapped in a GbkSource when `gbk`; errors name the
// file.
Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path, bool gbk);

// ---------------------------------------------------------------------------------------------
// RFC 4180 records

struct Field {
  char* data;
  uint32_t size;
  bool quoted;
  bool escaped;  // holds doubled quotes still to be collapsed
  std::string_view view() const { return std::string_view(data, size); }
};

struct Record {
  std::vector<Field> fields;
  int64_t line = 0;           // physical line where the record starts
  int64_t newlines = -1;      // line ends inside the record, when the scan counted them
  std::string row_error;      // a problem confined to this record (it can be rejected)
  bool unterminated = false;  // a quote opened and never closed: the rest of the file is lost
  // When the record's quoting is broken its fields are incomplete; the line as written is kept
  // here for the rejects file.
  std::string broken_line;
};

class CsvScanner {
 public:
  // `at_file_start`: the stream begins the file, so a UTF-8 byte order mark there is skipped.
  CsvScanner(ByteSource* source, bool check_utf8, bool at_file_start)
      : source_(source), check_utf8_(check_utf8), started_(!at_file_start), buffer_(kChunkBytes) {}

  // Reads the next record; false at the end of the input or on a fatal error (then *fatal is set,
  // and fatal_line() is the line it names, or 0 when the message is complete as it is). The
  // record's fields point into the scanner's buffer until the next call.
  bool next(Record* record, Status* fatal);
  int64_t fatal_line() const { return fatal_line_; }
  // Bytes of the stream consumed by the records read so far (a BOM included).
  int64_t position() const { return position_; }
  // The line the next record starts on, counting from 1 at the start of the stream.
  int64_t line() const { return line_; }
  int64_t bytes_scanned() const { return bytes_scanned_; }
  int64_t bytes_filled() const { return bytes_filled_; }

 private:
  enum class Scan { kDone, kNeedMore };
  Scan scan(Record* record, size_t* record_end);
  Status fill();

  ByteSource* source_;
  bool check_utf8_;
  bool started_;  // past the point where a BOM could be
  std::vector<char> buffer_;
  size_t begin_ = 0;  // first byte not yet consumed
  size_t end_ = 0;    // end of the bytes read
  bool eof_ = false;
  int64_t line_ = 1;
  int64_t bytes_scanned_ = 0;
  int64_t bytes_filled_ = 0;
  int64_t position_ = 0;
  int64_t fatal_line_ = 0;
};

}  // namespace subsidy::internal
