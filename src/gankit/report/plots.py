"""The chapter's two figures, drawn from a run's files (never from inside the model).

* losses: discriminator (orange) and generator (blue) loss per epoch;
* samples: the real data (blue) and generated points (orange);
* for 2-D data: D's decision surface behind both, now (decision) and over training (training grid).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def plot_losses(history: list[dict[str, Any]], path: Path) -> Path:
    """Both losses per epoch, with the equilibrium value ln 2 marked."""
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, [row["d_loss"] for row in history], color="orange", label="discriminator")
    ax.plot(epochs, [row["g_loss"] for row in history], color="blue", label="generator")
    ax.axhline(np.log(2), color="gray", linestyle=":", linewidth=1, label="ln 2 (equilibrium)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch", fontsize=14)
    ax.set_ylabel("Loss", fontsize=14)
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def plot_samples(real: np.ndarray, fake: np.ndarray, path: Path, columns: list[str]) -> Path:
    """Real rows in blue and generated rows in orange: a scatter of the first two columns
    (a histogram when the data has one column)."""
    fig, ax = plt.subplots(figsize=(5, 4))
    if real.shape[1] == 1:
        bins = np.histogram_bin_edges(np.concatenate([real[:, 0], fake[:, 0]]), bins=30)
        ax.hist(real[:, 0], bins=bins, color="blue", alpha=0.5, density=True, label="real")
        ax.hist(fake[:, 0], bins=bins, color="orange", alpha=0.5, density=True, label="generated")
        ax.set_xlabel(columns[0])
    else:
        ax.scatter(real[:, 0], real[:, 1], color="blue", s=8, alpha=0.6, label="real", zorder=3)
        ax.scatter(fake[:, 0], fake[:, 1], color="orange", s=8, alpha=0.8, label="generated")
        ax.set_xlabel(columns[0])
        ax.set_ylabel(columns[1])
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def plot_decision(frame: dict[str, np.ndarray], path: Path) -> Path:
    """Generated points over the real ones, with D's decision surface as a heatmap behind them."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    image = draw_frame(ax, frame)
    fig.colorbar(image, ax=ax, label="D logit (red: judged real, blue: judged generated)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_training_grid(frames: list[dict[str, np.ndarray]], path: Path) -> Path:
    """The frames of one run side by side (at most 4 per row), each titled with its epoch."""
    columns = min(4, len(frames))
    rows = -(-len(frames) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.0 * rows), squeeze=False)
    for ax, frame in zip(axes.ravel(), frames):
        draw_frame(ax, frame)
        ax.set_title(f"epoch {int(frame['epoch'])}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.ravel()[len(frames):]:
        ax.axis("off")
    fig.suptitle("generated (orange) and real (black) points over D's logit", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def draw_frame(ax: plt.Axes, frame: dict[str, np.ndarray]) -> Any:
    """One frame on ``ax``: the logit heatmap (symmetric colour scale around 0), real points, generated points."""
    logits = frame["logits"]
    bound = float(np.nanpercentile(np.abs(logits), 99)) or 1.0
    image = ax.imshow(logits, origin="lower", extent=tuple(frame["extent"]), cmap="RdBu_r", vmin=-bound, vmax=bound,
                      aspect="auto", interpolation="bilinear")
    ax.scatter(*frame["real"].T, s=2, color="black", alpha=0.5, label="real")
    ax.scatter(*frame["fake"].T, s=2, color="orange", alpha=0.7, label="generated")
    ax.set_xlim(frame["extent"][:2])
    ax.set_ylim(frame["extent"][2:])
    return image


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
