# Protects the compression lesson's memory facts: both languages compress the same bytes, a
# compressed store's resident peak is its compressed data + codec context + a few chunks (and the
# uncopied Python store is not, because each blob keeps zstandard's worst-case allocation), files
# keep nothing resident, pickle stores 9 B per float, and no
# kind compresses past its stated entropy. Easy to break: a change to either generator (the bytes
# must match across languages), a leftover full-size buffer, or dropping the copy of each zstd blob.
import pytest

CHUNK_BYTES = 256 * 1024
MIB = 1 << 20


def ok_records(quick_records):
    records = [r for r in quick_records("compression") if r["variant"] != "noop"]
    for record in records:
        assert record["outcome"] == "ok", (record["lang"], record["variant"], record.get("reason"))
    return records


def at_largest_size(records):
    largest = max(r["size"] for r in records)
    return {(r["lang"], r["variant"]): r for r in records if r["size"] == largest}


def codec_variants(records):
    return sorted({r["variant"] for r in records if "codec_context_bytes" in r["metrics"]})


def test_both_languages_compress_the_same_bytes_to_the_same_size(quick_records):
    # The generators are bit-for-bit mirrors and both sides call the same libzstd and libz, so the
    # stored sizes match; 1% leaves room for a python3-zstandard built against another libzstd.
    records = at_largest_size(ok_records(quick_records))
    both = [v for v in codec_variants(records.values()) if ("py", v) in records and ("cpp", v) in records]
    assert len(both) >= 8, both
    for variant in both:
        py, cpp = records[("py", variant)]["metrics"], records[("cpp", variant)]["metrics"]
        assert py["raw_bytes"] == cpp["raw_bytes"]
        assert abs(py["stored_bytes"] / cpp["stored_bytes"] - 1) <= 0.01, (variant, py["stored_bytes"], cpp["stored_bytes"])


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_resident_peak_is_compressed_store_plus_context_plus_a_few_chunks(quick_records, lang):
    # Resident at the peak: every blob, the codec's contexts (allocated; perhaps not all touched),
    # the chunk being read and a few chunk-sized working buffers (the chunk being made, the
    # compressor's output, shuffle planes, NumPy temporaries of the generator): measured up to 5.2
    # chunks above blobs + context at 8 MiB, so 6 are allowed. None of it grows with the data.
    records = at_largest_size(ok_records(quick_records))
    variants = [v for v in codec_variants(records.values()) if not v.startswith("naive") and (lang, v) in records]
    assert len(variants) >= 9, variants
    for variant in variants:
        record = records[(lang, variant)]
        metrics = record["metrics"]
        lowest = metrics["stored_bytes"] + CHUNK_BYTES
        highest = metrics["stored_bytes"] + metrics["codec_context_bytes"] + 6 * CHUNK_BYTES
        assert lowest <= record["peak_delta_bytes"] <= highest, (
            f"{lang} {variant}: peak {record['peak_delta_bytes'] / MIB:.2f} MiB, stored "
            f"{metrics['stored_bytes'] / MIB:.2f} MiB, context {metrics['codec_context_bytes'] / MIB:.2f} MiB")


@pytest.mark.parametrize("lang", ["py", "cpp"])
def test_level_19_runs_at_the_smallest_size_only_and_compresses_text_further(quick_records, lang):
    # experiment.json's "smallest_size_only": level 19 is too slow for the whole sweep.
    records = ok_records(quick_records)
    smallest = min(r["size"] for r in records)
    level_19 = [r for r in records if r["lang"] == lang and r["variant"] == "remedy_zstd_19_text"]
    assert [r["size"] for r in level_19] == [smallest]
    level_1 = next(r for r in records
                   if r["lang"] == lang and r["variant"] == "remedy_zstd_1_text" and r["size"] == smallest)
    # Measured with libzstd 1.5.4: ratio 8.26 at 4 MiB and 8.31 at 16 MiB, against level 1's 6.19
    # (+33%); at least +20% is asked.
    assert level_19[0]["metrics"]["compression_ratio"] >= 1.2 * level_1["metrics"]["compression_ratio"]
    # Its bigger context (~5.6 MB, against ~0.7 MB) is what the peak adds, as for every store.
    metrics = level_19[0]["metrics"]
    assert metrics["codec_context_bytes"] > 4 * level_1["metrics"]["codec_context_bytes"]
    assert level_19[0]["peak_delta_bytes"] <= metrics["stored_bytes"] + metrics["codec_context_bytes"] + 6 * CHUNK_BYTES


def test_uncopied_zstd_blobs_keep_about_the_raw_size_resident(quick_records):
    # The trap the lesson explains: each uncopied blob keeps zstandard's worst-case output
    # allocation, in heap pages the chunk's temporaries had already written. Same stored bytes as
    # the remedy, yet the peak is at least 90% of the raw data (measured ~1.07 of the raw baseline).
    records = at_largest_size(ok_records(quick_records))
    naive, remedy = records[("py", "naive_zstd_1_smooth")], records[("py", "remedy_zstd_1_smooth")]
    assert naive["metrics"]["stored_bytes"] == remedy["metrics"]["stored_bytes"]
    assert naive["peak_delta_bytes"] >= 0.9 * naive["metrics"]["raw_bytes"]
    assert remedy["peak_delta_bytes"] <= 0.5 * remedy["metrics"]["raw_bytes"]


def test_zstd_one_shot_blob_keeps_its_worst_case_allocation_and_a_copy_does_not(quick_records):
    # python-zstandard's compress() allocates a bytes object of ZSTD_compressBound(256 KiB) =
    # 256 KiB + 1 KiB and only sets its length (Py_SET_SIZE), so the blob holds the whole
    # allocation: measured 263,201 B for a 26,760 B blob, the bound + the 33 B bytes header. The
    # copy, zlib's output (CPython copies its blocks into one bytes of the exact length) and the C++
    # vector hold their length + at most that header; 64 B leaves room for another header size.
    records = at_largest_size(ok_records(quick_records))
    bound = CHUNK_BYTES + CHUNK_BYTES // 256
    naive = records[("py", "naive_zstd_1_smooth")]["metrics"]
    assert bound <= naive["blob_allocated_bytes"] <= bound + 64, naive["blob_allocated_bytes"]
    assert naive["blob_bytes"] < 0.25 * CHUNK_BYTES  # smooth compresses severalfold: the rest is waste
    for lang, variant in [("py", "remedy_zstd_1_smooth"), ("py", "remedy_zlib_text"), ("cpp", "remedy_zstd_1_smooth"),
                          ("cpp", "remedy_zlib_text")]:
        metrics = records[(lang, variant)]["metrics"]
        assert metrics["blob_bytes"] <= metrics["blob_allocated_bytes"] <= metrics["blob_bytes"] + 64, (
            lang, variant, metrics["blob_bytes"], metrics["blob_allocated_bytes"])
    assert naive["blob_bytes"] == records[("py", "remedy_zstd_1_smooth")]["metrics"]["blob_bytes"]


def test_intermediate_files_keep_nothing_but_a_few_chunks_resident(quick_records):
    # Spilled chunks live in files (and the page cache, which is not this process's RSS): the peak
    # stays a few chunk buffers, under 2 MiB, and does not grow from the smallest size to the largest
    # (0.25 MiB allowed for page and allocator rounding).
    records = ok_records(quick_records)
    for lang in ("py", "cpp"):
        for variant in ("file_roundtrip", "file_roundtrip_cold"):
            peaks = {r["size"]: r["peak_delta_bytes"] for r in records if (r["lang"], r["variant"]) == (lang, variant)}
            assert max(peaks.values()) < 2 * MIB, (lang, variant, peaks)
            assert peaks[max(peaks)] - peaks[min(peaks)] < 0.25 * MIB, (lang, variant, peaks)


def test_pickle_stores_nine_bytes_per_float_and_lists_about_forty(quick_records):
    # pickle writes each float as 'G' + 8 bytes (plus a few bytes of frame per chunk); a list costs
    # an 8 B slot and a 32 B pymalloc block per float (FACTS.md: ~40.7 B; 38–45 B for rounding and
    # the chunk being built).
    records = at_largest_size(ok_records(quick_records))
    pickled = records[("py", "pickle_only")]["metrics"]
    values = pickled["raw_bytes"] / 8
    assert 9.0 <= pickled["stored_bytes"] / values <= 9.01
    as_lists = records[("py", "baseline_list")]
    assert 38 <= as_lists["peak_delta_bytes"] / values <= 45


def test_no_kind_compresses_beyond_its_entropy(quick_records):
    # entropy_bound_ratio is the most any coder could gain on a kind (raw bits / information bits).
    # A generator that made more redundant data than the lesson states would break this.
    records = at_largest_size(ok_records(quick_records))
    checked = 0
    for record in records.values():
        metrics = record["metrics"]
        if "codec_context_bytes" in metrics:
            assert 1 / 1.05 <= metrics["compression_ratio"] <= metrics["entropy_bound_ratio"], (
                record["lang"], record["variant"], metrics["compression_ratio"], metrics["entropy_bound_ratio"])
            checked += 1
    assert checked >= 20
