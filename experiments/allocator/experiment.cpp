// Allocator effects (beyond the article), C++ side: the same bursts as experiment.py, THREADS
// long-lived threads taking turns, each making n doubles in 64 KiB blocks and keeping the last one,
// with glibc's default arenas, after malloc_trim(0), and with one arena (M_ARENA_MAX). Mirrors
// experiment.py (its worker-process variants have no C++ counterpart: a process's exit frees all).
#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "variant_registry.hpp"

namespace {

constexpr int kThreads = 4;
constexpr std::int64_t kBlockValues = 8192;  // 64 KiB of doubles: below glibc's mmap threshold, on a heap

using Block = std::unique_ptr<double[]>;

// One thread's turn: n values in 64 KiB blocks, all freed but the last (its result).
Block burst(std::int64_t n) {
  std::vector<Block> blocks(std::max<std::int64_t>(1, n / kBlockValues));
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    blocks[b] = std::make_unique<double[]>(kBlockValues);  // value-initialised: every page touched
    std::fill_n(blocks[b].get(), kBlockValues, b * 0.5);
  }
  return std::move(blocks.back());  // the others are freed on return; this one sits at the top
}

// kThreads threads, alive together, each running one burst in its turn. Returns their results.
std::vector<Block> bursts_in_turns(std::int64_t n) {
  std::mutex mutex;
  std::condition_variable changed;
  int turn = 0;  // whose turn it is; kThreads when all are done
  std::vector<Block> results(kThreads);
  std::vector<std::thread> threads;
  for (int k = 0; k < kThreads; ++k) {
    threads.emplace_back([&, k] {
      oomlab::keep_alive(std::make_unique<char[]>(1).get());  // the thread's first malloc: its arena now
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return turn == k; });
      lock.unlock();
      results[k] = burst(n);
      lock.lock();
      ++turn;
      changed.notify_all();
      changed.wait(lock, [&] { return turn == kThreads; });  // an exited thread's arena would be reused
    });
  }
  for (auto& thread : threads) thread.join();
  return results;
}

}  // namespace

OOMLAB_VARIANT(allocator, baseline,
               "four threads in turns, one arena each: every arena keeps its burst after the free (~4 bursts)") {
  const auto results = bursts_in_turns(run.size());
  run.note_rss("after_free");
  run.stop();  // measure while the results are alive
}

OOMLAB_VARIANT(allocator, remedy_trim,
               "the same, then malloc_trim(0): the free pages inside every arena go back to the OS") {
  const auto results = bursts_in_turns(run.size());
  ::malloc_trim(0);
  run.note_rss("after_free");
  run.stop();
}

OOMLAB_VARIANT(allocator, remedy_arena_max,
               "mallopt(M_ARENA_MAX, 1) first: the threads share one arena and reuse one burst's memory") {
  ::mallopt(M_ARENA_MAX, 1);
  const auto results = bursts_in_turns(run.size());
  run.note_rss("after_free");
  run.stop();
}
