// What `oomlab run` will do here with each experiment and swap profile, and why not: one answer,
// which the run follows when it skips a measurement and `oomlab env` prints beforehand, so the two
// cannot disagree.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog.hpp"
#include "cgroup.hpp"

namespace oomlab {

struct Availability {
  bool runs = true;
  std::string skip_reason;        // the `reason` of the skipped records, when !runs
  // Process trees: "cgroup" (the true simultaneous peak) or "sampled" (RSS and PSS sums only,
  // with tree_peak_reason saying why); empty for experiments that measure one process.
  std::string tree_peak_source;
  std::string tree_peak_reason;
};

// One experiment under one swap profile ("" for an experiment without profiles), given the
// machine's cgroups (probe_cgroups).
Availability availability_of(const Experiment& experiment, const std::string& profile, const CgroupSupport& cgroups);

// `oomlab env`'s per-experiment list: one entry per experiment and profile, each
// {"experiment", "profile" (null without profiles), "will": "run" or "skip", "reason" (when
// skipped), "tree_peak": "cgroup" or "sampled", "tree_peak_reason" (process trees)}.
nlohmann::json availability_table(const std::vector<Experiment>& experiments, const CgroupSupport& cgroups);

}  // namespace oomlab
