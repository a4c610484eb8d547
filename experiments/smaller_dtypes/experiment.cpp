// Smaller dtypes (beyond the article), C++ side: the same three data sets as experiment.py (levels
// 0..199, city labels, a 1%-dense matrix) in the narrowest type each allows. Mirrors experiment.py.
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "variant_registry.hpp"

namespace {

constexpr std::int64_t kLevels = 200;  // levels are 0..199: they fit uint8 and int16
const std::vector<std::string> kCities = {"Tokyo",   "Yokohama", "Osaka", "Nagoya",
                                          "Sapporo", "Fukuoka",  "Kobe",  "Kyoto"};
constexpr std::int64_t kColumns = 1000;      // the matrix is (n / 1000) × 1000
constexpr std::int64_t kNonzeroPerRow = 10;  // 1% density

// The n levels, i % 200, in a vector of T.
template <typename T>
std::vector<T> levels(std::int64_t n) {
  std::vector<T> held(n);
  for (std::int64_t i = 0; i < n; ++i) held[i] = static_cast<T>(i % kLevels);
  return held;
}

// The i-th label as a reader makes it: a new string each time.
std::string label(std::int64_t i) { return kCities[i % static_cast<std::int64_t>(kCities.size())]; }

// Row r has its 10 non-zeros at columns (100 j + r) % 1000, values 1 to 7 (as experiment.py).
std::int64_t nonzero_column(std::int64_t r, std::int64_t j) {
  return j * (kColumns / kNonzeroPerRow) + r % (kColumns / kNonzeroPerRow);
}
double nonzero_value(std::int64_t k) { return static_cast<double>(k % 7 + 1); }

template <typename T>
void hold_levels(oomlab::MeasuredRun& run) {
  auto held = levels<T>(run.size());
  oomlab::keep_alive(held.data());
  run.stop();  // measure while it is alive
}

}  // namespace

OOMLAB_VARIANT(smaller_dtypes, baseline_int64, "levels as std::vector<int64_t>: 8 B each") {
  hold_levels<std::int64_t>(run);
}

OOMLAB_VARIANT(smaller_dtypes, remedy_int16, "levels as std::vector<int16_t>: 2 B each") {
  hold_levels<std::int16_t>(run);
}

OOMLAB_VARIANT(smaller_dtypes, remedy_uint8, "levels as std::vector<uint8_t>: 1 B each") {
  hold_levels<std::uint8_t>(run);
}

OOMLAB_VARIANT(smaller_dtypes, baseline_labels,
               "std::vector<std::string>: 32 B each, the characters inline (short-string optimisation)") {
  const auto n = run.size();
  std::vector<std::string> held;
  held.reserve(n);
  for (std::int64_t i = 0; i < n; ++i) held.push_back(label(i));
  oomlab::keep_alive(held.data());
  run.stop();
}

OOMLAB_VARIANT(smaller_dtypes, remedy_categorical_stream,
               "codes assigned while reading (a hash map from label to code): uint8 codes + the categories") {
  const auto n = run.size();
  std::unordered_map<std::string, std::uint8_t> code_of;
  std::vector<std::string> categories;
  std::vector<std::uint8_t> codes(n);
  for (std::int64_t i = 0; i < n; ++i) {
    auto [where, is_new] = code_of.try_emplace(label(i), static_cast<std::uint8_t>(categories.size()));
    if (is_new) categories.push_back(where->first);
    codes[i] = where->second;
  }
  oomlab::keep_alive(codes.data());
  run.stop();
}

OOMLAB_VARIANT(smaller_dtypes, baseline_dense,
               "a dense row-major matrix of doubles, 99% zeros: 8 B per element; then its row sums") {
  const std::int64_t rows = run.size() / kColumns;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> matrix =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(rows, kColumns);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < kNonzeroPerRow; ++j)
      matrix(r, nonzero_column(r, j)) = nonzero_value(r * kNonzeroPerRow + j);
  const Eigen::VectorXd row_sums = matrix.rowwise().sum();
  oomlab::keep_alive(matrix.data());
  oomlab::keep_alive(row_sums.data());
  run.stop();
}

OOMLAB_VARIANT(smaller_dtypes, remedy_sparse,
               "Eigen::SparseMatrix (CSR, int indices): 8 B value + 4 B column per non-zero, 4 B per row") {
  const std::int64_t rows = run.size() / kColumns;
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> matrix(rows, kColumns);
  matrix.reserve(Eigen::VectorXi::Constant(rows, kNonzeroPerRow));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < kNonzeroPerRow; ++j)  // columns in rising order within the row
      matrix.insert(r, nonzero_column(r, j)) = nonzero_value(r * kNonzeroPerRow + j);
  matrix.makeCompressed();
  const Eigen::VectorXd row_sums = matrix * Eigen::VectorXd::Ones(kColumns);
  oomlab::keep_alive(matrix.valuePtr());
  oomlab::keep_alive(row_sums.data());
  run.stop();
}
