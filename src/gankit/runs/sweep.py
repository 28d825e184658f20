"""A whole sweep into one folder: members' run directories plus a summary across them."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from gankit.collector import objects_frozen
from gankit.config import validate
from gankit.errors import StopRequested
from gankit.gan import GAN
from gankit.metrics import EvalReport
from gankit.metrics.evaluation_task import run_tasks
from gankit.report.html_report import write_sweep_report
from gankit.report.sweep_summary import MetricSummary, member_row, summarize, write_summary
from gankit.runs.directory import append_jsonl, locked
from gankit.runs.job import draw_figures, finish_run, start_run_dir, write_eval
from gankit.runs.signals import SignalCatcher
from gankit.runs.sweep_checkpoints import GroupCheckpoints, stop_message
from gankit.runs.sweep_grid import Member, expand_members, structure_key
from gankit.runs.sweep_state import forget_trained, save_group, trained_group, write_plan
from gankit.status import phase, release_notices, show_phases, silent
from gankit.train.row_source import RowSource
from gankit.train.vectorized import can_vectorize, train_vectorized

EpochCallback = Callable[[int], None]


NOT_STACKABLE = "its nets keep buffers (e.g. BatchNorm) or it uses n_critic > 1 or non-Adam optimizers"
EVAL_IN_PARALLEL = 4  # from this many members on, they are evaluated several at a time (one per core)


@dataclass
class SweepResult:
    """What a finished sweep left behind."""

    sweep_dir: Path
    members: list[Member]
    gans: list[GAN]
    rows: list[dict[str, Any]]
    summaries: list[MetricSummary]


def plan_sweep(base: dict[str, Any], seeds: int, grid: dict[str, list[Any]], first_seed: int = 0) -> list[list[Member]]:
    """The members (seeds ``first_seed …``), grouped so that each group trains as one vectorized program."""
    groups: dict[str, list[Member]] = defaultdict(list)
    for member in expand_members(base, seeds, grid, first_seed):
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
    plots: bool = True,
    resume: bool = False,
) -> SweepResult:
    """Train every group (vectorized where the nets allow), then write members' runs (each with its
    plots/ unless ``plots`` is off) and the summary. The plan is written first, a stacked group is
    checkpointed as it trains (runs/sweep_checkpoints.py) and each group once trained (runs/sweep_state.py);
    with ``resume``, ``make_dir`` gives the folder of a stopped sweep: its trained groups are loaded, not trained
    again, and a stacked group goes on from its newest checkpoint. SIGINT/SIGTERM stop the sweep
    (``StopRequested``) with the resume command, a stacked group after its current step and a checkpoint."""
    prepared = [prepare_members(group) for group in groups]  # loads and validates all data before writing
    release_notices()
    on_epoch(_epochs_cut(groups, prepared))  # epochs that train.max_steps took away count as done
    sweep_dir = make_dir()
    with locked(sweep_dir), SignalCatcher() as signals:
        if not resume:
            write_plan(sweep_dir, groups, {"vectorize": vectorize, "evaluate": evaluate, "nproc": nproc, "plots": plots})

        def counted(steps: int) -> None:
            if signals.received:
                raise StopRequested(signals.received, stop_message(signals.received, sweep_dir))
            on_epoch(steps)

        result = _train_groups(groups, prepared, sweep_dir, counted, notice, vectorize, evaluate, nproc, plots, signals)
        forget_trained(sweep_dir)
        return result


def _epochs_cut(groups: list[list[Member]], prepared: list[tuple[list[GAN], list[RowSource]]]) -> int:
    """Member-epochs planned but not to be trained: a member's data set was large enough for
    ``train.max_steps`` to cut its epochs when its data was loaded."""
    return sum(member.config.train.epochs - gan.config.train.epochs
               for group, (gans, _) in zip(groups, prepared) for member, gan in zip(group, gans))


def _train_groups(groups, prepared, sweep_dir: Path, on_epoch, notice, vectorize: bool, evaluate: bool,
                  nproc: int, plots: bool, signals: SignalCatcher) -> SweepResult:
    """``run_sweep``'s work once its directory exists and is locked."""
    members, gans = [], []
    for group, (group_gans, rows) in zip(groups, prepared):
        trained = trained_group(sweep_dir, group, group_gans)
        if trained is None:
            checkpoints = GroupCheckpoints(sweep_dir, group, group_gans, signals)
            trained = _train_group(group, group_gans, rows, on_epoch, notice, vectorize, nproc, checkpoints)
            save_group(sweep_dir, group, trained)
            checkpoints.forget()
        else:
            on_epoch(sum(gan.config.train.epochs for gan in trained))  # trained before the stop
        members += group
        gans += trained
    reports = _evaluate_members(gans, notice) if evaluate else iter([None] * len(gans))
    work = ("evaluating and drawing" if plots else "evaluating") if evaluate else "writing"
    # one line, not 3 per member; the members' objects stay out of the collector's full scans meanwhile
    with phase(f"{work} {len(members)} members", len(members), "members") as bar, show_phases(silent), objects_frozen():
        rows_out = []
        for member, gan in zip(members, gans):
            rows_out.append(_write_member(sweep_dir, member, gan, reports, plots))
            bar.advance()
    summaries = summarize(rows_out, members[0].config.eval.alpha, list(members[0].settings))
    write_summary(sweep_dir, rows_out, summaries)
    write_sweep_report(sweep_dir)
    return SweepResult(sweep_dir, members, gans, rows_out, summaries)


def _train_group(group: list[Member], group_gans: list[GAN], rows: list[RowSource], on_epoch, notice,
                 vectorize: bool, nproc: int, checkpoints: GroupCheckpoints) -> list[GAN]:
    """One group's training: stacked (checkpointed as it goes, and resumed from its newest checkpoint), in
    processes, or one member after another; returns the trained GANs."""
    workers = min(len(group), os.cpu_count() or 1)
    stackable = vectorize and all(can_vectorize(g.state, g.config.train) for g in group_gans)
    if stackable and nproc > 1 and len(group) > 1:
        return train_in_processes(group_gans, on_epoch, min(nproc, len(group)), vectorized=True)
    if stackable:
        resumed = checkpoints.resume(group_gans)
        if resumed is not None:
            notice(f"{len(group)} member(s) go on from their checkpoint after step {resumed[0].state.step}")
            on_epoch(sum(gan.state.epoch for gan in resumed))  # trained before the stop
        gans = resumed or group_gans
        train_stacked(gans, rows, on_epoch, checkpoints)
        return gans
    if vectorize and workers > 1 and group_gans[0].config.data.source != "array":
        notice(f"training {len(group)} member(s) in {workers} processes: {NOT_STACKABLE}")
        return train_in_processes(group_gans, on_epoch, workers)
    reason = "--sequential was given" if not vectorize else NOT_STACKABLE
    notice(f"training {len(group)} member(s) one after another: {reason}")
    train_sequentially(group_gans, on_epoch)
    return group_gans


def prepare_members(members: list[Member]) -> tuple[list[GAN], list[RowSource]]:
    """A GAN per member with its data loaded and its nets initialised from its own seed."""
    gans = [GAN(member.config) for member in members]
    rows = [gan.prepare(gan.load_data()) for gan in gans]
    return gans, rows


def train_stacked(gans: list[GAN], rows: list[RowSource], on_epoch: EpochCallback,
                  checkpoints: GroupCheckpoints | None = None) -> None:
    """Train prepared (or checkpoint-loaded) members as one vectorized group, checkpointed by ``checkpoints``
    when given; fills each GAN's state and history."""
    states, settings = [gan.state for gan in gans], [gan.config.train for gan in gans]
    if checkpoints is None:
        histories = train_vectorized(states, rows, settings, on_epoch)
        for gan, history in zip(gans, histories):
            gan.history += history
        return
    train_vectorized(states, rows, settings, on_epoch, checkpoints.after_step, checkpoints.after_epoch)


def train_sequentially(gans: list[GAN], on_epoch: EpochCallback) -> None:
    """One member after another with the ordinary loop."""
    for gan in gans:
        gan.fit(gan.training_rows, on_epoch=lambda record: on_epoch(1), verbose=False)


def _train_member(config: dict, folder: str) -> None:
    """Worker process: train one member from its config alone and checkpoint it (nothing else crosses over)."""
    GAN(validate(config)).fit(verbose=False).save(folder)


def _train_share(configs: list[dict], folders: list[str]) -> None:
    """Worker process: train its share of a group as one vectorized program, then checkpoint each member."""
    gans = [GAN(validate(config)) for config in configs]
    train_stacked(gans, [gan.prepare(gan.load_data()) for gan in gans], lambda k: None)
    for gan, folder in zip(gans, folders):
        gan.save(folder)


def train_in_processes(gans: list[GAN], on_epoch: EpochCallback, workers: int, vectorized: bool = False) -> list[GAN]:
    """Train members in ``workers`` processes at once; each equals its sequential run (same code, same seed).

    One member per task, or (``vectorized``) the members dealt into ``workers`` shares, each
    trained stacked in its process. Returns the trained GANs, loaded back from the workers' checkpoints.
    """
    context = multiprocessing.get_context("spawn")
    shares = [list(range(i, len(gans), workers)) for i in range(workers)] if vectorized else [[i] for i in range(len(gans))]
    with tempfile.TemporaryDirectory() as scratch, ProcessPoolExecutor(workers, mp_context=context) as pool:
        folders = [str(Path(scratch) / f"member-{i}") for i in range(len(gans))]
        futures = {}
        for share in filter(None, shares):
            configs = [gans[i].config.model_dump(mode="json") for i in share]
            paths = [folders[i] for i in share]
            job = pool.submit(_train_share, configs, paths) if vectorized else pool.submit(_train_member, configs[0], paths[0])
            futures[job] = share
        for future in as_completed(futures):
            future.result()
            on_epoch(sum(gans[i].config.train.epochs for i in futures[future]))
        trained = [GAN.load(folder, device=None) for folder in folders]
    for fresh, prepared in zip(trained, gans):
        fresh.training_rows = prepared.training_rows
    return trained


def _evaluate_members(gans: list[GAN], notice: Callable[[str], None]) -> Iterator[EvalReport]:
    """The members' evaluations, in order: their samples drawn now, the tests run one member per core
    at a time while the members' files are written."""
    tasks = [gan.evaluation_task() for gan in gans]
    workers = min(len(tasks), os.cpu_count() or 1) if len(tasks) >= EVAL_IN_PARALLEL else 1
    if workers > 1:
        notice(f"evaluating {len(tasks)} members, {workers} at a time")
    return run_tasks(tasks, workers)


def _write_member(sweep_dir: Path, member: Member, gan: GAN, reports: Iterator[EvalReport | None],
                  plots: bool) -> dict[str, Any]:
    """The member's run directory (config, metrics, final checkpoint, eval.json, plots/ when
    asked and evaluated) and its summary row."""
    cost = gan.sampling_cost  # rejection sampling's cost of the evaluation's draws (None for plain sampling)
    run_dir = sweep_dir / "members" / member.label
    shutil.rmtree(run_dir, ignore_errors=True)  # a member half-written before a stop is written again, whole
    run_dir.mkdir(parents=True)
    metrics_path = start_run_dir(run_dir, member.config)
    for record in gan.history:
        append_jsonl(metrics_path, record.as_dict())
    finish_run(run_dir, gan, evaluate=False)
    report = next(reports)
    if report is not None:
        write_eval(run_dir, report)
        if plots:
            draw_figures(run_dir, gan)
    acceptance = cost.acceptance if cost is not None else None
    return member_row(member.label, member.settings, member.config.seed, gan.history, report, acceptance)
