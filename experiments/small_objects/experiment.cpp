// A million small records (beyond the article), C++ side: the same n records (id, x, y) =
// (i, i * 0.5, i * 0.25) as experiment.py, in the three shapes C++ code takes. Mirrors experiment.py.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "variant_registry.hpp"

namespace {

struct Record {
  std::int64_t id;
  double x;
  double y;
};

Record record(std::int64_t i) { return {i, i * 0.5, i * 0.25}; }

}  // namespace

OOMLAB_VARIANT(small_objects, baseline_dict,
               "a std::map<std::string, double> per record: a tree node per field, the shape of a dict") {
  const auto n = static_cast<std::int64_t>(run.size());
  std::vector<std::map<std::string, double>> held;
  held.reserve(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const Record r = record(i);
    held.push_back({{"id", static_cast<double>(r.id)}, {"x", r.x}, {"y", r.y}});
  }
  oomlab::keep_alive(held.data());
  run.stop();  // measure while it is alive
}

OOMLAB_VARIANT(small_objects, remedy_slots,
               "a pointer to one heap struct per record: the shape of a list of __slots__ instances") {
  const auto n = static_cast<std::int64_t>(run.size());
  std::vector<std::unique_ptr<Record>> held;
  held.reserve(n);
  for (std::int64_t i = 0; i < n; ++i) held.push_back(std::make_unique<Record>(record(i)));
  oomlab::keep_alive(held.data());
  run.stop();
}

OOMLAB_VARIANT(small_objects, remedy_structured,
               "std::vector<Record>: the structs side by side, 24 bytes each, like a structured array") {
  const auto n = static_cast<std::int64_t>(run.size());
  std::vector<Record> held;
  held.reserve(n);
  for (std::int64_t i = 0; i < n; ++i) held.push_back(record(i));
  oomlab::keep_alive(held.data());
  run.stop();
}
