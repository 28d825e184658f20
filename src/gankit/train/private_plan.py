"""The plan of a differentially private run, made once before its first step: checks, then the ledger.

The planned D steps are the plain loop's (``train.epochs`` × ``batches_per_epoch``,
after ``train.max_steps`` capped the epochs), and ``σ`` is calibrated so that exactly
those steps spend the budget (``train/privacy_ledger.py``).
"""

from __future__ import annotations

from gankit.config import GanConfig
from gankit.errors import UserError
from gankit.train import distributed
from gankit.train.dp_sgd import check_private_net
from gankit.train.loop import batches_per_epoch
from gankit.train.privacy_ledger import PrivacyLedger
from gankit.train.state import TrainState


def plan_private_training(config: GanConfig, state: TrainState, n_rows: int) -> PrivacyLedger:
    """The ledger of a fresh DP run on ``n_rows`` training rows (one line and exit 2 for what cannot be private)."""
    check_private_net(state.discriminator)
    if distributed.current().world > 1:
        raise UserError("privacy.epsilon trains in one process: run it without torchrun")
    steps = config.train.epochs * batches_per_epoch(n_rows, state.batch_size, 1, config.train.drop_last)
    return PrivacyLedger.plan(config.privacy, n_rows, state.batch_size, steps)
