// Protects the core of every figure oomlab reports: the peak above baseline of the measured phase,
// from the kernel's high-water mark after a clear_refs reset. It is easy to break silently: forget
// the reset and the peak includes the interpreter's start-up; read RSS instead of VmHWM and a
// transient peak vanishes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "measured_run.hpp"
#include "proc_memory.hpp"

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// Page-table and allocator bookkeeping is a few hundred KiB at most; 2% of 64 MiB is 1.3 MiB.
constexpr double kAccuracy = 0.02;

TEST(MeasuredRun, PeakDeltaOfTouchedBufferIsItsSize) {
  oomlab::MeasuredRun run(64);
  run.start();
  {
    std::unique_ptr<char[]> buffer(new char[64 * kMiB]);
    std::memset(buffer.get(), 1, 64 * kMiB);
    oomlab::keep_alive(buffer.get());
  }
  run.stop();
  const auto result = run.result();
  const double delta = result.at("peak_delta_bytes").get<double>();
  EXPECT_NEAR(delta, 64.0 * kMiB, kAccuracy * 64 * kMiB);
  // The buffer was freed before stop(): the peak keeps it, the RSS at the end does not.
  EXPECT_LT(result.at("rss_end_bytes").get<double>(), result.at("peak_rss_bytes").get<double>() - 32.0 * kMiB);
}

TEST(MeasuredRun, StartResetsThePeakSoSetupIsNotCounted) {
  oomlab::MeasuredRun run(0);
  run.start();
  {
    // "Setup": a transient 96 MiB peak that the variant wants left out.
    std::unique_ptr<char[]> setup(new char[96 * kMiB]);
    std::memset(setup.get(), 1, 96 * kMiB);
    oomlab::keep_alive(setup.get());
  }
  run.start();
  run.stop();
  EXPECT_LT(run.result().at("peak_delta_bytes").get<double>(), 4.0 * kMiB);
}

TEST(MeasuredRun, UntouchedAllocationIsNotResident) {
  // Allocated is not resident: fresh mmap'd pages count only once written.
  oomlab::MeasuredRun run(0);
  run.start();
  std::unique_ptr<char[]> buffer(new char[64 * kMiB]);
  oomlab::keep_alive(buffer.get());
  run.stop();
  EXPECT_LT(run.result().at("peak_delta_bytes").get<double>(), 1.0 * kMiB);
}

TEST(MeasuredRun, MetricsAndNotedRssAreReported) {
  oomlab::MeasuredRun run(5);
  run.start();
  run.add_metric("compression_ratio", 3.5);
  run.note_rss("after_free");
  run.stop();
  const auto metrics = run.result().at("metrics");
  EXPECT_DOUBLE_EQ(metrics.at("compression_ratio").get<double>(), 3.5);
  EXPECT_GT(metrics.at("rss_after_free_bytes").get<double>(), 0.0);
  EXPECT_EQ(run.size(), 5);
}

TEST(MeasuredRun, ResultBeforeStopIsALogicError) {
  oomlab::MeasuredRun run(1);
  run.start();
  EXPECT_THROW(run.result(), std::logic_error);
}

TEST(ProcMemory, StatusAndStatmAgreeOnTheRss) {
  const auto status = oomlab::read_status_memory();
  const auto statm_rss = oomlab::read_rss_bytes_fast(::getpid());
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(statm_rss.has_value());
  // Two reads a moment apart: within 1 MiB of each other.
  EXPECT_NEAR(static_cast<double>(status->rss_bytes), static_cast<double>(*statm_rss), 1.0 * kMiB);
  EXPECT_GE(status->hwm_bytes, status->rss_bytes);
}

TEST(ProcMemory, GoneProcessReadsAsNothing) {
  EXPECT_FALSE(oomlab::read_status_memory(999999999).has_value());
  EXPECT_FALSE(oomlab::read_rss_bytes_fast(999999999).has_value());
}

// A swap record's counters come from the run's cgroup where its memory.stat has pswpin/pswpout
// (cgroup v2, Linux 6.12 on), else from /proc/vmstat: the same reader, a field by its whole name.
TEST(ProcMemory, NamedCounterReadsTheFieldAskedByItsWholeName) {
  const auto file = std::filesystem::temp_directory_path() / ("oomlab-memory-stat-" + std::to_string(::getpid()));
  std::ofstream(file) << "pgpgin 5\npswpin_extra 99\npswpin 12\npswpout 7\n";
  EXPECT_EQ(oomlab::read_named_counter(file, "pswpin"), std::optional<std::uint64_t>(12));
  EXPECT_EQ(oomlab::read_named_counter(file, "pswpout"), std::optional<std::uint64_t>(7));
  EXPECT_FALSE(oomlab::read_named_counter(file, "pswp").has_value());
  EXPECT_FALSE(oomlab::read_named_counter(file.string() + "-missing", "pswpin").has_value());
  std::filesystem::remove(file);
}

TEST(ProcMemory, MeminfoHasTheMachinesMemory) {
  const auto total = oomlab::read_meminfo_bytes("MemTotal");
  ASSERT_TRUE(total.has_value());
  EXPECT_GT(*total, 256.0 * kMiB);
}

}  // namespace
