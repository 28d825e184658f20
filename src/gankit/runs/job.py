"""A whole training run in a run directory: config, metrics, checkpoints, rollbacks, evaluation, figures.

``train_run`` starts a run, ``resume_run`` continues one from its latest
checkpoint; both go through :func:`_train_with_care`, which checkpoints every N
steps/epochs (keeping the last K), rolls a diverged run back to its last good
checkpoint with lower learning rates, and turns SIGINT/SIGTERM into a
checkpoint and a clean stop.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol

import torch

from gankit.atomic_write import atomic_write
from gankit.config import GanConfig, with_changes
from gankit.data import Rows
from gankit.errors import StopRequested, TrainingDiverged, UserError, write_failed
from gankit.gan import GAN
from gankit.metrics import EvalReport
from gankit.metrics.image_distances import check_fidelity_inputs
from gankit.report.html_report import write_run_report
from gankit.report.plots import figure_title, plot_losses
from gankit.runs.directory import CHECKPOINT, append_jsonl, checkpoint_of, locked, write_json
from gankit.train import distributed
from gankit.runs.checkpoint_schedule import latest_checkpoint, prune, step_folder
from gankit.run_files import read_eval, read_metrics
from gankit.runs.resume_point import load_newest_healthy
from gankit.runs.run_identity import check_resume, config_fingerprint, new_identity, write_identity
from gankit.train.loop import EpochRecord
from gankit.runs.signals import SignalCatcher
from gankit.status import notice, phase, release_notices
from gankit.train.state import TrainState


FLAG_SYNC_STEPS = 16  # distributed runs exchange their divergence/stop flags this often (a collective costs)


class _Diverged(Exception):
    """Raised inside the loop when a step's losses or the weights are not finite."""

    def __init__(self, step: int) -> None:
        super().__init__(step)
        self.step = step


class Watcher(Protocol):
    """Something that follows training from the outside (the live view): told when it starts, after each
    step and after each epoch. Called on rank 0 only, in the training thread: it must return quickly."""

    def attach(self, gan: GAN, run_dir: Path) -> None: ...

    def step(self, gan: GAN) -> None: ...

    def epoch(self, gan: GAN, record: EpochRecord) -> None: ...


@dataclass
class RunResult:
    """What a finished run left behind."""

    run_dir: Path
    gan: GAN
    report: EvalReport | None  # None on ranks other than 0 of a distributed run


def train_run(
    config: GanConfig, make_run_dir: Callable[[], Path], on_epoch: Callable[[EpochRecord], None] | None = None,
    watcher: Watcher | None = None,
) -> RunResult:
    """Validate the data, then create the run directory, train into it and evaluate the result.

    The directory is made only once the data has passed validation, so bad input
    leaves nothing behind.
    """
    gan = GAN(config)
    with phase(_loading_text(gan)):
        table = gan.load_data()
    ranks = distributed.current()
    run_dir = Path(distributed.broadcast_text(str(make_run_dir()) if ranks.is_main else None))  # rank 0 makes it
    with _writer_lock(run_dir), SignalCatcher() as signals:  # a Ctrl-C from here on stops after a checkpoint
        if ranks.is_main:
            start_run_dir(run_dir, gan.config)  # with any epochs capped by train.max_steps
        gan.prepare(table)
        gan.run_identity = new_identity(gan.config, table.values)
        if ranks.is_main:
            write_identity(run_dir, gan.run_identity)
        release_notices()  # the inputs passed their checks: what was noticed about them can be shown
        gan.state.distribute(ranks, config.train.sync_batch_norm)
        _save(gan, run_dir)  # step 0: there is always a good checkpoint to roll back to
        with _resumable(run_dir):
            return _train_with_care(gan, table, run_dir, on_epoch, watcher, signals)


def resume_run(
    run_dir: Path, on_epoch: Callable[[EpochRecord], None] | None = None, watcher: Watcher | None = None,
    allow_changes: tuple[str, ...] = (),
) -> RunResult:
    """Continue a stopped or killed run from its newest healthy checkpoint, after checking that the checkpoint,
    the folder's config and the data belong together; ends as the uninterrupted run would."""
    if not run_dir.is_dir():
        raise UserError(f"run directory not found: {run_dir}")
    with _writer_lock(run_dir), SignalCatcher() as signals:
        if latest_checkpoint(run_dir) is None:
            raise UserError(f"{run_dir}: no checkpoint to resume from (checkpoints/step-*)")
        with phase(f"loading the latest checkpoint of {run_dir}"):
            gan, checkpoint = load_newest_healthy(run_dir)
        with phase(_loading_text(gan)):
            table = gan.load_data()
        _adopt_identity(gan, run_dir, checkpoint, table, allow_changes)
        _check_world_size(gan)
        release_notices()
        gan.state.distribute(distributed.current(), gan.config.train.sync_batch_norm)
        if gan.state.ranks.is_main:
            _truncate_metrics(run_dir, gan.state.epoch)
        with _resumable(run_dir):
            return _train_with_care(gan, table, run_dir, on_epoch, watcher, signals)


def _adopt_identity(gan: GAN, run_dir: Path, checkpoint: Path, table: Rows, allow_changes: tuple[str, ...]) -> None:
    """Check the checkpoint against the run folder (one line on a mismatch); continue under the folder's config
    when only allowed keys changed; a run from before identities were recorded gets one now."""
    document = gan.checkpoint_info[0]
    changed = check_resume(run_dir, checkpoint, document, table.values, allow_changes)
    if changed is not None:
        gan.config = changed
    recorded = document.get("run") if isinstance(document.get("run"), dict) else None
    gan.run_identity = dict(recorded) if recorded else new_identity(gan.config, table.values)
    gan.run_identity["config"] = config_fingerprint(gan.config)
    if distributed.current().is_main:
        write_identity(run_dir, gan.run_identity)


def _writer_lock(run_dir: Path):
    """The run directory's lock, taken by rank 0 (the ranks of one distributed run write it together)."""
    return locked(run_dir) if distributed.current().is_main else nullcontext()


def _loading_text(gan: GAN) -> str:
    """The status line of loading (and checking) the training data."""
    where = gan.config.data.path or gan.config.data.source
    return f"loading {where}{gan.data_kind.loading_note}"



def _check_world_size(gan: GAN) -> None:
    """A run resumed with another number of ranks trains on, with another data order: say so."""
    saved = int((gan.checkpoint_info or ({}, {}))[0].get("world_size", 1))
    ranks = distributed.current()
    if saved != ranks.world and ranks.is_main:
        notice(f"this run was trained with {saved} rank(s) and resumes with {ranks.world}: the global batch "
               f"and the order of the data change from here on, so it will not equal the uninterrupted run")


def _train_with_care(
    gan: GAN, table: Rows, run_dir: Path, on_epoch: Callable[[EpochRecord], None] | None,
    watcher: Watcher | None, signals: SignalCatcher,
) -> RunResult:
    config = gan.config
    ranks = gan.state.ranks
    watcher = watcher if ranks.is_main else None
    if watcher is not None:
        watcher.attach(gan, run_dir)
    metrics_path = run_dir / "metrics.jsonl"
    if ranks.is_main:  # the data kind's figures during training (2-D frames, image grids)
        gan.data_kind.start_figures(run_dir, gan, table)
    retries = 0
    while True:
        def after_step(state: TrainState, d_value: torch.Tensor, g_value: torch.Tensor) -> None:
            diverged = config.guard.enabled and not bool(torch.isfinite(d_value + g_value))
            stopping = bool(signals.received)
            if ranks.world > 1:  # all ranks must agree; one small all-reduce every FLAG_SYNC_STEPS steps
                agree = state.step % FLAG_SYNC_STEPS == 0
                diverged, stopping = distributed.any_rank([diverged, stopping]) if agree else (False, False)
            if diverged:
                raise _Diverged(state.step)
            every = config.checkpoint.every_steps
            if (every and state.step % every == 0) or stopping:
                _save(gan, run_dir)
            if stopping:
                signum = signals.received or signal.SIGTERM
                raise StopRequested(signum, _stop_message(signum, state.step, run_dir))
            if watcher is not None:
                watcher.step(gan)

        def log_epoch(record: EpochRecord) -> None:
            if ranks.is_main:
                append_jsonl(metrics_path, record.as_dict())
            if ranks.is_main:
                gan.data_kind.epoch_figures(run_dir, gan, record.epoch)
            every = config.checkpoint.every_epochs
            if every and record.epoch % every == 0:
                _save(gan, run_dir)
            if on_epoch is not None and ranks.is_main:
                on_epoch(record)
            if watcher is not None:
                watcher.epoch(gan, record)

        try:
            gan.fit(table, on_epoch=log_epoch, after_step=after_step)
            break
        except _Diverged as problem:
            retries += 1
            if ranks.world > 1:
                raise TrainingDiverged(
                    f"training diverged (non-finite loss at step {problem.step}); a {ranks.world}-rank run does "
                    f"not roll back by itself: resume from the last good checkpoint {latest_checkpoint(run_dir)} "
                    f"with lower learning rates"
                ) from None
            if retries > config.guard.max_retries:
                raise TrainingDiverged(
                    f"training diverged (non-finite loss at step {problem.step}) and {config.guard.max_retries} "
                    f"rollback(s), each multiplying the learning rates by {config.guard.lr_factor}, did not help; "
                    f"last good checkpoint: {latest_checkpoint(run_dir)}"
                ) from None
            gan = _roll_back(gan, run_dir)
    if signals.received:  # it came after the last step's check: stop as after any step
        _save(gan, run_dir)
        raise StopRequested(signals.received, _stop_message(signals.received, gan.state.step, run_dir))
    signals.release()  # training is done: a Ctrl-C during evaluation and figures interrupts them at once
    if not ranks.is_main:
        return RunResult(run_dir, gan, None)  # rank 0 alone evaluates and draws
    with phase("writing the final checkpoint"), _resumable(run_dir, checkpoint=True):
        gan.save(run_dir / CHECKPOINT)
    return RunResult(run_dir, gan, evaluate_run(run_dir, gan))


def _roll_back(gan: GAN, run_dir: Path) -> GAN:
    """Reload the last good checkpoint and multiply both of its learning rates by ``lr_factor``."""
    good, _ = load_newest_healthy(run_dir)
    good.run_identity = gan.run_identity
    good.state.opt_g.scale_lr(gan.config.guard.lr_factor)
    good.state.opt_d.scale_lr(gan.config.guard.lr_factor)
    good.training_rows = gan.training_rows
    good.scaler = gan.scaler
    _truncate_metrics(run_dir, good.state.epoch)
    return good


def _save(gan: GAN, run_dir: Path) -> None:
    """A step checkpoint of a state known to be finite; then keep only the newest K."""
    state = gan.state
    nets = [state.generator, state.discriminator] + ([state.generator_ema] if state.generator_ema else [])
    if not all(bool(torch.isfinite(p).all()) for net in nets for p in net.parameters()):
        raise _Diverged(state.step)  # never write a non-finite state over a good one
    if not state.ranks.is_main:
        return  # the ranks hold the same weights; rank 0 writes them
    with _resumable(run_dir, checkpoint=True):
        gan.save(step_folder(run_dir, state.step))
    prune(run_dir, gan.config.checkpoint.keep)


@contextmanager
def _resumable(run_dir: Path, checkpoint: bool = False) -> Iterator[None]:
    """A write that fails inside a run (full disk, no permission: an OSError, or for a checkpoint the
    UserError it was turned into) becomes one line saying how far the run is intact and how to go on;
    the writers clean up their own temporary files."""
    try:
        yield
    except (OSError, UserError) as problem:
        if isinstance(problem, UserError) and not checkpoint:
            raise
        latest = latest_checkpoint(run_dir)
        where = f"up to step {int(latest.name.removeprefix('step-'))}" if latest is not None else "up to its start"
        after = f"the run is intact {where}; free space and run `gankit train --resume {run_dir}`"
        if isinstance(problem, OSError):
            raise write_failed(problem, problem.filename or run_dir, after) from None
        raise UserError(f"{problem}; {after}") from None


def _stop_message(signum: int, step: int, run_dir: Path) -> str:
    return f"stopped by {signal.Signals(signum).name} after step {step}; checkpoint written. Resume with: gankit train --resume {run_dir}"


def _truncate_metrics(run_dir: Path, epochs: int) -> None:
    """Keep the first ``epochs`` lines of metrics.jsonl (a killed run may have logged past its checkpoint)."""
    path = run_dir / "metrics.jsonl"
    if path.is_file():
        lines = path.read_text().splitlines(keepends=True)[:epochs]
        atomic_write(path, "".join(lines))


def start_run_dir(run_dir: Path, config: GanConfig) -> Path:
    """Write the resolved config; return the path of the (append-only) metrics.jsonl."""
    try:
        (run_dir / "config.toml").write_text(config.to_toml())
    except OSError as err:
        raise UserError(f"cannot write to the run directory {run_dir}: {err.strerror}") from None
    return run_dir / "metrics.jsonl"


def finish_run(run_dir: Path, gan: GAN, evaluate: bool = True, figures: bool = True) -> EvalReport | None:
    """Save the final checkpoint, then (optionally) evaluate and draw the figures."""
    with phase("writing the final checkpoint"):
        gan.save(run_dir / CHECKPOINT)
    return evaluate_run(run_dir, gan, figures=figures) if evaluate else None


def load_run_gan(run_dir: Path) -> GAN:
    """The GAN of a run's final (or latest) checkpoint, loaded under a status line."""
    with phase(f"loading {run_dir / CHECKPOINT}"):
        return GAN.load(checkpoint_of(run_dir))


def evaluate_run(
    run_dir: Path, gan: GAN | None = None, n: int | None = None, seed: int | None = None, figures: bool = True,
    inception_weights: Path | None = None,
) -> EvalReport:
    """Evaluate a run's generator against its training data; write eval.json and redraw the figures."""
    if inception_weights is not None:
        check_fidelity_inputs(inception_weights)
    if gan is None:
        gan = load_run_gan(run_dir)
    if inception_weights is not None:
        gan.config = with_changes(gan.config, **{"eval.inception_weights": str(inception_weights)})
    with locked(run_dir):
        with phase(f"evaluating: two-sample tests on {gan.eval_plan(n, seed)[0]} generated vs real rows"):
            report = gan.evaluate(n=n, seed=seed)
        write_eval(run_dir, report)
        if figures:
            with phase(f"drawing figures into {run_dir / 'plots'}"):
                draw_figures(run_dir, gan, n, seed)
            write_run_report(run_dir)
    return report


def write_eval(run_dir: Path, report: EvalReport) -> None:
    """eval.json: the evaluation's results and verdict."""
    write_json(run_dir / "eval.json", report.as_dict())


def draw_figures(run_dir: Path, gan: GAN, n: int | None = None, seed: int | None = None) -> None:
    """plots/losses.png from metrics.jsonl, then the data kind's own figures (samples, D's surface, image grids,
    a table's column and pair figures; ``n``, ``seed``: those of the evaluation)."""
    metrics_path = run_dir / "metrics.jsonl"
    objective = gan.config.train.objective
    verdict = _verdict_of(run_dir)

    def title(what: str) -> str:
        return figure_title(what, run_dir.name, objective, verdict)

    if metrics_path.is_file():
        plot_losses(read_metrics(metrics_path), run_dir / "plots" / "losses.png", objective, title("losses"))
    gan.data_kind.draw_figures(run_dir, gan, n, seed, title)


def _verdict_of(run_dir: Path) -> str | None:
    """The verdict line of the run's eval.json, if it has been evaluated."""
    evaluation = read_eval(run_dir / "eval.json")
    return evaluation.get("verdict") if evaluation else None
