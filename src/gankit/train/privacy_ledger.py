"""The privacy ledger of a DP run: the planned mechanism and Opacus's accountant of what it has spent.

DP-SGD on D (``train/dp_sgd.py``) is a subsampled Gaussian mechanism: each D step
samples every real row with probability ``q`` (Poisson), clips each row's gradient
to ``C`` and adds Gaussian noise of standard deviation ``σ·C``. The ledger fixes
``σ`` before training from the budget (ε, δ), ``q`` and the planned number of D
steps (Opacus's ``get_noise_multiplier``), records every step in Opacus's RDP or
PRV accountant, and refuses a step past the plan, so the run never spends more
than its budget. A table run may also release its rows' moments once, through a
Gaussian mechanism of noise multiplier ``release_noise`` (``train/private_moments.py``):
the release is the first entry of the accounting (sampling rate 1, one step), and
``σ`` is then calibrated so that the release and the steps together spend the budget.
Its JSON form (with the accountant's history) goes into every
checkpoint, so a resumed run continues the same accounting.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gankit.config import PrivacyConfig
from gankit.errors import UserError
from gankit.install_hint import install_hint


def opacus_accountant(name: str) -> Any:
    """A fresh Opacus accountant (``rdp`` or ``prv``); without Opacus, one line naming the extra to install."""
    try:
        from opacus.accountants import create_accountant  # noqa: PLC0415  (an optional extra)
    except ImportError:
        raise UserError(f"privacy.epsilon needs Opacus: {install_hint('privacy')}") from None
    return create_accountant(mechanism=name)


@functools.lru_cache(maxsize=64)
def rdp_of_one_step(sample_rate: float, noise_multiplier: float) -> np.ndarray:
    """Opacus's RDP of one subsampled Gaussian step at its default orders (an RDP sum is linear in the steps,
    so ``steps ×`` this is exactly what ``compute_rdp`` returns for ``steps``; cached, as it costs ~0.5 s)."""
    from opacus.accountants.analysis import rdp as privacy_analysis  # noqa: PLC0415
    from opacus.accountants.rdp import RDPAccountant  # noqa: PLC0415

    return privacy_analysis.compute_rdp(q=sample_rate, noise_multiplier=noise_multiplier, steps=1,
                                        orders=RDPAccountant.DEFAULT_ALPHAS)


def rdp_epsilon(history: list[tuple[float, float, int]], delta: float) -> float:
    """ε of an RDP accountant's ``history`` for ``delta``, as ``RDPAccountant.get_epsilon`` computes it."""
    from opacus.accountants.analysis import rdp as privacy_analysis  # noqa: PLC0415
    from opacus.accountants.rdp import RDPAccountant  # noqa: PLC0415

    rdp = sum([rdp_of_one_step(rate, noise) * steps for noise, rate, steps in history])
    epsilon, _ = privacy_analysis.get_privacy_spent(orders=RDPAccountant.DEFAULT_ALPHAS, rdp=rdp, delta=delta)
    return float(epsilon)


def default_delta(n_rows: int) -> float:
    """δ when the config leaves it out: 1/(10·n), ten times smaller than the chance of naming one row of n."""
    return 1.0 / (10 * n_rows)


def epsilon_of(history: list[tuple[float, float, int]], delta: float, accountant: str) -> float:
    """ε that Opacus's ``accountant`` gives for ``history`` ((σ, q, steps) entries) and ``delta``."""
    with warnings.catch_warnings():  # RDP's "optimal order is the largest alpha": the bound holds, only looser
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # PRV at q = 1 takes log(1 − q) in a branch it discards
        if accountant == "rdp":
            return rdp_epsilon(history, delta)
        engine = opacus_accountant(accountant)
        engine.history = [tuple(entry) for entry in history]
        return float(engine.get_epsilon(delta=delta))


def calibrated_noise(epsilon: float, delta: float, sample_rate: float, steps: int, accountant: str,
                     release_noise: float = 0.0) -> float:
    """σ that spends at most ε (for δ) in ``steps`` Poisson-subsampled steps at ``sample_rate`` (Opacus's search),
    after a release of noise multiplier ``release_noise`` when it is not 0."""
    opacus_accountant(accountant)  # the install hint before anything else
    from opacus.accountants.utils import get_noise_multiplier  # noqa: PLC0415

    if release_noise:
        return _noise_after_release(epsilon, delta, sample_rate, steps, accountant, release_noise)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return float(get_noise_multiplier(target_epsilon=epsilon, target_delta=delta, sample_rate=sample_rate,
                                              steps=steps, accountant=accountant))
    except ValueError:
        raise UserError(f"privacy.epsilon = {epsilon} cannot be reached in {steps:,} steps at sampling rate "
                        f"{sample_rate:.4g}: raise privacy.epsilon, or train fewer steps (train.max_steps) or "
                        f"with smaller batches") from None


def release_entry(noise_multiplier: float) -> tuple[float, float, int]:
    """The moments' release as an accountant's entry: one Gaussian mechanism on every row (sampling rate 1)."""
    return (noise_multiplier, 1.0, 1)


def _noise_after_release(epsilon: float, delta: float, sample_rate: float, steps: int, accountant: str,
                         release_noise: float) -> float:
    """Bisection for the smallest σ (to 1%) whose steps, after the release, spend at most ε (ε falls as σ grows)."""
    release = release_entry(release_noise)
    if epsilon_of([release], delta, accountant) >= epsilon:
        raise UserError(f"privacy.moment_noise = {release_noise:g}: the moments' release alone spends ε = {epsilon}; "
                        "raise privacy.moment_noise (or set it to 0: no release), or raise privacy.epsilon")
    low, high = 0.05, 1000.0
    if epsilon_of([release, (high, sample_rate, steps)], delta, accountant) > epsilon:
        raise UserError(f"privacy.epsilon = {epsilon} cannot be reached in {steps:,} steps at sampling rate "
                        f"{sample_rate:.4g} after the moments' release: raise privacy.epsilon or "
                        "privacy.moment_noise, or train fewer steps (train.max_steps)")
    while high / low > 1.01:
        middle = (low * high) ** 0.5
        if epsilon_of([release, (middle, sample_rate, steps)], delta, accountant) > epsilon:
            low = middle
        else:
            high = middle
    return high


@dataclass
class PrivacyLedger:
    """The run's (ε, δ) budget, the mechanism's settings and the accountant of the steps taken."""

    epsilon: float
    delta: float
    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float
    planned_steps: int
    accountant_name: str
    history: list[tuple[float, float, int]] = field(default_factory=list)  # Opacus's (σ, q, steps) entries
    release_noise: float = 0.0  # the moments' release (0: none), accounted before the first step

    @classmethod
    def plan(cls, config: PrivacyConfig, n_rows: int, batch_size: int, planned_steps: int,
             release_noise: float = 0.0) -> "PrivacyLedger":
        """The mechanism for ``planned_steps`` D steps of Poisson batches of ``batch_size`` rows on average, after
        a release of the rows' moments of noise multiplier ``release_noise`` (0: none)."""
        if planned_steps < 1:
            raise UserError("privacy.epsilon: the run plans no discriminator step")
        sample_rate = min(1.0, batch_size / n_rows)
        delta = config.delta if config.delta is not None else default_delta(n_rows)
        if delta >= 1 / n_rows:
            raise UserError(f"privacy.delta = {delta:g} is not below 1/n = {1 / n_rows:.3g} for {n_rows:,} rows: a "
                            f"mechanism that publishes a row at random would meet it; leave it out for 1/(10·n)")
        noise = calibrated_noise(config.epsilon, delta, sample_rate, planned_steps, config.accountant, release_noise)
        return cls(config.epsilon, delta, noise, config.max_grad_norm, sample_rate, planned_steps, config.accountant,
                   [], release_noise)

    @property
    def steps(self) -> int:
        """D steps accounted so far."""
        return sum(entry[2] for entry in self.history)

    @property
    def exhausted(self) -> bool:
        """Whether the planned steps, and so the budget, are spent."""
        return self.steps >= self.planned_steps

    def record_step(self) -> None:
        """Account one D step; a step past the plan would overspend the budget and is refused."""
        if self.exhausted:
            raise RuntimeError("the privacy budget is spent: no further step on the real rows")
        accountant = self._accountant()
        accountant.step(noise_multiplier=self.noise_multiplier, sample_rate=self.sample_rate)
        self.history = [tuple(entry) for entry in accountant.history]

    def accounted(self) -> list[tuple[float, float, int]]:
        """Every mechanism accounted: the moments' release (when there is one), then the steps taken."""
        release = [release_entry(self.release_noise)] if self.release_noise else []
        return release + [tuple(entry) for entry in self.history]

    def spent(self) -> float:
        """ε spent so far, for the run's δ (0 before any step or release)."""
        accounted = self.accounted()
        return epsilon_of(accounted, self.delta, self.accountant_name) if accounted else 0.0

    def _accountant(self) -> Any:
        accountant = opacus_accountant(self.accountant_name)
        accountant.history = [tuple(entry) for entry in self.history]
        return accountant

    def line(self) -> str:
        """``ε spent / budget`` for the console."""
        return f"privacy: ε {self.spent():.3g} spent / {self.epsilon:g} budget (δ = {self.delta:.2g}, {self.steps:,} steps)"

    def to_dict(self) -> dict[str, Any]:
        """The ledger as JSON (state.json, eval.json and the report read it)."""
        return {"epsilon_spent": self.spent(), "epsilon_budget": self.epsilon, "delta": self.delta,
                "noise_multiplier": self.noise_multiplier, "max_grad_norm": self.max_grad_norm,
                "sample_rate": self.sample_rate, "steps": self.steps, "planned_steps": self.planned_steps,
                "accountant": self.accountant_name, "history": [list(entry) for entry in self.history],
                "moment_release_noise": self.release_noise}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PrivacyLedger":
        """The ledger :meth:`to_dict` wrote, with its accountant's history."""
        return cls(float(data["epsilon_budget"]), float(data["delta"]), float(data["noise_multiplier"]),
                   float(data["max_grad_norm"]), float(data["sample_rate"]), int(data["planned_steps"]),
                   str(data["accountant"]),
                   [(float(s), float(q), int(n)) for s, q, n in data.get("history", [])],
                   float(data.get("moment_release_noise", 0.0)))
