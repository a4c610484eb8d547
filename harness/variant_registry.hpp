// C++ variants register themselves at start-up with OOMLAB_VARIANT, next to their code:
// there is no central list to edit.
//
//   OOMLAB_VARIANT(list_to_numpy, remedy, "std::vector<double>: 8 bytes per element") {
//     std::vector<double> values(run.size());   // `run` is the oomlab::MeasuredRun
//     ...
//   }
//
// The experiment name must match the folder experiments/<name>/, and variant names match the
// Python variants (`baseline`, `remedy`, `remedy_<tag>`), so the report can pair them.
#pragma once

#include <string>
#include <vector>

#include "measured_run.hpp"

namespace oomlab {

using CppVariantFunction = void (*)(MeasuredRun& run);

struct CppVariant {
  std::string experiment;
  std::string name;
  std::string doc;
  CppVariantFunction function = nullptr;
};

// All registered variants, in registration order.
const std::vector<CppVariant>& registered_cpp_variants();

// The variant `name` of `experiment`, or nullptr.
const CppVariant* find_cpp_variant(const std::string& experiment, const std::string& name);

// Used by OOMLAB_VARIANT; returns true so it can initialise a static.
bool register_cpp_variant(const char* experiment, const char* name, const char* doc,
                          CppVariantFunction function);

}  // namespace oomlab

#define OOMLAB_VARIANT(experiment, variant, doc)                                              \
  static void oomlab_variant_##experiment##_##variant(::oomlab::MeasuredRun& run);          \
  [[maybe_unused]] static const bool oomlab_registered_##experiment##_##variant =           \
      ::oomlab::register_cpp_variant(#experiment, #variant, doc,                            \
                                     &oomlab_variant_##experiment##_##variant);             \
  static void oomlab_variant_##experiment##_##variant([[maybe_unused]] ::oomlab::MeasuredRun& run)
