"""What ships speaks to users: no words from how gankit was developed, and no paths outside the repository.

A user cannot know what a numbered work item or a numbered working round means, so such words are defects in
code, comments, presets, tests, docs and benchmarks. The one path outside the repository allowed is the chapter's
script, an optional cross-check in bench/ and its test, on a line that says it is used only when present.
The pattern is assembled from pieces so that this file does not match itself.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCANNED = ["src", "README.md", "CONTRIBUTING.md", "docs", "tests", "bench", "examples", "mkdocs.yml"]
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".sh", ".yml", ".yaml", ".html", ".js", ".css", ".json", ".ipynb", ""}
_WORDS = "|".join(["is" + r"sue [0-9]", "ses" + r"sion [0-9]", r"\bst" + r"op [0-9]"])
DEVELOPMENT_WORDS = re.compile(_WORDS, re.IGNORECASE)
OUTSIDE_PATH = re.compile(re.escape(".." + "/shared"))
OPTIONAL_NOTE = "when present"


def shipped_text_files() -> list[Path]:
    files = []
    for name in SCANNED:
        root = REPO / name
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        files += [path for path in candidates if path.is_file() and path.suffix in TEXT_SUFFIXES
                  and not _build_output(path) and path.stat().st_size < 2_000_000]
    return files


def _build_output(path: Path) -> bool:
    """Files that installing or building writes (caches, egg-info, the site): made here, never committed."""
    return any(part == "__pycache__" or part.endswith(".egg-info") or part == "site" for part in path.parts)


def offending_lines(path: Path) -> list[str]:
    lines = path.read_text(errors="replace").splitlines()
    found = []
    for number, line in enumerate(lines, 1):
        outside = OUTSIDE_PATH.search(line) and OPTIONAL_NOTE not in line
        if DEVELOPMENT_WORDS.search(line) or outside:
            found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    return found


def test_the_pattern_catches_what_it_should():
    assert DEVELOPMENT_WORDS.search("as Is" + "sue 18 asks") and DEVELOPMENT_WORDS.search("(ses" + "sion 8)")
    assert not DEVELOPMENT_WORDS.search("a sessions table") and not DEVELOPMENT_WORDS.search("stop the run")
    assert OUTSIDE_PATH.search("see .." + "/shared/BENCHMARKS.md")


def test_nothing_that_ships_speaks_of_how_it_was_developed():
    files = shipped_text_files()
    assert len(files) > 100  # the scan really reads the package, the tests and the benchmarks
    found = [line for path in files for line in offending_lines(path)]
    assert found == [], "development words in shipped files:\n" + "\n".join(found)
