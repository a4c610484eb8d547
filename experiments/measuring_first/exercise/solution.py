"""Solution (measuring_first): the memory was zstd's, not the lines': tell the compressor the size."""

import zstandard


def log_line(number):
    return f"2024-05-{number % 28 + 1:02d} 12:{number % 60:02d}:00 sensor-{number % 17} reading={number * 0.5:.1f}\n"


def compress_log(lines):
    """The log of `lines` lines, compressed with zstd at level 19 (a zstd frame, as bytes)."""
    all_lines = [log_line(number) for number in range(lines)]
    text = "".join(all_lines).encode()
    # Measured first: tracemalloc blames the lines (a fraction of a MB), RSS shows far more. That is
    # libzstd's match finder, which tracemalloc cannot see: streaming without a size, level 19 takes
    # its parameters for an input of any size. A pledged size lets it pick tables for this input.
    compressor = zstandard.ZstdCompressor(level=19).compressobj(size=len(text))
    compressed = []
    for start in range(0, len(text), 65536):
        compressed.append(compressor.compress(text[start:start + 65536]))
    compressed.append(compressor.flush())
    return b"".join(compressed)
