"""One evaluation as plain data: the real and generated samples, the settings and which evaluation to run.

``GAN.evaluate`` draws the samples into an :class:`EvaluationTask` and runs it. The task holds
only arrays, frames and numbers, so it can also be run elsewhere: a sweep draws its members'
tasks and runs them in worker processes (``runs/sweep.py``).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal

import torch

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
        if self.kind == "images":
            from gankit.metrics.image_evaluation import evaluate_images  # noqa: PLC0415  (loads the digit classifier)

            return evaluate_images(self.real, self.fake, **settings, **self.options)
        if self.kind == "table":
            from gankit.metrics.table_evaluation import evaluate_table  # noqa: PLC0415  (pandas, scikit-learn models)

            return evaluate_table(self.real, self.fake, **self.options, **settings)
        return evaluate(self.real, self.fake, **settings, **self.options)


def run_tasks(tasks: list[EvaluationTask], workers: int = 1) -> Iterator[EvalReport]:
    """Each task's report, in the tasks' order; with ``workers`` > 1, run in that many worker processes.

    The tasks are all handed out at once, so the caller can do other work (write files) while
    the workers evaluate; each worker uses one thread (the workers share the cores). A task's
    report is the same wherever it runs.
    """
    if workers <= 1 or len(tasks) <= 1:
        yield from (task.run() for task in tasks)
        return
    context = multiprocessing.get_context("spawn")  # fork is unsafe once torch's thread pools are running
    with ProcessPoolExecutor(min(workers, len(tasks)), mp_context=context, initializer=torch.set_num_threads,
                             initargs=(1,)) as pool:
        yield from pool.map(_run, tasks)


def _run(task: EvaluationTask) -> EvalReport:
    """Worker process: one task's report (a module-level function, so that it pickles)."""
    return task.run()
