"""The kinds of data a GAN trains on, each in its own module, and the registry that picks one for a config.

A kind (:class:`~gankit.kinds.base.DataKind`) owns its whole path: loading and validation,
encoding and decoding, what ``sample`` returns and ``gankit sample -o`` writes, its
evaluation, its figures and live-view panel, and what it saves beside a checkpoint. A new
kind is one module and one :func:`register` line here (CONTRIBUTING.md has the recipe).
"""

from __future__ import annotations

from gankit.config import GanConfig
from gankit.kinds.base import DataKind, FittedGan
from gankit.kinds.images import ImagesKind
from gankit.kinds.rows import RowsKind
from gankit.kinds.table import TableKind

__all__ = ["DataKind", "FittedGan", "kind_for", "register"]

_KINDS: list[type[DataKind]] = [RowsKind]  # asked last-registered first; rows claim whatever is left


def register(kind: type[DataKind]) -> type[DataKind]:
    """Add a kind; it is asked before those registered earlier (usable as a class decorator)."""
    _KINDS.insert(0, kind)
    return kind


def kind_for(config: GanConfig) -> DataKind:
    """A fresh kind object for the data of ``config``."""
    return next(kind for kind in _KINDS if kind.claims(config))()


register(TableKind)
register(ImagesKind)
