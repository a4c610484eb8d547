// Ownership records: proof that oomlab made a resource. Each swap file, loop device, zram device,
// cgroup and scratch folder that oomlab creates gets a record the moment it exists: what it is, how
// to recognise that very resource again (inode and device, a loop's backing inode, a swap UUID), and
// who made it (boot id, pid and the pid's start time). `oomlab cleanup` removes only what a record
// proves, and only once its owner is gone: names prove nothing, since anyone can call a file
// `oomlab-swap-1.img` or a cgroup `oomlab-bench`.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomlab {

// One JSON file per resource, 0600, in a folder that only its user may write. Not under /run: a
// swap file or scratch folder outlives a reboot, and its record must too. Root's records live here.
inline const std::filesystem::path kOwnershipDir = "/var/lib/oomlab/owned";

// Where this process keeps its records: kOwnershipDir as root; as another user (who may create
// cgroups in a delegated subtree, and scratch folders) $XDG_STATE_HOME/oomlab/owned, by default
// ~/.local/state/oomlab/owned, which outlives a reboot as /var/lib does. Empty when the user has no
// writable home (nobody's is /nonexistent): then nothing is recorded, and each resource's own
// destructor is its only cleanup.
std::filesystem::path ownership_dir();

// Resource kinds, the record's "kind".
inline constexpr const char* kOwnedSwapFile = "swap_file";
inline constexpr const char* kOwnedLoopDevice = "loop_device";
inline constexpr const char* kOwnedZramDevice = "zram_device";
inline constexpr const char* kOwnedCgroup = "cgroup";
inline constexpr const char* kOwnedScratchFolder = "scratch_folder";

// Who made a resource. A pid alone is no proof (pids are reused, and every boot starts over), so a
// process is the pid with its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot)
// on one boot (/proc/sys/kernel/random/boot_id), in one pid namespace.
struct OwnerProcess {
  std::string boot_id;
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;
  std::string pid_namespace;  // "pid:[4026531836]"
};

OwnerProcess this_process();
std::string current_boot_id();
// Field 22 of /proc/<pid>/stat; nothing if the process does not exist.
std::optional<std::uint64_t> process_start_ticks(pid_t pid);

enum class OwnerState {
  alive,          // same boot, the pid runs and started when the record says
  dead,           // same boot, the process is gone (or the pid now is another process)
  earlier_boot,   // the machine rebooted since: the owner and every device it made are gone
  unknowable,     // another pid namespace (another container): never judged dead from here
};
OwnerState owner_state(const OwnerProcess& owner);

// Inode and device of a file or folder, not following a symlink, and its birth time where the file
// system keeps one (ext4, xfs, btrfs): inode numbers are reused as soon as a file is deleted, so a
// new file at the same path can have the recorded inode; it cannot have the recorded birth time.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint32_t uid = 0;
  std::uint32_t mode = 0;             // st_mode: the file type and permissions
  std::uint64_t birth_time_ns = 0;    // 0: not kept by this file system
  // True if `recorded` (device, inode, birth time) may be this file: a birth time counts only where
  // both know one.
  bool matches(std::uint64_t recorded_device, std::uint64_t recorded_inode, std::uint64_t recorded_birth_time_ns) const {
    return device == recorded_device && inode == recorded_inode &&
           (birth_time_ns == 0 || recorded_birth_time_ns == 0 || birth_time_ns == recorded_birth_time_ns);
  }
  bool operator==(const FileIdentity& other) const { return device == other.device && inode == other.inode; }
};
std::optional<FileIdentity> file_identity(const std::filesystem::path& path);

// A record read back: the fields written by record_ownership, and the file it lives in.
struct OwnershipRecord {
  std::filesystem::path record_file;
  std::string kind;
  std::string path;  // the swap file, /dev/loopN, /dev/zramN, the cgroup's folder, the scratch folder
  OwnerProcess owner;
  nlohmann::json fields;  // the whole record, identity included
};

// Writes the record of a resource this process has just created, before anything else happens to
// it. `resource` holds "kind", "path" and the identity fields of that kind; the owner fields are
// added here. Returns the record's file, to drop when the resource is removed; empty when `dir` is
// empty (ownership_dir() found nowhere to write): then the resource's own destructor is its only cleanup.
// Throws std::runtime_error if the record folder is there but not trustworthy (a symlink, or
// writable by others): a record there could be forged, so oomlab does not use it.
std::filesystem::path record_ownership(nlohmann::json resource, const std::filesystem::path& dir = ownership_dir());

// Adds fields to a record (a loop device's number once losetup has picked one).
void update_ownership(const std::filesystem::path& record_file, const nlohmann::json& more);

// Removes a record once its resource is gone.
void drop_ownership(const std::filesystem::path& record_file);

// Every record in `dir` that can be trusted (a regular file owned by this user, root or not, and
// writable by nobody else); unreadable or forged ones are skipped and named in `distrusted` if given.
std::vector<OwnershipRecord> read_ownership_records(const std::filesystem::path& dir = ownership_dir(),
                                                    std::vector<std::string>* distrusted = nullptr);

// A fresh random UUID (/proc/sys/kernel/random/uuid), for mkswap --uuid: each swap device gets
// its own, so a record names one device, not "some oomlab swap".
std::string new_uuid();

// The UUID in a swap signature (mkswap's header, offset 1036), or empty if the file or device does
// not hold one.
std::string swap_signature_uuid(const std::filesystem::path& file_or_device);

}  // namespace oomlab
