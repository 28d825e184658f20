"""The example notebook (examples/table.py, a jupytext notebook) runs end to end in a Jupyter kernel.

It trains the tabular preset through the Python API (two epochs here instead of its 300), shows the progress
of ``GAN.fit``, and displays the GAN and its evaluation report as HTML tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext", reason="the notebook test needs jupytext (pip install -e .[test])")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient (pip install -e .[test])")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "examples" / "table.py"


def _outputs(cell) -> list[dict]:
    return list(cell.get("outputs", []))


def test_the_table_notebook_runs_and_shows_progress_and_html(monkeypatch):
    notebook = jupytext.read(NOTEBOOK)
    parameters = next(cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", []))
    assert "EPOCHS = 300" in parameters.source
    parameters.source = parameters.source.replace("EPOCHS = 300", "EPOCHS = 2")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [out for cell in code for out in _outputs(cell) if out.get("output_type") == "error"]
    assert errors == []
    shown = [out.get("data", {}).get("text/html", "") for cell in code for out in _outputs(cell)
             if out.get("output_type") == "execute_result"]
    assert any("<td>preset</td><td>tabular</td>" in html and "not yet" in html for html in shown)  # before fit
    assert any("<td>trained</td><td>2/2 epochs</td>" in html for html in shown)  # after fit
    assert any("STINGUISHABLE" in html and "<th>p-value</th>" in html for html in shown)  # the report
    fit_cell = next(cell for cell in code if "gan.fit(people)" in cell.source)
    printed = " ".join(str(out.get("text", "")) + str(out.get("data", {})) for out in _outputs(fit_cell))
    assert "2/2" in printed and "GAN('tabular'" in printed  # the progress bar's last state, then the repr
