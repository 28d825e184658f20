# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A synthetic table with gankit's Python API
#
# This notebook trains a GAN on a small table of people (numbers, categories, booleans and dates, with
# missing values), draws a synthetic table like it, and asks two-sample tests whether the two can be told
# apart. Open it in Jupyter (`jupytext --to notebook examples/table.py`, or Jupyter with the jupytext
# extension), or run it as a plain script from the repository's root: `python examples/table.py`.

# %% tags=["parameters"]
EPOCHS = 300  # the tabular preset's own budget; fewer epochs train faster and fit less well
DATA = "examples/people.csv"

# %%
import pandas as pd

import gankit

people = pd.read_csv(DATA)
people.head()

# %% [markdown]
# A `GAN` is built from a preset. Before training it says what it is; in a notebook it shows as a table.

# %%
gan = gankit.GAN("tabular", overrides=[f"train.epochs={EPOCHS}"], seed=0)
gan

# %% [markdown]
# `fit` learns the table. The column kinds are inferred, missing values are kept, and a progress bar shows
# the epochs and the losses as it trains.

# %%
gan.fit(people)
print(repr(gan))
gan

# %% [markdown]
# `sample` draws a new table with the same columns, order and types.

# %%
synthetic = gan.sample(len(people), seed=0)
synthetic.head()

# %% [markdown]
# `evaluate` compares generated rows with real ones: column shapes, pair trends, classifier tests and
# two-sample tests on the encoded rows. The report shows its verdict and every figure.

# %%
report = gan.evaluate(seed=0)
print(report.verdict())
report

# %% [markdown]
# A trained GAN saves to a folder and loads back, ready to sample.

# %%
import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp()) / "people-gan"
gan.save(folder)
again = gankit.GAN.load(folder)
assert again.sample(5, seed=1).equals(gan.sample(5, seed=1))
again
