"""Writes the bad-input corpus beside this file (run once; the files are committed).

Each case in cases.json names a file, the gankit command that reads it, and a
piece of the one-line error it must give (exit status 2, no traceback).
"""

from __future__ import annotations

import datetime
import json
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import torch

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
    "deep_arrays.toml": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    "deep_tables.toml": ("[" + ".".join(["x"] * 300) + "]\n", "nested too deeply"),
    "seed_beyond_2_32.toml": ("seed = 4294967296\n", "config key 'seed'"),
    "data_seed_negative.toml": ("[data]\nseed = -1\n", "config key 'data.seed'"),
    "sep_two_characters.toml": ('[data]\nsep = ";;"\n', "config key 'data.sep'"),
    "sep_newline.toml": ('[data]\nsep = "\\n"\n', "config key 'data.sep'"),
    "kind_without_table.toml": ('[model]\nkind = "tabular"\n', "does not fit data.source"),
    "pack_not_dividing_batch.toml": ("[model]\npack = 3\n[train]\nbatch_size = 10\n", "must be a multiple of model.pack"),
    "hidden_width_negative.toml": ("[model.generator]\nhidden = [8, -3]\n", "hidden layer widths must be positive"),
    "epochs_zero.toml": ("[train]\nepochs = 0\n", "config key 'train.epochs'"),
    "lr_nan.toml": ("[train.d_optimizer]\nlr = nan\n", "config key 'train.d_optimizer.lr'"),
    "alpha_inf.toml": ("[eval]\nalpha = inf\n", "config key 'eval.alpha'"),
    "device_unknown.toml": ('[train]\ndevice = "tpu"\n', "config key 'train.device'"),
    "precision_unknown.toml": ('[train]\nprecision = "fp8"\n', "config key 'train.precision'"),
    "matrix_empty.toml": ("[data]\nA = []\nb = []\n", "non-empty matrix"),
    "table_transform.toml": ('[data]\nsource = "table"\npath = "t.csv"\ntransform = "whiten"\n[model]\nkind = "tabular"\n',
                             "does not fit a mixed table"),
    "resolution_too_small.toml": ('[data]\nsource = "digits"\nresolution = 4\n[model]\nkind = "dcgan"\n',
                                  "config key 'data.resolution'"),
    "conditional_and_categories.toml": ("[model]\nconditional = true\nlatent_categories = 3\n",
                                        "leave model.latent_categories at 0"),
}
TOML_BYTES = {
    "latin1_comment.toml": (b"# caf\xe9 au lait\n[train]\nepochs = 3\n", "not UTF-8 text (byte 0xe9 on line 1)"),
    "utf16_config.toml": ("[train]\nepochs = 3\n".encode("utf-16"), "not UTF-8 text"),
}
CSV = {
    "nan.csv": ("a,b\n1,2\nnan,3\n" + "1,2\n" * 20, "NaN at row 1, column 'a'"),
    "inf.csv": ("a,b\n1,inf\n" + "1,2\n" * 20, "inf at row 0, column 'b'"),
    "text_column.csv": ("a,b\n1,x\n" + "1,y\n" * 20, "column 'b' is not numeric"),
    "too_few_rows.csv": ("a,b\n1,2\n3,4\n", "2 rows is fewer than one batch"),
    "header_only.csv": ("a,b\n", "empty"),
    "zero_bytes.csv": ("", "the file is empty (0 bytes)"),
    "ragged_rows.csv": ("a,b\n1,2\n3,4,5\n6,7\n", "line 3 has 3 fields, the header has 2"),
    "beyond_float32.csv": ("a,b\n1e300,2\n" + "1,2\n" * 20, "beyond ±3.4e+38"),
    "one_row.csv": ("a,b\n1,2\n", "needs at least 2 rows"),
    "blank_lines.csv": ("\n\n\n", "no header row"),
    "extra_field_line_2.csv": ("a,b\n1,2,3\n4,5\n", "line 2 has more fields than the header row"),
    "unterminated_quote.csv": ('a,b\n"1,2\n3,4\n', "cannot be"),
}
TABLES = {  # train tabular --data FILE
    "huge_numbers.csv": ("a,b\n" + "".join(f"{(-1) ** i * 9e307},{i}\n" for i in range(30)), "numbers beyond ±1e+100"),
    "all_missing_column.csv": ("a,b\n" + "".join(f",{i}\n" for i in range(30)), "entirely missing"),
    "single_row_table.csv": ("a,b\n1,x\n", "needs at least 2 rows"),
    "spreadsheet.xlsx": ("PK not really a workbook", "unsupported file type '.xlsx'"),
    "records.json": ('[{"a": 1}]', "unsupported file type '.json'"),
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


def write_tricky_arrays() -> dict[str, str]:
    """Arrays that lie about themselves or hold what training cannot take."""
    np.save(HERE / "small.npy", np.zeros((10, 2)))
    data = (HERE / "small.npy").read_bytes()
    (HERE / "forged_header.npy").write_bytes(data.replace(b"(10, 2), }", b"(2000000000, 2),}", 1))
    with zipfile.ZipFile(HERE / "forged_header.npz", "w") as archive:
        archive.writestr("arr_0.npy", (HERE / "forged_header.npy").read_bytes())
    (HERE / "small.npy").unlink()
    np.save(HERE / "beyond_float32.npy", np.array([[1e300, 1.0]] + [[1.0, 2.0]] * 20))
    np.save(HERE / "no_rows.npy", np.zeros((0, 2)))
    np.save(HERE / "one_row.npy", np.zeros((1, 2)))
    np.save(HERE / "structured.npy", np.zeros(10, dtype=[("a", "f8"), ("b", "f8")]))
    np.savez(HERE / "pickled_inside.npz", a=np.array([{"x": 1}] * 4, dtype=object))
    return {
        "forged_header.npy": "truncated or forged", "forged_header.npz": "truncated or forged",
        "beyond_float32.npy": "beyond ±3.4e+38", "no_rows.npy": "empty", "one_row.npy": "needs at least 2 rows",
        "structured.npy": "values must be numbers", "pickled_inside.npz": "never unpickles",
    }


def write_parquet() -> dict[str, str]:
    """Parquet columns that are legal but cannot be modelled (train tabular --data FILE)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    numbers = pa.array(np.arange(30, dtype=float))
    pq.write_table(pa.table({"a": pa.array([[1, 2]] * 30), "b": numbers}), HERE / "list_column.parquet")
    pq.write_table(pa.table({"a": pa.array([{"p": 1}] * 30), "b": numbers}), HERE / "struct_column.parquet")
    pq.write_table(pa.table({"a": pa.array([datetime.timedelta(seconds=i) for i in range(30)]), "b": numbers}),
                   HERE / "duration_column.parquet")
    pd.DataFrame({"a": [1e308, -1e308] * 15, "b": range(30)}).to_parquet(HERE / "huge_numbers.parquet")
    (HERE / "not_parquet.parquet").write_bytes(b"PAR1 but nothing else")
    return {"list_column.parquet": "holds nested values", "struct_column.parquet": "holds nested values",
            "duration_column.parquet": "unsupported dtype", "huge_numbers.parquet": "numbers beyond ±1e+100",
            "not_parquet.parquet": "cannot be read as parquet"}


def write_image_arrays() -> dict[str, str]:
    """Image arrays for an image preset (train dcgan-digits --data FILE)."""
    np.save(HERE / "one_image.npy", np.zeros((1, 16, 16), dtype=np.uint8))
    return {"one_image.npy": "needs at least 2 images"}


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

    def edit_state(key, value, delete=False, pop=None):
        def change(folder):
            document = json.loads((folder / "state.json").read_text())
            if delete:
                del document[key]
            elif pop is not None:
                del document[key][pop]
            else:
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
    variant("ckpt_missing_step", "'step': Field required", edit_state("step", None, delete=True))
    variant("ckpt_epoch_text", "'epoch': Input should be a valid integer", edit_state("epoch", "abc"))
    variant("ckpt_negative_step", "'step': Input should be greater than or equal to 0", edit_state("step", -5))
    variant("ckpt_absurd_step", "'step': Input should be less than or equal to", edit_state("step", 10**30))
    variant("ckpt_missing_optimizer", "optimizer(s) d missing", edit_state("optimizers", None, pop="d"))
    variant("ckpt_rng_float", "'global_rng.numpy'", edit_state("global_rng", {"numpy": 0.5, "python": [3, [], None]}))
    variant("ckpt_deep_json", "nested too deeply", lambda f: (f / "state.json").write_text(
        '{"format": "gankit-checkpoint", "a": ' + "[" * 100000 + "]" * 100000 + "}"))
    variant("ckpt_wrong_shape", "the model needs", lambda f: _edit_tensors(f, lambda t: t.update(
        {next(k for k in t if k.startswith("generator.")): torch.zeros(7, 7)})))
    variant("ckpt_rng_tensor_float", "'rng.noise' has shape", lambda f: _edit_tensors(
        f, lambda t: t.update({"rng.noise": t["rng.noise"].float()})))
    variant("ckpt_good", "", lambda f: None)  # a sound checkpoint, for the commands' own bad arguments
    del cases["ckpt_good"]
    shutil.rmtree(base)
    return cases


COMMANDS = [  # (pseudo file, command, message): bad arguments given with sound files
    ("ckpt_good", ["sample", "{file}", "-n", "0", "-o", "{tmp}/out.csv"], "-n must be at least 1"),
    ("ckpt_good", ["sample", "{file}", "-o", "{tmp}/out.txt"], "unsupported output type '.txt'"),
    ("ckpt_good", ["sample", "{file}", "-o", "{tmp}/nowhere/out.csv"], "does not exist"),
    ("ckpt_good", ["sample", "{file}", "--seed", "4294967296", "-o", "{tmp}/out.csv"], "--seed must be between 0"),
    ("ckpt_good", ["train", "--resume", "{file}", "--quiet"], "no checkpoint to resume from"),
    ("nan.csv", ["train", "tabular", "--data", "{file}", "--sep", ";;", "--quiet"], "config key 'data.sep'"),
    ("nan.csv", ["train", "d2l-gaussian", "--data", "{file}", "--set", "a=" + "[" * 3000, "--dry-run"],
     "nested too deeply"),
    ("nan.csv", ["train", "d2l-gaussian", "--data", "{file}", "--seed", "4294967296", "--dry-run"], "config key 'seed'"),
    ("nan.csv", ["eval", "{file}"], "run directory not found"),
    ("missing_folder", ["train", "--resume", "{file}", "--quiet"], "run directory not found"),
    ("nan.csv", ["train", "d2l-gaussian", "--set", "model.generator.hidden=[100000, 100000]", "--quiet"],
     "of memory but"),
]


def _edit_tensors(folder: Path, change) -> None:
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "tensors.safetensors"))
    change(tensors)
    save_file(tensors, str(folder / "tensors.safetensors"))


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
    for name, (data, message) in TOML_BYTES.items():
        (HERE / name).write_bytes(data)
        cases.append({"file": name, "command": ["train", "{file}", "--dry-run"], "message": message})
    for name, message in write_tricky_arrays().items():
        cases.append({"file": name, "command": ["train", "d2l-gaussian", "--data", "{file}", "--quiet"], "message": message})
    for name, (text, message) in TABLES.items():
        (HERE / name).write_text(text)
        cases.append({"file": name, "command": ["train", "tabular", "--data", "{file}", "--quiet"], "message": message})
    for name, message in write_parquet().items():
        cases.append({"file": name, "command": ["train", "tabular", "--data", "{file}", "--quiet"], "message": message})
    for name, message in write_image_arrays().items():
        cases.append({"file": name, "command": ["train", "dcgan-digits", "--data", "{file}", "--quiet"], "message": message})
    for name, command, message in COMMANDS:
        cases.append({"file": name, "command": command, "message": message})
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
