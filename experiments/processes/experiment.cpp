// Process count (the article's remedy 2), C++ side: N workers read one buffer of `size` doubles, built
// before the measured phase. Forked children that only read it share its pages; children that write
// to it copy every page they write; a copy per worker is the shape of a pickled argument; threads share
// one copy. Each worker holds its data until all do, so the tree's peak is simultaneous. Mirrors
// experiment.py (a variant's name ends in its worker count).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "proc_memory.hpp"
#include "variant_registry.hpp"

namespace {

// Held at the plateau after the snapshot, so that the harness's RSS sampler (every 20 ms) sees it too.
constexpr auto kHold = std::chrono::milliseconds(50);

std::vector<double> make_values(std::int64_t n) {
  std::vector<double> values(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.5;
  return values;
}

double sum_of(const double* data, std::size_t n) { return std::accumulate(data, data + n, 0.0); }

// At the plateau: the harness samples every process of the tree (RSS, PSS, USS) now; the workers'
// mean private memory (USS) is noted as in experiment.py.
void note_tree(oomlab::MeasuredRun& run, const std::vector<pid_t>& workers) {
  run.sample_tree();
  double worker_private = 0;
  for (const pid_t pid : workers) {
    if (const auto rollup = oomlab::read_smaps_rollup(pid)) worker_private += static_cast<double>(rollup->uss_bytes);
  }
  if (!workers.empty()) run.add_metric("worker_private_bytes", worker_private / static_cast<double>(workers.size()));
}

// Forks `workers` children that each run `work()` and then hold what they hold: each writes a byte
// to `ready` and blocks reading `release` until the parent closes it. The parent notes the tree once
// all are ready, stops the run, releases them and reaps them.
// REQUIRES: a single-threaded process (fork copies only the calling thread).
template <class Work>
void fork_workers(oomlab::MeasuredRun& run, int workers, Work work) {
  int ready[2], release[2];
  if (::pipe(ready) != 0 || ::pipe(release) != 0) throw std::runtime_error("pipe failed");
  std::vector<pid_t> children;
  for (int i = 0; i < workers; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(ready[0]);
      ::close(release[1]);
      const double checksum = work();
      oomlab::keep_alive(&checksum);  // the sum must be computed, not optimised away
      const char byte = 1;
      char ignored;
      const bool ok = ::write(ready[1], &byte, 1) == 1 && ::read(release[0], &ignored, 1) == 0;
      ::_exit(ok ? 0 : 1);  // _exit: no destructors or atexit handlers of the parent's state
    }
    children.push_back(pid);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char byte;
  for (int i = 0; i < workers; ++i) {
    if (::read(ready[0], &byte, 1) != 1) throw std::runtime_error("a worker died before its plateau");
  }
  note_tree(run, children);
  std::this_thread::sleep_for(kHold);
  run.stop();
  ::close(release[1]);
  ::close(ready[0]);
  int failed = 0;
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  if (failed) throw std::runtime_error(std::to_string(failed) + " worker(s) failed");
}

void fork_read(oomlab::MeasuredRun& run, int workers) {
  const std::vector<double> values = make_values(run.size());
  run.start();
  fork_workers(run, workers, [&] { return sum_of(values.data(), values.size()); });
}

void fork_write(oomlab::MeasuredRun& run, int workers) {
  std::vector<double> values = make_values(run.size());
  run.start();
  fork_workers(run, workers, [&] {
    for (double& value : values) value *= 2.0;  // the first write to each page copies it
    return sum_of(values.data(), values.size());
  });
}

void copy_per_worker(oomlab::MeasuredRun& run, int workers) {
  const std::vector<double> values = make_values(run.size());
  run.start();
  fork_workers(run, workers, [&] {
    // The worker's own copy: what unpickling an argument gives a Python worker. Leaked on purpose:
    // the child holds it until it _exits.
    auto* own = new std::vector<double>(values);
    return sum_of(own->data(), own->size());
  });
}

void threads(oomlab::MeasuredRun& run, int workers) {
  const std::vector<double> values = make_values(run.size());
  run.start();
  std::mutex mutex;
  std::condition_variable changed;
  int at_plateau = 0;
  bool released = false;
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) {
    pool.emplace_back([&] {
      const double checksum = sum_of(values.data(), values.size());
      oomlab::keep_alive(&checksum);
      std::unique_lock<std::mutex> lock(mutex);
      ++at_plateau;
      changed.notify_all();
      changed.wait(lock, [&] { return released; });
    });
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return at_plateau == workers; });
  }
  note_tree(run, {});
  std::this_thread::sleep_for(kHold);
  run.stop();
  {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
  }
  changed.notify_all();
  for (auto& thread : pool) thread.join();
}

}  // namespace

OOMLAB_VARIANT(processes, one_copy, "the process copies the buffer once: the unit the others are counted in") {
  const std::vector<double> values = make_values(run.size());
  run.start();
  const std::vector<double> copy(values);
  oomlab::keep_alive(copy.data());
  run.stop();
}

// One variant per way and worker count; the harness knows only variant × size.
#define PROCESSES_VARIANT(way, workers, doc) \
  OOMLAB_VARIANT(processes, way##_n##workers, doc " (N = " #workers ")") { way(run, workers); }
#define PROCESSES_VARIANTS(way, doc)    \
  PROCESSES_VARIANT(way, 1, doc)        \
  PROCESSES_VARIANT(way, 2, doc)        \
  PROCESSES_VARIANT(way, 4, doc)        \
  PROCESSES_VARIANT(way, 8, doc)

PROCESSES_VARIANTS(fork_read, "forked children sum the inherited buffer: they only read, so its pages stay shared")
PROCESSES_VARIANTS(fork_write, "forked children double the inherited buffer in place: each write copies a page")
PROCESSES_VARIANTS(copy_per_worker, "forked children each copy the buffer first: the shape of a pickled argument")
PROCESSES_VARIANTS(threads, "threads sum the one buffer: one copy, shared by construction")
