"""MkDocs hook: run the tutorial's commands at build time, so its figures and printed results are real.

The ``gankit`` commands of the tutorial (``tutorial.md``; the Chinese page runs the same commands) run in
order in a fresh folder holding the repository's ``examples/``. After each ``gankit train`` the run's two
figures are added to the site as ``figures/<run directory>/losses.png`` and ``samples.png``, and a page line
``<!-- docs-output: COMMAND -->`` is replaced by what COMMAND printed. With ``GANKIT_DOCS_CHEAP=1`` (the
docs test in CI) each command gets its block's cheap settings, so the build takes seconds, not minutes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))
from doc_blocks import gankit_commands, page_blocks, with_cheap_settings  # noqa: E402

TUTORIAL_PAGES = ("tutorial.md", "zh/tutorial.md")
FIGURES = ("losses.png", "samples.png")
OUTPUT_MARKER = re.compile(r"^<!-- docs-output: (.+?) -->$", re.MULTILINE)
_printed: dict[str, str] = {}  # command as written -> what it printed


def on_files(files: Files, config) -> Files:
    docs = Path(config["docs_dir"])
    cheap = os.environ.get("GANKIT_DOCS_CHEAP") == "1"
    _printed.clear()
    with tempfile.TemporaryDirectory(prefix="gankit-docs-") as folder:
        work = Path(folder)
        shutil.copytree(docs.parent / "examples", work / "examples")
        for page in TUTORIAL_PAGES:
            for block in page_blocks(docs / page):
                if block.how != "run":
                    continue
                for argv in gankit_commands(block):
                    written = shlex.join(["gankit", *argv])
                    if written in _printed:
                        continue  # the Chinese page repeats the English one's commands
                    _printed[written] = _run(with_cheap_settings(argv, block) if cheap else argv, work)
                    if argv[0] == "train":
                        files = _add_figures(files, config, work / "runs" / "latest")
    return files


def _run(argv: list[str], folder: Path) -> str:
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-m", "gankit", *argv], cwd=folder, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the tutorial's command gankit {shlex.join(argv)} exited {done.returncode}: {done.stderr[-800:]}")
    return done.stdout.rstrip()


def _add_figures(files: Files, config, run: Path) -> Files:
    name = run.resolve().name
    for figure in FIGURES:
        path = f"figures/{name}/{figure}"
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=(run / "plots" / figure).read_bytes()))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Put each command's printed result where the page asks for it."""
    def printed(match: re.Match) -> str:
        command = match.group(1).strip()
        if command not in _printed:
            raise RuntimeError(f"{page.file.src_path}: no tutorial command '{command}' ran (docs-output marker)")
        return "```text\n" + _printed[command] + "\n```"
    return OUTPUT_MARKER.sub(printed, markdown)
