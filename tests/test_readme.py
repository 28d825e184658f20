"""README.md runs as written: its fenced commands, in order, in a fresh folder holding the clone's examples/.

Each ```bash or ```python block is preceded by a marker saying how it is tested:
``<!-- readme-test: run ARGS -->`` runs its ``gankit`` lines in order, appending ARGS (e.g.
``--set train.epochs=1``) to ``train``, ``sweep`` and ``bench`` commands (other lines, such as
``pip install``, are the reader's); ``<!-- readme-test: python -->`` marks a Python block whose printed
output follows it as a generated region (``scripts/doc_outputs.py``), so ``tests/test_doc_outputs.py`` runs it
as written and compares what it prints; ``<!-- readme-test: skip (REASON) -->`` leaves it to the reader.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARKER = re.compile(r"^<!-- readme-test: (run|skip|python)\s*(.*?)\s*-->$")
TRAINING = {"train", "sweep", "bench"}


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    language: str
    how: str  # run, skip or "" (no marker)
    detail: str  # the arguments to append (run) or the reason (skip)
    text: list[str]


def readme_blocks() -> list[Block]:
    lines = README.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].startswith("```"):
            language = lines[i][3:].strip()
            marker = MARKER.match(lines[i - 1].strip()) if i > 0 else None
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            blocks.append(Block(i + 1, language, marker.group(1) if marker else "", marker.group(2) if marker else "",
                                lines[i + 1:end]))
            i = end
        i += 1
    return blocks


def gankit_commands(block: Block) -> list[list[str]]:
    """The block's ``gankit …`` commands as argument lists (continuations joined, comments dropped; a line
    ``pip install … && gankit …`` contributes its gankit part)."""
    joined = "\n".join(block.text).replace("\\\n", " ")
    words = [shlex.split(part, comments=True) for line in joined.splitlines() for part in line.split("&&")]
    return [command[1:] for command in words if command and command[0] == "gankit"]


def test_every_code_block_says_how_it_is_tested():
    unmarked = [block.line for block in readme_blocks() if block.language in ("bash", "python") and not block.how]
    assert unmarked == [], f"README.md blocks without a readme-test marker at lines {unmarked}"
    assert all(block.detail for block in readme_blocks() if block.how == "skip"), "a skipped block names its reason"


def test_every_python_block_is_run_by_the_output_check():
    lines = README.read_text().splitlines()
    for block in readme_blocks():
        if block.how == "python":
            assert block.language == "python", f"README.md line {block.line}: 'readme-test: python' on a {block.language} block"
            close = block.line + len(block.text)  # 0-based index of the closing fence
            following = next(line.strip() for line in lines[close + 1:] if line.strip())
            assert following == "<!-- output: python -->", f"README.md line {block.line}: no output region after it"


def test_the_readme_runs_in_order_in_a_fresh_folder(tmp_path, monkeypatch, capsys):
    from gankit.cli import run

    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    ran = 0
    for block in readme_blocks():
        if block.how != "run":
            continue
        extra = shlex.split(block.detail)
        for argv in gankit_commands(block):
            full = [*argv, *extra] if argv and argv[0] in TRAINING else argv
            code = run(full)
            printed = capsys.readouterr()
            assert code == 0, f"README.md line {block.line}: gankit {shlex.join(full)} exited {code}: {printed.err[-800:]}"
            ran += 1
    assert ran >= 8  # the quick start, the toy, sweep, table and image blocks all ran
    assert (tmp_path / "runs" / "latest").is_dir() and (tmp_path / "synthetic.csv").is_file()


@pytest.mark.parametrize("line", ["gankit sample runs/0001-", "runs/0001-d2l-gaussian/config.toml", "--resume runs/0003"])
def test_no_command_assumes_a_run_number(line):
    assert line not in README.read_text()
