"""Damaged run-folder files, output paths of compare and report, and two writers of one sample file:
each gives one line and exit 2 (or works), and nothing already on disk is lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gankit.run_files import read_eval, read_metrics, read_records
from gankit.errors import UserError

TINY = ["--set", "train.epochs=2", "--set", "data.n=64", "--set", "train.batch_size=16", "--set",
        "eval.permutations=19", "--set", "eval.n=20", "--quiet"]

DAMAGED_EVAL = {
    "truncated": b'{"verdict": "indisting',
    "not_utf8": b'{"verdict": "\xff\xfe"}',
    "a_list": b"[1,2,3]",
    "a_number": b"7",
    "empty": b"",
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "results_not_objects": b'{"results": {"mmd": 3}}',
    "p_value_text": b'{"results": {"mmd": {"p_value": "low"}}}',
    "alpha_text": b'{"alpha": "0.05"}',
    "n_fake_float": b'{"n_fake": 1.5}',
    "huge_integer": b'{"results": {"mmd": {"p_value": ' + b"9" * 400 + b"}}}",
}
DAMAGED_METRICS = {
    "middle_line_cut": b'{"epoch": 1, "d_loss": 1, "g_loss": 1}\n{"epo\n{"epoch": 3, "d_loss": 1, "g_loss": 1}\n',
    "not_objects": b"[1]\n[2]\n",
    "loss_text": b'{"epoch": 1, "d_loss": "x", "g_loss": 1}\n',
    "no_epoch": b'{"d_loss": 1, "g_loss": 1}\n',
    "not_utf8": b"\xff\xfe\xfa\n",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two finished runs under runs/, copied fresh for each test."""
    from gankit.cli import run

    root = tmp_path_factory.mktemp("made") / "runs"
    for name in ("0001-a", "0002-b"):
        assert run(["train", "d2l-gaussian", *TINY, "--out", str(root / name)]) == 0
    return root


@pytest.fixture
def root(runs, tmp_path):
    copy = tmp_path / "runs"
    shutil.copytree(runs, copy)
    return copy


def _one_line(result, *words: str) -> str:
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("name", sorted(DAMAGED_EVAL))
def test_a_damaged_eval_json_is_one_line_for_report_compare_and_view_and_runs_lists_the_rest(cli, root, name):
    bad, good = root / "0001-a", root / "0002-b"
    (bad / "eval.json").write_bytes(DAMAGED_EVAL[name])
    report = (bad / "report.html").read_bytes()
    _one_line(cli("report", str(bad)), "eval.json", "damaged")
    assert (bad / "report.html").read_bytes() == report
    _one_line(cli("compare", str(bad), str(good), "-o", str(root.parent / "c.html")), "eval.json")
    assert not (root.parent / "c.html").exists()
    from gankit.view.replay import replay

    with pytest.raises(UserError, match="eval.json"):
        replay(bad)
    listed = cli("runs", "--root", str(root), "--json")
    assert listed.code == 0 and "Traceback" not in listed.stderr
    assert "eval.json" in listed.stderr and len(listed.stderr.strip().splitlines()) == 1
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [row["verdict"] for row in rows] == ["damaged", "indistinguishable"] or rows[1]["verdict"] in (
        "indistinguishable", "distinguishable")
    assert rows[0]["verdict"] == "damaged" and rows[1]["path"].endswith("0002-b")


@pytest.mark.parametrize("name", sorted(DAMAGED_METRICS))
def test_a_damaged_metrics_jsonl_is_one_line_for_report_compare_and_eval(cli, root, name):
    bad, good = root / "0001-a", root / "0002-b"
    (bad / "metrics.jsonl").write_bytes(DAMAGED_METRICS[name])
    _one_line(cli("report", str(bad)), "metrics.jsonl")
    _one_line(cli("compare", str(bad), str(good), "-o", str(root.parent / "c.html")), "metrics.jsonl")
    _one_line(cli("eval", str(bad), "--quiet"), "metrics.jsonl")


@pytest.mark.parametrize("content", [b"\xff\xfe not utf-8", b"[data\nname = 1", b"name = [" * 3000])
def test_a_damaged_config_toml_is_one_line_and_runs_lists_the_others(cli, root, content):
    (root / "0001-a" / "config.toml").write_bytes(content)
    _one_line(cli("report", str(root / "0001-a")), "config.toml")
    listed = cli("runs", "--root", str(root), "--json")
    assert listed.code == 0 and "config.toml" in listed.stderr and "0002-b" in listed.stdout


def test_a_half_written_last_metrics_line_is_left_out(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"epoch": 1, "d_loss": 0.5, "g_loss": 0.7}\n{"epoch": 2, "d_l')
    assert [row["epoch"] for row in read_metrics(path)] == [1]
    assert read_records(tmp_path / "missing.jsonl") == [] and read_eval(tmp_path / "missing.json") is None


# ------------------------------------------------------------------ output paths of compare and report


@pytest.mark.parametrize("target, words", [
    ("missing/c.html", ["does not exist"]),
    ("afile/c.html", ["is a file"]),
    ("afolder", ["is a folder"]),
    ("runs/0001-a/report.html", ["inside the run folder"]),
    ("runs/0001-a/plots/c.html", ["inside the run folder"]),
])
def test_compare_output_paths_are_checked_and_nothing_is_left_behind(cli, root, target, words):
    (root.parent / "afile").write_text("keep")
    (root.parent / "afolder").mkdir()
    report = (root / "0001-a" / "report.html").read_bytes()
    before = sorted(str(p) for p in root.parent.rglob("*"))
    _one_line(cli("compare", str(root / "0001-a"), str(root / "0002-b"), "-o", str(root.parent / target)), *words)
    assert sorted(str(p) for p in root.parent.rglob("*")) == before
    assert (root / "0001-a" / "report.html").read_bytes() == report


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_report_on_an_unwritable_run_and_compare_into_an_unwritable_folder(cli, root):
    locked_out = root.parent / "locked"
    locked_out.mkdir(mode=0o500)
    (root / "0001-a").chmod(0o500)
    try:
        _one_line(cli("report", str(root / "0001-a")), "0001-a")
        _one_line(cli("compare", str(root / "0001-a"), str(root / "0002-b"), "-o", str(locked_out / "c.html")))
    finally:
        (root / "0001-a").chmod(0o700)


def test_report_takes_the_run_lock(cli, root):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from gankit.runs.directory import locked\n"
                               "with locked(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(60)",
                               str(root / "0001-a")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        _one_line(cli("report", str(root / "0001-a")), "being written by another gankit process")
    finally:
        holder.kill()
        holder.wait()


# ------------------------------------------------------------------ two writers of one sample file


def test_a_sample_file_written_meanwhile_by_another_command_is_not_clobbered(cli, root, monkeypatch):
    """The race: both commands find -o free; the one finishing second must not replace (or mix into) the file."""
    import gankit.runs.sample_output as sample_output

    target = root.parent / "race.csv"
    real_chunk = sample_output._chunk

    def chunk_while_another_writes(gan, count, seed, where=None):
        if not target.exists():
            target.write_text("x0,x1\n1,2\n")  # the other command finished first
        return real_chunk(gan, count, seed, where)

    monkeypatch.setattr(sample_output, "_chunk", chunk_while_another_writes)
    _one_line(cli("sample", str(root / "0001-a"), "-n", "50", "-o", str(target), "--seed", "1"), "already exists")
    assert target.read_text() == "x0,x1\n1,2\n"
    assert [p.name for p in root.parent.iterdir() if p.name.startswith(".")] == []


def test_two_forced_sample_writers_leave_one_whole_file(cli, root):
    target = root.parent / "race.csv"
    for seed in ("1", "2"):
        assert cli("sample", str(root / "0001-a"), "-n", "300", "-o", str(target), "--seed", seed, "--force").code == 0
    lines = target.read_text().splitlines()
    assert lines[0] == "x0,x1" and len(lines) == 301
