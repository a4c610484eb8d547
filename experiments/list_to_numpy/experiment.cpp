// Lists to NumPy arrays (the article's remedy 4), C++ side: the same n values, i * 0.5, held in a
// container shaped like a Python list, and in a plain vector. Mirrors experiment.py.
#include <memory>
#include <vector>

#include "variant_registry.hpp"

OOMLAB_VARIANT(list_to_numpy, baseline,
               "a vector of pointers to one heap double each: the shape of a Python list of floats") {
  const auto n = static_cast<std::size_t>(run.size());
  std::vector<std::unique_ptr<double>> held;
  held.reserve(n);
  for (std::size_t i = 0; i < n; ++i) held.push_back(std::make_unique<double>(i * 0.5));
  oomlab::keep_alive(held.data());
  run.stop();  // measure while it is alive
}

OOMLAB_VARIANT(list_to_numpy, remedy, "std::vector<double>: the values side by side, 8 bytes each") {
  const auto n = static_cast<std::size_t>(run.size());
  std::vector<double> held;
  held.reserve(n);
  for (std::size_t i = 0; i < n; ++i) held.push_back(i * 0.5);
  oomlab::keep_alive(held.data());
  run.stop();
}
