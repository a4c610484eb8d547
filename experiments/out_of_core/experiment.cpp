// Out of core (beyond the article), C++ side: the same file (run.size() MiB of float64 values, rows of
// 8) and the same reduction (column means, a 32-bin histogram over [0, 1)) as experiment.py, reached
// all at once (baseline), chunk by chunk with pread (remedy_chunked) or through mmap (remedy_memmap).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "variant_registry.hpp"

namespace {

constexpr std::size_t kMib = 1024 * 1024;
constexpr std::size_t kColumns = 8;
constexpr std::size_t kRowBytes = kColumns * sizeof(double);
constexpr std::size_t kBins = 32;
constexpr std::size_t kChunkBytes = 8 * kMib;  // one step of remedy_chunked, as in experiment.py
constexpr std::size_t kPatternValues = kMib / sizeof(double);
constexpr double kGoldenRatioFraction = 0.6180339887498949;
constexpr std::int64_t kFlushEveryMib = 16;

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// The data set in a file with no name (O_TMPFILE): the kernel removes it when the descriptor closes,
// even if the OOM killer ends the process. Written in setup, flushed and dropped from the page cache,
// so that the measured phase reads it from disk. The same bytes as experiment.py's data_file().
class DataFile {
 public:
  explicit DataFile(std::int64_t size_mib)
      : descriptor_{::open("/var/tmp", O_TMPFILE | O_RDWR, 0600)}, bytes_(static_cast<std::size_t>(size_mib) * kMib) {
    if (fd() < 0) fail("open(/var/tmp, O_TMPFILE)");
    std::vector<double> pattern(kPatternValues);
    for (std::size_t k = 0; k < kPatternValues; ++k) {
      const double scaled = static_cast<double>(k) * kGoldenRatioFraction;
      pattern[k] = scaled - std::floor(scaled);
    }
    for (std::int64_t mib = 0; mib < size_mib; ++mib) {
      if (::write(fd(), pattern.data(), kMib) != static_cast<ssize_t>(kMib)) fail("write");
      if ((mib + 1) % kFlushEveryMib == 0 || mib + 1 == size_mib) {
        if (::fdatasync(fd()) != 0) fail("fdatasync");
        ::posix_fadvise(fd(), 0, 0, POSIX_FADV_DONTNEED);
      }
    }
  }

  int fd() const { return descriptor_.fd; }
  std::size_t bytes() const { return bytes_; }

 private:
  // Closed (so the file removed) however the constructor or the variant ends.
  struct Descriptor {
    explicit Descriptor(int opened) : fd(opened) {}
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int fd;
  };
  Descriptor descriptor_;
  std::size_t bytes_;
};

// Reads `bytes` at `offset` into `buffer`, looping over short reads.
void read_exactly(int fd, void* buffer, std::size_t bytes, std::size_t offset) {
  auto* cursor = static_cast<char*>(buffer);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd, cursor, bytes, static_cast<off_t>(offset));
    if (got <= 0) fail("pread");
    cursor += got;
    offset += static_cast<std::size_t>(got);
    bytes -= static_cast<std::size_t>(got);
  }
}

// RSS now, split into anonymous memory (the process's own) and file pages (mapped page cache).
void note_resident_kinds(oomlab::MeasuredRun& run) {
  std::ifstream status("/proc/self/status");
  std::string field;
  while (status >> field) {
    double kib = 0;
    if (field == "RssAnon:" && status >> kib) run.add_metric("rss_anon_end_bytes", kib * 1024);
    if (field == "RssFile:" && status >> kib) run.add_metric("rss_file_end_bytes", kib * 1024);
  }
}

// The reduction, fed any number of whole rows at a time.
struct Reduction {
  std::array<double, kColumns> sums{};
  std::array<std::int64_t, kBins> counts{};
  std::size_t rows = 0;

  void add(const double* values, std::size_t row_count) {
    for (std::size_t row = 0; row < row_count; ++row) {
      for (std::size_t column = 0; column < kColumns; ++column) {
        const double value = values[row * kColumns + column];
        sums[column] += value;
        // Bin edges k/32 are exact, so this matches np.histogram(values, 32, (0, 1)) value for value.
        if (value >= 0.0 && value < 1.0) ++counts[static_cast<std::size_t>(value * kBins)];
      }
    }
    rows += row_count;
  }

  // The same metrics as experiment.py's report(): the result, and what is resident while it is computed.
  void report(oomlab::MeasuredRun& run) const {
    double means_sum = 0.0, counted = 0.0, moment = 0.0;
    for (const double sum : sums) means_sum += sum / static_cast<double>(rows);
    for (std::size_t bin = 0; bin < kBins; ++bin) {
      counted += static_cast<double>(counts[bin]);
      moment += static_cast<double>(counts[bin]) * static_cast<double>(bin);
    }
    run.add_metric("column_means_sum", means_sum);
    run.add_metric("values_counted", counted);
    run.add_metric("histogram_moment", moment);
    note_resident_kinds(run);
  }
};

}  // namespace

OOMLAB_VARIANT(out_of_core, baseline, "read the whole file into one std::vector<double>, then reduce it") {
  const DataFile file(run.size());
  run.start();
  std::vector<double> data(file.bytes() / sizeof(double));
  read_exactly(file.fd(), data.data(), file.bytes(), 0);
  Reduction reduction;
  reduction.add(data.data(), file.bytes() / kRowBytes);
  reduction.report(run);
  oomlab::keep_alive(data.data());
  run.stop();
}

OOMLAB_VARIANT(out_of_core, remedy_chunked, "pread 8 MiB chunks into one reused buffer, reducing each") {
  const DataFile file(run.size());
  run.start();
  std::vector<double> buffer(kChunkBytes / sizeof(double));
  Reduction reduction;
  for (std::size_t offset = 0; offset < file.bytes(); offset += kChunkBytes) {
    const std::size_t bytes = std::min(kChunkBytes, file.bytes() - offset);
    read_exactly(file.fd(), buffer.data(), bytes, offset);
    reduction.add(buffer.data(), bytes / kRowBytes);
    // The tree's PSS at its plateau (a chunk held), asked for as experiment.py's remedy_chunked does.
    if (offset == 0) run.sample_tree();
  }
  reduction.report(run);
  oomlab::keep_alive(buffer.data());
  run.stop();
}

OOMLAB_VARIANT(out_of_core, remedy_memmap, "mmap the whole file read-only and reduce it: the kernel pages it in") {
  const DataFile file(run.size());
  run.start();
  void* mapped = ::mmap(nullptr, file.bytes(), PROT_READ, MAP_SHARED, file.fd(), 0);
  if (mapped == MAP_FAILED) fail("mmap");
  Reduction reduction;
  reduction.add(static_cast<const double*>(mapped), file.bytes() / kRowBytes);
  reduction.report(run);
  run.stop();
  ::munmap(mapped, file.bytes());
}
