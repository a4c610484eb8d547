// The swap experiment's profiles: the same job under a memory limit, with swap of different kinds.
//   ram   no limit at all: the "add RAM" remedy.
//   none  the limit, and no swap: expect the OOM killer.
//   ssd   the limit, swap on the local disk (a loop device with direct I/O over a file, marked
//         non-rotational).
//   hdd   the same device, slowed to HDD-like behaviour for the measured processes: a cgroup
//         throttle of ~120 random reads per second and 100 MB/s (v1 blkio.throttle.*, v2 io.max),
//         and on v2 the same for writes: v2 charges a page's swap-out to the cgroup that owns it,
//         so the job waits for its own swap-outs as on a real HDD. v1 never sees swap-out writes,
//         so there only swap-ins, which the job waits for, are slowed.
//   The disk profiles set memory.zswap.max to 0 on v2 where it exists, so that zswap does not
//   keep the job's pages compressed in RAM instead of on the disk measured.
//   zram  the limit, compressed swap in RAM (lz4).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroup.hpp"
#include "rss_sampler.hpp"
#include "swap_device.hpp"

namespace oomlab {

inline const std::vector<std::string> kSwapProfiles = {"ram", "none", "ssd", "hdd", "zram"};

// HDD-like throttle: a 7200 rpm disk does 80-125 random 4 KiB reads per second, ~100 MB/s in sequence.
inline constexpr std::uint64_t kHddReadIops = 120;
inline constexpr std::uint64_t kHddReadBytesPerSecond = 100'000'000;
// Writes: the same head, the same limits (a disk's write cache helps sequential writes, not seeks).
inline constexpr std::uint64_t kHddWriteIops = 120;
inline constexpr std::uint64_t kHddWriteBytesPerSecond = 100'000'000;

// Why swap devices cannot be made here, or "": each needs root, and the tool or driver.
std::string swapon_unavailable_reason();
std::string loop_unavailable_reason();
std::string zram_unavailable_reason();

// Why `profile` cannot run on this machine, or "" if it can: `ram` always can; `none` needs a memory
// cgroup (root, or a delegated v2 cgroup); `ssd`, `hdd` and `zram` also need root (swapon, loop, zram).
std::string swap_profile_unavailable_reason(const std::string& profile, const CgroupSupport& cgroups);

// A profile made ready: its swap device exists while this object lives.
class SwapProfile {
 public:
  // REQUIRES: swap_profile_unavailable_reason(name, cgroups) is "". Throws std::runtime_error if a
  // device cannot be made (the reason becomes the measurements' `skipped` reason).
  SwapProfile(const std::string& name, std::uint64_t mem_limit_bytes, std::uint64_t swap_bytes,
              const std::filesystem::path& swap_directory);

  const std::string& name() const { return name_; }
  // The cgroup of each measurement: limit, swap allowance, swappiness, read throttle.
  CgroupSettings cgroup_settings() const;
  // A zram profile's /sys/block/zramN/mm_stat (the sampler follows the pool's real size); nothing otherwise.
  // The record's fields from its largest sample: zram_pool_fields.
  std::optional<std::filesystem::path> zram_mm_stat_file() const;
  // For records: {"swap_profile", "mem_limit_bytes", "swap_device", "read_throttle"}, and with a
  // device what the kernel really set up: "swap_device_uuid", "swap_device_direct_io" (loop),
  // "swap_device_rotational", "zswap_enabled" (null where there is no such file).
  nlohmann::json description() const;

 private:
  std::string name_;
  std::uint64_t mem_limit_bytes_;
  std::uint64_t swap_bytes_;
  std::unique_ptr<SwapDevice> device_;
};

// What the zram pool held at its largest while one measurement ran, for its record:
// zram_orig_data_bytes (swapped out, uncompressed), zram_compr_data_bytes, zram_mem_used_bytes (the
// RAM it really took, allocator included), zram_same_pages, and zram_compression_ratio.
nlohmann::json zram_pool_fields(const ZramSample& pool);

}  // namespace oomlab
