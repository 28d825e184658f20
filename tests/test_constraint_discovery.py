"""``gankit inspect``: the constraints that hold on a hand-made table are found (and the ones that do not, not), the
snippet loads as a config, and ``--write-config`` accepts them in one step."""

import numpy as np
import pandas as pd
import tomllib

from gankit.config import load_config
from gankit.data.column_kinds import infer_kinds
from gankit.data.constraint_discovery import discover_constraints, suggestions_toml
from gankit.data.constraints import fit_constraints


def trips(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    start = rng.uniform(0, 50, n).round(1)
    fare = rng.uniform(5, 30, n).round(2)
    tip = rng.uniform(0, 5, n).round(2)
    country = rng.choice(["FR", "DE"], n)
    city = np.where(country == "FR", rng.choice(["Paris", "Lyon"], n), rng.choice(["Berlin", "Bonn"], n))
    return pd.DataFrame({
        "start": start, "end": (start + rng.uniform(1, 20, n)).round(1),  # start <= end, ranges overlapping
        "share": rng.uniform(0.05, 0.99, n).round(3),  # within 0 and 1
        "fare": fare, "tip": tip, "paid": (fare + tip).round(2),  # paid = fare + tip
        "delta": rng.normal(0, 1, n),  # takes both signs: no range
        "country": country, "city": city,  # Paris/Lyon only in FR, Berlin/Bonn only in DE
        "rain": rng.choice(["yes", "no"], n),  # independent of the rest
    })


def found(frame: pd.DataFrame) -> list:
    return [suggestion.entry for suggestion in discover_constraints(frame, infer_kinds(frame))]


def test_the_constraints_that_hold_are_found_and_only_those():
    entries = found(trips())
    assert {"inequality": "start <= end"} in entries
    assert {"formula": "paid = fare + tip"} in entries
    assert {"combinations": ["country", "city"]} in entries
    assert {"range": "0 <= share <= 1"} in entries and {"range": "start >= 0"} in entries
    texts = [str(entry) for entry in entries]
    assert not any("delta" in text or "rain" in text for text in texts)
    assert {"inequality": "tip <= fare"} not in entries  # never crossing, but on ranges that barely overlap
    kinds = [next(iter(entry)) for entry in entries]
    assert kinds.index("inequality") < kinds.index("combinations") < kinds.index("range")  # transforms go first


def test_an_inequality_implied_by_two_others_is_left_out():
    frame = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) + 1.5, "c": np.arange(40.0) + 3.25})
    inequalities = [entry for entry in found(frame) if "inequality" in entry]
    assert inequalities == [{"inequality": "a <= b"}, {"inequality": "b <= c"}]


def test_every_suggestion_holds_on_the_data_and_the_snippet_loads_as_a_config(tmp_path):
    frame = trips()
    suggestions = discover_constraints(frame, infer_kinds(frame))
    fit_constraints([s.entry for s in suggestions], frame, infer_kinds(frame), "trips.csv")  # raises if one broke
    snippet = suggestions_toml(suggestions, "trips.csv")
    assert tomllib.loads(snippet)["tabular"]["constraints"] == [s.entry for s in suggestions]
    assert "# start <= end on all 200 rows with both\n[[tabular.constraints]]\ninequality = \"start <= end\"" in snippet


def test_cli_inspect_prints_the_snippet_and_writes_a_config_in_one_step(cli, tmp_path):
    data = tmp_path / "trips.csv"
    trips().to_csv(data, index=False)
    printed = cli("inspect", str(data))
    assert printed.code == 0, printed.stderr
    assert "[[tabular.constraints]]" in printed.stdout and 'formula = "paid = fare + tip"' in printed.stdout

    config = tmp_path / "trips.toml"
    written = cli("inspect", str(data), "--write-config", str(config))
    assert written.code == 0, written.stderr
    assert f"train with: gankit train {config} --data {data}" in " ".join(written.stdout.split())
    loaded = load_config(str(config))
    assert loaded.model.kind == "tabular" and {"inequality": "start <= end"} in [
        {key: value for key, value in entry.model_dump().items() if value} for entry in loaded.tabular.constraints]
    again = cli("inspect", str(data), "--write-config", str(config))  # appended to an existing config
    assert again.code == 0 and len(load_config(str(config)).tabular.constraints) == 2 * len(loaded.tabular.constraints)


def test_cli_inspect_refuses_a_config_it_cannot_extend_and_leaves_it_alone(cli, tmp_path):
    data = tmp_path / "trips.csv"
    trips().to_csv(data, index=False)
    config = tmp_path / "broken.toml"
    config.write_text("[train]\nepochs = 'many'\n")
    result = cli("inspect", str(data), "--write-config", str(config))
    assert result.code == 2 and result.stderr.strip().count("\n") == 0 and "would not load" in result.stderr
    assert config.read_text() == "[train]\nepochs = 'many'\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        "broken.toml", "trips.csv"]
    missing = cli("inspect", str(tmp_path / "nothing.csv"))
    assert missing.code == 2 and "nothing.csv" in missing.stderr
