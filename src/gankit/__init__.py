"""gankit: train GANs on your data and judge them with two-sample tests.

>>> import gankit
>>> gan = gankit.GAN("d2l-gaussian", overrides=["train.epochs=1"]).fit()
>>> report = gankit.evaluate(gan.real_rows().values, gan.sample(500, seed=1))
"""

from gankit.config import GanConfig, load_config as load_preset, preset_names
from gankit.errors import UserError
from gankit.gan import GAN
from gankit.metrics import EvalReport, TestResult, evaluate

__version__ = "0.1.0"
__all__ = ["GAN", "GanConfig", "EvalReport", "TestResult", "UserError", "evaluate", "load_preset", "preset_names", "__version__"]
