"""How gankit steers Python's cyclic garbage collector around its heavy moments.

With PyTorch loaded a process holds about half a million objects, and every full
collection walks all of them (about 0.1 s on a small CPU). Full collections come
when the number of objects grows by a quarter: while heavy modules load, and when
training or a sweep makes many short-lived objects. Neither finds garbage among
the objects that were already there, so gankit keeps those out of the scans.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def objects_frozen() -> Iterator[None]:
    """Keep the objects that exist now out of the collector's scans while the block runs.

    ``gc.freeze`` moves them to a permanent generation for the duration (what Python's
    documentation recommends for long-lived objects), ``gc.unfreeze`` hands them back to the
    collector afterwards, unless objects were frozen already (by the caller, whose choice that stays).
    """
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while the block runs (heavy imports: modules are never garbage).

    Importing PyTorch and the job's modules ran four full collections, about 0.25 s of a
    ``gankit train`` start, that found nothing. A caller's choice to keep the collector off stays.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
