// Swap devices that oomlab creates for the swap experiment, and always removes again: a swap file
// on the local disk behind a loop device (direct I/O, so swap-ins really reach the disk instead of
// the page cache), or a zram device of its own (compressed swap in RAM, made with zram-control's
// hot_add). Nothing that oomlab did not create is ever switched off or detached.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace oomlab {

enum class SwapKind { disk_loop, zram };

class SwapDevice {
 public:
  // Creates, formats and switches on a swap device of `size_bytes`. For disk_loop the file goes to
  // `directory` (its free space is checked first). Swap is switched on at the highest priority, so
  // the kernel uses it before any other swap the machine may have.
  // Throws std::runtime_error with the reason; whatever was made before the failure is undone.
  SwapDevice(SwapKind kind, std::uint64_t size_bytes, const std::filesystem::path& directory);
  // swapoff (retried while the kernel answers ENOMEM), then detach / remove, then delete the file.
  ~SwapDevice();
  SwapDevice(const SwapDevice&) = delete;
  SwapDevice& operator=(const SwapDevice&) = delete;

  const std::string& device() const { return device_; }  // /dev/loopN or /dev/zramN
  unsigned major() const { return major_; }
  unsigned minor() const { return minor_; }
  std::string description() const;

 private:
  void tear_down() noexcept;

  SwapKind kind_;
  std::filesystem::path file_;  // disk_loop: the backing file
  std::string device_;
  int zram_id_ = -1;
  bool swap_on_ = false;
  unsigned major_ = 0, minor_ = 0;
  std::uint64_t size_bytes_ = 0;
};

// Where swap files go by default: a local disk, kept across reboots only until tmp is cleaned.
inline const std::filesystem::path kDefaultSwapDirectory = "/var/tmp";

// The folder where oomlab notes the zram devices it made, for `oomlab cleanup` (zram names carry
// no marker of their own).
inline const std::filesystem::path kZramStateDir = "/run/oomlab";

// swapoff with retries: swapoff must read every swapped page back, and under memory pressure the
// kernel can refuse for a moment with ENOMEM. Returns an empty string or the last error.
std::string swapoff_with_retry(const std::string& device);

}  // namespace oomlab
