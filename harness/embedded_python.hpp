// The embedded interpreter, started only inside a measurement child (never in the parent, whose
// memory every child would otherwise inherit). One interpreter per process, never restarted:
// pybind11 cannot run a second one, and a restart does not give all memory back.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "measured_run.hpp"

namespace oomlab {

// A Python variant raised: `what()` is the one-line reason, `traceback` the formatted traceback.
class PythonVariantError : public std::runtime_error {
 public:
  PythonVariantError(const std::string& reason, std::string traceback)
      : std::runtime_error(reason), traceback(std::move(traceback)) {}
  std::string traceback;
};

class EmbeddedPython {
 public:
  // Starts the interpreter as if it were build_info::python_executable (normally /usr/bin/python3),
  // so sys.executable, sys.prefix and site-packages are that interpreter's, and multiprocessing's
  // spawn and forkserver start real Python processes rather than another oomlab.
  EmbeddedPython();
  ~EmbeddedPython();
  EmbeddedPython(const EmbeddedPython&) = delete;
  EmbeddedPython& operator=(const EmbeddedPython&) = delete;

  // Imports <experiment_dir>/experiment.py as the module `experiment`. Throws PythonVariantError.
  void load_experiment(const std::filesystem::path& experiment_dir);

  // The variants the loaded module defines: functions named `variant_<name>`, with the first line
  // of their docstring: [{"name": ..., "doc": ...}].
  nlohmann::json variants() const;

  // Calls variant_<name>(run). The harness has already started the measured phase.
  // `noop` needs no function: it measures the loaded module doing nothing.
  // Throws PythonVariantError with the traceback if the variant raises.
  void call_variant(const std::string& name, MeasuredRun& run);

  // {"executable", "version", "numpy_version", "prefix"} as the embedded interpreter sees them.
  nlohmann::json describe_interpreter() const;

  // What Py_Finalize does that anything outside the process can see: joins the non-daemon threads,
  // runs the atexit hooks (multiprocessing ends its workers there, weakref.finalize removes
  // temporary folders) and flushes sys.stdout and sys.stderr. The rest of Py_Finalize frees every
  // module and object, which costs an interpreter with NumPy 20 to 30 ms and changes nothing once
  // a measurement's record is sent: a measurement child calls this, then _exit.
  void run_exit_hooks();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace oomlab
