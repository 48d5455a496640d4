"""Import spaCy's ML library, thinc, without PyTorch.

thinc imports torch at import time whenever it is installed (``thinc.compat``),
which here cost every process about 2 s and 210 MiB, labelling workers
included, although the project's spaCy pipelines never run on torch. The
``embeddings`` extra installs torch, so the first import of thinc is made with
torch hidden. torch itself stays importable afterwards: the MiniLM block
imports it directly. If torch was imported before stance, nothing changes.

skops (model files) imports every scikit-learn module to list the types it
trusts, torch's array-API shim among them, so it is imported the same way.
"""
from __future__ import annotations

import importlib
import importlib.abc
import sys


class _HideTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(f"{fullname} is hidden while thinc is imported", name=fullname)
        return None


def import_thinc_without_torch() -> None:
    """Import ``thinc.compat`` and ``skops.io`` with torch hidden, unless torch is already loaded."""
    for module in ("thinc.compat", "skops.io"):
        _import_without_torch(module)


def _import_without_torch(module: str) -> None:
    if module in sys.modules or "torch" in sys.modules:
        return
    finder = _HideTorch()
    sys.meta_path.insert(0, finder)
    try:
        importlib.import_module(module)
    finally:
        sys.meta_path.remove(finder)
