"""The library facade for notebooks: ``GAN(config).fit(data).sample(n)``.

Read like a scikit-learn estimator: ``__init__`` only stores the (validated) config; ``fit``
validates the data, trains, and keeps what it learned in attributes ending in ``_``, which
``sample``, ``evaluate`` and ``save`` use. What depends on the kind of data (rows, a mixed
table, images) is asked of the data kind (:mod:`gankit.kinds`); the GAN never tests which it is.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from gankit.config import GanConfig, apply_overrides, load_raw, validate, with_changes
from gankit.data.layout import Layout
from gankit.data.condition import Conditions
from gankit.data.moment_match import generator_penalty
from gankit.data import Scaler, Rows, data_seed
from gankit.data.toy import toy_rows
from gankit.errors import UserError
from gankit.kinds import DataKind, kind_for
from gankit.kinds.conditional_sampling import ConditionalCost
from gankit.status import notice, phase, silent
from gankit.metrics import EvalReport
from gankit.metrics.evaluation_task import EvaluationTask
from gankit.nets.size import check_training_memory
from gankit.train.rejection_sampling import SamplingCost, rejection_sample
from gankit.report.summary import epoch_note
from gankit.train.checkpoint_format import checkpoint_errors, load_checkpoint, save_checkpoint
from gankit.train.checkpoint_schema import check_tensors
from gankit.train.compile import compile_nets
from gankit.train.rng import global_rng_state
from gankit.train import distributed
from gankit.train.loop import EpochRecord, RowSource, StepHook, capped_epochs, train
from gankit.train.dp_sgd import check_private_net
from gankit.train.private_moments import private_generator_penalty, release_noise_for
from gankit.train.private_plan import plan_private_training, private_settings
from gankit.train.privacy_ledger import PrivacyLedger
from gankit.train.state import TrainState


GRID_SEED_OFFSET = 7919  # the image grid's noise stream differs from the evaluation's


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA, else MPS, else CPU; asking for a device that is not there is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if _mps_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("train.device = 'cuda' but no CUDA device is available; use 'cpu' or 'auto'")
    if name == "mps" and not _mps_available():
        raise UserError("train.device = 'mps' but no Apple-silicon GPU (MPS) is available; use 'cpu' or 'auto'")
    return torch.device(name)


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


class _FittedAlias:
    """The fitted attribute ``<name>_`` under its plain name, for callers that read (or set) it so."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.target = name + "_"

    def __get__(self, gan: Any, owner: type | None = None) -> Any:
        return self if gan is None else getattr(gan, self.target)

    def __set__(self, gan: Any, value: Any) -> None:
        setattr(gan, self.target, value)


class GAN:
    """A generative adversarial network for rows of numbers, mixed tables or images.

    >>> gan = GAN("d2l-gaussian", overrides=["train.epochs=1"]).fit()
    >>> gan.sample(3, seed=0).shape
    (3, 2)
    """

    def __init__(self, config: GanConfig | str = "d2l-gaussian", overrides: list[str] | None = None, seed: int | None = None,
                 constraints: list[dict[str, Any]] | None = None):
        """``constraints`` (tables): rules every sampled row satisfies, added to ``[[tabular.constraints]]``, e.g.
        ``[{"inequality": "start <= end"}, {"combinations": ["country", "city"]}, {"formula": "total = a + b"}]``
        (``data/constraints.py``)."""
        raw = config.model_dump() if isinstance(config, GanConfig) else load_raw(config)
        raw = apply_overrides(raw, overrides or [])
        if seed is not None:
            raw["seed"] = seed
        if constraints:
            tabular = raw.setdefault("tabular", {})
            tabular["constraints"] = [*tabular.get("constraints", []), *constraints]
        self.config = validate(raw)
        # learned by fit (or read by load); None until then
        self.data_kind_: DataKind | None = None  # the data's kind, with what it learned (a table's transformer)
        self.state_: TrainState | None = None
        self.scaler_: Scaler | None = None
        self.columns_: list[str] = []
        self.layout_: Layout | None = None  # what one training row holds (numbers, or an image and its label)
        self.class_names_: tuple[str, ...] = ()
        self.history_: list[EpochRecord] = []
        self.training_rows_: Rows | None = None
        self.batch_size_: int | None = None  # the batch size in effect, set by check_trainable
        self.compile_seconds_: float | None = None  # set by fit when train.compile is on
        self.privacy_plan_: PrivacyLedger | None = None  # privacy.epsilon: the ledger planned by check_trainable
        self.checkpoint_info_: tuple[dict, dict] | None = None  # what load() read, for an exact resume
        self.sampling_cost_: SamplingCost | ConditionalCost | None = None  # the last sample()'s cost: by rejection or where
        self.run_identity: dict[str, str] | None = None  # set by a run, recorded in every checkpoint (runs/run_identity.py)

    state = _FittedAlias()
    scaler = _FittedAlias()
    columns = _FittedAlias()
    layout = _FittedAlias()
    class_names = _FittedAlias()
    history = _FittedAlias()
    training_rows = _FittedAlias()
    batch_size = _FittedAlias()
    compile_seconds = _FittedAlias()
    checkpoint_info = _FittedAlias()
    sampling_cost = _FittedAlias()

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this GAN trains on (made from the config on first use)."""
        if self.data_kind_ is None:
            self.data_kind_ = kind_for(self.config)
        return self.data_kind_

    @property
    def transformer(self) -> Any:
        """A mixed table's fitted transformer; None for the kinds that have none."""
        return getattr(self.data_kind, "transformer", None)

    @property
    def conditions(self) -> Conditions | None:
        """A mixed table's CTGAN conditions (``tabular.conditional``), else None."""
        return self.data_kind.conditions(self.config)

    # ------------------------------------------------------------------ training

    def load_data(self) -> Rows:
        """The config's training rows, validated for training (so bad data fails before anything is written)."""
        resolve_device(self.config.train.device)  # a device that is not there fails before anything is written
        self.data_kind.check_config(self.config)
        table = self.data_kind.load(self.config)
        self.config = self.data_kind.fitted_config(self.config)
        return self.check_trainable(table)

    def check_trainable(self, table: Rows) -> Rows:
        """At least one batch of rows; a mixed table smaller than a batch is trained as one batch of all its
        rows (whole packs), with a notice.

        One full batch per step gives a less noisy step than two half batches for the same cost of
        steps; the docs' benchmarks page ("Tables") has the comparison. The batch size in effect is kept
        in ``self.batch_size_`` (and then on the training state); the config is not changed.
        """
        batch, pack = self.config.train.batch_size, self.config.model.pack
        self.batch_size_ = batch
        if table.n_rows < batch:
            if not self.data_kind.trains_whole_when_small:
                raise UserError(f"{table.origin}: {table.n_rows} rows is fewer than one batch (train.batch_size = {batch})")
            if table.n_rows < pack:
                raise UserError(f"{table.origin}: {table.n_rows} rows is fewer than one batch: the discriminator judges "
                                f"packs of model.pack = {pack} rows; set it lower (--set model.pack=1) or bring more rows")
            self.batch_size_ = table.n_rows // pack * pack
            notice(f"{table.origin} has {table.n_rows} rows, fewer than train.batch_size = {batch}; "
                   f"training with one batch of {self.batch_size_} rows")
        if self.state_ is None:  # nets too big for the memory: one line now, not an allocation failure later
            check_training_memory(self.config, self.data_kind.layout(table, self.config), resolve_device(self.config.train.device))
        self._cap_epochs(table.n_rows)
        if self.config.privacy.on and self.state_ is None:  # σ for the budget: an unreachable one fails here
            self.config = private_settings(self.config)
            self.privacy_plan_ = plan_private_training(self.config, table.n_rows, self.batch_size_,
                                                       self._moment_release(table))
        return table

    def _moment_release(self, table: Rows) -> float:
        """The noise multiplier of a DP run's release of the rows' moments (0: none: no moment term, or a table too
        small for its noise, ``train/private_moments.py``)."""
        if self.data_kind.generator_terms(self.config, table.n_rows)[0] <= 0:
            return 0.0
        return release_noise_for(self.config.privacy.moment_noise, table.n_rows, self.data_kind.layout(table, self.config))

    def _cap_epochs(self, n_rows: int) -> None:
        """Fewer epochs when ``train.max_steps`` (or the data kind's own cap, a small table's
        ``tabular.copula_max_steps``) caps the G steps (the config says so, for the run directory and a resume)."""
        train, reason = self.config.train, f"train.max_steps = {self.config.train.max_steps:,}"
        cap = self.data_kind.step_cap(self.config, n_rows)
        if cap is not None and (not train.max_steps or cap[0] < train.max_steps):
            train, reason = train.model_copy(update={"max_steps": cap[0]}), f"{cap[1]} = {cap[0]:,}"
        epochs = capped_epochs(train, n_rows, self.batch_size_, self.config.model.pack, distributed.current().world)
        if epochs < self.config.train.epochs:
            notice(f"training {epochs} epoch{'s' if epochs > 1 else ''} instead of train.epochs = {self.config.train.epochs}: "
                   f"{reason} generator steps")
            self.config = with_changes(self.config, **{"train.epochs": epochs})

    def fit(
        self, data: Any = None, on_epoch: Callable[[EpochRecord], None] | None = None, after_step: StepHook | None = None,
        verbose: bool = True,
    ) -> "GAN":
        """Train on ``data`` (array, tensor, DataFrame, Rows) or, when None, on the config's data source.

        ``verbose``: show an epoch progress bar with the losses (a notebook or script gets a Rich bar on
        stderr; the command line draws it in its own display, see :mod:`gankit.status`).
        """
        if data is None:
            table = self.load_data()
        elif isinstance(data, Rows):
            table = data
        else:
            table, source = self.data_kind.from_memory(data, self.config)
            table = self.check_trainable(table)
            self.config = self.data_kind.fitted_config(with_changes(self.config, **{"data.source": source}))
        rows = self.prepare(table)
        if self.config.train.compile and self.compile_seconds_ is None:
            self.compile_seconds_ = compile_nets(self.state_, self.layout_.width, self.config.train, table.n_rows)
        with (phase("training", self.config.train.epochs, "epochs") if verbose else silent("training")) as bar:
            def record(epoch: EpochRecord) -> None:
                self.history_.append(epoch)  # before on_epoch, so a checkpoint written there includes it
                bar.update(epoch.epoch, epoch_note(epoch))
                if on_epoch is not None:
                    on_epoch(epoch)

            train(self.state_, rows, self.config.train, record, after_step)
        return self

    def prepare(self, table: Rows) -> RowSource:
        """Fit the data transform and build fresh nets on first use; return the training rows on the device
        (for ``data.fresh``: a function of the epoch that draws and transforms that epoch's rows)."""
        layout = self.data_kind.layout(table, self.config)
        if self.state_ is not None and layout != self.layout_:
            raise UserError(f"{table.origin}: has {table.n_cols} columns but this GAN was trained on {self.layout_.width}")
        device = resolve_device(self.config.train.device)
        if self.state_ is None:
            if self.config.model.conditional and table.labels is None:
                raise UserError(f"{table.origin}: model.conditional needs class labels (class subfolders, or an .npz with labels)")
            self.scaler_ = Scaler.fit(table.values, self.config.data.transform)
            self.columns_ = table.columns
            self.layout_ = layout
            self.class_names_ = table.class_names
            if self.config.privacy.on:  # rows given directly skip check_trainable; a no-op after it
                self.config = private_settings(self.config)
            self.state_ = TrainState.create(self.config, self.layout_, device, self.batch_size_)
            if self.config.privacy.on:
                check_private_net(self.state_.discriminator)
                self.state_.privacy = self.privacy_plan_ or plan_private_training(
                    self.config, table.n_rows, self.state_.batch_size, self._moment_release(table))
        if self.config.privacy.on != (self.state_.privacy is not None):
            raise UserError("privacy.epsilon cannot be turned on or off when training goes on: start a new run")
        self.training_rows_ = table
        seed = data_seed(self.config.data, self.config.seed)
        if self.config.data.fresh:
            return lambda epoch: self._to_rows(toy_rows(self.config.data, seed, epoch), device)
        rows, conditions = self._to_rows(table, device), self.conditions
        weights = self.data_kind.generator_terms(self.config, table.n_rows)
        if self.state_.privacy is not None:  # G's targets come from the ledger's release, never from the rows
            self.state_.g_penalty = private_generator_penalty(rows, self.layout_, self.state_, weights[0])
        else:
            self.state_.g_penalty = generator_penalty(rows, conditions, *weights, self.layout_.value_columns)
        if conditions is not None:  # CTGAN's training-by-sampling: each epoch's rows drawn anew, with their conditions
            by_condition = conditions.index_rows(rows, table.origin)

            def epoch_rows(epoch: int) -> torch.Tensor:
                return conditions.draw_rows(by_condition, int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))

            return epoch_rows
        return rows

    def _to_rows(self, table: Rows, device: torch.device) -> torch.Tensor:
        rows = torch.from_numpy(self.scaler_.transform(table.values))
        if self.layout_ is not None and self.layout_.classes and table.labels is not None:  # rows end with the one-hot label
            labels = torch.nn.functional.one_hot(torch.from_numpy(table.labels).long(), self.layout_.classes)
            rows = torch.cat((rows, labels.to(rows.dtype)), dim=1)
        return rows.to(device)

    def _require_trained(self) -> TrainState:
        if self.state_ is None or self.scaler_ is None:
            raise RuntimeError("this GAN has not been fitted or loaded yet")
        return self.state_

    # ------------------------------------------------------------------ sampling

    def sample(self, n: int, seed: int | None = None, where: Any = None) -> Any:
        """``n`` generated rows in the data's units; the same ``seed`` gives the same rows.

        A DataFrame with the input's columns and dtypes for a mixed table; else an array
        (images come flattened; :meth:`sample_images` gives them as N×C×H×W).

        ``where`` (tables): only rows that meet every condition, as strings or a dict, e.g.
        ``where=["island=Biscoe", "body_mass_g>4000"]``, ``where="island in Biscoe,Dream"`` or
        ``where={"island": "Biscoe", "sex": {"in": ["male", "female"]}, "body_mass_g": {">": 4000, "<=": 5000}}``
        (categories: ``=`` / ``in``; numbers: ``=``, ``in``, ``>``, ``>=``, ``<``, ``<=``, ``a<=x<=b``; all hold
        together). Categories come through CTGAN's conditional vector, the rest by rejection; the cost is kept in
        ``self.sampling_cost_``. A condition never met or too rare to reach is a one-line error
        (``data/where.py``, ``kinds/conditional_sampling.py``).
        """
        self._require_trained()
        if n < 1:
            raise UserError(f"the number of samples must be at least 1, got {n}")
        seed = seed if seed is not None else torch.seed()
        self.sampling_cost_ = None  # set again below by a draw that has a cost
        if where is not None or self.data_kind.filters_rows:  # conditions, or a table's constraints
            rows, self.sampling_cost_ = self.data_kind.sample_where(self, n, seed, where)
            return rows
        rng = torch.Generator().manual_seed(seed)
        rows, _ = self.draw_rows(n, rng)
        return self.data_kind.decode(rows, self.layout_, rng, seed)

    def draw_rows(self, n: int, rng: torch.Generator, code_probs: tuple[float, ...] | None = None,
                  ) -> tuple[np.ndarray, np.ndarray | None]:
        """``n`` generated rows in data units, not yet decoded, and the condition each was asked for (a table's
        conditional vector; None without one). ``code_probs``: the conditions' law, default their real frequencies."""
        state = self._require_trained()
        latent, conditions = state.latent, self.conditions
        if conditions is not None:  # conditions drawn by their real frequencies, then dropped from the rows
            latent = dataclasses.replace(latent, code_probs=code_probs or conditions.sample_probs)
        if self.config.sample.method == "rejection" and self.data_kind.rejection_sampling:
            rows = self._rejection_rows(n, latent, rng)
        else:
            rows = self.generate(latent.sample(n, rng))
        if conditions is None:
            return self.scaler_.inverse(rows), None
        codes = rows[:, rows.shape[1] - conditions.count :].argmax(axis=1)
        return self.scaler_.inverse(conditions.strip(rows)), codes

    def _rejection_rows(self, n: int, latent: Any, rng: torch.Generator) -> np.ndarray:
        """``n`` rows (training units) by discriminator rejection sampling (``train/rejection_sampling.py``); the cost is kept
        in ``self.sampling_cost_``."""
        state = self._require_trained()
        device = next(state.discriminator.parameters()).device
        pack = self.config.model.pack

        def logits(rows: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                parts = [state.discriminator(chunk.repeat(1, pack).to(device)).float().cpu() for chunk in rows.split(65536)]
            return torch.cat(parts)

        rows, self.sampling_cost_ = rejection_sample(
            n, lambda count: torch.from_numpy(self.generate(latent.sample(count, rng))), logits, rng, self.config.sample)
        return rows.numpy()

    def generate(self, z: torch.Tensor) -> np.ndarray:
        """The sampling generator (EMA copy if any, BatchNorm in eval mode) applied to latent rows ``z``."""
        sampler = self._require_trained().sampler
        device = next(sampler.parameters()).device
        was_training = sampler.training
        sampler.eval()  # BatchNorm uses its running statistics when sampling
        try:
            with torch.no_grad():
                parts = [sampler(chunk.to(device)).float().cpu() for chunk in z.split(4096)]
        finally:
            sampler.train(was_training)
        return torch.cat(parts).numpy()

    def sample_images(self, n: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``n`` generated images (N×C×H×W in [−1, 1]) and, for a conditional GAN, the classes asked for."""
        rows, layout = self.sample(n, seed), self.layout_
        images = self.data_kind.images(rows, layout)
        return images, rows[:, layout.pixels :].argmax(axis=1) if layout.classes else None

    def grid_noise(self) -> torch.Tensor:
        """The image grid's latent batch: ``eval.grid_n`` rows from the run's seed; for a conditional GAN, classes in order.

        The same every epoch, so the grids show the same latent points changing over training.
        """
        state, layout = self._require_trained(), self.layout_
        n = self.config.eval.grid_n
        rng = torch.Generator().manual_seed(self.config.seed + GRID_SEED_OFFSET)
        z = state.latent.sample(n, rng)
        if layout.classes:
            codes = torch.arange(n) % layout.classes
            z = torch.cat((z[:, : state.latent.dim], torch.nn.functional.one_hot(codes, layout.classes).to(z.dtype)), dim=1)
        return z

    def grid_images(self, z: torch.Tensor | None = None) -> np.ndarray:
        """The sampling generator's images (N×C×H×W in [−1, 1]) for latent rows ``z`` (default: :meth:`grid_noise`)."""
        rows = self.scaler_.inverse(self.generate(self.grid_noise() if z is None else z))
        return self.data_kind.images(rows, self.layout_)

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, n: int | None = None, seed: int | None = None, real: Any = None) -> EvalReport:
        """Two-sample tests of ``n`` generated rows against as many real rows (the training data by default);
        a differentially private run's report carries its ledger (ε spent, δ, σ, C, q, steps, accountant)."""
        report = self.evaluation_task(n, seed, real).run()
        if self.state_.privacy is not None:
            report.extra["differential_privacy"] = self.state_.privacy.to_dict()
        return report

    def evaluation_task(self, n: int | None = None, seed: int | None = None, real: Any = None) -> EvaluationTask:
        """The samples :meth:`evaluate` compares, drawn now, with the settings (``real`` is used for rows only)."""
        self._require_trained()
        n, seed = self.eval_plan(n, seed)
        plan = {"permutations": self.config.eval.permutations, "alpha": self.config.eval.alpha, "seed": seed}
        return self.data_kind.evaluation_task(self, n, seed, plan, real)

    def discriminator_logits(self, points: np.ndarray) -> np.ndarray:
        """D's logit at each row of ``points`` (data units; a PacGAN D judges a pack of copies of the row)."""
        state = self._require_trained()
        inputs = torch.as_tensor(self.scaler_.transform(points), dtype=torch.float32)
        inputs = inputs.repeat(1, self.config.model.pack)
        device = next(state.discriminator.parameters()).device
        with torch.no_grad():
            return state.discriminator(inputs.to(device)).float().cpu().numpy().ravel()

    def eval_plan(self, n: int | None, seed: int | None) -> tuple[int, int]:
        """The evaluation's sample size and seed: the arguments, else ``eval.n`` / ``eval.seed``, else the run seed."""
        settings = self.config.eval
        return n or settings.n, seed if seed is not None else (settings.seed if settings.seed is not None else self.config.seed)

    def real_rows(self) -> Rows:
        """The training rows: kept from ``fit``, or rebuilt from the config's data source after ``load``."""
        if self.training_rows_ is None:
            self.training_rows_ = self.data_kind.real_rows(self.config)
        return self.training_rows_

    # ------------------------------------------------------------------ persistence

    def save(self, folder: str | Path) -> Path:
        """Write a pickle-free checkpoint (safetensors + JSON) into ``folder``."""
        state = self._require_trained()
        tensors, info = state.state_dict()
        tensors["scaler.mean"] = torch.from_numpy(self.scaler_.mean)
        if self.scaler_.matrix is not None:
            tensors["scaler.matrix"] = torch.from_numpy(self.scaler_.matrix)
        global_tensors, global_info = global_rng_state()
        tensors.update(global_tensors)
        info.update({
            "config": self.config.model_dump(mode="json"),
            "columns": self.columns_,
            "layout": self.layout_.as_dict(),
            "class_names": list(self.class_names_),
            **self.data_kind.checkpoint_entries(),
            "global_rng": global_info,
            "history": [record.as_dict() for record in self.history_],
            **({"run": self.run_identity} if self.run_identity else {}),
        })
        return save_checkpoint(Path(folder), tensors, info)

    @classmethod
    @checkpoint_errors
    def load(cls, folder: str | Path, device: str | None = "cpu") -> "GAN":
        """A GAN restored from a checkpoint folder written by :meth:`save` (``device=None``: the config's)."""
        document, tensors = load_checkpoint(Path(folder))
        config = validate(document["config"])
        gan = cls(config)
        gan.columns_ = list(document["columns"])
        gan.layout_ = Layout.from_dict(document["layout"]) if "layout" in document else Layout(len(gan.columns_))
        gan.class_names_ = tuple(document.get("class_names", ()))
        gan.data_kind.restore(document)
        gan.state_ = TrainState.create(config, gan.layout_, resolve_device(device or config.train.device))
        check_tensors(tensors, gan.state_.state_dict()[0], str(folder))  # names, shapes, dtypes before loading
        gan.state_.load_state_dict(tensors, document)
        gan.checkpoint_info_ = (document, tensors)
        matrix = tensors.get("scaler.matrix")
        gan.scaler_ = Scaler(tensors["scaler.mean"].numpy(), None if matrix is None else matrix.numpy())
        gan.history_ = [EpochRecord(**record) for record in document.get("history", [])]
        return gan

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        """One line: the preset, the data, the nets and how far training got, e.g.
        ``GAN('d2l-gaussian', data='gaussian', G=[], D=[5, 3], objective='non-saturating', trained=20/20 epochs,
        d_loss=0.693, g_loss=0.698)``."""
        return f"GAN({', '.join(f'{key}={value}' if key else value for key, value in self._summary())})"

    def _repr_html_(self) -> str:
        """The same summary as a table, as a notebook shows a GAN."""
        from gankit.metrics.html_table import html_table  # imported here: only a notebook needs it

        rows = [(key or "preset", value.strip("'")) for key, value in self._summary()]
        return html_table(["", "GAN"], rows)

    def _summary(self) -> list[tuple[str, str]]:
        """(label, value) pairs of what a reader wants to know about this GAN first."""
        config = self.config
        data = config.data.path or config.data.source
        done = self.history_[-1].epoch if self.history_ else 0
        pairs = [("", repr(config.name)), ("data", repr(str(data)))]
        if self.data_kind.nets_from_hidden_widths:
            pairs += [("G", str(config.model.generator.hidden)), ("D", str(config.model.discriminator.hidden))]
        pairs += [("objective", repr(config.train.objective)),
                  ("trained", f"{done}/{config.train.epochs} epochs" if self.state_ is not None else "not yet")]
        if self.history_:
            pairs += [("d_loss", f"{self.history_[-1].d_loss:.3f}"), ("g_loss", f"{self.history_[-1].g_loss:.3f}")]
        return pairs
