"""Figures and printed summaries, drawn from a run's files."""
