// Lists of integers to NumPy arrays (the article's remedy 4, for integers), C++ side: the same n
// values as experiment.py, in containers shaped like a Python list (a pointer per value, to a new
// heap object or to one of a few shared ones) and in plain vectors. Mirrors experiment.py.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "variant_registry.hpp"

namespace {

std::int64_t large_value(std::int64_t i) { return 1000 + i; }
std::int64_t small_value(std::int64_t i) { return i % 256; }

// The shape of CPython's small-int cache: one shared object for each value from -5 to 256.
const std::array<std::int64_t, 262>& small_int_cache() {
  static const std::array<std::int64_t, 262> cache = [] {
    std::array<std::int64_t, 262> values{};
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<std::int64_t>(k) - 5;
    return values;
  }();
  return cache;
}

// Fills a vector of n elements with make(i) and holds it while the measured phase stops.
template <typename Element, typename Make>
void hold(oomlab::MeasuredRun& run, Make make) {
  const auto n = static_cast<std::size_t>(run.size());
  std::vector<Element> held;
  held.reserve(n);
  for (std::size_t i = 0; i < n; ++i) held.push_back(make(static_cast<std::int64_t>(i)));
  oomlab::keep_alive(held.data());
  run.stop();  // measure while it is alive
}

}  // namespace

OOMLAB_VARIANT(list_to_numpy_ints, baseline,
               "a vector of pointers to one heap int64 each: the shape of a Python list of large ints") {
  hold<std::unique_ptr<std::int64_t>>(run, [](std::int64_t i) { return std::make_unique<std::int64_t>(large_value(i)); });
}

OOMLAB_VARIANT(list_to_numpy_ints, remedy, "std::vector<int64_t> of the large values: 8 bytes each") {
  hold<std::int64_t>(run, large_value);
}

OOMLAB_VARIANT(list_to_numpy_ints, baseline_small,
               "a vector of pointers into one shared table of -5..256: the shape of a list of small ints") {
  hold<const std::int64_t*>(run, [](std::int64_t i) { return &small_int_cache()[small_value(i) + 5]; });
}

OOMLAB_VARIANT(list_to_numpy_ints, remedy_small, "std::vector<int64_t> of the small values: 8 bytes each") {
  hold<std::int64_t>(run, small_value);
}

OOMLAB_VARIANT(list_to_numpy_ints, remedy_small_uint8, "std::vector<uint8_t> of the small values: 1 byte each") {
  hold<std::uint8_t>(run, [](std::int64_t i) { return static_cast<std::uint8_t>(small_value(i)); });
}
