"""Conditions for conditional sampling (``data/where.py``): parsed without eval, merged per column, checked against
the fitted columns, and each row judged against them — on a hand-made table with hand-computed answers."""

import math

import numpy as np
import pandas as pd
import pytest

from gankit.data.column_kinds import infer_kinds
from gankit.data.where import parse_where
from gankit.errors import UserError

FRAME = pd.DataFrame({
    "island": ["Biscoe", "Dream", "Biscoe", "Torgersen", "Dream", "Biscoe"] * 5,
    "mass": [3000.0, 4100.0, 4500.0, 3900.0, 5200.0, 4000.0] * 5,
    "flippers": [180, 190, 200, 210, 220, 230] * 5,
    "rating": [1, 2, 3, 4, 5, 3] * 5,  # few whole values: a categorical column of numbers
    "member": [True, False, True, False, False, True] * 5,
})
SPECS = infer_kinds(FRAME, overrides={"mass": "continuous", "rating": "categorical"})


def held(where) -> list[int]:
    """The rows of the first six (one period of FRAME) that meet ``where``."""
    return np.flatnonzero(parse_where(where, SPECS).mask(FRAME.iloc[:6])).tolist()


def test_the_table_has_the_kinds_the_tests_assume():
    assert {spec.name: spec.kind for spec in SPECS} == {
        "island": "categorical", "mass": "continuous", "flippers": "integer", "rating": "categorical", "member": "boolean"}


@pytest.mark.parametrize("where, rows", [
    ("island=Biscoe", [0, 2, 5]),
    ("island == Dream", [1, 4]),
    ("island in Dream,Torgersen", [1, 3, 4]),
    ("mass>4000", [1, 2, 4]),
    ("mass>=4000", [1, 2, 4, 5]),
    ("mass<3900", [0]),
    ("mass<=3900", [0, 3]),
    ("4000<=mass<4500", [1, 5]),
    ("4000<mass<=4500", [1, 2]),
    ("flippers=200", [2]),
    ("flippers in 190,230", [1, 5]),
    ("rating>=4", [3, 4]),
    ("rating=3", [2, 5]),
    ("member=true", [0, 2, 5]),
    ("member=False", [1, 3, 4]),
    (["island=Biscoe", "mass>3500"], [2, 5]),
    (["mass>3500", "mass<4200"], [1, 3, 5]),
    (["island in Biscoe,Dream", "island in Dream,Torgersen"], [1, 4]),
    ({"island": "Biscoe", "mass": {">": 3500, "<=": 4000}}, [5]),
    ({"island": ["Dream", "Torgersen"], "member": False, "flippers": {">=": 200}}, [3, 4]),
    ({"island": {"in": ["Biscoe"]}, "rating": 3}, [2, 5]),
])
def test_each_form_selects_the_rows_computed_by_hand(where, rows):
    assert held(where) == rows


def test_conditions_on_one_column_merge_into_one():
    where = parse_where(["mass>3500", "mass<=4500", "island=Biscoe"], SPECS)
    mass, island = where.conditions
    assert (mass.low, mass.low_closed, mass.high, mass.high_closed) == (3500, False, 4500, True)
    assert island.values == ("Biscoe",) and mass.text == "mass>3500 and mass<=4500"
    tighter = parse_where(["mass>=4000", "mass>4000"], SPECS).conditions[0]
    assert (tighter.low, tighter.low_closed, tighter.high) == (4000, False, math.inf)


def test_a_missing_value_meets_no_condition():
    frame = pd.DataFrame({"mass": [np.nan, 4200.0], "island": [np.nan, "Biscoe"]})
    specs = infer_kinds(pd.DataFrame({"mass": [3000.0, np.nan, 5000.0] * 10, "island": ["Biscoe", np.nan, "Dream"] * 10}),
                        overrides={"mass": "continuous"})
    assert parse_where("mass>0", specs).mask(frame).tolist() == [False, True]
    assert parse_where("island in Biscoe,Dream", specs).mask(frame).tolist() == [False, True]


@pytest.mark.parametrize("where, words", [
    ("beak>3", ["no column 'beak'", "island, mass, flippers, rating, member"]),
    ("island=Atlantis", ["'Atlantis' never occurs in column 'island'", "estimated rate 0", "Biscoe, Dream, Torgersen"]),
    ("island in Dream,Atlantis", ["'Atlantis' never occurs"]),
    ("island>3", ["column 'island' holds categories, which take = or in"]),
    ("mass>heavy", ["'heavy' is not a number", "column 'mass'", "3000 to 5200"]),
    ("mass>6000", ["never met", "estimated rate 0", "from 3000 to 5200"]),
    ("mass<3000", ["never met", "from 3000 to 5200"]),
    ("4500<mass<4000", ["never met"]),
    (["island=Biscoe", "island=Dream"], ["never met", "island=Biscoe and island=Dream"]),
    ("rating>5", ["no value of column 'rating' is > 5", "estimated rate 0"]),
    ("member=maybe", ["'maybe' never occurs in column 'member'", "False, True"]),
    ("island ~ Biscoe", ["not a condition", "=, in, >, >=, <, <="]),
    ({"mass": {"!=": 3}}, ["unknown operator '!='"]),
    ([], ["no condition given"]),
])
def test_a_bad_condition_is_one_line_naming_it(where, words):
    with pytest.raises(UserError) as caught:
        parse_where(where, SPECS)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_the_string_is_never_evaluated():
    with pytest.raises(UserError, match="is not a number"):
        parse_where("mass>__import__('os').getcwd()", SPECS)


DATED = pd.DataFrame({"joined": ["2019-12-31", "2020-01-01", "2020-06-15", None, "2021-03-02", "2018-07-04"] * 5})
DATED_SPECS = infer_kinds(DATED)


@pytest.mark.parametrize("where, rows", [
    ("joined>=2020-01-01", [1, 2, 4]),
    ("joined>2020-01-01", [2, 4]),
    ("joined<2020-01-01", [0, 5]),
    ("2019-12-31<=joined<2020-06-15", [0, 1]),
    ("joined>=2020-01-01 12:00", [2, 4]),  # a bound between two days of a column counted in days
    ("joined in 2018-07-04,2021-03-02", [4, 5]),
    ({"joined": {">": pd.Timestamp("2020-01-01"), "<=": "2021-01-01"}}, [2]),
])
def test_a_date_column_takes_bounds_written_as_dates(where, rows):
    assert DATED_SPECS[0].kind == "datetime"
    assert np.flatnonzero(parse_where(where, DATED_SPECS).mask(DATED.iloc[:6])).tolist() == rows


@pytest.mark.parametrize("where, words", [
    ("joined>=soon", ["'soon' is not a date", "from 2018-07-04 to 2021-03-02", "joined>=2018-07-04"]),
    ("joined>3", ["'3' is not a date"]),
    ("joined>2022-01-01", ["never met", "estimated rate 0", "ranges from 2018-07-04 to 2021-03-02"]),
])
def test_a_bad_date_condition_is_one_line_naming_it(where, words):
    with pytest.raises(UserError) as caught:
        parse_where(where, DATED_SPECS)
    assert "\n" not in str(caught.value) and all(word in str(caught.value) for word in words)
