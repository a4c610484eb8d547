// Discovery of experiment folders and of their variants in both languages.
#include "catalog.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstdint>
#include <fstream>
#include <set>
#include <stdexcept>

#include "child_process.hpp"
#include "swap_profile.hpp"
#include "variant_registry.hpp"

namespace oomlab {
namespace {

const VariantInfo kNoopVariant{"noop", "control: the runtime started and the experiment loaded, nothing run"};

// experiment.json is read strictly: a size of 1.5 would be cut to 1 and a MiB value of 2^45 would
// overflow to a small limit, so each is an error naming the file and the key.
class MetadataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::int64_t positive_integer(const nlohmann::json& value, const std::string& key) {
  if (!value.is_number_integer() || value.get<std::int64_t>() <= 0 ||
      (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    throw MetadataError("\"" + key + "\" must be a whole number above 0, not " + value.dump());
  }
  return value.get<std::int64_t>();
}

double timeout_value(const nlohmann::json& value, const std::string& key) {
  if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > kMaxTimeoutSeconds) {
    throw MetadataError("\"" + key + "\" must be a number of seconds above 0 and at most " +
                        std::to_string(static_cast<int>(kMaxTimeoutSeconds)) + " (a day), not " + value.dump());
  }
  return value.get<double>();
}

// {"quick": x, "default": y, "large": z}: every scale, nothing else.
const nlohmann::json& per_scale(const nlohmann::json& metadata, const std::string& key) {
  const nlohmann::json& value = metadata.at(key);
  if (!value.is_object()) throw MetadataError("\"" + key + "\" must be an object with quick, default and large");
  for (const auto& [scale, ignored] : value.items()) {
    if (std::find(kScales.begin(), kScales.end(), scale) == kScales.end()) {
      throw MetadataError("\"" + key + "\" has an unknown scale \"" + scale + "\"; valid: quick, default, large");
    }
  }
  return value;
}

std::uint64_t mib_to_bytes(const nlohmann::json& value, const std::string& key) {
  const std::int64_t mib = positive_integer(value, key);
  if (static_cast<std::uint64_t>(mib) > (kMaxMemoryBytes >> 20)) {
    throw MetadataError("\"" + key + "\" of " + std::to_string(mib) + " MiB is beyond 1 PiB");
  }
  return static_cast<std::uint64_t>(mib) << 20;
}

void read_metadata(Experiment& experiment) {
  const nlohmann::json& metadata = experiment.metadata;
  if (!metadata.is_object()) throw MetadataError("the file must hold a JSON object");
  experiment.title = metadata.value("title", experiment.name);
  experiment.size_unit = metadata.value("size_unit", "elements");
  if (metadata.contains("timeout_seconds")) {
    const auto& timeout = metadata.at("timeout_seconds");
    if (timeout.is_object()) {
      for (const auto& [scale, seconds] : per_scale(metadata, "timeout_seconds").items()) {
        experiment.timeout_seconds_by_scale[scale] = timeout_value(seconds, "timeout_seconds." + scale);
      }
    } else {
      experiment.timeout_seconds = timeout_value(timeout, "timeout_seconds");
    }
  }
  experiment.process_tree = metadata.value("process_tree", false);
  if (metadata.contains("repeats")) {
    for (const auto& [scale, repeats] : per_scale(metadata, "repeats").items()) {
      const std::int64_t count = positive_integer(repeats, "repeats." + scale);
      if (count > 1000) throw MetadataError("\"repeats." + scale + "\" of " + std::to_string(count) + " is beyond 1000");
      experiment.repeats_by_scale[scale] = static_cast<int>(count);
    }
  }
  experiment.swap_profiles = metadata.value("swap_profiles", std::vector<std::string>{});
  for (const std::string& profile : experiment.swap_profiles) {
    if (std::find(kSwapProfiles.begin(), kSwapProfiles.end(), profile) == kSwapProfiles.end()) {
      std::string valid;
      for (const std::string& known : kSwapProfiles) valid += (valid.empty() ? "" : ", ") + known;
      throw MetadataError("\"swap_profiles\" has an unknown profile \"" + profile + "\"; valid: " + valid);
    }
  }
  experiment.smallest_size_only = metadata.value("smallest_size_only", std::set<std::string>{});
  // The control does no work, so its figure cannot depend on the size: one size shows the floor.
  experiment.smallest_size_only.insert(kNoopVariant.name);
  if (metadata.contains("mem_limit_mib")) {
    for (const auto& [scale, mib] : per_scale(metadata, "mem_limit_mib").items()) {
      experiment.mem_limit_bytes_by_scale[scale] = mib_to_bytes(mib, "mem_limit_mib." + scale);
    }
  }
  if (metadata.contains("swap_mib")) {
    for (const auto& [scale, mib] : per_scale(metadata, "swap_mib").items()) {
      experiment.swap_bytes_by_scale[scale] = mib_to_bytes(mib, "swap_mib." + scale);
    }
  }
  if (!experiment.swap_profiles.empty() &&
      (experiment.mem_limit_bytes_by_scale.size() < kScales.size() || experiment.swap_bytes_by_scale.size() < kScales.size())) {
    throw MetadataError("\"swap_profiles\" need \"mem_limit_mib\" and \"swap_mib\" for every scale");
  }
  if (!metadata.contains("sizes")) throw MetadataError("\"sizes\" is missing");
  const nlohmann::json& sizes = per_scale(metadata, "sizes");
  for (const std::string& scale : kScales) {
    if (!sizes.contains(scale) || !sizes.at(scale).is_array() || sizes.at(scale).empty()) {
      throw MetadataError("\"sizes." + scale + "\" must be a non-empty list");
    }
    for (std::size_t i = 0; i < sizes.at(scale).size(); ++i) {
      experiment.sizes_by_scale[scale].push_back(
          positive_integer(sizes.at(scale).at(i), "sizes." + scale + "[" + std::to_string(i) + "]"));
    }
  }
}

Experiment read_experiment(const std::filesystem::path& dir) {
  Experiment experiment;
  experiment.name = dir.filename().string();
  experiment.dir = dir;
  const std::filesystem::path metadata_file = dir / "experiment.json";
  std::ifstream in(metadata_file);
  try {
    experiment.metadata = nlohmann::json::parse(in);
    read_metadata(experiment);
  } catch (const MetadataError& error) {
    experiment.metadata_error = metadata_file.string() + ": " + error.what();
  } catch (const nlohmann::json::exception& error) {
    experiment.metadata_error = metadata_file.string() + ": " + error.what() +
                                " (needs \"sizes\": {\"quick\": [...], \"default\": [...], \"large\": [...]})";
  }
  if (!experiment.metadata_error.empty()) {
    // Listed and reported, never run: what was read may be half of it.
    experiment.sizes_by_scale.clear();
    return experiment;
  }
  experiment.has_python = std::filesystem::exists(dir / "experiment.py");
  experiment.cpp_variants.push_back(kNoopVariant);
  for (const CppVariant& variant : registered_cpp_variants()) {
    if (variant.experiment == experiment.name) experiment.cpp_variants.push_back({variant.name, variant.doc});
  }
  return experiment;
}

}  // namespace

double describe_timeout_seconds() {
  if (const char* text = std::getenv("OOMLAB_DESCRIBE_TIMEOUT_SECONDS"); text && *text) {
    char* end = nullptr;
    const double seconds = std::strtod(text, &end);
    if (end != text && *end == '\0' && seconds > 0 && seconds <= kDescribeTimeoutSeconds) return seconds;
  }
  return kDescribeTimeoutSeconds;
}

bool Experiment::has_variant(const std::string& lang, const std::string& variant) const {
  const auto& known = variants(lang);
  return std::any_of(known.begin(), known.end(), [&](const VariantInfo& info) { return info.name == variant; });
}

double Experiment::timeout_for(const std::string& scale) const {
  const auto found = timeout_seconds_by_scale.find(scale == "custom" ? "default" : scale);
  return found != timeout_seconds_by_scale.end() ? found->second : timeout_seconds;
}

std::uint64_t Experiment::mem_limit_bytes_for(const std::string& scale) const {
  return mem_limit_bytes_by_scale.at(scale == "custom" ? "default" : scale);
}

std::uint64_t Experiment::swap_bytes_for(const std::string& scale) const {
  return swap_bytes_by_scale.at(scale == "custom" ? "default" : scale);
}

std::vector<Experiment> discover_experiments(const std::filesystem::path& experiments_dir) {
  std::vector<Experiment> experiments;
  if (!std::filesystem::is_directory(experiments_dir)) {
    throw std::runtime_error("no experiments folder at " + experiments_dir.string());
  }
  for (const auto& entry : std::filesystem::directory_iterator(experiments_dir)) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "experiment.json")) {
      experiments.push_back(read_experiment(entry.path()));
    }
  }
  std::sort(experiments.begin(), experiments.end(),
            [](const Experiment& a, const Experiment& b) { return a.name < b.name; });
  return experiments;
}

void list_python_variants(Experiment& experiment) {
  if (experiment.python_listed || !experiment.has_python || !experiment.metadata_error.empty()) return;
  experiment.python_listed = true;
  int exit_code = 0;
  const std::string output = capture_child_answer({"__describe", "--experiment-dir", experiment.dir.string()}, exit_code,
                                                   describe_timeout_seconds());
  const auto description = nlohmann::json::parse(output, nullptr, false);
  if (exit_code == kChildTimedOut) {
    experiment.python_error = "importing experiment.py did not finish within " +
                              std::to_string(static_cast<int>(describe_timeout_seconds())) +
                              " s (the child that lists Python variants was killed)";
    return;
  }
  if (exit_code != 0 || !description.is_object()) {
    experiment.python_error = "the child that lists Python variants failed (exit " + std::to_string(exit_code) + ")";
    return;
  }
  if (description.contains("error")) {
    experiment.python_error = description.value("error", "") + "\n" + description.value("traceback", "");
    return;
  }
  experiment.py_variants.push_back(kNoopVariant);
  for (const auto& variant : description.at("variants")) {
    const std::string name = variant.at("name");
    if (name == "noop") continue;  // the harness's own control
    experiment.py_variants.push_back({name, variant.at("doc")});
  }
}

}  // namespace oomlab
