"""A column computed from others, written as a restricted expression (``total = price + tax``), never ``eval``-ed.

The right side is parsed by :mod:`ast` and only these nodes are accepted: numbers, column names, ``+ - * /``,
unary ``-``/``+``, parentheses, and the calls ``abs(x)``, ``min(x, y, ...)``, ``max(x, y, ...)`` and
``round(x)`` / ``round(x, digits)``, applied to whole columns by NumPy. A column whose name is not a Python
identifier is written between backquotes: ``` `body mass` ```. Anything else (attributes, subscripts, other calls,
comparisons, strings) is one line naming the part that is not allowed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from gankit.errors import UserError

_QUOTED = re.compile(r"`([^`]+)`")
_BINARY: dict[type, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
}
_UNARY: dict[type, Callable[[np.ndarray], np.ndarray]] = {ast.USub: np.negative, ast.UAdd: np.positive}
FUNCTIONS = ("abs", "min", "max", "round")


@dataclass(frozen=True)
class Formula:
    """``target = expression``: the target column and the parsed right side."""

    text: str
    target: str
    tree: ast.expr
    inputs: tuple[str, ...]  # the columns the expression reads, in order of first use
    names: tuple[tuple[str, str], ...]  # placeholder → column, for backquoted names

    def evaluate(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """The expression on whole columns (float64 arrays by column name)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(self._value(self.tree, columns), dtype=np.float64)

    def _value(self, node: ast.expr, columns: Mapping[str, np.ndarray]) -> np.ndarray | float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return columns[dict(self.names).get(node.id, node.id)]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._value(node.left, columns), self._value(node.right, columns))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._value(node.operand, columns))
        arguments = [self._value(argument, columns) for argument in node.args]  # a checked call
        name = node.func.id  # type: ignore[attr-defined]
        if name == "abs":
            return np.abs(arguments[0])
        if name in ("min", "max"):
            combine = np.minimum if name == "min" else np.maximum
            result = arguments[0]
            for argument in arguments[1:]:
                result = combine(result, argument)
            return result
        return np.round(arguments[0], int(arguments[1]) if len(arguments) > 1 else 0)


def parse_formula(text: str, columns: Sequence[str]) -> Formula:
    """``target = expression`` checked against the table's ``columns``; a one-line error for anything else."""
    left, equals, right = _split_at_equals(text)
    if not equals:
        raise UserError(f"constraint formula '{text}': write TARGET = EXPRESSION, e.g. 'total = price + tax'")
    target = _unquoted(left.strip())
    if target not in columns:
        raise UserError(f"constraint formula '{text}': no column '{target}'; the columns are {', '.join(columns)}")
    names: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        names[f"_column_{len(names)}"] = match[1]
        return f"_column_{len(names) - 1}"

    try:
        tree = ast.parse(_QUOTED.sub(placeholder, right).strip(), mode="eval").body
    except SyntaxError:
        raise UserError(f"constraint formula '{text}': '{right.strip()}' is not an expression") from None
    inputs: list[str] = []
    _check(tree, text, names, columns, inputs)
    if target in inputs:
        raise UserError(f"constraint formula '{text}': '{target}' is computed from itself")
    return Formula(text, target, tree, tuple(dict.fromkeys(inputs)), tuple(names.items()))


def _split_at_equals(text: str) -> tuple[str, str, str]:
    """Split at the single ``=`` that is not part of ``==``, ``<=``, ``>=`` or ``!=``."""
    for position, char in enumerate(text):
        if char == "=" and text[position - 1 : position] not in ("=", "<", ">", "!") and text[position + 1 : position + 2] != "=":
            return text[:position], "=", text[position + 1 :]
    return text, "", ""


def _unquoted(name: str) -> str:
    return name[1:-1] if len(name) > 1 and name[0] == name[-1] == "`" else name


def _check(node: ast.expr, text: str, names: Mapping[str, str], columns: Sequence[str], inputs: list[str]) -> None:
    """Accept only the nodes the module docstring lists, and collect the columns read."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return
    if isinstance(node, ast.Name):
        column = names.get(node.id, node.id)
        if column not in columns:
            raise UserError(f"constraint formula '{text}': no column '{column}'; the columns are {', '.join(columns)}")
        inputs.append(column)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, text, names, columns, inputs)
        _check(node.right, text, names, columns, inputs)
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check(node.operand, text, names, columns, inputs)
        return
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
            and not node.keywords and _arity_fits(node.func.id, len(node.args))):
        for argument in node.args:
            _check(argument, text, names, columns, inputs)
        if node.func.id == "round" and len(node.args) == 2 and not isinstance(node.args[1], ast.Constant):
            raise UserError(f"constraint formula '{text}': round's digits must be a number")
        return
    raise UserError(f"constraint formula '{text}': '{ast.unparse(node)}' is not allowed; a formula takes numbers, "
                    f"columns, + - * /, parentheses and {', '.join(FUNCTIONS)}")


def _arity_fits(name: str, count: int) -> bool:
    return {"abs": count == 1, "round": count in (1, 2)}.get(name, count >= 2)
