"""Does a table GAN hand back its training rows? Exact copies beyond chance, and DCR, in the evaluation.

The whole table is used for training, so there is no untouched holdout; the chance
level comes from the real rows themselves. The table is split at random into halves A
and B, and B plays the holdout:

* ``exact_copy_share``: the share of synthetic rows identical to a row of A
  (:func:`gankit.metrics.privacy.exact_copy_share`);
* ``holdout_copy_share``: the same share for the rows of B, i.e. how often two
  independent real rows coincide (what chance gives for this table);
* ``median_dcr_fake`` / ``median_dcr_holdout``: SDMetrics' distance to closest record
  (:func:`gankit.metrics.privacy.dcr`) of the synthetic rows and of B's rows to A
  (on at most 2,000 rows a side, fewer for wide tables).

``copies_beyond_chance`` is true when a one-sided binomial test says the synthetic rows
copy A's rows more often than B's rows do (p < ``COPY_P``); the evaluation then warns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from gankit.metrics.privacy import dcr, exact_copy_share

COPY_P = 0.001  # the one-sided binomial p-value below which the copies are called "beyond chance"
MAX_DCR_ROWS = 2000  # rows per side in the DCR (its cost is rows × rows × columns)
DCR_CELLS = 200_000_000  # at most this many row-pair-column distances (wide tables use fewer rows)


def privacy_check(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str], seed: int) -> dict[str, float | bool]:
    """The privacy figures of ``fake`` against the real table ``real`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(real))
    train, holdout = real.iloc[order[: (len(real) + 1) // 2]], real.iloc[order[(len(real) + 1) // 2:]]
    copies = exact_copy_share(train, fake)
    chance = exact_copy_share(train, holdout)
    floor = 1.0 / (len(holdout) + 1)  # a holdout with no copies still leaves room for a rare one
    p_value = binomtest(round(copies * len(fake)), len(fake), max(chance, floor), alternative="greater").pvalue
    rows = max(1, min(MAX_DCR_ROWS, int(np.sqrt(DCR_CELLS / max(len(kinds), 1)))))
    distances = dcr(train.iloc[:rows], holdout.iloc[:rows], fake.iloc[:rows], kinds)
    return {
        "exact_copy_share": copies,
        "holdout_copy_share": chance,
        "copies_p_value": float(p_value),
        "copies_beyond_chance": bool(p_value < COPY_P),
        "median_dcr_fake": distances["median_fake_to_train"],
        "median_dcr_holdout": distances["median_holdout_to_train"],
    }


def copy_warning(check: dict[str, float | bool]) -> str | None:
    """One line when the synthetic rows copy real rows beyond chance, else None."""
    if not check["copies_beyond_chance"]:
        return None
    return (f"{check['exact_copy_share']:.1%} of the synthetic rows are exact copies of real rows, against "
            f"{check['holdout_copy_share']:.1%} for real rows among themselves (binomial p = {check['copies_p_value']:.2g}): "
            f"the generator reproduces its training rows; check the data was read right (--sep) and train longer or on more rows")
