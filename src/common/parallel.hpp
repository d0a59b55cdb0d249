// Internal: a parallel for over independent tasks, for work that is coarse and few (columns of a
// roster, parts of a file). Tasks are taken in index order by `threads` threads, the caller's
// own thread among them.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace subsidy::internal {

// 0 means every core.
inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

template <class Task>
void parallel_for(size_t count, int threads, const Task& task) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t index = next++; index < count; index = next++) task(index);
  };
  std::vector<std::thread> pool;
  const size_t helpers = std::min<size_t>(static_cast<size_t>(resolve_threads(threads)), count);
  for (size_t idx = 1; idx < helpers; ++idx) pool.emplace_back(worker);
  worker();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace subsidy::internal
