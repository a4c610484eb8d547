// Creation, settings, reading and removal of oomlab's per-run cgroups (v1 and v2).
#include "cgroup.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <iostream>

#include "ownership.hpp"

namespace oomlab {
namespace fs = std::filesystem;
namespace {

// This process's own cgroup in a hierarchy: "4:memory:/a/b" → "/a/b"; v2 is "0::/a/b".
std::string own_cgroup_in(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    std::stringstream list(controllers);
    std::string name;
    while (std::getline(list, name, ',')) {
      if (name == controller) return line.substr(second + 1);
    }
    if (controller.empty() && controllers.empty()) return line.substr(second + 1);
  }
  return "/";
}

void write_file(const fs::path& file, const std::string& value) {
  std::ofstream out(file);
  out << value;
  out.flush();
  if (!out) throw std::runtime_error("cannot write '" + value + "' to " + file.string() + ": " + std::strerror(errno));
}

std::optional<std::uint64_t> read_number(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  if (text == "max") return std::numeric_limits<std::uint64_t>::max();
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "key value" lines (memory.stat, memory.events, memory.oom_control).
std::optional<std::uint64_t> read_keyed(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return std::nullopt;
}

std::string unique_name() {
  static std::atomic<int> counter{0};
  return "oomlab-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// Makes a cgroup folder and records it as oomlab's at once; throws if either fails (and then
// leaves nothing behind).
fs::path make_owned_cgroup(const fs::path& path, const std::string& hierarchy, fs::path& record) {
  if (::mkdir(path.c_str(), 0755) != 0) {
    throw std::runtime_error("cannot create cgroup " + path.string() + ": " + std::strerror(errno));
  }
  try {
    const auto identity = file_identity(path);
    record = record_ownership({{"kind", kOwnedCgroup}, {"path", path.string()}, {"hierarchy", hierarchy},
                               {"device", identity ? identity->device : 0}, {"inode", identity ? identity->inode : 0}});
  } catch (...) {
    ::rmdir(path.c_str());
    throw;
  }
  return path;
}

void remove_owned_cgroup(fs::path& cgroup, fs::path& record) {
  if (cgroup.empty()) return;
  std::string why;
  if (remove_cgroup(cgroup, why)) {
    drop_ownership(record);
  } else {
    std::cerr << "oomlab: could not undo: cgroup " << cgroup.string() << " is still there (" << why
              << "); its ownership record is kept, and `oomlab cleanup` retries\n";
  }
  cgroup.clear();
  record.clear();
}

// The controllers a v2 cgroup lists in a file such as cgroup.subtree_control ("cpu io memory").
bool lists_controller(const fs::path& file, const std::string& controller) {
  std::ifstream in(file);
  std::string name;
  while (in >> name) {
    if (name == controller) return true;
  }
  return false;
}

// Turns a controller on for the children of a v2 cgroup, if its parent offers it; false if refused.
bool enable_for_children(const fs::path& cgroup, const std::string& controller) {
  if (lists_controller(cgroup / "cgroup.subtree_control", controller)) return true;
  if (!lists_controller(cgroup / "cgroup.controllers", controller)) return false;
  std::ofstream out(cgroup / "cgroup.subtree_control");
  out << "+" << controller;
  out.flush();
  return static_cast<bool>(out) && lists_controller(cgroup / "cgroup.subtree_control", controller);
}

// v2: where run cgroups can have the memory (and io) controller. A cgroup that holds processes
// cannot give controllers to its children (the no-internal-processes rule), and under systemd
// oomlab's own cgroup (a service, or a user's login scope) always holds processes, at least
// oomlab's. So unless its own cgroup already delegates memory to its children (a subtree prepared
// for it), the run cgroups go at the top of the hierarchy, beside systemd's slices: the root cgroup
// is exempt from the rule and root may enable memory and io there. In a container with its own
// cgroup namespace the top is the container's cgroup, which holds processes: then the reason says so.
void place_v2_run_cgroups(CgroupSupport& support) {
  const fs::path top = "/sys/fs/cgroup";
  const fs::path own = top / own_cgroup_in("").substr(1);
  if (lists_controller(own / "cgroup.subtree_control", "memory")) {
    support.memory_parent = own;
  } else if (enable_for_children(top, "memory")) {
    support.memory_parent = top;
    enable_for_children(top, "io");  // for io.max (the hdd profile); without it that profile skips
  } else {
    support.memory_parent = own;
    support.unavailable_reason = "the memory controller cannot be enabled for child cgroups: not in " +
                                 (own / "cgroup.subtree_control").string() + ", and " + top.string() +
                                 (lists_controller(top / "cgroup.controllers", "memory")
                                      ? " holds processes (a container's cgroup namespace?)"
                                      : " does not offer it");
    return;
  }
  support.io_throttling = lists_controller(support.memory_parent / "cgroup.subtree_control", "io");
}

// v2 without root: the cgroup systemd delegated to this user's unit (a `systemd-run --user --scope
// -p Delegate=yes` scope, or a user service with Delegate=yes) is the user's to divide. oomlab's
// own cgroup must offer memory (cgroup.controllers), be writable by this user, and hold no process
// but oomlab: a cgroup with processes cannot give controllers to its children (the
// no-internal-processes rule), so oomlab moves itself into a leaf of its own
// (`oomlab-<pid>-leaf`), enables memory (and io, if offered) for the children, and makes its run
// cgroups beside that leaf. Another process in the cgroup (the shell that started oomlab, a test
// runner) is not oomlab's to move: then the reason says how to start oomlab in a scope of its own.
struct DelegatedLeaf {
  fs::path delegated;          // the user's delegated cgroup (oomlab's own when it started)
  fs::path leaf, leaf_record;  // where oomlab moved itself, and its ownership record
  std::vector<std::string> enabled;  // controllers oomlab turned on in delegated's subtree_control
};
DelegatedLeaf delegated_leaf;

std::vector<pid_t> cgroup_members(const fs::path& cgroup) {
  std::vector<pid_t> pids;
  std::ifstream procs(cgroup / "cgroup.procs");
  pid_t pid;
  while (procs >> pid) pids.push_back(pid);
  return pids;
}

// At exit: what the placement changed is put back, in reverse: the controllers off, oomlab back in
// its own cgroup, the leaf removed. Run cgroups are gone by then (their owners' destructors ran).
void release_delegated_leaf() {
  DelegatedLeaf& placed = delegated_leaf;
  if (placed.leaf.empty()) return;
  for (auto controller = placed.enabled.rbegin(); controller != placed.enabled.rend(); ++controller) {
    std::ofstream out(placed.delegated / "cgroup.subtree_control");
    out << "-" << *controller;
  }
  {
    std::ofstream back(placed.delegated / "cgroup.procs");
    back << ::getpid();
  }
  if (::rmdir(placed.leaf.c_str()) == 0) drop_ownership(placed.leaf_record);
  placed.leaf.clear();
}

void place_v2_delegated_run_cgroups(CgroupSupport& support) {
  const fs::path own = fs::path("/sys/fs/cgroup") / own_cgroup_in("").substr(1);
  const std::string how = "; start oomlab in a delegated scope of its own: "
                          "systemd-run --user --scope -p Delegate=yes oomlab ...";
  support.memory_parent = own;
  const std::string uid = std::to_string(::geteuid());
  if (!lists_controller(own / "cgroup.controllers", "memory")) {
    support.unavailable_reason = "needs root, or a cgroup delegated to uid " + uid + " with the memory controller: " +
                                 own.string() + " does not offer memory" + how;
    return;
  }
  if (::access(own.c_str(), W_OK) != 0 || ::access((own / "cgroup.procs").c_str(), W_OK) != 0 ||
      ::access((own / "cgroup.subtree_control").c_str(), W_OK) != 0) {
    support.unavailable_reason = "needs root, or a cgroup delegated to uid " + uid + ": " + own.string() +
                                 " is not writable by this user" + how;
    return;
  }
  std::vector<pid_t> others = cgroup_members(own);
  others.erase(std::remove(others.begin(), others.end(), ::getpid()), others.end());
  if (!others.empty()) {
    support.unavailable_reason = own.string() + " is delegated to uid " + uid + " but holds " +
                                 std::to_string(others.size()) + " other process(es) (pid " + std::to_string(others.front()) +
                                 "), so it cannot give memory to child cgroups" + how;
    return;
  }
  DelegatedLeaf placed;
  placed.delegated = own;
  try {
    placed.leaf = make_owned_cgroup(own / (unique_name() + "-leaf"), "unified", placed.leaf_record);
    write_file(placed.leaf / "cgroup.procs", std::to_string(::getpid()));
  } catch (const std::exception& error) {
    if (!placed.leaf.empty()) remove_owned_cgroup(placed.leaf, placed.leaf_record);
    support.unavailable_reason = std::string("cannot move oomlab into a leaf cgroup of its own: ") + error.what();
    return;
  }
  delegated_leaf = placed;
  for (const std::string controller : {"memory", "io"}) {
    const bool was_on = lists_controller(own / "cgroup.subtree_control", controller);
    if (enable_for_children(own, controller) && !was_on) delegated_leaf.enabled.push_back(controller);
  }
  if (!lists_controller(own / "cgroup.subtree_control", "memory")) {
    release_delegated_leaf();
    support.unavailable_reason = "cannot enable memory in " + (own / "cgroup.subtree_control").string() + how;
    return;
  }
  support.io_throttling = lists_controller(own / "cgroup.subtree_control", "io");
}

}  // namespace

bool remove_cgroup(const fs::path& cgroup, std::string& why) {
  {
    // v2 (kernel 5.14+): every member, forks in flight included, is killed in one step.
    std::ofstream kill_all(cgroup / "cgroup.kill");
    if (kill_all) kill_all << "1";
  }
  for (int attempt = 0; attempt < 250; ++attempt) {
    std::ifstream procs(cgroup / "cgroup.procs");
    if (!procs && ::access(cgroup.c_str(), F_OK) != 0) return true;
    pid_t pid;
    int members = 0;
    while (procs >> pid) {
      ::kill(pid, SIGKILL);
      ++members;
    }
    if (members == 0) {
      if (::rmdir(cgroup.c_str()) == 0 || errno == ENOENT) return true;
      why = std::strerror(errno);  // EBUSY while the last members are still exiting
    } else {
      why = std::to_string(members) + " processes still inside";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

CgroupSupport probe_cgroups() {
  const bool is_root = ::geteuid() == 0;
  if (fs::exists("/sys/fs/cgroup/cgroup.controllers") && !is_root) {
    // Made once per process: the first probe moves oomlab into its leaf, and every later one (env,
    // run, cleanup in one process) must give the same answer rather than look again from the leaf.
    static const CgroupSupport delegated = [] {
      CgroupSupport support;
      support.version = "v2";
      place_v2_delegated_run_cgroups(support);
      if (support.usable()) std::atexit(release_delegated_leaf);
      return support;
    }();
    return delegated;
  }
  CgroupSupport support;
  if (!is_root) {
    support.unavailable_reason = "needs root to create cgroups on cgroup v1 (running as uid " + std::to_string(::geteuid()) + ")";
    return support;
  }
  if (fs::exists("/sys/fs/cgroup/cgroup.controllers")) {
    support.version = "v2";
    place_v2_run_cgroups(support);
  } else if (fs::exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
    support.version = "v1";
    support.memory_parent = fs::path("/sys/fs/cgroup/memory") / own_cgroup_in("memory").substr(1);
    if (fs::exists("/sys/fs/cgroup/blkio/blkio.throttle.read_iops_device")) {
      support.io_parent = fs::path("/sys/fs/cgroup/blkio") / own_cgroup_in("blkio").substr(1);
      support.io_throttling = true;
    }
  } else {
    support.unavailable_reason = "no memory cgroup controller is mounted";
  }
  if (support.usable() && ::access(support.memory_parent.c_str(), W_OK) != 0) {
    support.unavailable_reason = "cannot create cgroups under " + support.memory_parent.string();
  }
  return support;
}

RunCgroup::RunCgroup(const CgroupSupport& support, const CgroupSettings& settings) : version_(support.version) {
  if (!support.usable()) throw std::runtime_error(support.unavailable_reason);
  const std::string name = unique_name();
  memory_path_ = make_owned_cgroup(support.memory_parent / name, version_ == "v1" ? "memory" : "unified", memory_record_);
  try {
    if (version_ == "v1") {
      if (settings.swappiness) write_file(memory_path_ / "memory.swappiness", std::to_string(*settings.swappiness));
      if (settings.memory_limit_bytes) {
        write_file(memory_path_ / "memory.limit_in_bytes", std::to_string(*settings.memory_limit_bytes));
        // memsw is memory + swap together; without the file (swapaccount=0) swap is unlimited.
        if (settings.swap_limit_bytes && fs::exists(memory_path_ / "memory.memsw.limit_in_bytes")) {
          write_file(memory_path_ / "memory.memsw.limit_in_bytes",
                     std::to_string(*settings.memory_limit_bytes + *settings.swap_limit_bytes));
        }
      }
      if (settings.io_throttle) {
        if (support.io_parent.empty()) throw std::runtime_error("no blkio controller for io throttling");
        io_path_ = make_owned_cgroup(support.io_parent / name, "blkio", io_record_);
        const IoThrottle& throttle = *settings.io_throttle;
        const std::string device = std::to_string(throttle.device_major) + ":" + std::to_string(throttle.device_minor);
        if (throttle.read_iops) write_file(io_path_ / "blkio.throttle.read_iops_device", device + " " + std::to_string(throttle.read_iops));
        if (throttle.read_bytes_per_second) {
          write_file(io_path_ / "blkio.throttle.read_bps_device", device + " " + std::to_string(throttle.read_bytes_per_second));
        }
      }
    } else {
      if (settings.memory_limit_bytes) write_file(memory_path_ / "memory.max", std::to_string(*settings.memory_limit_bytes));
      if (settings.swap_limit_bytes) write_file(memory_path_ / "memory.swap.max", std::to_string(*settings.swap_limit_bytes));
      if (settings.zswap_limit_bytes && fs::exists(memory_path_ / "memory.zswap.max")) {
        write_file(memory_path_ / "memory.zswap.max", std::to_string(*settings.zswap_limit_bytes));
        zswap_limited_ = true;
      }
      if (settings.io_throttle) {
        const IoThrottle& throttle = *settings.io_throttle;
        std::string rule = std::to_string(throttle.device_major) + ":" + std::to_string(throttle.device_minor);
        if (throttle.read_iops) rule += " riops=" + std::to_string(throttle.read_iops);
        if (throttle.read_bytes_per_second) rule += " rbps=" + std::to_string(throttle.read_bytes_per_second);
        if (throttle.write_iops) rule += " wiops=" + std::to_string(throttle.write_iops);
        if (throttle.write_bytes_per_second) rule += " wbps=" + std::to_string(throttle.write_bytes_per_second);
        write_file(memory_path_ / "io.max", rule);
        io_limited_ = true;
      }
    }
  } catch (...) {
    remove_owned_cgroup(io_path_, io_record_);
    remove_owned_cgroup(memory_path_, memory_record_);
    throw;
  }
}

RunCgroup::~RunCgroup() {
  remove_owned_cgroup(io_path_, io_record_);
  remove_owned_cgroup(memory_path_, memory_record_);
}

std::vector<std::string> RunCgroup::procs_files() const {
  std::vector<std::string> files = {(memory_path_ / "cgroup.procs").string()};
  if (!io_path_.empty()) files.push_back((io_path_ / "cgroup.procs").string());
  return files;
}

std::vector<pid_t> RunCgroup::processes() const {
  std::vector<pid_t> pids;
  std::ifstream procs(memory_path_ / "cgroup.procs");
  pid_t pid;
  while (procs >> pid) pids.push_back(pid);
  return pids;
}

std::uint64_t RunCgroup::oom_kill_count() const {
  const fs::path file = memory_path_ / (version_ == "v1" ? "memory.oom_control" : "memory.events");
  return read_keyed(file, "oom_kill").value_or(0);
}

nlohmann::json RunCgroup::settings_read_back() const {
  nlohmann::json fields = nlohmann::json::object();
  if (zswap_limited_) {
    const auto zswap_max = read_number(memory_path_ / "memory.zswap.max");
    fields["zswap_max_bytes"] = zswap_max ? nlohmann::json(*zswap_max) : nlohmann::json(nullptr);
  }
  if (io_limited_) {
    std::ifstream in(memory_path_ / "io.max");
    std::string line;
    std::getline(in, line);
    fields["io_max"] = line;
  }
  return fields;
}

std::optional<std::uint64_t> RunCgroup::stat_counter(const std::string& name) const {
  return read_keyed(memory_path_ / "memory.stat", name);
}

std::optional<fs::path> own_run_cgroup() {
  const char* path = std::getenv(kCgroupEnvironmentVariable);
  if (path == nullptr || *path == '\0') return std::nullopt;
  return fs::path(path);
}

bool reset_cgroup_peak(const fs::path& cgroup) {
  if (!fs::exists(cgroup / "memory.max_usage_in_bytes")) {
    // v2's memory.peak resets only for reads through the same open file (kernel >= 6.12), so
    // there the peak covers the child's whole life, and the record says so.
    return false;
  }
  std::ofstream reset(cgroup / "memory.max_usage_in_bytes");
  reset << "0";
  reset.flush();
  return static_cast<bool>(reset);
}

std::optional<std::uint64_t> cgroup_usage_bytes(const fs::path& cgroup) {
  if (fs::exists(cgroup / "memory.usage_in_bytes")) return read_number(cgroup / "memory.usage_in_bytes");
  return read_number(cgroup / "memory.current");
}

std::optional<std::uint64_t> cgroup_peak_bytes(const fs::path& cgroup) {
  if (fs::exists(cgroup / "memory.max_usage_in_bytes")) return read_number(cgroup / "memory.max_usage_in_bytes");
  return read_number(cgroup / "memory.peak");
}

std::pair<std::uint64_t, std::uint64_t> read_cgroup_anon_file_bytes(const fs::path& cgroup) {
  const bool v1 = fs::exists(cgroup / "memory.usage_in_bytes");
  const fs::path stat = cgroup / "memory.stat";
  return {read_keyed(stat, v1 ? "total_rss" : "anon").value_or(0), read_keyed(stat, v1 ? "total_cache" : "file").value_or(0)};
}

}  // namespace oomlab
