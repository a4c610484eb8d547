// `oomlab cleanup`: finds and removes what oomlab itself may have left on the machine after a
// crash: swap devices, loop devices and cgroups whose names carry the `oomlab` marker. Nothing
// without the marker is ever touched.
#pragma once

#include <string>
#include <vector>

namespace oomlab {

inline constexpr const char* kResourceMarker = "oomlab";

struct CleanupReport {
  std::vector<std::string> removed;
  std::vector<std::string> failed;  // "what: why"
};

// Swapoff (retried on a transient ENOMEM), loop detach, then cgroup removal (after killing any
// process still inside an oomlab cgroup), in that order.
CleanupReport cleanup_leftovers();

// Swap entries of /proc/swaps whose path contains the marker.
std::vector<std::string> marked_swap_devices();

// Loop devices whose backing file contains the marker.
std::vector<std::string> marked_loop_devices();

// cgroups named oomlab-<pid>-<n> right below the cgroup this process runs in (memory and blkio on
// v1, the unified tree on v2), whose creating oomlab process <pid> is gone.
std::vector<std::string> marked_cgroups();

}  // namespace oomlab
