"""Will it fit? Memory estimates checked *before* anything big is allocated.

A request that cannot fit (a huge ``sample -n``, nets of 10¹⁰ weights, an ``.npy``
whose header claims billions of rows) is refused with one line saying how much it
needs and how much there is, instead of dying in the allocator.
"""

from __future__ import annotations

import os
from pathlib import Path

from gankit.errors import UserError

GB = 1024**3


def available_bytes() -> int:
    """Memory this process can still take: Linux's MemAvailable, else free pages, else a very large number."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def check_fits(needed: int, what: str, hint: str = "", available: int | None = None) -> None:
    """Refuse ``what`` (one UserError line) when it needs more than the memory available."""
    available = available_bytes() if available is None else available
    if needed > available:
        advice = f"; {hint}" if hint else ""
        raise UserError(f"{what} needs about {size_text(needed)} of memory but {size_text(available)} is available{advice}")


def size_text(nbytes: float) -> str:
    """Bytes in the largest unit that keeps the number ≥ 1 (1.5 GB, 320 MB, 12 kB)."""
    for unit, scale in (("TB", 1024**4), ("GB", GB), ("MB", 1024**2), ("kB", 1024)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{int(nbytes)} B"
