"""The chapter's figures, drawn from a run's files (never from inside the model).

* losses: discriminator (dark grey) and generator (purple) loss per epoch, with the
  equilibrium values only where the objective has them;
* samples: the real data (green) and, drawn above it with transparency, generated points (purple);
* for 2-D data: D's decision surface behind both (green: judged real, purple: judged
  generated), now (decision) and over training (training grid).

Colours follow :mod:`gankit.report.roles`: one meaning per colour in every figure.
Every figure's title names the run, the objective and the verdict when given.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from gankit.atomic_write import atomic_write  # noqa: E402
from gankit.report.roles import DISCRIMINATOR, GENERATED, GENERATOR, HEATMAP, REAL, equilibrium  # noqa: E402

REAL_ALPHA, GENERATED_ALPHA = 0.45, 0.6


TITLE_CHARS = 60  # a title line that fits over the narrowest single figure's axes (D's surface beside its colour bar)


def figure_title(what: str, run: str | None = None, objective: str | None = None, verdict: str | None = None) -> str:
    """``what — run · objective · VERDICT`` with the parts that are known, in lines of at most
    :data:`TITLE_CHARS` characters, so a long run name (a sweep member's) is never cut off at the figure's edge."""
    parts = [part for part in (run, objective, verdict.split(":")[0] if verdict else None) if part]
    lines, line = [], what
    for separator, part in zip([" — ", *[" · "] * len(parts)], parts):  # break between parts first …
        if len(line) + len(separator) + len(part) + 2 <= TITLE_CHARS:  # room for a trailing " ·"
            line += separator + part
        else:
            lines.append(line + separator.rstrip())
            line = part
    lines.append(line)
    return "\n".join(piece for line in lines for piece in textwrap.wrap(line, TITLE_CHARS) or [line])  # … then inside one


def plot_losses(history: list[dict[str, Any]], path: Path, objective: str | None = None, title: str = "") -> Path:
    """Both losses per epoch, with each loss's equilibrium value where ``objective`` has one (BCE objectives)."""
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, [row["d_loss"] for row in history], color=DISCRIMINATOR, label="discriminator")
    ax.plot(epochs, [row["g_loss"] for row in history], color=GENERATOR, label="generator")
    lines = equilibrium(objective) if objective else {}
    if lines and len(set(lines.values())) == 1:
        ax.axhline(lines["d_loss"], color="gray", linestyle=":", linewidth=1,
                   label=f"D and G at equilibrium (ln 2 = {lines['d_loss']:.3f})")
    else:
        for role, value in lines.items():
            colour = DISCRIMINATOR if role == "d_loss" else GENERATOR
            ax.axhline(value, color=colour, linestyle=":", linewidth=1,
                       label=f"{'D' if role == 'd_loss' else 'G'} at equilibrium ({value:.3f})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch", fontsize=12)
    ax.set_ylabel("loss", fontsize=12)
    ax.set_title(title or figure_title("losses", objective=objective), fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_samples(real: np.ndarray, fake: np.ndarray, path: Path, columns: list[str], title: str = "") -> Path:
    """Real rows (green) and generated rows (purple, drawn above): a scatter of the first two columns
    (overlaid histograms when the data has one column)."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    if real.shape[1] == 1:
        bins = np.histogram_bin_edges(np.concatenate([real[:, 0], fake[:, 0]]), bins=30)
        ax.hist(real[:, 0], bins=bins, color=REAL, alpha=0.5, density=True, label="real")
        ax.hist(fake[:, 0], bins=bins, color=GENERATED, alpha=0.5, density=True, label="generated")
        ax.set_xlabel(columns[0])
        ax.set_ylabel("density")
    else:
        ax.scatter(real[:, 0], real[:, 1], color=REAL, s=8, alpha=REAL_ALPHA, label="real", zorder=2)
        ax.scatter(fake[:, 0], fake[:, 1], color=GENERATED, s=10, alpha=GENERATED_ALPHA, label="generated", zorder=3)
        ax.set_xlabel(columns[0])
        ax.set_ylabel(columns[1])
    ax.set_title(title or "samples", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_decision(frame: dict[str, np.ndarray], path: Path, columns: list[str] | None = None, title: str = "") -> Path:
    """Generated points over the real ones, with D's decision surface as a heatmap behind them."""
    fig, ax = plt.subplots(figsize=(6, 4.8))
    image = draw_frame(ax, frame)
    fig.colorbar(image, ax=ax, label="D's logit (green: judged real, purple: judged generated)")
    x_label, y_label = (columns or ["x0", "x1"])[:2]
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title or f"D's decision surface, epoch {int(frame['epoch'])}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_training_grid(frames: list[dict[str, np.ndarray]], path: Path, title: str = "") -> Path:
    """The frames of one run side by side (at most 4 per row), each titled with its epoch, one shared colour bar.

    Each frame keeps its own extent (ticks shown), and its heatmap its own symmetric scale, so the
    colour bar reads as "judged real ↔ judged generated", not as an absolute logit.
    """
    columns = min(4, len(frames))
    rows = -(-len(frames) // columns)
    width, height = 3.3 * columns + 1.0, 3.1 * rows + 0.6
    fig, axes = plt.subplots(rows, columns, figsize=(width, height), squeeze=False)
    # fixed margins in inches: tight_layout measured every tick label of every panel (about half a second)
    title_lines = (title or "over training").count("\n") + 1
    fig.subplots_adjust(left=0.5 / width, right=0.9 - 0.15 / width, bottom=0.35 / height,
                        top=1 - (0.5 + 0.2 * title_lines) / height,
                        wspace=0.3, hspace=0.35)
    image = None
    for ax, frame in zip(axes.ravel(), frames):
        image = draw_frame(ax, frame, normalized=True)
        ax.set_title(f"epoch {int(frame['epoch'])}", fontsize=10)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(frames):]:
        ax.axis("off")
    fig.suptitle(title or "over training", fontsize=11)
    bar = fig.colorbar(image, ax=axes.ravel().tolist(), fraction=0.03, pad=0.02, ticks=[-1, 0, 1])
    bar.ax.set_yticklabels(["judged\ngenerated", "unsure", "judged\nreal"], fontsize=8)
    return _save(fig, path)


def draw_frame(ax: plt.Axes, frame: dict[str, np.ndarray], normalized: bool = False) -> Any:
    """One frame on ``ax``: D's logit heatmap (symmetric scale around 0), real points, generated points above them.

    ``normalized`` divides the logits by their 99th percentile of |logit| so the scale is [−1, 1].
    """
    logits = frame["logits"]
    bound = float(np.nanpercentile(np.abs(logits), 99)) or 1.0
    values, limit = (logits / bound, 1.0) if normalized else (logits, bound)
    image = ax.imshow(values, origin="lower", extent=tuple(frame["extent"]), cmap=HEATMAP, vmin=-limit, vmax=limit,
                      aspect="auto", interpolation="bilinear", alpha=0.75)
    ax.scatter(*frame["real"].T, s=3, color=REAL, alpha=REAL_ALPHA, label="real", zorder=2)
    ax.scatter(*frame["fake"].T, s=3, color=GENERATED, alpha=GENERATED_ALPHA, label="generated", zorder=3)
    ax.set_xlim(frame["extent"][:2])
    ax.set_ylim(frame["extent"][2:])
    return image


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return atomic_write(path, lambda temporary: fig.savefig(temporary, dpi=120))
    finally:
        plt.close(fig)
