"""``gankit config keys``: every config key with its type, default, allowed range and description.

Read from the pydantic model itself (field annotations, defaults, ``Field`` bounds and
descriptions), so the listing cannot drift from what validation accepts.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gankit.config import GanConfig
from gankit.errors import UserError, closest_name

_BOUNDS = (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"))


@dataclass(frozen=True)
class KeyDoc:
    """One settable key."""

    key: str  # dotted, as --set takes it: train.d_optimizer.lr
    type: str
    default: str
    range: str  # bounds or the allowed values; "" when any value of the type goes
    description: str


def config_keys(prefix: str = "") -> list[KeyDoc]:
    """The keys under ``prefix`` (a section such as ``train`` or a key), in the model's order."""
    keys = list(_walk(GanConfig, ""))
    if not prefix:
        return keys
    chosen = [doc for doc in keys if doc.key == prefix or doc.key.startswith((prefix + ".", prefix + "[]."))]
    if not chosen:
        sections = sorted({part for doc in keys for part in _prefixes(doc.key)})
        guess = closest_name(prefix, sections)
        hint = f"; did you mean '{guess}'?" if guess else f"; sections: {', '.join(GanConfig.model_fields)}"
        raise UserError(f"no config key or section '{prefix}'{hint}")
    return chosen


def _prefixes(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _walk(model: type[BaseModel], path: str):
    """Every key of ``model``; a list of sections (``[[tabular.constraints]]``) is the list's key, then each
    entry's keys as ``list[].key``."""
    for name, field in model.model_fields.items():
        key = f"{path}{name}"
        section = _section_type(field.annotation)
        entry = _list_entry_type(field.annotation)
        if section is not None:
            yield from _walk(section, key + ".")
        elif entry is not None:
            yield KeyDoc(key, f"list of [[{key}]] tables", _default(field), "", field.description or "")
            yield from _walk(entry, key + "[].")
        else:
            yield KeyDoc(key, _type_name(field.annotation), _default(field), _range(field), field.description or "")


def _section_type(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _list_entry_type(annotation: Any) -> type[BaseModel] | None:
    """The section type of a ``list[Section]`` field, else None."""
    if typing.get_origin(annotation) is not list:
        return None
    return _section_type(typing.get_args(annotation)[0])


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is Literal:
        return type(typing.get_args(annotation)[0]).__name__
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return json.dumps(value) if value is not None else "none"


def _range(field: FieldInfo) -> str:
    if typing.get_origin(field.annotation) is Literal:
        return " | ".join(str(choice) for choice in typing.get_args(field.annotation))
    bounds = [f"{sign} {getattr(item, name)}" for item in field.metadata for name, sign in _BOUNDS if hasattr(item, name)]
    return ", ".join(bounds)
