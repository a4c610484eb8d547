"""The opening of the "Beyond the article" part: what the article left out, and a decision chart of
which remedy to try first, from the shape of the data and how it is accessed. Each row links to the
section where that remedy is measured; rows whose experiment is missing are left out.
"""

from report import blocks as b

ANCHOR = "beyond"

# (the situation, the first remedy to try, the experiments that measure it), in the order to ask.
DECISION_CHART = [
    ("You do not yet know where the memory goes",
     "Measure first: RSS over time, not only tracemalloc (C extensions, mapped files and untouched pages differ)",
     ["measuring_first", "calibrate"]),
    ("Numbers held in lists of Python objects",
     "A NumPy array (float64: 8 B per value instead of ~40 B); float32 or a narrower integer where range allows",
     ["list_to_numpy", "list_to_numpy_ints", "float32", "smaller_dtypes"]),
    ("Many small records (objects, dicts)",
     "Columns (a structured array, `array` columns): `__slots__` saves far less (see its section)",
     ["small_objects"]),
    ("Repeated strings, mostly-zero matrices",
     "Categorical codes; `scipy.sparse`",
     ["list_to_numpy_strings", "smaller_dtypes"]),
    ("The peak is a transient: old and new data alive together",
     "Rebind or `del` between steps; update in place (NumPy `out=`, `*=`; a compiled loop)",
     ["del_and_rebind", "inplace"]),
    ("Memory is multiplied by worker processes",
     "Share instead of copy: fork-inherited NumPy, shared memory, threads; fewer workers, smaller chunks",
     ["processes"]),
    ("RSS stays high after the data is freed",
     "`malloc_trim(0)`, fewer malloc arenas, recycled workers",
     ["allocator"]),
    ("The data is bigger than memory but read in passes",
     "Stream it in chunks or map it from disk; Dask when one machine is not enough",
     ["out_of_core"]),
    ("Big data that is rarely touched and compresses",
     "Keep it compressed in memory (zstd); let the kernel do it (zram swap)",
     ["compression", "swap"]),
    ("The working set is touched all over, all the time",
     "Add RAM: swap helps only when memory is cold or read in order, on an SSD or zram",
     ["swap"]),
]


def section_opening(document, experiments_by_name):
    """Adds the part's heading, its introduction and the decision chart."""
    rows = []
    for situation, remedy, experiments in DECISION_CHART:
        links = [f"[{b.md_escape(experiments_by_name[name].title)}](#exp-{name})"
                 for name in experiments if name in experiments_by_name]
        if links:
            rows.append([situation, remedy, "; ".join(links)])
    document.add(
        b.Heading(2, "Beyond the article", ANCHOR),
        b.Paragraph(
            "The article stops at \"add RAM\". The experiments below measure what a teacher adds today: streaming "
            "and mapping data from disk, spreading it over workers, smaller representations of small objects, "
            "the allocator's part, and how to measure before choosing. Their claims are the lessons' own "
            "(marked beyond the article), checked the same way as the article's."),
        b.Heading(3, "Which remedy first? A decision chart", f"{ANCHOR}-decision-chart"),
        b.Paragraph("Ask from the top; the first row that fits names the remedy to try first, and where it is "
                    "measured on this machine."),
        b.Table(["If…", "try first", "measured in"], rows),
    )
