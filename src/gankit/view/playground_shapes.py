"""The shape of a playground command, checked by the server before the command reaches the playground.

A malformed command (not one of :data:`ACTIONS`, settings that are not an object of short
values, points that are not a list) is answered with 400; a well-formed one whose values
are refused is answered by the playground itself, with one line naming the value.
"""

from __future__ import annotations

from typing import Any

ACTIONS = ("start", "pause", "d_step", "g_step", "reset", "settings", "points", "export")


def shape_problem(request: dict[str, Any]) -> str | None:
    """Why a command is malformed (unknown action, settings not an object of short texts or numbers,
    points not a list), or None; the server answers a malformed command with 400 before it reaches the playground."""
    action = request.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        return f"unknown action {str(action)[:40]!r}; allowed: {', '.join(ACTIONS)}"
    settings = request.get("settings", {})
    if action == "settings" and (not isinstance(settings, dict) or not all(
            (isinstance(value, str) or is_number(value)) and len(str(value)) <= 200
            for value in settings.values())):
        return "settings: give an object of key → value (a number or a short TOML text)"
    points = request.get("points")
    if action == "points" and not (isinstance(points, list) and all(
            isinstance(point, list) and len(point) == 2 and all(is_number(v) for v in point) for point in points)):
        return "points: give a list of [x, y] pairs of numbers"
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
