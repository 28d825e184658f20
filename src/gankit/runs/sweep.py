"""A whole sweep into one folder: members' run directories plus a summary across them."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from gankit.gan import GAN
from gankit.report.sweep_summary import MetricSummary, member_row, summarize, write_summary
from gankit.runs.directory import append_jsonl
from gankit.runs.job import finish_run, start_run_dir
from gankit.runs.sweep_grid import Member, expand_members, structure_key
from gankit.train.vectorized import can_vectorize, prepare_members, train_in_processes, train_sequentially, train_vectorized


NOT_STACKABLE = "its nets keep buffers (e.g. BatchNorm) or it uses n_critic > 1 or non-Adam optimizers"


@dataclass
class SweepResult:
    """What a finished sweep left behind."""

    sweep_dir: Path
    members: list[Member]
    gans: list[GAN]
    rows: list[dict[str, Any]]
    summaries: list[MetricSummary]


def plan_sweep(base: dict[str, Any], seeds: int, grid: dict[str, list[Any]]) -> list[list[Member]]:
    """The members, grouped so that each group trains as one vectorized program."""
    groups: dict[str, list[Member]] = defaultdict(list)
    for member in expand_members(base, seeds, grid):
        groups[structure_key(member.config)].append(member)
    return list(groups.values())


def run_sweep(
    groups: list[list[Member]],
    make_dir: Callable[[], Path],
    on_epoch: Callable[[int], None],
    notice: Callable[[str], None],
    vectorize: bool = True,
    evaluate: bool = True,
    nproc: int = 1,
) -> SweepResult:
    """Train every group (vectorized where the nets allow), then write members' runs and the summary."""
    prepared = [prepare_members(group) for group in groups]  # loads and validates all data before writing
    sweep_dir = make_dir()
    members, gans = [], []
    for group, (group_gans, rows) in zip(groups, prepared):
        workers = min(len(group), os.cpu_count() or 1)
        stackable = vectorize and all(can_vectorize(g) for g in group_gans)
        if stackable and nproc > 1 and len(group) > 1:
            group_gans = train_in_processes(group_gans, on_epoch, min(nproc, len(group)), vectorized=True)
        elif stackable:
            train_vectorized(group_gans, rows, on_epoch)
        elif vectorize and workers > 1 and group_gans[0].config.data.source != "array":
            notice(f"training {len(group)} member(s) in {workers} processes: {NOT_STACKABLE}")
            group_gans = train_in_processes(group_gans, on_epoch, workers)
        else:
            reason = "--sequential was given" if not vectorize else NOT_STACKABLE
            notice(f"training {len(group)} member(s) one after another: {reason}")
            train_sequentially(group_gans, on_epoch)
        members += group
        gans += group_gans
    rows_out = [_write_member(sweep_dir, member, gan, evaluate) for member, gan in zip(members, gans)]
    summaries = summarize(rows_out, members[0].config.eval.alpha)
    write_summary(sweep_dir, rows_out, summaries)
    return SweepResult(sweep_dir, members, gans, rows_out, summaries)


def _write_member(sweep_dir: Path, member: Member, gan: GAN, evaluate: bool) -> dict[str, Any]:
    run_dir = sweep_dir / "members" / member.label
    run_dir.mkdir(parents=True)
    metrics_path = start_run_dir(run_dir, member.config)
    for record in gan.history:
        append_jsonl(metrics_path, record.as_dict())
    report = finish_run(run_dir, gan, evaluate=evaluate, figures=False)
    return member_row(member.label, member.settings, member.config.seed, gan.history, report)
