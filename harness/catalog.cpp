// Discovery of experiment folders and of their variants in both languages.
#include "catalog.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>

#include "child_process.hpp"
#include "variant_registry.hpp"

namespace oomlab {
namespace {

const VariantInfo kNoopVariant{"noop", "control: the runtime started and the experiment loaded, nothing run"};

Experiment read_experiment(const std::filesystem::path& dir) {
  Experiment experiment;
  experiment.name = dir.filename().string();
  experiment.dir = dir;
  const std::filesystem::path metadata_file = dir / "experiment.json";
  std::ifstream in(metadata_file);
  try {
    experiment.metadata = nlohmann::json::parse(in);
    experiment.title = experiment.metadata.value("title", experiment.name);
    experiment.size_unit = experiment.metadata.value("size_unit", "elements");
    const auto& timeout = experiment.metadata.value("timeout_seconds", nlohmann::json(600.0));
    if (timeout.is_object()) {
      experiment.timeout_seconds_by_scale = timeout.get<std::map<std::string, double>>();
    } else {
      experiment.timeout_seconds = timeout.get<double>();
    }
    experiment.process_tree = experiment.metadata.value("process_tree", false);
    experiment.repeats_by_scale = experiment.metadata.value("repeats", std::map<std::string, int>{});
    experiment.swap_profiles = experiment.metadata.value("swap_profiles", std::vector<std::string>{});
    experiment.smallest_size_only = experiment.metadata.value("smallest_size_only", std::set<std::string>{});
    // The control does no work, so its figure cannot depend on the size: one size shows the floor.
    experiment.smallest_size_only.insert(kNoopVariant.name);
    for (const auto& [scale, mib] : experiment.metadata.value("mem_limit_mib", std::map<std::string, std::uint64_t>{})) {
      experiment.mem_limit_bytes_by_scale[scale] = mib << 20;
    }
    for (const auto& [scale, mib] : experiment.metadata.value("swap_mib", std::map<std::string, std::uint64_t>{})) {
      experiment.swap_bytes_by_scale[scale] = mib << 20;
    }
    if (!experiment.swap_profiles.empty() &&
        (experiment.mem_limit_bytes_by_scale.size() < kScales.size() || experiment.swap_bytes_by_scale.size() < kScales.size())) {
      throw nlohmann::json::other_error::create(501, "swap_profiles need mem_limit_mib and swap_mib for every scale", nullptr);
    }
    for (const std::string& scale : kScales) {
      experiment.sizes_by_scale[scale] =
          experiment.metadata.at("sizes").at(scale).get<std::vector<std::int64_t>>();
    }
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(metadata_file.string() + ": " + error.what() +
                             " (needs \"sizes\": {\"quick\": [...], \"default\": [...], \"large\": [...]})");
  }
  experiment.has_python = std::filesystem::exists(dir / "experiment.py");
  experiment.cpp_variants.push_back(kNoopVariant);
  for (const CppVariant& variant : registered_cpp_variants()) {
    if (variant.experiment == experiment.name) experiment.cpp_variants.push_back({variant.name, variant.doc});
  }
  return experiment;
}

}  // namespace

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
  if (experiment.python_listed || !experiment.has_python) return;
  experiment.python_listed = true;
  int exit_code = 0;
  const std::string output =
      capture_child_stdout({"__describe", "--experiment-dir", experiment.dir.string()}, exit_code);
  const auto description = nlohmann::json::parse(output, nullptr, false);
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
