// The registry behind OOMLAB_VARIANT.
#include "variant_registry.hpp"

namespace oomlab {
namespace {

// A function-local static, so registrations from any translation unit find it constructed.
std::vector<CppVariant>& registry() {
  static std::vector<CppVariant> variants;
  return variants;
}

}  // namespace

const std::vector<CppVariant>& registered_cpp_variants() { return registry(); }

const CppVariant* find_cpp_variant(const std::string& experiment, const std::string& name) {
  for (const CppVariant& variant : registry()) {
    if (variant.experiment == experiment && variant.name == name) return &variant;
  }
  return nullptr;
}

bool register_cpp_variant(const char* experiment, const char* name, const char* doc,
                          CppVariantFunction function) {
  registry().push_back(CppVariant{experiment, name, doc, function});
  return true;
}

}  // namespace oomlab
