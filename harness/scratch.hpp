// A scratch folder of its own for each measurement, on the local disk, handed to the child as
// TMPDIR: files a variant spills (intermediate files, Dask's worker folders) live there and are
// removed with it when the child is gone, even after an OOM kill or a time cap. Made as root in a
// folder every user can write to, so it is made the way mkdtemp makes one: an unpredictable name,
// created in one step (never an existing folder or a symlink someone planted), 0700. It gets an
// ownership record (ownership.hpp), by which `oomlab cleanup` removes one that a killed oomlab left.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "ownership.hpp"

namespace oomlab {

// Local disk, not /tmp: /tmp is RAM (tmpfs) on many machines, and files there would count as memory.
inline const std::filesystem::path kScratchRoot = "/var/tmp";
inline constexpr const char* kScratchPrefix = "oomlab-scratch-";

class ScratchDirectory {
 public:
  // Creates kScratchRoot/oomlab-scratch-XXXXXX (mkdtemp) and records it. Throws std::runtime_error.
  ScratchDirectory();
  // Removes it and everything in it, if it is still the folder it made (same inode, not a symlink).
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // "TMPDIR=<path>", for the child's environment.
  std::string environment_entry() const { return "TMPDIR=" + path_.string(); }

 private:
  std::filesystem::path path_;
  std::filesystem::path record_;
  FileIdentity identity_;  // the folder mkdtemp made, to tell it from a replacement
};

// Removes a scratch folder if it is a real folder (not a symlink) that matches `expected` (device,
// inode, birth time) and is owned by `expected.uid`; false (and nothing removed) otherwise.
bool remove_scratch_folder(const std::filesystem::path& folder, const FileIdentity& expected, std::string& why);

}  // namespace oomlab
