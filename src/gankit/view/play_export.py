"""Where the playground's next export goes: ``play-NNN`` with NNN the next number free in the folder.

Numbering follows the files already there, not a counter of this process, so a second
``gankit play`` on the same folder never replaces the first one's exports (nor orphans
their CSV files). The TOML file is created exclusively, so two playgrounds exporting
at once still get different numbers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

EXPORT_NAME = re.compile(r"^play-(\d+)\.(toml|csv)$")


def next_free_stem(folder: Path) -> tuple[Path, IO[str]]:
    """``(folder/play-NNN, the new play-NNN.toml opened for writing)``, NNN above every number in the folder."""
    taken = [int(match.group(1)) for path in folder.iterdir() if (match := EXPORT_NAME.match(path.name))]
    number = max(taken, default=0) + 1
    while True:
        stem = folder / f"play-{number:03d}"
        if not stem.with_suffix(".csv").exists():
            try:
                return stem, open(stem.with_suffix(".toml"), "x")
            except FileExistsError:
                pass
        number += 1
