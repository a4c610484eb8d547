// Reads a process's memory figures from /proc, and resets its high-water mark.
// Everything that knows the format of a /proc file lives here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace oomlab {

struct ProcStatusMemory {
  std::uint64_t rss_bytes = 0;       // VmRSS: resident now
  std::uint64_t hwm_bytes = 0;       // VmHWM: resident high-water mark since start or last reset
  std::uint64_t swap_bytes = 0;      // VmSwap
};

// Reads VmRSS, VmHWM and VmSwap of `pid` (0 = this process) from /proc/<pid>/status.
// Returns nothing if the process is gone.
std::optional<ProcStatusMemory> read_status_memory(pid_t pid = 0);

// Resident bytes of `pid` from /proc/<pid>/statm: one short read, cheap enough to sample every
// millisecond. Returns nothing if the process is gone.
std::optional<std::uint64_t> read_rss_bytes_fast(pid_t pid);

struct SmapsRollup {
  std::uint64_t rss_bytes = 0;
  std::uint64_t pss_bytes = 0;   // proportional: each shared page split between its sharers
  std::uint64_t uss_bytes = 0;   // unique: Private_Clean + Private_Dirty
  std::uint64_t swap_bytes = 0;
  std::uint64_t anon_huge_pages_bytes = 0;  // AnonHugePages: anonymous memory mapped by 2 MiB transparent huge pages
};

// /proc/<pid>/smaps_rollup. It walks the page tables, so it costs about a millisecond per GiB
// resident: sample it sparingly. Returns nothing if the process is gone.
std::optional<SmapsRollup> read_smaps_rollup(pid_t pid);

// Resets this process's VmHWM to its current RSS (writes 5 to /proc/self/clear_refs, Linux >= 4.0).
// Throws std::runtime_error if the kernel refuses: a peak measured without the reset would include
// everything the process did before, and must not be reported as the peak of the measured phase.
void reset_peak_rss();

// The swap devices and files in use now (/proc/swaps), by path.
std::vector<std::string> active_swap_devices();

// A value from /proc/meminfo in bytes ("MemTotal", ...), or nothing.
std::optional<std::uint64_t> read_meminfo_bytes(const std::string& field);

// A counter from /proc/vmstat ("oom_kill", "pswpin", ...), or nothing.
std::optional<std::uint64_t> read_vmstat_counter(const std::string& field);

// A counter from a file of "name value" lines (/proc/vmstat, a cgroup's memory.stat), or nothing.
std::optional<std::uint64_t> read_named_counter(const std::filesystem::path& file, const std::string& field);

}  // namespace oomlab
