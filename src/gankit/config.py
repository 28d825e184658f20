"""Typed, validated configuration: one pydantic model, loaded from TOML presets.

The config is the single source of truth for a run. It is loaded from a preset
shipped in ``gankit/presets`` (by name) or from a user's TOML file, changed by
``--set a.b=value`` overrides, validated once, and saved resolved into the run
directory. Every validation problem becomes a one-line :class:`UserError` that
names the key and what is allowed.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gankit.errors import UserError, closest_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib


class Section(BaseModel):
    """Base for every config section: unknown keys are errors, and a validated config is frozen.

    The config is what the user asked for; values that training settles on (such as
    the batch size actually used) live on the training state. A changed copy is made
    with :func:`with_changes`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


MAX_SEED = 2**32 - 1  # NumPy's legacy and scikit-learn's random_state take seeds below 2**32

TOY_SOURCES = ("gaussian", "ring", "grid", "mixture", "moons", "swiss_roll")
IMAGE_SOURCES = ("images", "digits", "shapes")
FILE_SOURCE_OF_FAMILY = {"dcgan": "images", "tabular": "table"}  # --data FILE's source by model.kind; else "file"


class DataConfig(Section):
    """Where the training rows come from.

    Generated (toy) sources, whose truth is known:
    ``gaussian``: ``X ~ N(0, I)`` mapped to ``X @ A + b`` (the chapter's data);
    ``ring``: ``modes`` Gaussians at angles 2πi/modes on a circle of ``radius``, each with ``std``;
    ``grid``: ``grid_size``² Gaussians on a square grid ``spacing`` apart, centred on 0, each with ``std``;
    ``mixture``: a Gaussian mixture with ``means``, ``covariances`` and ``weights``;
    ``moons`` and ``swiss_roll`` (2-D, scikit-learn's generators) with Gaussian ``noise``.
    ``n`` rows are drawn once from ``seed``, or afresh every epoch when ``fresh``.
    ``file``: a .csv, .npy or .npz table of numbers at ``path``.
    ``array``: rows handed to ``GAN.fit`` in memory (set by the library, not by users).

    Tables of mixed columns (``data/table_transformer.py``, settings in ``[tabular]``):
    ``table``: a .csv, .parquet, .npy or .npz file at ``path``; ``frame``: a DataFrame handed
    to ``GAN.fit`` (set by the library).

    Images (``data/images.py``), scaled to [−1, 1] at ``resolution``² pixels:
    ``images``: a folder of .png/.jpg/.webp files (class subfolders become labels) or an
    N×H×W[×C] .npy/.npz array at ``path``; ``digits``: scikit-learn's 1,797 8×8 digits
    (upscaled to ``resolution``); ``shapes``: ``n`` procedural triangles (``data/shapes.py``).
    """

    source: Literal[
        "gaussian", "ring", "grid", "mixture", "moons", "swiss_roll", "file", "array", "images", "digits", "shapes",
        "table", "frame",
    ] = Field("gaussian", description="where the rows come from: a built-in law, a file or folder, or a Python object")
    n: int = Field(1000, ge=2, le=10_000_000, description="rows drawn from a built-in law (per epoch with data.fresh)")
    fresh: bool = Field(False, description="draw n new rows every epoch instead of a fixed training set")
    A: list[list[float]] = Field([[1.0, 2.0], [-0.1, 0.5]], description="gaussian: the matrix of X·A + b, X ~ N(0, I)")
    b: list[float] = Field([1.0, 2.0], description="gaussian: the shift b of X·A + b (the mean)")
    modes: int = Field(8, ge=1, le=10_000, description="ring: number of Gaussian modes on the circle")
    radius: float = Field(1.0, gt=0, description="ring: radius of the circle")
    grid_size: int = Field(5, ge=1, le=100, description="grid: modes per side (grid_size² modes)")
    spacing: float = Field(2.0, gt=0, description="grid: distance between neighbouring modes")
    std: float = Field(0.05, gt=0, description="ring, grid: standard deviation of each mode")
    means: list[list[float]] | None = Field(None, description="mixture: one mean per component")
    covariances: list[list[list[float]]] | None = Field(None, description="mixture: one covariance matrix per component")
    weights: list[float] | None = Field(None, description="mixture: component weights (default: equal)")
    noise: float = Field(0.05, ge=0, description="moons, swiss_roll: standard deviation of the added noise")
    path: str | None = Field(None, description="the data file or folder (what --data sets)")
    sep: str | None = Field(None, pattern=r'^[^\r\n"]$', description="a .csv's field separator, one character (default: detected)")
    transform: Literal["none", "standardize", "whiten"] = Field(
        "none", description="train on transformed rows (z-scored or whitened), sample in the data's units"
    )
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="seed of the generated data; default: the run seed")
    resolution: int | None = Field(None, ge=8, le=512, description="images: side in pixels (default: the data's own)")
    channels: Literal[1, 3] | None = Field(None, description="images: 1 = grayscale, 3 = RGB (default: the data's own)")
    on_bad_image: Literal["error", "skip"] = Field("error", description="images: an unreadable file stops, or is skipped and counted")

    @property
    def is_images(self) -> bool:
        return self.source in IMAGE_SOURCES

    @property
    def is_table(self) -> bool:
        return self.source in ("table", "frame")

    @model_validator(mode="after")
    def _check_shapes(self) -> "DataConfig":
        widths = {len(row) for row in self.A}
        if not self.A or len(widths) != 1:
            raise ValueError(f"data.A must be a non-empty matrix with rows of equal length, got {self.A}")
        if widths.pop() != len(self.b):
            raise ValueError(f"data.A has {len(self.A[0])} columns but data.b has {len(self.b)} entries; they must match")
        if self.source in ("file", "images") and not self.path:
            raise ValueError(f"data.source = '{self.source}' needs data.path (or pass --data PATH)")
        if self.source == "mixture":
            _check_mixture(self.means, self.covariances, self.weights)
        if self.fresh and self.source not in TOY_SOURCES:
            raise ValueError(f"data.fresh needs a generated source ({', '.join(TOY_SOURCES)}), not '{self.source}'")
        return self


def _check_mixture(means, covariances, weights) -> None:
    """A mixture needs K means of one width d, K symmetric positive semi-definite d×d covariances, K weights summing to 1."""
    import numpy as np

    if not means:
        raise ValueError("data.source = 'mixture' needs data.means (a list of K mean vectors)")
    widths = {len(m) for m in means}
    if len(widths) != 1 or 0 in widths:
        raise ValueError(f"data.means must be K vectors of one length, got lengths {sorted(widths)}")
    d, k = widths.pop(), len(means)
    if covariances is None or len(covariances) != k:
        raise ValueError(f"data.covariances must hold one {d}×{d} matrix per mean ({k}), got {0 if covariances is None else len(covariances)}")
    for i, cov in enumerate(covariances):
        matrix = np.asarray(cov, dtype=float)
        if matrix.shape != (d, d):
            raise ValueError(f"data.covariances[{i}] must be {d}×{d}, got shape {matrix.shape}")
        if not np.allclose(matrix, matrix.T) or np.linalg.eigvalsh(matrix).min() < -1e-10:
            raise ValueError(f"data.covariances[{i}] must be symmetric positive semi-definite")
    if weights is None:
        return
    if len(weights) != k or min(weights) < 0 or abs(sum(weights) - 1.0) > 1e-6:
        raise ValueError(f"data.weights must be {k} non-negative numbers summing to 1, got {weights} (sum {sum(weights):.6g})")


Activation = Literal["tanh", "relu", "leaky_relu", "elu", "sigmoid"]


class NetConfig(Section):
    """A multilayer perceptron: hidden widths (empty = one Linear layer) and their activation."""

    hidden: list[int] = Field([], description="widths of the hidden layers ([]: one linear layer)")
    activation: Activation = Field("tanh", description="activation after each hidden layer")
    batch_norm: bool = Field(False, description="BatchNorm after each hidden layer")
    maxout: int = Field(1, ge=1, le=32, description="pieces per maxout unit in hidden layers (1 = no maxout)")
    spectral_norm: bool = Field(False, description="spectrally normalize every layer's weight (SNGAN)")
    dropout: float = Field(0.0, ge=0, lt=1, description="dropout after each hidden layer (CTGAN's D: 0.5)")

    @model_validator(mode="after")
    def _positive_widths(self) -> "NetConfig":
        if any(width <= 0 for width in self.hidden):
            raise ValueError(f"hidden layer widths must be positive integers, got {self.hidden}")
        return self


class ModelConfig(Section):
    """Generator and discriminator shapes and their initialisation."""

    kind: Literal["mlp", "dcgan", "tabular"] = Field(
        "mlp",
        description="mlp: perceptrons on rows; dcgan: convolutional nets on images (nets/dcgan.py); "
        "tabular: residual G with a head per column block (nets/table_nets.py)",
    )
    g_width: int = Field(64, ge=1, le=2048, description="dcgan: feature maps of G's last block (d2l's n_G)")
    d_width: int = Field(64, ge=1, le=2048, description="dcgan: feature maps of D's first block (d2l's n_D)")
    conditional: bool = Field(False, description="images with labels: G and D see the class (projection D)")
    gumbel_tau: float = Field(0.2, gt=0, le=10, description="tabular: temperature of G's Gumbel-softmax heads (CTGAN: 0.2)")
    latent_dim: int = Field(2, ge=1, le=4096, description="dimension of the Gaussian noise z fed to G")
    latent_std: float = Field(1.0, gt=0, le=100, description="σ of the latent's Gaussian part")
    latent_categories: int = Field(
        0, ge=0, le=4096, description="0 = none; else a uniform categorical code, one-hot, appended to G's noise"
    )
    code_fan_in: int = Field(
        0, ge=0, le=4096,
        description="init = 'default' with a latent code: 0 = PyTorch's bound 1/sqrt(latent_dim + categories) for G's "
        "first layer; n > 0 = the bound it would have if the code were n columns, 1/sqrt(latent_dim + n), so the "
        "pieces' starting spread does not shrink as the number of categories grows (nets/mlp.py)",
    )
    output_noise: float = Field(
        0.0, ge=0, le=10,
        description="mlp: G adds Gaussian noise of a learned scale to each output (this is its starting σ, in "
        "training-row units; 0 = none): x = G(z) + s·ε, ε ~ N(0, I) drawn with the latent but never fed to G's net, "
        "so s is a floor on each point's spread (nets/mlp.py)",
    )
    output_noise_lr_mul: float = Field(
        1.0, gt=0, le=1000,
        description="how many times faster than G's weights the output noise's scale learns (StyleGAN2's "
        "lr_multiplier: the parameter is stored divided by it), so s can settle at the data's width in the budget",
    )
    output_noise_entropy: float = Field(
        0.0, ge=0, le=10,
        description="λ of PresGAN's entropy bonus: G's loss gains −λ·Σ log s, so the output noise's scale s grows where "
        "the game cannot tell it from a wider warp of the latent (0 = none; needs model.output_noise > 0; "
        "nets/entropy_bonus.py)",
    )
    generator: NetConfig = NetConfig()
    discriminator: NetConfig = NetConfig(hidden=[5, 3])
    init: Literal["normal", "orthogonal", "default"] = Field(
        "normal",
        description="normal: weights N(0, init_std) (the chapter); orthogonal: gain init_gain (VEEGAN); biases 0; default: PyTorch's",
    )
    init_std: float = Field(0.02, gt=0, description="model.init = normal: standard deviation of the initial weights")
    init_gain: float = Field(1.0, gt=0, description="model.init = orthogonal: gain of the initial weights")
    pack: int = Field(1, ge=1, le=64, description="PacGAN: D judges this many samples concatenated")


class ConstraintConfig(Section):
    """One constraint every sampled row of a table satisfies (``data/constraints.py``): set exactly one key."""

    inequality: str = Field("", description="one column at most another: 'start <= end' (or '<'); number or date columns")
    range: str = Field(
        "", description="a column within bounds, each a number, a date or a column: '0 <= score <= 100', 'age >= 0'"
    )
    combinations: list[str] = Field(
        [], description="categorical columns that take only the combinations of values seen in the data"
    )
    formula: str = Field(
        "", description="a column computed from others: 'total = price + tax' (numbers, columns, + - * /, "
        "abs, min, max, round; parsed, never evaluated as Python)"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> "ConstraintConfig":
        given = [name for name in type(self).model_fields if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("set exactly one of inequality, range, combinations, formula"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self


class TabularConfig(Section):
    """How a table of mixed columns becomes training rows (``data/column_kinds.py``, ``data/table_transformer.py``)."""

    continuous: Literal["vgm", "quantile", "copula"] = Field(
        "vgm", description="number columns: vgm = CTGAN's mode-specific normalization; quantile = normal scores; "
        "copula = normal scores decorrelated jointly by their correlation matrix (the Gaussian copula's)"
    )
    max_modes: int = Field(10, ge=1, le=100, description="vgm: mixture components per number column")
    discrete: list[str] = Field([], description="columns to treat as categorical whatever their dtype")
    kinds: dict[str, str] = Field({}, description="column → kind (continuous, integer, categorical, boolean, datetime)")
    max_categories: int = Field(1000, ge=2, description="a categorical column with more distinct values needs high_cardinality")
    high_cardinality: Literal["error", "drop", "hash", "continuous"] = Field(
        "error", description="what to do with such a column: stop, sample it apart, hash it into buckets, or treat as a number"
    )
    conditional: bool = Field(
        False, description="CTGAN's conditional vector with training-by-sampling over the categorical columns"
    )
    public_bounds: dict[str, tuple[float, float]] = Field(
        {}, description="with privacy.epsilon: column → [low, high], public bounds of a number column (values "
        "outside are clipped); the encoding reads these instead of the data"
    )
    public_categories: dict[str, list[str | int | float | bool]] = Field(
        {}, description="with privacy.epsilon: column → its public list of categories; values not listed are "
        "never generated"
    )
    moment_weight: float = Field(
        0.0, ge=0, le=1000, description="weight of G's moment-matching term: the gap between its batch's means and "
        "second moments (column pairs: correlations, joint category frequencies) and the real rows' (0 = off)"
    )
    copula_max_rows: int = Field(
        0, ge=0, description="0 = off; else a table with more rows than this is encoded with vgm instead of copula "
        "and trains without the moment and marginal terms (they help small tables; large ones learn from D)"
    )
    copula_max_steps: int = Field(
        0, ge=0, description="0 = off; else a table of at most tabular.copula_max_rows rows trains at most this many "
        "G steps (train.max_steps still caps): the moment and marginal terms teach G directly, so it needs fewer"
    )
    marginal_weight: float = Field(
        0.0, ge=0, le=1000, description="weight of G's marginal term: the squared gap between each column's sorted "
        "values in its batch and in as many real rows (a 1-D Wasserstein distance per column; 0 = off)"
    )

    constraints: list[ConstraintConfig] = Field(
        [], description="rules every sampled row satisfies, one [[tabular.constraints]] table each "
        "(gankit inspect DATA suggests them)"
    )

class PrivacyConfig(Section):
    """Differentially private training (DP-SGD on the discriminator, ``train/private_epoch.py``): off unless
    ``epsilon`` is set. The privacy unit is one training row; ``gankit[privacy]`` (Opacus) does the accounting."""

    epsilon: float | None = Field(
        None, gt=0, le=100, description="the privacy budget ε the whole run may spend (None = not private)"
    )
    delta: float | None = Field(
        None, gt=0, lt=0.1, description="δ of the (ε, δ) guarantee; default: 1/(10·n) for n training rows"
    )
    max_grad_norm: float = Field(
        1.0, gt=0, description="C: each real row's gradient of D's loss is clipped to this L2 norm before the noise"
    )
    accountant: Literal["rdp", "prv"] = Field(
        "rdp", description="Opacus's accountant: rdp (Rényi DP, slightly loose) or prv (privacy random variables, tighter)"
    )
    gradient_penalty: bool = Field(
        False, description="keep train.gp_weight's gradient penalty under DP (off by default: it costs quality there, see the privacy guide)"
    )
    moment_noise: float = Field(
        5.0, ge=0, le=1000, description="tables: noise multiplier of one Gaussian release of the rows' first and "
        "second moments, which G's moment term (tabular.moment_weight) then matches; accounted in ε with the "
        "DP-SGD steps (0 = no release and no term)"
    )

    @property
    def on(self) -> bool:
        return self.epsilon is not None


class OptimizerConfig(Section):
    """One network's optimizer."""

    name: Literal["adam", "rmsprop", "sgd"] = Field("adam", description="the optimizer")
    lr: float = Field(1e-3, gt=0, le=10, description="learning rate")
    betas: tuple[float, float] = Field((0.9, 0.999), description="Adam's betas")
    momentum: float = Field(0.0, ge=0, lt=1, description="RMSprop's and SGD's momentum")

    @model_validator(mode="after")
    def _betas_in_range(self) -> "OptimizerConfig":
        if not all(0.0 <= beta < 1.0 for beta in self.betas):
            raise ValueError(f"betas must lie in [0, 1), got {list(self.betas)}")
        return self


class TrainConfig(Section):
    """The training loop: epochs, batches, objective and optimizers."""

    epochs: int = Field(20, ge=1, le=1_000_000, description="passes over the training rows")
    batch_size: int = Field(8, ge=1, description="rows per training step (over all processes under torchrun)")
    shuffle: bool = Field(False, description="reshuffle rows every epoch (the chapter keeps data order)")
    drop_last: bool = Field(False, description="drop a last batch smaller than batch_size")
    objective: Literal["non-saturating", "minimax", "wgan", "lsgan", "hinge"] = Field(
        "non-saturating", description="the GAN loss pair for D and G (losses.py)")
    gp_weight: float = Field(0.0, ge=0, description="λ of the WGAN-GP gradient penalty (0 = off)")
    r1_gamma: float = Field(0.0, ge=0, description="γ of the R1 penalty on real rows (0 = off)")
    instance_noise: float = Field(
        0.0, ge=0, description="σ of Gaussian noise added to D's real and generated inputs at the start (0 = off)"
    )
    instance_noise_anneal: float = Field(
        1.0, gt=0, le=1, description="fraction of training over which the instance noise falls linearly to 0"
    )
    label_smoothing: float = Field(0.0, ge=0, lt=0.5, description="one-sided: real label 1 − this (BCE objectives)")
    lr_decay: Literal["none", "linear", "cosine"] = Field(
        "none", description="both learning rates fall to 0 over the end of training (train/lr_schedule.py); none = constant"
    )
    lr_decay_start: float = Field(
        0.5, ge=0, lt=1, description="fraction of training after which lr_decay starts (0 = from the first step)"
    )
    n_critic: int = Field(1, ge=1, le=100, description="D steps per G step")
    max_steps: int = Field(
        0, ge=0, description="0 = off; else at most about this many G steps: a large data set trains fewer epochs "
        "(whole epochs, at least one)"
    )
    same_z: bool = Field(True, description="the G step reuses the D step's noise batch, as the chapter does")
    d_optimizer: OptimizerConfig = OptimizerConfig(lr=0.05)
    g_optimizer: OptimizerConfig = OptimizerConfig(lr=0.005)
    ema_decay: float = Field(0.0, ge=0.0, lt=1.0, description="0 = off; else sample from an EMA copy of G")
    device: Literal["cpu", "cuda", "mps", "auto"] = Field("cpu", description="where to train (auto: cuda, then mps, then cpu)")
    precision: Literal["fp32", "bf16", "fp16"] = Field(
        "fp32", description="bf16/fp16: mixed precision (autocast; fp16 with dynamic loss scaling) on CUDA"
    )
    channels_last: bool = Field(False, description="dcgan: channels-last memory format (faster convolutions on CUDA)")
    sync_batch_norm: bool = Field(True, description="with several ranks: BatchNorm statistics over all ranks (SyncBatchNorm on CUDA, GlobalBatchNorm elsewhere)")
    threads: int = Field(1, ge=0, description="CPU threads while training; 0 = PyTorch's default")
    compile: bool = Field(False, description="torch.compile G and D (compile time is reported apart)")


class EvalConfig(Section):
    """The two-sample evaluation run at the end of training and by ``gankit eval``."""

    n: int = Field(1000, ge=20, le=5000, description="generated samples compared with as many real rows")
    permutations: int = Field(500, ge=19, le=100_000, description="permutations behind the MMD and energy p-values")
    alpha: float = Field(0.05, gt=0.0, lt=1.0, description="level of the tests, Holm-corrected over them for the verdict")
    seed: int | None = Field(None, ge=0, le=MAX_SEED, description="default: the run seed")
    plot_n: int = Field(100, ge=1, description="generated points in the samples figure (the chapter draws 100)")
    grid_n: int = Field(64, ge=1, le=1024, description="images: samples in each epoch's grid (one fixed noise batch)")
    inception_weights: str | None = Field(
        None, description="images: a local Inception weights file for FID/KID/precision-recall via torch-fidelity"
    )


class SampleConfig(Section):
    """How ``sample`` draws rows from the trained GAN (``gankit/train/rejection_sampling.py``)."""

    method: Literal["generator", "rejection"] = Field(
        "generator", description="generator: G's rows as they come; rejection: discriminator rejection sampling "
        "(keep a candidate with probability exp(D's logit − the largest logit seen), rows of numbers only)"
    )
    candidates: float = Field(2.0, ge=1, le=1000, description="rejection: candidates per wanted row in each round")
    max_rounds: int = Field(20, ge=1, le=1000, description="rejection: rounds of candidates before giving up")


class CheckpointConfig(Section):
    """When to write checkpoints during training (the final one is always written)."""

    every_steps: int = Field(0, ge=0, description="also every this many steps (0 = off)")
    every_epochs: int = Field(1, ge=0, description="at the end of every this many epochs (0 = off)")
    keep: int = Field(3, ge=1, description="how many of the latest checkpoints to keep")


class GuardConfig(Section):
    """The divergence guard: non-finite losses roll the run back to its last good checkpoint."""

    enabled: bool = Field(True, description="roll back to the last good checkpoint when a loss is not finite")
    max_retries: int = Field(3, ge=0, description="rollbacks before the run stops with exit status 3")
    lr_factor: float = Field(0.5, gt=0, le=1, description="multiply both learning rates by this on each rollback")


class GanConfig(Section):
    """A whole run."""

    name: str = Field("custom", description="the preset's or config's name (runs are named after it)")
    description: str = Field("", description="one line on what the config is for (gankit presets prints it)")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="the run's seed: data, initial weights, noise (--seed sets it)")
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    train: TrainConfig = TrainConfig()
    eval: EvalConfig = EvalConfig()
    sample: SampleConfig = SampleConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    guard: GuardConfig = GuardConfig()
    tabular: TabularConfig = TabularConfig()
    privacy: PrivacyConfig = PrivacyConfig()

    @model_validator(mode="after")
    def _batches_hold_whole_packs(self) -> "GanConfig":
        if self.train.batch_size % self.model.pack:
            raise ValueError(
                f"train.batch_size ({self.train.batch_size}) must be a multiple of model.pack ({self.model.pack})"
            )
        # the config's own consistency: a data source needs its net family (the config floor sees no data kinds)
        if self.data.is_table != (self.model.kind == "tabular"):
            raise ValueError(
                f"model.kind = '{self.model.kind}' does not fit data.source = '{self.data.source}': "
                f"tables of mixed columns (table, frame) need model.kind = 'tabular', and it needs them"
            )
        if self.data.is_images != (self.model.kind == "dcgan"):
            raise ValueError(
                f"model.kind = '{self.model.kind}' does not fit data.source = '{self.data.source}': "
                f"image sources ({', '.join(IMAGE_SOURCES)}) need model.kind = 'dcgan', rows need 'mlp'"
            )
        if self.model.conditional and self.model.latent_categories:
            raise ValueError("model.conditional sets G's code to the class; leave model.latent_categories at 0")
        if self.model.code_fan_in and not (self.model.latent_categories and self.model.init == "default"
                                           and self.model.kind == "mlp"):
            raise ValueError("model.code_fan_in sets PyTorch's default init of a perceptron G's first layer under a "
                             "latent code: it needs model.latent_categories > 0, model.init = 'default' and "
                             "model.kind = 'mlp'; leave it at 0")
        if self.model.output_noise and self.model.kind != "mlp":
            raise ValueError(f"model.output_noise is for perceptron generators of rows (model.kind = 'mlp'), "
                             f"not model.kind = '{self.model.kind}'; leave it at 0")
        if self.model.output_noise_entropy and not self.model.output_noise:
            raise ValueError("model.output_noise_entropy is a bonus on the output noise's scale: it needs "
                             "model.output_noise > 0; leave it at 0")
        if self.model.kind == "tabular":
            self._check_table_rules()
        if self.privacy.on:
            self._check_private_rules()
        elif self.tabular.public_bounds or self.tabular.public_categories:
            raise ValueError("tabular.public_bounds and tabular.public_categories are read only under privacy.epsilon; "
                             "set privacy.epsilon, or leave them out")
        if self.sample.method == "rejection":
            if self.train.objective not in ("non-saturating", "minimax"):
                raise ValueError(f"sample.method = 'rejection' reads D's logit as log(p_data / p_G), which needs a "
                                 f"cross-entropy D (train.objective non-saturating or minimax), not '{self.train.objective}'")
            if self.data.is_images or self.model.kind == "tabular":
                raise ValueError("sample.method = 'rejection' is for rows of numbers, not images or mixed tables")
        return self

    def _check_table_rules(self) -> None:
        """Settings that do not fit a table of mixed columns (one-hot groups must stay one-hot)."""
        if self.data.transform != "none":
            raise ValueError(f"data.transform = '{self.data.transform}' does not fit a mixed table (its encoding "
                             "already scales every column); leave it at 'none'")
        if self.tabular.conditional and self.model.latent_categories:
            raise ValueError("tabular.conditional sets G's code to a condition; leave model.latent_categories at 0")
        if self.tabular.conditional and self.train.instance_noise:
            raise ValueError("train.instance_noise would blur the one-hot conditions of tabular.conditional; "
                             "set one of them off")

    def _check_private_rules(self) -> None:
        """Settings under which D's training cannot be made private per real row (each refusal says why)."""
        if self.model.pack > 1:
            raise ValueError(f"privacy.epsilon needs model.pack = 1: a PacGAN pack of {self.model.pack} rows mixes rows, "
                             f"so one row's gradient cannot be clipped alone; set model.pack = 1")
        if self.tabular.conditional:
            raise ValueError("privacy.epsilon needs tabular.conditional = false: training-by-sampling picks real rows "
                             "by their categories' frequencies, which Poisson sampling of rows does not account for")
        if self.model.discriminator.batch_norm:
            raise ValueError("privacy.epsilon needs model.discriminator.batch_norm = false: BatchNorm mixes the rows "
                             "of a batch, so one row's gradient cannot be clipped alone")
        if self.model.discriminator.spectral_norm:
            raise ValueError("privacy.epsilon needs model.discriminator.spectral_norm = false: its power iteration "
                             "updates D's state from real rows outside the clipped gradients")
        if self.model.kind == "dcgan" or self.model.conditional:
            raise ValueError("privacy.epsilon is for tables and rows of numbers, not images (model.kind = 'dcgan')")
        if self.data.transform != "none" or self.data.fresh:
            raise ValueError("privacy.epsilon needs data.transform = 'none' and data.fresh = false: a transform "
                             "fitted on the rows reads them outside the private training")
        if self.train.instance_noise:
            raise ValueError("privacy.epsilon trains without instance noise: set train.instance_noise = 0")
        if self.train.precision != "fp32" or self.train.compile:
            raise ValueError("privacy.epsilon trains in fp32 without torch.compile: set train.precision = 'fp32' "
                             "and train.compile = false")

    def to_toml(self) -> str:
        """The resolved config as TOML text (None values are left out)."""
        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))


# ----------------------------------------------------------------------------- loading


def preset_names() -> list[str]:
    """Names of the presets shipped with gankit, sorted."""
    folder = resources.files("gankit") / "presets"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


MAX_DEPTH = 16  # tables and arrays nested deeper than this are refused (the config needs 4)


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    """Parse TOML text; syntax errors and absurd nesting become one-line UserErrors."""
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{origin}: not valid TOML ({err})") from None
    except RecursionError:
        raise UserError(f"{origin}: nested too deeply to be a gankit config (at most {MAX_DEPTH} levels)") from None
    if nesting_depth(tree) > MAX_DEPTH:
        raise UserError(f"{origin}: nested too deeply to be a gankit config (at most {MAX_DEPTH} levels)")
    return tree


def nesting_depth(tree: Any) -> int:
    """How deeply tables and arrays (dicts and lists) nest in ``tree`` (counted without recursion)."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in children)
    return deepest


def _read_text(path: Path) -> str:
    """A config file's text, which TOML requires to be UTF-8; unreadable files and other bytes are UserErrors."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read config file {path}: {err.strerror or err}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise UserError(f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}); "
                        f"TOML files must be saved as UTF-8") from None


def load_raw(preset_or_file: str) -> dict[str, Any]:
    """The raw dict of a preset name or a ``.toml`` file path, not yet validated (its recipe, if any, merged in)."""
    if preset_or_file in preset_names():
        text = (resources.files("gankit") / "presets" / f"{preset_or_file}.toml").read_text()
        return _with_recipe(_read_toml(text, f"preset {preset_or_file}"), f"preset {preset_or_file}")
    path = Path(preset_or_file)
    if path.suffix == ".toml":
        if not path.is_file():
            raise UserError(f"config file not found: {path}")
        return _with_recipe(_read_toml(_read_text(path), str(path)), str(path))
    guess = closest_name(preset_or_file, preset_names())
    hint = f" (did you mean '{guess}'?)" if guess else ""
    raise UserError(f"unknown preset '{preset_or_file}'{hint}; choose one of: {', '.join(preset_names())} (or a .toml file)")


# Former recipe names that still load: a config file written before a recipe was renamed keeps working.
RECIPE_ALIASES = {"k-free": "unknown-modes"}


def recipe_names() -> list[str]:
    """Names of the shipped recipes (``presets/recipes/*.toml``): shared settings a preset starts from."""
    folder = resources.files("gankit") / "presets" / "recipes"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def _with_recipe(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    """``raw`` over the recipe its top-level ``recipe = "name"`` names (tables merged key by key, ``raw`` winning),
    so presets that differ only in their data hold one copy of everything else."""
    name = raw.pop("recipe", None)
    if name is None:
        return raw
    name = RECIPE_ALIASES.get(name, name)
    if name not in recipe_names():
        raise UserError(f"{origin}: unknown recipe {name!r}; choose one of: {', '.join(recipe_names())}")
    text = (resources.files("gankit") / "presets" / "recipes" / f"{name}.toml").read_text()
    return _merged(_read_toml(text, f"recipe {name}"), raw)


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over``'s values in place of its own; tables present in both are merged the same way."""
    merged = _deep_copy(base)
    for key, value in over.items():
        both_tables = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if both_tables else value
    return merged


def parse_override(assignment: str) -> tuple[list[str], Any]:
    """Split ``a.b=value`` into its key path and a TOML-typed value (bare words stay strings)."""
    key, sep, text = assignment.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UserError(f"--set expects key=value, got {assignment!r}")
    broken = UserError(f"--set {key.splitlines()[0] if key.splitlines() else key}: the text holds a line break "
                       "that starts another key or table; give one key=value per --set")
    if "\r" in assignment or "\n" in key:
        raise broken
    try:
        document = tomllib.loads(f"v = {text.strip()}")  # a line break may continue an array, not start a key
        if set(document) != {"v"}:
            raise broken
        value = document["v"]
    except tomllib.TOMLDecodeError:
        if "\n" in text:
            raise broken from None
        value = text.strip()
    except RecursionError:
        raise UserError(f"--set {key}: the value is nested too deeply (at most {MAX_DEPTH} levels)") from None
    if nesting_depth(value) > MAX_DEPTH:
        raise UserError(f"--set {key}: the value is nested too deeply (at most {MAX_DEPTH} levels)")
    return key.split("."), value


def apply_overrides(raw: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """Set each ``a.b=value`` in a copy of ``raw``; unknown keys are caught by validation."""
    merged = _deep_copy(raw)
    for assignment in assignments:
        path, value = parse_override(assignment)
        node = merged
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise UserError(f"config key '{'.'.join(path)}': '{part}' is a value, not a section")
            node = child
        if isinstance(value, dict) and _section_model(path) is not None:
            raise UserError(f"--set {'.'.join(path)}: a whole section cannot be set at once (its other keys would "
                            f"be dropped); set its keys one by one, e.g. --set {'.'.join(path)}.KEY=VALUE")
        node[path[-1]] = value
    return merged


def _deep_copy(tree: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in tree.items()}


def validate(raw: dict[str, Any]) -> GanConfig:
    """Build a :class:`GanConfig`, turning the first validation problem into a one-line UserError."""
    try:
        return GanConfig.model_validate(raw)
    except ValidationError as err:
        raise UserError(_describe(err.errors()[0])) from None


def _describe(problem: dict[str, Any]) -> str:
    """One line naming the key, what was given and what is allowed."""
    location = [str(part) for part in problem["loc"] if not str(part).isdigit()]
    key = ".".join(location)
    message = problem["msg"].removeprefix("Value error, ")
    if not key:  # a rule across keys: its message names them
        return f"config: {message}"
    if problem["type"] == "extra_forbidden":
        section = _section_model(location[:-1])
        allowed = list(section.model_fields) if section else []
        guess = closest_name(location[-1], allowed)
        hint = f"; did you mean '{'.'.join([*location[:-1], guess])}'?" if guess else " (see `gankit config keys`)"
        return f"unknown config key '{key}'; allowed keys here: {', '.join(allowed) or '?'}{hint}"
    given = problem.get("input")
    shown = "" if isinstance(given, dict) or given is None else f" (got {given!r})"
    return f"config key '{key}': {message}{shown}"


def _section_model(path: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = GanConfig
    for part in path:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def load_config(preset_or_file: str = "d2l-gaussian", overrides: list[str] | None = None, **top: Any) -> GanConfig:
    """Load a preset or TOML file, apply ``--set`` overrides and top-level values, validate.

    >>> load_config("d2l-gaussian", ["train.epochs=3"]).train.epochs
    3
    """
    raw = apply_overrides(load_raw(preset_or_file), overrides or [])
    raw.update({k: v for k, v in top.items() if v is not None})
    return validate(raw)


def with_changes(config: GanConfig, **changes: Any) -> GanConfig:
    """A validated copy of ``config`` with dotted keys changed, e.g. ``with_changes(c, **{"data.source": "frame"})``."""
    raw = config.model_dump()
    for key, value in changes.items():
        *parents, last = key.split(".")
        node = raw
        for part in parents:
            node = node[part]
        node[last] = value
    return validate(raw)


def toml_string(text: str) -> str:
    """``text`` as a TOML string, every quote, backslash and control character escaped (for --set values
    built from user input such as paths)."""
    import tomli_w  # noqa: PLC0415  (only commands that build overrides from user input need it)

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(f"{text!r} is not valid UTF-8; rename it (config files are UTF-8 text)") from None
    return tomli_w.dumps({"v": text}).removeprefix("v = ").rstrip("\n")
