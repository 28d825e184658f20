"""Write the small example data sets that README.md's commands train on (deterministic; rerun to rebuild).

    python examples/make_examples.py

numbers.csv   500 rows of three correlated numeric columns (for `gankit train gaussian --data`)
people.csv    300 rows of mixed columns: integers, floats with NaN, categories, booleans, dates
sales.parquet 300 rows with coded categorical columns (store, zip) for `--discrete store,zip`
photos/       80 small RGB PNGs in two class folders (circles/, squares/)
faces.npy     128 grey 16×16 images as one N×H×W array
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent


def numbers(rng: np.random.Generator) -> pd.DataFrame:
    x = rng.normal(size=500)
    return pd.DataFrame({"x": x, "y": 0.8 * x + 0.3 * rng.normal(size=500), "z": rng.gamma(2.0, 1.0, size=500)}).round(4)


def people(rng: np.random.Generator) -> pd.DataFrame:
    n = 300
    income = rng.lognormal(10.5, 0.4, size=n).round(0)
    income[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "age": rng.integers(18, 80, size=n),
        "income": income,
        "city": rng.choice(["Lyon", "Porto", "Graz", "Turku"], size=n, p=[0.4, 0.3, 0.2, 0.1]),
        "member": rng.random(n) < 0.3,
        "joined": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, size=n), unit="D"),
    })


def sales(rng: np.random.Generator) -> pd.DataFrame:
    n = 300
    store = rng.integers(1, 6, size=n)
    return pd.DataFrame({"store": store, "zip": rng.choice([10115, 20095, 80331], size=n),
                         "units": rng.poisson(3 + store), "amount": (rng.gamma(2.0, 20.0, size=n)).round(2)})


def photos(rng: np.random.Generator, folder: Path) -> None:
    for kind in ("circles", "squares"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for i in range(40):
            image = Image.new("RGB", (16, 16), tuple(int(v) for v in rng.integers(0, 60, size=3)))
            draw = ImageDraw.Draw(image)
            x, y, r = (int(v) for v in (rng.integers(4, 12), rng.integers(4, 12), rng.integers(2, 5)))
            colour = tuple(int(v) for v in rng.integers(120, 256, size=3))
            (draw.ellipse if kind == "circles" else draw.rectangle)([x - r, y - r, x + r, y + r], fill=colour)
            image.save(folder / kind / f"{i:02d}.png")


def faces(rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[:16, :16]
    centres = rng.uniform(5, 11, size=(128, 2))
    return np.stack([np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 12.0) for cx, cy in centres]).astype(np.float32)


def main() -> None:
    rng = np.random.default_rng(15)
    numbers(rng).to_csv(HERE / "numbers.csv", index=False)
    people(rng).to_csv(HERE / "people.csv", index=False)
    sales(rng).to_parquet(HERE / "sales.parquet", index=False)
    photos(rng, HERE / "photos")
    np.save(HERE / "faces.npy", faces(rng))


if __name__ == "__main__":
    main()
