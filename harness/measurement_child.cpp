// The child's side of a measurement: start the phase, run the variant, stop, report.
#include "measurement_child.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "embedded_python.hpp"
#include "measured_run.hpp"
#include "report_channel.hpp"
#include "variant_registry.hpp"

namespace oomlab {
namespace {

void run_cpp_variant(const MeasurementRequest& request, MeasuredRun& run) {
  const CppVariant* variant = find_cpp_variant(request.experiment, request.variant);
  if (variant == nullptr && request.variant != "noop") {
    throw std::runtime_error("no C++ variant " + request.experiment + "/" + request.variant);
  }
  run.start();
  if (variant != nullptr) variant->function(run);
  run.stop();
}

// `python` outlives the report: the interpreter shuts down (joins non-daemon threads, runs atexit
// hooks) only after the result is sent, so a hang or crash there cannot change the outcome.
void run_python_variant(const MeasurementRequest& request, MeasuredRun& run, nlohmann::json& report,
                        std::unique_ptr<EmbeddedPython>& python) {
  python = std::make_unique<EmbeddedPython>();
  python->load_experiment(request.experiment_dir);
  report["interpreter"] = python->describe_interpreter();
  run.start();
  python->call_variant(request.variant, run);
  run.stop();
}

}  // namespace

int run_measurement_child(const MeasurementRequest& request, int report_fd) {
  // Grandchildren (multiprocessing workers) must not hold the report pipe open.
  ::fcntl(report_fd, F_SETFD, FD_CLOEXEC);
  MeasuredRun run(request.size, report_fd);
  nlohmann::json report;
  std::unique_ptr<EmbeddedPython> python;  // declared after `run`, so it is finalized first
  const int exit_code = send_measured_outcome(report_fd, run, report, [&] {
    if (request.lang == "cpp") {
      run_cpp_variant(request, run);
    } else {
      run_python_variant(request, run, report, python);
    }
  });
  if (python) {
    // After the report (the parent allows this a grace period): the interpreter's exit hooks, then
    // the process ends without freeing each object (see EmbeddedPython::run_exit_hooks).
    python->run_exit_hooks();
    std::fflush(nullptr);
    ::_exit(exit_code);
  }
  return exit_code;
}

int send_measured_outcome(int report_fd, MeasuredRun& run, nlohmann::json& report, const std::function<void()>& measure) {
  try {
    measure();
    report.update(run.result());
    report["outcome"] = "ok";
  } catch (const PythonVariantError& error) {
    report["outcome"] = "error";
    report["reason"] = error.what();
    report["traceback"] = error.traceback;
  } catch (const std::exception& error) {
    report["outcome"] = "error";
    report["reason"] = error.what();
  }
  const bool sent = send_message(report_fd, report);
  ::close(report_fd);
  return sent ? 0 : 3;
}

int run_describe_child(const std::optional<std::filesystem::path>& experiment_dir, int answer_fd) {
  // Processes an experiment module starts on import must not hold the answer pipe open.
  const bool has_answer_fd = ::fcntl(answer_fd, F_SETFD, FD_CLOEXEC) == 0;
  nlohmann::json description;
  std::unique_ptr<EmbeddedPython> python;  // finalized after the answer, as in a measurement
  try {
    python = std::make_unique<EmbeddedPython>();
    description["interpreter"] = python->describe_interpreter();
    if (experiment_dir) {
      python->load_experiment(*experiment_dir);
      description["variants"] = python->variants();
    }
  } catch (const PythonVariantError& error) {
    description["error"] = error.what();
    description["traceback"] = error.traceback;
  } catch (const std::exception& error) {
    description["error"] = error.what();
  }
  // The answer pipe if the parent gave one (fd 3), else stdout (run by hand).
  if (has_answer_fd) {
    const bool sent = send_message(answer_fd, description);
    ::close(answer_fd);
    python.reset();
    return sent ? 0 : 3;
  }
  std::cout << description.dump() << std::endl;
  python.reset();
  return 0;
}

}  // namespace oomlab
