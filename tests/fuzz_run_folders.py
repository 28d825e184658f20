"""Hypothesis strategies for damaged run-folder files, shared by tests/test_fuzz.py and bench/fuzz.py.

:func:`run_folder_mutations` draws ``(file name, bytes)``: one of a finished run's
``eval.json``, ``metrics.jsonl``, ``config.toml``, ``checkpoints/final/state.json`` or
``checkpoints/final/tensors.safetensors``, damaged the way disks, editors and killed
processes damage files: cut short, bytes flipped, inserted or deleted, re-encoded, a
JSON value replaced by one of another type, a line of TOML replaced.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import strategies as st

RUN_FILES = ("eval.json", "metrics.jsonl", "config.toml", "checkpoints/final/state.json",
             "checkpoints/final/tensors.safetensors")
ODD_JSON = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf, 10**400, -1, 0, 1.5, "", [], {}]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.integers(1, 60).map(lambda depth: json.loads("[" * depth + "]" * depth)),
)
TOML_LINES = st.sampled_from(["[data", "x = ", "name = 3", "[train]\nepochs = -1", "a.b.c = 1", "epochs = 1e999",
                              '"\\xff" = 1', "[[model]]", "seed = 99999999999999999999", "= 1", "\x00", "[" * 300])


def _mutate_json(draw, text: str) -> str:
    """Replace one value (found by walking the document) with a value of any type."""
    lines = text.splitlines()
    if text.lstrip().startswith("{") and len(lines) > 1 and lines[0].strip() != "{":  # JSON lines
        index = draw(st.integers(0, len(lines) - 1))
        lines[index] = _mutate_json(draw, lines[index])
        return "\n".join(lines) + "\n"
    document = json.loads(text)
    node = document
    for _ in range(draw(st.integers(0, 4))):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        if not children:
            break
        key, child = children[draw(st.integers(0, len(children) - 1))]
        if not isinstance(child, (dict, list)) or draw(st.booleans()):
            node[key] = draw(ODD_JSON)
            break
        node = child
    else:
        if isinstance(node, dict):
            node[draw(st.text(max_size=5))] = draw(ODD_JSON)
    return json.dumps(document if draw(st.integers(0, 9)) else draw(ODD_JSON), allow_nan=True)


@st.composite
def mutated(draw, name: str, data: bytes) -> bytes:
    """``data`` (the file ``name``) damaged in one or two ways."""
    for _ in range(draw(st.integers(1, 2))):
        how = draw(st.sampled_from(["cut", "flip", "insert", "delete", "encode", "structure", "structure", "empty"]))
        if how == "cut":
            data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
        elif how == "flip" and data:
            position = draw(st.integers(0, len(data) - 1))
            data = data[:position] + bytes([data[position] ^ draw(st.integers(1, 255))]) + data[position + 1:]
        elif how == "insert":
            position = draw(st.integers(0, len(data)))
            data = data[:position] + draw(st.binary(min_size=1, max_size=8)) + data[position:]
        elif how == "delete" and data:
            start = draw(st.integers(0, len(data) - 1))
            data = data[:start] + data[start + draw(st.integers(1, 16)):]
        elif how == "encode":
            data = data.decode("utf-8", errors="replace").encode(draw(st.sampled_from(["utf-16", "latin-1", "utf-32"])),
                                                                 errors="replace")
        elif how == "empty":
            data = b""
        elif how == "structure":
            data = _structured(draw, name, data)
    return data


def _structured(draw, name: str, data: bytes) -> bytes:
    """A damage that keeps the file parseable but changes what it says."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    if name.endswith((".json", ".jsonl")):
        try:
            return _mutate_json(draw, text).encode()
        except (ValueError, RecursionError):
            return data
    if name.endswith(".toml"):
        lines = text.splitlines() or [""]
        lines[draw(st.integers(0, len(lines) - 1))] = draw(TOML_LINES)
        return "\n".join(lines).encode()
    if name.endswith(".safetensors") and len(data) > 8:  # its JSON header: the first 8 bytes give its length
        size = int.from_bytes(data[:8], "little")
        header = data[8: 8 + size].decode("utf-8", errors="replace")
        try:
            changed = _mutate_json(draw, header).encode()
        except (ValueError, RecursionError):
            return data
        length = len(changed) if draw(st.integers(0, 4)) else draw(st.integers(0, 2**64 - 1))
        return length.to_bytes(8, "little") + changed + data[8 + size:]
    return data


def run_folder_mutations(run_dir: Path) -> st.SearchStrategy[tuple[str, bytes]]:
    """A damaged copy of one of ``run_dir``'s files, as (relative name, bytes)."""
    originals = {name: (run_dir / name).read_bytes() for name in RUN_FILES}
    return st.sampled_from(RUN_FILES).flatmap(lambda name: mutated(name, originals[name]).map(lambda data: (name, data)))
