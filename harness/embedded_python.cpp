// The embedded interpreter and the `oomlab` module that Python variants receive their run from.
#include "embedded_python.hpp"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include "build_info.hpp"

namespace py = pybind11;

// Python variants get an oomlab.MeasuredRun as their only argument.
PYBIND11_EMBEDDED_MODULE(oomlab, module) {
  module.doc() = R"doc(The oomlab harness, as seen by a Python variant.

A variant is a function `variant_<name>(run)` in experiments/<name>/experiment.py.
The measured phase is already running when it is called.)doc";
  py::class_<oomlab::MeasuredRun>(module, "MeasuredRun", R"doc(The measured phase of one variant.)doc")
      .def_property_readonly("size", &oomlab::MeasuredRun::size,
                             R"doc(The size parameter: elements, MiB, ... as experiment.json says.)doc")
      .def("start", &oomlab::MeasuredRun::start,
           R"doc(Restart the measured phase after building inputs that are not part of the lesson:
resets the peak (VmHWM) to the RSS now, and the clock.)doc")
      .def("stop", &oomlab::MeasuredRun::stop,
           R"doc(End the measured phase early; later work is not measured.)doc")
      .def_property_readonly("peak_delta_bytes", &oomlab::MeasuredRun::peak_delta_bytes,
                             R"doc(After stop(): the peak above the RSS at start, as the record says.)doc")
      .def("add_metric", &oomlab::MeasuredRun::add_metric, py::arg("name"), py::arg("value"),
           R"doc(Store an extra named figure (unit in the name) in the record's metrics.)doc")
      .def("note_rss", &oomlab::MeasuredRun::note_rss, py::arg("label"),
           R"doc(Store the RSS now as the metric rss_<label>_bytes.)doc")
      .def("note_progress", &oomlab::MeasuredRun::note_progress, py::arg("done"), py::arg("total"), py::arg("unit"),
           R"doc(How far a long run has got (done of total units). A run killed at the time cap or by
the OOM killer is recorded with the last note. Cheap: notes closer than 20 ms are dropped.)doc")
      .def("sample_tree", &oomlab::MeasuredRun::sample_tree,
           py::call_guard<py::gil_scoped_release>(),
           R"doc(Process trees: have the harness sample every process's RSS and PSS now, and wait for it.
Call it when the workers hold their data. Returns False when the run measures no tree.)doc");
}

namespace oomlab {

struct EmbeddedPython::State {
  std::unique_ptr<py::scoped_interpreter> interpreter;
  py::object experiment_module;
};

namespace {

std::unique_ptr<py::scoped_interpreter> start_interpreter() {
  PyConfig config;
  // Isolated: PYTHONPATH, PYTHONHOME and the user's site-packages of whoever runs oomlab must
  // not change what is measured.
  PyConfig_InitIsolatedConfig(&config);
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, build_info::python_executable);
  if (PyStatus_Exception(status)) {
    PyConfig_Clear(&config);
    throw std::runtime_error("cannot configure the embedded Python");
  }
  // The harness, not Python, owns SIGINT: the parent stops a child with SIGKILL.
  config.install_signal_handlers = 0;
  // Without `site`: it reads every .pth file of the system's site-packages at each start (Debian's
  // setuptools shim and matplotlib's namespace hook, among others), 13-19 ms of every Python child's
  // start on this machine (`python3 -S` against `python3`, each then importing NumPy). A variant needs
  // only the directories themselves, which the build recorded from `site.getsitepackages()`.
  config.site_import = 0;
  auto interpreter = std::make_unique<py::scoped_interpreter>(&config, 0, nullptr, false);
  py::list path = py::module_::import("sys").attr("path");
  std::string_view directories = build_info::python_site_directories;
  while (!directories.empty()) {
    const std::string_view directory = directories.substr(0, directories.find(':'));
    if (!directory.empty() && std::filesystem::is_directory(directory)) path.append(std::string(directory));
    directories.remove_prefix(std::min(directories.size(), directory.size() + 1));
  }
  return interpreter;
}

PythonVariantError to_variant_error(py::error_already_set& error) {
  std::string traceback_text;
  try {
    py::object format_exception = py::module_::import("traceback").attr("format_exception");
    py::list lines = format_exception(error.type(), error.value(), error.trace());
    for (const py::handle line : lines) traceback_text += line.cast<std::string>();
  } catch (const std::exception&) {
    traceback_text = error.what();
  }
  std::string reason = py::str(error.type().attr("__name__")).cast<std::string>() + ": " +
                       py::str(error.value()).cast<std::string>();
  return PythonVariantError(reason, traceback_text);
}

}  // namespace

EmbeddedPython::EmbeddedPython() : state_(std::make_unique<State>()) {
  state_->interpreter = start_interpreter();
  // Registers the MeasuredRun type, so a run can be handed to a variant.
  py::module_::import("oomlab");
}

EmbeddedPython::~EmbeddedPython() {
  // Release Python objects while the interpreter still exists.
  state_->experiment_module = py::object();
}

void EmbeddedPython::load_experiment(const std::filesystem::path& experiment_dir) {
  try {
    // On sys.path under the plain name `experiment`, so that multiprocessing's spawn and
    // forkserver children can import the same module by name to find a worker function.
    py::module_::import("sys").attr("path").attr("insert")(0, experiment_dir.string());
    state_->experiment_module = py::module_::import("experiment");
  } catch (py::error_already_set& error) {
    throw to_variant_error(error);
  }
}

nlohmann::json EmbeddedPython::variants() const {
  nlohmann::json found = nlohmann::json::array();
  py::object inspect = py::module_::import("inspect");
  const std::string prefix = "variant_";
  for (const auto& [name_handle, value] : state_->experiment_module.attr("__dict__").cast<py::dict>()) {
    const std::string name = name_handle.cast<std::string>();
    if (name.rfind(prefix, 0) != 0 || !PyCallable_Check(value.ptr())) continue;
    py::object doc = inspect.attr("getdoc")(value);
    std::string first_line = doc.is_none() ? "" : doc.cast<std::string>();
    first_line = first_line.substr(0, first_line.find('\n'));
    found.push_back({{"name", name.substr(prefix.size())}, {"doc", first_line}});
  }
  return found;
}

void EmbeddedPython::call_variant(const std::string& name, MeasuredRun& run) {
  const std::string function_name = "variant_" + name;
  try {
    if (!py::hasattr(state_->experiment_module, function_name.c_str())) {
      if (name == "noop") return;
      throw PythonVariantError("experiment.py has no function " + function_name, "");
    }
    state_->experiment_module.attr(function_name.c_str())(py::cast(&run, py::return_value_policy::reference));
  } catch (py::error_already_set& error) {
    throw to_variant_error(error);
  }
}

void EmbeddedPython::run_exit_hooks() {
  try {
    // The order of Py_FinalizeEx (CPython 3.11, Python/pylifecycle.c): wait_for_thread_shutdown,
    // then the atexit callbacks, then the standard streams' flush.
    py::module_::import("threading").attr("_shutdown")();
    py::module_::import("atexit").attr("_run_exitfuncs")();
    py::object sys = py::module_::import("sys");
    for (const char* stream : {"stdout", "stderr"}) {
      py::object file = sys.attr(stream);
      if (!file.is_none()) file.attr("flush")();
    }
  } catch (py::error_already_set& error) {
    error.discard_as_unraisable("oomlab: while running the exit hooks");
  }
}

nlohmann::json EmbeddedPython::describe_interpreter() const {
  py::object sys = py::module_::import("sys");
  nlohmann::json description = {
      {"executable", sys.attr("executable").cast<std::string>()},
      {"version", py::module_::import("platform").attr("python_version")().cast<std::string>()},
      {"prefix", sys.attr("prefix").cast<std::string>()},
  };
  try {
    description["numpy_version"] = py::module_::import("numpy").attr("__version__").cast<std::string>();
  } catch (py::error_already_set& error) {
    description["numpy_version"] = nullptr;
    description["numpy_error"] = to_variant_error(error).what();
  }
  return description;
}

}  // namespace oomlab
