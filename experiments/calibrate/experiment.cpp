// Calibration, C++ side: make exactly run.size() MiB resident.
#include <cstring>
#include <memory>

#include "variant_registry.hpp"

OOMLAB_VARIANT(calibrate, buffer, "a heap buffer of K MiB, every page written") {
  const std::size_t bytes = static_cast<std::size_t>(run.size()) * 1024 * 1024;
  // new[] of a large block gets fresh pages from mmap: not resident until written.
  std::unique_ptr<unsigned char[]> buffer(new unsigned char[bytes]);
  std::memset(buffer.get(), 1, bytes);
  oomlab::keep_alive(buffer.get());
  run.stop();  // measure while the buffer is alive
}
