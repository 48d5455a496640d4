"""Execute every notebook in notebooks/ against the bundled model, so none can rot.

Notebooks are stored without outputs and name the ``python3`` kernel. Here
that name is pinned to the interpreter running the tests (a kernelspec written
by ipykernel into a folder put first on JUPYTER_PATH), so a ``python3`` kernel
registered elsewhere for another Python can never be picked up instead.
"""
import sys
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


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(root / "kernels" / KERNEL)
    return root


def test_the_three_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} >= {"01-corpus.ipynb", "02-model.ipynb", "03-outlets.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_clean_and_runs(path: Path, kernel_dir: Path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == KERNEL
    assert not outputs_of(nb), f"{path.name} is stored with outputs; clear them before committing"
    assert all(cell.get("execution_count") is None for cell in nb.cells if cell.cell_type == "code")
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    NotebookClient(nb, timeout=600, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}}).execute()
    assert not outputs_of(nb, "error")
    figures = [o for o in outputs_of(nb) if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} drew no figure"


def test_kernel_runs_this_python(kernel_dir):
    import json

    spec = json.loads((kernel_dir / "kernels" / KERNEL / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
