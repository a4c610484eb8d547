// del and rebinding (the article's remedy 3), C++ side: load → step 1 → step 2, each step a new
// vector of n doubles. The variants differ only in how long each vector lives; then memory that is
// freed but stays with the process. Mirrors experiment.py.
#include <malloc.h>

#include <algorithm>
#include <vector>

#include "variant_registry.hpp"

namespace {

using Values = std::vector<double>;
constexpr std::size_t kBlockValues = 8192;  // 64 KiB per block: below glibc's mmap threshold, on its heap

Values load(std::size_t n) {
  Values data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<double>(i) * 0.5;
  return data;
}

Values step1(const Values& data) {
  Values result(data.size());
  std::transform(data.begin(), data.end(), result.begin(), [](double x) { return x * 2.0; });
  return result;
}

Values step2(const Values& data) {
  Values result(data.size());
  std::transform(data.begin(), data.end(), result.begin(), [](double x) { return x + 1.0; });
  return result;
}

// The steps as a function that owns its input (taken by value): a caller that std::moves into it
// hands the buffer over, so it can be freed after step 1. Python's `del` of an argument cannot do
// that, because the caller still holds the list.
Values steps_owning_their_input(Values data1) {
  const Values data2 = step1(data1);
  Values().swap(data1);  // frees the buffer: nobody else refers to it
  return step2(data2);
}

}  // namespace

OOMLAB_VARIANT(del_and_rebind, baseline, "data1, data2, data3: three live vectors (~3 vectors)") {
  const Values data1 = load(run.size());
  const Values data2 = step1(data1);
  const Values data3 = step2(data2);
  oomlab::keep_alive(data1.data());
  oomlab::keep_alive(data2.data());
  oomlab::keep_alive(data3.data());
  run.stop();  // measure while they are alive
}

OOMLAB_VARIANT(del_and_rebind, remedy_rebind,
               "one vector, move-assigned at each step: the old buffer goes once the new exists (~2)") {
  Values data = load(run.size());
  data = step1(data);
  data = step2(data);
  oomlab::keep_alive(data.data());
  run.stop();
}

OOMLAB_VARIANT(del_and_rebind, remedy_scoped, "each input in a block that ends after its step (~2 vectors)") {
  Values data3;
  {
    Values data2;
    {
      const Values data1 = load(run.size());
      data2 = step1(data1);
    }  // data1 dies here
    data3 = step2(data2);
  }  // data2 dies here
  oomlab::keep_alive(data3.data());
  run.stop();
}

OOMLAB_VARIANT(del_and_rebind, remedy_move,
               "std::move into a function that owns its input and frees it after step 1 (~2 vectors)") {
  Values data1 = load(run.size());
  const Values data3 = steps_owning_their_input(std::move(data1));
  oomlab::keep_alive(data3.data());
  run.stop();
}

OOMLAB_VARIANT(del_and_rebind, remedy_clear, "clear() + shrink_to_fit() after each step: C++'s del (~2 vectors)") {
  Values data1 = load(run.size());
  Values data2 = step1(data1);
  data1.clear();
  data1.shrink_to_fit();  // a request, but libstdc++ reallocates to zero capacity: the buffer goes
  const Values data3 = step2(data2);
  data2.clear();
  data2.shrink_to_fit();
  oomlab::keep_alive(data3.data());
  run.stop();
}

OOMLAB_VARIANT(del_and_rebind, clear_only, "clear() alone: the size drops to 0 but the buffer stays (~3 vectors)") {
  Values data1 = load(run.size());
  Values data2 = step1(data1);
  data1.clear();  // capacity() is unchanged: nothing is freed
  const Values data3 = step2(data2);
  data2.clear();
  oomlab::keep_alive(data1.data());
  oomlab::keep_alive(data2.data());
  oomlab::keep_alive(data3.data());
  run.stop();
}

// Freed, but not given back to the OS: the same 64 KiB blocks as experiment.py's heap_* variants.

namespace {

std::vector<Values> load_blocks(std::size_t n) {
  const std::size_t count = std::max<std::size_t>(1, n / kBlockValues);
  std::vector<Values> blocks;
  blocks.reserve(count);  // the block list first, so the blocks follow each other up the heap
  for (std::size_t i = 0; i < count; ++i) blocks.emplace_back(kBlockValues, static_cast<double>(i) * 0.5);
  return blocks;
}

void free_all_blocks_but_the_last(oomlab::MeasuredRun& run, bool trim) {
  std::vector<Values> blocks = load_blocks(static_cast<std::size_t>(run.size()));
  const Values last = std::move(blocks.back());  // the top of the heap: free() shrinks it only from the top
  std::vector<Values>().swap(blocks);
  if (trim) ::malloc_trim(0);
  run.note_rss("after_free");
  oomlab::keep_alive(last.data());
  run.stop();
}

}  // namespace

OOMLAB_VARIANT(del_and_rebind, heap_held, "the n values in 64 KiB blocks, all held: the reference for the two below") {
  const std::vector<Values> blocks = load_blocks(static_cast<std::size_t>(run.size()));
  for (const Values& block : blocks) oomlab::keep_alive(block.data());
  run.stop();
}

OOMLAB_VARIANT(del_and_rebind, heap_kept, "free every block but the last: glibc keeps the freed heap, RSS stays") {
  free_all_blocks_but_the_last(run, false);
}

OOMLAB_VARIANT(del_and_rebind, heap_trimmed, "the same, then malloc_trim(0): the free pages go back to the OS") {
  free_all_blocks_but_the_last(run, true);
}
