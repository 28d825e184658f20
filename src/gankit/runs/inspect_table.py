"""``gankit inspect DATA``: a table's column kinds and the constraints that hold on it, as a config snippet.

The snippet is printed; ``--write-config FILE`` accepts every suggestion in one step: a new FILE is the ``tabular``
preset followed by the suggestions, an existing one gets them appended. Either way the result is validated as a
config before anything is written, and written whole (``atomic_write``), so a bad FILE is never half-changed.
"""

from __future__ import annotations

from importlib import resources
import tempfile
from pathlib import Path

from gankit.atomic_write import atomic_write
from gankit.config import load_config
from gankit.data.column_kinds import infer_kinds, kinds_line
from gankit.data.constraint_discovery import discover_constraints, suggestions_toml
from gankit.data.frame_io import read_frame
from gankit.errors import UserError


def inspect_table(data: Path, sep: str | None = None, write_config: Path | None = None) -> str:
    """What ``gankit inspect`` prints: the column kinds, the snippet, and where it was written (if it was)."""
    frame = read_frame(data, sep)
    specs = infer_kinds(frame, origin=str(data))
    suggestions = discover_constraints(frame, specs)
    snippet = suggestions_toml(suggestions, data.name)
    lines = [kinds_line(specs), "", snippet.rstrip()]
    if write_config is not None:
        if not suggestions:
            raise UserError(f"{data}: no constraint to write to {write_config}")
        _write_config(write_config, snippet)
        written = f"wrote {len(suggestions)} constraint{'s' if len(suggestions) > 1 else ''} to {write_config}"
        lines += ["", f"{written}; train with: gankit train {write_config} --data {data}"]
    return "\n".join(lines)


def _write_config(path: Path, snippet: str) -> None:
    """Append ``snippet`` to the config at ``path`` (a new one starts from the tabular preset), validated first."""
    if path.suffix != ".toml":
        raise UserError(f"--write-config {path}: a config file ends in .toml")
    if path.exists():
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + snippet
    else:
        text = (resources.files("gankit") / "presets" / "tabular.toml").read_text() + "\n" + snippet
    with tempfile.TemporaryDirectory() as scratch:  # checked in a private folder: no name another writer shares
        trial = Path(scratch) / path.name
        trial.write_text(text, encoding="utf-8")
        try:
            load_config(str(trial))
        except UserError as err:
            raise UserError(f"--write-config {path}: the config with the constraints would not load: "
                            f"{str(err).replace(str(trial), str(path))}") from None
    atomic_write(path, text)
