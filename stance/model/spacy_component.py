"""The ``stance`` spaCy component: sentence labels inside the ``nlp`` object users already have.

>>> import stance
>>> nlp = stance.build_nlp()                                    # doctest: +SKIP
>>> nlp.add_pipe("stance")                                      # doctest: +SKIP
>>> [s._.stance for s in nlp("NATO never threatened Russia. Talks resume.").sents]  # doctest: +SKIP
['anti', 'neutral']

It labels the same sentences as ``stance label`` (``content_sentences``: every
line break starts one, blank ones are skipped) with the same feature rows and
the same model, so the labels are the same. It needs the project's
``stance_sentence_features`` component earlier in the pipeline, which
:func:`stance.build_nlp` adds. Extensions it sets:

* ``Span._.stance`` (``"pro"``, ``"anti"``, ``"neutral"`` or ``None`` for a blank
  sentence), ``Span._.stance_proba`` (``{label: probability}``); ``Span._.attributed``
  comes from ``stance_sentence_features``;
* ``Doc._.stance_counts`` (sentences per label, boilerplate left out, as
  ``stance aggregate`` counts by default) and ``Doc._.net_stance``
  ((pro - anti) / (pro + anti), ``None`` without pro or anti sentences).

The model is read on first use (or by ``from_disk``), so building a pipeline
from a saved config never reads the path the config was written with.
``nlp.to_disk`` copies the model file and its card beside the pipeline;
``spacy.load`` reads that copy and checks its hash against the card.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from stance.config import DEFAULT_MODEL_PATH, LABELS
from stance.model.card import (MODEL_SUFFIX, ModelIntegrityError, card_path, check_embeddings_extra, read_card,
                               read_model_file, verify_model_file)
from stance.sentences.spacy_pipeline import FEATURE_COLUMNS, content_sentences, pipeline_info, sentence_row, trimmed

FEATURES_COMPONENT = "stance_sentence_features"


def _count_labels(doc: Doc) -> dict:
    counts = {label: 0 for label in LABELS}
    for span in content_sentences(doc):
        if span._.stance is not None and not span._.boilerplate:
            counts[span._.stance] += 1
    return counts


def _net_stance(doc: Doc) -> float | None:
    counts = doc._.stance_counts
    sided = counts["pro"] + counts["anti"]
    return (counts["pro"] - counts["anti"]) / sided if sided else None


Span.set_extension("stance", default=None, force=True)
Span.set_extension("stance_proba", default=None, force=True)
# Getters, not stored values: always consistent with the sentence labels, and
# nothing extra to carry back from nlp.pipe(..., n_process=2) workers.
Doc.set_extension("stance_counts", getter=_count_labels, force=True)
Doc.set_extension("net_stance", getter=_net_stance, force=True)


@Language.factory(
    "stance",
    default_config={"model": None},
    requires=["span._.marked_lemmas", "span._.attributed", "span._.boilerplate"],
    assigns=["span._.stance", "span._.stance_proba"],
)
def make_stance_component(nlp: Language, name: str, model: str | None) -> "StanceComponent":
    """The ``stance`` factory; ``model`` is a ``.skops`` file (default: the bundled model)."""
    if FEATURES_COMPONENT not in nlp.pipe_names:
        raise ValueError(f"the 'stance' component needs '{FEATURES_COMPONENT}' before it; build the pipeline "
                         "with stance.build_nlp() and add 'stance' last.")
    return StanceComponent(name, model or DEFAULT_MODEL_PATH, pipeline_info(nlp))


class StanceComponent:
    """Label each sentence of a doc with the stance model (see the module docstring)."""

    def __init__(self, name: str, model_path: str | Path, spacy_pipeline: dict, batch_size: int = 64):
        self.name = name
        self.model_path = Path(model_path)
        self.spacy_pipeline = spacy_pipeline
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = self._load(self.model_path)
        return self._model

    def _load(self, path: Path):
        verify_model_file(path)
        card = read_card(path)
        trained = card.get("spacy_pipeline", {})
        for key in ("name", "version"):
            if trained.get(key) != self.spacy_pipeline[key]:
                raise ModelIntegrityError(
                    f"{path} was trained with spaCy pipeline {trained.get('name')} {trained.get('version')}, "
                    f"but this nlp is {self.spacy_pipeline['name']} {self.spacy_pipeline['version']}.")
        model = read_model_file(path)
        check_embeddings_extra(model)
        return model

    def __call__(self, doc: Doc) -> Doc:
        self.label_docs([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            self.label_docs(batch)
            yield from batch

    def label_docs(self, docs: list[Doc]) -> None:
        """One ``predict_proba`` call for every sentence of ``docs``."""
        sentences = [(sent, span) for doc in docs for sent, span in _sentences(doc)]
        if not sentences:
            return
        rows = pd.DataFrame([sentence_row(span) for _, span in sentences], columns=list(FEATURE_COLUMNS))
        proba = self.model.predict_proba(rows)
        classes = list(self.model.classes_)
        for (sent, span), p in zip(sentences, proba):
            label = classes[int(p.argmax())]
            scores = {c: float(v) for c, v in zip(classes, p)}
            for target in {sent, span}:  # the span doc.sents gives and its trimmed twin
                target._.stance, target._.stance_proba = label, scores
                target._.attributed = span._.attributed

    def to_disk(self, path: str | Path, exclude=tuple()) -> None:
        verify_model_file(self.model_path)  # copy only the file that matches its card
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.model_path, path / self.model_path.name)
        shutil.copyfile(card_path(self.model_path), card_path(path / self.model_path.name))

    def from_disk(self, path: str | Path, exclude=tuple()) -> "StanceComponent":
        found = sorted(Path(path).glob(f"*{MODEL_SUFFIX}"))
        if len(found) != 1:
            raise ModelIntegrityError(f"{path}: expected one {MODEL_SUFFIX} model file beside the pipeline, "
                                      f"found {len(found)}.")
        self.model_path = found[0]
        self._model = self._load(self.model_path)
        return self


def _sentences(doc: Doc) -> Iterator[tuple[Span, Span]]:
    """(sentence as ``doc.sents`` gives it, the same without edge whitespace) for every content sentence."""
    for sent in doc.sents:
        span = trimmed(sent)
        if len(span):
            yield sent, span
