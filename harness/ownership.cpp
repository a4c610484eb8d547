// Writing, reading and checking ownership records (see ownership.hpp).
#include "ownership.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace oomlab {
namespace fs = std::filesystem;
namespace {

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string pid_namespace_of(const std::string& pid) {
  std::error_code error;
  const fs::path link = fs::read_symlink("/proc/" + pid + "/ns/pid", error);
  return error ? "" : link.string();
}

// A folder that only this user (root) can write to, and not a symlink: records in it can be trusted.
void require_trusted_folder(const fs::path& dir) {
  struct stat status {};
  if (::lstat(dir.c_str(), &status) != 0) throw std::runtime_error("cannot stat " + dir.string() + ": " + std::strerror(errno));
  if (!S_ISDIR(status.st_mode)) throw std::runtime_error(dir.string() + " is not a folder (a symlink?): ownership records are not kept there");
  if (status.st_uid != ::geteuid() || (status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(status.st_mode & 07777));
    throw std::runtime_error(dir.string() + " (owner uid " + std::to_string(status.st_uid) + ", mode " + mode +
                             ") is not writable by uid " + std::to_string(::geteuid()) +
                             " alone: records in it could be forged, so none is trusted");
  }
}

void make_trusted_folder(const fs::path& dir) {
  // Parents 0755 (as /var/lib's folders are), the records' own folder 0700.
  if (dir.has_parent_path() && dir.parent_path() != dir && ::access(dir.parent_path().c_str(), F_OK) != 0) {
    make_trusted_folder(dir.parent_path());
    ::chmod(dir.parent_path().c_str(), 0755);
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  require_trusted_folder(dir);
}

// Replaces `file` with `text` in one step (a temporary file renamed over it), so a reader sees the
// old record or the new one, never half of one.
void write_atomically(const fs::path& file, const std::string& text) {
  const fs::path temporary = file.parent_path() / ("." + file.filename().string() + ".tmp");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temporary.string() + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t count = ::write(fd, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      throw std::runtime_error("cannot write " + temporary.string() + ": " + why);
    }
    written += static_cast<std::size_t>(count);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + file.string() + ": " + why);
  }
}

nlohmann::json owner_fields(const OwnerProcess& owner) {
  return {{"boot_id", owner.boot_id},
          {"owner_pid", owner.pid},
          {"owner_start_ticks", owner.start_ticks},
          {"owner_pid_namespace", owner.pid_namespace}};
}

}  // namespace

std::string current_boot_id() { return first_line("/proc/sys/kernel/random/boot_id"); }

std::optional<std::uint64_t> process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses: the
  // fields that follow start after the last ')'. Field 3 is the state; 22 is the start time.
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  for (int number = 3; fields >> field; ++number) {
    if (number == 22) {
      try {
        return std::stoull(field);
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

OwnerProcess this_process() {
  static const OwnerProcess self = [] {
    OwnerProcess owner;
    owner.boot_id = current_boot_id();
    owner.pid = ::getpid();
    owner.start_ticks = process_start_ticks(owner.pid).value_or(0);
    owner.pid_namespace = pid_namespace_of("self");
    return owner;
  }();
  return self;
}

OwnerState owner_state(const OwnerProcess& owner) {
  if (owner.boot_id != current_boot_id()) return OwnerState::earlier_boot;
  if (owner.pid_namespace != this_process().pid_namespace) return OwnerState::unknowable;
  const auto start_ticks = process_start_ticks(owner.pid);
  return start_ticks && *start_ticks == owner.start_ticks ? OwnerState::alive : OwnerState::dead;
}

std::optional<FileIdentity> file_identity(const fs::path& path) {
  struct statx status {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &status) != 0) return std::nullopt;
  FileIdentity identity;
  // st_dev's encoding, as stat() reports it and as the loop driver's lo_device holds it.
  identity.device = static_cast<std::uint64_t>(::makedev(status.stx_dev_major, status.stx_dev_minor));
  identity.inode = status.stx_ino;
  identity.uid = status.stx_uid;
  identity.mode = status.stx_mode;
  if ((status.stx_mask & STATX_BTIME) != 0) {
    identity.birth_time_ns = static_cast<std::uint64_t>(status.stx_btime.tv_sec) * 1'000'000'000ull + status.stx_btime.tv_nsec;
  }
  return identity;
}

fs::path ownership_dir() {
  if (::geteuid() == 0) return kOwnershipDir;
  fs::path state;
  if (const char* xdg_state = std::getenv("XDG_STATE_HOME"); xdg_state && xdg_state[0] == '/') {
    state = xdg_state;
  } else if (const char* home = std::getenv("HOME"); home && home[0] == '/') {
    state = fs::path(home) / ".local" / "state";
  } else {
    return {};
  }
  const fs::path dir = state / "oomlab" / "owned";
  // Usable if it exists or can be made: the nearest folder that exists must be writable.
  fs::path existing = dir;
  while (::access(existing.c_str(), F_OK) != 0 && existing.has_parent_path() && existing.parent_path() != existing) {
    existing = existing.parent_path();
  }
  if (existing != dir && ::access(existing.c_str(), W_OK) != 0) return {};
  return dir;
}

fs::path record_ownership(nlohmann::json resource, const fs::path& dir) {
  if (dir.empty()) return {};
  make_trusted_folder(dir);
  const OwnerProcess owner = this_process();
  resource.update(owner_fields(owner));
  char created_at[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(created_at, sizeof(created_at), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  resource["created_at"] = created_at;
  // mkstemps reserves a name no other record has (an earlier process with the same pid may have
  // left one); the content then replaces the empty file in one step.
  std::string name = (dir / (resource.value("kind", "resource") + "-" + std::to_string(owner.pid) + "-XXXXXX.json")).string();
  const int fd = ::mkstemps(name.data(), 5);
  if (fd < 0) throw std::runtime_error("cannot create a record in " + dir.string() + ": " + std::strerror(errno));
  ::close(fd);
  write_atomically(name, resource.dump(2) + "\n");
  return name;
}

void update_ownership(const fs::path& record_file, const nlohmann::json& more) {
  if (record_file.empty()) return;
  std::ifstream in(record_file);
  nlohmann::json record = nlohmann::json::parse(in, nullptr, false);
  if (!record.is_object()) throw std::runtime_error("cannot read " + record_file.string());
  record.update(more);
  write_atomically(record_file, record.dump(2) + "\n");
}

void drop_ownership(const fs::path& record_file) {
  if (!record_file.empty()) ::unlink(record_file.c_str());
}

std::vector<OwnershipRecord> read_ownership_records(const fs::path& dir, std::vector<std::string>* distrusted) {
  std::vector<OwnershipRecord> records;
  if (dir.empty()) return records;  // a user without a home: nothing was recorded
  try {
    require_trusted_folder(dir);
  } catch (const std::exception& error) {
    if (distrusted != nullptr && ::access(dir.c_str(), F_OK) == 0) distrusted->push_back(error.what());
    return records;
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || entry.path().extension() != ".json") continue;
    struct stat status {};
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || ::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode) || status.st_uid != ::geteuid() ||
        (status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      if (fd >= 0) ::close(fd);
      if (distrusted != nullptr) distrusted->push_back(entry.path().string() + ": not a record of uid " + std::to_string(::geteuid()));
      continue;
    }
    std::string text(static_cast<std::size_t>(status.st_size), '\0');
    const ssize_t count = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (count == 0 && status.st_size == 0) continue;  // being written this instant
    const nlohmann::json fields = nlohmann::json::parse(text, nullptr, false);
    if (count != static_cast<ssize_t>(text.size()) || !fields.is_object() || !fields.contains("kind") ||
        !fields.contains("path") || !fields.contains("owner_pid")) {
      if (distrusted != nullptr) distrusted->push_back(entry.path().string() + ": not a readable record");
      continue;
    }
    OwnershipRecord record;
    record.record_file = entry.path();
    record.kind = fields.value("kind", "");
    record.path = fields.value("path", "");
    record.owner.boot_id = fields.value("boot_id", "");
    record.owner.pid = fields.value("owner_pid", 0);
    record.owner.start_ticks = fields.value("owner_start_ticks", std::uint64_t{0});
    record.owner.pid_namespace = fields.value("owner_pid_namespace", "");
    record.fields = fields;
    records.push_back(std::move(record));
  }
  return records;
}

std::string new_uuid() {
  const std::string uuid = first_line("/proc/sys/kernel/random/uuid");
  if (uuid.size() != 36) throw std::runtime_error("cannot read a UUID from /proc/sys/kernel/random/uuid");
  return uuid;
}

std::string swap_signature_uuid(const fs::path& file_or_device) {
  // struct swap_header (include/linux/swap.h): 1024 boot bytes, then version, last_page and
  // nr_badpages (4 bytes each), then the 16-byte UUID. "SWAPSPACE2" ends the first page.
  const int fd = ::open(file_or_device.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "";
  const long page_bytes = ::sysconf(_SC_PAGESIZE);
  std::string page(static_cast<std::size_t>(page_bytes), '\0');
  const ssize_t count = ::pread(fd, page.data(), page.size(), 0);
  ::close(fd);
  if (count != page_bytes || page.compare(page.size() - 10, 10, "SWAPSPACE2") != 0) return "";
  std::string uuid;
  for (int i = 0; i < 16; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", static_cast<unsigned char>(page[1036 + i]));
    uuid += hex;
    if (i == 3 || i == 5 || i == 7 || i == 9) uuid += '-';
  }
  return uuid;
}

}  // namespace oomlab
