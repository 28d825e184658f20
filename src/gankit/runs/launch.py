"""A training job as the command line starts it: torchrun for ``--nproc``, each rank's set-up, a restart's
detection, and the live view and trackers that follow the run.

``gankit train`` builds the config once and hands it here as a :class:`TrainJob`; this module
decides whether to start torchrun (:func:`launch_torchrun`) or to train in this process
(:func:`train_here`), which joins the process group, resumes after a torchrun restart, and
turns a dead peer's failed collective into one line.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager

from gankit.config import GanConfig, load_config, load_raw
from gankit.errors import PeerLost, TrainingDiverged, UserError
from gankit.run_files import read_json_object
from gankit.runs.checkpoint_schedule import latest_checkpoint
from gankit.runs.command_inputs import TrainOptions
from gankit.runs.run_identity import check_resume_config
from gankit.train.checkpoint_format import STATE
from gankit.runs.directory import claim_run_dir, create_run_dir, run_name
from gankit.runs.job import RunResult, Watcher, resume_run, train_run
from gankit.runs.sweep import plan_sweep, run_sweep
from gankit.runs.sweep_grid import parse_grid
from gankit.runs.sweep_state import resume_sweep_dir
from gankit.runs.trackers import Trackers, make_trackers
from gankit.status import phase
from gankit.train import distributed


Phases = Callable[[bool], ContextManager]  # the front end's display of the library's phases; its argument: quiet


@dataclass
class TrainJob:
    """One ``gankit train``: a new run's config (None when resuming ``resume``) and how it is followed."""

    config: GanConfig | None
    resume: Path | None
    out_dir: Path | None
    run_name: str  # the default run folder's name
    quiet: bool = False
    view: bool = False
    host: str | None = None
    port: int = 8765
    log: list[str] = field(default_factory=list)
    allow_changes: tuple[str, ...] = ()  # config keys a resumed run may have changed (--allow-change)


def default_run_name(config: GanConfig, preset: str) -> str:
    """The run folder's name: the preset, plus the data where it is not the preset's own."""
    preset_source = load_raw(preset).get("data", {}).get("source", "gaussian")
    return run_name(config.name, config.data.path, config.data.source, preset_source)


def rank_arguments(job: TrainJob, options: TrainOptions, quiet: bool, as_json: bool) -> list[str]:
    """The ``gankit train`` arguments each torchrun rank is started with: the command's own, less ``--nproc``
    (:func:`launch_torchrun` adds the run directory)."""
    if job.resume is not None:
        args = ["--resume", str(job.resume)]
    else:
        args = [str(options.preset), *sum((["--set", s] for s in options.overrides), [])]
    args += [*(["--seed", str(options.seed)] if options.seed is not None else []),
             *(["--data", str(options.data)] if options.data else [])]
    return args + [*(["--quiet"] if quiet else []), *(["--json"] if as_json else []), *sum((["--log", n] for n in job.log), [])]


def launch_torchrun(job: TrainJob, nproc: int, max_restarts: int, args: list[str]) -> int:
    """Start :func:`torchrun_command`; its exit status. The ranks must agree on one directory, and a restart must
    find it: it is made here."""
    out_dir = job.out_dir
    if job.resume is not None:
        _check_resume_first(job.resume, job.allow_changes)
    if job.resume is None and out_dir is None:
        out_dir = create_run_dir(Path("runs"), job.run_name)
    return subprocess.run(torchrun_command(job, nproc, max_restarts, args, out_dir)).returncode


def _check_resume_first(run_dir: Path, allowed: tuple[str, ...]) -> None:
    """The data-free checks of a resume, made before torchrun starts: a changed config or another run's checkpoint
    is then one line and exit status 2, not a line from every rank and torchrun's own report (the ranks check
    again, the data too)."""
    checkpoint = latest_checkpoint(run_dir)
    document = read_json_object(checkpoint / STATE) if checkpoint is not None else None
    if document is not None and isinstance(document.get("config"), dict):
        check_resume_config(run_dir, checkpoint, document, allowed)


def torchrun_command(job: TrainJob, nproc: int, max_restarts: int, args: list[str], out_dir: Path | None) -> list[str]:
    """``python -m torch.distributed.run --standalone --nproc-per-node N -m gankit train ARGS --out DIR``, with the
    job's ``--allow-change`` keys passed on to every rank (each rank checks the resume itself)."""
    args = [*args, *(["--out", str(out_dir)] if out_dir is not None else [])]
    args += [part for key in job.allow_changes for part in ("--allow-change", key)]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
            f"--max-restarts={max_restarts}", "-m", "gankit", "train", *args]


def train_here(job: TrainJob, phases: Phases) -> RunResult | None:
    """Train (or resume) in this process, one rank of a torchrun job or alone; the result on rank 0, else None.

    After a torchrun restart the rank resumes the run directory it was given, from its latest checkpoint.
    """
    ranks = distributed.setup(_device_of(job))
    config, resume, out_dir = job.config, job.resume, job.out_dir
    if distributed.restart_count() > 0 and out_dir is not None and latest_checkpoint(out_dir) is not None:
        config, resume, out_dir = None, out_dir, None  # torchrun restarted us
    quiet = job.quiet or not ranks.is_main
    try:
        trackers = make_trackers(job.log) if ranks.is_main else []
        result = _watched(job.view and ranks.is_main, job.host, job.port, trackers,
                          lambda watcher: _train_or_resume(job, config, resume, out_dir, quiet, phases, watcher))
    except RuntimeError as problem:  # a collective failed: another rank died or stopped answering
        if ranks.world == 1 or isinstance(problem, (TrainingDiverged, PeerLost)):
            raise
        where = f"; the last checkpoint in {out_dir or resume} is intact" if (out_dir or resume) else ""
        reason = str(problem).strip().splitlines()[0][:160] if str(problem).strip() else type(problem).__name__
        raise PeerLost(f"rank {ranks.rank} of {ranks.world}: another rank failed or stopped answering ({reason}); "
                       f"stopping{where}") from None
    finally:
        distributed.teardown()
    return result if ranks.is_main else None


def keep_finished_view(job: TrainJob) -> None:
    """With ``--view``, once the results are printed: at a terminal the finished run's page stays up (a reload
    works) until Ctrl-C."""
    if job.view:
        from gankit.view.session import serve_finished_views  # noqa: PLC0415  (the view's server loads only with --view)

        serve_finished_views()


def _watched(view: bool, host: str | None, port: int, trackers: list, job: Callable[[Watcher | None], RunResult]):
    """``job(watcher)`` with the live view and the trackers following it (rank 0); they are finished after it."""
    if view:
        from gankit.view.session import live_view  # noqa: PLC0415  (the view's server loads only with --view)
    with live_view(host, port) if view else nullcontext(None) as live:
        watchers = [watcher for watcher in (live, *trackers) if watcher is not None]
        result = job(Trackers(watchers) if watchers else None)
        evaluation = result.report.as_dict() if result is not None and result.report is not None else None
        if live is not None:
            live.evaluation = evaluation
        for tracker in trackers:
            tracker.finish(evaluation)
    return result


def _train_or_resume(job: TrainJob, config: GanConfig | None, resume: Path | None, out_dir: Path | None, quiet: bool,
                     phases: Phases, watcher: Watcher | None) -> RunResult:
    """The training job itself (one rank's part of it under torchrun)."""
    if resume is not None:
        with phases(quiet):
            return resume_run(resume, watcher=watcher, allow_changes=job.allow_changes)
    if out_dir is not None:
        claim_run_dir(out_dir, create=False)

    def make_run_dir() -> Path:
        return claim_run_dir(out_dir) if out_dir is not None else create_run_dir(Path("runs"), job.run_name)

    with phases(quiet):
        return train_run(config, make_run_dir, watcher=watcher)


def _device_of(job: TrainJob) -> str:
    """The configured train.device, read before the process group is joined (best effort for a resumed run)."""
    if job.config is not None:
        return job.config.train.device
    try:
        return load_config(str(job.resume / "config.toml"), []).train.device
    except (UserError, OSError):
        return "cpu"


def sweep_shown(groups: list, make_dir: Callable[[], Path], quiet: bool, name: str, phases: Phases,
                notify: Callable[[str], None], vectorize: bool = True, evaluate: bool = True, nproc: int = 1,
                plots: bool = True, resume: bool = False):
    """Run planned sweep groups under one progress bar counting member-epochs; ``notify`` shows the notices."""
    total = sum(len(group) * group[0].config.train.epochs for group in groups)
    members = sum(map(len, groups))
    with phases(quiet), phase(f"{name}: training {members} members", total, "member-epochs") as bar:
        return run_sweep(groups, make_dir, bar.advance, notify, vectorize, evaluate, nproc, plots, resume)


def sweep_command(raw: dict, preset: str, seeds: int, grid: list[str], out_dir: Path | None, quiet: bool,
                  phases: Phases, notify: Callable[[str], None], vectorize: bool, evaluate: bool, nproc: int,
                  plots: bool):
    """``gankit sweep``: plan the members of ``raw`` (seeds × ``--grid`` values) and train them into a new
    sweep directory (``out_dir`` or runs/NNNN-sweep-<name>/)."""
    groups = plan_sweep(raw, seeds, parse_grid(grid))
    if out_dir is not None:
        claim_run_dir(out_dir, create=False)
    name = f"sweep-{default_run_name(groups[0][0].config, preset)}"

    def make_dir() -> Path:
        return claim_run_dir(out_dir) if out_dir is not None else create_run_dir(Path("runs"), name)

    return sweep_shown(groups, make_dir, quiet, "sweep", phases, notify, vectorize, evaluate, nproc, plots)


def resume_sweep_command(sweep_dir: Path, other_arguments: list, quiet: bool, phases: Phases,
                         notify: Callable[[str], None]):
    """``gankit sweep --resume DIR``: finish a stopped sweep with its own plan and options, under this command's
    display (``other_arguments``: what else was given, which a resumed sweep refuses)."""
    return resume_sweep_dir(sweep_dir, other_arguments, lambda groups, make_dir, **options:
                            sweep_shown(groups, make_dir, quiet, "sweep", phases, notify, **options))
