"""spaCy is imported without torch, and torch stays usable afterwards."""
import subprocess
import sys


from tests.sentences.test_embeddings import needs_extra

SCRIPT = """
import sys
import stance
from stance.sentences.spacy_pipeline import cached_nlp
cached_nlp()
print("torch" in sys.modules)
import thinc.compat
print(thinc.compat.has_torch)
import torch
print(torch.ones(2).sum().item())
"""


@needs_extra
def test_spacy_loads_without_torch_and_torch_still_imports():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "2.0"]
