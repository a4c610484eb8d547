// Discovery of experiment folders and of their variants in both languages.
#include "catalog.hpp"

#include <algorithm>
#include <fstream>
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
    experiment.timeout_seconds = experiment.metadata.value("timeout_seconds", 600.0);
    experiment.process_tree = experiment.metadata.value("process_tree", false);
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
