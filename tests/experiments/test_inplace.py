# Protects the lesson of experiments/inplace: every in-place variant stays in place at every size
# (what a new container costs per element is checked in test_theory.py). One stray
# copy (a NumPy call without out=, a pybind11 argument converted to a new array, a C++ vector passed by
# value) would still compute the right numbers while silently doubling the memory.
EXPERIMENT = "inplace"
MIB = 1024 * 1024
IN_PLACE = {
    ("py", "remedy"), ("py", "compiled_list_loop"), ("py", "remedy_inplace_ops"), ("py", "remedy_out"),
    ("py", "remedy_compiled"), ("cpp", "remedy"), ("cpp", "remedy_inplace_ops"), ("cpp", "expression_into_self"),
}


def measured_records(quick_records):
    return [r for r in quick_records(EXPERIMENT) if r["variant"] != "noop"]


def test_every_variant_computed_the_same_result(quick_records):
    # Each variant checks its last value after the phase and raises if it is not f(x) (a variant that
    # skipped its work would measure as a perfect "in place"); remedy_compiled also checks that the
    # kernel refuses a float32 array instead of changing a converted copy.
    records = measured_records(quick_records)
    assert {r["lang"] for r in records} == {"py", "cpp"}
    for record in records:
        assert record["outcome"] == "ok", f"{record['lang']} {record['variant']}: {record.get('reason')}"


def test_in_place_variants_add_under_a_mebibyte_at_every_size(quick_records):
    # Theory 0; measured 0 B here (not one new page). A copy of the smallest quick input (200,000 doubles) is 1.5 MiB,
    # so 1 MiB catches a copy at every size, not only at the largest one that test_claims checks.
    records = [r for r in measured_records(quick_records) if (r["lang"], r["variant"]) in IN_PLACE]
    assert {(r["lang"], r["variant"]) for r in records} == IN_PLACE
    for record in records:
        assert record["peak_delta_bytes"] < 1 * MIB, (record["lang"], record["variant"], record["size"])
