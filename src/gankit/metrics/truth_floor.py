"""The floor of the toy metrics: fresh samples of the data law itself, judged as a generator's samples are.

Every metric of a finite sample has a floor: 2,500 samples of the true ring already have HQ ≈ 98.9 %,
a reverse KL ≈ 0.002 and a spread ratio ≈ 1, and a two-sample test of the truth against itself still
rejects about α of the time. :func:`truth_report` replaces the generator by the data law and runs the
very evaluation a run ends with (same real rows, same sizes, same seeds), so a benchmark can print the
row that a perfect generator would get.
"""

from __future__ import annotations

import numpy as np

from gankit.config import TOY_SOURCES, GanConfig
from gankit.data import known_modes, known_truth, load_training_rows
from gankit.data.toy import toy_source
from gankit.metrics.evaluate import EvalReport, evaluate, real_rows_index
from gankit.metrics.modes import MODE_SAMPLES

_TRUTH_STREAM = 0x7275  # keeps the truth's draws apart from the training set's (seed) and epochs' ((seed, epoch)) draws


def has_truth(config: GanConfig) -> bool:
    """Whether the data is a generated toy law whose fresh samples can be drawn."""
    return config.data.source in TOY_SOURCES


def truth_report(config: GanConfig) -> EvalReport:
    """The run's evaluation with the generator replaced by fresh draws of the data law."""
    data, settings = config.data, config.eval
    seed = settings.seed if settings.seed is not None else config.seed
    rows = load_training_rows(data, config.seed).values
    rows = rows[real_rows_index(len(rows), settings.n, seed)]
    source, rng = toy_source(data), np.random.default_rng([seed, _TRUTH_STREAM])
    fake = source.sample(len(rows), rng)
    modes = known_modes(data)
    mode_samples = source.sample(MODE_SAMPLES, rng) if modes is not None else None
    return evaluate(rows, fake, permutations=settings.permutations, alpha=settings.alpha, seed=seed,
                    truth=known_truth(data), modes=modes, mode_samples=mode_samples)
