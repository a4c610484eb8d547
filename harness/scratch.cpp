// Creation and removal of per-measurement scratch folders.
#include "scratch.hpp"

#include <unistd.h>

namespace oomlab {

ScratchDirectory::ScratchDirectory() {
  static int counter = 0;
  path_ = kScratchRoot / (std::string(kScratchPrefix) + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);  // a name reused after a crash: what is there is stale
  std::filesystem::create_directories(path_);
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace oomlab
