"""Writes the bad-input corpus beside this file (run once; the files are committed).

Each case in cases.json names a file, the gankit command that reads it, and a
piece of the one-line error it must give (exit status 2, no traceback).
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
TOML = {
    "syntax_error.toml": ("[train\nepochs = 3\n", "not valid TOML"),
    "unknown_top_key.toml": ("[trian]\nepochs = 3\n", "unknown config key 'trian'"),
    "unknown_nested_key.toml": ("[train]\nlr = 0.1\n", "unknown config key 'train.lr'"),
    "wrong_type.toml": ('[train]\nepochs = "ten"\n', "config key 'train.epochs'"),
    "negative_batch.toml": ("[train]\nbatch_size = -8\n", "config key 'train.batch_size'"),
    "bad_objective.toml": ('[train]\nobjective = "wasserstein-ish"\n', "config key 'train.objective'"),
    "alpha_above_one.toml": ("[eval]\nalpha = 1.5\n", "config key 'eval.alpha'"),
    "negative_std.toml": ('[data]\nsource = "ring"\nstd = -0.1\n', "config key 'data.std'"),
    "zero_modes.toml": ('[data]\nsource = "ring"\nmodes = 0\n', "config key 'data.modes'"),
    "covariance_not_psd.toml": ('[data]\nsource = "mixture"\nmeans = [[0, 0], [3, 3]]\n'
                                "covariances = [[[1, 0], [0, 1]], [[1, 2], [2, 1]]]\n", "positive semi-definite"),
    "weights_not_summing.toml": ('[data]\nsource = "mixture"\nmeans = [[0, 0], [3, 3]]\n'
                                 "covariances = [[[1, 0], [0, 1]], [[1, 0], [0, 1]]]\nweights = [0.5, 0.7]\n", "summing to 1"),
    "covariance_misshaped.toml": ('[data]\nsource = "mixture"\nmeans = [[0, 0]]\ncovariances = [[[1, 0, 0]]]\n', "must be 2×2"),
    "a_b_mismatch.toml": ("[data]\nb = [1, 2, 3]\n", "data.A has 2 columns but data.b has 3"),
    "file_without_path.toml": ('[data]\nsource = "file"\n', "needs data.path"),
    "betas_out_of_range.toml": ("[train.d_optimizer]\nbetas = [0.5, 1.5]\n", "betas must lie in [0, 1)"),
    "fresh_file_data.toml": ('[data]\nsource = "file"\npath = "x.csv"\nfresh = true\n', "data.fresh needs a generated source"),
    "section_as_value.toml": ("train = 5\n", "config key 'train'"),
}
CSV = {
    "nan.csv": ("a,b\n1,2\nnan,3\n" + "1,2\n" * 20, "NaN at row 1, column 'a'"),
    "inf.csv": ("a,b\n1,inf\n" + "1,2\n" * 20, "inf at row 0, column 'b'"),
    "text_column.csv": ("a,b\n1,x\n" + "1,y\n" * 20, "column 'b' is not numeric"),
    "too_few_rows.csv": ("a,b\n1,2\n3,4\n", "2 rows is fewer than one batch"),
    "header_only.csv": ("a,b\n", "empty"),
    "zero_bytes.csv": ("", "the file is empty (0 bytes)"),
    "ragged_rows.csv": ("a,b\n1,2\n3,4,5\n6,7\n", "line 3 has 3 fields, the header has 2"),
}


def write_arrays() -> dict[str, str]:
    np.save(HERE / "cube.npy", np.zeros((10, 2, 2)))
    np.save(HERE / "vector.npy", np.zeros(10))
    np.save(HERE / "objects.npy", np.array([{"a": 1}] * 10, dtype=object), allow_pickle=True)
    np.save(HERE / "strings.npy", np.array([["a", "b"]] * 10))
    np.save(HERE / "complex.npy", np.ones((10, 2), dtype=complex))
    (HERE / "truncated.npy").write_bytes((HERE / "cube.npy").read_bytes()[:90])
    np.savez(HERE / "two_arrays.npz", a=np.zeros((10, 2)), b=np.zeros((10, 2)))
    (HERE / "not_a_zip.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    (HERE / "binary_garbage.csv").write_bytes(bytes(range(256)) * 4)
    return {
        "cube.npy": "expected a 2-D table", "vector.npy": "expected a 2-D table", "objects.npy": "cannot be read",
        "strings.npy": "values must be numbers", "complex.npy": "values must be numbers", "truncated.npy": "cannot be read",
        "two_arrays.npz": "exactly one array", "not_a_zip.npz": "cannot be read", "binary_garbage.csv": "not UTF-8 text",
    }


def write_images() -> dict[str, str]:
    (HERE / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (HERE / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    (HERE / "scan.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    return {"picture.png": "unsupported file type '.png'", "photo.jpg": "unsupported file type '.jpg'",
            "scan.webp": "unsupported file type '.webp'"}


def write_checkpoints() -> dict[str, str]:
    from gankit import GAN

    base = HERE / "ckpt_base"
    GAN("d2l-gaussian", overrides=["train.epochs=1", "data.n=16"]).fit().save(base)
    cases = {}

    def variant(name: str, message: str, change) -> None:
        folder = HERE / name
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(base, folder)
        change(folder)
        cases[name] = message

    def edit_state(key, value):
        def change(folder):
            document = json.loads((folder / "state.json").read_text())
            document[key] = value
            (folder / "state.json").write_text(json.dumps(document))
        return change

    variant("ckpt_corrupt_json", "corrupted checkpoint state", lambda f: (f / "state.json").write_text("{ not json"))
    variant("ckpt_truncated_tensors", "corrupted checkpoint tensors",
            lambda f: (f / "tensors.safetensors").write_bytes((f / "tensors.safetensors").read_bytes()[:100]))
    variant("ckpt_pickle_payload", "corrupted checkpoint tensors",
            lambda f: (f / "tensors.safetensors").write_bytes(pickle.dumps({"weights": [1, 2, 3]})))
    variant("ckpt_newer_version", "newer than this gankit reads", edit_state("format_version", 99))
    variant("ckpt_wrong_format", "not a gankit checkpoint", edit_state("format", "something-else"))
    variant("ckpt_missing_tensors", "not a gankit checkpoint", lambda f: (f / "tensors.safetensors").unlink())
    shutil.rmtree(base)
    return cases


def main() -> None:
    cases = []
    for name, (text, message) in TOML.items():
        (HERE / name).write_text(text)
        cases.append({"file": name, "command": ["train", "{file}", "--dry-run"], "message": message})
    for name, (text, message) in CSV.items():
        (HERE / name).write_text(text)
        cases.append({"file": name, "command": ["train", "d2l-gaussian", "--data", "{file}", "--quiet"], "message": message})
    for name, message in {**write_arrays(), **write_images()}.items():
        cases.append({"file": name, "command": ["train", "d2l-gaussian", "--data", "{file}", "--quiet"], "message": message})
    for name, message in write_checkpoints().items():
        cases.append({"file": name, "command": ["sample", "{file}", "-n", "3", "-o", "{tmp}/out.csv"], "message": message})
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
