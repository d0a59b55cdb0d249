// Internal: a fast, non-cryptographic hash for short strings (ids, dictionary values).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace subsidy::internal {

// Eight bytes at a time with a multiply-xorshift mix (the finalizer of SplitMix64). Quality is
// ample for hash tables and for sorting ids by hash; it is not stable across versions on purpose.
inline uint64_t hash_bytes(std::string_view text) {
  uint64_t hash = 0x9E3779B97F4A7C15ULL ^ text.size();
  const char* data = text.data();
  size_t left = text.size();
  auto mix = [](uint64_t value) {
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
    value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
    return value ^ (value >> 31);
  };
  while (left >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    hash = mix(hash ^ word);
    data += 8;
    left -= 8;
  }
  // The last 0..7 bytes, read without a byte loop (a variable-length memcpy into a word stalls
  // store forwarding): overlapping 8- or 4-byte reads, or three single bytes.
  uint64_t tail = 0;
  if (left > 0 && text.size() >= 8) {
    std::memcpy(&tail, data + left - 8, 8);  // ends at the text's end, reads back into hashed bytes
  } else if (left >= 4) {
    uint32_t low, high;
    std::memcpy(&low, data, 4);
    std::memcpy(&high, data + left - 4, 4);
    tail = (uint64_t{high} << 32) | low;
  } else if (left > 0) {
    const auto byte = [&](size_t at) { return uint64_t{static_cast<unsigned char>(data[at])}; };
    tail = byte(0) | (byte(left / 2) << 8) | (byte(left - 1) << 16);
  }
  return mix(hash ^ tail ^ (uint64_t{left} << 56));
}

}  // namespace subsidy::internal
