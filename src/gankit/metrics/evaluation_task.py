"""One evaluation as plain data: the real and generated samples, the settings and which evaluation to run.

``GAN.evaluate`` draws the samples into an :class:`EvaluationTask` and runs it. The task holds
only arrays, frames and numbers, so it can be run apart from its GAN: a sweep draws its
members' tasks and runs them several at a time (:func:`run_tasks`, ``runs/sweep.py``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal

import torch
from threadpoolctl import threadpool_limits

from gankit.metrics.evaluate import EvalReport, evaluate


@dataclass
class EvaluationTask:
    """``kind`` picks the evaluation: ``rows`` (:func:`~gankit.metrics.evaluate.evaluate`), ``images``
    (:func:`~gankit.metrics.image_evaluation.evaluate_images`) or ``table``
    (:func:`~gankit.metrics.table_evaluation.evaluate_table`); ``options`` are that function's own
    keyword arguments (e.g. ``truth``/``modes`` for rows, ``kinds`` for a table)."""

    kind: Literal["rows", "images", "table"]
    real: Any
    fake: Any
    permutations: int
    alpha: float
    seed: int
    options: dict[str, Any] = field(default_factory=dict)

    def run(self) -> EvalReport:
        """The evaluation's report (same result wherever it runs)."""
        settings = {"permutations": self.permutations, "alpha": self.alpha, "seed": self.seed}
        return EVALUATIONS[self.kind]()(self.real, self.fake, **settings, **self.options)


def _image_evaluation() -> Callable[..., EvalReport]:
    from gankit.metrics.image_evaluation import evaluate_images  # noqa: PLC0415  (loads the digit classifier)

    return evaluate_images


def _table_evaluation() -> Callable[..., EvalReport]:
    from gankit.metrics.table_evaluation import evaluate_table  # noqa: PLC0415  (pandas, scikit-learn models)

    return evaluate_table


EVALUATIONS: dict[str, Callable[[], Callable[..., EvalReport]]] = {
    "rows": lambda: evaluate, "images": _image_evaluation, "table": _table_evaluation,
}  # each evaluation by name, its module loaded when first run


def run_tasks(tasks: list[EvaluationTask], workers: int = 1) -> Iterator[EvalReport]:
    """Each task's report, in the tasks' order; with ``workers`` > 1, that many tasks at a time in threads.

    The tasks are all handed out at once, so the caller can do other work (write files) while
    they run. Each task then uses one thread for torch and for BLAS/OpenMP (the tasks share the
    cores; the heavy parts, torch's products and sorts and scikit-learn's neighbour searches,
    release the GIL). A task's report is the same wherever it runs.
    """
    if workers <= 1 or len(tasks) <= 1:
        yield from (task.run() for task in tasks)
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1), ThreadPoolExecutor(min(workers, len(tasks))) as pool:
            yield from pool.map(EvaluationTask.run, tasks)
    finally:
        torch.set_num_threads(before)
