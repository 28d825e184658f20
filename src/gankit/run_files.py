"""The one reader of a run folder's own files: ``eval.json``, ``metrics.jsonl``, ``config.toml`` and other text.

Every command that reads a run folder (runs, report, compare, view, eval, sample) reads
it through here, so a damaged file (cut short, not UTF-8, not JSON, JSON of the wrong
shape) is one line naming the file, never a traceback deep inside a page or a table.
A missing file is not damage: the readers return ``None`` or an empty list for it.
The one thing tolerated silently is a half-written last line of ``metrics.jsonl``, which
a process killed while appending leaves behind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gankit.errors import UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

REQUIRED_NUMBERS_OF_AN_EPOCH = ("d_loss", "g_loss")
NUMBER_FIELDS_OF_AN_EPOCH = ("elapsed", "examples_per_sec")
FLOAT_MAX = 1.7e308
NUMBER_FIELDS_OF_A_RESULT = ("p_value", "statistic")
INTEGER_FIELDS_OF_AN_EVALUATION = ("n_fake", "n_real", "seed")


def damaged(path: Path, what: str) -> UserError:
    """The one-line error of a damaged run-folder file."""
    remedy = "`gankit eval RUN` rewrites it" if path.name == "eval.json" else "restore it from a copy"
    return UserError(f"{path}: damaged run-folder file ({what}); {remedy}")


def read_text(path: Path) -> str | None:
    """A text file of the run folder as UTF-8, or None when it is missing."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise damaged(path, "not UTF-8 text") from None
    except OSError as err:
        raise UserError(f"{path}: cannot read it ({err.strerror or err})") from None


def read_json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object file, or None when it is missing."""
    text = read_text(path)
    if text is None:
        return None
    value = _parse_json(path, text)
    if not isinstance(value, dict):
        raise damaged(path, f"a JSON {type(value).__name__}, not an object")
    return value


def read_eval(path: Path) -> dict[str, Any] | None:
    """``eval.json`` after checking the fields the commands use have their types, or None when it is missing."""
    evaluation = read_json_object(path)
    if evaluation is None:
        return None
    _expect(path, "alpha", evaluation.get("alpha", 0.05), _is_number)
    _expect(path, "distinguishable", evaluation.get("distinguishable", False), lambda v: isinstance(v, bool))
    _expect(path, "verdict", evaluation.get("verdict", ""), lambda v: isinstance(v, str))
    for key in INTEGER_FIELDS_OF_AN_EVALUATION:
        _expect(path, key, evaluation.get(key), lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)))
    results = evaluation.get("results", {})
    _expect(path, "results", results, lambda v: isinstance(v, dict) and all(isinstance(r, dict) for r in v.values()))
    for name, result in results.items():
        for key in NUMBER_FIELDS_OF_A_RESULT:
            _expect(path, f"results.{name}.{key}", result.get(key), lambda v: v is None or _is_number(v))
    return evaluation


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The epochs of ``metrics.jsonl`` (empty when it is missing), each with its epoch number and losses."""
    return [_checked_epoch(path, number, record) for number, record in enumerate(read_records(path), start=1)]


def read_records(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a .jsonl file, one a line (empty when it is missing); a half-written last line,
    left by a process killed while appending, is left out."""
    text = read_text(path)
    if text is None:
        return []
    lines = text.splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            if number == len(lines) and not text.endswith("\n"):
                break  # a process killed while appending
            raise damaged(path, f"line {number} is not JSON") from None
        if not isinstance(record, dict):
            raise damaged(path, f"line {number} is not a JSON object")
        records.append(record)
    return records


def read_toml(path: Path) -> dict[str, Any] | None:
    """A TOML file (``config.toml``) as a dict, or None when it is missing."""
    text = read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as err:
        raise damaged(path, f"not valid TOML: {str(err).splitlines()[0] if str(err) else 'nested too deeply'}") from None


def _checked_epoch(path: Path, number: int, record: dict[str, Any]) -> dict[str, Any]:
    epoch = record.get("epoch")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or abs(epoch) >= FLOAT_MAX:
        raise damaged(path, f"line {number}: 'epoch' is not a whole number")
    for key in (*REQUIRED_NUMBERS_OF_AN_EPOCH, *NUMBER_FIELDS_OF_AN_EPOCH):
        if (key in record or key in REQUIRED_NUMBERS_OF_AN_EPOCH) and not _is_number(record.get(key)):
            raise damaged(path, f"line {number}: '{key}' is not a number")
    return record


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as err:
        raise damaged(path, f"not JSON: {str(err).splitlines()[0]}") from None
    except RecursionError:
        raise damaged(path, "not JSON: nested too deeply") from None


def _expect(path: Path, key: str, value: Any, valid) -> None:
    if not valid(value):
        raise damaged(path, f"'{key}' has the wrong type ({type(value).__name__})")


def _is_number(value: Any) -> bool:
    """A JSON number (NaN and infinities included, as Python's json writes them); not a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, float) or abs(value) < FLOAT_MAX  # an integer a float can hold (it is formatted as one)
