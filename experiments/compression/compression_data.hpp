// The compression experiment's data kinds and codecs, shared by experiment.cpp and bench.cpp.
// The generator mirrors experiment.py bit for bit, so both languages compress the same bytes.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace compression {

// The data is held as chunks of 256 KiB: small enough that one decompressed chunk is a small part of
// the peak, large enough that zstd's per-frame cost does not matter (the same as `zstd -B262144`).
constexpr std::size_t kChunkBytes = 256 * 1024;
constexpr std::size_t kValuesPerChunk = kChunkBytes / 8;  // float64 or int64
constexpr std::size_t kRecordBytes = 64;                  // one text record, newline included
constexpr std::size_t kRecordsPerChunk = kChunkBytes / kRecordBytes;
constexpr std::size_t kRandomAccesses = 32;               // single-chunk reads of the access pattern

enum class Kind { random, smooth, continuous, smallint, sparse, text };

// splitmix64 of its counter: value `index` of `stream`, made alone, so any chunk can be generated
// without the ones before it. The seed of a stream is (stream << 32) · golden ratio.
inline std::uint64_t random_u64(std::uint64_t stream, std::uint64_t index) {
  std::uint64_t z = ((stream << 32) + index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform double in [0, 1) from 53 random bits: 53 bits of information in 64.
inline double unit_double(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

enum Stream : std::uint64_t {
  kRandomStream = 1, kSmoothStream = 2, kSmallintStream = 3, kSparseMaskStream = 4, kSparseValueStream = 5,
  kTextStream = 6, kAccessStream = 7, kContinuousStream = 8,
};

constexpr const char* kEvents[8] = {"click", "login", "share", "order", "fetch", "print", "score", "merge"};

// Fills `out` (kChunkBytes) with chunk `chunk` of a kind. The kinds and their entropy are described in
// experiment.py; this is the same arithmetic.
inline void fill_chunk(Kind kind, std::uint64_t chunk, unsigned char* out) {
  const std::uint64_t first = chunk * kValuesPerChunk;
  auto* as_double = reinterpret_cast<double*>(out);
  auto* as_int = reinterpret_cast<std::int64_t*>(out);
  switch (kind) {
    case Kind::random:
      for (std::size_t i = 0; i < kValuesPerChunk; ++i) as_double[i] = unit_double(random_u64(kRandomStream, first + i));
      return;
    case Kind::smooth: {
      // A sensor at 0.01 °C resolution: a random walk of -1, 0 or +1 counts per reading from 20.00 °C.
      std::int64_t counts = 2000;
      for (std::size_t i = 0; i < kValuesPerChunk; ++i) {
        counts += static_cast<std::int64_t>(random_u64(kSmoothStream, first + i) % 3) - 1;
        as_double[i] = static_cast<double>(counts) / 100.0;
      }
      return;
    }
    case Kind::continuous: {
      // The same walk at full precision, steps anywhere in ±0.01 (a simulated signal): no value repeats.
      // Summed from 0 and then added to 20.0, in this order, as np.cumsum does in experiment.py.
      double walked = 0.0;
      for (std::size_t i = 0; i < kValuesPerChunk; ++i) {
        walked += (unit_double(random_u64(kContinuousStream, first + i)) - 0.5) * 0.02;
        as_double[i] = 20.0 + walked;
      }
      return;
    }
    case Kind::smallint:
      for (std::size_t i = 0; i < kValuesPerChunk; ++i)
        as_int[i] = static_cast<std::int64_t>(random_u64(kSmallintStream, first + i) % 16);
      return;
    case Kind::sparse:
      for (std::size_t i = 0; i < kValuesPerChunk; ++i)
        as_double[i] = random_u64(kSparseMaskStream, first + i) % 100 == 0
                           ? unit_double(random_u64(kSparseValueStream, first + i)) : 0.0;
      return;
    case Kind::text: {
      const std::uint64_t first_record = chunk * kRecordsPerChunk;
      char record[kRecordBytes + 1];
      for (std::size_t r = 0; r < kRecordsPerChunk; ++r) {
        const std::uint64_t bits = random_u64(kTextStream, first_record + r);
        const unsigned cents = 1000 + static_cast<unsigned>((bits >> 32) % 9000);
        const int written = std::snprintf(record, sizeof record, "{\"id\":%llu,\"user\":\"usr_%04u\",\"event\":\"%s\",\"value\":%u.%02u}\n",
                      static_cast<unsigned long long>(10000000 + first_record + r), static_cast<unsigned>(bits % 10000),
                      kEvents[(bits >> 16) % 8], cents / 100, cents % 100);
        if (written != static_cast<int>(kRecordBytes)) throw std::logic_error("a text record must be 64 bytes");
        std::memcpy(out + r * kRecordBytes, record, kRecordBytes);
      }
      return;
    }
  }
}

inline const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::random: return "random";
    case Kind::smooth: return "smooth";
    case Kind::continuous: return "continuous";
    case Kind::smallint: return "smallint";
    case Kind::sparse: return "sparse";
    case Kind::text: return "text";
  }
  return "?";
}

// Raw bits over the bits of information per value (per 64-byte record for text): the most any
// compressor could gain on a kind. The same figures as ENTROPY_BITS in experiment.py.
inline double entropy_bound_ratio(Kind kind) {
  const double density = 0.01;  // of the sparse kind
  switch (kind) {
    case Kind::random: return 64 / 53.0;                          // 53 random bits per double
    case Kind::smooth: return 64 / std::log2(3.0);                // a step of -1, 0 or +1
    case Kind::continuous: return 64 / std::log2(0.02 / 0x1.0p-48);  // a step in ±0.01 at 2^-48 resolution
    case Kind::smallint: return 64 / 4.0;                         // 16 equally likely values
    case Kind::sparse:
      return 64 / (-density * std::log2(density) - (1 - density) * std::log2(1 - density) + density * 53);
    case Kind::text: return 8.0 * kRecordBytes / (std::log2(10000.0) + std::log2(8.0) + std::log2(9000.0));
  }
  return 1;
}

// What an access does with a chunk once it is readable: a sum of the numbers, or the number of text
// records. The same work for every store, so differences between stores are the cost of getting it.
inline double use_chunk(Kind kind, const unsigned char* chunk) {
  switch (kind) {
    case Kind::smallint: {
      const auto* values = reinterpret_cast<const std::int64_t*>(chunk);
      return static_cast<double>(std::accumulate(values, values + kValuesPerChunk, std::int64_t{0}));
    }
    case Kind::text:
      return static_cast<double>(std::count(chunk, chunk + kChunkBytes, '\n'));
    default: {
      const auto* values = reinterpret_cast<const double*>(chunk);
      return std::accumulate(values, values + kValuesPerChunk, 0.0);
    }
  }
}

// Blosc's byte shuffle for 8-byte values: byte b of every value goes to plane b, so the slowly
// changing sign/exponent bytes sit side by side and the noisy low mantissa bytes sit apart.
inline void shuffle_bytes(const unsigned char* in, unsigned char* out, std::size_t bytes) {
  const std::size_t n = bytes / 8;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t b = 0; b < 8; ++b) out[b * n + i] = in[i * 8 + b];
}

inline void unshuffle_bytes(const unsigned char* in, unsigned char* out, std::size_t bytes) {
  const std::size_t n = bytes / 8;
  for (std::size_t b = 0; b < 8; ++b)
    for (std::size_t i = 0; i < n; ++i) out[i * 8 + b] = in[b * n + i];
}

// zstd with one compression and one decompression context, reused for every chunk (what
// zstandard.ZstdCompressor / ZstdDecompressor objects do in Python).
class Zstd {
 public:
  explicit Zstd(int level) : level_(level), cctx_(ZSTD_createCCtx()), dctx_(ZSTD_createDCtx()) {}
  ~Zstd() {
    ZSTD_freeCCtx(cctx_);
    ZSTD_freeDCtx(dctx_);
  }
  Zstd(const Zstd&) = delete;
  Zstd& operator=(const Zstd&) = delete;

  std::size_t bound(std::size_t bytes) const { return ZSTD_compressBound(bytes); }
  double context_bytes() const { return static_cast<double>(ZSTD_sizeof_CCtx(cctx_) + ZSTD_sizeof_DCtx(dctx_)); }

  // Compresses `bytes` of `in` into `out` (at least bound(bytes)); returns the compressed size.
  std::size_t compress(const unsigned char* in, std::size_t bytes, unsigned char* out, std::size_t capacity) {
    const std::size_t written = ZSTD_compressCCtx(cctx_, out, capacity, in, bytes, level_);
    if (ZSTD_isError(written)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(written));
    return written;
  }

  void decompress(const unsigned char* in, std::size_t bytes, unsigned char* out, std::size_t capacity) {
    const std::size_t written = ZSTD_decompressDCtx(dctx_, out, capacity, in, bytes);
    if (ZSTD_isError(written)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(written));
  }

 private:
  int level_;
  ZSTD_CCtx* cctx_;
  ZSTD_DCtx* dctx_;
};

// zlib at its default level, as Python's zlib.compress calls it: compress2/uncompress set up a fresh
// stream per call, as zlib.compress/zlib.decompress do.
class Zlib {
 public:
  std::size_t bound(std::size_t bytes) const { return ::compressBound(bytes); }
  // zlib's own figure for its state at the default windowBits 15 and memLevel 8 (zconf.h): deflate
  // (1 << 17) + (1 << 17) bytes, inflate 1 << 15. Made and freed in every call, alive during one.
  double context_bytes() const { return (1 << 17) + (1 << 17) + (1 << 15); }

  std::size_t compress(const unsigned char* in, std::size_t bytes, unsigned char* out, std::size_t capacity) {
    uLongf written = capacity;
    if (::compress2(out, &written, in, bytes, Z_DEFAULT_COMPRESSION) != Z_OK) throw std::runtime_error("zlib: compress2");
    return written;
  }

  void decompress(const unsigned char* in, std::size_t bytes, unsigned char* out, std::size_t capacity) {
    uLongf written = capacity;
    if (::uncompress(out, &written, in, bytes) != Z_OK) throw std::runtime_error("zlib: uncompress");
  }
};

// Blosc's byte shuffle around another codec: chunks are shuffled before compressing and unshuffled
// after decompressing, through one reused buffer. REQUIRES: chunks of at most kChunkBytes.
template <typename Codec>
class Shuffled {
 public:
  template <typename... CodecArguments>
  explicit Shuffled(CodecArguments... arguments) : codec_(arguments...), planes_(kChunkBytes) {}

  std::size_t bound(std::size_t bytes) const { return codec_.bound(bytes); }
  double context_bytes() const { return codec_.context_bytes(); }

  std::size_t compress(const unsigned char* in, std::size_t bytes, unsigned char* out, std::size_t capacity) {
    shuffle_bytes(in, planes_.data(), bytes);
    return codec_.compress(planes_.data(), bytes, out, capacity);
  }

  void decompress(const unsigned char* in, std::size_t bytes, unsigned char* out, std::size_t capacity) {
    codec_.decompress(in, bytes, planes_.data(), capacity);
    unshuffle_bytes(planes_.data(), out, capacity);
  }

 private:
  Codec codec_;
  std::vector<unsigned char> planes_;
};

}  // namespace compression
