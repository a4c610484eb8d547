// Atomic appends of record lines.
#include "records.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace oomlab {

std::filesystem::path record_file(const std::filesystem::path& results_root, const std::string& machine_id,
                                  const std::string& experiment) {
  return results_root / machine_id / (experiment + ".jsonl");
}

void append_record(const std::filesystem::path& file, const nlohmann::json& record) {
  std::filesystem::create_directories(file.parent_path());
  std::string line = record.dump() + "\n";
  const int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
  ::flock(fd, LOCK_EX);
  // A writer killed inside its write (SIGKILL, power loss) can leave half a line without its
  // newline. Under the lock, look at the last byte: a new line starts on a line of its own, so the
  // torn one stays alone and unreadable, and this record stays whole.
  const off_t size_before = ::lseek(fd, 0, SEEK_END);
  char last_byte = '\n';
  if (size_before > 0 && ::pread(fd, &last_byte, 1, size_before - 1) == 1 && last_byte != '\n') line.insert(0, "\n");
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int saved_errno = errno;
  if (written >= 0 && static_cast<std::size_t>(written) != line.size()) {
    // A short write (disk full, file size limit) would leave half a line: cut it off again.
    [[maybe_unused]] const int ignored = ::ftruncate(fd, size_before);
  }
  ::flock(fd, LOCK_UN);
  ::close(fd);
  if (written < 0 || static_cast<std::size_t>(written) != line.size()) {
    throw std::runtime_error("cannot append to " + file.string() + ": " +
                             (written < 0 ? std::strerror(saved_errno) : "short write"));
  }
}

std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace oomlab
