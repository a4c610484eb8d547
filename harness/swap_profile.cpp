// What each swap profile sets up.
#include "swap_profile.hpp"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace oomlab {

namespace {

std::string needs_root_reason(const std::string& what) {
  if (::geteuid() == 0) return "";
  return what + " needs root (running as uid " + std::to_string(::geteuid()) + ")";
}

}  // namespace

std::string swapon_unavailable_reason() {
  if (auto reason = needs_root_reason("swapon"); !reason.empty()) return reason;
  if (::access("/usr/sbin/swapon", X_OK) != 0 && ::access("/sbin/swapon", X_OK) != 0) return "no swapon on this machine";
  return "";
}

std::string loop_unavailable_reason() {
  if (auto reason = needs_root_reason("a loop device"); !reason.empty()) return reason;
  if (::access("/dev/loop-control", F_OK) != 0) return "no loop devices";
  return "";
}

std::string zram_unavailable_reason() {
  if (auto reason = needs_root_reason("a zram device"); !reason.empty()) return reason;
  if (::access("/sys/class/zram-control/hot_add", R_OK) != 0) return "no zram-control (load the zram module)";
  return "";
}

std::string swap_profile_unavailable_reason(const std::string& profile, const CgroupSupport& cgroups) {
  if (std::find(kSwapProfiles.begin(), kSwapProfiles.end(), profile) == kSwapProfiles.end()) {
    return "unknown swap profile '" + profile + "'";
  }
  if (profile == "ram") return "";
  // Root first: without it a swap profile cannot run whatever the cgroups allow, and that is the
  // reason a user can act on.
  if (profile != "none") {
    if (auto reason = swapon_unavailable_reason(); !reason.empty()) return "a swap device: " + reason;
  }
  if (!cgroups.usable()) return "a memory limit needs a memory cgroup: " + cgroups.unavailable_reason;
  if (profile == "none") return "";
  if (profile == "ssd" || profile == "hdd") {
    if (auto reason = loop_unavailable_reason(); !reason.empty()) return reason;
  }
  if (profile == "hdd" && !cgroups.io_throttling) return "no cgroup io throttling (v1 blkio or v2 io controller)";
  if (profile == "zram") return zram_unavailable_reason();
  return "";
}

SwapProfile::SwapProfile(const std::string& name, std::uint64_t mem_limit_bytes, std::uint64_t swap_bytes,
                         const std::filesystem::path& swap_directory)
    : name_(name), mem_limit_bytes_(mem_limit_bytes), swap_bytes_(swap_bytes) {
  if (name == "ssd" || name == "hdd") {
    // The kernel reads swap ahead around the faulting address only while no rotational swap device
    // is on, and by neighbouring swap slots otherwise (mm/swap_state.c, swap_use_vma_readahead:
    // `!atomic_read(&nr_rotate_swap)`, counted at swapon from queue/rotational). So each profile
    // says which disk it stands for, before swapon.
    device_ = std::make_unique<SwapDevice>(SwapKind::disk_loop, swap_bytes, swap_directory, /*rotational=*/name == "hdd");
  } else if (name == "zram") {
    device_ = std::make_unique<SwapDevice>(SwapKind::zram, swap_bytes, swap_directory);
  }
}

CgroupSettings SwapProfile::cgroup_settings() const {
  CgroupSettings settings;
  if (name_ == "ram") return settings;
  settings.memory_limit_bytes = mem_limit_bytes_;
  settings.swap_limit_bytes = name_ == "none" ? 0 : swap_bytes_;
  // A child cgroup inherits its parent's swappiness, which may be 0 (never swap): set the kernel default.
  settings.swappiness = 60;
  // The disk profiles measure a disk: zswap (where the kernel lets a cgroup limit it) must not
  // compress the job's pages in RAM on their way there.
  if (name_ == "ssd" || name_ == "hdd") settings.zswap_limit_bytes = 0;
  if (name_ == "hdd") {
    settings.io_throttle = IoThrottle{device_->major(), device_->minor(), kHddReadIops, kHddReadBytesPerSecond,
                                      kHddWriteIops, kHddWriteBytesPerSecond};
  }
  return settings;
}

std::optional<std::filesystem::path> SwapProfile::zram_mm_stat_file() const {
  if (name_ != "zram" || !device_) return std::nullopt;
  return std::filesystem::path("/sys/block") / std::filesystem::path(device_->device()).filename() / "mm_stat";
}

nlohmann::json SwapProfile::description() const {
  nlohmann::json description = {{"swap_profile", name_}};
  if (name_ != "ram") description["mem_limit_bytes"] = mem_limit_bytes_;
  if (device_) {
    description["swap_device"] = device_->description();
    description["swap_device_uuid"] = device_->uuid();
    const auto direct_io = device_->direct_io();
    if (name_ == "ssd" || name_ == "hdd") description["swap_device_direct_io"] = direct_io.value_or(false);
    const auto rotational = device_->rotational();
    description["swap_device_rotational"] = rotational ? nlohmann::json(*rotational) : nlohmann::json(nullptr);
    const auto zswap = zswap_enabled();
    description["zswap_enabled"] = zswap ? nlohmann::json(*zswap) : nlohmann::json(nullptr);
  }
  if (name_ == "hdd") {
    description["read_throttle"] = {{"read_iops", kHddReadIops}, {"read_bytes_per_second", kHddReadBytesPerSecond}};
  }
  return description;
}

nlohmann::json zram_pool_fields(const ZramSample& pool) {
  nlohmann::json fields = {{"zram_orig_data_bytes", pool.orig_data_bytes},
                           {"zram_compr_data_bytes", pool.compr_data_bytes},
                           {"zram_mem_used_bytes", pool.mem_used_total_bytes},
                           {"zram_same_pages", pool.same_pages}};
  if (pool.mem_used_total_bytes > 0) {
    fields["zram_compression_ratio"] = static_cast<double>(pool.orig_data_bytes) / static_cast<double>(pool.mem_used_total_bytes);
  }
  return fields;
}

}  // namespace oomlab
