"""Calibration, Python side: make exactly run.size MiB resident, in two ways.

If the harness reports anything but about run.size MiB above baseline here, no other figure of
oomlab can be trusted.
"""
import numpy as np

MIB = 1024 * 1024


def variant_numpy(run):
    """A NumPy uint8 array of K MiB, every page written."""
    buffer = np.empty(run.size * MIB, dtype=np.uint8)
    # np.empty only reserves address space; writing makes the pages resident.
    buffer.fill(1)
    run.stop()  # measure while the buffer is alive


def variant_bytearray(run):
    """A bytearray of K MiB, every page written."""
    # Repeating one byte writes every page. bytearray(n) would too (Objects/bytearrayobject.c resizes,
    # then memsets n zero bytes); it is bytes(n) that is calloc'ed and stays untouched until written.
    buffer = bytearray(b"\x01") * (run.size * MIB)
    run.stop()
    del buffer
