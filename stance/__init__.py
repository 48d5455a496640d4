"""stance: sentence-level stance toward security guarantees for Russia.

Examples
--------
>>> import stance
>>> model = stance.load_model()                      # doctest: +SKIP
>>> model.predict(["Russia's security fears are a pretext."])  # doctest: +SKIP
array(['anti'], dtype=object)
>>> nlp = stance.build_nlp()                         # doctest: +SKIP
>>> nlp.add_pipe("stance")                           # doctest: +SKIP
"""
from stance.sentences.torchless_thinc import import_thinc_without_torch

import_thinc_without_torch()  # before anything imports spaCy: saves ~2 s and ~200 MiB per process

from stance.model.card import load_model  # noqa: E402
from stance.model import spacy_component  # noqa: E402,F401  -- registers the "stance" spaCy factory
from stance.sentences.spacy_pipeline import build_nlp  # noqa: E402

__all__ = ["build_nlp", "load_model"]
__version__ = "0.1.0"
