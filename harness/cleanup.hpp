// `oomlab cleanup`: finds and removes what oomlab itself may have left on the machine after a
// crash: swap devices, loop devices, swap files, zram devices, scratch folders and cgroups. Each carries the
// `oomlab` marker and the pid of the oomlab that made it (`oomlab-…-<pid>-<n>`); only leftovers of
// oomlab processes that are gone are touched, never another live run's, never anything unmarked.
#pragma once

#include <string>
#include <vector>

namespace oomlab {

inline constexpr const char* kResourceMarker = "oomlab";

struct CleanupReport {
  std::vector<std::string> removed;
  std::vector<std::string> failed;  // "what: why"
};

// Swapoff (retried on a transient ENOMEM), loop detach, swap file removal, zram removal, then
// cgroups (after killing any process still inside), in that order.
CleanupReport cleanup_leftovers();

// Active swap (/proc/swaps) on a marked file, or on a loop device over one, or on a noted zram device.
std::vector<std::string> marked_swap_devices();

// Loop devices whose backing file carries the marker.
std::vector<std::string> marked_loop_devices();

// cgroups named oomlab-<pid>-<n> right below the cgroup this process runs in (memory and blkio on
// v1, the unified tree on v2).
std::vector<std::string> marked_cgroups();

// True if `name` (a file, device or cgroup name with the marker) belongs to a live oomlab process
// other than this one.
bool owned_by_live_oomlab(const std::string& name);

}  // namespace oomlab
