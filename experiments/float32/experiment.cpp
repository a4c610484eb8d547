// float32 instead of float64 (the article's remedy 5), C++ side: the same work as experiment.py on
// Eigen vectors and matrices of double (VectorXd, MatrixXd), float (VectorXf, MatrixXf) and
// Eigen::half. Mirrors experiment.py.
#include <Eigen/Core>

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <type_traits>

#include "variant_registry.hpp"

namespace {

constexpr double kScale = 1.5;
constexpr Eigen::Index kMatrixWidth = 16;
// Steps of the sequences 1 + frac(i * step) that fill a, b and the weights, as in experiment.py.
constexpr double kAStep = 0.6180339887498949, kBStep = 0.4142135623730951, kWeightsStep = 0.7548776662466927;
// The running-sum probe: 10^7 times 0.1, whatever the run's size.
constexpr long kSumTerms = 10'000'000;
constexpr double kSumTerm = 0.1;

template <typename Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
// Row-major like NumPy's reshape: row i of the data matrix is a[16 i] ... a[16 i + 15].
template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// n values 1 + frac(i * step), computed in double and stored as Scalar.
template <typename Scalar>
Vector<Scalar> values(Eigen::Index n, double step) {
  Vector<Scalar> out(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double scaled = static_cast<double>(i) * step;
    out[i] = static_cast<Scalar>(1.0 + (scaled - std::floor(scaled)));
  }
  return out;
}

template <typename Scalar>
struct Results {
  Vector<Scalar> a, b, scaled;
  Scalar total{0};
  Matrix<Scalar> product;
};

using Seconds = std::map<std::string, double>;

// Runs `step` and stores the time it took as seconds[name].
template <typename Step>
void timed(Seconds& seconds, const std::string& name, Step&& step) {
  const auto started = std::chrono::steady_clock::now();
  step();
  seconds[name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// The typical work in Scalar: scale-and-add, a sum, a matrix product; step times go to `seconds`.
template <typename Scalar>
Results<Scalar> workload(Eigen::Index n, Seconds& seconds) {
  Results<Scalar> results;
  results.a = values<Scalar>(n, kAStep);
  results.b = values<Scalar>(n, kBStep);
  const Matrix<Scalar> weights =
      Eigen::Map<const Matrix<Scalar>>(values<Scalar>(kMatrixWidth * kMatrixWidth, kWeightsStep).data(),
                                       kMatrixWidth, kMatrixWidth);
  timed(seconds, "scale_add_seconds", [&] { results.scaled = results.a * Scalar(kScale) + results.b; });
  timed(seconds, "sum_seconds", [&] { results.total = results.a.sum(); });
  const Eigen::Index rows = n / kMatrixWidth;
  timed(seconds, "matmul_seconds", [&] {
    // noalias: without it Eigen evaluates a product into a temporary first, an extra n values.
    results.product.noalias() = Eigen::Map<const Matrix<Scalar>>(results.a.data(), rows, kMatrixWidth) * weights;
  });
  return results;
}

// max |result - reference| / |reference| over the elements; nothing if not finite (an overflow).
template <typename Derived, typename ReferenceDerived>
std::optional<double> max_relative_error(const Eigen::DenseBase<Derived>& result,
                                         const Eigen::DenseBase<ReferenceDerived>& reference) {
  const auto as_double = result.derived().template cast<double>().array();
  const double error = ((as_double - reference.derived().array()).abs() / reference.derived().array().abs()).maxCoeff();
  return std::isfinite(error) ? std::optional<double>(error) : std::nullopt;
}

std::optional<double> relative_error(double result, double reference) {
  const double error = std::abs(result - reference) / std::abs(reference);
  return std::isfinite(error) ? std::optional<double>(error) : std::nullopt;
}

// Errors against the double reference, and the running-sum probe; runs after run.stop().
template <typename Scalar>
void record_precision(oomlab::MeasuredRun& run, const Results<Scalar>& results) {
  // The baseline is its own reference (its errors are 0 by definition); the others compute one.
  const Results<double>* reference = nullptr;
  Results<double> computed_reference;
  if constexpr (std::is_same_v<Scalar, double>) {
    reference = &results;
  } else {
    Seconds ignored;
    computed_reference = workload<double>(run.size(), ignored);
    reference = &computed_reference;
  }
  const Scalar term = static_cast<Scalar>(kSumTerm);
  const double exact_sum = kSumTerms * static_cast<double>(term);  // of the stored terms: only adding is judged
  Scalar running{0};
  for (long i = 0; i < kSumTerms; ++i) running += term;  // one term at a time, as np.cumsum does
  const Scalar library_sum = Vector<Scalar>::Constant(kSumTerms, term).sum();  // Eigen: a few SIMD lanes
  const std::map<std::string, std::optional<double>> errors = {
      {"scale_add_error_ratio", max_relative_error(results.scaled, reference->scaled)},
      {"sum_error_ratio", relative_error(static_cast<double>(results.total), reference->total)},
      {"matmul_error_ratio", max_relative_error(results.product, reference->product)},
      {"naive_sum_error_ratio", relative_error(static_cast<double>(running), exact_sum)},
      {"library_sum_error_ratio", relative_error(static_cast<double>(library_sum), exact_sum)},
  };
  int overflowed = 0;
  for (const auto& [name, error] : errors) {
    if (error) run.add_metric(name, *error); else ++overflowed;
  }
  // Eigen::half overflows above 65504: an infinite result has no relative error worth a number.
  run.add_metric("overflowed_results_count", overflowed);
}

// Runs the workload in Scalar, stops while its arrays are alive, then records time and precision.
template <typename Scalar>
void measure(oomlab::MeasuredRun& run) {
  Seconds seconds;
  const Results<Scalar> results = workload<Scalar>(run.size(), seconds);
  oomlab::keep_alive(results.scaled.data());
  oomlab::keep_alive(results.product.data());
  run.stop();  // a, b, scaled and product are alive: the peak has seen all four
  for (const auto& [name, value] : seconds) run.add_metric(name, value);
  record_precision(run, results);
}

}  // namespace

OOMLAB_VARIANT(float32, baseline,
               "Eigen VectorXd/MatrixXd: 8 bytes per value; the reference for memory, time and precision") {
  measure<double>(run);
}

OOMLAB_VARIANT(float32, remedy, "Eigen VectorXf/MatrixXf: 4 bytes per value, a 24-bit mantissa") {
  measure<float>(run);
}

OOMLAB_VARIANT(float32, remedy_float16,
               "Eigen::half: 2 bytes per value, but an 11-bit mantissa, a maximum of 65504 and no CPU arithmetic") {
  measure<Eigen::half>(run);
}
