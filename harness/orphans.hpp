// Workers that outlive their measurement. A variant's worker that calls setsid() leaves the child's
// process group, so the group kill at the end of a measurement misses it; a run cgroup ends it
// (cgroup.hpp), but a measurement without one has nothing else that holds it. So oomlab makes
// itself a child subreaper (PR_SET_CHILD_SUBREAPER): an orphaned worker becomes oomlab's child
// instead of init's, and is ended once its measurement is over.
#pragma once

namespace oomlab {

// From now on, orphaned descendants of this process are adopted by it. Returns false if the kernel
// refuses (then only a cgroup ends such workers).
bool become_subreaper();

// Kills and reaps every child this process has now, again and again until none is left (a killed
// worker's own children are adopted in turn). REQUIRES: no child of this process is still wanted:
// call it between measurements, once the measurement child has been reaped. Returns how many ended.
int end_orphaned_workers();

}  // namespace oomlab
