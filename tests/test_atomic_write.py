"""The one writer of output files: unique temporary names, whole files, and a no-clobber check at publish time."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gankit.atomic_write import atomic_folder, atomic_write
from gankit.errors import UserError


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_bytes_text_and_callback_are_written_whole(tmp_path):
    assert atomic_write(tmp_path / "a.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert atomic_write(tmp_path / "b.txt", "é\n").read_text(encoding="utf-8") == "é\n"
    atomic_write(tmp_path / "c.npy", lambda temporary: np.save(temporary, np.arange(3)))
    assert np.load(tmp_path / "c.npy").tolist() == [0, 1, 2]
    assert _hidden(tmp_path) == []


def test_a_second_writer_that_finishes_first_wins_and_the_first_is_refused(tmp_path):
    """The race of two `gankit sample -o race.csv`: both checked that the name was free before writing."""
    target = tmp_path / "race.csv"
    names = []

    def slow_writer(temporary: Path) -> None:
        names.append(temporary.name)
        temporary.write_text("a\n1\n")
        atomic_write(target, lambda other: (names.append(other.name), other.write_text("b\n2\n")), overwrite=False)

    with pytest.raises(UserError, match="race.csv already exists") as caught:
        atomic_write(target, slow_writer, overwrite=False)
    assert "\n" not in str(caught.value)
    assert target.read_text() == "b\n2\n"  # the other writer's whole file, untouched
    assert len(set(names)) == 2  # each writer had its own temporary name
    assert _hidden(tmp_path) == []


def test_with_overwrite_the_last_to_finish_wins_with_a_whole_file(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, lambda t: (t.write_text("first\n"), atomic_write(target, "second\n")))
    assert target.read_text() == "first\n"
    assert _hidden(tmp_path) == []


def test_a_failed_callback_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def broken(temporary: Path) -> None:
        temporary.write_text("half")
        raise UserError("stopped halfway")

    with pytest.raises(UserError, match="halfway"):
        atomic_write(target, broken)
    assert target.read_text() == "old" and _hidden(tmp_path) == []


@pytest.mark.parametrize("where, message", [("missing/out.html", "does not exist"), ("file.txt/out.html", "is a file"),
                                            ("folder", "is a folder")])
def test_bad_targets_are_one_line(tmp_path, where, message):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    with pytest.raises(UserError, match=message) as caught:
        atomic_write(tmp_path / where, "page")
    assert "\n" not in str(caught.value) and _hidden(tmp_path) == []


def test_an_existing_folder_is_refused_without_overwrite(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        atomic_write(tmp_path / "folder", "page", overwrite=False)
    assert _hidden(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_one_line(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UserError, match="not allowed to write"):
            atomic_write(folder / "out.html", "page")
    finally:
        folder.chmod(0o700)


def test_a_folder_is_published_whole_and_never_over_a_non_empty_one(tmp_path):
    target = tmp_path / "pngs"
    atomic_folder(target, lambda folder: (folder / "a.png").write_bytes(b"1"), overwrite=False)
    assert [p.name for p in target.iterdir()] == ["a.png"]
    with pytest.raises(UserError, match="already exists"):
        atomic_folder(target, lambda folder: (folder / "b.png").write_bytes(b"2"), overwrite=False)
    atomic_folder(target, lambda folder: (folder / "c.png").write_bytes(b"3"), overwrite=True)
    assert [p.name for p in target.iterdir()] == ["c.png"] and _hidden(tmp_path) == []
