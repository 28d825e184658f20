"""What one training row holds: plain numbers, or a flattened image with an optional one-hot label."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Layout:
    """The shape of one training row, which the nets are built for.

    A row of a mixed table (``data/table_transformer.py``) is scalars in [−1, 1] and
    one-hot groups, listed in ``softmax_blocks``.

    Rows of numbers have only a ``width``. An image of ``image = (C, H, W)`` travels
    through the training loop as ``C·H·W`` numbers, followed by ``classes`` one-hot
    label columns when the GAN is class-conditional. A table's rows likewise end
    with the one-hot of a condition when it has CTGAN's conditional vector
    (``data/condition.py``); ``code_probs`` is then the law G's code is trained with.
    """

    width: int
    image: tuple[int, int, int] | None = None
    classes: int = 0
    softmax_blocks: tuple[tuple[int, int], ...] = ()  # tables: (start, width) of each one-hot group; the rest is tanh
    code_probs: tuple[float, ...] = ()  # the law of G's code in training (empty: uniform)

    @classmethod
    def of_image(cls, shape: tuple[int, int, int], classes: int = 0) -> Layout:
        return cls(math.prod(shape) + classes, tuple(shape), classes)

    @property
    def pixels(self) -> int:
        """Numbers of the image part (0 for plain rows)."""
        return self.width - self.classes if self.image is not None else 0

    @property
    def value_columns(self) -> list[int]:
        """A table row's tanh columns: those before the condition columns that no one-hot group holds."""
        grouped = {start + offset for start, width in self.softmax_blocks for offset in range(width)}
        return [column for column in range(self.width - self.classes) if column not in grouped]

    def as_dict(self) -> dict[str, Any]:
        return {"width": self.width, "image": list(self.image) if self.image else None, "classes": self.classes,
                "softmax_blocks": [list(block) for block in self.softmax_blocks], "code_probs": list(self.code_probs)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Layout:
        image = values.get("image")
        blocks = tuple((int(start), int(width)) for start, width in values.get("softmax_blocks", []))
        probs = tuple(float(p) for p in values.get("code_probs", []))
        return cls(int(values["width"]), tuple(image) if image else None, int(values.get("classes", 0)), blocks, probs)
