// Lists of short strings to NumPy arrays (the article's remedy 4, for text), C++ side: the same n
// codes as experiment.py in C++'s natural container, std::vector<std::string>, in fixed-width
// records like NumPy's S dtype, and packed into one buffer with offsets. Mirrors experiment.py.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "variant_registry.hpp"

namespace {

constexpr std::size_t kLongestCode = 12;

// 3 to 12 characters, 7.5 on average.
std::size_t code_length(std::uint64_t i) { return 3 + i % 10; }

// The i-th code: the first code_length(i) of 12 hex digits of a multiplicative hash of i.
std::string code(std::uint64_t i) {
  char digits[kLongestCode + 1];
  const std::uint64_t hash = i * std::uint64_t{2654435761} % (std::uint64_t{1} << 48);
  std::snprintf(digits, sizeof digits, "%012" PRIx64, hash);
  return std::string(digits, code_length(i));
}

}  // namespace

OOMLAB_VARIANT(list_to_numpy_strings, baseline,
               "std::vector<std::string>: 32 bytes each, the characters inline (short-string optimisation)") {
  const auto n = static_cast<std::uint64_t>(run.size());
  std::vector<std::string> held;
  held.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) held.push_back(code(i));
  oomlab::keep_alive(held.data());
  run.stop();  // measure while it is alive
}

OOMLAB_VARIANT(list_to_numpy_strings, remedy_bytes,
               "fixed-width 12-byte records, zero-padded: the layout of NumPy's S12") {
  const auto n = static_cast<std::uint64_t>(run.size());
  std::vector<char> held(n * kLongestCode, '\0');
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string text = code(i);
    std::memcpy(held.data() + i * kLongestCode, text.data(), text.size());
  }
  oomlab::keep_alive(held.data());
  run.stop();
}

OOMLAB_VARIANT(list_to_numpy_strings, remedy_packed,
               "all characters in one buffer, plus an int64 end offset per string (Arrow's layout)") {
  const auto n = static_cast<std::uint64_t>(run.size());
  // String i is characters[ends[i - 1], ends[i]). The lengths are known first, so the buffer is
  // allocated once, exactly (growing it by doubling would leave up to half of it unused).
  std::vector<std::int64_t> ends(n);
  std::int64_t total = 0;
  for (std::uint64_t i = 0; i < n; ++i) ends[i] = total += static_cast<std::int64_t>(code_length(i));
  std::string characters;
  characters.reserve(static_cast<std::size_t>(total));
  for (std::uint64_t i = 0; i < n; ++i) characters += code(i);
  oomlab::keep_alive(characters.data());
  oomlab::keep_alive(ends.data());
  run.stop();
}
