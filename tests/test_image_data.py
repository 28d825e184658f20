"""Image loading (folders, arrays, digits, shapes), PNG writing, and the exact checker of the triangle data set."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageFile
from scipy.ndimage import gaussian_filter

from gankit.data.images import load_images, to_uint8, write_pngs
from gankit.data.shapes import (
    THETA_PERIOD,
    check_shapes,
    render_triangles,
    sample_shapes,
    shape_precision_recall,
    shape_ranges,
)
from gankit.errors import UserError

torch.set_num_threads(1)
GRAY_128 = 128 / 127.5 - 1  # ≈ 0.0039


def gray(path, value, size=(8, 8)):
    """A uniform grayscale ("L") image file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, value).save(path)
    return path


def png_bytes_of_noise(path, side=64):
    """A PNG that compresses badly, so that half of its bytes are a truncated image."""
    pixels = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path.read_bytes()


# ----------------------------------------------------------------------------- folders


def test_folder_values_sorted_and_without_labels(tmp_path):
    gray(tmp_path / "b.png", 0)
    gray(tmp_path / "a.png", 255)
    gray(tmp_path / "c.PNG", 128)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden.png").write_bytes(b"")  # hidden files are ignored, even unreadable ones
    result = load_images(str(tmp_path))
    assert result.images.shape == (3, 1, 8, 8) and result.images.dtype == np.float32
    np.testing.assert_allclose(result.images[:, 0, 0, 0], [1.0, -1.0, GRAY_128], atol=1e-7)
    assert result.labels is None and result.class_names == [] and result.notices == [] and result.skipped == []
    assert result.origin == str(tmp_path)


def test_class_subfolders_become_labels(tmp_path):
    gray(tmp_path / "dog" / "1.png", 10)
    gray(tmp_path / "cat" / "2.png", 20)
    gray(tmp_path / "cat" / "deeper" / "3.png", 30)  # deeper files belong to their top-level class
    gray(tmp_path / "dog" / "4.png", 40)
    result = load_images(str(tmp_path))
    assert result.class_names == ["cat", "dog"]
    assert result.labels.dtype == np.int64
    # sorted paths: cat/2, cat/deeper/3, dog/1, dog/4
    np.testing.assert_array_equal(result.labels, [0, 0, 1, 1])
    np.testing.assert_allclose(result.images[:, 0, 0, 0], np.array([20, 30, 10, 40]) / 127.5 - 1, atol=1e-6)


def test_images_in_root_and_subfolders_load_without_labels(tmp_path):
    gray(tmp_path / "top.png", 0)
    gray(tmp_path / "class" / "inner.png", 0)
    result = load_images(str(tmp_path))
    assert len(result.images) == 2 and result.labels is None
    assert result.notices == [f"images both in {tmp_path} and in its subfolders: loaded without class labels"]


def test_jpeg_and_webp_colour_images(tmp_path):
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tmp_path / "red.JPG", quality=95)
    Image.new("RGB", (8, 8), (0, 0, 255)).save(tmp_path / "blue.webp", lossless=True)
    Image.new("RGB", (8, 8), (0, 255, 0)).save(tmp_path / "green.jpeg", quality=95)
    result = load_images(str(tmp_path))
    assert result.images.shape == (3, 3, 8, 8) and result.notices == []
    np.testing.assert_array_equal(result.images[0, :, 0, 0], [-1.0, -1.0, 1.0])  # blue.webp, lossless
    np.testing.assert_allclose(result.images[1, :, 0, 0], [-1, 1, -1], atol=0.03)  # green.jpeg, lossy
    np.testing.assert_allclose(result.images[2, :, 0, 0], [1, -1, -1], atol=0.03)  # red.JPG


def test_rgba_palette_and_gray_are_converted_to_rgb(tmp_path):
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[0, 0] = (255, 255, 255, 255)  # opaque white
    rgba[0, 1] = (255, 255, 255, 0)  # transparent white → black
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    Image.new("RGB", (8, 8), (0, 0, 255)).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "b.png")
    gray(tmp_path / "c.png", 255)
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tmp_path / "d.png")
    result = load_images(str(tmp_path))
    assert result.images.shape == (4, 3, 8, 8)
    assert result.notices == ["3 image(s) converted from L, P, RGBA to RGB"]
    np.testing.assert_array_equal(result.images[0, :, 0, 0], [1, 1, 1])
    np.testing.assert_array_equal(result.images[0, :, 0, 1], [-1, -1, -1])
    np.testing.assert_array_equal(result.images[1, :, 0, 0], [-1, -1, 1])
    np.testing.assert_array_equal(result.images[2, :, 3, 3], [1, 1, 1])


def test_channels_one_forces_grayscale_with_luma(tmp_path):
    Image.new("RGB", (8, 8), (255, 0, 0)).save(tmp_path / "red.png")
    result = load_images(str(tmp_path), channels=1)
    assert result.images.shape == (1, 1, 8, 8)
    np.testing.assert_allclose(result.images[0, 0, 0, 0], 76 / 127.5 - 1, atol=1e-6)  # 0.299·255 = 76.2
    assert result.notices == ["1 image(s) converted from RGB to grayscale (L)"]


def test_sixteen_bit_grayscale_is_scaled(tmp_path):
    Image.fromarray(np.array([[0, 65535], [32896, 65535]], dtype=np.uint16)).resize((8, 8)).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode == "I;16"
    result = load_images(str(tmp_path))
    assert result.images.shape == (1, 1, 8, 8)
    assert result.images.min() == -1.0 and result.images.max() == 1.0
    assert result.notices == ["1 image(s) converted from I;16 to grayscale (L)"]


def test_mixed_sizes_go_to_the_most_common_side_and_non_square_is_center_cropped(tmp_path):
    gray(tmp_path / "a.png", 0)
    gray(tmp_path / "b.png", 0)
    gray(tmp_path / "c.png", 255, size=(16, 16))
    wide = np.zeros((8, 12), dtype=np.uint8)
    wide[:, :2] = wide[:, -2:] = 255  # white bands that the center crop removes
    Image.fromarray(wide).save(tmp_path / "d.png")
    result = load_images(str(tmp_path))
    assert result.images.shape == (4, 1, 8, 8)
    np.testing.assert_allclose(result.images[2], 1.0, atol=1e-6)  # uniform white stays white
    np.testing.assert_array_equal(result.images[3], -1.0)
    assert result.notices == [
        (
            "2 image(s) resized to 8×8 (1 non-square one(s) center-cropped first) because sizes differed; "
            "set data.resolution to choose the size"
        )
    ]


def test_resolution_resizes_every_image(tmp_path):
    gray(tmp_path / "a.png", 255)
    gray(tmp_path / "b.png", 0, size=(10, 10))
    result = load_images(str(tmp_path), resolution=16)
    assert result.images.shape == (2, 1, 16, 16)
    assert result.notices == ["2 image(s) resized to 16×16"]


def test_unreadable_images_stop_the_load(tmp_path):
    gray(tmp_path / "good.png", 0)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(UserError) as caught:
        load_images(str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'empty.png'}: unreadable image (empty file)")
    assert 'data.on_bad_image="skip"' in message and "\n" not in message


def test_truncated_png_is_detected(tmp_path):
    data = png_bytes_of_noise(tmp_path / "noise.png")
    (tmp_path / "noise.png").write_bytes(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(UserError, match=re.escape(str(tmp_path / "noise.png")) + ": unreadable image"):
        load_images(str(tmp_path))


def test_skip_counts_and_lists_unreadable_images(tmp_path):
    data = png_bytes_of_noise(tmp_path / "b-cut.png")
    (tmp_path / "b-cut.png").write_bytes(data[: len(data) // 2])
    (tmp_path / "a-empty.png").write_bytes(b"")
    (tmp_path / "c-text.jpg").write_text("hello")
    gray(tmp_path / "d-good.png", 255)
    result = load_images(str(tmp_path), on_bad="skip")
    assert result.images.shape == (1, 1, 8, 8)
    assert result.skipped == [str(tmp_path / name) for name in ("a-empty.png", "b-cut.png", "c-text.jpg")]
    assert result.notices == [f"skipped 3 unreadable image(s), first: {tmp_path / 'a-empty.png'}"]


def test_only_unreadable_images_is_an_error_even_when_skipping(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(UserError, match=re.escape(f"{tmp_path}: no readable images (1 unreadable skipped")):
        load_images(str(tmp_path), on_bad="skip")


def test_empty_missing_and_unsupported_sources(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(UserError) as caught:
        load_images(str(tmp_path))
    assert str(caught.value) == f"{tmp_path}: no images (.png, .jpg, .jpeg, .webp) found"
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'nope'}: no such file or folder")):
        load_images(str(tmp_path / "nope"))
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'readme.txt'}: unsupported file type '.txt'")):
        load_images(str(tmp_path / "readme.txt"))


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"resolution": 4}, "data.resolution"),
        ({"resolution": 513}, "data.resolution"),
        ({"resolution": 32.0}, "data.resolution"),
        ({"resolution": True}, "data.resolution"),
        ({"channels": 2}, "data.channels"),
        ({"on_bad": "ignore"}, "data.on_bad_image"),
    ],
)
def test_bad_options(options, key):
    with pytest.raises(UserError, match=f"^{re.escape(key)}: expected"):
        load_images("digits", **options)


# ----------------------------------------------------------------------------- arrays

REFERENCE = np.array([[[0, 255], [128, 0]], [[255, 255], [0, 0]]], dtype=np.uint8)  # N×H×W, 2 images 2×2


@pytest.mark.parametrize(
    "layout",
    [
        lambda a: a,  # N×H×W
        lambda a: a[..., None],  # N×H×W×1
        lambda a: a[:, None],  # N×1×H×W
    ],
)
def test_grayscale_array_layouts(tmp_path, layout):
    np.save(tmp_path / "a.npy", layout(REFERENCE))
    result = load_images(str(tmp_path / "a.npy"))
    assert result.images.shape == (2, 1, 2, 2) and result.labels is None and result.notices == []
    np.testing.assert_allclose(result.images[0, 0], [[-1, 1], [GRAY_128, -1]], atol=1e-7)


@pytest.mark.parametrize("layout", ["nhwc", "nhwc-alpha", "nchw"])
def test_colour_array_layouts(tmp_path, layout):
    rgb = np.stack([REFERENCE, 255 - REFERENCE, np.zeros_like(REFERENCE)], axis=-1)  # N×H×W×3
    array = {
        "nhwc": rgb,
        "nhwc-alpha": np.concatenate([rgb, np.full_like(REFERENCE, 7)[..., None]], axis=-1),
        "nchw": rgb.transpose(0, 3, 1, 2),
    }[layout]
    np.save(tmp_path / "a.npy", array)
    result = load_images(str(tmp_path / "a.npy"))
    assert result.images.shape == (2, 3, 2, 2)
    np.testing.assert_allclose(result.images[0, :, 0, 1], [1, -1, -1])
    assert result.notices == (["alpha channel dropped from 2 image(s) (RGBA → RGB)"] if layout == "nhwc-alpha" else [])


def test_float_ranges(tmp_path):
    np.save(tmp_path / "unit.npy", np.array([[[0.0, 1.0], [0.25, 0.5]]]))
    np.testing.assert_allclose(load_images(str(tmp_path / "unit.npy")).images[0, 0], [[-1, 1], [-0.5, 0]])
    np.save(tmp_path / "signed.npy", np.array([[[-1.0, 1.0], [-0.25, 0.5]]], dtype=np.float32))
    np.testing.assert_allclose(load_images(str(tmp_path / "signed.npy")).images[0, 0], [[-1, 1], [-0.25, 0.5]])
    np.save(tmp_path / "bytes.npy", np.array([[[0.0, 255.0], [3.0, 4.0]]]))
    with pytest.raises(UserError) as caught:
        load_images(str(tmp_path / "bytes.npy"))
    assert str(caught.value) == (
        f"{tmp_path / 'bytes.npy'}: values range from 0 to 255; expected uint8 0–255, floats in [0, 1] or floats in [-1, 1]"
    )


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.array([[[0.0, np.nan]]]), "contains NaN or infinite values"),
        (np.zeros((3, 4)), "array of shape (3, 4); expected N×H×W"),
        (np.zeros((2, 5, 5, 5)), "array of shape (2, 5, 5, 5); expected N×H×W"),
        (np.zeros((0, 4, 4)), "array of shape (0, 1, 4, 4) holds no images"),
        (np.array([[["a", "b"]]]), "expected an array of numbers, got dtype <U1"),
        (np.array([[[-3, 2]]]), "integer values range from -3 to 2; expected 0–255"),
    ],
)
def test_bad_arrays(tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array)
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'bad.npy'}: {message}")):
        load_images(str(tmp_path / "bad.npy"))


def test_pickled_and_non_array_files_are_refused(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'objects.npy'}: cannot be read (it holds Python objects")):
        load_images(str(tmp_path / "objects.npy"))
    (tmp_path / "text.npz").write_text("1,2,3")
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'text.npz'}: not a readable")):
        load_images(str(tmp_path / "text.npz"))


def test_npz_with_labels(tmp_path):
    np.savez(tmp_path / "named.npz", images=REFERENCE, labels=np.array([7, 3]))
    result = load_images(str(tmp_path / "named.npz"))
    np.testing.assert_array_equal(result.labels, [1, 0])
    assert result.class_names == ["3", "7"] and result.labels.dtype == np.int64
    np.savez(tmp_path / "xy.npz", x=REFERENCE, y=np.array([0, 1]))
    result = load_images(str(tmp_path / "xy.npz"))
    np.testing.assert_array_equal(result.labels, [0, 1])
    assert result.class_names == ["0", "1"]
    np.savez(tmp_path / "single.npz", whatever=REFERENCE)
    single = load_images(str(tmp_path / "single.npz"))
    assert single.labels is None and single.images.shape == (2, 1, 2, 2)


def test_bad_npz_contents(tmp_path):
    np.savez(tmp_path / "two.npz", a=REFERENCE, b=REFERENCE)
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'two.npz'}: holds arrays a, b; expected 'images'")):
        load_images(str(tmp_path / "two.npz"))
    np.savez(tmp_path / "short.npz", images=REFERENCE, labels=np.array([1, 2, 3]))
    with pytest.raises(UserError, match=re.escape("labels must be 2 integers (one per image)")):
        load_images(str(tmp_path / "short.npz"))


def test_arrays_are_center_cropped_and_resized(tmp_path):
    wide = np.zeros((3, 8, 12), dtype=np.uint8)
    wide[:, :, :2] = 255
    np.save(tmp_path / "wide.npy", wide)
    result = load_images(str(tmp_path / "wide.npy"))
    assert result.images.shape == (3, 1, 8, 8) and (result.images == -1).all()
    assert result.notices == ["3 image(s) center-cropped from 8×12 to 8×8"]
    result = load_images(str(tmp_path / "wide.npy"), resolution=16, channels=3)
    assert result.images.shape == (3, 3, 16, 16)
    assert result.notices[-1] == "3 image(s) resized from 8×8 to 16×16"


# ----------------------------------------------------------------------------- built-in sets


def test_digits():
    digits = load_images("digits")
    assert digits.images.shape == (1797, 1, 8, 8) and digits.images.dtype == np.float32
    assert digits.images.min() == -1.0 and digits.images.max() == 1.0
    assert digits.class_names == [str(d) for d in range(10)]
    np.testing.assert_array_equal(np.bincount(digits.labels, minlength=10) > 170, True)
    big = load_images("digits", resolution=32)
    assert big.images.shape == (1797, 1, 32, 32)
    expected = F.interpolate(torch.from_numpy(digits.images[:5]), size=(32, 32), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(big.images[:5], expected.numpy(), atol=1e-6)
    assert load_images("digits", channels=3).images.shape == (1797, 3, 8, 8)


def test_shapes_source():
    a = load_images("shapes", resolution=32, n=40, seed=1)
    assert a.images.shape == (40, 1, 32, 32) and set(np.unique(a.images)) == {-1.0, 1.0}
    np.testing.assert_array_equal(a.images, load_images("shapes", resolution=32, n=40, seed=1).images)
    assert not np.array_equal(a.images, load_images("shapes", resolution=32, n=40, seed=2).images)
    assert load_images("shapes", n=3).images.shape == (3, 1, 28, 28)
    with pytest.raises(UserError, match="shapes: resolution must be an integer from 24 to 512, got 16"):
        load_images("shapes", resolution=16, n=3)


# ----------------------------------------------------------------------------- writing


def test_to_uint8():
    images = np.array([-1.0, 0.0, 1.0, 2.0, np.nan, -0.0039], dtype=np.float32).reshape(1, 1, 2, 3)
    np.testing.assert_array_equal(to_uint8(images)[0, :, :, 0], [[0, 128, 255], [255, 128, 127]])
    assert to_uint8(np.zeros((2, 3, 4, 5))).shape == (2, 4, 5, 3)


def test_write_pngs_round_trip(tmp_path):
    images = load_images("shapes", n=3, resolution=28).images
    images[0, 0, 0, 0] = GRAY_128
    paths = write_pngs(images, tmp_path / "new" / "folder")
    assert [p.name for p in paths] == ["sample-00000.png", "sample-00001.png", "sample-00002.png"]
    assert sorted(p.name for p in (tmp_path / "new" / "folder").iterdir()) == [p.name for p in paths]  # no temp files
    back = load_images(str(tmp_path / "new" / "folder"))
    np.testing.assert_allclose(back.images, images, atol=1e-6)
    colour = write_pngs(np.zeros((1, 3, 8, 8)), tmp_path, prefix="rgb")
    assert Image.open(colour[0]).mode == "RGB" and colour[0].name == "rgb-00000.png"
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match=re.escape(f"{tmp_path / 'file' / 'x'}: cannot create the output folder")):
        write_pngs(images, tmp_path / "file" / "x")


# ----------------------------------------------------------------------------- the triangle data set


def test_a_triangle_counted_by_hand():
    # Centre (8, 5), r = 6, θ = 90°: apex down at y = 11, top edge y = 2, half-width (11 − y)/√3 at height y.
    # Rows 2…10 (y = 2.5…10.5) hold 10, 8, 8, 6, 6, 4, 2, 2, 0 pixel centres; 46 in all (area 46.77).
    inside = render_triangles(np.array([[8.0, 5.0, 6.0, math.pi / 2]]), 16)[0]
    np.testing.assert_array_equal(inside.sum(axis=1), [0, 0, 10, 8, 8, 6, 6, 4, 2, 2, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(np.flatnonzero(inside[2]), np.arange(3, 13))
    np.testing.assert_array_equal(np.flatnonzero(inside[9]), [7, 8])
    vertex_right = render_triangles(np.array([[8.0, 8.0, 6.0, 0.0]]), 16)[0]
    assert vertex_right[7, 12] and vertex_right[7, 5] and not vertex_right[7, 4]  # θ = 0: vertex at x = 14, left edge x = 5


def test_samples_are_binary_reproducible_and_in_range():
    images, params = sample_shapes(300, 28, seed=4)
    assert images.shape == (300, 1, 28, 28) and images.dtype == np.float32
    assert set(np.unique(images)) == {-1.0, 1.0}
    np.testing.assert_array_equal(images, sample_shapes(300, 28, seed=4)[0])
    ranges = shape_ranges(28)
    assert ((params >= ranges[:, 0]) & (params < ranges[:, 1])).all()
    assert (params[:, :2] - params[:, 2:3] >= 1).all() and (params[:, :2] + params[:, 2:3] <= 27).all()
    area = 3 * math.sqrt(3) / 4 * params[:, 2] ** 2
    np.testing.assert_allclose((images > 0).sum(axis=(1, 2, 3)), area, rtol=0.15)


@pytest.mark.parametrize("resolution", [28, 32])
def test_real_samples_are_valid_and_their_parameters_recovered(resolution):
    images, params = sample_shapes(500, resolution, seed=7)
    check = check_shapes(images)
    assert check.valid.all() and check.iou.min() >= 0.9
    error = check.params - params
    assert np.abs(error[:, :2]).max() < 1.0
    relative = np.abs(error[:, 2]) / params[:, 2]
    assert np.quantile(relative, 0.98) < 0.05 and relative.max() < 0.08
    angle = np.degrees(np.abs((error[:, 3] + THETA_PERIOD / 2) % THETA_PERIOD - THETA_PERIOD / 2))
    assert angle.max() < 5.0


def test_real_against_real_has_full_precision_and_recall():
    real = sample_shapes(3000, 28, seed=1)[1]
    fake = sample_shapes(3000, 28, seed=2)[0]
    scores = shape_precision_recall(fake, real)
    assert scores["precision"] == 1.0 and scores["valid"] == scores["n"] == 3000
    assert scores["recall"] >= 0.9 and scores["bins_real"] > 100


def test_mode_collapse_and_junk_lower_recall_and_precision():
    real_params = np.array([[8.0, 8.0, 6.0, 0.1], [20.0, 20.0, 10.0, 1.9]])  # two different cells
    one = render_triangles(real_params[:1], 28)
    fake = np.where(np.concatenate([one, one, np.zeros_like(one)]), 1.0, -1.0)[:, None].astype(np.float32)
    scores = shape_precision_recall(fake, real_params)
    assert scores == {"precision": 2 / 3, "recall": 0.5, "n": 3, "valid": 2, "bins_hit": 1, "bins_real": 2}


def _disc_and_square(resolution=28):
    centres = np.arange(resolution) + 0.5
    x, y = np.meshgrid(centres, centres)
    disc = (x - 14) ** 2 + (y - 13) ** 2 <= 7**2
    square = (np.abs(x - 12) <= 6) & (np.abs(y - 15) <= 6)
    diamond = np.abs(x - 14) + np.abs(y - 14) <= 8
    return [disc, square, diamond]


def test_non_triangles_are_invalid():
    rng = np.random.default_rng(0)
    triangle, _ = sample_shapes(4, 28, seed=3)
    two = render_triangles(np.array([[7.0, 7.0, 5.6, 0.3], [21.0, 21.0, 5.6, 1.0]]), 28).any(axis=0)
    binary = [two, *_disc_and_square(), rng.random((28, 28)) < 0.3]
    images = np.concatenate([
        np.where(np.stack(binary), 1.0, -1.0)[:, None],
        rng.uniform(-1, 1, (1, 1, 28, 28)),  # noise
        np.full((1, 1, 28, 28), -1.0),  # all black
        np.full((1, 1, 28, 28), 1.0),  # all white
        gaussian_filter(triangle, sigma=(0, 0, 1, 1)),  # blurred triangles
    ]).astype(np.float32)
    check = check_shapes(images)
    np.testing.assert_array_equal(check.valid, False)
    assert np.isnan(check.params).all()
    assert check.iou[1:4].max() < 0.85  # disc, square, diamond: the fit itself fails, not the binary test


def test_check_accepts_plain_and_rgb_stacks_and_refuses_odd_shapes():
    images, params = sample_shapes(5, 28, seed=0)
    np.testing.assert_array_equal(check_shapes(images[:, 0]).valid, True)
    rgb = load_images("shapes", n=5, resolution=28, channels=3).images
    np.testing.assert_array_equal(check_shapes(rgb).valid, True)
    with_nan = np.concatenate([params, np.full((1, 4), np.nan)])
    assert shape_precision_recall(images, with_nan) == shape_precision_recall(images, params)  # the NaN row is left out
    with pytest.raises(ValueError, match="square"):
        check_shapes(np.zeros((2, 1, 28, 20)))
