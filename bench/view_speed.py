"""Benchmark: what attaching the live view costs training, and how often the browser redraws.

For each 2-D preset the same run (same seed) trains alternately without and with
the live view (the server running and, when Playwright and the system Chromium
are there, a headless page drawing every event), ``--repeats`` times each, in one
process. The figure is the training loop's own time (the last epoch's
``elapsed``, no evaluation), the median over repeats, and the ratio with/without
(the issue's goal: at most 1.10). The browser's rate is the page's redraws per
second of training (goal: at least 5).

    nice -n 19 python bench/view_speed.py
    nice -n 19 python bench/view_speed.py --presets d2l-gaussian ring --set train.epochs=4 --repeats 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from gankit.config import load_config
from gankit.runs.directory import claim_run_dir
from gankit.runs.job import train_run
from gankit.view.hub import Hub
from gankit.view.live import LiveView
from gankit.view.server import ViewServer


def browser_page(stack: ExitStack):
    """A headless Chromium page, or None when Playwright or the system Chromium is missing."""
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    playwright = stack.enter_context(sync_playwright())
    browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    stack.callback(browser.close)
    return browser.new_page()


def one_run(preset: str, overrides: list[str], folder: Path, watched: bool, page) -> tuple[float, float | None, int]:
    """(training-loop seconds, browser redraws per second or None, frames sent) of one run."""
    config = load_config(preset, ["eval.permutations=19", *overrides])
    if not watched:
        result = train_run(config, lambda: claim_run_dir(folder))
        return result.gan.history[-1].elapsed, None, 0
    hub = Hub()
    live = LiveView(hub)
    server = ViewServer(lambda: live.run_dir, hub).start()
    rate = None
    try:
        if page is not None:
            page.goto(server.url)  # connected before training starts; it draws every event as it comes
        result = train_run(config, lambda: claim_run_dir(folder), watcher=live)
        elapsed = result.gan.history[-1].elapsed
        live.finish(result.gan, None)
        if page is not None:
            page.wait_for_function("window.__view.ended", timeout=60_000)
            rate = page.evaluate("window.__view.draws") / elapsed
        return elapsed, rate, live.frames_sent
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["d2l-gaussian", "ring"])
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="config override for every run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'preset':14s} {'without view s':>14s} {'with view s':>12s} {'ratio':>7s} {'frames/s':>9s} {'browser draws/s':>16s}")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        page = browser_page(stack)
        for preset in args.presets:
            plain, watched, rates, frames = [], [], [], []
            for repeat in range(args.repeats):
                seconds, _, _ = one_run(preset, args.overrides, Path(scratch) / f"{preset}-plain-{repeat}", False, None)
                plain.append(seconds)
                seconds, rate, sent = one_run(preset, args.overrides, Path(scratch) / f"{preset}-view-{repeat}", True, page)
                watched.append(seconds)
                frames.append(sent / seconds)
                if rate is not None:
                    rates.append(rate)
            without, with_view = statistics.median(plain), statistics.median(watched)
            browser = f"{statistics.median(rates):16.1f}" if rates else f"{'(no browser)':>16s}"
            print(f"{preset:14s} {without:14.2f} {with_view:12.2f} {with_view / without:7.3f} "
                  f"{statistics.median(frames):9.1f} {browser}", flush=True)


if __name__ == "__main__":
    main()
