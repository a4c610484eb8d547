// What machine and build a record was measured on, and what this machine allows
// (root, cgroups, swap, zram, io throttling) for the experiments that change it.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace oomlab {

// The folder name under results/: $OOMLAB_MACHINE_ID, or "<hostname>-<first 8 of /etc/machine-id>",
// so a workshop can merge many participants' results without collisions. Either is made a plain
// folder name (no '/', no leading '.'), so records never land outside results/.
std::string machine_id();

// The `env` block of a record: machine_id, hostname, kernel, cpu_model, cpu_count, mem_total_bytes,
// page_size_bytes, thp_enabled, thp_defrag (the bracketed choices of
// /sys/kernel/mm/transparent_hugepage/{enabled,defrag}), compiler, cxx_flags, build_type, python_version, numpy_version,
// python_executable, pybind11_version, git_commit, git_dirty, oomlab_version.
nlohmann::json environment_block(const std::filesystem::path& source_dir);

// What `oomlab env` reports about the machine's capabilities: is_root, cgroup ("v1", "v2" or
// null), memory_cgroup, io_throttling, swap_devices, and whether oomlab can use swapon, zram and
// loop devices here (root and the tool or driver: the swap profiles' own checks).
nlohmann::json machine_capabilities();

}  // namespace oomlab
