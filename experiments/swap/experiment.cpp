// Swap (the article's remedy 1), C++ side: a buffer of run.size() MiB, about 1.5× the memory
// limit of the profile, written during setup (so part of it is swapped out), then read in address
// order or at random. Mirrors experiment.py.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <chrono>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "variant_registry.hpp"

namespace {

constexpr std::size_t kPageBytes = 4096;
constexpr int kSequentialPasses = 3;
// The probe times this many single-page reads: enough for a median, few enough for ~2 s on an HDD.
constexpr std::size_t kProbeReads = 256;
// A progress note after every 16 pages read (64 KiB; ~0.1 s of faults on the emulated HDD): a run
// stopped at the time cap is recorded with how far it got. The harness passes on one note per 20 ms.
constexpr std::size_t kPagesPerProgressNote = 16;

enum class DataKind { smooth, random };

// Every page written, so every page is resident or swapped out: none is a shared zero page. The bytes
// are those of real data, so zram has to compress them (a page of one repeated byte is stored by zram
// as one word, and would make zram look free). Mirrors experiment.py's written_buffer:
//   smooth  a sensor series at 0.01 resolution, doubles: a random walk of -1, 0 or +1 counts
//   random  uniform random bytes: incompressible
// The buffer's bytes are left uninitialised (not a std::vector, which writes zeros first): under the
// limit, a zeroing pass would push the first pages out to swap and the real write would fault them back
// in, a swap-in per page during setup (at 120 per second on the emulated HDD).
struct WrittenBuffer {
  std::unique_ptr<unsigned char[]> bytes;
  std::size_t size;
  unsigned char operator[](std::size_t index) const { return bytes[index]; }
};

WrittenBuffer written_buffer(std::int64_t size_mib, DataKind kind = DataKind::smooth) {
  const std::size_t size = static_cast<std::size_t>(size_mib) << 20;
  WrittenBuffer buffer{std::unique_ptr<unsigned char[]>(new unsigned char[size]), size};  // new T[n]: no zeroing
  std::mt19937_64 generator(0);
  if (kind == DataKind::random) {
    for (std::size_t i = 0; i + 8 <= buffer.size; i += 8) {
      const std::uint64_t bits = generator();
      std::memcpy(&buffer.bytes[i], &bits, 8);
    }
    return buffer;
  }
  std::int64_t counts = 0;
  for (std::size_t i = 0; i + 8 <= buffer.size; i += 8) {
    counts += static_cast<std::int64_t>(generator() % 3) - 1;
    const double reading = 20.0 + 0.01 * static_cast<double>(counts);
    std::memcpy(&buffer.bytes[i], &reading, 8);
  }
  return buffer;
}

std::vector<std::size_t> pages_in_random_order(std::size_t pages) {
  std::vector<std::size_t> order(pages);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(0));  // the same order every run
  return order;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A progress note after every kPagesPerProgressNote pages, and after the last page.
void note_pages_read(oomlab::MeasuredRun& run, std::size_t pages_done, std::size_t pages_total) {
  if (pages_done % kPagesPerProgressNote == 0 || pages_done == pages_total) {
    run.note_progress(static_cast<double>(pages_done), static_cast<double>(pages_total), "pages");
  }
}

long major_faults_so_far() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_majflt;
}

// Times single-page reads of `buffer` in a random order; faulting ones are kept (see the variants below).
void probe_swap_in_latency(oomlab::MeasuredRun& run, const WrittenBuffer& buffer) {
  const std::vector<std::size_t> order = pages_in_random_order(buffer.size / kPageBytes);
  run.start();
  std::vector<double> fault_seconds;
  volatile unsigned char sink = 0;
  for (std::size_t i = 0; i < std::min(kProbeReads, order.size()); ++i) {
    const long faults_before = major_faults_so_far();
    const auto started = std::chrono::steady_clock::now();
    sink = sink + buffer[order[i] * kPageBytes];
    const auto ended = std::chrono::steady_clock::now();
    if (major_faults_so_far() > faults_before) fault_seconds.push_back(std::chrono::duration<double>(ended - started).count());
  }
  run.stop();
  run.add_metric("probe_reads", static_cast<double>(std::min(kProbeReads, order.size())));
  run.add_metric("probe_major_faults", static_cast<double>(fault_seconds.size()));
  if (!fault_seconds.empty()) {
    // The mean is the figure to teach: an io throttle lets bursts through and then blocks, so the
    // median of an emulated HDD looks fast while the total time is that of ~120 reads per second.
    run.add_metric("swapin_latency_mean_seconds",
                   std::accumulate(fault_seconds.begin(), fault_seconds.end(), 0.0) / fault_seconds.size());
    std::sort(fault_seconds.begin(), fault_seconds.end());
    run.add_metric("swapin_latency_median_seconds", fault_seconds[fault_seconds.size() / 2]);
    run.add_metric("swapin_latency_p90_seconds", fault_seconds[fault_seconds.size() * 9 / 10]);
  }
}

}  // namespace

OOMLAB_VARIANT(swap, sequential, "3 passes over the buffer, page by page in address order: readahead helps") {
  const WrittenBuffer buffer = written_buffer(run.size());
  run.start();
  const auto started = std::chrono::steady_clock::now();
  const std::size_t pages = buffer.size / kPageBytes;
  const std::size_t pages_read = kSequentialPasses * pages;
  std::size_t sum = 0;
  for (int pass = 0; pass < kSequentialPasses; ++pass) {
    for (std::size_t page = 0; page < pages; ++page) {
      sum += buffer[page * kPageBytes];
      note_pages_read(run, pass * pages + page + 1, pages_read);
    }
  }
  run.add_metric("pages_read", static_cast<double>(pages_read));
  run.add_metric("seconds_per_page_read", seconds_since(started) / static_cast<double>(pages_read));
  run.add_metric("checksum", static_cast<double>(sum));
  run.stop();
}

OOMLAB_VARIANT(swap, random, "every page of the buffer once, in random order: each swapped page is a fault") {
  const WrittenBuffer buffer = written_buffer(run.size());
  const std::vector<std::size_t> order = pages_in_random_order(buffer.size / kPageBytes);
  run.start();
  const auto started = std::chrono::steady_clock::now();
  std::size_t sum = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    sum += buffer[order[i] * kPageBytes];
    note_pages_read(run, i + 1, order.size());
  }
  run.add_metric("pages_read", static_cast<double>(order.size()));
  run.add_metric("seconds_per_page_read", seconds_since(started) / static_cast<double>(order.size()));
  run.add_metric("checksum", static_cast<double>(sum));
  run.stop();
}

OOMLAB_VARIANT(swap, probe, "swap-in latency: 256 random single-page reads of the smooth series, each timed; faulting ones kept") {
  probe_swap_in_latency(run, written_buffer(run.size(), DataKind::smooth));
}

OOMLAB_VARIANT(swap, probe_random, "swap-in latency as probe, of incompressible bytes: zram's worst case") {
  probe_swap_in_latency(run, written_buffer(run.size(), DataKind::random));
}
