// Per-run cgroups: oomlab creates one for a measurement that needs it (the true peak of a process
// tree, a memory limit, throttled swap-in reads) and removes it afterwards, with every process in
// it. They are made below the cgroup oomlab itself runs in (on v2 as root, where that cgroup holds
// processes and so cannot give memory to children, at the top of the hierarchy instead; on v2 as a
// user, in the cgroup systemd delegated to oomlab, beside a leaf oomlab moves itself into: see
// probe_cgroups), named `oomlab-<pid>-<n>` for people to read; each gets an ownership record
// (ownership.hpp), which is what `oomlab cleanup` goes by. cgroup v1 and v2 are supported.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomlab {

struct CgroupSupport {
  std::string version;                      // "v1" or "v2"; empty when unusable
  std::string unavailable_reason;           // why not, for records and skips
  std::filesystem::path memory_parent;      // where run cgroups are made (v1 memory / v2 unified)
  std::filesystem::path io_parent;          // v1 blkio hierarchy (empty on v2: io is in the unified tree)
  bool io_throttling = false;
  bool usable() const { return unavailable_reason.empty(); }
};

// What this process may do with cgroups. v1: needs root and a memory controller. v2 as root: it
// may turn memory and io on in the root's cgroup.subtree_control (as systemd does). v2 as a user:
// its own cgroup must be delegated to it with memory (`systemd-run --user --scope -p Delegate=yes`)
// and hold no other process; the first probe then moves this process into a leaf
// (`oomlab-<pid>-<n>-leaf`, recorded as oomlab's) and enables memory (and io, if delegated) for the
// children, and undoes both at exit; later probes give the same answer. Usable only if run
// cgroups made under memory_parent get the memory controller; otherwise unavailable_reason says why
// and what to do.
CgroupSupport probe_cgroups();

// An io throttle on one block device: emulates a slow disk for the processes of the cgroup.
struct IoThrottle {
  unsigned device_major = 0;
  unsigned device_minor = 0;
  std::uint64_t read_iops = 0;              // random 4 KiB reads per second (HDD: ~100-150)
  std::uint64_t read_bytes_per_second = 0;  // sequential (HDD: ~100 MB/s)
  // Writes, v2 only: v2 charges a page's swap-out to the cgroup that owns the page (so the job's
  // reclaim waits on it); v1 blkio throttles direct I/O alone and never sees swap-out, so there
  // only reads are limited.
  std::uint64_t write_iops = 0;
  std::uint64_t write_bytes_per_second = 0;
};

struct CgroupSettings {
  std::optional<std::uint64_t> memory_limit_bytes;
  // With a memory limit: how much swap the cgroup may use on top (0 = none: the `none` profile).
  std::optional<std::uint64_t> swap_limit_bytes;
  // v2 memory.zswap.max where the kernel has it (5.19+): 0 keeps zswap from compressing the job's
  // pages in RAM before they reach the swap device a disk profile stands for.
  std::optional<std::uint64_t> zswap_limit_bytes;
  std::optional<int> swappiness;            // v1 only (v2 has no per-cgroup swappiness)
  std::optional<IoThrottle> io_throttle;
};

class RunCgroup {
 public:
  // Creates the cgroup(s). Throws std::runtime_error with the reason if the kernel refuses.
  RunCgroup(const CgroupSupport& support, const CgroupSettings& settings);
  // Kills every process still inside, then removes the cgroup(s) (remove_cgroup); says on stderr
  // what it could not remove, which keeps its ownership record for `oomlab cleanup`.
  ~RunCgroup();
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;

  // The files a forked child writes its pid into (cgroup.procs) before exec, so that all of its
  // memory, from the first page, is charged here.
  std::vector<std::string> procs_files() const;

  std::filesystem::path memory_path() const { return memory_path_; }
  std::string version() const { return version_; }

  // The processes inside now.
  std::vector<pid_t> processes() const;

  // How many times the OOM killer acted inside (v1 memory.oom_control, v2 memory.events).
  std::uint64_t oom_kill_count() const;

  // What the kernel holds now for the settings that depend on it, for the record: "zswap_max_bytes"
  // (v2, where memory.zswap.max exists and was set) and "io_max" (v2: this cgroup's io.max line).
  nlohmann::json settings_read_back() const;

  // Swap-ins and swap-outs charged here, where the kernel counts them per cgroup (v2 memory.stat
  // pswpin/pswpout); nothing on v1.
  std::optional<std::uint64_t> stat_counter(const std::string& name) const;

 private:
  std::string version_;
  std::filesystem::path memory_path_;
  std::filesystem::path io_path_;  // v1 blkio cgroup, if throttled
  std::filesystem::path memory_record_, io_record_;  // their ownership records
  bool zswap_limited_ = false, io_limited_ = false;
};

// Ends every process in `cgroup` and removes it. A worker that called setsid() or forked twice has
// left its process group, not its cgroup: so cgroup.procs is read again after each round of SIGKILL
// (v2: cgroup.kill first) until it is empty and rmdir succeeds, for up to 5 s. Returns false with
// `why` if the cgroup is still there. A cgroup that is gone already counts as removed.
bool remove_cgroup(const std::filesystem::path& cgroup, std::string& why);

// Inside the measured child: the cgroup it runs in, if the parent made one
// ($OOMLAB_MEMORY_CGROUP), so the measured phase can read the tree's own peak.
std::optional<std::filesystem::path> own_run_cgroup();

// Resets the cgroup's peak to its usage now (v1: memory.max_usage_in_bytes). Returns false on v2,
// where memory.peak then covers the child's whole life.
bool reset_cgroup_peak(const std::filesystem::path& cgroup);

// The cgroup's charged memory now, and its peak: the true simultaneous peak of every process in it.
std::optional<std::uint64_t> cgroup_usage_bytes(const std::filesystem::path& cgroup);
std::optional<std::uint64_t> cgroup_peak_bytes(const std::filesystem::path& cgroup);

// What the cgroup's charge is made of now: {anonymous memory, page cache} (v1 memory.stat total_rss
// and total_cache, v2 anon and file); zeros where the file cannot be read.
std::pair<std::uint64_t, std::uint64_t> read_cgroup_anon_file_bytes(const std::filesystem::path& cgroup);

inline constexpr const char* kCgroupEnvironmentVariable = "OOMLAB_MEMORY_CGROUP";

}  // namespace oomlab
