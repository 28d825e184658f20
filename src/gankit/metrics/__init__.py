"""Metrics: functions of (real, fake) returning small result records."""

from gankit.metrics.evaluate import EvalReport, evaluate
from gankit.metrics.result import TestResult

__all__ = ["evaluate", "EvalReport", "TestResult"]
