"""Nearest real neighbours of generated images: the grid geometry, the search and the server's strip."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from gankit.data.atomic_npz import write_npz
from gankit.report.image_grid import GRIDS
from gankit.report.image_neighbours import nearest, neighbour_strip, save_real_images, tile_at


def test_tile_at_follows_the_grid_layout():
    # 5 tiles of 4×4 pixels in 3 columns with 2 px padding: the grid is 3·6+2 = 20 wide, 2·6+2 = 14 high
    assert tile_at(5, 4, 4, 3, fx=3 / 20, fy=3 / 14) == 0  # inside the first tile (pixels 2–5)
    assert tile_at(5, 4, 4, 3, fx=9 / 20, fy=9 / 14) == 4  # second row, second column
    assert tile_at(5, 4, 4, 3, fx=1 / 20, fy=3 / 14) is None  # the left padding
    assert tile_at(5, 4, 4, 3, fx=7 / 20, fy=3 / 14) is None  # the padding between tiles 0 and 1 (pixels 6–7)
    assert tile_at(5, 4, 4, 3, fx=15 / 20, fy=9 / 14) is None  # the empty sixth place


def test_nearest_finds_a_planted_copy_first_with_distance_zero():
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, size=(50, 4, 4, 1), dtype=np.uint8)
    order, distances = nearest(real[17], real, k=3)
    assert order[0] == 17 and distances[0] == 0.0
    brute = np.sqrt(((real.astype(float) - real[17].astype(float)) ** 2).reshape(50, -1).sum(1))
    assert np.allclose(distances, np.sort(brute)[:3])


def _fake_run(tmp_path):
    rng = np.random.default_rng(1)
    real = rng.integers(0, 256, size=(30, 6, 6, 1), dtype=np.uint8)
    samples = real[[3, 9, 12, 20]]  # 4 samples that copy training images, in 2 columns
    (tmp_path / GRIDS).mkdir(parents=True)
    write_npz(tmp_path / GRIDS / "epoch-000001.npz", {"samples": samples, "columns": np.array(2)})
    save_real_images(real, tmp_path, seed=0)
    return real, samples


def test_the_strip_shows_the_sample_then_its_nearest_training_image(tmp_path):
    real, samples = _fake_run(tmp_path)
    strip = Image.open(io.BytesIO(neighbour_strip(tmp_path, 1, fx=0.75, fy=0.75)))  # tile 3: a copy of real[20]
    pixels = np.asarray(strip)
    assert strip.width >= 384 and pixels.ndim == 2
    factor = strip.width // (6 * (6 + 2) + 2)
    first, second = (pixels[2 * factor : 8 * factor : factor, left * factor : (left + 6) * factor : factor]
                     for left in (2, 10))
    assert np.array_equal(first, samples[3, :, :, 0]) and np.array_equal(second, real[20, :, :, 0])
    assert neighbour_strip(tmp_path, 1, fx=0.01, fy=0.01) is None  # padding
    assert neighbour_strip(tmp_path, 7, fx=0.5, fy=0.5) is None  # no such epoch


def test_a_large_image_set_is_sampled_within_the_byte_budget(tmp_path, monkeypatch):
    import gankit.report.image_neighbours as neighbours

    monkeypatch.setattr(neighbours, "MAX_REAL_BYTES", 36 * 10)
    save_real_images(np.zeros((100, 6, 6, 1), np.uint8), tmp_path, seed=0)
    with np.load(tmp_path / neighbours.REAL) as saved:
        assert saved["images"].shape == (10, 6, 6, 1)


def test_the_server_answers_a_click_with_a_png_and_a_miss_with_404(tmp_path):
    from gankit.view.hub import Hub
    from gankit.view.server import ViewServer

    _fake_run(tmp_path)
    server = ViewServer(tmp_path, Hub()).start()
    try:
        with urllib.request.urlopen(f"{server.url}neighbours?run=&epoch=1&x=0.25&y=0.25") as reply:
            assert reply.headers["Content-Type"] == "image/png" and reply.read().startswith(b"\x89PNG")
        with pytest.raises(urllib.error.HTTPError) as missed:
            urllib.request.urlopen(f"{server.url}neighbours?run=&epoch=1&x=0.0&y=0.0")
        assert missed.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(f"{server.url}neighbours?run=../..&epoch=1&x=0.25&y=0.25")
        assert outside.value.code == 404
    finally:
        server.close()
