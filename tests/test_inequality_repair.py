"""A row that breaks ``a <= b`` between two number columns is moved to the midpoint (``data/inequality_repair.py``),
each column rounded to its own step, by hand."""

import numpy as np
import pandas as pd

from gankit.data.column_kinds import infer_kinds
from gankit.data.inequality_repair import can_meet, meet


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [5, 3, 7, 6, 4], "b": [4, 6, 7, 6, 4], "x": [2.3, 1.0, 0.9, 1.5, 0.5],
                         "y": [2.0, 1.0, 0.6, 2.5, 9.9], "day": pd.date_range("2020-01-01", periods=5)})


def test_a_breaking_row_meets_at_the_midpoint_rounded_to_each_columns_step():
    frame = _frame()
    specs = {spec.name: spec for spec in infer_kinds(frame)}
    met = meet(frame, [("a", "b", False), ("x", "y", False)], specs)
    # a > b only in row 0: 5 and 4 meet at 4.5, a rounded down and b up to whole numbers
    assert met["a"].tolist() == [4, 3, 7, 6, 4] and met["b"].tolist() == [5, 6, 7, 6, 4]
    # x > y in rows 0 and 2: 2.3/2.0 meet at 2.15 → 2.1 and 2.2; 0.9/0.6 at 0.75 → 0.7 and 0.8 (one decimal)
    np.testing.assert_allclose(met["x"], [2.1, 1.0, 0.7, 1.5, 0.5])
    np.testing.assert_allclose(met["y"], [2.2, 1.0, 0.8, 2.5, 9.9])
    assert dict(met.dtypes) == dict(frame.dtypes) and frame["a"].tolist() == [5, 3, 7, 6, 4]  # the input is kept


def test_a_strict_inequality_moves_the_left_side_one_step_below():
    frame = _frame()
    specs = {spec.name: spec for spec in infer_kinds(frame)}
    met = meet(frame, [("a", "b", True)], specs)
    # equal rows break a < b: 7/7 meet at 7 → 6 and 7; 5/4 at 4.5 → 4 and 5; 6/6 → 5 and 6; 4/4 → 3 and 4
    assert met["a"].tolist() == [4, 3, 6, 5, 3] and met["b"].tolist() == [5, 6, 7, 6, 4]
    assert (met["a"] < met["b"]).all()


def test_only_two_number_columns_outside_a_formula_can_be_met():
    specs = {spec.name: spec for spec in infer_kinds(_frame())}
    assert can_meet("a", "b", specs, set()) and can_meet("x", "y", specs, set())
    assert not can_meet("a", 10.0, specs, set())  # a fixed bound: clipped instead
    assert not can_meet("day", "a", specs, set())  # a date
    assert not can_meet("a", "b", specs, {"b"})  # a formula's column
