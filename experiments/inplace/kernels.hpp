// The kernel of the inplace experiment, shared by its variants and Python module (experiment.cpp) and
// its microbenchmarks (bench.cpp): x → scale·x + offset, written over the input, one pass.
#pragma once

#include <algorithm>
#include <cstddef>

namespace inplace {

// The experiment's function f(x) = 2x + 1, as in experiment.py.
constexpr double kScale = 2.0;
constexpr double kOffset = 1.0;

// REQUIRES: values points to count doubles that nothing else is reading or writing.
// std::transform whose output is its own input: each element is read, then overwritten.
inline void scale_add_in_place(double* values, std::size_t count, double scale, double offset) {
  std::transform(values, values + count, values, [scale, offset](double x) { return x * scale + offset; });
}

}  // namespace inplace
