# Protects the integers lesson: a list of cached small ints holds no int objects, where large ints
# cost an object each (bytes per element against theory: test_theory.py). Easy to break:
# small values that stray above 256 (each would become a new object and cost 32 B more), or a large
# value range that falls into the cache.


def bytes_per_element(records, lang, variant):
    [record] = [r for r in records if (r["lang"], r["variant"]) == (lang, variant)
                and r["size"] == max(s["size"] for s in records)]
    assert record["outcome"] == "ok", record.get("reason")
    return record["peak_delta_bytes"] / record["size"]


def test_a_list_of_small_ints_holds_no_int_objects(quick_records):
    # 256 shared objects serve every element: what is left is the list's pointers, under 10 B
    # per element, where a list of large ints pays 40 B.
    records = quick_records("list_to_numpy_ints")
    assert bytes_per_element(records, "py", "baseline_small") < 10 < 40 < bytes_per_element(records, "py", "baseline")
