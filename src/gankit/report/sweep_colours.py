"""One colour per sweep grid point, the same in ``report.html`` and in the view's sweep page.

A sweep's members are named ``INDEX-seedS-SETTINGS`` (``003-seed2-train.d_optimizer.lr=0.01``):
the members of one grid point differ only in their seed, so they share a colour, and
a reader compares settings by colour and sees the seeds' spread within one. The grid
points take the colours of :data:`PALETTE` in the order they first appear among the
members sorted by name (the order both pages list them in), cycling after ten.
"""

from __future__ import annotations

import re

# matplotlib's default colour cycle (C0 … C9), as hex so that the page's script can use it too
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
ONE_POINT = "(one grid point)"  # a sweep of seeds only: its members' names carry no settings
_INDEX_AND_SEED = re.compile(r"^\d+-seed\d+-?")


def grid_point(member: str) -> str:
    """The grid point a member's folder name stands for: the name without its index and seed."""
    return _INDEX_AND_SEED.sub("", member) or ONE_POINT


def point_colours(members: list[str]) -> dict[str, str]:
    """member name → colour: the members of one grid point share one, the points in order of first appearance
    among ``sorted(members)``."""
    points: dict[str, str] = {}
    for member in sorted(members):
        points.setdefault(grid_point(member), PALETTE[len(points) % len(PALETTE)])
    return {member: points[grid_point(member)] for member in members}
