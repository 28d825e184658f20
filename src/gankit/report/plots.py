"""The chapter's two figures, drawn from a run's files (never from inside the model).

* losses: discriminator (orange) and generator (blue) loss per epoch;
* samples: the real data (blue) and generated points (orange).
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


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
