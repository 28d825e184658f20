"""Every third-party module that ``src/gankit`` imports is a declared requirement of the package.

The imports are read from the source (AST), the requirements from the installed package's metadata.
An import at a module's top level must be a base dependency: a plain ``pip install .`` has to run it.
An import inside a function or a ``try`` block (or a module named to ``import_module``/``find_spec``) is
optional, and must be a base dependency or belong to an extra that is not only for developers.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "gankit"
DEVELOPER_EXTRAS = {"test", "bench", "docs"}
# Import names whose distribution is named otherwise, for modules that need not be installed here.
DISTRIBUTION_OF = {"PIL": "pillow", "sklearn": "scikit-learn", "torch_fidelity": "torch-fidelity", "yaml": "pyyaml"}


@dataclass(frozen=True)
class Import:
    module: str  # top-level module name
    where: str  # file:line
    optional: bool  # inside a function or a try block, or named as a string


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dynamic_module(node: ast.Call) -> str | None:
    """The literal module of ``import_module("m")`` or ``find_spec("m")``, else None."""
    called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if called in ("import_module", "find_spec") and node.args and isinstance(node.args[0], ast.Constant):
        return str(node.args[0].value)
    return None


def imports_of(path: Path) -> list[Import]:
    """The absolute imports in one file, each marked optional when it sits in a function or a ``try``."""
    found: list[Import] = []

    def visit(node: ast.AST, optional: bool) -> None:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and _dynamic_module(node):
            names, optional = [_dynamic_module(node)], True
        for name in names:
            found.append(Import(name.split(".")[0], f"{path.name}:{node.lineno}", optional))
        nested = optional or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Try, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, nested)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def third_party_imports(root: Path = SOURCE) -> list[Import]:
    skip = set(sys.stdlib_module_names) | {"gankit", "__future__"}
    return [found for path in sorted(root.rglob("*.py")) for found in imports_of(path) if found.module not in skip]


@functools.cache
def installed_distributions() -> dict[str, list[str]]:
    """Import name → distributions, read once (reading every installed package's files takes a while)."""
    return importlib.metadata.packages_distributions()


def distribution_of(module: str) -> str:
    installed = installed_distributions().get(module)
    return normalized(installed[0] if installed else DISTRIBUTION_OF.get(module, module))


def declared(requirements: list[str]) -> tuple[set[str], set[str]]:
    """(base, optional) distribution names from metadata lines like ``x>=1; extra == "y"``."""
    base, optional = set(), set()
    for line in requirements:
        name = normalized(re.match(r"[A-Za-z0-9_.\-]+", line).group(0))
        extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", line)
        if extra is None:
            base.add(name)
        elif extra.group(1) not in DEVELOPER_EXTRAS:
            optional.add(name)
    return base, optional


def undeclared(imports: list[Import], requirements: list[str]) -> list[str]:
    """One line per import that the requirements do not cover."""
    base, optional = declared(requirements)
    problems = []
    for found in imports:
        distribution = distribution_of(found.module)
        if distribution in base or (found.optional and distribution in optional):
            continue
        kind = "an optional import outside every user extra" if found.optional else "a top-level import, not a base dependency"
        problems.append(f"{found.where}: {found.module} ({distribution}) is {kind}")
    return problems


def test_every_import_of_the_package_is_declared():
    requirements = importlib.metadata.requires("gankit") or []
    assert undeclared(third_party_imports(), requirements) == []


def test_the_check_finds_a_missing_dependency(tmp_path):
    (tmp_path / "command_line.py").write_text("import click\nimport numpy as np\n")
    (tmp_path / "trackers.py").write_text("def log():\n    import mlflow\n")
    requirements = ["numpy>=1.24", 'mlflow>=2.9; extra == "mlflow"', 'click>=8; extra == "test"']
    problems = undeclared(third_party_imports(tmp_path), requirements)
    assert problems == ["command_line.py:1: click (click) is a top-level import, not a base dependency"]


def test_an_optional_extra_does_not_cover_a_top_level_import(tmp_path):
    (tmp_path / "trackers.py").write_text("import mlflow\ntry:\n    import tensorboard\nexcept ImportError:\n    pass\n")
    requirements = ['mlflow>=2.9; extra == "mlflow"', 'tensorboard>=2; extra == "tensorboard"']
    assert undeclared(third_party_imports(tmp_path), requirements) == [
        "trackers.py:1: mlflow (mlflow) is a top-level import, not a base dependency"
    ]


def test_dynamic_imports_are_read_as_optional(tmp_path):
    (tmp_path / "images.py").write_text("import importlib\nimportlib.import_module('torch_fidelity')\n")
    assert [(i.module, i.optional) for i in third_party_imports(tmp_path)] == [("torch_fidelity", True)]
