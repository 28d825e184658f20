"""What README.md shows as printed output is what the code prints (``scripts/doc_outputs.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import doc_outputs  # noqa: E402

VERSION_REGION = """Some text.

<!-- output: gankit --version -->
```text
{shown}
```
<!-- end output -->
"""


def test_a_region_that_matches_a_fresh_run_has_no_drift(tmp_path):
    from gankit import __version__

    page = tmp_path / "page.md"
    page.write_text(VERSION_REGION.format(shown=f"gankit {__version__}"))
    assert doc_outputs.drift(page) == []


def test_a_region_that_drifted_is_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(VERSION_REGION.format(shown="gankit 0.0.0-stale"))
    diff = doc_outputs.drift(page)
    assert "-gankit 0.0.0-stale" in diff


def test_a_python_region_prints_the_block_above_it(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(6 * 7)\n```\n\n<!-- output: python -->\n<!-- end output -->\n")
    _, fresh = doc_outputs.regenerated(page)
    assert fresh[-4:] == ["```text", "42", "```", "<!-- end output -->"]


def test_machine_dependent_figures_are_masked():
    assert doc_outputs.masked(["loss_D 0.693, loss_G 0.698, 3991.0 examples/sec", "took 12.5 s", "0:00:44"]) == [
        "loss_D 0.693, loss_G 0.698, N examples/sec", "took N s", "H:MM:SS"
    ]


def test_a_region_without_its_end_is_refused(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("<!-- output: gankit --version -->\n```text\n```\n")
    with pytest.raises(SystemExit, match="has no"):
        doc_outputs.regenerated(page)


def test_the_readme_prints_what_it_shows():
    """The quick start's verdict and p-values, the seeds table and the Python examples, rerun as written."""
    assert doc_outputs.regions((REPO / "README.md").read_text().splitlines()), "README.md has no generated output"
    diff = doc_outputs.drift(REPO / "README.md")
    assert diff == [], "README.md's outputs drifted; rerun python scripts/doc_outputs.py --write README.md\n" + "\n".join(diff)
