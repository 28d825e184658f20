"""The ``gankit`` command line: parse, build the config, call the library, map errors to exit codes.

Exit status: 0 success, 2 bad input (one line on stderr, no traceback),
130 interrupted.

Start-up stays a fraction of ``import torch``: this module imports only Typer, Rich, the config
model (pydantic) and the run-directory helpers; each command imports the torch-backed library
inside its body, so ``--help``, ``--version``, ``presets`` and config errors never load torch,
scikit-learn, SciPy, pandas or matplotlib (tests/test_startup.py checks it; bench/startup.py times it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click
import typer
from typer._click.exceptions import NoArgsIsHelpError
from typer.core import TyperGroup

from gankit import __version__
from gankit.cli_output import (error_line, notice, out, print_comparison, print_evaluation, print_keys, print_presets,
                               print_runs, print_samples_written, print_sweep, print_toy_bench, print_training,
                               showing_phases)
from gankit.collector import collector_paused
from gankit.config import apply_overrides, load_raw, preset_names
from gankit.errors import PeerLost, StopRequested, TrainingDiverged, UserError, closest_name
from gankit.option_overrides import SEP_NAMES, check_set_syntax
from gankit.process_exit import exit_process
from gankit.runs.command_inputs import eval_run, sample_folder, train_config, train_options
from gankit.status import holding_notices


class _Commands(TyperGroup):
    """Typer's command group, adding "did you mean …?" to an unknown subcommand."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            guess = closest_name(name, self.list_commands(ctx))
            ctx.fail(f"No such command '{name}'." + (f" Did you mean '{guess}'?" if guess else ""))
        return super().resolve_command(ctx, args)


app = typer.Typer(
    help="Train generative adversarial networks on your data and judge them with two-sample tests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_Commands,
)

QUIET_HELP = "No progress display or status lines (stderr); the results are still printed."
JSON_HELP = "Print one JSON object (verdict, numbers, paths) on stdout and nothing else."
HOST_OPTION = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1; another exposes the page, with a warning).")
PORT_OPTION = typer.Option(8765, "--port", min=0, max=65535, help="Port (0 = any free one).")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"gankit {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Train generative adversarial networks on your data and judge them with two-sample tests."""


@app.command()
def train(
    preset: Optional[str] = typer.Argument(None, help="A preset name (see `gankit presets`) or a .toml config file."),
    set_: list[str] = typer.Option([], "--set", help="Override a config value: --set train.epochs=50 (repeatable)."),
    seed: Optional[int] = typer.Option(None, help="Random seed (same seed on CPU → identical run)."),
    data: Optional[Path] = typer.Option(None, help="Train on this .csv/.parquet/.npy/.npz table, or with an image preset on an image folder or .npy/.npz array."),
    discrete: Optional[str] = typer.Option(None, "--discrete", help="Tables: treat these columns as categorical, comma-separated (e.g. --discrete zip,grade)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="A .csv's field separator, one character or 'tab' (default: detected among , ; tab |)."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or mps (default: the preset's train.device)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Run directory to create (default: runs/NNNN-<preset>[-<data>]/, linked as runs/latest)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue this run directory (or `latest`) from its latest checkpoint."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the resolved config and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    json_: bool = typer.Option(False, "--json", help=JSON_HELP),
    nproc: int = typer.Option(1, "--nproc", help="Data-parallel processes on this machine (starts torchrun for you)."),
    max_restarts: int = typer.Option(0, "--max-restarts", help="With --nproc: restarts after a failed process."),
    view: bool = typer.Option(False, "--view", help="Watch it learn: serve a live page of the run (URL printed); at a terminal the page stays up after training, until Ctrl-C."),
    host: Optional[str] = typer.Option(None, "--host", help="With --view: the address to listen on (default 127.0.0.1; another exposes the page, with a warning)."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="With --view: the port (0 = any free one)."),
    allow_change: list[str] = typer.Option([], "--allow-change", help="With --resume: continue although config.toml changed this key (train.epochs, checkpoint.keep, checkpoint.every_epochs)."),
    log: list[str] = typer.Option([], "--log", help="Also log to an experiment tracker: tensorboard (RUN/tensorboard/) or mlflow (./mlruns); repeatable. metrics.jsonl is always written."),
) -> None:
    """Train a GAN, then evaluate it with two-sample tests and draw its figures.

    Checkpoints are written as it goes (see the checkpoint section of the config); Ctrl-C or
    SIGTERM finishes the current step, checkpoints and exits; `--resume RUN`
    continues exactly where it stopped. Under `torchrun` (or with `--nproc N`)
    the processes train one model with DistributedDataParallel.
    """
    if nproc < 1 or max_restarts < 0:
        raise UserError("--nproc must be at least 1 and --max-restarts at least 0")
    options = train_options(preset, set_, seed, data, resume, out_dir, (discrete, sep, device))
    config = train_config(options)  # a config error is reported before torch is imported
    if dry_run and config is not None:
        if nproc > 1:
            raise UserError("--dry-run prints the config; give it without --nproc")
        sys.stdout.write(config.to_toml())  # verbatim: rich would expand tabs inside strings
        return

    with collector_paused():
        from gankit.runs import launch
        from gankit.train import distributed

    job = launch.TrainJob(config, options.resume, out_dir, launch.default_run_name(config, preset) if config else "run",
                          quiet or json_, view, host, port, log, tuple(allow_change))
    if nproc > 1 and not distributed.launched():
        if view:
            raise UserError("--view works without --nproc only")
        raise SystemExit(launch.launch_torchrun(job, nproc, max_restarts, launch.rank_arguments(job, options, quiet, json_)))
    result = launch.train_here(job, showing_phases)
    if result is None:  # a rank other than 0 of a distributed run
        return
    print_training(result, json_)
    launch.keep_finished_view(job)


@app.command()
def sweep(
    preset: Optional[str] = typer.Argument(None, help="A preset name or a .toml config file."),
    seeds: int = typer.Option(8, "--seeds", help="Seeds per grid point (seeds 0 … N−1)."),
    grid: list[str] = typer.Option([], "--grid", help="Values to sweep: --grid train.d_optimizer.lr=0.01,0.05 (repeatable)."),
    set_: list[str] = typer.Option([], "--set", help="Override a config value for every member (repeatable)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Sweep directory to create (default: runs/NNNN-sweep-<preset>/)."),
    sequential: bool = typer.Option(False, "--sequential", help="Train members one after another instead of vectorized."),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the two-sample evaluation of each member."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Draw each member's plots/ (about 0.5 s per member)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    json_: bool = typer.Option(False, "--json", help="Print one JSON object (the summary and the paths) and nothing else."),
    nproc: int = typer.Option(1, "--nproc", help="Spread the members over N processes, each vectorizing its share."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue this stopped or killed sweep directory (its own plan and options)."),
) -> None:
    """Train many GANs at once (seeds × grid points), vectorized, and summarize them.

    Members checkpoint as they train, as single runs do; Ctrl-C or SIGTERM stops the sweep and prints the
    resume command; `--resume DIR` finishes it with the same members, bit for bit on CPU."""
    if nproc < 1:
        raise UserError(f"--nproc must be at least 1, got {nproc}")
    with collector_paused():
        from gankit.runs.launch import resume_sweep_command, sweep_command

    if resume is not None:
        others = [preset, *grid, *set_, out_dir]
        return print_sweep(resume_sweep_command(resume, others, quiet or json_, showing_phases, notice), json_)
    if preset is None:
        raise UserError("give a preset or a .toml config (see `gankit presets`), or --resume SWEEP_DIR")
    print_sweep(sweep_command(apply_overrides(load_raw(preset), set_), preset, seeds, grid, out_dir, quiet or json_,
                              showing_phases, notice, not sequential, not no_eval, nproc, plots), json_)


bench_app = typer.Typer(help="Benchmarks with published protocols.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("toy")
def bench_toy(
    presets: list[str] = typer.Argument(..., help="Toy presets: pacgan-ring, pacgan-grid, veegan-ring, veegan-grid, …"),
    seeds: int = typer.Option(10, "--seeds", help="Seeds per preset."),
    first_seed: int = typer.Option(0, "--first-seed", min=0, help="Seeds first-seed … first-seed+seeds−1 (fresh seeds for a final table)."),
    set_: list[str] = typer.Option([], "--set", help="Override a config value for every run (repeatable)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder to create (default: runs/NNNN-bench-toy/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run toy presets over many seeds; print mode metrics, spread ratio and the k-NN C2ST and MMD pass rates
    beside a "true mixture" row (fresh draws of the data law, judged the same way) and the published rows
    (CSV and Markdown too)."""
    with collector_paused():
        from gankit.runs.toy_bench_run import run_toy_bench

    print_toy_bench(*run_toy_bench(presets, seeds, first_seed, set_, out_dir, quiet, showing_phases, notice), set_)


@app.command()
def sample(
    run: Path = typer.Argument(..., help="A run directory (runs/NNNN-name, runs/latest) or a checkpoint folder."),
    n: int = typer.Option(1000, "-n", help="How many rows (or images) to generate."),
    output: Path = typer.Option(..., "-o", "--output", help="Rows: a .csv (with header) or .npy file. Tables: .csv or .parquet. Images: a folder of PNGs or an .npz file."),
    seed: Optional[int] = typer.Option(None, help="Seed of the noise (same seed → same samples)."),
    force: bool = typer.Option(False, "--force", help="Overwrite -o if it exists."),
    where: list[str] = typer.Option([], "--where", help="Tables: only rows meeting this condition (repeatable; all must hold), e.g. --where 'city=Lyon' --where 'age>40'; also 'city in Lyon,Porto', '30<=age<=50', 'joined>=2020-01-01'."),
) -> None:
    """Draw new samples from a trained generator (any -n: rows are generated and written in chunks).

    Conditional sampling of a table: gankit sample runs/latest -n 500 -o lyon.csv --where "city=Lyon" --where "age>40"
    (a category comes from the generator's conditional vector, a number or date by rejection; the acceptance is printed).

    Constraints declared at training (tabular.constraints in the config: 'start <= end', '0 <= age <= 100',
    combinations of categories seen, 'total = a + b'; gankit inspect examples/people.csv --write-config people.toml
    suggests them) hold on every row sampled.
    """
    folder = sample_folder(run, output, force, seed)

    with collector_paused():
        from gankit.gan import GAN
        from gankit.runs.sample_output import write_samples

    gan = GAN.load(folder)
    path = write_samples(gan, n, seed, output, overwrite=force, where=where or None)
    print_samples_written(gan, n, path)


@app.command(name="eval")
def eval_(
    run: Path = typer.Argument(..., help="A run directory (or runs/latest)."),
    n: Optional[int] = typer.Option(None, "-n", "--n", help="Generated (and real) rows to compare; default: the config's eval.n. Capped by the real rows."),
    seed: Optional[int] = typer.Option(None, help="Seed of sampling, permutations and splits."),
    inception_weights: Optional[Path] = typer.Option(None, "--inception-weights", help="Images: a local Inception weights file; adds FID, KID and precision/recall (needs the torch-fidelity extra; nothing is downloaded)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    json_: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Re-run the two-sample evaluation of a finished run; rewrites eval.json and the figures."""
    run = eval_run(run, n, seed, inception_weights)  # a bad option or a missing checkpoint: before torch loads

    with collector_paused():
        from gankit.runs.job import evaluate_run, load_run_gan

    with showing_phases(quiet or json_):
        gan = load_run_gan(run)
        report = evaluate_run(run, gan, n=n, seed=seed, inception_weights=inception_weights)
    print_evaluation(run, gan, report, n, json_)


@app.command(name="view")
def view_(
    folder: Path = typer.Argument(..., help="A run directory or a sweep directory."),
    host: Optional[str] = HOST_OPTION,
    port: int = PORT_OPTION,
) -> None:
    """Replay a run (points, D's heatmap, G's manifold, losses, p-values over training) or a sweep in the browser.

    Serves a local page until Ctrl-C; nothing is fetched from the internet.
    """
    from gankit.view.session import serve_directory

    serve_directory(folder, host, port)


@app.command()
def play(
    out_dir: Path = typer.Option(Path("play"), "--out", help="Folder for exported configs (Export writes play-NNN.toml)."),
    host: Optional[str] = HOST_OPTION,
    port: int = PORT_OPTION,
    frames: int = typer.Option(150, "--frames", help="Frames kept for a page that opens (older ones thinned): bounds memory."),
) -> None:
    """A playground in the browser: pick or draw 2-D data, set the objective, nets, learning rates and D steps,
    then start, pause or take single D/G steps of a real PyTorch GAN; Export writes a config `gankit train` runs."""
    from gankit.view.session import serve_playground

    serve_playground(out_dir, host, port, frames)


@app.command()
def report(
    folders: list[Path] = typer.Argument(..., help="Run or sweep directories."),
) -> None:
    """Rebuild report.html (one self-contained page that opens offline) in each run or sweep directory."""
    from gankit.runs.reports import rebuild_reports

    for path in rebuild_reports(folders):
        out.print(f"wrote {path}")


@app.command()
def compare(
    runs: list[Path] = typer.Argument(..., help="Two or more run directories."),
    output: Path = typer.Option(Path("compare.html"), "-o", "--output", help="The page to write."),
) -> None:
    """Compare runs side by side: print a table and write one self-contained page."""
    from gankit.runs.reports import compare_runs

    print_comparison(*compare_runs(runs, output))


@app.command(name="inspect")
def inspect_(
    data: Path = typer.Argument(..., help="The table: .csv or .parquet."),
    write_config: Optional[Path] = typer.Option(None, "--write-config", help="Accept every suggestion: append them "
                                                "to this .toml config (a new file starts from the tabular preset)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="The CSV's column separator (default: detected)."),
) -> None:
    """Suggest the constraints that hold on every row of a table, as [[tabular.constraints]] to paste into a config.

    Example: gankit inspect examples/people.csv --write-config people.toml
    """
    from gankit.runs.inspect_table import inspect_table

    out.print(inspect_table(data, SEP_NAMES.get(sep, sep) if sep else None, write_config), markup=False,
              highlight=False, soft_wrap=True)


@app.command()
def presets() -> None:
    """List the presets shipped with gankit."""
    print_presets({name: load_raw(name).get("description", "") for name in preset_names()})


config_app = typer.Typer(help="The config's keys.", no_args_is_help=True, cls=_Commands)
app.add_typer(config_app, name="config")


@config_app.command("keys")
def config_keys(
    prefix: Optional[str] = typer.Argument(None, help="Only keys under this section or key, e.g. train or train.d_optimizer."),
) -> None:
    """Every key --set accepts, with its type, default, allowed range and description."""
    from gankit.config_keys import config_keys as keys_under

    print_keys(keys_under(prefix or ""))


@app.command(name="runs")
def runs_(
    root: Path = typer.Option(Path("runs"), "--root", help="The folder holding the run directories."),
    json_: bool = typer.Option(False, "--json", help="One JSON object per run, one per line."),
) -> None:
    """List the run directories: preset, data, verdict, when and how long it trained."""
    from gankit.runs.listing import list_runs

    print_runs(list_runs(root), root, json_)


def run(argv: list[str] | None = None) -> int:
    """Run the app on ``argv``; return the exit status (user errors: one line on stderr and 2)."""
    try:
        check_set_syntax(sys.argv[1:] if argv is None else argv)
        with holding_notices():  # a bad input gets its one error line, with no notice about it before
            code = app(args=argv, prog_name="gankit", standalone_mode=False)  # usage errors come to us
        return code if isinstance(code, int) else 0
    except NoArgsIsHelpError as shown:  # `gankit`, `gankit bench`: the help text
        typer.echo(shown.ctx.get_help() if shown.ctx else "", err=True)
        return shown.exit_code
    except typer.TyperException as problem:  # a usage or type error: one line, with click's did-you-mean
        command = problem.ctx.command_path if getattr(problem, "ctx", None) else "gankit"
        text = " ".join(f"{problem.format_message()} (see `{command} --help`)".split())
        error_line(f"error: {text}")
        return getattr(problem, "exit_code", 2)
    except typer.Abort:
        return 1
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except UserError as problem:
        error_line(f"error: {problem}")
        return UserError.exit_code
    except (TrainingDiverged, StopRequested, PeerLost) as stopped:
        error_line(f"{'error: ' if isinstance(stopped, TrainingDiverged) else ''}{stopped}")
        return stopped.exit_code
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    return 0


def main() -> None:
    """Console entry point."""
    exit_process(run())
