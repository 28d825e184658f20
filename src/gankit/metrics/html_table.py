"""A small HTML table, for the objects that a notebook displays (``_repr_html_``).

Jupyter shows an object's ``_repr_html_()`` instead of its ``repr``; an evaluation report and a GAN render
as one table each. Every cell is escaped, so a column name or a path cannot inject markup.
"""

from __future__ import annotations

from html import escape
from typing import Any, Sequence


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> str:
    """``rows`` under ``header`` as an HTML table, with an optional caption above it."""
    head = "".join(f"<th>{escape(str(name))}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(value))}</td>" for value in row) + "</tr>" for row in rows)
    title = f"<caption style='text-align:left'>{escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
