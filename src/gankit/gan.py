"""The library facade for notebooks: ``GAN(config).fit(data).sample(n)``.

``__init__`` only stores the config; ``fit`` validates the data, trains, and
keeps the state needed to sample, save and evaluate.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from gankit.config import GanConfig, apply_overrides, load_raw, validate, with_changes
from gankit.data.frame_io import read_frame
from gankit.data.layout import Layout
from gankit.data.condition import Conditions
from gankit.data.table_encoding import encode_frame, fit_transformer, metric_kinds, table_conditions, table_layout
from gankit.data.table_transformer import TabularTransformer
from gankit.data import Scaler, Rows, as_rows, data_seed, known_modes, known_truth, load_training_rows
from gankit.data.toy import toy_rows
from gankit.errors import UserError
from gankit.status import notice, phase, silent
from gankit.metrics import EvalReport
from gankit.metrics.evaluate import real_rows_index
from gankit.metrics.evaluation_task import EvaluationTask
from gankit.metrics.modes import MODE_SAMPLES
from gankit.nets.dcgan import conv_stages
from gankit.nets.size import check_training_memory
from gankit.nets.table_nets import gumbel_max
from gankit.train.rejection_sampling import SamplingCost, rejection_sample
from gankit.report.summary import epoch_note
from gankit.train.checkpoint_format import checkpoint_errors, load_checkpoint, save_checkpoint
from gankit.train.checkpoint_schema import check_tensors
from gankit.train.compile import compile_nets
from gankit.train.rng import global_rng_state
from gankit.train import distributed
from gankit.train.loop import EpochRecord, RowSource, StepHook, capped_epochs, train
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


class GAN:
    """A generative adversarial network for rows of numbers.

    >>> gan = GAN("d2l-gaussian", overrides=["train.epochs=1"]).fit()
    >>> gan.sample(3, seed=0).shape
    (3, 2)
    """

    def __init__(self, config: GanConfig | str = "d2l-gaussian", overrides: list[str] | None = None, seed: int | None = None):
        raw = config.model_dump() if isinstance(config, GanConfig) else load_raw(config)
        raw = apply_overrides(raw, overrides or [])
        if seed is not None:
            raw["seed"] = seed
        self.config = validate(raw)
        self.state: TrainState | None = None
        self.scaler: Scaler | None = None
        self.columns: list[str] = []
        self.layout: Layout | None = None  # what one training row holds (numbers, or an image and its label)
        self.class_names: tuple[str, ...] = ()
        self.transformer: TabularTransformer | None = None  # a mixed table's reversible map to training rows
        self.frame: pd.DataFrame | None = None  # the mixed table itself
        self.history: list[EpochRecord] = []
        self.training_rows: Rows | None = None
        self.compile_seconds: float | None = None  # set by fit when train.compile is on
        self.checkpoint_info: tuple[dict, dict] | None = None  # what load() read, for an exact resume
        self.run_identity: dict[str, str] | None = None  # recorded in every checkpoint (runs/run_identity.py)
        self.batch_size: int | None = None  # the batch size in effect, set by check_trainable
        self.sampling_cost: SamplingCost | None = None  # the last sample()'s cost with sample.method = "rejection"

    # ------------------------------------------------------------------ training

    def load_data(self) -> Rows:
        """The config's training rows, validated for training (so bad data fails before anything is written)."""
        resolve_device(self.config.train.device)  # a device that is not there fails before anything is written
        if self.config.data.is_images and self.config.data.resolution:
            conv_stages(self.config.data.resolution)  # a resolution the nets cannot take fails before loading
        if self.config.data.source == "table":
            return self.check_trainable(self._encode(self.real_frame(), self.config.data.path))
        return self.check_trainable(load_training_rows(self.config.data, self.config.seed))

    def _encode(self, frame: pd.DataFrame, origin: str) -> Rows:
        """A mixed table as training rows (the transformer is fitted on first use)."""
        if self.transformer is None:
            self.transformer = fit_transformer(frame, self.config.tabular, self.config.seed, origin)
            # the kinds chosen, as overrides: the run directory's config.toml says how each column was modelled
            kinds = {spec.name: spec.kind for spec in self.transformer.specs}
            self.config = with_changes(self.config, **{"tabular.kinds": kinds})
        self.frame = frame
        return encode_frame(frame, self.transformer, origin)

    def check_trainable(self, table: Rows) -> Rows:
        """At least one batch of rows; a mixed table smaller than a batch is trained in halves, with a notice.

        Batches of half the table (whole packs; a remainder of at least one pack makes a
        third, smaller batch) give G two updates per pass over the data instead of
        one (on palmerpenguins' 344 rows: QualityReport ≈ 0.75 vs 0.73 in the same
        300 epochs, see bench/tabular_RESULTS.md). The batch size in effect is kept in
        ``self.batch_size`` (and then on the training state); the config is not changed.
        """
        batch, pack = self.config.train.batch_size, self.config.model.pack
        self.batch_size = batch
        if table.n_rows < batch and self.transformer is not None and table.n_rows >= 2 * pack:
            self.batch_size = max(table.n_rows // 2 // pack, 1) * pack
            notice(f"{table.origin} has {table.n_rows} rows, fewer than train.batch_size = {batch}; "
                   f"training with batches of {self.batch_size}")
        elif table.n_rows < batch:
            raise UserError(f"{table.origin}: {table.n_rows} rows is fewer than one batch (train.batch_size = {batch})")
        if self.state is None:  # nets too big for the memory: one line now, not an allocation failure later
            check_training_memory(self.config, self._layout_of(table), resolve_device(self.config.train.device))
        self._cap_epochs(table.n_rows)
        return table

    def _cap_epochs(self, n_rows: int) -> None:
        """Fewer epochs when ``train.max_steps`` caps the G steps of a large data set (the config says so, for the
        run directory and a resume)."""
        epochs = capped_epochs(self.config.train, n_rows, self.batch_size, self.config.model.pack,
                               distributed.current().world)
        if epochs < self.config.train.epochs:
            notice(f"training {epochs} epoch{'s' if epochs > 1 else ''} instead of train.epochs = {self.config.train.epochs}: "
                   f"train.max_steps = {self.config.train.max_steps:,} generator steps")
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
        elif isinstance(data, pd.DataFrame) and self.config.model.kind == "tabular":
            self.config = with_changes(self.config, **{"data.source": "frame"})
            table = self.check_trainable(self._encode(data, "data"))
        else:
            table = self.check_trainable(as_rows(data))
            self.config = with_changes(self.config, **{"data.source": "array"})
        rows = self.prepare(table)
        if self.config.train.compile and self.compile_seconds is None:
            self.compile_seconds = compile_nets(self.state, self.layout.width, self.config.train, table.n_rows)
        with (phase("training", self.config.train.epochs, "epochs") if verbose else silent("training")) as bar:
            def record(epoch: EpochRecord) -> None:
                self.history.append(epoch)  # before on_epoch, so a checkpoint written there includes it
                bar.update(epoch.epoch, epoch_note(epoch))
                if on_epoch is not None:
                    on_epoch(epoch)

            train(self.state, rows, self.config.train, record, after_step)
        return self

    def prepare(self, table: Rows) -> RowSource:
        """Fit the data transform and build fresh nets on first use; return the training rows on the device
        (for ``data.fresh``: a function of the epoch that draws and transforms that epoch's rows)."""
        if self.state is not None and self._layout_of(table) != self.layout:
            raise UserError(f"{table.origin}: has {table.n_cols} columns but this GAN was trained on {self.layout.width}")
        device = resolve_device(self.config.train.device)
        if self.state is None:
            if self.config.model.conditional and table.labels is None:
                raise UserError(f"{table.origin}: model.conditional needs class labels (class subfolders, or an .npz with labels)")
            self.scaler = Scaler.fit(table.values, self.config.data.transform)
            self.columns = table.columns
            self.layout = self._layout_of(table)
            self.class_names = table.class_names
            self.state = TrainState.create(self.config, self.layout, device, self.batch_size)
        self.training_rows = table
        seed = data_seed(self.config.data, self.config.seed)
        if self.config.data.fresh:
            return lambda epoch: self._to_rows(toy_rows(self.config.data, seed, epoch), device)
        rows, conditions = self._to_rows(table, device), self.conditions
        if conditions is not None:  # CTGAN's training-by-sampling: each epoch's rows drawn anew, with their conditions
            self.state.g_penalty = conditions.loss
            by_condition = conditions.index_rows(rows, table.origin)

            def epoch_rows(epoch: int) -> torch.Tensor:
                return conditions.draw_rows(by_condition, int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0]))

            return epoch_rows
        return rows

    @property
    def conditions(self) -> Conditions | None:
        """A mixed table's CTGAN conditions (``tabular.conditional``), else None."""
        return table_conditions(self.transformer, self.config.tabular) if self.transformer is not None else None

    def _layout_of(self, table: Rows) -> Layout:
        if self.transformer is not None:
            return table_layout(self.transformer, self.conditions)
        return table.layout(self.config.model.conditional)

    def _to_rows(self, table: Rows, device: torch.device) -> torch.Tensor:
        rows = torch.from_numpy(self.scaler.transform(table.values))
        if self.layout is not None and self.layout.classes and table.labels is not None:  # rows end with the one-hot label
            labels = torch.nn.functional.one_hot(torch.from_numpy(table.labels).long(), self.layout.classes)
            rows = torch.cat((rows, labels.to(rows.dtype)), dim=1)
        return rows.to(device)

    def _require_trained(self) -> TrainState:
        if self.state is None or self.scaler is None:
            raise RuntimeError("this GAN has not been fitted or loaded yet")
        return self.state

    # ------------------------------------------------------------------ sampling

    def sample(self, n: int, seed: int | None = None) -> Any:
        """``n`` generated rows in the data's units; the same ``seed`` gives the same rows.

        A DataFrame with the input's columns and dtypes for a mixed table; else an array
        (images come flattened; :meth:`sample_images` gives them as N×C×H×W).
        """
        state = self._require_trained()
        if n < 1:
            raise UserError(f"the number of samples must be at least 1, got {n}")
        seed = seed if seed is not None else torch.seed()
        rng = torch.Generator().manual_seed(seed)
        latent, conditions = state.latent, self.conditions
        if conditions is not None:  # conditions drawn by their real frequencies, then dropped from the rows
            latent = dataclasses.replace(latent, code_probs=conditions.sample_probs)
        if self.config.sample.method == "rejection" and conditions is None and self.transformer is None:
            rows = self._rejection_rows(n, latent, rng)
        else:
            rows = self.generate(latent.sample(n, rng))
        rows = self.scaler.inverse(conditions.strip(rows) if conditions is not None else rows)
        if self.transformer is None:
            return rows
        rows = gumbel_max(torch.from_numpy(rows), self.layout.softmax_blocks, rng).numpy()
        return self.transformer.inverse_transform(rows, rng=np.random.default_rng(seed))

    def _rejection_rows(self, n: int, latent: Any, rng: torch.Generator) -> np.ndarray:
        """``n`` rows (training units) by discriminator rejection sampling (``train/rejection_sampling.py``); the cost is kept
        in ``self.sampling_cost``."""
        state = self._require_trained()
        device = next(state.discriminator.parameters()).device
        pack = self.config.model.pack

        def logits(rows: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                parts = [state.discriminator(chunk.repeat(1, pack).to(device)).float().cpu() for chunk in rows.split(65536)]
            return torch.cat(parts)

        rows, self.sampling_cost = rejection_sample(
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
        layout = self.layout
        if layout is None or layout.image is None:
            raise UserError("this GAN generates rows, not images")
        rows = self.sample(n, seed)
        labels = rows[:, layout.pixels :].argmax(axis=1) if layout.classes else None
        return rows[:, : layout.pixels].reshape(n, *layout.image), labels

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, n: int | None = None, seed: int | None = None, real: Any = None) -> EvalReport:
        """Two-sample tests of ``n`` generated rows against as many real rows (the training data by default)."""
        return self.evaluation_task(n, seed, real).run()

    def evaluation_task(self, n: int | None = None, seed: int | None = None, real: Any = None) -> EvaluationTask:
        """The samples :meth:`evaluate` compares, drawn now, with the settings (``real`` is used for rows only)."""
        self._require_trained()
        settings = self.config.eval
        n, seed = self.eval_plan(n, seed)
        plan = {"permutations": settings.permutations, "alpha": settings.alpha, "seed": seed}
        if self.layout is not None and self.layout.image is not None:
            images = self.real_rows().images()
            images = images[real_rows_index(len(images), n, seed)]
            fake, _ = self.sample_images(len(images), seed=seed)
            options = {"shapes": self.config.data.source == "shapes", "inception_weights": settings.inception_weights}
            return EvaluationTask("images", images, fake, **plan, options=options)
        if self.transformer is not None:
            frame, fake = self.table_evaluation_frames(n, seed)
            return EvaluationTask("table", frame, fake, **plan, options={"kinds": metric_kinds(self.transformer)})
        rows = as_rows(real, "real data").values if real is not None else self.real_rows().values
        rows = rows[real_rows_index(len(rows), n, seed)]
        fake = self.sample(len(rows), seed=seed)
        modes = known_modes(self.config.data)
        mode_samples = self.sample(MODE_SAMPLES, seed=seed + 1) if modes is not None else None
        options = {"truth": known_truth(self.config.data), "modes": modes, "mode_samples": mode_samples}
        return EvaluationTask("rows", rows, fake, **plan, options=options)

    def discriminator_logits(self, points: np.ndarray) -> np.ndarray:
        """D's logit at each row of ``points`` (data units; a PacGAN D judges a pack of copies of the row)."""
        state = self._require_trained()
        inputs = torch.as_tensor(self.scaler.transform(points), dtype=torch.float32)
        inputs = inputs.repeat(1, self.config.model.pack)
        device = next(state.discriminator.parameters()).device
        with torch.no_grad():
            return state.discriminator(inputs.to(device)).float().cpu().numpy().ravel()

    def grid_noise(self) -> torch.Tensor:
        """The image grid's latent batch: ``eval.grid_n`` rows from the run's seed; for a conditional GAN, classes in order.

        The same every epoch, so the grids show the same latent points changing over training.
        """
        state, layout = self._require_trained(), self.layout
        n = self.config.eval.grid_n
        rng = torch.Generator().manual_seed(self.config.seed + GRID_SEED_OFFSET)
        z = state.latent.sample(n, rng)
        if layout.classes:
            codes = torch.arange(n) % layout.classes
            z = torch.cat((z[:, : state.latent.dim], torch.nn.functional.one_hot(codes, layout.classes).to(z.dtype)), dim=1)
        return z

    def grid_images(self, z: torch.Tensor | None = None) -> np.ndarray:
        """The sampling generator's images (N×C×H×W in [−1, 1]) for latent rows ``z`` (default: :meth:`grid_noise`)."""
        layout = self.layout
        if layout is None or layout.image is None:
            raise UserError("this GAN generates rows, not images")
        rows = self.scaler.inverse(self.generate(self.grid_noise() if z is None else z))
        return rows[:, : layout.pixels].reshape(-1, *layout.image)

    def table_evaluation_frames(self, n: int | None = None, seed: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A mixed table's evaluation sample: ``n`` real rows drawn at random (a table stored sorted must not
        be judged on its first rows) and as many generated rows, both from the evaluation's seed."""
        n, seed = self.eval_plan(n, seed)
        frame = self.real_frame()
        frame = frame.iloc[real_rows_index(len(frame), n, seed)].reset_index(drop=True)
        return frame, self.sample(len(frame), seed=seed)

    def eval_plan(self, n: int | None, seed: int | None) -> tuple[int, int]:
        """The evaluation's sample size and seed: the arguments, else ``eval.n`` / ``eval.seed``, else the run seed."""
        settings = self.config.eval
        return n or settings.n, seed if seed is not None else (settings.seed if settings.seed is not None else self.config.seed)

    def real_frame(self) -> pd.DataFrame:
        """The mixed table trained on: kept from ``fit``, or read again from ``data.path``."""
        if self.frame is None:
            if self.config.data.source != "table":
                raise UserError("this GAN was trained on an in-memory table, which is not saved with it; pass the real rows explicitly")
            if not self.config.data.path:
                raise UserError("data.source = 'table' needs data.path: give the table with --data FILE (or GAN.fit(dataframe))")
            self.frame = read_frame(self.config.data.path, self.config.data.sep)
        return self.frame

    def real_rows(self) -> Rows:
        """The training rows: kept from ``fit``, or rebuilt from the config's data source after ``load``."""
        if self.training_rows is None and self.transformer is not None:
            self.training_rows = encode_frame(self.real_frame(), self.transformer, str(self.config.data.path))
        if self.training_rows is None:
            self.training_rows = load_training_rows(self.config.data, self.config.seed)
        return self.training_rows

    # ------------------------------------------------------------------ persistence

    def save(self, folder: str | Path) -> Path:
        """Write a pickle-free checkpoint (safetensors + JSON) into ``folder``."""
        state = self._require_trained()
        tensors, info = state.state_dict()
        tensors["scaler.mean"] = torch.from_numpy(self.scaler.mean)
        if self.scaler.matrix is not None:
            tensors["scaler.matrix"] = torch.from_numpy(self.scaler.matrix)
        global_tensors, global_info = global_rng_state()
        tensors.update(global_tensors)
        info.update({
            "config": self.config.model_dump(mode="json"),
            "columns": self.columns,
            "layout": self.layout.as_dict(),
            "class_names": list(self.class_names),
            **({"tabular": self.transformer.to_dict()} if self.transformer is not None else {}),
            "global_rng": global_info,
            "history": [record.as_dict() for record in self.history],
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
        gan.columns = list(document["columns"])
        gan.layout = Layout.from_dict(document["layout"]) if "layout" in document else Layout(len(gan.columns))
        gan.class_names = tuple(document.get("class_names", ()))
        if "tabular" in document:
            gan.transformer = TabularTransformer.from_dict(document["tabular"])
        gan.state = TrainState.create(config, gan.layout, resolve_device(device or config.train.device))
        check_tensors(tensors, gan.state.state_dict()[0], str(folder))  # names, shapes, dtypes before loading
        gan.state.load_state_dict(tensors, document)
        gan.checkpoint_info = (document, tensors)
        matrix = tensors.get("scaler.matrix")
        gan.scaler = Scaler(tensors["scaler.mean"].numpy(), None if matrix is None else matrix.numpy())
        gan.history = [EpochRecord(**record) for record in document.get("history", [])]
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
        done = self.history[-1].epoch if self.history else 0
        pairs = [("", repr(config.name)), ("data", repr(str(data)))]
        if not config.data.is_images:  # an image GAN's nets are sized by the resolution, not by hidden widths
            pairs += [("G", str(config.model.generator.hidden)), ("D", str(config.model.discriminator.hidden))]
        pairs += [("objective", repr(config.train.objective)),
                  ("trained", f"{done}/{config.train.epochs} epochs" if self.state is not None else "not yet")]
        if self.history:
            pairs += [("d_loss", f"{self.history[-1].d_loss:.3f}"), ("g_loss", f"{self.history[-1].g_loss:.3f}")]
        return pairs
