# Protects the lesson of experiments/del_and_rebind: the conditions its nuances rest on (bytes per
# element against theory are checked for every experiment in test_theory.py). A cyclic GC that runs by
# itself would make `del_cycle` look like a working `del`, and a measured phase that does not end right
# after the free would report the wrong "kept" figure; both are one careless line away.
EXPERIMENT = "del_and_rebind"
MIB = 1024 * 1024
BLOCK_BYTES = 8192 * 8  # the 64 KiB blocks of the heap_* variants


def ok_records(quick_records):
    records = [r for r in quick_records(EXPERIMENT) if r["variant"] != "noop"]
    for record in records:
        assert record["outcome"] == "ok", f"{record['lang']} {record['variant']}: {record.get('reason')}"
    return records


def test_only_an_explicit_collection_frees_the_cycles(quick_records):
    # del_cycle must keep its three lists because the collector never ran, not by chance:
    # 0 automatic collections in it, and exactly the 2 explicit ones in del_cycle_collect.
    records = ok_records(quick_records)
    expected_collections = {"del_cycle": 0, "del_cycle_collect": 2}
    for record in records:
        if record["variant"] in expected_collections:
            assert record["metrics"]["gc_collections_count"] == expected_collections[record["variant"]], record["size"]


def test_the_phase_ends_right_after_the_free(quick_records):
    # end_delta_bytes is the "kept after free" figure only if nothing happens between the free and the
    # end of the phase: the RSS noted after the free and the RSS at the end agree within 1 MiB.
    freeing = [r for r in ok_records(quick_records) if "rss_after_free_bytes" in r["metrics"]]
    assert {(r["lang"], r["variant"]) for r in freeing} == {
        ("py", "arena_kept"), ("py", "arena_released"), ("py", "heap_kept"), ("py", "heap_trimmed"),
        ("cpp", "heap_kept"), ("cpp", "heap_trimmed")}
    for record in freeing:
        assert abs(record["metrics"]["rss_after_free_bytes"] - record["rss_end_bytes"]) <= 1 * MIB, (
            record["lang"], record["variant"], record["size"])


def test_free_keeps_the_heap_and_malloc_trim_returns_it(quick_records):
    # At every quick size, not only the largest that test_claims checks. After free(), at least 90% of
    # the blocks stay resident (measured ~100%; 90% leaves room for blocks glibc placed above the last).
    # After malloc_trim(0), only the last 64 KiB block stays, plus at most 1 MiB of allocator
    # bookkeeping and page rounding (measured 0.1-0.7 MiB).
    records = ok_records(quick_records)
    for lang in ("py", "cpp"):
        for size in sorted({r["size"] for r in records}):
            def end_delta(variant):
                [record] = [r for r in records if (r["lang"], r["variant"], r["size"]) == (lang, variant, size)]
                return record["end_delta_bytes"]
            assert end_delta("heap_kept") >= 0.9 * end_delta("heap_held"), (lang, size)
            assert end_delta("heap_trimmed") <= BLOCK_BYTES + 1 * MIB, (lang, size)
