"""Inputs and check of the measuring_first exercise: the compressed bytes must give the log back."""

import zstandard


def log_line(number):
    return f"2024-05-{number % 28 + 1:02d} 12:{number % 60:02d}:00 sensor-{number % 17} reading={number * 0.5:.1f}\n"


def prepare(lines):
    return (lines,)


def check(result, lines):
    expected = "".join(log_line(number) for number in range(lines)).encode()
    try:
        restored = zstandard.ZstdDecompressor().decompressobj().decompress(bytes(result))
    except zstandard.ZstdError as error:
        return False, f"not a zstd frame: {error}"
    if restored != expected:
        return False, f"{len(restored):,} bytes decompressed, expected the {len(expected):,}-byte log"
    return True, f"{len(result):,} compressed bytes give the {len(expected):,}-byte log back"
