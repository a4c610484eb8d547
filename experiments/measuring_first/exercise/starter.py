"""Exercise (measuring_first): compress a log, under 16 MiB above baseline. Measure before you change.

Run it: build/oomlab exercise measuring_first. Change compress_log only; keep zstd at level 19.
"""

import zstandard


def log_line(number):
    return f"2024-05-{number % 28 + 1:02d} 12:{number % 60:02d}:00 sensor-{number % 17} reading={number * 0.5:.1f}\n"


def compress_log(lines):
    """The log of `lines` lines, compressed with zstd at level 19 (a zstd frame, as bytes)."""
    # All lines kept as strings, then joined: the suspect a reader sees first.
    all_lines = [log_line(number) for number in range(lines)]
    text = "".join(all_lines).encode()
    compressor = zstandard.ZstdCompressor(level=19).compressobj()
    compressed = []
    for start in range(0, len(text), 65536):
        compressed.append(compressor.compress(text[start:start + 65536]))
    compressed.append(compressor.flush())
    return b"".join(compressed)
