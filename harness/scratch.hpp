// A scratch folder of its own for each measurement, on the local disk, handed to the child as
// TMPDIR: files a variant spills (intermediate files, Dask's worker folders) live there and are
// removed with it when the child is gone, even after an OOM kill or a time cap. Named
// oomlab-scratch-<pid>-<n>, so `oomlab cleanup` can remove one that a killed oomlab left.
#pragma once

#include <filesystem>
#include <string>

namespace oomlab {

// Local disk, not /tmp: /tmp is RAM (tmpfs) on many machines, and files there would count as memory.
inline const std::filesystem::path kScratchRoot = "/var/tmp";
inline constexpr const char* kScratchPrefix = "oomlab-scratch-";

class ScratchDirectory {
 public:
  // Creates kScratchRoot/oomlab-scratch-<pid>-<n>. Throws std::filesystem::filesystem_error.
  ScratchDirectory();
  // Removes it and everything in it.
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // "TMPDIR=<path>", for the child's environment.
  std::string environment_entry() const { return "TMPDIR=" + path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace oomlab
