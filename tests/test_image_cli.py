"""Image GANs as a user runs them: train, grids and GIF, sample, eval, resume, and bad image input."""

import json

import numpy as np
import pytest
from PIL import Image

from gankit import GAN

TINY = ["--set", "train.epochs=2", "--set", "eval.n=100", "--set", "eval.permutations=19", "--set", "eval.grid_n=16",
        "--quiet"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    from gankit.cli import run

    out = tmp_path_factory.mktemp("img") / "run"
    assert run(["train", "digits-tiny", *TINY, "--out", str(out)]) == 0
    return out


def test_training_writes_grids_gif_samples_and_image_metrics(digits_run):
    plots = digits_run / "plots"
    assert sorted(p.name for p in (plots / "grids").iterdir()) == ["epoch-000001.png", "epoch-000002.png"]
    with Image.open(plots / "training.gif") as gif:
        assert gif.n_frames == 2
    assert (plots / "samples.png").is_file() and (plots / "losses.png").is_file()
    results = json.loads((digits_run / "eval.json").read_text())["results"]
    assert {"mmd", "energy", "c2st_knn", "c2st_logistic", "frechet_digit_distance", "kid_digit",
            "classifier_score"} <= set(results)
    assert 1.0 <= results["classifier_score"]["statistic"] <= 10.0


def test_epoch_grids_come_from_one_fixed_noise_batch(cli, digits_run, tmp_path):
    assert cli("train", "digits-tiny", *TINY, "--out", str(tmp_path / "again")).code == 0
    for name in ("epoch-000001.png", "epoch-000002.png"):
        assert (tmp_path / "again/plots/grids" / name).read_bytes() == (digits_run / "plots/grids" / name).read_bytes()
    first, second = (np.asarray(Image.open(digits_run / f"plots/grids/epoch-00000{i}.png")) for i in (1, 2))
    assert not np.array_equal(first, second)


def test_sample_writes_pngs_or_an_npz_and_the_seed_fixes_them(cli, digits_run, tmp_path):
    assert cli("sample", str(digits_run), "-n", "5", "-o", str(tmp_path / "pngs")).code == 0
    files = sorted((tmp_path / "pngs").iterdir())
    assert len(files) == 5 and Image.open(files[0]).size == (8, 8)
    for name in ("a.npz", "b.npz"):
        assert cli("sample", str(digits_run), "-n", "6", "-o", str(tmp_path / name), "--seed", "3").code == 0
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert a["images"].shape == (6, 8, 8, 1) and a["images"].dtype == np.uint8
    assert np.array_equal(a["images"], b["images"])
    result = cli("sample", str(digits_run), "-n", "5", "-o", str(tmp_path / "pngs"))
    assert result.code == 2 and "not an empty folder" in result.stderr and len(list((tmp_path / "pngs").iterdir())) == 5


def _folder(root, sizes=((8, 8),), mode="L", classes=("a", "b"), per_class=20):
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            size = sizes[i % len(sizes)]
            pixels = rng.integers(0, 255, (*size[::-1], 4 if mode == "RGBA" else 3 if mode == "RGB" else 1), np.uint8)
            Image.fromarray(pixels.squeeze(-1) if mode == "L" else pixels, mode).save(root / name / f"{i}.png")
    return root


def test_conditional_gan_on_a_class_folder_names_samples_by_class(cli, tmp_path):
    data = _folder(tmp_path / "data")
    args = ["train", "digits-tiny", "--data", str(data), "--set", "model.conditional=true", *TINY]
    assert cli(*args, "--out", str(tmp_path / "run")).code == 0
    assert cli("sample", str(tmp_path / "run"), "-n", "8", "-o", str(tmp_path / "out")).code == 0
    names = {p.name.split("-")[1] for p in (tmp_path / "out").iterdir()}
    assert names <= {"a", "b"} and names
    assert cli("sample", str(tmp_path / "run"), "-n", "8", "-o", str(tmp_path / "s.npz")).code == 0
    assert set(np.load(tmp_path / "s.npz")["labels"]) <= {0, 1}


def test_array_data_and_exact_resume_from_a_mid_run_checkpoint(cli, tmp_path):
    import shutil

    images = np.random.default_rng(1).integers(0, 255, (64, 8, 8), np.uint8)
    np.save(tmp_path / "x.npy", images)
    args = ["train", "digits-tiny", "--data", str(tmp_path / "x.npy"), *TINY, "--set", "checkpoint.every_steps=1",
            "--set", "checkpoint.keep=10"]
    assert cli(*args, "--out", str(tmp_path / "whole")).code == 0
    shutil.copytree(tmp_path / "whole", tmp_path / "cut")
    for later in ["final", "step-000000003", "step-000000004"]:  # as if killed after step 2 (end of epoch 1)
        shutil.rmtree(tmp_path / "cut/checkpoints" / later)
    assert cli("train", "--resume", str(tmp_path / "cut"), "--quiet").code == 0
    whole, cut = GAN.load(tmp_path / "whole/checkpoints/final"), GAN.load(tmp_path / "cut/checkpoints/final")
    assert cut.state.step == whole.state.step == 4
    for net in ("generator", "discriminator"):
        ours, theirs = getattr(cut.state, net).state_dict(), getattr(whole.state, net).state_dict()
        assert all(np.array_equal(ours[k].numpy(), theirs[k].numpy()) for k in ours)


@pytest.mark.parametrize("case, message", [
    ("empty", "no images"),
    ("zero_byte", "unreadable image"),
    ("truncated", "unreadable image"),
    ("resolution", "image resolution 9"),
    ("kind", "model.kind"),
])
def test_bad_image_input_is_one_line_and_leaves_nothing(cli, tmp_path, case, message):
    data = tmp_path / "data"
    data.mkdir()
    extra = []
    if case in ("zero_byte", "truncated", "resolution", "kind"):
        _folder(data, classes=("a",), per_class=40)
    if case == "zero_byte":
        (data / "a" / "bad.png").write_bytes(b"")
    if case == "truncated":
        whole = (data / "a" / "0.png").read_bytes()
        (data / "a" / "cut.png").write_bytes(whole[: len(whole) // 2])
    if case == "resolution":
        extra = ["--set", "data.resolution=9"]
    if case == "kind":
        extra = ["--set", 'model.kind="mlp"']
    result = cli("train", "digits-tiny", "--data", str(data), *extra, *TINY, "--out", str(tmp_path / "run"))
    assert result.code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "run").exists()


def test_skipped_resized_and_converted_images_train_with_notices(cli, tmp_path):
    data = _folder(tmp_path / "data", sizes=((8, 8), (12, 12)), mode="RGBA", classes=("a",), per_class=40)
    (data / "a" / "bad.png").write_bytes(b"")
    result = cli("train", "digits-tiny", "--data", str(data), "--set", 'data.on_bad_image="skip"',
                 "--set", "data.resolution=8", *TINY, "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert "skipped 1 unreadable image" in result.stderr and "resized" in result.stderr
    assert "converted" in result.stderr


def test_eval_needs_an_existing_inception_file_and_torch_fidelity(cli, digits_run, tmp_path):
    result = cli("eval", str(digits_run), "--inception-weights", str(tmp_path / "missing.pth"))
    assert result.code == 2 and "missing.pth" in result.stderr
    weights = tmp_path / "inception.pth"
    weights.write_bytes(b"not really weights")
    result = cli("eval", str(digits_run), "--inception-weights", str(weights))
    assert result.code == 2 and "torch-fidelity" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_shapes_report_exact_precision_and_recall(cli, tmp_path):
    args = ["train", "dcgan-shapes", "--set", "data.n=256", "--set", "model.g_width=4", "--set", "model.d_width=4",
            *TINY, "--out", str(tmp_path / "run")]
    assert cli(*args).code == 0
    results = json.loads((tmp_path / "run/eval.json").read_text())["results"]
    assert 0.0 <= results["shape_precision"]["statistic"] <= 1.0 and 0.0 <= results["shape_recall"]["statistic"] <= 1.0


def test_devices(cli, tmp_path):
    assert cli("train", "digits-tiny", "--device", "cpu", *TINY, "--out", str(tmp_path / "cpu")).code == 0
    result = cli("train", "digits-tiny", "--device", "cuda", *TINY, "--out", str(tmp_path / "cuda"))
    if result.code != 0:  # a machine without CUDA
        assert result.code == 2 and "cuda" in result.stderr and not (tmp_path / "cuda").exists()
