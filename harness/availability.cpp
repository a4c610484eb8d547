// What will run here and what will skip (see availability.hpp).
#include "availability.hpp"

#include "swap_profile.hpp"

namespace oomlab {

Availability availability_of(const Experiment& experiment, const std::string& profile, const CgroupSupport& cgroups) {
  Availability availability;
  if (!profile.empty()) {
    if (const std::string why = swap_profile_unavailable_reason(profile, cgroups); !why.empty()) {
      availability.runs = false;
      availability.skip_reason = "swap profile " + profile + ": " + why;
    }
  }
  if (experiment.process_tree) {
    availability.tree_peak_source = cgroups.usable() ? "cgroup" : "sampled";
    if (!cgroups.usable()) availability.tree_peak_reason = "no tree peak: " + cgroups.unavailable_reason;
  }
  return availability;
}

nlohmann::json availability_table(const std::vector<Experiment>& experiments, const CgroupSupport& cgroups) {
  nlohmann::json table = nlohmann::json::array();
  for (const Experiment& experiment : experiments) {
    if (!experiment.metadata_error.empty()) continue;
    const std::vector<std::string> profiles =
        experiment.swap_profiles.empty() ? std::vector<std::string>{""} : experiment.swap_profiles;
    for (const std::string& profile : profiles) {
      const Availability availability = availability_of(experiment, profile, cgroups);
      nlohmann::json entry = {{"experiment", experiment.name},
                              {"profile", profile.empty() ? nlohmann::json(nullptr) : nlohmann::json(profile)},
                              {"will", availability.runs ? "run" : "skip"}};
      if (!availability.runs) entry["reason"] = availability.skip_reason;
      if (!availability.tree_peak_source.empty()) {
        entry["tree_peak"] = availability.tree_peak_source;
        if (!availability.tree_peak_reason.empty()) entry["tree_peak_reason"] = availability.tree_peak_reason;
      }
      table.push_back(entry);
    }
  }
  return table;
}

}  // namespace oomlab
