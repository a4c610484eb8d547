// The environment block and the capability probe behind `oomlab env`.
#include "environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "build_info.hpp"
#include "cgroup.hpp"
#include "proc_memory.hpp"
#include "swap_profile.hpp"

namespace oomlab {
namespace {

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string command_output(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof(buffer), pipe)) output += buffer;
    ::pclose(pipe);
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

std::string hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The bracketed choice of a sysfs setting such as "always [madvise] never", or "" if it is missing.
std::string bracketed_choice(const std::string& path) {
  const std::string line = first_line_of(path);
  const std::size_t open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

// One folder name, never a path: letters, digits, '-', '_' and '.', and no leading '.' (so neither
// "..", nor a hidden folder). "/tmp/evil" becomes "_tmp_evil", "../x" becomes "__x".
std::string folder_name_from(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
  }
  for (char& c : text) {
    if (c != '.') break;
    c = '_';
  }
  return text;
}

std::string machine_id() {
  // Chosen by the user, but still a folder under results/: sanitized as the hostname is.
  if (const char* from_environment = std::getenv("OOMLAB_MACHINE_ID"); from_environment && *from_environment) {
    return folder_name_from(from_environment);
  }
  std::string id = folder_name_from(hostname());
  const std::string system_id = first_line_of("/etc/machine-id");
  if (system_id.size() >= 8) id += "-" + folder_name_from(system_id.substr(0, 8));
  return id.empty() ? "unknown-machine" : id;
}

nlohmann::json environment_block(const std::filesystem::path& source_dir) {
  utsname system{};
  ::uname(&system);
  // One git process for both (each one costs a few milliseconds of every `oomlab measure`): the
  // porcelain v2 header "# branch.oid <commit>" (or "(initial)"), then a line per changed file.
  const std::string status = command_output("git -C " + shell_quote(source_dir.string()) +
                                            " status --porcelain=v2 --branch --untracked-files=no 2>/dev/null");
  std::string commit;
  bool changes = false;
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    constexpr std::string_view kCommitHeader = "# branch.oid ";
    if (line.rfind(kCommitHeader, 0) == 0) {
      commit = line.substr(kCommitHeader.size());
      if (commit == "(initial)") commit.clear();
    } else if (!line.empty() && line[0] != '#') {
      changes = true;
    }
  }
  return {
      {"machine_id", machine_id()},
      {"hostname", hostname()},
      {"kernel", std::string(system.sysname) + " " + system.release + " " + system.machine},
      {"cpu_model", cpu_model()},
      {"cpu_count", ::sysconf(_SC_NPROCESSORS_ONLN)},
      {"mem_total_bytes", read_meminfo_bytes("MemTotal").value_or(0)},
      {"page_size_bytes", ::sysconf(_SC_PAGESIZE)},
      // Transparent huge pages: "madvise" gives 2 MiB pages only to memory that asks (NumPy does for
      // buffers of 4 MiB or more; std::vector does not), "always" to every large enough mapping.
      {"thp_enabled", bracketed_choice("/sys/kernel/mm/transparent_hugepage/enabled")},
      {"thp_defrag", bracketed_choice("/sys/kernel/mm/transparent_hugepage/defrag")},
      {"compiler", build_info::compiler},
      {"cxx_flags", build_info::cxx_flags},
      {"build_type", build_info::build_type},
      {"python_executable", build_info::python_executable},
      {"python_version", build_info::python_version},
      {"numpy_version", build_info::numpy_version},
      {"pybind11_version", build_info::pybind11_version},
      {"git_commit", commit.empty() ? nlohmann::json(nullptr) : nlohmann::json(commit)},
      {"git_dirty", changes},
      {"oomlab_version", build_info::version},
  };
}

nlohmann::json machine_capabilities() {
  std::string cgroup_version;
  if (exists("/sys/fs/cgroup/cgroup.controllers")) {
    cgroup_version = "v2";
  } else if (exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
    cgroup_version = "v1";
  }
  // What oomlab can do, not what the kernel has: on v2 the memory controller in the root's list
  // says nothing about whether run cgroups can get it (see probe_cgroups).
  const CgroupSupport cgroups = probe_cgroups();
  const bool memory_cgroup = cgroups.usable();
  const bool io_throttling = cgroups.usable() && cgroups.io_throttling;
  const nlohmann::json swap_devices = active_swap_devices();
  return {
      {"is_root", ::geteuid() == 0},
      {"cgroup", cgroup_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(cgroup_version)},
      {"memory_cgroup", memory_cgroup},
      {"memory_cgroup_parent", memory_cgroup ? nlohmann::json(cgroups.memory_parent.string()) : nlohmann::json(nullptr)},
      {"memory_cgroup_unavailable_reason",
       memory_cgroup ? nlohmann::json(nullptr) : nlohmann::json(cgroups.unavailable_reason)},
      {"io_throttling", io_throttling},
      {"swap_devices", swap_devices},
      // What oomlab can use, not what is installed: each needs root (swap_profile.hpp says why not).
      {"swapon", swapon_unavailable_reason().empty()},
      {"zram", zram_unavailable_reason().empty()},
      {"loop_devices", loop_unavailable_reason().empty()},
      {"mem_total_bytes", read_meminfo_bytes("MemTotal").value_or(0)},
      {"swap_total_bytes", read_meminfo_bytes("SwapTotal").value_or(0)},
  };
}

}  // namespace oomlab
