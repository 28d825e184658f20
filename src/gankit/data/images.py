"""Image data sets as one float32 array N×C×H×W in [−1, 1] (C = 1 grayscale or 3 RGB).

``load_images(source)`` reads any of:

* a **folder** of .png/.jpg/.jpeg/.webp files (suffixes in any case), searched
  recursively in sorted path order; files and folders whose name starts with "."
  and files with other suffixes are ignored. When every image lies inside an
  immediate subfolder, each subfolder is a class (labels follow the sorted
  subfolder names); images in the folder itself mean no labels.
  Unreadable images (empty, truncated, not an image) stop the load, or with
  ``on_bad="skip"`` are skipped and listed.
  Modes: 16-bit grayscale is scaled to 8 bits; transparency is composited onto
  black; palette images count as colour. The result is grayscale when every image
  is, else RGB, unless ``channels`` says otherwise.
  Sizes: non-square images are center-cropped to a square, then everything is
  resized (Pillow, Lanczos) to ``resolution``; without a ``resolution`` the size is
  kept when all images share one square size, else it is the most common
  ``min(width, height)`` (ties: the smaller).
* a **.npy / .npz** array: N×H×W, N×H×W×C (C = 1, 3, or 4 whose alpha is dropped) or
  N×C×H×W (C = 1 or 3, when the last axis is not 1, 3 or 4); uint8 0–255, or floats
  in [0, 1] or [−1, 1] (another range is an error). An .npz holds ``images`` (or ``x``)
  and optionally ``labels`` (or ``y``), or a single array. Non-square arrays are
  center-cropped; sizes ≠ ``resolution`` are resized (bicubic, antialiased).
* **digits**: scikit-learn's 1,797 8×8 digits (0–16, labels 0–9), upscaled bilinearly
  to ``resolution`` when that is given.
* **shapes**: ``n`` procedural triangles (``gankit.data.shapes``) at ``resolution``
  (default 28) from ``seed``.

The built-in names win over a folder of the same name; write ``./digits`` for the folder.
Everything the loader changed (conversions, resizes, skips) is reported in ``notices``.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFile, UnidentifiedImageError

from gankit.atomic_write import atomic_write
from gankit.data.frame_io import check_array_file
from gankit.data.shapes import sample_shapes
from gankit.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
BUILTIN_SOURCES = ("digits", "shapes")
MIN_RESOLUTION, MAX_RESOLUTION = 8, 512
DEFAULT_SHAPES = 10_000
_GRAY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_WIDE_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}  # more than 8 bits per pixel
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601-2, as Pillow's "L"
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class ImageSet:
    """Images N×C×H×W float32 in [−1, 1], optional int64 class labels, and what loading them changed."""

    images: np.ndarray
    labels: np.ndarray | None
    class_names: list[str]
    origin: str
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def load_images(
    source: str,
    resolution: int | None = None,
    channels: int | None = None,
    on_bad: str = "error",
    seed: int = 0,
    n: int | None = None,
) -> ImageSet:
    """Read a folder, an .npy/.npz file, ``digits`` or ``shapes`` (``n`` and ``seed`` are for shapes only)."""
    _check_options(resolution, channels, on_bad)
    if source in BUILTIN_SOURCES:
        return _load_digits(resolution, channels) if source == "digits" else _load_shapes(n, resolution, channels, seed)
    path = Path(source)
    if path.is_dir():
        return _load_folder(path, resolution, channels, on_bad)
    if path.is_file() and path.suffix.lower() in (".npy", ".npz"):
        return _load_array_file(path, resolution, channels)
    if path.exists():
        raise UserError(f"{path}: unsupported file type '{path.suffix}'; expected a folder of images or a .npy/.npz file")
    raise UserError(
        f"{path}: no such file or folder; expected a folder of images, a .npy/.npz file, or one of: "
        + ", ".join(BUILTIN_SOURCES)
    )


def to_uint8(images: np.ndarray) -> np.ndarray:
    """N×C×H×W values in [−1, 1] → N×H×W×C uint8 (−1 → 0, +1 → 255; outside values are clipped, NaN → 128)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must be N×C×H×W with C = 1 or 3, got shape {images.shape}")
    scaled = np.clip(np.rint((np.nan_to_num(images, nan=0.0) + 1.0) * 127.5), 0, 255)
    return scaled.astype(np.uint8).transpose(0, 2, 3, 1)


def write_pngs(images: np.ndarray, folder: Path, prefix: str = "sample") -> list[Path]:
    """Write ``PREFIX-00000.png``, … into ``folder`` (created if missing); each via a hidden temp file and a rename."""
    pixels = to_uint8(images)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"{folder}: cannot create the output folder ({error.strerror or error})") from None
    paths = []
    for index, image in enumerate(pixels):
        path = folder / f"{prefix}-{index:05d}.png"
        picture = Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)
        paths.append(atomic_write(path, lambda temporary: picture.save(temporary, format="PNG")))
    return paths


# ----------------------------------------------------------------------------- options


def _check_options(resolution: int | None, channels: int | None, on_bad: str) -> None:
    """UserErrors for a resolution outside 8…512, channels other than 1 or 3, on_bad other than error/skip."""
    if resolution is not None and (
        isinstance(resolution, bool) or not isinstance(resolution, int) or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION
    ):
        raise UserError(f"data.resolution: expected an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}, got {resolution!r}")
    if channels not in (None, 1, 3) or isinstance(channels, bool):
        raise UserError(f"data.channels: expected 1 (grayscale) or 3 (RGB), got {channels!r}")
    if on_bad not in ("error", "skip"):
        raise UserError(f"data.on_bad_image: expected 'error' or 'skip', got {on_bad!r}")


# ----------------------------------------------------------------------------- folders


def _load_folder(folder: Path, resolution: int | None, channels: int | None, on_bad: str) -> ImageSet:
    """Read, convert and resize every image under ``folder`` (see the module docstring)."""
    paths = _image_paths(folder)
    if not paths:
        raise UserError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) found")
    notices: list[str] = []
    read, skipped = _read_all(paths, on_bad)
    if skipped:
        notices.append(f"skipped {len(skipped)} unreadable image(s), first: {skipped[0]}")
    if not read:
        raise UserError(f"{folder}: no readable images ({len(skipped)} unreadable skipped, first: {skipped[0]})")
    kept = [path for path, _, _ in read]
    labels, class_names = _folder_labels(folder, kept, notices)
    originals = [mode for _, mode, _ in read]
    images = [image for _, _, image in read]
    images = _convert_modes(images, originals, channels, notices)
    pixels = _resize_all(images, resolution, notices)
    return ImageSet(_from_uint8(pixels), labels, class_names, str(folder), [str(p) for p in skipped], notices)


def _image_paths(folder: Path) -> list[Path]:
    """Image files under ``folder``, sorted, leaving out hidden files and anything inside hidden folders."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def _folder_labels(folder: Path, paths: list[Path], notices: list[str]) -> tuple[np.ndarray | None, list[str]]:
    """Labels from the immediate subfolders when every image lies in one, else no labels."""
    tops = [path.relative_to(folder).parts[0] if len(path.relative_to(folder).parts) > 1 else None for path in paths]
    if all(top is None for top in tops):
        return None, []
    if any(top is None for top in tops):
        notices.append(f"images both in {folder} and in its subfolders: loaded without class labels")
        return None, []
    class_names, labels = np.unique(np.array(tops), return_inverse=True)
    return labels.astype(np.int64), [str(name) for name in class_names]


def _read_all(paths: list[Path], on_bad: str) -> tuple[list[tuple[Path, str, Image.Image]], list[Path]]:
    """(path, original mode, 8-bit "L" or "RGB" image) of each readable file, and the skipped paths."""
    read, skipped = [], []
    for path in paths:
        try:
            mode, image = _read_image(path)
        except _READ_ERRORS as error:
            if on_bad == "error":
                raise UserError(
                    f"{path}: unreadable image ({_reason(path, error)}); "
                    "set the config option data.on_bad_image=\"skip\" to skip such files"
                ) from None
            skipped.append(path)
            continue
        read.append((path, mode, image))
    return read, skipped


def _read_image(path: Path) -> tuple[str, Image.Image]:
    """Decode one file fully (``load()`` finds truncation) into an 8-bit "L" or "RGB" image; also its original mode."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is set; truncated images would load silently")
    with Image.open(path) as image:
        image.load()
        return image.mode, _as_8bit(image)


def _as_8bit(image: Image.Image) -> Image.Image:
    """16-bit grayscale → "L" (÷257); transparency composited onto black; other grays → "L", colours → "RGB"."""
    if image.mode in _WIDE_MODES:
        values = np.asarray(image, dtype=np.float64) / 257.0
        return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
    gray = image.mode in _GRAY_MODES
    if image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in image.info:
        with_alpha = np.asarray(image.convert("LA" if gray else "RGBA"), dtype=np.float32)
        values = with_alpha[..., :-1] * (with_alpha[..., -1:] / 255.0)
        values = np.rint(values).astype(np.uint8)
        return Image.fromarray(values[..., 0] if gray else values)
    return image.convert("L" if gray else "RGB")


def _reason(path: Path, error: Exception) -> str:
    """A short one-line reason why Pillow could not read ``path``."""
    if path.stat().st_size == 0:
        return "empty file"
    if isinstance(error, UnidentifiedImageError):
        return "not a recognised image format"
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _convert_modes(images: list[Image.Image], originals: list[str], channels: int | None, notices: list[str]) -> list[Image.Image]:
    """All images in one mode: "L" when ``channels`` is 1 or every original was grayscale, else "RGB"."""
    if channels is None:
        channels = 1 if all(mode in _GRAY_MODES for mode in originals) else 3
    target = "L" if channels == 1 else "RGB"
    changed = [mode for mode in originals if mode != target]
    if changed:
        notices.append(
            f"{len(changed)} image(s) converted from {', '.join(sorted(set(changed)))} to "
            + ("grayscale (L)" if channels == 1 else "RGB")
        )
    return [image if image.mode == target else image.convert(target) for image in images]


def _resize_all(images: list[Image.Image], resolution: int | None, notices: list[str]) -> np.ndarray:
    """Center-crop non-square images and resize to the common side (Lanczos); N×H×W or N×H×W×3 uint8."""
    sizes = [image.size for image in images]
    side = resolution or _common_side(sizes)
    resized = [size != (side, side) for size in sizes]
    if any(resized):
        cropped = sum(width != height for width, height in sizes)
        notices.append(
            f"{sum(resized)} image(s) resized to {side}×{side}"
            + (f" ({cropped} non-square one(s) center-cropped first)" if cropped else "")
            + ("" if resolution else " because sizes differed; set data.resolution to choose the size")
        )
    return np.stack([np.asarray(_fit_square(image, side)) for image in images])


def _common_side(sizes: list[tuple[int, int]]) -> int:
    """The side of one shared square size, else the most common ``min(width, height)`` (ties: the smallest)."""
    if len(set(sizes)) == 1 and sizes[0][0] == sizes[0][1]:
        return sizes[0][0]
    counts = Counter(min(size) for size in sizes)
    return min(counts, key=lambda side: (-counts[side], side))


def _fit_square(image: Image.Image, side: int) -> Image.Image:
    """The central square of ``image`` resized to ``side × side`` (unchanged when it already is)."""
    width, height = image.size
    if (width, height) == (side, side):
        return image
    crop = min(width, height)
    left, top = (width - crop) // 2, (height - crop) // 2
    return image.resize((side, side), Image.Resampling.LANCZOS, box=(left, top, left + crop, top + crop))


def _from_uint8(pixels: np.ndarray) -> np.ndarray:
    """N×H×W or N×H×W×C uint8 → N×C×H×W float32 with 0 → −1 and 255 → +1."""
    if pixels.ndim == 3:
        pixels = pixels[..., None]
    return (pixels.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(127.5)) - np.float32(1.0)


# ----------------------------------------------------------------------------- arrays


def _load_array_file(path: Path, resolution: int | None, channels: int | None) -> ImageSet:
    """Images (and labels) from an .npy or .npz file, checked, scaled to [−1, 1] and resized."""
    raw, raw_labels = _read_arrays(path)
    notices: list[str] = []
    images = _as_nchw(raw, path, notices)
    labels, class_names = _array_labels(raw_labels, len(images), path)
    images = _scale_values(images, path)
    images = _set_channels(images, channels, notices)
    images = _square_and_resize(images, resolution, "bicubic", notices)
    return ImageSet(images, labels, class_names, str(path), [], notices)


def _read_arrays(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """(images, labels or None) from an .npy file or an .npz archive; never unpickles."""
    try:
        check_array_file(path)  # headers and decompressed sizes, before anything is allocated
        with open(path, "rb") as handle:
            loaded = np.load(handle, allow_pickle=False)
            if isinstance(loaded, np.ndarray):
                return loaded, None
            with loaded:
                return _pick_arrays(loaded, path)
    except UserError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        reason = " ".join(str(error).split())
        raise UserError(f"{path}: not a readable .npy/.npz array file without pickled objects ({reason})") from None


def _pick_arrays(archive, path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """``images``/``x`` and ``labels``/``y`` from an .npz, or its only array."""
    names = list(archive.files)
    image_key = next((key for key in ("images", "x") if key in names), None)
    if image_key is None:
        if len(names) != 1:
            raise UserError(
                f"{path}: holds arrays {', '.join(names) or '(none)'}; expected 'images' (or 'x') with optional "
                "'labels' (or 'y'), or a single array"
            )
        image_key = names[0]
    label_key = next((key for key in ("labels", "y") if key in names), None)
    return archive[image_key], archive[label_key] if label_key else None


def _as_nchw(array: np.ndarray, path: Path, notices: list[str]) -> np.ndarray:
    """N×H×W, N×H×W×C or N×C×H×W numbers as N×C×H×W (an alpha channel dropped)."""
    if array.dtype.kind not in "biuf":
        raise UserError(f"{path}: expected an array of numbers, got dtype {array.dtype}")
    if array.ndim == 3:
        array = array[:, None]
    elif array.ndim == 4 and array.shape[3] in (1, 3, 4):
        if array.shape[3] == 4:
            notices.append(f"alpha channel dropped from {len(array)} image(s) (RGBA → RGB)")
            array = array[..., :3]
        array = array.transpose(0, 3, 1, 2)
    elif not (array.ndim == 4 and array.shape[1] in (1, 3)):
        raise UserError(
            f"{path}: array of shape {array.shape}; expected N×H×W, N×H×W×C (C = 1, 3 or 4) or N×C×H×W (C = 1 or 3)"
        )
    if 0 in array.shape:
        raise UserError(f"{path}: array of shape {array.shape} holds no images")
    return array


def _scale_values(array: np.ndarray, path: Path) -> np.ndarray:
    """uint8 0–255 (or integers within it), floats in [0, 1] or in [−1, 1] → float32 in [−1, 1]."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise UserError(f"{path}: contains NaN or infinite values")
    low, high = float(array.min()), float(array.max())
    if array.dtype.kind in "iu":
        if low < 0 or high > 255:
            raise UserError(f"{path}: integer values range from {low:g} to {high:g}; expected 0–255")
        return array.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    tolerance = 1e-4
    values = array.astype(np.float32)
    if low >= -tolerance and high <= 1 + tolerance:
        return np.clip(values * 2 - 1, -1, 1)
    if low >= -1 - tolerance and high <= 1 + tolerance:
        return np.clip(values, -1, 1)
    raise UserError(
        f"{path}: values range from {low:g} to {high:g}; expected uint8 0–255, floats in [0, 1] or floats in [-1, 1]"
    )


def _array_labels(labels: np.ndarray | None, n: int, path: Path) -> tuple[np.ndarray | None, list[str]]:
    """Integer labels, one per image, as indices into their sorted distinct values (the class names)."""
    if labels is None:
        return None, []
    if labels.dtype.kind not in "iu" or labels.shape != (n,):
        raise UserError(f"{path}: labels must be {n} integers (one per image), got dtype {labels.dtype} shape {labels.shape}")
    values, index = np.unique(labels, return_inverse=True)
    return index.astype(np.int64), [str(value) for value in values]


# ----------------------------------------------------------------------------- built-in sets


def _load_digits(resolution: int | None, channels: int | None) -> ImageSet:
    """scikit-learn's 8×8 digits, 0–16 scaled to [−1, 1], upscaled bilinearly when ``resolution`` ≠ 8."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images.astype(np.float32) / np.float32(8.0) - np.float32(1.0))[:, None]
    notices: list[str] = []
    images = _set_channels(images, channels, notices)
    images = _square_and_resize(images, resolution, "bilinear", notices)
    labels = digits.target.astype(np.int64)
    return ImageSet(images, labels, [str(d) for d in range(10)], "digits", [], notices)


def _load_shapes(n: int | None, resolution: int | None, channels: int | None, seed: int) -> ImageSet:
    """``n`` (default 10,000) triangles from ``gankit.data.shapes`` at ``resolution`` (default 28)."""
    images, _ = sample_shapes(DEFAULT_SHAPES if n is None else n, resolution or 28, seed)
    notices: list[str] = []
    return ImageSet(_set_channels(images, channels, notices), None, [], "shapes", [], notices)


# ----------------------------------------------------------------------------- array helpers


def _set_channels(images: np.ndarray, channels: int | None, notices: list[str]) -> np.ndarray:
    """Repeat grayscale to RGB, or RGB → luma (ITU-R 601-2), when ``channels`` asks for the other one."""
    if channels is None or images.shape[1] == channels:
        return images
    if channels == 3:
        notices.append(f"{len(images)} image(s) converted from grayscale to RGB")
        return np.repeat(images, 3, axis=1)
    notices.append(f"{len(images)} image(s) converted from RGB to grayscale (L)")
    return np.einsum("nchw,c->nhw", images, _LUMA)[:, None].astype(np.float32)


def _square_and_resize(images: np.ndarray, resolution: int | None, mode: str, notices: list[str]) -> np.ndarray:
    """Center-crop N×C×H×W to square, then resize to ``resolution`` with torch (``mode``, antialiased)."""
    height, width = images.shape[2:]
    side = min(height, width)
    if height != width:
        top, left = (height - side) // 2, (width - side) // 2
        images = images[:, :, top : top + side, left : left + side]
        notices.append(f"{len(images)} image(s) center-cropped from {height}×{width} to {side}×{side}")
    target = resolution or side
    if target != side:
        resized = F.interpolate(
            torch.from_numpy(np.ascontiguousarray(images)), size=(target, target), mode=mode, align_corners=False,
            antialias=True,
        )
        images = resized.clamp_(-1.0, 1.0).numpy()
        notices.append(f"{len(images)} image(s) resized from {side}×{side} to {target}×{target}")
    return np.ascontiguousarray(images, dtype=np.float32)
