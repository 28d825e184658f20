"""The fenced code blocks of a Markdown page and the marker above each that says how it is tested.

``<!-- docs-test: run ARGS -->`` above a ```bash block: its ``gankit`` lines run in order, with ARGS (cheap
settings such as ``--set train.epochs=1``) appended to ``train``, ``sweep`` and ``bench`` commands in CI;
``<!-- docs-test: python -->``: the block is executed; ``<!-- docs-test: parse -->``: a ```toml block parses;
``<!-- docs-test: skip (REASON) -->``: left to the reader, for a reason. Used by the docs build's hooks and by
``tests/test_docs.py``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^<!-- docs-test: (run|python|parse|skip)\s*(.*?)\s*-->$")
TRAINING = {"train", "sweep", "bench"}
TESTED_LANGUAGES = {"bash", "python", "toml"}


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    language: str
    how: str  # run, python, parse, skip or "" (no marker)
    detail: str  # the arguments to append (run) or the reason (skip)
    text: list[str]


def page_blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page`` (indented fences included), with the marker on the line above it."""
    lines = page.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith("```"):
            indent = len(lines[i]) - len(lines[i].lstrip())
            language = stripped[3:].strip()
            marker = MARKER.match(lines[i - 1].strip()) if i > 0 else None
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```"))
            blocks.append(Block(i + 1, language, marker.group(1) if marker else "", marker.group(2) if marker else "",
                                [line[indent:] for line in lines[i + 1:end]]))
            i = end
        i += 1
    return blocks


def gankit_commands(block: Block) -> list[list[str]]:
    """The block's ``gankit …`` commands as argument lists (continuations joined, comments dropped)."""
    joined = "\n".join(block.text).replace("\\\n", " ")
    words = [shlex.split(part, comments=True) for line in joined.splitlines() for part in line.split("&&")]
    return [command[1:] for command in words if command and command[0] == "gankit"]


def with_cheap_settings(argv: list[str], block: Block) -> list[str]:
    """``argv`` with the block's cheap settings appended when it trains."""
    return [*argv, *shlex.split(block.detail)] if argv and argv[0] in TRAINING else argv
