"""Start-up stays cheap: the command line's light paths never import the heavy libraries.

Not timed (wall time is bench/startup.py's job): each case runs in a fresh interpreter and
checks ``sys.modules`` after it, so importing torch & co. at module level anywhere on these
paths makes it fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("torch", "sklearn", "scipy", "pandas", "matplotlib", "pyarrow")

PROBE = """
import io, json, sys, contextlib
sys.path.insert(0, {src!r})
{body}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def heavy_modules_after(body: str) -> list[str]:
    """The heavy modules loaded once ``body`` has run in a fresh interpreter."""
    code = PROBE.format(src=str(SRC), body=body, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_body(*argv: str) -> str:
    """Run ``gankit ARGV`` in-process with its output swallowed."""
    return ("from gankit.cli import run\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
            f"    code = run({list(argv)!r})\n")


def test_import_gankit_and_its_config_load_no_heavy_library():
    assert heavy_modules_after("import gankit, gankit.cli, gankit.config; gankit.load_preset('d2l-gaussian')") == []


@pytest.mark.parametrize("argv", [
    ["--help"], ["--version"], ["presets"], ["train", "--help"], ["config", "keys", "train"],
    ["train", "d2l-gaussian", "--set", "no.such=1"], ["train", "d2l-gaussian", "--dry-run"], ["runs", "--root", "nowhere"],
])
def test_light_commands_load_no_heavy_library(argv):
    assert heavy_modules_after(cli_body(*argv)) == []


def test_gan_loads_torch_on_first_use():
    loaded = heavy_modules_after("import gankit\nassert 'torch' not in sys.modules\ngankit.GAN")
    assert "torch" in loaded  # the lazy attribute really imports the library behind it


def test_the_collector_is_paused_only_while_heavy_modules_load():
    import gc

    from gankit.collector import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's choice to keep it off stays
    finally:
        gc.enable()
