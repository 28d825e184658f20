"""The ``gankit`` command line: parse, build the config, call the library, map errors to exit codes.

Exit status: 0 success, 2 bad input (one line on stderr, no traceback),
130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from gankit.config import MAX_SEED, GanConfig, apply_overrides, load_config, load_raw, preset_names
from gankit.errors import PeerLost, StopRequested, TrainingDiverged, UserError
from gankit.report.summary import print_report, training_summary
from gankit.runs.directory import checkpoint_of, claim_run_dir, create_run_dir
from gankit.train.loop import EpochRecord

app = typer.Typer(
    help="Train generative adversarial networks on your data and judge them with two-sample tests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(width=None if sys.stdout.isatty() else 120)  # wide enough for the tables in logs and pipes
err = Console(stderr=True)
SEP_NAMES = {"tab": "\t", "\\t": "\t", "space": " "}  # --sep spellings a shell passes easily


def _build_config(preset: str, overrides: list[str], seed: int | None, data: Path | None) -> GanConfig:
    """The preset with ``--set`` overrides; ``--data`` points it at a table, an image folder or an image array."""
    extra = []
    if data is not None:
        kind = apply_overrides(load_raw(preset), overrides).get("model", {}).get("kind", "mlp")  # before validation
        source = "images" if data.is_dir() or kind == "dcgan" else "table" if kind == "tabular" else "file"
        extra += [f"data.path={_toml_string(str(data))}", f'data.source="{source}"']
    return load_config(preset, [*overrides, *extra], seed=seed)


@app.command()
def train(
    preset: Optional[str] = typer.Argument(None, help="A preset name (see `gankit presets`) or a .toml config file."),
    set_: list[str] = typer.Option([], "--set", help="Override a config value: --set train.epochs=50 (repeatable)."),
    seed: Optional[int] = typer.Option(None, help="Random seed (same seed on CPU → identical run)."),
    data: Optional[Path] = typer.Option(
        None, help="Train on this .csv/.parquet/.npy/.npz table, or with an image preset on an image folder or .npy/.npz array."
    ),
    discrete: Optional[str] = typer.Option(
        None, "--discrete", help="Tables: treat these columns as categorical, comma-separated (e.g. --discrete zip,grade)."
    ),
    sep: Optional[str] = typer.Option(
        None, "--sep", help="A .csv's field separator, one character or 'tab' (default: detected among , ; tab |)."
    ),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps (default: the preset's train.device)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Run directory to create (default: runs/NNNN-<preset>/)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue this run directory from its latest checkpoint."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the resolved config and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    nproc: int = typer.Option(1, "--nproc", help="Data-parallel processes on this machine (starts torchrun for you)."),
    max_restarts: int = typer.Option(0, "--max-restarts", help="With --nproc: restarts after a failed process."),
) -> None:
    """Train a GAN, then evaluate it with two-sample tests and draw its figures.

    Checkpoints are written as it goes (see the checkpoint section of the config); Ctrl-C or
    SIGTERM finishes the current step, checkpoints and exits; `--resume RUN`
    continues exactly where it stopped. Under `torchrun` (or with `--nproc N`)
    the processes train one model with DistributedDataParallel.
    """
    from gankit.train import distributed
    from gankit.runs.checkpoint_schedule import latest_checkpoint

    if nproc < 1 or max_restarts < 0:
        raise UserError("--nproc must be at least 1 and --max-restarts at least 0")
    if discrete is not None:
        names = [name.strip() for name in discrete.split(",") if name.strip()]
        set_ = [*set_, "tabular.discrete=[" + ", ".join(_toml_string(name) for name in names) + "]"]
    if sep is not None:
        set_ = [*set_, f"data.sep={_toml_string(SEP_NAMES.get(sep, sep))}"]
    if device is not None:
        if resume is not None:
            raise UserError("--device applies to new runs; a resumed run keeps its config's train.device")
        set_ = [*set_, f"train.device={_toml_string(device)}"]
    if nproc > 1 and not distributed.launched():
        if dry_run:
            raise UserError("--dry-run prints the config; give it without --nproc")
        raise SystemExit(_launch_torchrun(nproc, max_restarts, preset, set_, seed, data, out_dir, resume, quiet))
    ranks = distributed.setup(_device_of(preset, set_, resume))
    quiet = quiet or not ranks.is_main
    if distributed.restart_count() > 0 and out_dir is not None and latest_checkpoint(out_dir) is not None:
        resume, preset, set_, seed, data, out_dir = out_dir, None, [], None, None, None  # torchrun restarted us
    try:
        result = _train_or_resume(preset, set_, seed, data, out_dir, resume, dry_run, quiet)
    except RuntimeError as problem:  # a collective failed: another rank died or stopped answering
        if ranks.world == 1 or isinstance(problem, (TrainingDiverged, PeerLost)):
            raise
        where = f"; the last checkpoint in {out_dir or resume} is intact" if (out_dir or resume) else ""
        reason = str(problem).strip().splitlines()[0][:160] if str(problem).strip() else type(problem).__name__
        raise PeerLost(f"rank {ranks.rank} of {ranks.world}: another rank failed or stopped answering ({reason}); "
                       f"stopping{where}") from None
    finally:
        distributed.teardown()
    if result is None or not ranks.is_main:
        return
    out.print(training_summary(result.gan.history[-1]))
    if result.gan.compile_seconds is not None:
        out.print(f"torch.compile took {result.gan.compile_seconds:.1f} s (before training, not in examples/sec)")
    print_report(out, result.report)
    out.print(f"run directory: {result.run_dir}")


def _check_seed(seed: int | None) -> None:
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UserError(f"--seed must be between 0 and {MAX_SEED} (2**32 - 1), got {seed}")


def _toml_string(text: str) -> str:
    """``text`` as a TOML string, every quote, backslash and control character escaped (for --set values
    built from user input such as paths)."""
    import tomli_w

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(f"{text!r} is not valid UTF-8; rename it (config files are UTF-8 text)") from None
    return tomli_w.dumps({"v": text}).removeprefix("v = ").rstrip("\n")


def _train_or_resume(preset: str | None, set_: list[str], seed: int | None, data: Path | None, out_dir: Path | None,
                     resume: Path | None, dry_run: bool, quiet: bool):
    """The training job itself (one rank's part of it under torchrun); None after --dry-run."""
    from gankit.runs.job import resume_run, train_run

    if resume is not None:
        if preset or set_ or seed is not None or data or out_dir:
            raise UserError("--resume RUN continues a run with its own config; give no preset, --set, --seed, --data or --out")
        epochs = load_config(str(resume / "config.toml")).train.epochs if (resume / "config.toml").is_file() else None
        result = _with_progress(quiet, epochs, lambda on_epoch: resume_run(resume, on_epoch))
    else:
        if preset is None:
            raise UserError("give a preset or a .toml config (see `gankit presets`), or --resume RUN")
        config = _build_config(preset, set_, seed, data)
        if dry_run:
            sys.stdout.write(config.to_toml())  # verbatim: rich would expand tabs inside strings
            return None
        if out_dir is not None:
            claim_run_dir(out_dir, create=False)

        def make_run_dir() -> Path:
            return claim_run_dir(out_dir) if out_dir is not None else create_run_dir(Path("runs"), config.name)

        result = _with_progress(quiet, config.train.epochs, lambda on_epoch: train_run(config, make_run_dir, on_epoch))
    return result


def _launch_torchrun(nproc: int, max_restarts: int, preset: str | None, set_: list[str], seed: int | None,
                     data: Path | None, out_dir: Path | None, resume: Path | None, quiet: bool) -> int:
    """``python -m torch.distributed.run --standalone --nproc-per-node N -m gankit train …``; its exit status."""
    import subprocess

    if resume is None and out_dir is None:  # the ranks must agree on one directory, and a restart must find it
        config = _build_config(preset, set_, seed, data) if preset else None
        out_dir = create_run_dir(Path("runs"), config.name if config else "run")
    args = ["--resume", str(resume)] if resume is not None else [preset or "", *sum((["--set", s] for s in set_), [])]
    args += [*(["--seed", str(seed)] if seed is not None else []), *(["--data", str(data)] if data else [])]
    args += [*(["--out", str(out_dir)] if out_dir is not None else []), *(["--quiet"] if quiet else [])]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
               f"--max-restarts={max_restarts}", "-m", "gankit", "train", *args]
    return subprocess.run(command).returncode


def _device_of(preset: str | None, set_: list[str], resume: Path | None) -> str:
    """The configured train.device, read before the process group is joined (best effort)."""
    try:
        source = str(resume / "config.toml") if resume is not None else preset
        return load_config(source, set_).train.device if source else "cpu"
    except (UserError, OSError):
        return "cpu"


def _with_progress(quiet: bool, epochs: int | None, job):
    """Run ``job(on_epoch)`` under an epoch progress bar."""
    with _progress(quiet) as progress:
        task = progress.add_task("training", total=epochs, losses="")

        def on_epoch(record: EpochRecord) -> None:
            progress.update(task, completed=record.epoch, losses=_bar_text(record))

        return job(on_epoch)


def _bar_text(record: EpochRecord) -> str:
    return f"d_loss {record.d_loss:.3f}  g_loss {record.g_loss:.3f}  {record.examples_per_sec:,.0f} ex/s"


def _progress(quiet: bool, unit: str = "epoch") -> Progress:
    return Progress(
        TextColumn(unit), MofNCompleteColumn(), BarColumn(), TextColumn("{task.fields[losses]}"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=quiet, transient=False,
    )


@app.command()
def sweep(
    preset: str = typer.Argument(..., help="A preset name or a .toml config file."),
    seeds: int = typer.Option(8, "--seeds", help="Seeds per grid point (seeds 0 … N−1)."),
    grid: list[str] = typer.Option([], "--grid", help="Values to sweep: --grid train.d_optimizer.lr=0.01,0.05 (repeatable)."),
    set_: list[str] = typer.Option([], "--set", help="Override a config value for every member (repeatable)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Sweep directory to create (default: runs/NNNN-sweep-<preset>/)."),
    sequential: bool = typer.Option(False, "--sequential", help="Train members one after another instead of vectorized."),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the two-sample evaluation of each member."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    nproc: int = typer.Option(1, "--nproc", help="Spread the members over N processes, each vectorizing its share."),
) -> None:
    """Train many GANs at once (seeds × grid points), vectorized, and summarize them."""
    from gankit.config import apply_overrides
    from gankit.report.sweep_summary import summary_table
    from gankit.runs.sweep_grid import parse_grid
    from gankit.runs.sweep import plan_sweep

    if nproc < 1:
        raise UserError(f"--nproc must be at least 1, got {nproc}")
    base = apply_overrides(load_raw(preset), set_)
    groups = plan_sweep(base, seeds, parse_grid(grid))
    config = groups[0][0].config
    if out_dir is not None:
        claim_run_dir(out_dir, create=False)

    def make_dir() -> Path:
        return claim_run_dir(out_dir) if out_dir is not None else create_run_dir(Path("runs"), f"sweep-{config.name}")

    result = _sweep_with_progress(groups, make_dir, quiet, "sweep", not sequential, not no_eval, nproc)
    out.print(summary_table(result.summaries, len(result.members)))
    out.print(f"sweep directory: {result.sweep_dir}")


def _sweep_with_progress(groups, make_dir, quiet: bool, name: str, vectorize: bool = True, evaluate: bool = True,
                         nproc: int = 1):
    """Run planned sweep groups under one progress bar counting member-epochs; notices go to stderr."""
    from gankit.runs.sweep import run_sweep

    total = sum(len(group) * group[0].config.train.epochs for group in groups)
    with _progress(quiet, unit=f"{name} member-epochs") as progress:
        task = progress.add_task(name, total=total, losses=f"{sum(map(len, groups))} members")
        return run_sweep(groups, make_dir, lambda k: progress.advance(task, k),
                         lambda text: err.print(f"notice: {text}", markup=False), vectorize, evaluate, nproc)


bench_app = typer.Typer(help="Benchmarks with published protocols.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("toy")
def bench_toy(
    presets: list[str] = typer.Argument(..., help="Toy presets: pacgan-ring, pacgan-grid, veegan-ring, veegan-grid, …"),
    seeds: int = typer.Option(10, "--seeds", help="Seeds per preset."),
    set_: list[str] = typer.Option([], "--set", help="Override a config value for every run (repeatable)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder to create (default: runs/NNNN-bench-toy/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run toy presets over many seeds; print mode metrics beside the published rows (CSV and Markdown too)."""
    import time

    from gankit.config import apply_overrides
    from gankit.report.toy_bench import bench_table, gankit_row, published_rows, write_bench
    from gankit.runs.sweep import plan_sweep

    plans = {preset: plan_sweep(apply_overrides(load_raw(preset), set_), seeds, {}) for preset in presets}
    folder = claim_run_dir(out_dir) if out_dir is not None else create_run_dir(Path("runs"), "bench-toy")
    rows = []
    for preset, groups in plans.items():
        started = time.perf_counter()
        result = _sweep_with_progress(groups, lambda: claim_run_dir(folder / preset), quiet, preset)
        label = " ".join(s for s in set_ if s.startswith("model.pack=") or s.startswith("train.objective="))
        rows.append(gankit_row(preset, label, result.rows, time.perf_counter() - started, groups[0][0].config.eval.alpha))
        rows += published_rows(preset)
    write_bench(folder, rows)
    if set_:
        out.print(f"overrides for every run: {' '.join(set_)}")
    out.print(bench_table(rows))
    out.print(f"bench directory: {folder}")


@app.command()
def sample(
    run: Path = typer.Argument(..., help="A run directory (runs/NNNN-name) or a checkpoint folder."),
    n: int = typer.Option(1000, "-n", help="How many rows (or images) to generate."),
    output: Path = typer.Option(
        ..., "-o", "--output",
        help="Rows: a .csv (with header) or .npy file. Tables: .csv or .parquet. Images: a folder of PNGs or an .npz file."
    ),
    seed: Optional[int] = typer.Option(None, help="Seed of the noise (same seed → same samples)."),
) -> None:
    """Draw new samples from a trained generator (any -n: rows are generated and written in chunks)."""
    _check_seed(seed)
    from gankit.gan import GAN
    from gankit.runs.sample_output import write_samples

    folder = run if (run / "state.json").is_file() else checkpoint_of(run)
    gan = GAN.load(folder)
    path = write_samples(gan, n, seed, output)
    out.print(f"wrote {n} {'images' if gan.layout.image is not None else 'rows'} to {path}")


@app.command(name="eval")
def eval_(
    run: Path = typer.Argument(..., help="A run directory."),
    n: Optional[int] = typer.Option(None, "--n", help="Generated (and real) rows to compare; default: the config's eval.n."),
    seed: Optional[int] = typer.Option(None, help="Seed of sampling, permutations and splits."),
    inception_weights: Optional[Path] = typer.Option(
        None, "--inception-weights", help="Images: a local Inception weights file; adds FID, KID and precision/recall "
        "(needs the torch-fidelity extra; nothing is downloaded)."
    ),
) -> None:
    """Re-run the two-sample evaluation of a finished run; rewrites eval.json and the figures."""
    _check_seed(seed)
    from gankit.runs.job import evaluate_run

    if n is not None and not 20 <= n <= 5000:
        raise UserError(f"--n must be between 20 and 5000, got {n}")
    if inception_weights is not None and not inception_weights.is_file():
        raise UserError(f"--inception-weights: file not found: {inception_weights}")
    print_report(out, evaluate_run(run, n=n, seed=seed, inception_weights=inception_weights))


@app.command()
def presets() -> None:
    """List the presets shipped with gankit."""
    for name in preset_names():
        typer.echo(f"{name:16s} {load_raw(name).get('description', '')}")


def run(argv: list[str] | None = None) -> int:
    """Run the app on ``argv``; return the exit status (user errors: one line on stderr and 2)."""
    try:
        app(args=argv, prog_name="gankit")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except UserError as problem:
        err.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
        return UserError.exit_code
    except (TrainingDiverged, StopRequested, PeerLost) as stopped:
        err.print(f"{'error: ' if isinstance(stopped, TrainingDiverged) else ''}{stopped}", markup=False, highlight=False, soft_wrap=True)
        return stopped.exit_code
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130
    return 0


def main() -> None:
    """Console entry point."""
    sys.exit(run())
