// Finding experiments by convention: every folder experiments/<name>/ with an experiment.json is
// one. Its C++ variants registered themselves (OOMLAB_VARIANT); its Python variants are the
// `variant_*` functions of experiment.py, listed by a short child process, since the parent never
// starts Python.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomlab {

inline const std::vector<std::string> kLanguages = {"py", "cpp"};
inline const std::vector<std::string> kScales = {"quick", "default", "large"};
// A time cap beyond a day is a typo (or 1e10, which overflows the deadline into the past).
inline constexpr double kMaxTimeoutSeconds = 86400.0;
// Memory limits and swap sizes above 1 PiB are mistakes, and keep limit + swap far from overflow.
inline constexpr std::uint64_t kMaxMemoryBytes = std::uint64_t{1} << 50;

struct VariantInfo {
  std::string name;
  std::string doc;
};

struct Experiment {
  std::string name;
  std::filesystem::path dir;
  nlohmann::json metadata;  // experiment.json as written
  std::string metadata_error;  // experiment.json is malformed: the file, the key and why (never run)
  std::string title;
  std::string size_unit;    // "elements", "MiB", ...
  std::map<std::string, std::vector<std::int64_t>> sizes_by_scale;
  double timeout_seconds = 600.0;                    // "timeout_seconds": a number, or one per scale
  std::map<std::string, double> timeout_seconds_by_scale;
  std::map<std::string, int> repeats_by_scale;        // "repeats": {"default": 1}: overrides 3 / 1
  // "swap_profiles": the experiment runs under each (see swap_profile.hpp), with a memory limit of
  // "mem_limit_mib" and a swap device of "swap_mib" for each scale.
  std::vector<std::string> swap_profiles;
  std::map<std::string, std::uint64_t> mem_limit_bytes_by_scale;
  std::map<std::string, std::uint64_t> swap_bytes_by_scale;
  // "process_tree": true — variants start processes: measure the whole tree (cgroup peak, RSS and
  // PSS sums) rather than the child alone.
  bool process_tree = false;
  // Variants measured at the smallest size of each scale only: the noop control, and those that
  // experiment.json's "smallest_size_only" names (too slow for the whole sweep: zstd level 19).
  std::set<std::string> smallest_size_only;

  bool has_python = false;             // experiment.py exists
  bool python_listed = false;          // list_python_variants() ran
  std::string python_error;            // experiment.py failed to import: why
  std::vector<VariantInfo> py_variants;   // noop first
  std::vector<VariantInfo> cpp_variants;  // noop first

  const std::vector<VariantInfo>& variants(const std::string& lang) const {
    return lang == "py" ? py_variants : cpp_variants;
  }
  bool has_variant(const std::string& lang, const std::string& variant) const;
  double timeout_for(const std::string& scale) const;
  // Limit and swap size for a scale ("custom" uses "default"'s).
  std::uint64_t mem_limit_bytes_for(const std::string& scale) const;
  std::uint64_t swap_bytes_for(const std::string& scale) const;
};

// All experiments under `experiments_dir`, sorted by name, with their C++ variants. A malformed
// experiment.json does not stop the others: that experiment comes back with `metadata_error` set.
std::vector<Experiment> discover_experiments(const std::filesystem::path& experiments_dir);

// How long listing an experiment's Python variants may take (importing experiment.py included):
// kDescribeTimeoutSeconds, or less if OOMLAB_DESCRIBE_TIMEOUT_SECONDS says so (the tests' way to see
// a hanging import end without waiting two minutes).
inline constexpr double kDescribeTimeoutSeconds = 120.0;
double describe_timeout_seconds();

// Fills in `experiment.py_variants` (or `python_error`) by running `oomlab __describe` in a child.
void list_python_variants(Experiment& experiment);

}  // namespace oomlab
