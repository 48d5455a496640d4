"""Execute every notebook in notebooks/ against the bundled model, so none can rot.

Notebooks are stored without outputs; they run here with the ``python3``
kernel that ipykernel installs into the environment running the tests.
"""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from stance.config import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"


def outputs_of(nb, output_type=None):
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
            if output_type is None or o.get("output_type") == output_type]


def test_the_three_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} >= {"01-corpus.ipynb", "02-model.ipynb", "03-outlets.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_clean_and_runs(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == KERNEL
    assert not outputs_of(nb), f"{path.name} is stored with outputs; clear them before committing"
    assert all(cell.get("execution_count") is None for cell in nb.cells if cell.cell_type == "code")
    NotebookClient(nb, timeout=600, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}}).execute()
    assert not outputs_of(nb, "error")
    figures = [o for o in outputs_of(nb) if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} drew no figure"
