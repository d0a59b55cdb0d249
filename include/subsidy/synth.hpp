// Synthetic rosters for tests and benchmarks.
//
// Deterministic for a (rows, seed) pair on every machine that runs this build: the same bytes each
// time. The mixes are chosen so the example plans bite: a good share of rows in Xuyi (320830) and in
// Chengdu's districts (5101xx), with tags such as 入驻基地 and 专精特新 at realistic rates, log-normal
// revenue with invoiced sales and tax tied to it, and a few nulls.
//
//   subsidy::SynthOptions options{.rows = 1'000'000, .seed = 42};
//   subsidy::Status status = subsidy::write_synthetic_roster(options, "roster.csv");
#pragma once

#include <cstdint>
#include <string>

#include "subsidy/status.hpp"

namespace subsidy {

struct SynthOptions {
  int64_t rows = 1000;
  uint64_t seed = 1;
};

// Writes a roster CSV with the SPEC §4 columns plus rent_paid (UTF-8, LF, header row).
Status write_synthetic_roster(const SynthOptions& options, const std::string& path);
// The same into a string (for tests).
std::string synthetic_roster_csv(const SynthOptions& options);

}  // namespace subsidy
