// Measuring first (beyond the article), C++ side: the RSS half of experiment.py (C++ has no
// tracemalloc). The same kinds of memory: a written array, an array never written, a zstd compressor
// at level 19, and a file mapped and read. Mirrors experiment.py.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "variant_registry.hpp"

namespace {

constexpr int kZstdLevel = 19;
constexpr std::size_t kZstdChunk = 65536;

}  // namespace

OOMLAB_VARIANT(measuring_first, array, "std::vector<double>, written: 8 B per element") {
  std::vector<double> held(run.size(), 0.5);
  oomlab::keep_alive(held.data());
  run.stop();  // measure while it is alive
}

OOMLAB_VARIANT(measuring_first, array_untouched,
               "calloc never written: the pages are never touched, so no RSS (np.zeros does the same)") {
  auto* held = static_cast<double*>(std::calloc(run.size(), sizeof(double)));
  oomlab::keep_alive(held);
  run.stop();
  std::free(held);
}

namespace {

// One 64 KiB chunk through a zstd streaming compressor at level 19, measured from the context's
// creation to the flush. With `pledged`, zstd is told the input's size first and sizes its tables
// to it; without, as python-zstandard's compressobj() with no size, it prepares for any length.
void compress_one_chunk(oomlab::MeasuredRun& run, bool pledged) {
  const std::vector<double> chunk(kZstdChunk / sizeof(double), 0.5);
  run.start();  // the input chunk is not the lesson
  ZSTD_CCtx* context = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, kZstdLevel);
  if (pledged) ZSTD_CCtx_setPledgedSrcSize(context, kZstdChunk);  // as compressobj(size=...) does
  std::vector<char> compressed(ZSTD_compressBound(kZstdChunk));
  ZSTD_inBuffer input{chunk.data(), kZstdChunk, 0};
  ZSTD_outBuffer output{compressed.data(), compressed.size(), 0};
  // As python-zstandard's compressobj: compress() continues a stream, flush() ends it. (Ending on
  // the first call would tell zstd the whole input, and it would size its tables to 64 KiB.)
  ZSTD_compressStream2(context, &output, &input, ZSTD_e_continue);
  while (ZSTD_compressStream2(context, &output, &input, ZSTD_e_end) != 0) {
  }
  oomlab::keep_alive(compressed.data());
  run.stop();
  ZSTD_freeCCtx(context);
}

}  // namespace

OOMLAB_VARIANT(measuring_first, c_library,
               "a zstd streaming compressor at level 19, fed one 64 KiB chunk, then flushed") {
  compress_one_chunk(run, /*pledged=*/false);
}

OOMLAB_VARIANT(measuring_first, c_library_sized,
               "the same compressor told the input's size first (a pledged size): zstd sizes its tables to 64 KiB") {
  compress_one_chunk(run, /*pledged=*/true);
}

OOMLAB_VARIANT(measuring_first, file_mapped, "an 8n-byte file mapped with mmap and read: its pages count in RSS") {
  const std::size_t size_bytes = run.size() * sizeof(double);
  // The harness's scratch folder (TMPDIR, on the local disk; /tmp may be RAM).
  const char* folder = std::getenv("TMPDIR");
  std::string path = std::string(folder ? folder : "/var/tmp") + "/oomlab-measuring-first-XXXXXX";
  const int file = ::mkstemp(path.data());
  if (file < 0) throw std::runtime_error("mkstemp failed");
  ::unlink(path.c_str());  // the file lives while it is open
  {
    const std::vector<double> values(run.size(), 0.5);
    if (::write(file, values.data(), size_bytes) != static_cast<ssize_t>(size_bytes))
      throw std::runtime_error("write failed");
  }
  run.start();  // the file is in the page cache, not mapped
  void* mapped = ::mmap(nullptr, size_bytes, PROT_READ, MAP_PRIVATE, file, 0);
  if (mapped == MAP_FAILED) throw std::runtime_error("mmap failed");
  const auto* values = static_cast<const double*>(mapped);
  const double total = std::accumulate(values, values + run.size(), 0.0);  // maps every page
  oomlab::keep_alive(&total);
  run.stop();
  ::munmap(mapped, size_bytes);
  ::close(file);
}
