"""Command-line options that are shorthands for config keys, written as the ``--set`` overrides they stand for.

``gankit train --data FILE --discrete a,b --sep tab --device cpu`` means ``data.path``,
``data.source``, ``tabular.discrete``, ``data.sep`` and ``train.device``; turning the options
into overrides lets the config be built once, by one function, and checked like any ``--set``.
"""

from __future__ import annotations

from pathlib import Path

from gankit.config import FILE_SOURCE_OF_FAMILY, apply_overrides, load_raw, toml_string
from gankit.errors import UserError

SEP_NAMES = {"tab": "\t", "\\t": "\t", "space": " "}  # --sep spellings a shell passes easily


def shorthand_overrides(discrete: str | None, sep: str | None, device: str | None) -> list[str]:
    """``--discrete a,b``, ``--sep X`` and ``--device D`` as overrides (none for an option not given)."""
    overrides = []
    if discrete is not None:
        names = [name.strip() for name in discrete.split(",") if name.strip()]
        overrides.append("tabular.discrete=[" + ", ".join(toml_string(name) for name in names) + "]")
    if sep is not None:
        overrides.append(f"data.sep={toml_string(SEP_NAMES.get(sep, sep))}")
    if device is not None:
        overrides.append(f"train.device={toml_string(device)}")
    return overrides


def data_overrides(preset: str, overrides: list[str], data: Path) -> list[str]:
    """``--data PATH`` as overrides: the path, and the source it is for the preset's nets (a folder is images;
    a file is a table for the tabular nets, an image array for the image nets, else rows)."""
    family = apply_overrides(load_raw(preset), overrides).get("model", {}).get("kind", "mlp")  # before validation
    source = "images" if data.is_dir() else FILE_SOURCE_OF_FAMILY.get(family, "file")
    return [f"data.path={toml_string(str(data))}", f'data.source="{source}"']


def check_set_syntax(argv: list[str]) -> None:
    """``--set train.epochs 5`` (a space for ``=``) would be read as a stray argument: say what to write."""
    for i, arg in enumerate(argv[:-1]):
        if arg == "--set" and "=" not in argv[i + 1]:
            value = argv[i + 2] if i + 2 < len(argv) and not argv[i + 2].startswith("-") else "VALUE"
            raise UserError(f"--set takes key=value joined by '=': write --set {argv[i + 1]}={value}")
