"""Benchmark: the playground's memory and replay payload over a long run stay flat.

A playground (the same object ``gankit play`` serves) trains without pause for ``--minutes``.
Every ``--every`` seconds the script prints the process's resident memory (RSS, from
/proc/self/status) and the replay payload — the bytes of events a page opened at that moment
is sent — of gankit's bounded hub (``--frames`` kept, older ones thinned) and of the baseline,
an unbounded hub that keeps every event (as the playground did before): the baseline's payload is
counted from the same events as they are published (its strings are what it would hold in memory),
so both figures come from the same run. The last line gives the ratio baseline / gankit.

    nice -n 19 python bench/view_memory.py --minutes 10
    python bench/view_memory.py --minutes 1 --every 10
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from gankit.view.hub import DEFAULT_WINDOW, Hub
from gankit.view.playground import Playground


class CountingHub(Hub):
    """A bounded hub that also counts what an unbounded one would keep since the last restart (the baseline)."""

    def __init__(self, window: int) -> None:
        super().__init__(window)
        self.baseline_bytes = 0
        self.baseline_frames = 0

    def publish_text(self, kind: str, text: str) -> str:
        self.baseline_bytes += len(text)
        self.baseline_frames += kind == "frame"
        return super().publish_text(kind, text)

    def restart(self) -> None:
        super().restart()
        self.baseline_bytes = self.baseline_frames = 0


def rss_megabytes() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between report lines")
    parser.add_argument("--frames", type=int, default=DEFAULT_WINDOW, help="the hub's window (gankit play --frames)")
    args = parser.parse_args()
    hub = CountingHub(args.frames)
    with tempfile.TemporaryDirectory() as folder:
        playground = Playground(hub, Path(folder))
        start = time.monotonic()
        playground.command({"action": "start"})
        print(f"{'seconds':>8} {'G steps':>8} {'RSS MB':>8} {'frames kept':>12} {'frames made':>12} "
              f"{'payload KB':>11} {'baseline KB':>12}", flush=True)
        first_rss = None
        try:
            while True:
                time.sleep(min(args.every, max(0.0, start + args.minutes * 60 - time.monotonic())))
                elapsed = time.monotonic() - start
                rss = rss_megabytes()
                first_rss = first_rss or rss
                kept = hub.kinds().count("frame")
                print(f"{elapsed:8.0f} {playground.g_steps:8d} {rss:8.1f} {kept:12d} {hub.baseline_frames:12d} "
                      f"{hub.payload_bytes() / 1024:11.0f} {hub.baseline_bytes / 1024:12.0f}", flush=True)
                if elapsed >= args.minutes * 60:
                    break
        finally:
            playground.command({"action": "pause"})
            playground.close()
        payload = hub.payload_bytes()
        print(f"after {args.minutes:g} min: RSS {first_rss:.1f} MB at the first report, {rss:.1f} MB at the last; "
              f"replay payload gankit {payload / 1024:.0f} KB, baseline (every event kept) "
              f"{hub.baseline_bytes / 1024:.0f} KB, ratio {hub.baseline_bytes / max(payload, 1):.1f}")


if __name__ == "__main__":
    main()
