"""A table of mixed columns as training rows: infer the column kinds, fit the transformer, encode.

The glue between the ``[tabular]`` config, ``data/column_kinds.py`` (kinds) and
``data/table_transformer.py`` (the reversible map), used by ``GAN`` for the
``table`` (file) and ``frame`` (DataFrame) sources.
"""

from __future__ import annotations


import pandas as pd

from gankit.config import TabularConfig
from gankit.data.column_kinds import ColumnSpec, column_notices, infer_kinds, kinds_line
from gankit.data.condition import Conditions
from gankit.data.constraints import TableConstraints, fit_constraints
from gankit.data.layout import Layout
from gankit.data.rows import Rows
from gankit.data.table_transformer import TabularTransformer
from gankit.status import notice, tell


def is_large(settings: TabularConfig, rows: int) -> bool:
    """Whether ``tabular.copula_max_rows`` turns the copula encoding and G's moment and marginal terms off for a
    table of ``rows`` rows (the size rule; ``size_rule_line`` says it)."""
    return settings.continuous == "copula" and 0 < settings.copula_max_rows < rows


def size_rule_line(settings: TabularConfig, rows: int) -> str | None:
    """The size rule's choice for a table of ``rows`` rows, as printed; None when the rule is off."""
    if settings.continuous != "copula" or not settings.copula_max_rows:
        return None
    if is_large(settings, rows):
        return (f"{rows:,} rows > tabular.copula_max_rows = {settings.copula_max_rows:,}: number columns by vgm, "
                "no moment or marginal terms")
    steps = f", at most {settings.copula_max_steps:,} G steps" if settings.copula_max_steps else ""
    return (f"{rows:,} rows ≤ tabular.copula_max_rows = {settings.copula_max_rows:,}: number columns by copula, "
            f"moment weight {settings.moment_weight:g}, marginal weight {settings.marginal_weight:g}{steps}")


def size_rule_step_cap(settings: TabularConfig, rows: int) -> tuple[int, str] | None:
    """The size rule's cap on G steps for a table of ``rows`` rows, with the setting that sets it; None when the
    rule sets none (a large table, the rule off, or ``tabular.copula_max_steps = 0``)."""
    if settings.continuous != "copula" or not settings.copula_max_rows or not settings.copula_max_steps:
        return None
    return None if is_large(settings, rows) else (settings.copula_max_steps, "tabular.copula_max_steps")


def term_weights(settings: TabularConfig, rows: int) -> tuple[float, float]:
    """G's moment and marginal weights for a table of ``rows`` rows, after the size rule."""
    return (0.0, 0.0) if is_large(settings, rows) else (settings.moment_weight, settings.marginal_weight)


def fit_transformer(frame: pd.DataFrame, settings: TabularConfig, seed: int, origin: str) -> TabularTransformer:
    """Infer each column's kind (with the config's overrides), print them, any notices and the size rule's
    choice, fit the transformer."""
    specs = infer_kinds(frame, settings.discrete, settings.kinds, settings.max_categories, settings.high_cardinality,
                        origin)
    tell(kinds_line(specs))
    for text in column_notices(specs):
        notice(text)
    rule = size_rule_line(settings, len(frame))
    if rule:
        tell(rule)
    continuous = "vgm" if is_large(settings, len(frame)) else settings.continuous
    return TabularTransformer.fit(frame, specs, continuous, settings.max_modes, seed)


def fit_table_constraints(frame: pd.DataFrame, settings: TabularConfig, origin: str) -> TableConstraints | None:
    """The ``[[tabular.constraints]]`` checked against ``frame`` and planned (``data/constraints.py``); None when
    there are none. Prints how each one holds."""
    if not settings.constraints:
        return None
    names = set(frame.columns)
    specs = infer_kinds(frame, [name for name in settings.discrete if name in names],
                        {name: kind for name, kind in settings.kinds.items() if name in names},
                        settings.max_categories, settings.high_cardinality, origin)
    constraints = fit_constraints(settings.constraints, frame, specs, origin)
    parts = [f"{text} by construction" for text in constraints.by_transform]
    parts += [f"{text} by moving a breaking row to the midpoint" for text in constraints.by_meeting]
    parts += [f"{text} by redrawing one value of a combination never seen" for text in constraints.by_redraw]
    parts += [f"{text} by rejection" for text in constraints.by_rejection]
    tell("constraints: " + "; ".join(parts))
    return constraints


def model_settings(settings: TabularConfig, constraints: TableConstraints | None, columns: list[str]) -> TabularConfig:
    """The ``[tabular]`` settings for the table as the generator learns it (``columns``, after the constraints'
    transforms): a combinations column is categorical; settings naming a column no longer there are left out."""
    if constraints is None:
        return settings
    combined = constraints.combined_columns
    discrete = [name for name in settings.discrete if name in columns] + combined
    kinds = {name: kind for name, kind in settings.kinds.items() if name in columns and name not in combined}
    return settings.model_copy(update={"discrete": list(dict.fromkeys(discrete)), "kinds": kinds})


def encode_frame(frame: pd.DataFrame, transformer: TabularTransformer, origin: str) -> Rows:
    """The frame's rows in the transformer's space, as a training :class:`Table` named after the frame's columns."""
    return Rows(transformer.transform(frame, origin=origin), [str(c) for c in frame.columns], origin)


def table_conditions(transformer: TabularTransformer, settings: TabularConfig) -> Conditions | None:
    """CTGAN's conditions of the table when ``tabular.conditional`` is on and it has categorical columns."""
    return Conditions.of(transformer.discrete_blocks) if settings.conditional else None


def table_layout(transformer: TabularTransformer, conditions: Conditions | None = None) -> Layout:
    """The row layout G is built for: its width, the one-hot groups that get Gumbel-softmax heads, and the
    trailing condition columns with their training law."""
    blocks = tuple((block.start, block.width) for block in transformer.output_blocks if block.kind == "softmax")
    if conditions is None:
        return Layout(transformer.output_dim, softmax_blocks=blocks)
    return Layout(transformer.output_dim + conditions.count, classes=conditions.count, softmax_blocks=blocks,
                  code_probs=conditions.train_probs)


def metric_kinds(transformer: TabularTransformer | list[ColumnSpec]) -> dict[str, str]:
    """gankit's column kinds (of a transformer, or column specs) in the evaluation's vocabulary
    (``metrics/table_checks.py``)."""
    specs = transformer if isinstance(transformer, list) else transformer.specs
    names = {"continuous": "numerical", "integer": "numerical", "datetime": "datetime", "boolean": "boolean"}
    return {spec.name: names.get(spec.kind, "categorical") for spec in specs}
