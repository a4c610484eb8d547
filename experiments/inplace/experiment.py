"""Processing in place (the article's remedy 6), Python side.

Every variant applies the same function f(x) = 2x + 1 to n values that exist before the measured
phase starts; what differs is whether the result is a new container or is written over the old one.
Mirrors experiment.cpp, which also compiles the kernels of the module `inplace_kernels`.
"""
import numpy as np

SCALE = 2.0
OFFSET = 1.0


def f(x):
    return x * SCALE + OFFSET


def distinct_floats(n):
    """The input list: n distinct float objects."""
    return [i * 0.5 for i in range(n)]


def values_array(n):
    """The same n values as a float64 array."""
    return np.arange(n, dtype=np.float64) * 0.5


def check_last(values, expected_last):
    """Every variant computes the same thing: a wrong last value means a variant skipped its work."""
    if len(values) and values[-1] != expected_last:
        raise AssertionError(f"last value {values[-1]!r}, expected {expected_last!r}")


def index_loop(large):
    """The article's in-place loop."""
    for i in range(len(large)):
        large[i] = f(large[i])


def index_loop_inline(large):
    """The same loop with f written out: no Python call per element, so the indexing's own cost shows."""
    for i in range(len(large)):
        large[i] = large[i] * SCALE + OFFSET


# Lists: the article's two ways.

def variant_baseline(run):
    """The article's comprehension, large = [f(x) for x in large]: the old and the new list coexist."""
    large = distinct_floats(run.size)
    run.start()
    large = [f(x) for x in large]
    run.stop()
    check_last(large, f((run.size - 1) * 0.5))


def variant_remedy(run):
    """The article's index loop, large[i] = f(large[i]): each new float reuses a block an old one freed."""
    large = distinct_floats(run.size)
    run.start()
    index_loop(large)
    run.stop()
    check_last(large, f((run.size - 1) * 0.5))


def variant_baseline_inline(run):
    """The comprehension with f written out, [x * k + b for x in large]: the twin of remedy_inline."""
    large = distinct_floats(run.size)
    run.start()
    large = [x * SCALE + OFFSET for x in large]
    run.stop()
    check_last(large, f((run.size - 1) * 0.5))


def variant_remedy_inline(run):
    """The index loop with f written out, large[i] = large[i] * k + b: the loop's own cost, with no call."""
    large = distinct_floats(run.size)
    run.start()
    index_loop_inline(large)
    run.stop()
    check_last(large, f((run.size - 1) * 0.5))


# The same two inline loops as a script's top level runs them: there every name (large, i, x's list) is a
# global, looked up in a dict, where inside a function it is a local in a fixed slot. A comprehension has
# its own scope in both places, so only the index loop pays.
SCRIPT_COMPREHENSION = compile("large = [x * SCALE + OFFSET for x in large]\n", "<script>", "exec")
SCRIPT_INDEX_LOOP = compile("for i in range(len(large)):\n    large[i] = large[i] * SCALE + OFFSET\n",
                            "<script>", "exec")


def run_as_script(run, code):
    namespace = {"large": distinct_floats(run.size), "SCALE": SCALE, "OFFSET": OFFSET}
    run.start()
    exec(code, namespace)  # one dict for globals and locals, as at a module's top level
    run.stop()
    check_last(namespace["large"], f((run.size - 1) * 0.5))


def variant_baseline_script(run):
    """The inline comprehension at a script's top level (names are globals): the twin of remedy_script."""
    run_as_script(run, SCRIPT_COMPREHENSION)


def variant_remedy_script(run):
    """The inline index loop at a script's top level: every large and i is a dict lookup, not a local slot."""
    run_as_script(run, SCRIPT_INDEX_LOOP)


def variant_index_loop_on_zeros(run):
    """The same loop over [0.0] * n: one shared float becomes n new ones, so memory grows by 32 B each."""
    large = [0.0] * run.size  # n slots, one float object
    run.start()
    index_loop(large)
    run.stop()
    check_last(large, f(0.0))


def variant_compiled_list_loop(run):
    """The index loop compiled (pybind11, as Cython would), on the list: still one new float per element."""
    import inplace_kernels  # compiled into oomlab (experiment.cpp), so only importable there

    large = distinct_floats(run.size)
    run.start()
    inplace_kernels.scale_add_list(large, SCALE, OFFSET)
    run.stop()
    check_last(large, f((run.size - 1) * 0.5))


# NumPy arrays.

def run_on_array(run, operation):
    a = values_array(run.size)
    run.start()
    a = operation(a)
    run.stop()
    check_last(a, f((run.size - 1) * 0.5))


def variant_expression(run):
    """a = a * k + b: a new array (NumPy reuses the a * k temporary for the +), then the old one goes."""
    run_on_array(run, lambda a: a * SCALE + OFFSET)


def assign_into_self(a):
    a[:] = a * SCALE + OFFSET  # the right side is a whole temporary array before the copy into a
    return a


def variant_expression_into_self(run):
    """a[:] = a * k + b: written back into a, but only after the right side made a temporary array."""
    run_on_array(run, assign_into_self)


def scale_add_operators(a):
    a *= SCALE
    a += OFFSET
    return a


def variant_remedy_inplace_ops(run):
    """a *= k; a += b: two in-place ufuncs over a's own buffer, no new array."""
    run_on_array(run, scale_add_operators)


def scale_add_out(a):
    np.multiply(a, SCALE, out=a)
    np.add(a, OFFSET, out=a)
    return a


def variant_remedy_out(run):
    """np.multiply(a, k, out=a); np.add(a, b, out=a): the same, with out= spelled out."""
    run_on_array(run, scale_add_out)


def variant_remedy_compiled(run):
    """A compiled kernel (pybind11, the article's Cython) writing k·x + b over the array's own buffer."""
    import inplace_kernels  # compiled into oomlab (experiment.cpp), so only importable there

    def scale_add_compiled(a):
        inplace_kernels.scale_add(a, SCALE, OFFSET)  # refuses (never copies) an array it cannot change
        return a

    run_on_array(run, scale_add_compiled)
    # No copy, ever: an array the kernel could only change through a copy is refused.
    try:
        inplace_kernels.scale_add(np.zeros(4, dtype=np.float32), SCALE, OFFSET)
    except TypeError:
        pass
    else:
        raise AssertionError("inplace_kernels.scale_add accepted a float32 array: it would change a copy")
