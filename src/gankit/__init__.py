"""gankit: train GANs on your data and judge them with two-sample tests.

>>> import gankit
>>> gan = gankit.GAN("d2l-gaussian", overrides=["train.epochs=1"]).fit()
>>> report = gankit.evaluate(gan.real_rows().values, gan.sample(500, seed=1))

``import gankit`` is cheap: the config model needs only pydantic, and the names
that need PyTorch (``GAN``, ``evaluate``, ``EvalReport``, ``TestResult``) are
imported on first use (PEP 562 module ``__getattr__``), so the command line
starts in a fraction of ``import torch``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from gankit.config import GanConfig, load_config as load_preset, preset_names
from gankit.errors import UserError

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load lazily
    from gankit.gan import GAN
    from gankit.metrics import EvalReport, TestResult, evaluate

__version__ = "0.1.0"
__all__ = ["GAN", "GanConfig", "EvalReport", "TestResult", "UserError", "evaluate", "load_preset", "preset_names", "__version__"]

_LAZY = {"GAN": "gankit.gan", "evaluate": "gankit.metrics", "EvalReport": "gankit.metrics", "TestResult": "gankit.metrics"}


def __getattr__(name: str) -> Any:
    """Import the torch-backed names on first use and keep them as module attributes."""
    if name not in _LAZY:
        raise AttributeError(f"module 'gankit' has no attribute '{name}'")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
