"""A row whose combination of categories was never seen gets one value redrawn from the seen combinations that
agree with it on the other columns (``data/combination_repair.py``), by hand."""

import numpy as np
import pandas as pd

from gankit.data.combination_repair import redraw

SEEN = [("FR", "Paris"), ("FR", "Lyon"), ("DE", "Berlin")]
COUNTS = [30, 10, 60]


def _keys(frame: pd.DataFrame) -> list[tuple]:
    return list(frame[["country", "city"]].itertuples(index=False, name=None))


def test_a_seen_combination_is_left_and_a_broken_one_gets_a_seen_one():
    frame = pd.DataFrame({"country": ["FR", "DE", "FR", "PT"], "city": ["Lyon", "Paris", "Berlin", "Porto"], "n": [1, 2, 3, 4]})
    repaired = redraw(frame, ["country", "city"], _keys(frame), SEEN, COUNTS, np.random.default_rng(0))
    assert repaired.iloc[0].tolist() == ["FR", "Lyon", 1] and repaired["n"].tolist() == [1, 2, 3, 4]
    # DE/Paris: either country becomes FR (the only country seen with Paris) or city becomes Berlin (DE's only city)
    assert tuple(repaired.iloc[1, :2]) in {("FR", "Paris"), ("DE", "Berlin")}
    # FR/Berlin: either country becomes DE or city becomes Paris or Lyon
    assert tuple(repaired.iloc[2, :2]) in {("DE", "Berlin"), ("FR", "Paris"), ("FR", "Lyon")}
    # PT/Porto: no seen combination agrees with PT or with Porto: left for rejection
    assert tuple(repaired.iloc[3, :2]) == ("PT", "Porto")
    assert frame["city"].tolist() == ["Lyon", "Paris", "Berlin", "Porto"]  # the input is kept


def test_a_redrawn_value_follows_how_often_each_combination_was_seen():
    frame = pd.DataFrame({"country": ["FR"] * 4000, "city": ["Berlin"] * 4000})
    repaired = redraw(frame, ["country", "city"], _keys(frame), SEEN, COUNTS, np.random.default_rng(1))
    # half the rows redraw the city given FR: Paris 30 : Lyon 10; the other half the country given Berlin: DE only
    city_redrawn = repaired["country"].eq("FR")
    assert abs(city_redrawn.mean() - 0.5) < 0.03
    assert abs(repaired.loc[city_redrawn, "city"].eq("Paris").mean() - 0.75) < 0.03
    assert repaired.loc[~city_redrawn, "city"].eq("Berlin").all() and repaired.loc[~city_redrawn, "country"].eq("DE").all()
