// Protects two kernel facts the README's field table teaches about a record's memory figures: VmHWM
// keeps a peak that reclaim cut short (the kernel records the high-water mark before it lowers the
// RSS), and anon_huge_pages_bytes sees the transparent huge pages a buffer asked for. Easy to get
// wrong in a lesson: both are claims about the kernel, which changes; this pins them to the kernel
// that runs the suite.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "measured_run.hpp"
#include "proc_memory.hpp"

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr int kMadvPageout = 21;  // MADV_PAGEOUT (Linux 5.4), missing from older headers

// The bracketed choice of /sys/kernel/mm/transparent_hugepage/enabled, or "" without THP.
std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(in, line);
  const std::size_t open = line.find('['), close = line.find(']');
  return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

TEST(HighWaterMark, ReclaimRecordsThePeakBeforeItLowersTheRss) {
  // 64 MiB of a clean file, mapped and read, then reclaimed with MADV_PAGEOUT (the reclaim path
  // that swapping and a cgroup limit use: try_to_unmap_one). Nothing else unmaps in between, so
  // only reclaim itself can have recorded the peak. Measured on Linux 6.18: VmHWM 65 MiB, VmRSS 1 MiB.
  const std::size_t size = 64 * kMiB;
  std::string path = "/var/tmp/oomlab-high-water-XXXXXX";
  const int fd = ::mkstemp(path.data());
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::unlink(path.c_str());
  const std::vector<char> block(kMiB, 7);
  for (std::size_t written = 0; written < size; written += kMiB) ASSERT_EQ(::write(fd, block.data(), kMiB), ssize_t(kMiB));
  ::fsync(fd);  // clean pages: reclaim drops them without writing
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  auto* map = static_cast<const char*>(::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0));
  ASSERT_NE(map, MAP_FAILED);

  oomlab::reset_peak_rss();
  const std::uint64_t start = oomlab::read_status_memory()->rss_bytes;
  volatile char sink = 0;
  for (std::size_t offset = 0; offset < size; offset += 4096) sink = static_cast<char>(sink + map[offset]);
  const int paged_out = ::madvise(const_cast<char*>(map), size, kMadvPageout);
  const auto after = oomlab::read_status_memory();
  ::munmap(const_cast<char*>(map), size);
  ::close(fd);
  if (paged_out != 0) GTEST_SKIP() << "MADV_PAGEOUT refused (" << std::strerror(errno) << "): kernel before 5.4?";
  ASSERT_TRUE(after);
  if (after->rss_bytes > start + size / 2) GTEST_SKIP() << "the kernel reclaimed too little to tell";
  // The peak holds the whole file (2% for page tables and rounding) though the RSS has lost it.
  EXPECT_GE(after->hwm_bytes, start + size - size / 50);
}

TEST(HighWaterMark, AnonHugePagesSeeWhatABufferAskedFor) {
  // A 64 MiB buffer that asks for huge pages (as NumPy does for buffers of 4 MiB or more) gets some
  // under "madvise" or "always", if the kernel finds free 2 MiB blocks: only "some" is asked. The
  // record's field must see them, at stop() and not at start().
  const std::string mode = thp_mode();
  if (mode != "madvise" && mode != "always") GTEST_SKIP() << "THP mode '" << mode << "': no huge pages to see";
  const std::size_t size = 64 * kMiB;
  oomlab::MeasuredRun run(64);
  run.start();
  void* buffer = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(buffer, MAP_FAILED);
  ::madvise(buffer, size, MADV_HUGEPAGE);
  std::memset(buffer, 1, size);
  oomlab::keep_alive(buffer);
  run.stop();
  ::munmap(buffer, size);
  const auto result = run.result();
  EXPECT_GT(result.at("anon_huge_pages_bytes").get<std::uint64_t>(), result.at("anon_huge_pages_start_bytes").get<std::uint64_t>());
  EXPECT_LE(result.at("anon_huge_pages_bytes").get<std::uint64_t>(), result.at("peak_rss_bytes").get<std::uint64_t>());
}

}  // namespace
