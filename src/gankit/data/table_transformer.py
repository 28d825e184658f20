"""A reversible, vectorized map between a mixed-type table and the float rows a GAN trains on.

Each column becomes a few consecutive output columns, grouped in :class:`Block` s
that tell the generator which activation each part needs: ``tanh`` for a scalar
in [−1, 1], ``softmax`` for a one-hot group.

* Number columns (continuous, integer, datetime as unit counts):
  ``vgm`` is CTGAN's mode-specific normalization. A variational Gaussian mixture
  (``BayesianGaussianMixture``, Dirichlet-process prior) is fitted on at most
  5,000 values, and modes weighing more than 0.005 are kept, ordered by mean. A
  value v becomes α = (v − μ_k)/(4σ_k) clipped to ±0.99 (a tanh block) and the
  one-hot of mode k (a softmax block), k drawn from the mode posterior
  (plug-in Gaussian densities with the mixture's weights), all rows at once.
  The inverse takes the argmax mode and v = α·4σ_k + μ_k.
  ``quantile`` maps values through sklearn's ``QuantileTransformer`` to a normal
  score z and outputs z / 5.3, which keeps its whole range (|z| ≤ 5.2) inside
  (−0.99, 0.99); the inverse undoes both.
  ``copula`` takes each column's normal scores by mid-rank (``data/normal_scores.py``:
  exact both ways, extremes near ±Φ⁻¹(1/2n), divided by QUANTILE_SCALE too), then
  makes one joint step over all number columns: their scores are decorrelated by the inverse square root of their correlation
  matrix (``data/copula_mix.py``), so that G starts from the Gaussian copula's
  dependence; the inverse mixes them back before each column is decoded.
  Every way, the inverse clips to the observed [min, max], rounds integers and
  datetimes to whole units, and restores the dtype.
* Categorical and boolean columns are one softmax block of their categories.
* Missing values are kept: a number column that had any gets a softmax block
  [present, missing] after its value blocks (missing rows encode the column's
  median); a categorical/boolean column gets one more category, missing, as the
  last slot of its block. A column drawn from its frequencies (high-cardinality
  ``drop``) has no block at all.

The float32 output limits precision: round trips are exact to about 1e-6 of a
column's spread, which is exact for integers and for dates, but a datetime column
at second resolution that spans years comes back within seconds.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gankit.data.column_kinds import (
    ColumnSpec,
    category_codes,
    codes_to_column,
    column_numbers,
    numbers_to_column,
)
from gankit.data.copula_mix import CopulaMix
from gankit.data.normal_scores import NormalScores
from gankit.errors import UserError

CONTINUOUS_METHODS = ("vgm", "quantile", "copula")
ALPHA_LIMIT = 0.99  # |α| and |z / QUANTILE_SCALE| stay inside this, so tanh can reach them
VGM_SAMPLE = 5000  # values the mixture is fitted on
MODE_WEIGHT_FLOOR = 0.005  # lighter mixture components are dropped
QUANTILE_SCALE = 5.3  # sklearn's normal scores lie within ±5.2
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Block:
    """Output columns [start, start + width) of one column: ``kind`` is "tanh" or "softmax".

    ``role`` says what the block holds: "value" (α or a quantile score), "mode"
    (the VGM mode one-hot), "missing" ([present, missing]) or "category".
    """

    start: int
    width: int
    kind: str
    column: str
    role: str


@dataclass(frozen=True)
class DiscreteBlock:
    """The one-hot block of a categorical or boolean column, with each slot's count in the fitted table.

    For CTGAN's conditional vector and training-by-sampling; when the column had
    missing values the last slot is "missing".
    """

    column: str
    start: int
    width: int
    counts: tuple[int, ...]

    @property
    def frequencies(self) -> np.ndarray:
        """Each slot's share of the fitted rows."""
        counts = np.asarray(self.counts, dtype=np.float64)
        return counts / counts.sum()


def _one_hot(codes: np.ndarray, width: int) -> np.ndarray:
    """Rows of float32 one-hot vectors."""
    out = np.zeros((len(codes), width), dtype=np.float32)
    out[np.arange(len(codes)), codes] = 1.0
    return out


class ModeNormalizer:
    """CTGAN's mode-specific normalization of one number column (see the module docstring)."""

    def __init__(self, weights: np.ndarray, means: np.ndarray, stds: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        self.means = np.asarray(means, dtype=np.float64)
        self.stds = np.asarray(stds, dtype=np.float64)

    @classmethod
    def fit(cls, values: np.ndarray, max_modes: int, seed: int) -> ModeNormalizer:
        """Fit the mixture on (a sample of) ``values``, standardized so its covariance floor is scale-free."""
        rng = np.random.default_rng(seed)
        sample = rng.choice(values, VGM_SAMPLE, replace=False) if len(values) > VGM_SAMPLE else values
        center, scale = float(sample.mean()), float(sample.std()) or 1.0
        distinct = len(np.unique(sample))
        if distinct == 1:  # a constant: one mode, nothing to fit
            return cls(np.ones(1), np.array([center]), np.array([scale]))
        from sklearn.exceptions import ConvergenceWarning  # scikit-learn loads only when a table is encoded
        from sklearn.mixture import BayesianGaussianMixture

        mixture = BayesianGaussianMixture(
            n_components=min(max_modes, distinct), weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001, max_iter=100, n_init=1, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mixture.fit(((sample - center) / scale).reshape(-1, 1))
        keep = mixture.weights_ > MODE_WEIGHT_FLOOR
        order = np.argsort(mixture.means_[keep, 0])
        weights = mixture.weights_[keep][order]
        means = center + scale * mixture.means_[keep, 0][order]
        stds = scale * np.sqrt(mixture.covariances_[keep, 0, 0][order])
        return cls(weights / weights.sum(), means, stds)

    @property
    def width(self) -> int:
        return 1 + len(self.means)

    def blocks(self, start: int, column: str) -> list[Block]:
        return [Block(start, 1, "tanh", column, "value"), Block(start + 1, len(self.means), "softmax", column, "mode")]

    def sample_modes(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A mode per value, drawn from its posterior over the modes that can hold it (|α| ≤ ALPHA_LIMIT, so
        the value survives the round trip; all modes when none can)."""
        z = (values[:, None] - self.means) / self.stds
        log_p = np.log(self.weights) - np.log(self.stds) - 0.5 * z**2
        holds = np.abs(z) <= 4 * ALPHA_LIMIT
        log_p = np.where(holds | ~holds.any(axis=1, keepdims=True), log_p, -np.inf)
        p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        cumulative = np.cumsum(p, axis=1)
        draws = rng.random(len(values))[:, None] * cumulative[:, -1:]
        return np.minimum((cumulative < draws).sum(axis=1), len(self.means) - 1)

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """[α, one-hot mode] per value."""
        modes = self.sample_modes(values, rng)
        alpha = np.clip((values - self.means[modes]) / (4 * self.stds[modes]), -ALPHA_LIMIT, ALPHA_LIMIT)
        return np.hstack([alpha[:, None].astype(np.float32), _one_hot(modes, len(self.means))])

    def decode(self, part: np.ndarray) -> np.ndarray:
        """Values from [α, mode scores]: the argmax mode, α clipped to [−1, 1]."""
        modes = part[:, 1:].argmax(axis=1)
        return np.clip(part[:, 0], -1.0, 1.0) * 4 * self.stds[modes] + self.means[modes]

    def to_dict(self) -> dict[str, Any]:
        return {"weights": self.weights.tolist(), "means": self.means.tolist(), "stds": self.stds.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModeNormalizer:
        return cls(data["weights"], data["means"], data["stds"])


class QuantileNormalizer:
    """Values → normal scores by their empirical quantiles (sklearn), divided by QUANTILE_SCALE."""

    width = 1

    def __init__(self, quantiles: np.ndarray, references: np.ndarray) -> None:
        from sklearn.preprocessing import QuantileTransformer

        self.transformer = QuantileTransformer(output_distribution="normal", n_quantiles=len(references))
        self.transformer.quantiles_ = np.asarray(quantiles, dtype=np.float64).reshape(-1, 1)
        self.transformer.references_ = np.asarray(references, dtype=np.float64)
        self.transformer.n_quantiles_ = len(references)
        self.transformer.n_features_in_ = 1

    @classmethod
    def fit(cls, values: np.ndarray, seed: int) -> QuantileNormalizer:
        from sklearn.preprocessing import QuantileTransformer

        fitted = QuantileTransformer(output_distribution="normal", n_quantiles=min(1000, len(values)),
                                     subsample=None, random_state=seed).fit(values.reshape(-1, 1))
        return cls(fitted.quantiles_[:, 0], fitted.references_)

    def blocks(self, start: int, column: str) -> list[Block]:
        return [Block(start, 1, "tanh", column, "value")]

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        scores = self.transformer.transform(values.reshape(-1, 1)) / QUANTILE_SCALE
        return np.clip(scores, -ALPHA_LIMIT, ALPHA_LIMIT).astype(np.float32)

    def decode(self, part: np.ndarray) -> np.ndarray:
        scores = np.clip(part[:, :1].astype(np.float64), -1.0, 1.0) * QUANTILE_SCALE
        return self.transformer.inverse_transform(scores)[:, 0]

    def to_dict(self) -> dict[str, Any]:
        return {"quantiles": self.transformer.quantiles_[:, 0].tolist(),
                "references": self.transformer.references_.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantileNormalizer:
        return cls(data["quantiles"], data["references"])


class ScoreNormalizer:
    """Values → mid-rank normal scores (``data/normal_scores.py``), divided by QUANTILE_SCALE: ``copula``'s columns."""

    width = 1

    def __init__(self, scores: NormalScores) -> None:
        self.normal_scores = scores

    @classmethod
    def fit(cls, values: np.ndarray) -> ScoreNormalizer:
        return cls(NormalScores.fit(values))

    def blocks(self, start: int, column: str) -> list[Block]:
        return [Block(start, 1, "tanh", column, "value")]

    def encode(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        scores = self.normal_scores.encode(values) / QUANTILE_SCALE
        return np.clip(scores, -ALPHA_LIMIT, ALPHA_LIMIT)[:, None].astype(np.float32)

    def decode(self, part: np.ndarray) -> np.ndarray:
        return self.normal_scores.decode(np.clip(part[:, 0].astype(np.float64), -1.0, 1.0) * QUANTILE_SCALE)

    def to_dict(self) -> dict[str, Any]:
        return self.normal_scores.to_dict()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreNormalizer:
        return cls(NormalScores.from_dict(data))


Normalizer = ModeNormalizer | QuantileNormalizer | ScoreNormalizer


class NumberEncoder:
    """A continuous, integer or datetime column: its normalizer's blocks, then [present, missing] if needed."""

    def __init__(self, spec: ColumnSpec, normalizer: Normalizer, median: float) -> None:
        self.spec, self.normalizer, self.median = spec, normalizer, median

    @classmethod
    def fit(cls, series: pd.Series, spec: ColumnSpec, method: str, max_modes: int, seed: int) -> NumberEncoder:
        numbers = column_numbers(series, spec)
        observed = numbers[~np.isnan(numbers)]
        if method == "vgm":
            normalizer: Normalizer = ModeNormalizer.fit(observed, max_modes, seed)
        elif method == "quantile":
            normalizer = QuantileNormalizer.fit(observed, seed)
        else:
            normalizer = ScoreNormalizer.fit(observed)
        return cls(spec, normalizer, float(np.median(observed)))

    @property
    def width(self) -> int:
        return self.normalizer.width + 2 * self.spec.has_missing

    def blocks(self, start: int) -> list[Block]:
        blocks = self.normalizer.blocks(start, self.spec.name)
        if self.spec.has_missing:
            blocks.append(Block(start + self.normalizer.width, 2, "softmax", self.spec.name, "missing"))
        return blocks

    def encode(self, series: pd.Series, rng: np.random.Generator, origin: str) -> np.ndarray:
        numbers = column_numbers(series, self.spec, origin)
        missing = np.isnan(numbers)
        parts = [self.normalizer.encode(np.where(missing, self.median, numbers), rng)]
        if self.spec.has_missing:
            parts.append(_one_hot(missing.astype(np.int64), 2))
        return np.hstack(parts)

    def decode(self, part: np.ndarray, rng: np.random.Generator) -> pd.Series:
        numbers = self.normalizer.decode(part[:, :self.normalizer.width])
        if self.spec.has_missing:
            numbers[part[:, self.normalizer.width:].argmax(axis=1) == 1] = np.nan
        return numbers_to_column(numbers, self.spec)

    def to_dict(self) -> dict[str, Any]:
        return {"median": self.median, "normalizer": self.normalizer.to_dict()}

    @classmethod
    def from_dict(cls, spec: ColumnSpec, data: Mapping[str, Any], method: str) -> NumberEncoder:
        normalizer_type = {"vgm": ModeNormalizer, "quantile": QuantileNormalizer, "copula": ScoreNormalizer}[method]
        return cls(spec, normalizer_type.from_dict(data["normalizer"]), float(data["median"]))


class CategoryEncoder:
    """A categorical or boolean column as one softmax block (missing is the last slot when the column had any)."""

    def __init__(self, spec: ColumnSpec, counts: tuple[int, ...]) -> None:
        self.spec, self.counts = spec, tuple(int(count) for count in counts)

    @classmethod
    def fit(cls, series: pd.Series, spec: ColumnSpec) -> CategoryEncoder:
        codes = category_codes(series, spec)
        return cls(spec, tuple(np.bincount(codes, minlength=cls.slots(spec)).tolist()))

    @staticmethod
    def slots(spec: ColumnSpec) -> int:
        return len(spec.categories) + spec.has_missing

    @property
    def width(self) -> int:
        return self.slots(self.spec)

    def blocks(self, start: int) -> list[Block]:
        return [Block(start, self.width, "softmax", self.spec.name, "category")]

    def encode(self, series: pd.Series, rng: np.random.Generator, origin: str) -> np.ndarray:
        return _one_hot(category_codes(series, self.spec, origin), self.width)

    def decode(self, part: np.ndarray, rng: np.random.Generator) -> pd.Series:
        return codes_to_column(part.argmax(axis=1), self.spec)

    def to_dict(self) -> dict[str, Any]:
        return {"counts": list(self.counts)}

    @classmethod
    def from_dict(cls, spec: ColumnSpec, data: Mapping[str, Any]) -> CategoryEncoder:
        return cls(spec, tuple(data["counts"]))


class SampledColumn:
    """A column not learned (high-cardinality ``drop``): no output; drawn from ``spec.counts`` on the way back."""

    width = 0

    def __init__(self, spec: ColumnSpec) -> None:
        self.spec = spec

    def blocks(self, start: int) -> list[Block]:
        return []

    def encode(self, series: pd.Series, rng: np.random.Generator, origin: str) -> np.ndarray:
        return np.zeros((len(series), 0), dtype=np.float32)

    def decode(self, part: np.ndarray, rng: np.random.Generator) -> pd.Series:
        counts = np.asarray(self.spec.counts, dtype=np.float64)
        return codes_to_column(rng.choice(len(counts), size=len(part), p=counts / counts.sum()), self.spec)

    def to_dict(self) -> dict[str, Any]:
        return {}


Encoder = NumberEncoder | CategoryEncoder | SampledColumn


class TabularTransformer:
    """A fitted map table ⇄ float32 rows; build it with :meth:`fit` or :meth:`from_dict`."""

    def __init__(self, encoders: list[Encoder], continuous: str, max_modes: int, seed: int,
                 mix: CopulaMix | None = None) -> None:
        self.encoders, self.continuous, self.max_modes, self.seed = encoders, continuous, max_modes, seed
        self.starts = np.concatenate([[0], np.cumsum([encoder.width for encoder in encoders])]).astype(int).tolist()
        self.mix = mix  # ``copula``: the joint decorrelation of the number columns' scores

    @property
    def score_columns(self) -> list[int]:
        """Output positions of the number columns' scores (the value blocks the copula mix acts on)."""
        return [start for encoder, start in zip(self.encoders, self.starts) if isinstance(encoder, NumberEncoder)]

    @classmethod
    def fit(cls, frame: pd.DataFrame, specs: list[ColumnSpec], continuous: str = "vgm", max_modes: int = 10,
            seed: int = 0) -> TabularTransformer:
        """Fit every column's encoding on ``frame`` (whose columns ``specs`` describes, e.g. from ``infer_kinds``)."""
        if continuous not in CONTINUOUS_METHODS:
            raise UserError(f"tabular.continuous must be one of {', '.join(CONTINUOUS_METHODS)}, got '{continuous}'")
        if isinstance(max_modes, bool) or not isinstance(max_modes, int) or max_modes < 1:
            raise UserError(f"tabular.max_modes must be a whole number of at least 1, got {max_modes!r}")
        _check_columns(frame, specs, "data")
        encoders = [_fit_encoder(frame[spec.name], spec, continuous, max_modes, seed + index)
                    for index, spec in enumerate(specs)]
        transformer = cls(encoders, continuous, max_modes, seed)
        if continuous == "copula" and len(transformer.score_columns) > 1:
            scores = transformer.transform(frame)[:, transformer.score_columns] * QUANTILE_SCALE
            transformer.mix = CopulaMix.fit(scores)
        return transformer

    @property
    def specs(self) -> list[ColumnSpec]:
        return [encoder.spec for encoder in self.encoders]

    @property
    def output_dim(self) -> int:
        """Width of a transformed row."""
        return self.starts[-1]

    @property
    def output_blocks(self) -> list[Block]:
        """Every block, in output order; they tile [0, output_dim)."""
        return [block for encoder, start in zip(self.encoders, self.starts) for block in encoder.blocks(start)]

    @property
    def discrete_blocks(self) -> list[DiscreteBlock]:
        """The one-hot blocks of categorical and boolean columns, with slot counts."""
        return [DiscreteBlock(encoder.spec.name, start, encoder.width, encoder.counts)
                for encoder, start in zip(self.encoders, self.starts) if isinstance(encoder, CategoryEncoder)]

    def transform(self, frame: pd.DataFrame, rng: np.random.Generator | None = None,
                  origin: str = "data") -> np.ndarray:
        """Rows of ``frame`` as an N × output_dim float32 array; VGM modes are drawn with ``rng`` (default: seeded)."""
        _check_columns(frame, self.specs, origin)
        rng = rng if rng is not None else np.random.default_rng(self.seed)
        parts = [encoder.encode(frame[encoder.spec.name], rng, origin) for encoder in self.encoders]
        rows = np.hstack(parts)
        if self.mix is not None:
            columns = self.score_columns
            mixed = self.mix.encode(rows[:, columns] * QUANTILE_SCALE) / QUANTILE_SCALE
            rows[:, columns] = np.clip(mixed, -ALPHA_LIMIT, ALPHA_LIMIT)
        return np.ascontiguousarray(rows, dtype=np.float32)

    def inverse_transform(self, array: np.ndarray, rng: np.random.Generator | None = None) -> pd.DataFrame:
        """A table from N × output_dim rows (e.g. generator output); ``rng`` draws the not-learned columns."""
        array = np.asarray(array, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != self.output_dim:
            raise ValueError(f"expected rows of width {self.output_dim}, got shape {array.shape}")
        rng = rng if rng is not None else np.random.default_rng(self.seed)
        if self.mix is not None:
            array = array.copy()
            scores = np.clip(array[:, self.score_columns], -1.0, 1.0) * QUANTILE_SCALE
            array[:, self.score_columns] = self.mix.decode(scores) / QUANTILE_SCALE
        columns = {encoder.spec.name: encoder.decode(array[:, start:start + encoder.width], rng)
                   for encoder, start in zip(self.encoders, self.starts)}
        return pd.DataFrame(columns)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data that :meth:`from_dict` turns back into this transformer."""
        return {"format": FORMAT_VERSION, "continuous": self.continuous, "max_modes": self.max_modes,
                "seed": self.seed,
                "columns": [{"spec": encoder.spec.to_dict(), **encoder.to_dict()} for encoder in self.encoders],
                **({"mix": self.mix.to_dict()} if self.mix is not None else {})}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TabularTransformer:
        """The transformer :meth:`to_dict` described."""
        if data.get("format") != FORMAT_VERSION:
            raise UserError(f"saved table transformer has format {data.get('format')!r}; this gankit reads "
                            f"format {FORMAT_VERSION}")
        encoders = [_encoder_from_dict(column, data["continuous"]) for column in data["columns"]]
        mix = CopulaMix.from_dict(data["mix"]) if "mix" in data else None
        return cls(encoders, data["continuous"], int(data["max_modes"]), int(data["seed"]), mix)


def _fit_encoder(series: pd.Series, spec: ColumnSpec, continuous: str, max_modes: int, seed: int) -> Encoder:
    if spec.is_number:
        return NumberEncoder.fit(series, spec, continuous, max_modes, seed)
    if spec.treatment == "sampled":
        return SampledColumn(spec)
    return CategoryEncoder.fit(series, spec)


def _encoder_from_dict(data: Mapping[str, Any], continuous: str) -> Encoder:
    spec = ColumnSpec.from_dict(data["spec"])
    if spec.is_number:
        return NumberEncoder.from_dict(spec, data, continuous)
    if spec.treatment == "sampled":
        return SampledColumn(spec)
    return CategoryEncoder.from_dict(spec, data)


def _check_columns(frame: pd.DataFrame, specs: list[ColumnSpec], origin: str) -> None:
    absent = [spec.name for spec in specs if spec.name not in frame.columns]
    if absent:
        raise UserError(f"{origin} lacks column(s) {', '.join(absent)} that the table transformer needs; "
                        f"columns: {', '.join(map(str, frame.columns))}")
