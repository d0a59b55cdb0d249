// Internal: RFC 4180 records from chunks of bytes (see csv_scanner.hpp).
#include "common/csv_scanner.hpp"

#include <emmintrin.h>
#include <fmt/format.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace subsidy::internal {

namespace {

iconv_t as_iconv(void* converter) { return reinterpret_cast<iconv_t>(converter); }
const auto kNoConverter = reinterpret_cast<iconv_t>(-1);

// Validates UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). ASCII runs are skipped
// sixteen bytes at a time; the three-byte sequences of Chinese text take the first branch.
bool valid_utf8(const unsigned char* p, const unsigned char* end) {
  while (p < end) {
    if (end - p >= 16) {
      const int high_bits = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
      if (high_bits == 0) {
        p += 16;
        continue;
      }
      p += __builtin_ctz(static_cast<unsigned>(high_bits));
    } else if (*p < 0x80) {
      ++p;
      continue;
    }
    const unsigned lead = *p;
    const ptrdiff_t left = end - p;
    auto continuation = [](unsigned byte) { return (byte & 0xC0) == 0x80; };
    if (lead >= 0xE0 && lead <= 0xEF) {
      if (left < 3 || !continuation(p[1]) || !continuation(p[2])) return false;
      if ((lead == 0xE0 && p[1] < 0xA0) || (lead == 0xED && p[1] >= 0xA0)) return false;
      p += 3;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      if (left < 2 || !continuation(p[1])) return false;
      p += 2;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      if (left < 4 || !continuation(p[1]) || !continuation(p[2]) || !continuation(p[3])) {
        return false;
      }
      if ((lead == 0xF0 && p[1] < 0x90) || (lead == 0xF4 && p[1] >= 0x90)) return false;
      p += 4;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<size_t> MemorySource::read(char* destination, size_t max) {
  const size_t count = std::min(max, data_.size() - position_);
  std::memcpy(destination, data_.data() + position_, count);
  position_ += count;
  return count;
}

Result<size_t> FileSource::read(char* destination, size_t max) {
  const size_t count = std::fread(destination, 1, max, file_);
  if (count == 0 && std::ferror(file_)) {
    return io_error(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
  }
  consumed_ += static_cast<int64_t>(count);
  return count;
}

GbkSource::GbkSource(std::unique_ptr<ByteSource> inner, std::string file_name)
    : inner_(std::move(inner)),
      file_name_(std::move(file_name)),
      converter_(reinterpret_cast<void*>(iconv_open("UTF-8", "GB18030"))),
      input_(kChunkBytes) {}

GbkSource::~GbkSource() {
  if (as_iconv(converter_) != kNoConverter) iconv_close(as_iconv(converter_));
}

bool GbkSource::ready() const { return as_iconv(converter_) != kNoConverter; }

Result<size_t> GbkSource::read(char* destination, size_t max) {
  char* out = destination;
  size_t out_left = max;
  while (out_left > 0) {
    if (pending_ == 0 || need_more_) {
      if (inner_eof_) {
        if (pending_ > 0) {
          return invalid_argument(
              fmt::format("{}:{}: the file ends inside a GBK character", file_name_, lines_ + 1));
        }
        break;
      }
      std::memmove(input_.data(), input_.data() + offset_, pending_);
      offset_ = 0;
      SUBSIDY_ASSIGN_OR_RETURN(const size_t count,
                               inner_->read(input_.data() + pending_, input_.size() - pending_));
      if (count == 0) inner_eof_ = true;
      pending_ += count;
      need_more_ = false;
      continue;
    }
    char* in = input_.data() + offset_;
    size_t in_left = pending_;
    char* const out_before = out;
    const size_t result = iconv(as_iconv(converter_), &in, &in_left, &out, &out_left);
    lines_ += std::count(out_before, out, '\n');
    offset_ = static_cast<size_t>(in - input_.data());
    pending_ = in_left;
    if (result == static_cast<size_t>(-1)) {
      if (errno == E2BIG) {
        if (out == destination) return internal_error("no room to convert a GBK character");
        break;
      }
      if (errno == EINVAL) {
        need_more_ = true;  // a character cut by the chunk boundary
        continue;
      }
      return invalid_argument(
          fmt::format("{}:{}: invalid GBK byte sequence", file_name_, lines_ + 1));
    }
  }
  return static_cast<size_t>(out - destination);
}

Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path, bool gbk) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return not_found(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  int64_t size = -1;
  if (std::fseek(file, 0, SEEK_END) == 0) {
    size = std::ftell(file);
    std::rewind(file);
  }
  std::unique_ptr<ByteSource> source = std::make_unique<FileSource>(file, path, size);
  if (!gbk) return source;
  auto converted = std::make_unique<GbkSource>(std::move(source), path);
  if (!converted->ready()) return internal_error("iconv cannot convert GB18030 to UTF-8 here");
  return std::unique_ptr<ByteSource>(std::move(converted));
}

Status CsvScanner::fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // Keep room for a whole chunk: a source that transcodes cannot produce a character into a
  // space smaller than it, and reading a byte or two at a time would crawl.
  if (buffer_.size() - end_ < kChunkBytes / 2) {
    if (buffer_.size() >= kMaxRecordBytes) {
      fatal_line_ = line_;
      return invalid_argument("a record longer than 64 MiB (an unclosed quote?)");
    }
    buffer_.resize(buffer_.size() * 2);
  }
  SUBSIDY_ASSIGN_OR_RETURN(const size_t count,
                           source_->read(buffer_.data() + end_, buffer_.size() - end_));
  if (count == 0) eof_ = true;
  end_ += count;
  bytes_filled_ += static_cast<int64_t>(count);
  if (!started_ && end_ >= 3) {
    started_ = true;
    if (std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) {  // UTF-8 BOM
      begin_ = 3;
      position_ = 3;
    }
  } else if (!started_ && eof_) {
    started_ = true;
  }
  return Status::Ok();
}

// Splits the record at begin_ into fields. kNeedMore when the buffer ends before the record does
// and more input may follow; the caller refills and scans the record again from its start.
CsvScanner::Scan CsvScanner::scan(Record* record, size_t* record_end) {
  record->fields.clear();
  record->row_error.clear();
  record->unterminated = false;
  record->newlines = -1;
  char* const base = buffer_.data();
  size_t pos = begin_;
  // Fast path: a line without quotes (nearly every line of a roster) splits at its commas. One
  // pass, sixteen bytes at a time, finds the commas, the quote that sends a line to the general
  // path below, and the line's end.
  {
    char* field = base + begin_;
    size_t at = begin_;
    while (true) {
      uint32_t commas = 0;
      uint32_t stops = 0;  // quotes and newlines
      size_t block = 16;
      if (end_ - at >= 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + at));
        commas =
            static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(','))));
        stops = static_cast<uint32_t>(
            _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\n')),
                                           _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')))));
      } else {
        block = end_ - at;
        for (size_t k = 0; k < block; ++k) {
          const char c = base[at + k];
          commas |= static_cast<uint32_t>(c == ',') << k;
          stops |= static_cast<uint32_t>(c == '\n' || c == '"') << k;
        }
      }
      if (stops != 0) commas &= (stops & (0u - stops)) - 1;  // commas before the first stop
      while (commas != 0) {
        char* const comma = base + at + static_cast<size_t>(__builtin_ctz(commas));
        record->fields.push_back(Field{field, static_cast<uint32_t>(comma - field), false, false});
        field = comma + 1;
        commas &= commas - 1;
      }
      if (stops != 0) {
        char* const stop = base + at + static_cast<size_t>(__builtin_ctz(stops));
        if (*stop == '"') {  // a quoted field somewhere: take the general path
          record->fields.clear();
          break;
        }
        char* last_end = stop;
        if (last_end > field && last_end[-1] == '\r') --last_end;
        record->fields.push_back(
            Field{field, static_cast<uint32_t>(last_end - field), false, false});
        *record_end = static_cast<size_t>(stop - base) + 1;
        record->newlines = 1;
        return Scan::kDone;
      }
      at += block;
      if (at == end_) {
        if (!eof_) return Scan::kNeedMore;
        char* last_end = base + end_;
        if (last_end > field && last_end[-1] == '\r') --last_end;
        record->fields.push_back(
            Field{field, static_cast<uint32_t>(last_end - field), false, false});
        *record_end = end_;
        record->newlines = 0;
        return Scan::kDone;
      }
    }
  }
  auto skip_line = [&](const char* reason) -> Scan {
    record->row_error = reason;
    const void* newline = std::memchr(base + pos, '\n', end_ - pos);
    if (newline == nullptr) {
      if (!eof_) return Scan::kNeedMore;
      *record_end = end_;
    } else {
      *record_end = static_cast<size_t>(static_cast<const char*>(newline) - base) + 1;
    }
    return Scan::kDone;
  };
  while (true) {
    if (pos < end_ && base[pos] == '"') {
      const size_t open = pos;
      size_t search = pos + 1;
      bool escaped = false;
      size_t close;
      while (true) {
        const void* quote = std::memchr(base + search, '"', end_ - search);
        if (quote == nullptr) {
          if (!eof_) return Scan::kNeedMore;
          record->unterminated = true;
          return Scan::kDone;  // reported as fatal by next()
        }
        close = static_cast<size_t>(static_cast<const char*>(quote) - base);
        if (close + 1 == end_ && !eof_) return Scan::kNeedMore;
        if (close + 1 < end_ && base[close + 1] == '"') {
          escaped = true;
          search = close + 2;
          continue;
        }
        break;
      }
      record->fields.push_back(
          Field{base + open + 1, static_cast<uint32_t>(close - open - 1), true, escaped});
      pos = close + 1;
      if (pos == end_) {
        if (!eof_) return Scan::kNeedMore;
        *record_end = pos;
        return Scan::kDone;
      }
      if (base[pos] == ',') {
        ++pos;
        continue;
      }
      if (base[pos] == '\n') {
        *record_end = pos + 1;
        return Scan::kDone;
      }
      if (base[pos] == '\r') {
        if (pos + 1 == end_ && !eof_) return Scan::kNeedMore;
        if (pos + 1 == end_ || base[pos + 1] == '\n') {
          *record_end = std::min(pos + 2, end_);
          return Scan::kDone;
        }
      }
      return skip_line("unexpected character after a closing quote");
    }
    size_t stop = pos;
    while (stop < end_) {
      const char c = base[stop];
      if (c == ',' || c == '\n' || c == '"') break;
      ++stop;
    }
    if (stop == end_) {
      if (!eof_) return Scan::kNeedMore;
      size_t size = stop - pos;
      if (size > 0 && base[stop - 1] == '\r') --size;
      record->fields.push_back(Field{base + pos, static_cast<uint32_t>(size), false, false});
      *record_end = stop;
      return Scan::kDone;
    }
    if (base[stop] == '"') {
      pos = stop;
      return skip_line("a quote inside an unquoted field");
    }
    size_t size = stop - pos;
    if (base[stop] == '\n' && size > 0 && base[stop - 1] == '\r') --size;
    record->fields.push_back(Field{base + pos, static_cast<uint32_t>(size), false, false});
    pos = stop + 1;
    if (base[stop] == '\n') {
      *record_end = pos;
      return Scan::kDone;
    }
  }
}

bool CsvScanner::next(Record* record, Status* fatal) {
  while (true) {
    if (begin_ == end_) {
      if (eof_) return false;
      *fatal = fill();
      if (!fatal->ok()) return false;
      continue;
    }
    size_t record_end = 0;
    if (scan(record, &record_end) == Scan::kNeedMore) {
      *fatal = fill();
      if (!fatal->ok()) return false;
      continue;
    }
    record->line = line_;
    if (record->unterminated) {
      fatal_line_ = line_;
      *fatal = invalid_argument("unterminated quoted field");
      return false;
    }
    const char* start = buffer_.data() + begin_;
    const char* stop = buffer_.data() + record_end;
    line_ += record->newlines >= 0 ? record->newlines : std::count(start, stop, '\n');
    record->broken_line.clear();
    if (!record->row_error.empty()) {
      const char* line_end = stop;
      while (line_end > start && (line_end[-1] == '\n' || line_end[-1] == '\r')) --line_end;
      record->broken_line.assign(start, line_end);
    }
    if (check_utf8_ && record->row_error.empty() &&
        !valid_utf8(reinterpret_cast<const unsigned char*>(start),
                    reinterpret_cast<const unsigned char*>(stop))) {
      record->row_error = "invalid UTF-8 (for a GBK file, load it with --encoding gbk)";
    }
    bytes_scanned_ += static_cast<int64_t>(record_end - begin_);
    position_ += static_cast<int64_t>(record_end - begin_);
    begin_ = record_end;
    for (Field& field : record->fields) {
      if (!field.escaped) continue;
      char* write = field.data;
      for (uint32_t at = 0; at < field.size; ++at) {
        *write++ = field.data[at];
        if (field.data[at] == '"') ++at;  // skip the second quote of a pair
      }
      field.size = static_cast<uint32_t>(write - field.data);
    }
    return true;
  }
}

}  // namespace subsidy::internal
