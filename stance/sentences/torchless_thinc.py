"""Import spaCy's ML library, thinc, without PyTorch.

thinc imports torch at import time whenever it is installed (``thinc.compat``),
which here cost every process about 2 s and 210 MiB, labelling workers
included, although the project's spaCy pipelines never run on torch. The
``embeddings`` extra installs torch, so the first import of thinc is made with
torch hidden. torch itself stays importable afterwards: the MiniLM block
imports it directly. If torch was imported before stance, nothing changes.
"""
from __future__ import annotations

import importlib.abc
import sys


class _HideTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(f"{fullname} is hidden while thinc is imported", name=fullname)
        return None


def import_thinc_without_torch() -> None:
    """Import ``thinc.compat`` with torch hidden, unless thinc or torch is already loaded."""
    if "thinc.compat" in sys.modules or "torch" in sys.modules:
        return
    finder = _HideTorch()
    sys.meta_path.insert(0, finder)
    try:
        import thinc.compat  # noqa: F401
    finally:
        sys.meta_path.remove(finder)
