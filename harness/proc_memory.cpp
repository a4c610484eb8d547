// Parsing of /proc/<pid>/status, statm, meminfo and vmstat, and the clear_refs reset.
#include "proc_memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace oomlab {
namespace {

std::string proc_path(pid_t pid, const char* file) {
  return pid == 0 ? std::string("/proc/self/") + file
                  : "/proc/" + std::to_string(pid) + "/" + file;
}

// Reads "Key:   1234 kB" lines; returns the value in bytes for the key, if present.
std::optional<std::uint64_t> find_kib_field(const std::string& text, const std::string& key) {
  // Match at a line start, so "VmRSS" never matches inside another key.
  const std::string lines = "\n" + text;
  const std::string needle = "\n" + key + ":";
  const std::size_t at = lines.find(needle);
  if (at == std::string::npos) return std::nullopt;
  std::istringstream value(lines.substr(at + needle.size()));
  std::uint64_t kib = 0;
  if (!(value >> kib)) return std::nullopt;
  return kib * 1024;
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<ProcStatusMemory> read_status_memory(pid_t pid) {
  const auto text = slurp(proc_path(pid, "status"));
  if (!text) return std::nullopt;
  ProcStatusMemory memory;
  const auto rss = find_kib_field(*text, "VmRSS");
  // A zombie has no VmRSS line: its memory is already gone.
  if (!rss) return std::nullopt;
  memory.rss_bytes = *rss;
  memory.hwm_bytes = find_kib_field(*text, "VmHWM").value_or(*rss);
  memory.swap_bytes = find_kib_field(*text, "VmSwap").value_or(0);
  return memory;
}

std::optional<std::uint64_t> read_rss_bytes_fast(pid_t pid) {
  // open/read/close with a stack buffer: no allocation, ~5 microseconds.
  const std::string path = proc_path(pid, "statm");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[128];
  const ssize_t length = ::read(fd, buffer, sizeof(buffer) - 1);
  ::close(fd);
  if (length <= 0) return std::nullopt;
  buffer[length] = '\0';
  unsigned long long size_pages = 0, resident_pages = 0;
  if (std::sscanf(buffer, "%llu %llu", &size_pages, &resident_pages) != 2) return std::nullopt;
  static const std::uint64_t page_size_bytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return resident_pages * page_size_bytes;
}

std::optional<SmapsRollup> read_smaps_rollup(pid_t pid) {
  const auto text = slurp(proc_path(pid, "smaps_rollup"));
  if (!text || text->empty()) return std::nullopt;
  // The first line is the mapping range ("...[rollup]"); the fields follow one per line.
  const std::string fields = text->substr(text->find('\n') + 1);
  SmapsRollup rollup;
  rollup.rss_bytes = find_kib_field(fields, "Rss").value_or(0);
  rollup.pss_bytes = find_kib_field(fields, "Pss").value_or(0);
  rollup.uss_bytes = find_kib_field(fields, "Private_Clean").value_or(0) + find_kib_field(fields, "Private_Dirty").value_or(0);
  rollup.swap_bytes = find_kib_field(fields, "Swap").value_or(0);
  rollup.anon_huge_pages_bytes = find_kib_field(fields, "AnonHugePages").value_or(0);
  return rollup;
}

void reset_peak_rss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    throw std::runtime_error(std::string("cannot open /proc/self/clear_refs to reset the peak: ") +
                             std::strerror(errno));
  }
  const ssize_t written = ::write(fd, "5", 1);
  const int saved_errno = errno;
  ::close(fd);
  if (written != 1) {
    throw std::runtime_error(std::string("the kernel refused to reset the peak (clear_refs 5): ") +
                             std::strerror(saved_errno));
  }
}

std::vector<std::string> active_swap_devices() {
  std::vector<std::string> devices;
  std::ifstream swaps("/proc/swaps");
  std::string line;
  std::getline(swaps, line);  // header
  while (std::getline(swaps, line)) {
    std::istringstream fields(line);
    std::string device;
    if (fields >> device) devices.push_back(device);
  }
  return devices;
}

std::optional<std::uint64_t> read_meminfo_bytes(const std::string& field) {
  const auto text = slurp("/proc/meminfo");
  if (!text) return std::nullopt;
  return find_kib_field(*text, field);
}

std::optional<std::uint64_t> read_vmstat_counter(const std::string& field) {
  return read_named_counter("/proc/vmstat", field);
}

std::optional<std::uint64_t> read_named_counter(const std::filesystem::path& file, const std::string& field) {
  std::ifstream in(file);
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value) {
    if (name == field) return value;
  }
  return std::nullopt;
}

}  // namespace oomlab
