// Swap devices that oomlab creates for the swap experiment, and always removes again: a swap file
// on the local disk behind a loop device (direct I/O, so swap-ins really reach the disk instead of
// the page cache), or a zram device of its own (compressed swap in RAM, made with zram-control's
// hot_add). Each piece gets an ownership record (ownership.hpp) the moment it exists, so `oomlab
// cleanup` can prove it is oomlab's after a crash. Nothing else is ever switched off or detached.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "ownership.hpp"

namespace oomlab {

enum class SwapKind { disk_loop, zram };

class SwapDevice {
 public:
  // Creates, formats (its own UUID, label oomlab-<pid>) and switches on a swap device of
  // `size_bytes`. For disk_loop the file goes to `directory` (its free space is checked first) and
  // `rotational` (if given) is written to the loop device's queue/rotational: the kernel picks its
  // swap readahead from it. Swap is switched on at the highest priority, so the kernel uses it
  // before any other swap the machine may have.
  // Throws std::runtime_error with the reason; whatever was made before the failure is undone.
  SwapDevice(SwapKind kind, std::uint64_t size_bytes, const std::filesystem::path& directory,
             std::optional<bool> rotational = std::nullopt);
  // swapoff (through signals and a busy kernel), then detach / remove, then delete the file. What
  // cannot be undone is said on stderr and keeps its ownership record, for `oomlab cleanup`.
  ~SwapDevice();
  SwapDevice(const SwapDevice&) = delete;
  SwapDevice& operator=(const SwapDevice&) = delete;

  const std::string& device() const { return device_; }  // /dev/loopN or /dev/zramN
  const std::filesystem::path& file() const { return file_; }  // disk_loop: the backing file
  unsigned major() const { return major_; }
  unsigned minor() const { return minor_; }
  const std::string& uuid() const { return uuid_; }
  std::string description() const;
  // What the kernel says now, read back after set-up: /sys/block/loopN/loop/dio (nothing for zram),
  // and queue/rotational.
  std::optional<bool> direct_io() const { return direct_io_; }
  std::optional<int> rotational() const { return rotational_; }

 private:
  void tear_down() noexcept;

  SwapKind kind_;
  std::filesystem::path file_;
  std::string device_;
  std::string uuid_;
  int zram_id_ = -1;
  bool swap_on_ = false;
  unsigned major_ = 0, minor_ = 0;
  std::uint64_t size_bytes_ = 0;
  std::optional<bool> direct_io_;
  std::optional<int> rotational_;
  std::filesystem::path file_record_;    // ownership records: dropped as each piece goes
  std::filesystem::path device_record_;
};

// Where swap files go by default: a local disk, kept across reboots only until tmp is cleaned.
inline const std::filesystem::path kDefaultSwapDirectory = "/var/tmp";

struct SwapoffResult {
  bool off = false;   // /proc/swaps no longer lists the device (it was switched off, or was already)
  std::string error;  // when still on: why
};

// swapoff until the device is off: through EINTR (signals are held back meanwhile, so Ctrl-C cannot
// leave a device half torn down) and through ENOMEM/EBUSY (swapoff must read every swapped page back,
// and under memory pressure the kernel refuses for a moment). EINVAL means "not a swap device": off
// already, if /proc/swaps agrees. /proc/swaps decides in every case.
SwapoffResult swapoff_with_retry(const std::string& device);

// The inode and device of the file behind a loop device (LOOP_GET_STATUS64), or nothing if the
// device is not bound to any file.
std::optional<FileIdentity> loop_backing_identity(const std::string& device);

// Detaches a loop device; true once it is bound to nothing.
bool detach_loop_device(const std::string& device);

// Resets and removes a zram device; true once /sys/block/zramN is gone.
bool remove_zram_device(int zram_id);

// "Y"/"N" of /sys/module/zswap/parameters/enabled, as a bool; nothing without zswap. With zswap on,
// pages bound for any swap device are first compressed in RAM, so a "disk" swap-in may not reach it.
std::optional<bool> zswap_enabled();

}  // namespace oomlab
