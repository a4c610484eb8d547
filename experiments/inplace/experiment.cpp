// Processing in place (the article's remedy 6), C++ side: x → 2x + 1 over n doubles that exist
// before the measured phase, into a new buffer or over the old one. Mirrors experiment.py.
// Also the article's "write it in Cython" step: the Python module inplace_kernels, compiled into
// oomlab, whose kernels work on a NumPy array's own buffer or on a list's own slots.
#include <pybind11/embed.h>
#include <pybind11/numpy.h>

#include <Eigen/Dense>
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels.hpp"
#include "variant_registry.hpp"

namespace py = pybind11;

PYBIND11_EMBEDDED_MODULE(inplace_kernels, module) {
  module.doc() = R"doc(Compiled in-place kernels of experiments/inplace: the article's "write it in Cython".)doc";
  module.def(
      "scale_add",
      [](py::array_t<double, py::array::c_style> values, double scale, double offset) {
        double* data = values.mutable_data();  // throws if the array is read-only
        const auto count = static_cast<std::size_t>(values.size());
        py::gil_scoped_release no_python_needed;
        inplace::scale_add_in_place(data, count, scale, offset);
      },
      // noconvert: a float32 or strided array is refused, rather than silently copied and the copy changed.
      py::arg("values").noconvert(), py::arg("scale"), py::arg("offset"),
      R"doc(values[i] = values[i] * scale + offset, over the array's own buffer: no copy, no new array.

values must be a C-contiguous, writable float64 array.)doc");
  module.def(
      "scale_add_list",
      [](py::list values, double scale, double offset) {
        // What a Cython loop over a list compiles to: each element is still a float object, so each
        // new value is a new object, in the block that the previous old value freed.
        PyObject* list = values.ptr();
        const Py_ssize_t count = PyList_GET_SIZE(list);
        for (Py_ssize_t i = 0; i < count; ++i) {
          const double x = PyFloat_AsDouble(PyList_GET_ITEM(list, i));
          if (x == -1.0 && PyErr_Occurred()) throw py::error_already_set();
          PyObject* result = PyFloat_FromDouble(x * scale + offset);
          if (result == nullptr) throw py::error_already_set();
          if (PyList_SetItem(list, i, result) != 0) throw py::error_already_set();  // steals result, releases the old
        }
      },
      py::arg("values"), py::arg("scale"), py::arg("offset"),
      R"doc(values[i] = values[i] * scale + offset for a list of floats, in its own slots.)doc");
}

// The C++ variants. Every one starts from the same n values, i * 0.5, built before the phase starts.

namespace {

using Values = std::vector<double>;

double f(double x) { return x * inplace::kScale + inplace::kOffset; }

Values distinct_values(std::size_t n) {
  Values values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<double>(i) * 0.5;
  return values;
}

Eigen::VectorXd distinct_vector(std::size_t n) {
  Eigen::VectorXd values(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i) values[static_cast<Eigen::Index>(i)] = static_cast<double>(i) * 0.5;
  return values;
}

// Every variant computes the same thing: a wrong last value means a variant skipped its work.
void check_last(double last, std::size_t n) {
  if (n > 0 && last != f(static_cast<double>(n - 1) * 0.5)) throw std::logic_error("wrong result: " + std::to_string(last));
}

std::size_t size_of(const oomlab::MeasuredRun& run) { return static_cast<std::size_t>(run.size()); }

}  // namespace

OOMLAB_VARIANT(inplace, baseline, "std::transform into a new vector, then moved over the old one") {
  Values values = distinct_values(size_of(run));
  run.start();
  Values result(values.size());  // zero-filled first, as a std::vector of a size is
  std::transform(values.begin(), values.end(), result.begin(), f);
  values = std::move(result);  // the old buffer goes only now
  oomlab::keep_alive(values.data());
  run.stop();
  check_last(values.back(), size_of(run));
}

OOMLAB_VARIANT(inplace, remedy, "std::transform in place: its output is its own input") {
  Values values = distinct_values(size_of(run));
  run.start();
  inplace::scale_add_in_place(values.data(), values.size(), inplace::kScale, inplace::kOffset);
  oomlab::keep_alive(values.data());
  run.stop();
  check_last(values.back(), size_of(run));
}

OOMLAB_VARIANT(inplace, expression, "Eigen: VectorXd result = a.array() * k + b, a new vector swapped in") {
  Eigen::VectorXd a = distinct_vector(size_of(run));
  run.start();
  {
    Eigen::VectorXd result = (a.array() * inplace::kScale + inplace::kOffset).matrix();
    a.swap(result);
  }  // `result`, now the old buffer, goes here
  oomlab::keep_alive(a.data());
  run.stop();
  check_last(a[a.size() - 1], size_of(run));
}

OOMLAB_VARIANT(inplace, expression_into_self,
               "Eigen: a.array() = a.array() * k + b, evaluated element by element into a: no temporary") {
  Eigen::VectorXd a = distinct_vector(size_of(run));
  run.start();
  // Safe: a coefficient-wise expression reads a[i] before it writes a[i]. Eigen assumes no aliasing
  // here; it is products (a = m * a) that it evaluates into a temporary, and a = a.reverse() that breaks.
  a.array() = a.array() * inplace::kScale + inplace::kOffset;
  oomlab::keep_alive(a.data());
  run.stop();
  check_last(a[a.size() - 1], size_of(run));
}

OOMLAB_VARIANT(inplace, remedy_inplace_ops, "Eigen: a.array() *= k; a.array() += b: two passes over a, no new vector") {
  Eigen::VectorXd a = distinct_vector(size_of(run));
  run.start();
  a.array() *= inplace::kScale;
  a.array() += inplace::kOffset;
  oomlab::keep_alive(a.data());
  run.stop();
  check_last(a[a.size() - 1], size_of(run));
}
