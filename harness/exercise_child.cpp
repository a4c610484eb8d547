// The child's side of an exercise: the embedded interpreter imports harness/exercise_runner.py, which
// calls the learner's function between start() and stop() and checks the result afterwards.
#include "exercise_child.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include <pybind11/embed.h>

#include <nlohmann/json.hpp>

#include "embedded_python.hpp"
#include "measured_run.hpp"
#include "measurement_child.hpp"

namespace py = pybind11;

namespace oomlab {

int run_exercise_child(const ExerciseRequest& request, int report_fd) {
  // Worker processes the learner starts must not hold the report pipe open.
  ::fcntl(report_fd, F_SETFD, FD_CLOEXEC);
  MeasuredRun run(request.size, report_fd);
  nlohmann::json report;
  std::unique_ptr<EmbeddedPython> python;  // finalized after the report is sent, as for a variant
  const int exit_code = send_measured_outcome(report_fd, run, report, [&] {
    python = std::make_unique<EmbeddedPython>();
    report["interpreter"] = python->describe_interpreter();
    try {
      const std::filesystem::path runner_dir = std::filesystem::path(OOMLAB_SOURCE_DIR) / "harness";
      py::module_::import("sys").attr("path").attr("insert")(0, runner_dir.string());
      py::object runner = py::module_::import("exercise_runner");
      py::object outcome = runner.attr("run_exercise")(py::cast(&run, py::return_value_policy::reference),
                                                        request.exercise_dir.string(), request.learner_file.string(),
                                                        request.function);
      report["check_passed"] = outcome["check_passed"].cast<bool>();
      report["check_message"] = outcome["check_message"].cast<std::string>();
    } catch (py::error_already_set& error) {
      std::string traceback_text;
      try {
        py::list lines = py::module_::import("traceback").attr("format_exception")(error.type(), error.value(), error.trace());
        for (const py::handle line : lines) traceback_text += line.cast<std::string>();
      } catch (const std::exception&) {
        traceback_text = error.what();
      }
      throw PythonVariantError(py::str(error.type().attr("__name__")).cast<std::string>() + ": " +
                                   py::str(error.value()).cast<std::string>(),
                               traceback_text);
    }
    run.stop();  // no effect if the runner stopped it; an exception before stop() leaves no figures
  });
  python.reset();
  return exit_code;
}

}  // namespace oomlab
