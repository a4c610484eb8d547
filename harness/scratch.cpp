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
    identity_ = *identity;
    record_ = record_ownership({{"kind", kOwnedScratchFolder}, {"path", path_.string()}, {"device", identity->device},
                                {"inode", identity->inode}, {"birth_time_ns", identity->birth_time_ns}, {"uid", identity->uid}});
  } catch (...) {
    ::rmdir(path_.c_str());
    throw;
  }
}

ScratchDirectory::~ScratchDirectory() {
  std::string why;
  if (!file_identity(path_) || remove_scratch_folder(path_, identity_, why)) {
    drop_ownership(record_);
  }
}

bool remove_scratch_folder(const std::filesystem::path& folder, const FileIdentity& expected, std::string& why) {
  const auto identity = file_identity(folder);
  if (!identity) {
    why = std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(identity->mode)) {
    why = "not a folder (a symlink?)";
    return false;
  }
  if (!identity->matches(expected.device, expected.inode, expected.birth_time_ns)) {
    why = "not the folder oomlab made (another inode or birth time)";
    return false;
  }
  if (identity->uid != expected.uid) {
    why = "owned by uid " + std::to_string(identity->uid) + ", not " + std::to_string(expected.uid);
    return false;
  }
  // remove_all does not follow symlinks inside: a link in the folder is removed, not its target.
  std::error_code error;
  std::filesystem::remove_all(folder, error);
  if (error) why = error.message();
  return !error;
}

}  // namespace oomlab
