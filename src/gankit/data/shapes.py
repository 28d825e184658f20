"""Procedural triangles: an image data set whose every sample can be checked exactly.

The generator
-------------
An image is ``R × R`` pixels (``R = resolution``, default 28, at least 24), one
channel, white (+1) on black (−1). Pixel ``(row i, column j)`` has its centre at
``x = j + 0.5``, ``y = i + 0.5`` (``y`` grows downwards); angles are measured from
the +x axis towards +y.

Each image shows one filled equilateral triangle with centre ``(cx, cy)``,
circumradius ``r`` and rotation ``θ``: its vertices are
``(cx + r·cos(θ + 2πk/3), cy + r·sin(θ + 2πk/3))`` for ``k = 0, 1, 2``. A pixel is
on (+1) iff its centre ``p`` lies in the closed triangle, i.e.
``(p − c)·u_k ≥ −r/2`` for all three unit vectors ``u_k`` from the centre to the
vertices (the inradius of an equilateral triangle is ``r/2``).

``sample_shapes(n, R, seed)`` draws ``u = default_rng(seed).random((n, 4))`` and sets

* ``r  = R · (0.2 + 0.2·u[:, 0])``                      (``r ∈ [0.2R, 0.4R)``)
* ``cx = r + 1 + (R − 2r − 2)·u[:, 1]``                  (the circumcircle stays
* ``cy = r + 1 + (R − 2r − 2)·u[:, 2]``                   1 pixel inside the image)
* ``θ  = (2π/3)·u[:, 3]``                                 (120° is a full turn of the triangle)

The checker
-----------
``check_shapes`` calls an image *valid* iff

1. it is nearly binary: at most ``MAX_GRAY_FRACTION`` (2 %) of its pixels have ``|v| < 0.5``;
2. binarized at 0 it has at least ``MIN_ON_FRACTION · R²`` on-pixels (half the area of
   the smallest triangle the generator draws);
3. the best-fitting triangle, re-rendered, has IoU ≥ ``MIN_IOU`` (0.85) with the
   binarized image;
4. that triangle's vertices lie inside the image (``0 ≤ x, y ≤ R``), as every
   generated one does (an all-white image otherwise fits a huge clipped triangle).

The fit: centre = centroid of the on-pixel centres; ``r`` from the area,
``count = (3√3/4)·r²``; ``θ = arg(Σ z³)/3 mod 120°`` with ``z = (x − cx) + i(y − cy)``
over the on-pixels (the third angular moment points at the vertices); then a small
coordinate search around that estimate maximises the IoU. Real samples come out
valid (IoU ≥ 0.9 in practice); discs, squares, blurred or doubled triangles do not
(their best IoU stays near 0.7–0.8). Below 24 pixels the smallest triangles cover
about 20 pixels and cannot be told from small discs, hence ``MIN_RESOLUTION``.

``shape_precision_recall`` turns this into a precision (fraction of valid images)
and a recall (coverage of the parameter space, on a grid of bins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gankit.errors import UserError

RADIUS_RANGE = (0.2, 0.4)  # circumradius as a fraction of the resolution
MARGIN = 1.0  # pixels between the circumcircle and the image border
THETA_PERIOD = 2 * math.pi / 3
AREA_FACTOR = 3 * math.sqrt(3) / 4  # area of an equilateral triangle = AREA_FACTOR · r²
MIN_RESOLUTION = 24  # below this the smallest triangles (~20 pixels) are hard to tell from discs
MAX_GRAY_FRACTION = 0.02
MIN_ON_FRACTION = 0.5 * AREA_FACTOR * RADIUS_RANGE[0] ** 2
MIN_IOU = 0.85
_CHUNK_PIXELS = 1 << 20  # images are processed in chunks of about this many pixels

# The coordinate search of the fit: (parameter, offsets) rounds, finest last.
# Centre offsets are in pixels, radius offsets relative, angle offsets in degrees.
_REFINE_STEPS = (
    (0, (-0.5, -0.25, 0.25, 0.5)),
    (1, (-0.5, -0.25, 0.25, 0.5)),
    (2, (-0.06, -0.03, 0.03, 0.06)),
    (3, (-6.0, -3.0, 3.0, 6.0)),
    (0, (-0.125, 0.125)),
    (1, (-0.125, 0.125)),
    (2, (-0.015, 0.015)),
    (3, (-1.5, 1.5)),
)


@dataclass(frozen=True)
class ShapeCheck:
    """Per image: ``valid`` (N bools), fitted ``params`` (N×4: cx, cy, r, θ; NaN where invalid) and ``iou`` (N)."""

    valid: np.ndarray
    params: np.ndarray
    iou: np.ndarray


def render_triangles(params: np.ndarray, resolution: int) -> np.ndarray:
    """N×R×R bools: pixel centres inside the triangles ``params`` (N×4: cx, cy, r, θ)."""
    params = np.asarray(params, dtype=np.float64)
    centres = np.arange(resolution) + 0.5
    dx = centres[None, None, :] - params[:, 0, None, None]
    dy = centres[None, :, None] - params[:, 1, None, None]
    half_r = -0.5 * params[:, 2, None, None]
    inside = np.ones((len(params), resolution, resolution), dtype=bool)
    for k in range(3):  # float32 sums: the N×R×R part is the hot loop of the checker
        angle = params[:, 3, None, None] + k * THETA_PERIOD
        along_x = (dx * np.cos(angle)).astype(np.float32)
        along_y = (dy * np.sin(angle) - half_r).astype(np.float32)
        inside &= along_x + along_y >= 0
    return inside


def shape_ranges(resolution: int) -> np.ndarray:
    """4×2 [low, high) of (cx, cy, r, θ) over everything the generator draws at ``resolution``."""
    r_low, r_high = (f * resolution for f in RADIUS_RANGE)
    centre = (r_low + MARGIN, resolution - r_low - MARGIN)
    return np.array([centre, centre, (r_low, r_high), (0.0, THETA_PERIOD)])


def sample_shapes(n: int, resolution: int = 28, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` triangle images (N×1×R×R float32 in {−1, +1}) and their parameters (N×4: cx, cy, r, θ)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise UserError(f"shapes: n must be a positive integer, got {n!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not MIN_RESOLUTION <= resolution <= 512:
        raise UserError(f"shapes: resolution must be an integer from {MIN_RESOLUTION} to 512, got {resolution!r}")
    u = np.random.default_rng(seed).random((n, 4))
    r = resolution * (RADIUS_RANGE[0] + (RADIUS_RANGE[1] - RADIUS_RANGE[0]) * u[:, 0])
    free = resolution - 2 * r - 2 * MARGIN
    params = np.stack([r + MARGIN + free * u[:, 1], r + MARGIN + free * u[:, 2], r, THETA_PERIOD * u[:, 3]], axis=1)
    images = np.empty((n, 1, resolution, resolution), dtype=np.float32)
    for part in _chunks(n, resolution):
        images[part, 0] = np.where(render_triangles(params[part], resolution), 1.0, -1.0)
    return images, params


def check_shapes(images: np.ndarray) -> ShapeCheck:
    """Which images are single clean triangles, and the triangle fitted to each (see the module docstring)."""
    pixels = _square_planes(images)
    n, resolution = len(pixels), pixels.shape[-1]
    params = np.full((n, 4), np.nan)
    iou = np.zeros(n)
    for part in _chunks(n, resolution):
        params[part], iou[part] = _fit(pixels[part] > 0)
    gray = (np.abs(pixels) < 0.5).mean(axis=(1, 2))
    count = (pixels > 0).sum(axis=(1, 2))
    valid = (gray <= MAX_GRAY_FRACTION) & (count >= MIN_ON_FRACTION * resolution**2) & (iou >= MIN_IOU)
    valid &= _vertices_inside(params, resolution)
    params[~valid] = np.nan
    return ShapeCheck(valid=valid, params=params, iou=iou)


def shape_precision_recall(fake_images: np.ndarray, real_params: np.ndarray, bins: int = 4) -> dict:
    """Precision (fraction of valid fakes) and recall (parameter bins of the real set the valid fakes reach).

    (cx, cy, r, θ) are each cut into ``bins`` equal bins over the generator's ranges at
    the fakes' resolution, so there are ``bins⁴`` cells; ``recall = bins_hit / bins_real``
    where ``bins_real`` counts the cells the real parameters occupy and ``bins_hit``
    those of them that at least one valid fake falls in. Rows of ``real_params`` with
    NaN (``check_shapes(real).params`` of an invalid image) are left out.
    """
    check = check_shapes(fake_images)
    resolution = _square_planes(fake_images).shape[-1]
    real_params = np.asarray(real_params, dtype=np.float64).reshape(-1, 4)
    real_params = real_params[np.isfinite(real_params).all(axis=1)]
    real_cells = set(_cells(real_params, resolution, bins).tolist())
    fake_cells = set(_cells(check.params[check.valid], resolution, bins).tolist())
    hit = len(real_cells & fake_cells)
    n = len(check.valid)
    return {
        "precision": float(check.valid.mean()) if n else 0.0,
        "recall": hit / len(real_cells) if real_cells else 0.0,
        "n": n,
        "valid": int(check.valid.sum()),
        "bins_hit": hit,
        "bins_real": len(real_cells),
    }


def _cells(params: np.ndarray, resolution: int, bins: int) -> np.ndarray:
    """The flat grid-cell index of each parameter row (values outside the ranges go to the edge bins)."""
    ranges = shape_ranges(resolution)
    values = params.copy()
    values[:, 3] %= THETA_PERIOD
    scaled = (values - ranges[:, 0]) / (ranges[:, 1] - ranges[:, 0])
    index = np.clip(np.floor(scaled * bins), 0, bins - 1).astype(np.int64)
    return np.ravel_multi_index(index.T, (bins,) * 4) if len(index) else np.zeros(0, dtype=np.int64)


def _fit(on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moment estimate of each image's triangle, refined by a coordinate search on IoU; (params N×4, IoU N)."""
    resolution = on.shape[-1]
    count = on.sum(axis=(1, 2)).astype(np.float64)
    safe = np.maximum(count, 1.0)
    centres = np.arange(resolution) + 0.5
    cx = (on.sum(axis=1) * centres).sum(axis=1) / safe
    cy = (on.sum(axis=2) * centres).sum(axis=1) / safe
    z = (centres[None, None, :] - cx[:, None, None]) + 1j * (centres[None, :, None] - cy[:, None, None])
    third_moment = (np.where(on, z**3, 0)).sum(axis=(1, 2))
    theta = (np.angle(third_moment) / 3) % THETA_PERIOD
    params = np.stack([cx, cy, np.sqrt(count / AREA_FACTOR), theta], axis=1)
    best = _iou(render_triangles(params, resolution), on)
    for column, offsets in _REFINE_STEPS:
        start = params.copy()
        for offset in offsets:
            candidate = start.copy()
            if column == 2:
                candidate[:, 2] *= 1 + offset
            else:
                candidate[:, column] += math.radians(offset) if column == 3 else offset
            score = _iou(render_triangles(candidate, resolution), on)
            better = score > best
            params[better], best[better] = candidate[better], score[better]
    params[:, 3] %= THETA_PERIOD
    return params, best


def _vertices_inside(params: np.ndarray, resolution: int) -> np.ndarray:
    """Per row of ``params``: do all three vertices lie in the image square [0, R]²?"""
    angles = params[:, 3, None] + THETA_PERIOD * np.arange(3)
    x = params[:, 0, None] + params[:, 2, None] * np.cos(angles)
    y = params[:, 1, None] + params[:, 2, None] * np.sin(angles)
    return ((x >= 0) & (x <= resolution) & (y >= 0) & (y <= resolution)).all(axis=1)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of two N×R×R boolean stacks (0 where both are empty)."""
    union = (a | b).sum(axis=(1, 2))
    return (a & b).sum(axis=(1, 2)) / np.maximum(union, 1)


def _square_planes(images: np.ndarray) -> np.ndarray:
    """N×R×R floats from N×R×R, N×1×R×R or N×3×R×R images (RGB is averaged: shapes loaded with channels = 3)."""
    pixels = np.asarray(images, dtype=np.float32)
    if pixels.ndim == 4 and pixels.shape[1] in (1, 3):
        pixels = pixels.mean(axis=1)
    if pixels.ndim != 3 or pixels.shape[1] != pixels.shape[2]:
        raise ValueError(f"shape images must be N×R×R or N×C×R×R (C = 1 or 3) with square R×R, got shape {pixels.shape}")
    return pixels


def _chunks(n: int, resolution: int) -> list[slice]:
    """Slices of at most about ``_CHUNK_PIXELS`` pixels, to bound the memory of the pixel-wise arrays."""
    size = max(1, _CHUNK_PIXELS // resolution**2)
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
