"""What one training row holds: plain numbers, or a flattened image with an optional one-hot label."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Layout:
    """The shape of one training row, which the nets are built for.

    Rows of numbers have only a ``width``. An image of ``image = (C, H, W)`` travels
    through the training loop as ``C·H·W`` numbers, followed by ``classes`` one-hot
    label columns when the GAN is class-conditional.
    """

    width: int
    image: tuple[int, int, int] | None = None
    classes: int = 0

    @classmethod
    def of_image(cls, shape: tuple[int, int, int], classes: int = 0) -> Layout:
        return cls(math.prod(shape) + classes, tuple(shape), classes)

    @property
    def pixels(self) -> int:
        """Numbers of the image part (0 for plain rows)."""
        return self.width - self.classes if self.image is not None else 0

    def as_dict(self) -> dict[str, Any]:
        return {"width": self.width, "image": list(self.image) if self.image else None, "classes": self.classes}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Layout:
        image = values.get("image")
        return cls(int(values["width"]), tuple(image) if image else None, int(values.get("classes", 0)))
