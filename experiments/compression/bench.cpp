// Google Benchmark of the compression experiment's C++ kernels: compress and decompress, chunk by
// chunk with a reused context, per codec (zstd levels 1, 3, 9, 19, zlib, byte-shuffled zstd 1)
// and data kind, on the same bytes as the experiment. `zstd_cli_check.py` runs `zstd -b` on those
// bytes and prints the ratio of these throughputs to the command line's.
//
// Each benchmark is BM_<kernel>_<kind>, e.g. BM_compress_zstd19_text, with the working set in BYTES
// as its argument; bytes per second are raw bytes, items are 256 KiB chunks. Compress kernels report
// the compression ratio as a counter. Slow levels (3, 9, 19) run on one chunk only: zstd -19 manages
// ~1–5 MB/s, so a bigger working set would take seconds per iteration and says nothing new.
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compression_data.hpp"

namespace {

using compression::Kind;
using compression::kChunkBytes;
using Bytes = std::vector<unsigned char>;

constexpr Kind kKinds[] = {Kind::random, Kind::smooth, Kind::continuous, Kind::smallint, Kind::sparse, Kind::text};
constexpr std::int64_t kOneChunk = kChunkBytes;
constexpr std::int64_t kManyChunks = 16 * kChunkBytes;  // 4 MiB

// The first bytes / kChunkBytes chunks of a kind, one after the other.
Bytes chunks_of(Kind kind, std::int64_t bytes) {
  Bytes data(static_cast<std::size_t>(bytes));
  for (std::size_t chunk = 0; chunk * kChunkBytes < data.size(); ++chunk)
    compression::fill_chunk(kind, chunk, data.data() + chunk * kChunkBytes);
  return data;
}

void report_bytes(benchmark::State& state, std::int64_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * (bytes / kOneChunk));
}

// Compresses every chunk of the working set into one reused output buffer.
template <typename Codec, typename... CodecArguments>
void compress_chunks(benchmark::State& state, Kind kind, CodecArguments... arguments) {
  const std::int64_t bytes = state.range(0);
  const Bytes data = chunks_of(kind, bytes);
  Codec codec(arguments...);
  Bytes out(codec.bound(kChunkBytes));
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed = 0;
    for (std::size_t offset = 0; offset < data.size(); offset += kChunkBytes)
      compressed += codec.compress(data.data() + offset, kChunkBytes, out.data(), out.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report_bytes(state, bytes);
  state.counters["compression_ratio"] = static_cast<double>(bytes) / static_cast<double>(compressed);
  state.counters["context_bytes"] = codec.context_bytes();
}

// Decompresses every chunk of the working set (compressed before timing) into one reused chunk.
template <typename Codec, typename... CodecArguments>
void decompress_chunks(benchmark::State& state, Kind kind, CodecArguments... arguments) {
  const std::int64_t bytes = state.range(0);
  const Bytes data = chunks_of(kind, bytes);
  Codec codec(arguments...);
  std::vector<Bytes> blobs;
  Bytes out(codec.bound(kChunkBytes));
  for (std::size_t offset = 0; offset < data.size(); offset += kChunkBytes) {
    const std::size_t size = codec.compress(data.data() + offset, kChunkBytes, out.data(), out.size());
    blobs.emplace_back(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size));
  }
  Bytes chunk(kChunkBytes);
  for (auto _ : state) {
    for (const Bytes& blob : blobs) {
      codec.decompress(blob.data(), blob.size(), chunk.data(), kChunkBytes);
      benchmark::DoNotOptimize(chunk.data());
      benchmark::ClobberMemory();
    }
  }
  report_bytes(state, bytes);
}

using Kernel = std::function<void(benchmark::State&)>;

void add(const std::string& name, Kernel kernel, std::initializer_list<std::int64_t> sizes) {
  auto* benchmark = benchmark::RegisterBenchmark(name.c_str(), std::move(kernel));
  for (std::int64_t bytes : sizes) benchmark->Arg(bytes);
  benchmark->Unit(benchmark::kMillisecond)->UseRealTime();  // wall time, as `zstd -b` measures
}

template <typename Codec, typename... CodecArguments>
void add_pair(const std::string& codec_name, Kind kind, std::initializer_list<std::int64_t> sizes,
              CodecArguments... arguments) {
  const std::string suffix = codec_name + "_" + compression::kind_name(kind);
  add("BM_compress_" + suffix,
      [=](benchmark::State& state) { compress_chunks<Codec>(state, kind, arguments...); }, sizes);
  add("BM_decompress_" + suffix,
      [=](benchmark::State& state) { decompress_chunks<Codec>(state, kind, arguments...); }, sizes);
}

[[maybe_unused]] const bool registered = [] {
  for (Kind kind : kKinds) {
    add_pair<compression::Zstd>("zstd1", kind, {kOneChunk, kManyChunks}, 1);
    add_pair<compression::Zstd>("zstd3", kind, {kOneChunk}, 3);
    add_pair<compression::Zstd>("zstd9", kind, {kOneChunk}, 9);
    add_pair<compression::Zstd>("zstd19", kind, {kOneChunk}, 19);
    add_pair<compression::Zlib>("zlib", kind, {kOneChunk});
    if (kind != Kind::text) add_pair<compression::Shuffled<compression::Zstd>>("shufflezstd1", kind, {kOneChunk}, 1);
  }
  return true;
}();

}  // namespace
