// Internal: "did you mean" suggestions for misspelt names (keys, columns, functions).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace subsidy::internal {

// Edit distance (insertions, deletions, substitutions, neighbour swaps) in UTF-8 code points.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely typo (distance at most
// a third of the longer name, and at least 1, ties to the earlier candidate); "" otherwise.
std::string closest_match(std::string_view name, std::span<const std::string_view> candidates);

// "; did you mean \"x\"?" or "" — ready to append to a message.
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace subsidy::internal
