// Removing oomlab's own leftovers, by their ownership records.
#include "cleanup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "cgroup.hpp"
#include "ownership.hpp"
#include "proc_memory.hpp"
#include "scratch.hpp"
#include "swap_device.hpp"

namespace oomlab {
namespace fs = std::filesystem;
namespace {

enum class Verdict { removed, gone, not_ours, failed };
struct Outcome {
  Verdict verdict;
  std::string why;
};

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::uint64_t field_number(const nlohmann::json& fields, const char* name) {
  const auto found = fields.find(name);
  return found != fields.end() && found->is_number_unsigned() ? found->get<std::uint64_t>() : 0;
}

bool is_active_swap(const std::string& device) {
  const auto active = active_swap_devices();
  return std::find(active.begin(), active.end(), device) != active.end();
}

std::vector<std::string> loop_devices() {
  std::vector<std::string> devices;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/sys/block", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("loop", 0) == 0) devices.push_back("/dev/" + name);
  }
  return devices;
}

// A device of ours is switched off and then detached; what cannot be undone says why.
Outcome release_loop_device(const std::string& device) {
  if (is_active_swap(device)) {
    const SwapoffResult swapoff = swapoff_with_retry(device);
    if (!swapoff.off) return {Verdict::failed, "swapoff " + device + ": " + swapoff.error};
  }
  if (!detach_loop_device(device)) return {Verdict::failed, "cannot detach " + device};
  return {Verdict::removed, ""};
}

Outcome clean_cgroup(const OwnershipRecord& record) {
  const auto identity = file_identity(record.path);
  if (!identity) return {Verdict::gone, ""};
  if (identity->device != field_number(record.fields, "device") || identity->inode != field_number(record.fields, "inode")) {
    return {Verdict::not_ours, "another cgroup by that name (another inode)"};
  }
  std::string why;
  return remove_cgroup(record.path, why) ? Outcome{Verdict::removed, ""} : Outcome{Verdict::failed, why};
}

Outcome clean_loop_device(const OwnershipRecord& record) {
  const auto backing = loop_backing_identity(record.path);
  if (!backing) return {Verdict::gone, ""};
  if (backing->device != field_number(record.fields, "backing_device") ||
      backing->inode != field_number(record.fields, "backing_inode")) {
    return {Verdict::not_ours, "bound to another file now"};
  }
  return release_loop_device(record.path);
}

Outcome clean_zram_device(const OwnershipRecord& record) {
  const int id = record.fields.value("zram_id", -1);
  const fs::path block = "/sys/block/zram" + std::to_string(id);
  if (id < 0 || !fs::exists(block)) return {Verdict::gone, ""};
  // zram ids are reused as soon as a device is removed: the id proves nothing, the swap signature
  // that oomlab wrote with its own UUID does.
  const std::string uuid = swap_signature_uuid(record.path);
  if (uuid.empty() || uuid != record.fields.value("swap_uuid", "")) {
    return {Verdict::not_ours, uuid.empty() ? "no swap signature of oomlab's on it" : "another swap UUID (" + uuid + ")"};
  }
  if (first_line(block / "disksize") != std::to_string(field_number(record.fields, "disksize_bytes"))) {
    return {Verdict::not_ours, "another disk size"};
  }
  if (is_active_swap(record.path)) {
    const SwapoffResult swapoff = swapoff_with_retry(record.path);
    if (!swapoff.off) return {Verdict::failed, "swapoff: " + swapoff.error};
  }
  return remove_zram_device(id) ? Outcome{Verdict::removed, ""} : Outcome{Verdict::failed, "zram hot_remove refused"};
}

Outcome clean_swap_file(const OwnershipRecord& record) {
  const auto identity = file_identity(record.path);
  if (!identity) return {Verdict::gone, ""};
  if (!S_ISREG(identity->mode) || identity->uid != 0 ||
      !identity->matches(field_number(record.fields, "device"), field_number(record.fields, "inode"),
                         field_number(record.fields, "birth_time_ns"))) {
    return {Verdict::not_ours, "not the file oomlab made (another inode, birth time, type or owner)"};
  }
  // Made, then killed before mkswap: no signature yet. One with a signature must carry our UUID.
  const std::string uuid = swap_signature_uuid(record.path);
  if (!uuid.empty() && uuid != record.fields.value("swap_uuid", "")) return {Verdict::not_ours, "another swap UUID (" + uuid + ")"};
  // A loop device may be bound to it without a record of its own (killed right after losetup).
  for (const std::string& device : loop_devices()) {
    const auto backing = loop_backing_identity(device);
    if (backing && backing->device == identity->device && backing->inode == identity->inode) {
      const Outcome released = release_loop_device(device);
      if (released.verdict == Verdict::failed) return released;
    }
  }
  if (::unlink(record.path.c_str()) != 0 && errno != ENOENT) return {Verdict::failed, std::strerror(errno)};
  return {Verdict::removed, ""};
}

Outcome clean_scratch_folder(const OwnershipRecord& record) {
  if (!file_identity(record.path)) return {Verdict::gone, ""};
  FileIdentity expected;
  expected.device = field_number(record.fields, "device");
  expected.inode = field_number(record.fields, "inode");
  expected.birth_time_ns = field_number(record.fields, "birth_time_ns");
  expected.uid = static_cast<std::uint32_t>(field_number(record.fields, "uid"));
  std::string why;
  if (remove_scratch_folder(record.path, expected, why)) {
    return {Verdict::removed, ""};
  }
  return {file_identity(record.path) ? Verdict::not_ours : Verdict::gone, why};
}

int kind_order(const std::string& kind) {
  const std::vector<std::string> order = {kOwnedCgroup, kOwnedZramDevice, kOwnedLoopDevice, kOwnedSwapFile, kOwnedScratchFolder};
  return static_cast<int>(std::find(order.begin(), order.end(), kind) - order.begin());
}

std::string describe(const OwnershipRecord& record) {
  std::string what = record.kind;
  std::replace(what.begin(), what.end(), '_', ' ');
  return what + " " + record.path;
}

// What looks like oomlab's by the old naming, without a record: for the listing only.
std::vector<std::string> unproven_lookalikes(const std::set<std::string>& recorded_paths) {
  std::vector<std::string> found;
  auto looks_like_oomlab = [](const std::string& text) { return text.find("oomlab") != std::string::npos; };
  std::set<std::string> listed;
  for (const std::string& device : active_swap_devices()) {
    const std::string backing = first_line("/sys/block/" + fs::path(device).filename().string() + "/loop/backing_file");
    if (!recorded_paths.count(device) && (looks_like_oomlab(device) || looks_like_oomlab(backing))) {
      found.push_back("swap " + device + (backing.empty() ? "" : " on " + backing));
      listed.insert(device);
    }
  }
  for (const std::string& device : loop_devices()) {
    const std::string backing = first_line("/sys/block/" + fs::path(device).filename().string() + "/loop/backing_file");
    if (!listed.count(device) && !recorded_paths.count(device) && looks_like_oomlab(backing)) {
      found.push_back("loop device " + device + " on " + backing);
    }
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kDefaultSwapDirectory, error)) {
    const std::string name = entry.path().filename().string();
    if ((name.rfind("oomlab-swap-", 0) == 0 || name.rfind(kScratchPrefix, 0) == 0) && !recorded_paths.count(entry.path().string())) {
      found.push_back((name.rfind("oomlab-swap-", 0) == 0 ? "swap file " : "scratch folder ") + entry.path().string());
    }
  }
  for (const auto& entry : fs::directory_iterator("/run/oomlab", error)) {  // zram notes of earlier versions
    const std::string name = entry.path().filename().string();
    if (name.rfind("zram", 0) != 0 || name.find_first_not_of("0123456789", 4) != std::string::npos) continue;
    found.push_back("zram device /dev/" + entry.path().filename().string() + " (noted in " + entry.path().string() + ")");
  }
  const CgroupSupport support = probe_cgroups();
  for (const fs::path& dir : {support.memory_parent, support.io_parent}) {
    if (dir.empty()) continue;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      if (entry.is_directory(error) && looks_like_oomlab(entry.path().filename().string()) &&
          !recorded_paths.count(entry.path().string())) {
        found.push_back("cgroup " + entry.path().string());
      }
    }
  }
  return found;
}

}  // namespace

CleanupReport cleanup_leftovers(bool list_unproven) {
  CleanupReport report;
  std::vector<std::string> distrusted;
  std::vector<OwnershipRecord> records = read_ownership_records(ownership_dir(), &distrusted);
  for (const std::string& why : distrusted) report.unproven.push_back(why);
  std::set<std::string> recorded_paths;
  for (const OwnershipRecord& record : records) recorded_paths.insert(record.path);
  std::stable_sort(records.begin(), records.end(), [](const OwnershipRecord& a, const OwnershipRecord& b) {
    return kind_order(a.kind) < kind_order(b.kind);
  });
  for (const OwnershipRecord& record : records) {
    const OwnerState owner = owner_state(record.owner);
    if (owner == OwnerState::alive || owner == OwnerState::unknowable) continue;
    Outcome outcome{Verdict::gone, ""};
    const bool is_file = record.kind == kOwnedSwapFile || record.kind == kOwnedScratchFolder;
    if (owner == OwnerState::earlier_boot && !is_file) {
      outcome = {Verdict::gone, ""};  // the kernel object went with that boot; its name may be another's now
    } else if (record.kind == kOwnedCgroup) {
      outcome = clean_cgroup(record);
    } else if (record.kind == kOwnedLoopDevice) {
      outcome = clean_loop_device(record);
    } else if (record.kind == kOwnedZramDevice) {
      outcome = clean_zram_device(record);
    } else if (record.kind == kOwnedSwapFile) {
      outcome = clean_swap_file(record);
    } else if (record.kind == kOwnedScratchFolder) {
      outcome = clean_scratch_folder(record);
    } else {
      outcome = {Verdict::not_ours, "unknown kind"};
    }
    switch (outcome.verdict) {
      case Verdict::removed:
        report.removed.push_back(describe(record));
        drop_ownership(record.record_file);
        break;
      case Verdict::gone:
        drop_ownership(record.record_file);
        break;
      case Verdict::not_ours:
        report.left_alone.push_back(describe(record) + ": " + outcome.why);
        drop_ownership(record.record_file);
        break;
      case Verdict::failed:
        report.failed.push_back(describe(record) + ": " + outcome.why);
        break;
    }
  }
  if (list_unproven) {
    recorded_paths.clear();  // what is still recorded now: a dropped record proves nothing any more
    for (const OwnershipRecord& record : read_ownership_records()) recorded_paths.insert(record.path);
    for (const std::string& what : unproven_lookalikes(recorded_paths)) report.unproven.push_back(what);
  }
  return report;
}

}  // namespace oomlab
