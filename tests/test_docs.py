"""The docs site builds strictly, and every command and code block in it runs as written.

The site (``mkdocs.yml``, ``docs/``) is built with ``mkdocs build --strict``, which fails on a broken link or
reference; its hooks run the tutorial's commands and generate the reference pages, so the build itself checks
them. Each page's fenced blocks say how they are tested (``docs/hooks/doc_blocks.py``): ``run`` blocks run their
``gankit`` lines in order in a fresh folder holding the clone's ``examples/`` (training one epoch), ``python``
blocks are executed there (every ``gankit.GAN`` trains one epoch), ``parse`` blocks must be valid TOML.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
sys.path.insert(0, str(DOCS / "hooks"))

from doc_blocks import TESTED_LANGUAGES, gankit_commands, page_blocks, with_cheap_settings  # noqa: E402

PAGES = sorted(DOCS.rglob("*.md"))
CHEAP_GAN = ["train.epochs=1", "eval.n=200", "eval.permutations=19"]


def test_the_docs_have_the_pages_the_site_promises():
    names = {str(page.relative_to(DOCS)) for page in PAGES}
    assert {"tutorial.md", "zh/tutorial.md", "evaluation.md", "guides/tables.md", "guides/runs-that-survive.md",
            "guides/distributed.md", "guides/live-view.md", "guides/trackers.md", "guides/sweeps.md",
            "guides/images.md", "reference/api.md", "benchmarks/index.md"} <= names


def test_every_code_block_says_how_it_is_tested():
    unmarked = [f"{page.relative_to(DOCS)}:{block.line}" for page in PAGES for block in page_blocks(page)
                if block.language in TESTED_LANGUAGES and not block.how]
    assert unmarked == [], f"docs blocks without a docs-test marker: {unmarked}"
    reasons = [block.detail for page in PAGES for block in page_blocks(page) if block.how == "skip"]
    assert all(reasons), "a skipped block names its reason"


def test_the_chinese_tutorial_runs_the_english_one_s_commands_and_code():
    def runnable(page: Path) -> list[tuple[str, list[list[str]]]]:
        return [(block.how, gankit_commands(block)) for block in page_blocks(page) if block.how in ("run", "python", "parse")]

    english, chinese = runnable(DOCS / "tutorial.md"), runnable(DOCS / "zh" / "tutorial.md")
    assert english == chinese and sum(how == "run" for how, _ in english) >= 3


def _cheap_gan(gan_class):
    class CheapGAN(gan_class):
        def __init__(self, config="d2l-gaussian", overrides=None, seed=None, **options):
            super().__init__(config, [*(overrides or []), *CHEAP_GAN], seed, **options)
    return CheapGAN


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_the_page_runs_as_written_in_a_fresh_folder(page, tmp_path, monkeypatch, capsys):
    blocks = [block for block in page_blocks(page) if block.how in ("run", "python", "parse")]
    if not blocks:
        pytest.skip("no runnable blocks")
    import gankit
    from gankit.cli import run

    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(gankit, "GAN", _cheap_gan(gankit.GAN))
    for block in blocks:
        where = f"{page.relative_to(DOCS)}:{block.line}"
        if block.how == "parse":
            tomllib.loads("\n".join(block.text))
        elif block.how == "python":
            exec(compile("\n".join(block.text), where, "exec"), {"__name__": "__docs__"})
        else:
            commands = gankit_commands(block)
            assert commands, f"{where}: a run block without gankit commands"
            for argv in commands:
                full = with_cheap_settings(argv, block)
                code = run(full)
                printed = capsys.readouterr()
                assert code == 0, f"{where}: gankit {' '.join(full)} exited {code}: {printed.err[-800:]}"


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (pip install -e .[docs])")
def test_the_site_builds_strictly_with_the_tutorial_run_and_the_reference_generated(tmp_path):
    from gankit.config import preset_names
    from gankit.config_keys import config_keys

    site = tmp_path / "site"
    env = {**os.environ, "GANKIT_DOCS_CHEAP": "1", "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    for tutorial in ("tutorial.html", "zh/tutorial.html"):
        html = (site / tutorial).read_text()
        assert "figures/0001-d2l-gaussian/losses.png" in html and "STINGUISHABLE" in html  # run, and its verdict shown
    assert (site / "figures" / "0002-gaussian" / "samples.png").stat().st_size > 1000
    config_page = (site / "reference" / "config.html").read_text()
    assert all(doc.key in config_page for doc in config_keys())
    presets_page = (site / "reference" / "presets.html").read_text()
    assert all(f'id="{name}"' in presets_page for name in preset_names())
    cli_page = (site / "reference" / "cli.html").read_text()
    assert all(command in cli_page for command in ("gankit train", "gankit sweep", "gankit config keys", "--resume"))
    assert "gankit.GAN" in (site / "reference" / "api.html").read_text()
    assert (site / "search" / "search_index.json").is_file()
    offline = [p.name for p in site.rglob("*.html") if "fonts.googleapis" in p.read_text()]
    assert offline == []
