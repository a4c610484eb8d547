// `oomlab cleanup`, and the start of every run: removes what an oomlab that is gone left on the
// machine (swap devices, loop devices, swap files, zram devices, cgroups, scratch folders), and
// only that. Proof is an ownership record (ownership.hpp) whose owner is dead and whose resource
// is still the very one recorded (inode, backing inode, swap UUID); names prove nothing. Records
// say where each resource is, so leftovers are found wherever they were made (any --swap-dir, any
// cgroup root). A live owner's resources, and anything without a record, are never touched.
#pragma once

#include <string>
#include <vector>

namespace oomlab {

struct CleanupReport {
  std::vector<std::string> removed;     // "swap file /var/tmp/oomlab-swap-Ab12Cd.img"
  std::vector<std::string> failed;      // "what: why"; the record is kept, to try again
  std::vector<std::string> left_alone;  // a record that no longer matches its resource (another
                                        // inode, UUID or owner): "what: why"; the record is dropped
  std::vector<std::string> unproven;    // looks like oomlab's (an `oomlab` name, a note from before
                                        // records existed) but no record proves it: listed only
};

// Works through every trusted record whose owner is dead: cgroups first (their processes end, and
// pages they had swapped out are freed rather than read back), then swap devices (swapoff, then
// detach or remove), then swap files and scratch folders. Records of an earlier boot name kernel
// objects that are gone: they are dropped, and only files (swap files, scratch folders) that
// still match are removed. With `list_unproven`, also lists what looks like oomlab's without proof
// (a scan of /proc/swaps, loop devices, /var/tmp and the cgroups beside this process's own).
CleanupReport cleanup_leftovers(bool list_unproven = false);

}  // namespace oomlab
