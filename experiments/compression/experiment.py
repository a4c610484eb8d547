"""Compression in memory (the article's remedy 7), Python side.

`size` MiB of data is made one 256 KiB chunk at a time and held in a store: raw, compressed (zstd,
zlib, byte-shuffled zstd), pickled, or spilled to files. Then every chunk is read once (a full
scan) and 32 single chunks are read at random (rarely used data). The data kind is part of the
variant's name (`remedy_zstd_1_smooth`); `baseline` and the file variants hold the smooth series.
The bytes come from a counter-based generator that experiment.cpp repeats exactly, so both
languages compress the same bytes. Mirrors experiment.cpp.
"""
import math
import os
import pickle
import re
import shutil
import subprocess
import tempfile
import time
import tracemalloc
import zlib

import numpy as np
import zstandard

MIB = 1 << 20
MB = 1e6  # throughputs are in MB/s, 10^6 bytes per second, as `zstd -b` prints them
CHUNK_BYTES = 256 * 1024
VALUES_PER_CHUNK = CHUNK_BYTES // 8
RECORD_BYTES = 64
RECORDS_PER_CHUNK = CHUNK_BYTES // RECORD_BYTES
RANDOM_ACCESSES = 32

RANDOM_STREAM, SMOOTH_STREAM, SMALLINT_STREAM, SPARSE_MASK_STREAM, SPARSE_VALUE_STREAM, TEXT_STREAM, \
    ACCESS_STREAM, CONTINUOUS_STREAM = range(1, 9)
EVENTS = ("click", "login", "share", "order", "fetch", "print", "score", "merge")

# Information per stored unit (a value, or a 64-byte record), in bits: what a perfect coder would
# keep. Raw bits over these bits is the most any compressor could gain.
SPARSE_DENSITY = 0.01
ENTROPY_BITS = {
    "random": 53.0,  # a uniform double from 53 random bits
    "smooth": math.log2(3),  # a step of -1, 0 or +1 per reading
    "continuous": math.log2(0.02 / 2.0 ** -48),  # a step in ±0.01 at the resolution of doubles near 20
    "smallint": 4.0,  # 16 equally likely values
    "sparse": (-SPARSE_DENSITY * math.log2(SPARSE_DENSITY) - (1 - SPARSE_DENSITY) * math.log2(1 - SPARSE_DENSITY)
               + SPARSE_DENSITY * 53.0),  # zero or not, then 53 bits for the 1% that are not
    "text": math.log2(10000) + math.log2(len(EVENTS)) + math.log2(9000),  # user, event, value
}
RAW_BITS = {"random": 64, "smooth": 64, "continuous": 64, "smallint": 64, "sparse": 64, "text": 8 * RECORD_BYTES}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def random_u64(stream, first, count):
    """splitmix64 of its counter: values first..first+count-1 of a stream, each made alone."""
    z = np.arange(first + 1, first + 1 + count, dtype=np.uint64)
    z += np.uint64(stream << 32)
    z *= _GOLDEN  # uint64 arrays wrap around, as C++'s unsigned arithmetic does
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    return z


def unit_doubles(bits):
    """Uniform doubles in [0, 1) from the top 53 bits."""
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


# One text record, 64 bytes with its newline; the letters mark where fields go. experiment.cpp
# prints the same records with snprintf.
RECORD_TEMPLATE = b'{"id":IIIIIIII,"user":"usr_UUUU","event":"EEEEE","value":VV.CC}\n'
EVENT_BYTES = np.frombuffer(b"".join(event.encode() for event in EVENTS), dtype=np.uint8).reshape(len(EVENTS), 5)
assert len(RECORD_TEMPLATE) == RECORD_BYTES


def fill_field(records, letter, numbers):
    """Writes numbers as zero-padded decimal digits where RECORD_TEMPLATE has `letter`."""
    start, width = RECORD_TEMPLATE.index(letter.encode()), RECORD_TEMPLATE.count(letter.encode())
    powers = np.uint64(10) ** np.arange(width - 1, -1, -1, dtype=np.uint64)
    records[:, start:start + width] = (numbers[:, None] // powers % np.uint64(10) + np.uint64(ord("0"))).astype(np.uint8)


def make_chunk(kind, chunk):
    """Chunk number `chunk` of a data kind, 256 KiB, as a NumPy array (uint8 for text)."""
    first = chunk * VALUES_PER_CHUNK
    if kind == "random":
        return unit_doubles(random_u64(RANDOM_STREAM, first, VALUES_PER_CHUNK))
    if kind == "smooth":
        # A sensor at 0.01 °C resolution: a random walk of -1, 0 or +1 counts per reading from 20.00 °C.
        steps = (random_u64(SMOOTH_STREAM, first, VALUES_PER_CHUNK) % np.uint64(3)).astype(np.int64) - 1
        return (2000 + np.cumsum(steps)) / 100.0
    if kind == "continuous":
        # The same walk at full precision, steps anywhere in ±0.01 (a simulated signal): no value repeats.
        steps = (unit_doubles(random_u64(CONTINUOUS_STREAM, first, VALUES_PER_CHUNK)) - 0.5) * 0.02
        return 20.0 + np.cumsum(steps)
    if kind == "smallint":
        return (random_u64(SMALLINT_STREAM, first, VALUES_PER_CHUNK) % np.uint64(16)).astype(np.int64)
    if kind == "sparse":
        nonzero = random_u64(SPARSE_MASK_STREAM, first, VALUES_PER_CHUNK) % np.uint64(100) == 0
        return np.where(nonzero, unit_doubles(random_u64(SPARSE_VALUE_STREAM, first, VALUES_PER_CHUNK)), 0.0)
    if kind == "text":
        bits = random_u64(TEXT_STREAM, chunk * RECORDS_PER_CHUNK, RECORDS_PER_CHUNK)
        records = np.tile(np.frombuffer(RECORD_TEMPLATE, dtype=np.uint8), (RECORDS_PER_CHUNK, 1))
        cents = 1000 + (bits >> np.uint64(32)) % np.uint64(9000)
        fill_field(records, "I", 10000000 + chunk * RECORDS_PER_CHUNK + np.arange(RECORDS_PER_CHUNK, dtype=np.uint64))
        fill_field(records, "U", bits % np.uint64(10000))
        fill_field(records, "V", cents // np.uint64(100))
        fill_field(records, "C", cents % np.uint64(100))
        start = RECORD_TEMPLATE.index(b"E")
        records[:, start:start + 5] = EVENT_BYTES[((bits >> np.uint64(16)) % np.uint64(8)).astype(np.intp)]
        return records.reshape(-1)
    raise ValueError(f"unknown data kind {kind!r}")


def use_chunk(kind, chunk):
    """What an access does with a readable chunk: sum the numbers, or count the text records.
    The same work for every store, so differences between stores are the cost of getting it."""
    if isinstance(chunk, list):
        return float(sum(chunk))  # a list of floats is summed the Python way
    if kind == "text":
        return int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("\n")))
    return float(np.frombuffer(chunk, dtype=np.int64 if kind == "smallint" else np.float64).sum())


class RawStore:
    """Each chunk's bytes as they are: the baseline."""
    throughput_names = None

    def __init__(self):
        self.chunks = []

    def put(self, index, chunk):
        self.chunks.append(chunk.tobytes())

    def get(self, index):
        return self.chunks[index]

    def stored_bytes(self):
        return sum(map(len, self.chunks))


class CodecStore:
    """Each chunk compressed on its own; one is decompressed per access."""
    throughput_names = ("compress", "decompress")

    def __init__(self, compress, decompress, context_bytes):
        self.compress, self.decompress, self.context_bytes = compress, decompress, context_bytes
        self.blobs = []

    def put(self, index, chunk):
        self.blobs.append(self.compress(chunk))

    def get(self, index):
        return self.decompress(self.blobs[index])

    def stored_bytes(self):
        return sum(map(len, self.blobs))


def zstd_store(level, shuffle=False, copy=True):
    """zstd with one compressor and one decompressor object, reused for every chunk.

    With shuffle, byte b of every 8-byte value goes to plane b first (Blosc's shuffle), and back
    after. With copy, each blob is copied to a bytes object of its own size. zstandard's one-shot
    compress() allocates a bytes object of ZSTD_compressBound(chunk) bytes (a whole chunk and a
    little more), compresses into it and then only sets the object's length (Py_SET_SIZE in
    c-ext/compressor.c): the allocation is never shrunk, so an uncopied blob holds 263,201 bytes
    for a 256 KiB chunk whatever its length (`blob_allocated_bytes`). Those bytes are resident
    here because the block is carved from heap memory that the chunk's NumPy temporaries have just
    written and freed; the store then grows like the raw data (see `naive_zstd_1_smooth`)."""
    compressor, decompressor = zstandard.ZstdCompressor(level=level), zstandard.ZstdDecompressor()

    def compress(chunk):
        if shuffle:
            chunk = np.ascontiguousarray(chunk.view(np.uint8).reshape(-1, 8).T)
        blob = compressor.compress(chunk)
        return bytes(memoryview(blob)) if copy else blob

    def decompress(blob):
        raw = decompressor.decompress(blob)
        return np.frombuffer(raw, dtype=np.uint8).reshape(8, -1).T.copy() if shuffle else raw

    return CodecStore(compress, decompress, lambda: compressor.memory_size() + decompressor.memory_size())


# zlib's own figure for its state at the default windowBits 15 and memLevel 8 (zconf.h): deflate
# (1 << 17) + (1 << 17) bytes, inflate 1 << 15. Made and freed in every call, alive during one.
ZLIB_CONTEXT_BYTES = (1 << 17) + (1 << 17) + (1 << 15)


def zlib_store():
    """zlib at its default level (6), as zlib.compress is usually called. Its output is right-sized
    without a copy of ours: CPython collects it in blocks and copies them into one bytes object of
    the exact length (_BlocksOutputBuffer_Finish), so `blob_allocated_bytes` is the blob's length."""
    return CodecStore(zlib.compress, lambda blob: zlib.decompress(blob, bufsize=CHUNK_BYTES), lambda: ZLIB_CONTEXT_BYTES)


class FileStore:
    """The intermediate-files alternative: each chunk written with np.save to its own file in a
    temporary folder, read back with np.load. Cold: every file is flushed to the device and dropped
    from the page cache after each write and read, as when memory is too short to cache it."""
    throughput_names = ("write", "read")

    def __init__(self, cold):
        self.cold = cold
        self.folder = tempfile.mkdtemp(prefix="oomlab-compression-")

    def path(self, index):
        return os.path.join(self.folder, f"chunk_{index:06d}.npy")

    def forget(self, path, flush):
        with open(path, "rb") as file:
            if flush:
                os.fsync(file.fileno())
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    def put(self, index, chunk):
        np.save(self.path(index), chunk)
        if self.cold:
            self.forget(self.path(index), flush=True)

    def get(self, index):
        chunk = np.load(self.path(index))
        if self.cold:
            self.forget(self.path(index), flush=False)
        return chunk

    def stored_bytes(self):
        return 0  # nothing stays in this process's memory

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def run_flow(run, kind, store):
    """Fill the store chunk by chunk, scan every chunk once, then read 32 chunks at random; stop the
    measurement while the store is alive and record ratio, throughputs and costs per access."""
    chunks = run.size * MIB // CHUNK_BYTES
    store_seconds = 0.0
    for index in range(chunks):
        chunk = make_chunk(kind, index)
        started = time.perf_counter()
        store.put(index, chunk)
        store_seconds += time.perf_counter() - started
        del chunk  # only one raw chunk alive at a time
    get_seconds = 0.0
    scan_started = time.perf_counter()
    for index in range(chunks):
        started = time.perf_counter()
        chunk = store.get(index)
        get_seconds += time.perf_counter() - started
        use_chunk(kind, chunk)
        del chunk  # before the next get, so one decompressed chunk is alive, not two
    scan_seconds = time.perf_counter() - scan_started
    order = (random_u64(ACCESS_STREAM, 0, RANDOM_ACCESSES) % np.uint64(chunks)).tolist()
    access_started = time.perf_counter()
    for index in order:
        use_chunk(kind, store.get(index))
    access_seconds = (time.perf_counter() - access_started) / RANDOM_ACCESSES
    run.stop()  # measured while the store is alive

    raw_bytes = chunks * CHUNK_BYTES
    stored_bytes = store.stored_bytes()
    run.add_metric("raw_bytes", raw_bytes)
    run.add_metric("chunk_bytes", CHUNK_BYTES)
    run.add_metric("stored_bytes", stored_bytes)
    if stored_bytes:
        run.add_metric("compression_ratio", raw_bytes / stored_bytes)
    run.add_metric("entropy_bound_ratio", RAW_BITS[kind] / ENTROPY_BITS[kind])
    run.add_metric("store_seconds", store_seconds)
    run.add_metric("scan_seconds", scan_seconds)
    run.add_metric("access_seconds", access_seconds)
    if store.throughput_names:
        put_name, get_name = store.throughput_names
        run.add_metric(f"{put_name}_mb_per_second", raw_bytes / MB / store_seconds)
        run.add_metric(f"{get_name}_mb_per_second", raw_bytes / MB / get_seconds)
    if hasattr(store, "context_bytes"):
        run.add_metric("codec_context_bytes", store.context_bytes())
        blob_bytes, blob_allocated_bytes = first_blob_allocation(store, kind)
        run.add_metric("blob_bytes", blob_bytes)
        run.add_metric("blob_allocated_bytes", blob_allocated_bytes)


def first_blob_allocation(store, kind):
    """(length, bytes allocated) of chunk 0's blob as the store keeps it, after the measurement:
    tracemalloc counts what Python's allocators hand out while the blob is alive (its 33-byte
    bytes header included), whatever len() says."""
    chunk = make_chunk(kind, 0)
    memoryview(chunk).release()  # NumPy caches a small buffer description on the array at its first export: not the blob's
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        blob = store.compress(chunk)
        allocated = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return len(blob), allocated


def variant_baseline(run):
    """Raw chunks of the smooth series in memory: size MiB, compression ratio 1."""
    run_flow(run, "smooth", RawStore())


def variant_remedy_zstd_1_random(run):
    """zstd level 1 on random doubles (53 bits of information in 64): almost nothing to gain."""
    run_flow(run, "random", zstd_store(1))


def variant_remedy_zstd_1_smooth(run):
    """zstd level 1 on the smooth sensor series (1.6 bits of information per 64-bit value)."""
    run_flow(run, "smooth", zstd_store(1))


def variant_naive_zstd_1_smooth(run):
    """remedy_zstd_1_smooth without the copy of each blob: each keeps its whole worst-case allocation."""
    run_flow(run, "smooth", zstd_store(1, copy=False))


def variant_remedy_zstd_1_continuous(run):
    """zstd level 1 on a smooth series at full precision (about 42 bits of information in 64)."""
    run_flow(run, "continuous", zstd_store(1))


def variant_remedy_zstd_1_smallint(run):
    """zstd level 1 on int64 values 0..15 (4 bits of information in 64)."""
    run_flow(run, "smallint", zstd_store(1))


def variant_remedy_zstd_1_sparse(run):
    """zstd level 1 on a float64 array that is 99% zeros."""
    run_flow(run, "sparse", zstd_store(1))


def variant_remedy_zstd_1_text(run):
    """zstd level 1 on JSON-like text records of 64 bytes (29 bits of information each)."""
    run_flow(run, "text", zstd_store(1))


def variant_remedy_zstd_3_text(run):
    """zstd level 3 (its default) on the text records."""
    run_flow(run, "text", zstd_store(3))


def variant_remedy_zstd_9_text(run):
    """zstd level 9 on the text records."""
    run_flow(run, "text", zstd_store(9))


def variant_remedy_zstd_19_text(run):
    """zstd level 19 on the text records: the smallest store, at a fraction of level 1's speed."""
    run_flow(run, "text", zstd_store(19))


def variant_remedy_zlib_text(run):
    """zlib (the standard library, default level 6) on the text records."""
    run_flow(run, "text", zlib_store())


def variant_remedy_shuffle_zstd_smooth(run):
    """Byte-shuffled sensor series, then zstd level 1: repeated whole values are split apart."""
    run_flow(run, "smooth", zstd_store(1, shuffle=True))


def variant_remedy_shuffle_zstd_continuous(run):
    """Byte-shuffled full-precision series, then zstd level 1: the slowly changing high bytes line up."""
    run_flow(run, "continuous", zstd_store(1, shuffle=True))


def variant_file_roundtrip(run):
    """Intermediate files: np.save each chunk to a temporary file, np.load it back (page cache warm)."""
    store = FileStore(cold=False)
    try:
        run_flow(run, "smooth", store)
    finally:
        store.remove()


def variant_file_roundtrip_cold(run):
    """Intermediate files read from the device: fsync and drop from the page cache after each write and read."""
    store = FileStore(cold=True)
    try:
        run_flow(run, "smooth", store)
    finally:
        store.remove()


class ListStore(RawStore):
    """Each chunk as a list of Python floats, the way the article's earlier post held its data."""

    def put(self, index, chunk):
        self.chunks.append(chunk.tolist())

    def stored_bytes(self):
        return 0  # objects, not a byte string: its cost is the measured peak



class PickleStore(RawStore):
    """Each chunk as a list of floats, pickled: 9 bytes per float, no compressor at all."""

    def put(self, index, chunk):
        self.chunks.append(pickle.dumps(chunk.tolist(), protocol=pickle.HIGHEST_PROTOCOL))

    def get(self, index):
        return pickle.loads(self.chunks[index])


def variant_baseline_list(run):
    """The smooth series held as lists of floats: ~40 bytes per value (list slot + float object)."""
    run_flow(run, "smooth", ListStore())


def variant_pickle_only(run):
    """The lists pickled, not compressed: 9 bytes per value. Against the lists, a 4.5× "compression"."""
    run_flow(run, "smooth", PickleStore())


# `zstd -q -b1` prints "-1   633299 (6.623)  96.21 MB/s  400.6 MB/s  FILE": level, compressed bytes,
# ratio, compress and decompress speed (MB = 10^6 bytes).
ZSTD_CLI_LINE = re.compile(r"^\s*-(\d+)\s+(\d+)\s+\(\s*([\d.]+)\)\s+([\d.]+) MB/s\s+([\d.]+) MB/s")


def variant_zstd_cli(run):
    """The zstd command-line benchmark (`zstd -b1 -B262144 -i0`: one pass) on the same text bytes."""
    if shutil.which("zstd") is None:
        raise RuntimeError("the zstd command is missing: install Debian's zstd package")
    folder = tempfile.mkdtemp(prefix="oomlab-compression-")
    try:
        path = os.path.join(folder, "text.bin")
        chunks = run.size * MIB // CHUNK_BYTES
        with open(path, "wb") as file:
            for index in range(chunks):
                file.write(make_chunk("text", index).tobytes())
        run.stop()  # what follows runs in another process: nothing of it is this process's memory
        output = subprocess.run(["zstd", "-q", "-b1", "-e1", "-i0", f"-B{CHUNK_BYTES}", path],
                                capture_output=True, text=True, check=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines = [ZSTD_CLI_LINE.match(line) for line in (output.stdout + output.stderr).splitlines()]
    [(_, stored_bytes, ratio, compress_speed, decompress_speed)] = [m.groups() for m in lines if m]
    run.add_metric("raw_bytes", chunks * CHUNK_BYTES)
    run.add_metric("stored_bytes", float(stored_bytes))
    run.add_metric("compression_ratio", float(ratio))
    run.add_metric("compress_mb_per_second", float(compress_speed))
    run.add_metric("decompress_mb_per_second", float(decompress_speed))
