"""What a command's options mean, checked before any torch import: the config ``gankit train`` builds, and the
run folders ``gankit sample`` and ``gankit eval`` read.

A bad option is reported here, in one line, before the command loads torch, scikit-learn or pandas; the
command line then only parses, calls these and the library, and maps errors to exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gankit.config import MAX_SEED, GanConfig, load_config
from gankit.errors import UserError
from gankit.option_overrides import data_overrides, shorthand_overrides
from gankit.runs.directory import checkpoint_of, resolve_run


@dataclass(frozen=True)
class TrainOptions:
    """``gankit train``'s options that decide what is trained."""

    preset: str | None
    overrides: list[str]  # --set, then the shorthands (--discrete, --sep, --device) as --set overrides
    seed: int | None
    data: Path | None
    resume: Path | None
    out_dir: Path | None


def train_options(preset: str | None, overrides: list[str], seed: int | None, data: Path | None, resume: Path | None,
                  out_dir: Path | None, shorthands: tuple[str | None, str | None, str | None]) -> TrainOptions:
    """The options with the shorthands ``(discrete, sep, device)`` turned into overrides, checked for a mix that
    means nothing (a resume with a new config, a new run without a preset); ``resume`` resolved (``latest``)."""
    device = shorthands[2]
    if device is not None and resume is not None:
        raise UserError("--device applies to new runs; a resumed run keeps its config's train.device")
    overrides = [*overrides, *shorthand_overrides(*shorthands)]
    if resume is not None:
        if preset or overrides or seed is not None or data or out_dir:
            raise UserError("--resume RUN continues a run with its own config; give no preset, --set, --seed, --data or --out")
        resume = resolve_run(resume)
    elif preset is None:
        raise UserError("give a preset or a .toml config (see `gankit presets`), or --resume RUN")
    return TrainOptions(preset, overrides, seed, data, resume, out_dir)


def train_config(options: TrainOptions) -> GanConfig | None:
    """The new run's config, built once from the preset and every override (None for a resume)."""
    if options.resume is not None or options.preset is None:
        return None
    data_set = data_overrides(options.preset, options.overrides, options.data) if options.data is not None else []
    return load_config(options.preset, [*options.overrides, *data_set], seed=options.seed)


def check_seed(seed: int | None) -> None:
    """A ``--seed`` that NumPy and scikit-learn accept (0 … 2**32 − 1)."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UserError(f"--seed must be between 0 and {MAX_SEED} (2**32 - 1), got {seed}")


def sample_folder(run: Path, output: Path, force: bool, seed: int | None) -> Path:
    """The folder ``gankit sample`` loads (a run's checkpoint, or a checkpoint folder given directly), after
    checking that ``-o`` is free (or ``--force``)."""
    check_seed(seed)
    if output.exists() and not force and (not output.is_dir() or any(output.iterdir())):
        raise UserError(f"{output} already exists; give --force to overwrite it, or another -o")
    run = resolve_run(run)
    return run if (run / "state.json").is_file() else checkpoint_of(run)


def eval_run(run: Path, n: int | None, seed: int | None, inception_weights: Path | None) -> Path:
    """The run folder ``gankit eval`` re-evaluates, with its checkpoint present and the options in range."""
    check_seed(seed)
    if n is not None and not 20 <= n <= 5000:
        raise UserError(f"-n must be between 20 and 5000, got {n}")
    if inception_weights is not None and not inception_weights.is_file():
        raise UserError(f"--inception-weights: file not found: {inception_weights}")
    run = resolve_run(run)
    checkpoint_of(run)
    return run
