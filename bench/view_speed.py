"""Benchmark: what attaching the live view costs training, and how often the browser redraws.

For each 2-D preset the same run (same seed) trains alternately without and with the live view (the
server running and, when Playwright and the system Chromium are there, a headless page drawing every
event), ``--repeats`` times each, in one process, plain first in even repeats and watched first in
odd ones. The figures are the training loop's own wall time (the last epoch's ``elapsed``, no
evaluation) and the CPU seconds spent meanwhile (this process plus, with the view, its drawing
process), medians over repeats, and the ratios with/without (goal: at most 1.10, so that watching costs at most a tenth). On a
machine shared with other work the wall time is noisy; the CPU ratio is the cost itself. The
browser's rate is the page's redraws per second of training (goal: at least 5).

    nice -n 19 python bench/view_speed.py
    nice -n 19 python bench/view_speed.py --presets d2l-gaussian ring --set train.epochs=4 --repeats 3
"""

from __future__ import annotations

import argparse
import resource
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


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """CPU time of this process (or of its finished children: the drawing process, once joined)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Timed:
    """The CPU seconds between the first and the last epoch's end (so evaluation is left out)."""

    def __init__(self) -> None:
        self.start = cpu_seconds()
        self.end = self.start

    def epoch(self, record) -> None:
        self.end = cpu_seconds()


def one_run(preset: str, overrides: list[str], folder: Path, watched: bool, page) -> tuple[float, float, float | None, int]:
    """(training-loop seconds, CPU seconds, browser redraws per second or None, frames sent) of one run."""
    config = load_config(preset, ["eval.permutations=19", *overrides])
    timed = Timed()
    if not watched:
        result = train_run(config, lambda: claim_run_dir(folder), on_epoch=timed.epoch)
        return result.gan.history[-1].elapsed, timed.end - timed.start, None, 0
    hub = Hub()
    live = LiveView(hub)
    server = ViewServer(lambda: live.run_dir, hub).start()
    rate = None
    try:
        if page is not None:
            page.goto(server.url)  # connected before training starts; it draws every event as it comes
        children_before = cpu_seconds(resource.RUSAGE_CHILDREN)
        timed.start = cpu_seconds()
        result = train_run(config, lambda: claim_run_dir(folder), on_epoch=timed.epoch, watcher=live)
        elapsed = result.gan.history[-1].elapsed
        own_cpu = timed.end - timed.start
        live.finish(None, None)  # no extra last frame: the drawing process's CPU is then all training-time work
        children = cpu_seconds(resource.RUSAGE_CHILDREN) - children_before
        if page is not None:
            page.wait_for_function("window.__view.ended", timeout=60_000)
            rate = page.evaluate("window.__view.draws") / elapsed
        return elapsed, own_cpu + children, rate, live.frames_sent
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["d2l-gaussian", "ring"])
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="config override for every run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'preset':14s} {'wall without':>12s} {'wall with':>10s} {'ratio':>6s} {'CPU without':>11s} {'CPU with':>9s} "
          f"{'ratio':>6s} {'frames/s':>9s} {'browser draws/s':>16s}")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        page = browser_page(stack)
        for preset in args.presets:
            plain, watched, plain_cpu, watched_cpu, rates, frames = [], [], [], [], [], []
            for repeat in range(args.repeats):
                # plain-then-watched, then watched-then-plain: a machine that speeds up or slows down over the
                # bench's minutes favours neither side
                for watched_run in ((False, True) if repeat % 2 == 0 else (True, False)):
                    folder = Path(scratch) / f"{preset}-{'view' if watched_run else 'plain'}-{repeat}"
                    seconds, cpu, rate, sent = one_run(preset, args.overrides, folder, watched_run, page if watched_run else None)
                    (watched if watched_run else plain).append(seconds)
                    (watched_cpu if watched_run else plain_cpu).append(cpu)
                    if watched_run:
                        frames.append(sent / seconds)
                        if rate is not None:
                            rates.append(rate)
            without, with_view = statistics.median(plain), statistics.median(watched)
            cpu_without, cpu_with = statistics.median(plain_cpu), statistics.median(watched_cpu)
            browser = f"{statistics.median(rates):16.1f}" if rates else f"{'(no browser)':>16s}"
            print(f"{preset:14s} {without:12.2f} {with_view:10.2f} {with_view / without:6.3f} {cpu_without:11.2f} "
                  f"{cpu_with:9.2f} {cpu_with / cpu_without:6.3f} {statistics.median(frames):9.1f} {browser}", flush=True)
            pairs = [f"{w / p:.3f}" for w, p in zip(watched, plain)]
            print(f"{'':14s} each repeat's wall ratio: {', '.join(pairs)}", flush=True)


if __name__ == "__main__":
    main()
