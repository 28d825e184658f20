"""The package's floors import downward only (the import-linter contract in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_floors_import_downward_only():
    """`lint-imports` checks the layers contract; a broken one lists the offending imports."""
    command = shutil.which("lint-imports")
    if command is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    result = subprocess.run([command, str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": str(Path(sys.executable).parent)})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_no_modules_import_each_other_not_even_for_types():
    """No circle of imports, however long and whether or not behind ``if TYPE_CHECKING``: each module can be read
    (and imported) after the ones it needs. The layers contract alone allows circles within one floor."""
    grimp = pytest.importorskip("grimp")  # installed with import-linter
    graph = grimp.build_graph("gankit", cache_dir=None)
    assert len(graph.modules) > 100  # the whole package was read
    circles = [(module, other) for module in sorted(graph.modules) for other in graph.find_modules_directly_imported_by(module)
               if graph.chain_exists(importer=other, imported=module)]
    assert circles == [], f"modules on a circle of imports (importer, imported): {circles}"
