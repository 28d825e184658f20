"""Image GANs end to end, as a user runs them: `gankit train/sample/eval` on digits, folders, arrays and shapes.

Everything is tiny (8×8 images, one or two epochs, 100 evaluation images, 19
permutations) so the file runs in seconds; what is checked is what a user sees:
the files a run writes, their contents, exit statuses and the one-line messages.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gankit import GAN
from gankit.cli import run
from gankit.report.image_grid import epoch_grid
from gankit.train import loop
from gankit.runs.checkpoint_schedule import step_checkpoints
from gankit.runs.signals import SignalCatcher

# eval.grid_n = 16 → grids of 4×4 tiles; eval.permutations = 19 is the fewest that still gives p-values
TINY = ["--set", "train.epochs=1", "--set", "eval.n=100", "--set", "eval.permutations=19",
        "--set", "eval.grid_n=16", "--quiet"]
IMAGE_RESULTS = {"mmd", "energy", "c2st_knn", "c2st_logistic", "frechet_digit_distance", "kid_digit",
                 "classifier_score"}


# ----------------------------------------------------------------------------- fixture makers


def make_folder(root: Path, n: int = 40, sizes=((8, 8),), modes=("L",), classes: tuple[str, ...] = ()) -> Path:
    """``n`` random PNGs under ``root`` (in class subfolders when ``classes``), cycling through sizes and modes.

    Class ``k`` has mean brightness rising with ``k`` so a conditional GAN has something to tell apart.
    """
    rng = np.random.default_rng(0)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}
    for index in range(n):
        folder = root / classes[index % len(classes)] if classes else root
        folder.mkdir(parents=True, exist_ok=True)
        (width, height), mode = sizes[index % len(sizes)], modes[index % len(modes)]
        low = 40 * (index % len(classes)) if classes else 0
        pixels = rng.integers(low, low + 120, (height, width, channels[mode]), dtype=np.uint8)
        Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode).save(folder / f"img-{index:03d}.png")
    return root


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


def one_line_error(result, *names: str) -> None:
    """Exit 2, one line on stderr naming each of ``names``, no traceback."""
    assert result.code == 2, (result.code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for name in names:
        assert name in lines[0], (name, lines[0])


def notices(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("notice: ")]


# ----------------------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory) -> Path:
    """``gankit train digits-tiny`` for two epochs, shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("digits") / "run"
    assert run(["train", "digits-tiny", *TINY, "--set", "train.epochs=2", "--out", str(out)]) == 0
    return out


def test_train_digits_writes_epoch_grids_a_gif_plots_and_image_results(digits_run):
    plots = digits_run / "plots"
    assert {p.relative_to(plots).as_posix() for p in plots.rglob("*") if p.is_file()} == {
        "grids/epoch-000001.png", "grids/epoch-000002.png", "training.gif", "samples.png", "losses.png",
        "grids/epoch-000001.npz", "grids/epoch-000002.npz", "grids/real.npz"}  # pixels for the neighbour search
    # 16 tiles of 8×8 with 2-pixel padding: 4·10 + 2 = 42 pixels a side, enlarged ×⌈512/42⌉ = ×13 → 546 (GIF frames: a 22-pixel band above naming the epoch)
    for name in ("grids/epoch-000001.png", "grids/epoch-000002.png", "samples.png"):
        with Image.open(plots / name) as grid:
            assert grid.format == "PNG" and grid.mode == "L" and grid.size == (546, 546)
    with Image.open(plots / "training.gif") as gif:
        assert gif.format == "GIF" and gif.is_animated and gif.n_frames == 2 and gif.size == (546, 568)
    report = json.loads((digits_run / "eval.json").read_text())
    results = report["results"]
    assert IMAGE_RESULTS <= set(results)
    assert all(np.isfinite(results[name]["statistic"]) for name in IMAGE_RESULTS)
    assert all(results[name]["n_real"] == results[name]["n_fake"] == 100 for name in IMAGE_RESULTS)
    assert all(0.05 <= results[test]["p_value"] <= 1.0 for test in ("mmd", "energy"))  # 19 permutations: p ≥ 1/20
    assert all(0.0 <= results[test]["p_value"] <= 1.0 for test in ("c2st_knn", "c2st_logistic"))
    assert 1.0 <= results["classifier_score"]["statistic"] <= 10.0  # exp(mutual information), 10 classes
    assert results["frechet_digit_distance"]["statistic"] >= 0.0
    assert isinstance(report["distinguishable"], bool)
    assert report["verdict"].startswith("DISTINGUISHABLE" if report["distinguishable"] else "INDISTINGUISHABLE")
    assert [json.loads(line)["epoch"] for line in (digits_run / "metrics.jsonl").read_text().splitlines()] == [1, 2]


def test_epoch_grids_come_from_one_fixed_noise_batch(cli, digits_run, tmp_path):
    again = tmp_path / "again"
    assert cli("train", "digits-tiny", *TINY, "--set", "train.epochs=2", "--out", str(again)).code == 0
    first, second = (pixels(digits_run / f"plots/grids/epoch-00000{epoch}.png") for epoch in (1, 2))
    assert np.array_equal(pixels(again / "plots/grids/epoch-000001.png"), first)
    assert np.array_equal(pixels(again / "plots/grids/epoch-000002.png"), second)
    assert not np.array_equal(first, second)  # same z, weights changed in between
    # the last grid is the fixed batch through the saved final generator; the first grid is that same batch
    # through the generator saved at the end of epoch 1 (steps 0, 57 and 114 are kept)
    final = GAN.load(digits_run / "checkpoints/final")
    redraw = lambda gan, epoch, z=None: epoch_grid(gan.grid_images(z), tmp_path / "redrawn", epoch, gan.layout.classes)  # noqa: E731
    assert np.array_equal(pixels(redraw(final, 2)), second)
    [(_, start), (_, after_first), _] = step_checkpoints(digits_run)
    epoch_one = GAN.load(after_first)
    assert epoch_one.state.epoch == 1
    z = final.grid_noise()
    assert np.array_equal(pixels(redraw(epoch_one, 1, z)), first)
    untrained = redraw(GAN.load(start), 0, z)
    assert not np.array_equal(pixels(untrained), first)  # the weights of step 0 draw another picture


def test_eval_inception_weights_must_exist(cli, digits_run):
    before = (digits_run / "eval.json").read_bytes()
    result = cli("eval", str(digits_run), "--inception-weights", "/nonexistent/inception.pth")
    one_line_error(result, "/nonexistent/inception.pth")
    assert (digits_run / "eval.json").read_bytes() == before


def test_eval_inception_weights_without_torch_fidelity_gives_the_install_hint(cli, digits_run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch_fidelity", None)  # as if not installed, whatever this machine has
    weights = tmp_path / "pt_inception-2015-12-05.pth"
    weights.write_bytes(b"any bytes: the package is missing before the file is read")
    before = (digits_run / "eval.json").read_bytes()
    result = cli("eval", str(digits_run), "--inception-weights", str(weights))
    one_line_error(result, "torch-fidelity", "[fidelity]", "torch-fidelity>=")
    assert (digits_run / "eval.json").read_bytes() == before


# ----------------------------------------------------------------------------- folders with classes, sampling


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory) -> Path:
    """A conditional GAN trained on a folder with the classes cat, dog and fox (14 images each)."""
    root = tmp_path_factory.mktemp("classes")
    data = make_folder(root / "data", n=42, classes=("cat", "dog", "fox"))
    out = root / "run"
    assert run(["train", "digits-tiny", "--data", str(data), "--set", "model.conditional=true", *TINY,
                "--out", str(out)]) == 0
    return out


def test_conditional_training_on_class_folders(conditional_run):
    gan = GAN.load(conditional_run / "checkpoints/final")
    assert list(gan.class_names) == ["cat", "dog", "fox"] and gan.layout.classes == 3
    # one column per class: 16 tiles in 3 columns → 6 rows; 32×62 pixels enlarged ×⌈512/62⌉ = ×9
    with Image.open(conditional_run / "plots/grids/epoch-000001.png") as grid:
        assert grid.size == (288, 558)
    results = json.loads((conditional_run / "eval.json").read_text())["results"]
    assert IMAGE_RESULTS <= set(results) and results["mmd"]["n_real"] == 42  # all of the 42 images (< eval.n)


def test_sample_writes_pngs_named_by_class_and_npz_arrays(cli, conditional_run, tmp_path):
    result = cli("sample", str(conditional_run), "-n", "12", "-o", str(tmp_path / "pngs"), "--seed", "5")
    assert result.code == 0 and "wrote 12 images" in result.stdout
    files = sorted((tmp_path / "pngs").iterdir())
    assert len(files) == 12 and all(f.suffix == ".png" for f in files)
    classes = [f.name.split("-")[1] for f in files]
    assert set(classes) <= {"cat", "dog", "fox"} and all(f.name.startswith("class-") for f in files)
    assert cli("sample", str(conditional_run), "-n", "12", "-o", str(tmp_path / "a.npz"), "--seed", "5").code == 0
    with np.load(tmp_path / "a.npz") as saved:
        images, labels, names = saved["images"], saved["labels"], list(saved["class_names"])
    assert images.shape == (12, 8, 8, 1) and images.dtype == np.uint8
    assert labels.shape == (12,) and set(labels.tolist()) <= {0, 1, 2} and names == ["cat", "dog", "fox"]
    assert sorted(classes) == sorted(names[label] for label in labels)
    for k, name in enumerate(names):  # the PNGs of a class are that class's images in the array, in order
        pngs = [pixels(f) for f in files if f.name.split("-")[1] == name]
        assert all(np.array_equal(png, image[..., 0]) for png, image in zip(pngs, images[labels == k], strict=True))


def test_sample_seed_fixes_the_arrays(cli, conditional_run, tmp_path):
    for name, seed in (("a.npz", "3"), ("b.npz", "3"), ("c.npz", "4")):
        assert cli("sample", str(conditional_run), "-n", "12", "-o", str(tmp_path / name), "--seed", seed).code == 0
    a, b, c = (np.load(tmp_path / name) for name in ("a.npz", "b.npz", "c.npz"))
    assert np.array_equal(a["images"], b["images"]) and np.array_equal(a["labels"], b["labels"])
    assert not np.array_equal(a["images"], c["images"])


def test_sample_never_writes_into_a_non_empty_folder(cli, conditional_run, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("keep me")
    one_line_error(cli("sample", str(conditional_run), "-n", "12", "-o", str(taken)), str(taken))
    assert [p.name for p in taken.iterdir()] == ["mine.txt"] and (taken / "mine.txt").read_text() == "keep me"


# ----------------------------------------------------------------------------- arrays and resume


def test_npy_array_of_gray_images_trains_an_image_gan(cli, tmp_path):
    array = np.random.default_rng(1).integers(0, 256, (48, 16, 16), dtype=np.uint8)
    np.save(tmp_path / "x.npy", array)
    result = cli("train", "digits-tiny", "--data", str(tmp_path / "x.npy"), *TINY, "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert json.loads((tmp_path / "run/eval.json").read_text())["results"]["mmd"]["n_real"] == 48
    assert cli("sample", str(tmp_path / "run"), "-n", "5", "-o", str(tmp_path / "s.npz")).code == 0
    with np.load(tmp_path / "s.npz") as saved:
        assert saved["images"].shape == (5, 16, 16, 1) and "labels" not in saved.files  # the data's own 16×16


RESUMABLE = ["train", "digits-tiny", "--set", "train.epochs=2", "--set", "eval.n=100", "--set", "eval.permutations=19",
             "--set", "eval.grid_n=16", "--set", "checkpoint.every_steps=1", "--set", "checkpoint.keep=10", "--quiet"]
STOP_AT = 4  # 96 images, batch 32: 3 steps an epoch, so step 4 is inside epoch 2


@pytest.fixture(scope="module")
def array_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("array") / "x.npy"
    np.save(path, np.random.default_rng(2).integers(0, 256, (96, 8, 8), dtype=np.uint8))
    return path


@pytest.fixture(scope="module")
def uninterrupted(array_file) -> Path:
    out = array_file.parent / "whole"
    assert run([*RESUMABLE, "--data", str(array_file), "--out", str(out)]) == 0
    return out


def _sigterm_at(monkeypatch, step: int) -> None:
    """Send this process SIGTERM during the D update of ``step`` (the run's SignalCatcher must be listening)."""
    real_d_step = loop.d_step

    def d_step(state, *args, **kwargs):
        if state.step == step:
            handler = signal.getsignal(signal.SIGTERM)
            assert isinstance(getattr(handler, "__self__", None), SignalCatcher), "no SignalCatcher: not sending"
            os.kill(os.getpid(), signal.SIGTERM)
        return real_d_step(state, *args, **kwargs)

    monkeypatch.setattr(loop, "d_step", d_step)


def _assert_same_run(ours: Path, theirs: Path) -> None:
    mine, other = GAN.load(ours / "checkpoints/final").state, GAN.load(theirs / "checkpoints/final").state
    assert mine.step == other.step == 6
    for net in ("generator", "discriminator"):
        a, b = getattr(mine, net).state_dict(), getattr(other, net).state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)
    assert (ours / "metrics.jsonl").read_text().count("\n") == 2
    for epoch in (1, 2):
        name = f"plots/grids/epoch-00000{epoch}.png"
        assert np.array_equal(pixels(ours / name), pixels(theirs / name))
    with Image.open(ours / "plots/training.gif") as gif:
        assert gif.n_frames == 2


def test_a_stopped_image_run_resumes_to_the_uninterrupted_weights(cli, array_file, uninterrupted, tmp_path,
                                                                  monkeypatch):
    out = tmp_path / "run"
    _sigterm_at(monkeypatch, STOP_AT)
    result = cli(*RESUMABLE, "--data", str(array_file), "--out", str(out))
    assert result.code == 143 and f"Resume with: gankit train --resume {out}" in result.stderr
    assert not (out / "checkpoints/final").exists() and not (out / "eval.json").exists()
    monkeypatch.undo()  # the real D step again
    assert cli("train", "--resume", str(out), "--quiet").code == 0
    _assert_same_run(out, uninterrupted)


def test_a_killed_image_run_resumes_from_its_mid_epoch_checkpoint(cli, uninterrupted, tmp_path):
    cut = tmp_path / "cut"
    shutil.copytree(uninterrupted, cut)
    for later in [*(f"step-{step:09d}" for step in range(STOP_AT + 1, 7)), "final"]:  # as if killed after step 4
        shutil.rmtree(cut / "checkpoints" / later)
    (cut / "eval.json").unlink()
    assert cli("train", "--resume", str(cut), "--quiet").code == 0
    _assert_same_run(cut, uninterrupted)
    assert (cut / "eval.json").read_text() == (uninterrupted / "eval.json").read_text()


# ----------------------------------------------------------------------------- bad input


def _empty(data: Path) -> Path:
    data.mkdir()
    return data


def _zero_byte(data: Path) -> Path:
    data.mkdir()
    (data / "blank.png").write_bytes(b"")
    return data / "blank.png"


def _truncated(data: Path) -> Path:
    make_folder(data)
    whole = (data / "img-007.png").read_bytes()
    (data / "img-007.png").write_bytes(whole[: len(whole) // 2])
    return data / "img-007.png"


@pytest.mark.parametrize("make, words", [
    (_empty, ["no images"]),
    (_zero_byte, ["unreadable image", "empty file"]),
    (_truncated, ["unreadable image", "truncated", 'data.on_bad_image="skip"']),
])
def test_unusable_image_folders_are_one_line_and_leave_no_run(cli, tmp_path, make, words):
    named = make(tmp_path / "data")
    result = cli("train", "digits-tiny", "--data", str(tmp_path / "data"), *TINY, "--out", str(tmp_path / "run"))
    one_line_error(result, str(named), *words)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("setting, words", [
    ("data.resolution=9", ["resolution 9"]),
    ('model.kind="mlp"', ["model.kind", "data.source"]),
])
def test_settings_the_image_nets_cannot_take_are_one_line_and_leave_no_run(cli, tmp_path, setting, words):
    data = make_folder(tmp_path / "data")
    result = cli("train", "digits-tiny", "--data", str(data), "--set", setting, *TINY, "--out", str(tmp_path / "run"))
    one_line_error(result, *words)
    assert not (tmp_path / "run").exists()


def test_a_whole_config_problem_does_not_pose_as_a_key_named_config(cli, tmp_path):
    data = make_folder(tmp_path / "data")
    result = cli("train", "digits-tiny", "--data", str(data), "--set", 'model.kind="mlp"', *TINY,
                 "--out", str(tmp_path / "run"))
    one_line_error(result, "model.kind")
    assert "config key 'config'" not in result.stderr


def test_skipping_a_truncated_image_trains_with_a_counted_notice(cli, tmp_path):
    bad = _truncated(tmp_path / "data")
    result = cli("train", "digits-tiny", "--data", str(tmp_path / "data"), "--set", 'data.on_bad_image="skip"', *TINY,
                 "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert notices(result.stderr) == [f"notice: skipped 1 unreadable image(s), first: {bad}"]
    assert json.loads((tmp_path / "run/eval.json").read_text())["results"]["mmd"]["n_real"] == 39


def test_mixed_sizes_are_resized_with_a_notice(cli, tmp_path):
    data = make_folder(tmp_path / "data", sizes=((8, 8), (8, 8), (12, 12), (10, 14)))  # 20 at 8×8: the common side
    result = cli("train", "digits-tiny", "--data", str(data), *TINY, "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    [notice] = notices(result.stderr)
    assert "20 image(s) resized to 8×8" in notice and "10 non-square one(s) center-cropped" in notice
    assert cli("sample", str(tmp_path / "run"), "-n", "3", "-o", str(tmp_path / "s.npz")).code == 0
    assert np.load(tmp_path / "s.npz")["images"].shape == (3, 8, 8, 1)


def test_mixed_modes_are_converted_with_a_notice(cli, tmp_path):
    data = make_folder(tmp_path / "data", modes=("L", "RGBA"))
    result = cli("train", "digits-tiny", "--data", str(data), *TINY, "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert notices(result.stderr) == ["notice: 40 image(s) converted from L, RGBA to RGB"]
    assert cli("sample", str(tmp_path / "run"), "-n", "3", "-o", str(tmp_path / "s.npz")).code == 0
    assert np.load(tmp_path / "s.npz")["images"].shape == (3, 8, 8, 3)  # trained on RGB


# ----------------------------------------------------------------------------- shapes and devices


def test_shapes_report_exact_shape_precision_and_recall(cli, tmp_path):
    result = cli("train", "dcgan-shapes", "--set", "data.n=256", "--set", "train.threads=1", *TINY,
                 "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    results = json.loads((tmp_path / "run/eval.json").read_text())["results"]
    assert IMAGE_RESULTS <= set(results)
    for name in ("shape_precision", "shape_recall"):
        assert 0.0 <= results[name]["statistic"] <= 1.0 and results[name]["n_real"] == 100
    assert "shape_precision" in result.stdout and "shape_recall" in result.stdout


def test_device_cpu_trains(cli, tmp_path):
    data = make_folder(tmp_path / "data")
    result = cli("train", "digits-tiny", "--data", str(data), "--device", "cpu", *TINY, "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert 'device = "cpu"' in (tmp_path / "run/config.toml").read_text()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_cuda_is_one_line_and_leaves_no_run(cli, tmp_path):
    result = cli("train", "digits-tiny", "--device", "cuda", *TINY, "--out", str(tmp_path / "run"))
    one_line_error(result, "cuda")
    assert not (tmp_path / "run").exists()
