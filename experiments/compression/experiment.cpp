// Compression in memory (the article's remedy 7), C++ side: the same chunks, stores and access
// patterns as experiment.py, with the zstd C API (one context each way, reused for every chunk).
// Mirrors experiment.py; the data kinds and codecs are in compression_data.hpp.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compression_data.hpp"
#include "variant_registry.hpp"

namespace {

using compression::Kind;
using compression::kChunkBytes;
using Bytes = std::vector<unsigned char>;
using Clock = std::chrono::steady_clock;

constexpr double kMB = 1e6;  // throughputs are in MB/s, 10^6 bytes per second, as `zstd -b` prints them

double seconds_since(Clock::time_point started) {
  return std::chrono::duration<double>(Clock::now() - started).count();
}

class Store {
 public:
  virtual ~Store() = default;
  virtual void put(std::size_t index, const unsigned char* chunk) = 0;
  // The chunk's bytes, readable until the next get.
  virtual const unsigned char* get(std::size_t index) = 0;
  virtual std::size_t stored_bytes() const = 0;
  // The names of the put and get throughputs ("compress", "decompress"), if they have any.
  virtual std::optional<std::pair<const char*, const char*>> throughput_names() const { return std::nullopt; }
  virtual std::optional<double> context_bytes() const { return std::nullopt; }
  // (length, bytes allocated for it) of chunk 0's blob, for a store that keeps blobs.
  virtual std::optional<std::pair<double, double>> first_blob_bytes() const { return std::nullopt; }
};

// Each chunk's bytes as they are: the baseline.
class RawStore : public Store {
 public:
  void put(std::size_t, const unsigned char* chunk) override { chunks_.emplace_back(chunk, chunk + kChunkBytes); }
  const unsigned char* get(std::size_t index) override { return chunks_[index].data(); }
  std::size_t stored_bytes() const override { return chunks_.size() * kChunkBytes; }

 private:
  std::vector<Bytes> chunks_;
};

// Each chunk compressed on its own into a blob of its exact size; one is decompressed per access.
template <typename Codec>
class CodecStore : public Store {
 public:
  template <typename... CodecArguments>
  explicit CodecStore(CodecArguments... arguments)
      : codec_(arguments...), compressed_(codec_.bound(kChunkBytes)), chunk_(kChunkBytes) {}

  void put(std::size_t, const unsigned char* chunk) override {
    const std::size_t size = codec_.compress(chunk, kChunkBytes, compressed_.data(), compressed_.size());
    blobs_.emplace_back(compressed_.begin(), compressed_.begin() + static_cast<std::ptrdiff_t>(size));
  }

  const unsigned char* get(std::size_t index) override {
    codec_.decompress(blobs_[index].data(), blobs_[index].size(), chunk_.data(), kChunkBytes);
    return chunk_.data();
  }

  std::size_t stored_bytes() const override {
    std::size_t total = 0;
    for (const Bytes& blob : blobs_) total += blob.size();
    return total;
  }
  std::optional<std::pair<const char*, const char*>> throughput_names() const override {
    return std::make_pair("compress", "decompress");
  }
  std::optional<double> context_bytes() const override { return codec_.context_bytes(); }
  std::optional<std::pair<double, double>> first_blob_bytes() const override {
    if (blobs_.empty()) return std::nullopt;
    return std::make_pair(static_cast<double>(blobs_.front().size()), static_cast<double>(blobs_.front().capacity()));
  }

 private:
  Codec codec_;
  Bytes compressed_;  // room for the largest possible blob, reused; each blob is copied out at its size
  Bytes chunk_;       // the decompressed chunk, reused
  std::vector<Bytes> blobs_;
};

// The intermediate-files alternative: each chunk written to its own file in a temporary folder and
// read back. Cold: every file is flushed to the device and dropped from the page cache after each
// write and read, as when memory is too short to cache it. The folder is removed at the end.
class FileStore : public Store {
 public:
  explicit FileStore(bool cold) : cold_(cold), chunk_(kChunkBytes) {
    std::string pattern = (std::filesystem::temp_directory_path() / "oomlab-compression-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    folder_ = pattern;
  }
  ~FileStore() override {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  void put(std::size_t index, const unsigned char* chunk) override {
    const std::string path = path_of(index);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (!file || std::fwrite(chunk, 1, kChunkBytes, file) != kChunkBytes || std::fclose(file) != 0)
      throw std::runtime_error("cannot write " + path);
    if (cold_) forget(path, true);
  }

  const unsigned char* get(std::size_t index) override {
    const std::string path = path_of(index);
    const int fd = ::open(path.c_str(), O_RDONLY);
    std::size_t done = 0;
    while (fd >= 0 && done < kChunkBytes) {
      const ssize_t got = ::read(fd, chunk_.data() + done, kChunkBytes - done);
      if (got <= 0) break;
      done += static_cast<std::size_t>(got);
    }
    if (fd >= 0) ::close(fd);
    if (done != kChunkBytes) throw std::runtime_error("cannot read " + path);
    if (cold_) forget(path, false);
    return chunk_.data();
  }

  std::size_t stored_bytes() const override { return 0; }  // nothing stays in this process's memory
  std::optional<std::pair<const char*, const char*>> throughput_names() const override {
    return std::make_pair("write", "read");
  }

 private:
  std::string path_of(std::size_t index) const {
    char name[32];
    std::snprintf(name, sizeof name, "chunk_%06zu.bin", index);
    return (folder_ / name).string();
  }

  static void forget(const std::string& path, bool flush) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw std::runtime_error("cannot open " + path);
    if (flush) ::fsync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }

  bool cold_;
  std::filesystem::path folder_;
  Bytes chunk_;
};

// Fill the store chunk by chunk, scan every chunk once, then read 32 chunks at random; stop the
// measurement while the store is alive and record ratio, throughputs and costs per access.
void run_flow(oomlab::MeasuredRun& run, Kind kind, Store& store) {
  const std::size_t chunks = static_cast<std::size_t>(run.size()) * (std::size_t{1} << 20) / kChunkBytes;
  Bytes chunk(kChunkBytes);  // only one raw chunk alive at a time
  double store_seconds = 0;
  for (std::size_t index = 0; index < chunks; ++index) {
    compression::fill_chunk(kind, index, chunk.data());
    const auto started = Clock::now();
    store.put(index, chunk.data());
    store_seconds += seconds_since(started);
  }
  double get_seconds = 0, checksum = 0;
  const auto scan_started = Clock::now();
  for (std::size_t index = 0; index < chunks; ++index) {
    const auto started = Clock::now();
    const unsigned char* readable = store.get(index);
    get_seconds += seconds_since(started);
    checksum += compression::use_chunk(kind, readable);
  }
  const double scan_seconds = seconds_since(scan_started);
  const auto access_started = Clock::now();
  for (std::size_t access = 0; access < compression::kRandomAccesses; ++access) {
    const std::size_t index = compression::random_u64(compression::kAccessStream, access) % chunks;
    checksum += compression::use_chunk(kind, store.get(index));
  }
  const double access_seconds = seconds_since(access_started) / compression::kRandomAccesses;
  oomlab::keep_alive(&checksum);
  run.stop();  // measured while the store is alive

  const double raw_bytes = static_cast<double>(chunks * kChunkBytes);
  const double stored_bytes = static_cast<double>(store.stored_bytes());
  run.add_metric("raw_bytes", raw_bytes);
  run.add_metric("chunk_bytes", kChunkBytes);
  run.add_metric("stored_bytes", stored_bytes);
  if (stored_bytes > 0) run.add_metric("compression_ratio", raw_bytes / stored_bytes);
  run.add_metric("entropy_bound_ratio", compression::entropy_bound_ratio(kind));
  run.add_metric("store_seconds", store_seconds);
  run.add_metric("scan_seconds", scan_seconds);
  run.add_metric("access_seconds", access_seconds);
  if (const auto names = store.throughput_names()) {
    run.add_metric(std::string(names->first) + "_mb_per_second", raw_bytes / kMB / store_seconds);
    run.add_metric(std::string(names->second) + "_mb_per_second", raw_bytes / kMB / get_seconds);
  }
  if (const auto context = store.context_bytes()) run.add_metric("codec_context_bytes", *context);
  if (const auto blob = store.first_blob_bytes()) {
    run.add_metric("blob_bytes", blob->first);
    run.add_metric("blob_allocated_bytes", blob->second);  // the vector's capacity: what it asked malloc for
  }
}

template <typename Codec, typename... CodecArguments>
void run_codec(oomlab::MeasuredRun& run, Kind kind, CodecArguments... arguments) {
  CodecStore<Codec> store(arguments...);
  run_flow(run, kind, store);
}

}  // namespace

OOMLAB_VARIANT(compression, baseline, "raw chunks of the smooth series in memory: size MiB, compression ratio 1") {
  RawStore store;
  run_flow(run, Kind::smooth, store);
}

OOMLAB_VARIANT(compression, remedy_zstd_1_random, "zstd level 1 on random doubles: almost nothing to gain") {
  run_codec<compression::Zstd>(run, Kind::random, 1);
}

OOMLAB_VARIANT(compression, remedy_zstd_1_smooth, "zstd level 1 on the smooth sensor series") {
  run_codec<compression::Zstd>(run, Kind::smooth, 1);
}

OOMLAB_VARIANT(compression, remedy_zstd_1_continuous, "zstd level 1 on a smooth series at full precision") {
  run_codec<compression::Zstd>(run, Kind::continuous, 1);
}

OOMLAB_VARIANT(compression, remedy_zstd_1_smallint, "zstd level 1 on int64 values 0..15") {
  run_codec<compression::Zstd>(run, Kind::smallint, 1);
}

OOMLAB_VARIANT(compression, remedy_zstd_1_sparse, "zstd level 1 on a float64 array that is 99% zeros") {
  run_codec<compression::Zstd>(run, Kind::sparse, 1);
}

OOMLAB_VARIANT(compression, remedy_zstd_1_text, "zstd level 1 on JSON-like text records of 64 bytes") {
  run_codec<compression::Zstd>(run, Kind::text, 1);
}

OOMLAB_VARIANT(compression, remedy_zstd_3_text, "zstd level 3 (its default) on the text records") {
  run_codec<compression::Zstd>(run, Kind::text, 3);
}

OOMLAB_VARIANT(compression, remedy_zstd_9_text, "zstd level 9 on the text records") {
  run_codec<compression::Zstd>(run, Kind::text, 9);
}

OOMLAB_VARIANT(compression, remedy_zstd_19_text, "zstd level 19 on the text records: the smallest store, at a fraction of level 1's speed") {
  run_codec<compression::Zstd>(run, Kind::text, 19);
}

OOMLAB_VARIANT(compression, remedy_zlib_text, "zlib (default level 6) on the text records") {
  run_codec<compression::Zlib>(run, Kind::text);
}

OOMLAB_VARIANT(compression, remedy_shuffle_zstd_smooth, "byte-shuffled sensor series, then zstd level 1") {
  run_codec<compression::Shuffled<compression::Zstd>>(run, Kind::smooth, 1);
}

OOMLAB_VARIANT(compression, remedy_shuffle_zstd_continuous, "byte-shuffled full-precision series, then zstd level 1") {
  run_codec<compression::Shuffled<compression::Zstd>>(run, Kind::continuous, 1);
}

OOMLAB_VARIANT(compression, file_roundtrip, "intermediate files: each chunk written to a temporary file and read back (page cache warm)") {
  FileStore store(false);
  run_flow(run, Kind::smooth, store);
}

OOMLAB_VARIANT(compression, file_roundtrip_cold, "intermediate files read from the device: fsync and drop from the page cache after each write and read") {
  FileStore store(true);
  run_flow(run, Kind::smooth, store);
}
