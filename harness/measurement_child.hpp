// What runs inside a fresh child process: one variant, measured, with the result sent back to the
// parent through a pipe. The parent execs `oomlab __child ...` for this, so every measurement
// starts from a clean address space.
#pragma once

#include <cstdint>
#include <functional>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace oomlab {

class MeasuredRun;

struct MeasurementRequest {
  std::filesystem::path experiment_dir;
  std::string experiment;
  std::string variant;
  std::string lang;  // "py" or "cpp"
  std::int64_t size = 0;
};

// Runs the variant between MeasuredRun::start() and stop(), and writes one JSON object to
// `report_fd`: the figures of the measured phase and {"outcome": "ok"}, or {"outcome": "error",
// "reason", "traceback"}. Returns the process exit code (0 when a report was written).
int run_measurement_child(const MeasurementRequest& request, int report_fd);

// Runs `measure` (which may add fields to `report`), then sends the report on `report_fd`: the run's
// figures and {"outcome": "ok"}, or {"outcome": "error", "reason"[, "traceback"]} if it threw. The
// caller keeps any interpreter alive until this returns, so that a hang or crash while Python shuts
// down cannot change an outcome already sent. Returns the child's exit code (0 when sent).
int send_measured_outcome(int report_fd, MeasuredRun& run, nlohmann::json& report, const std::function<void()>& measure);

// Starts the embedded interpreter and writes one JSON object to `answer_fd` (stdout if that is not
// open): {"interpreter": {...}} and, given an experiment folder, {"variants": [...]} or {"error",
// "traceback"} if experiment.py fails to import. Returns 0 when the JSON was written.
int run_describe_child(const std::optional<std::filesystem::path>& experiment_dir, int answer_fd);

}  // namespace oomlab
