// Creation and removal of per-measurement scratch folders.
#include "scratch.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "ownership.hpp"

namespace oomlab {

ScratchDirectory::ScratchDirectory() {
  std::string name = (kScratchRoot / (std::string(kScratchPrefix) + "XXXXXX")).string();
  if (::mkdtemp(name.data()) == nullptr) {
    throw std::runtime_error("cannot create a scratch folder in " + kScratchRoot.string() + ": " + std::strerror(errno));
  }
  path_ = name;
  const auto identity = file_identity(path_);
  try {
    if (!identity) throw std::runtime_error("cannot stat " + path_.string());
    device_ = identity->device;
    inode_ = identity->inode;
    record_ = record_ownership({{"kind", kOwnedScratchFolder}, {"path", path_.string()}, {"device", identity->device},
                                {"inode", identity->inode}, {"uid", identity->uid}});
  } catch (...) {
    ::rmdir(path_.c_str());
    throw;
  }
}

ScratchDirectory::~ScratchDirectory() {
  std::string why;
  if (!file_identity(path_) || remove_scratch_folder(path_, device_, inode_, static_cast<std::uint32_t>(::geteuid()), why)) {
    drop_ownership(record_);
  }
}

bool remove_scratch_folder(const std::filesystem::path& folder, std::uint64_t device, std::uint64_t inode,
                           std::uint32_t owner_uid, std::string& why) {
  struct stat status {};
  if (::lstat(folder.c_str(), &status) != 0) {
    why = std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(status.st_mode)) {
    why = "not a folder (a symlink?)";
    return false;
  }
  if (static_cast<std::uint64_t>(status.st_dev) != device || static_cast<std::uint64_t>(status.st_ino) != inode) {
    why = "not the folder oomlab made (another inode)";
    return false;
  }
  if (status.st_uid != owner_uid) {
    why = "owned by uid " + std::to_string(status.st_uid) + ", not " + std::to_string(owner_uid);
    return false;
  }
  // remove_all does not follow symlinks inside: a link in the folder is removed, not its target.
  std::error_code error;
  std::filesystem::remove_all(folder, error);
  if (error) why = error.message();
  return !error;
}

}  // namespace oomlab
