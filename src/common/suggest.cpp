#include "common/suggest.hpp"

#include <algorithm>
#include <vector>

namespace subsidy::internal {

namespace {
std::vector<char32_t> code_points(std::string_view text) {
  std::vector<char32_t> out;
  for (size_t pos = 0; pos < text.size();) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    length = std::min(length, text.size() - pos);
    char32_t value = 0;
    for (size_t i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(text[pos + i]);
    out.push_back(value);
    pos += length;
  }
  return out;
}
}  // namespace

// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
// two neighbours each count one, so "tpye" is one edit from "type".
int edit_distance(std::string_view a, std::string_view b) {
  const std::vector<char32_t> left = code_points(a);
  const std::vector<char32_t> right = code_points(b);
  const size_t width = right.size() + 1;
  std::vector<int> table((left.size() + 1) * width);
  auto at = [&](size_t i, size_t j) -> int& { return table[i * width + j]; };
  for (size_t i = 0; i <= left.size(); ++i) at(i, 0) = static_cast<int>(i);
  for (size_t j = 0; j <= right.size(); ++j) at(0, j) = static_cast<int>(j);
  for (size_t i = 1; i <= left.size(); ++i) {
    for (size_t j = 1; j <= right.size(); ++j) {
      const int substitute = at(i - 1, j - 1) + (left[i - 1] == right[j - 1] ? 0 : 1);
      int best = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, substitute});
      if (i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1]) {
        best = std::min(best, at(i - 2, j - 2) + 1);
      }
      at(i, j) = best;
    }
  }
  return at(left.size(), right.size());
}

std::string closest_match(std::string_view name, std::span<const std::string_view> candidates) {
  std::string best;
  int best_distance = 0;
  for (const std::string_view candidate : candidates) {
    const int distance = edit_distance(name, candidate);
    const int longer = static_cast<int>(std::max(code_points(name).size(), code_points(candidate).size()));
    const int allowed = std::max(1, longer / 3);
    if (distance == 0 || distance > allowed) continue;
    if (best.empty() || distance < best_distance) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates) {
  const std::string match = closest_match(name, candidates);
  return match.empty() ? std::string() : "; did you mean \"" + match + "\"?";
}

}  // namespace subsidy::internal
