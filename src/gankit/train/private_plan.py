"""The plan of a differentially private run, made once before its first step: checks, then the ledger.

The planned D steps are the plain loop's (``train.epochs`` × ``batches_per_epoch``,
after ``train.max_steps`` capped the epochs), and ``σ`` is calibrated so that exactly
those steps spend the budget (``train/privacy_ledger.py``).
"""

from __future__ import annotations

from gankit.config import GanConfig, with_changes
from gankit.errors import UserError
from gankit.status import notice
from gankit.train import distributed
from gankit.train.loop import batches_per_epoch
from gankit.train.privacy_ledger import PrivacyLedger


def plan_private_training(config: GanConfig, n_rows: int, batch_size: int, release_noise: float) -> PrivacyLedger:
    """The ledger of a fresh DP run on ``n_rows`` training rows in batches of ``batch_size`` on average, after a
    release of the rows' moments of noise multiplier ``release_noise`` (0: none; one line and exit 2 for a budget
    that cannot be met), made before the run directory is."""
    if distributed.current().world > 1:
        raise UserError("privacy.epsilon trains in one process: run it without torchrun")
    steps = config.train.epochs * batches_per_epoch(n_rows, batch_size, 1, config.train.drop_last)
    return PrivacyLedger.plan(config.privacy, n_rows, batch_size, steps, release_noise)


def private_settings(config: GanConfig) -> GanConfig:
    """The config a DP run trains with: WGAN-GP's gradient penalty off unless ``privacy.gradient_penalty``, with a
    notice (the penalty is private, each real row's term clipped with its loss, but it takes a share of the
    clipped gradient and the noise then drowns D's signal; the privacy guide has the measured figures)."""
    if config.train.gp_weight > 0 and not config.privacy.gradient_penalty:
        notice(f"privacy: no gradient penalty under DP (train.gp_weight = {config.train.gp_weight:g} → 0); "
               "privacy.gradient_penalty = true keeps it")
        return with_changes(config, **{"train.gp_weight": 0.0})
    return config
