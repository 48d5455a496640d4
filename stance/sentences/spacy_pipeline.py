"""The spaCy stage: build ``nlp``, split sentences, attach per-sentence features.

One function, :func:`build_nlp`, builds the pipeline. Two registered components
do the project's own work:

* ``stance_paragraphs`` (before the parser) makes every line break a sentence
  boundary, so headlines, captions and bylines never merge into body text;
* ``stance_sentence_features`` (after the lemmatizer) sets ``Span`` extensions
  on every content sentence: ``marked_lemmas`` (lemmas with negation scope
  marked ``NEG_``), ``negated``, ``attributed``, ``mentions`` and
  ``boilerplate``.

:func:`sentence_row` turns one annotated span into the flat record the
classifier consumes, so training and labelling share one code path.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from stance.config import spacy_model_name

# Only what the features need: the parser gives sentences and negation arcs,
# tagger + attribute_ruler + lemmatizer give lemmas. NER is never used.
UNUSED_COMPONENTS = ("ner", "senter", "textcat", "entity_ruler")

NEGATION_WORDS = frozenset(
    "no not never nothing nobody none neither nor without n't cannot hardly nowhere".split()
)
REPORTING_VERBS = frozenset(
    """say tell claim argue insist accuse declare state note warn suggest urge write add
    deny reject slam criticize criticise announce assert contend maintain stress emphasize
    emphasise acknowledge admit complain demand propose report recall explain describe
    dismiss condemn praise welcome retort reply respond observe remark comment predict
    caution concede allege lament characterize characterise label brand call tweet""".split()
)
FIRST_PERSON = frozenset({"i", "we"})
QUOTE_SPAN = re.compile(r"[“\"]([^”\"]+)[”\"]|(?:^|\s)‘([^’]+)’")

# Lower-cased lemmas (or token texts) that count as a mention of each actor or concept.
MENTION_LEXICON = {
    "russia": {"russia", "russian", "moscow", "kremlin", "putin", "lavrov", "peskov", "medvedev",
               "zakharova", "shoigu", "ryabkov", "russians"},
    "nato": {"nato", "alliance", "otan"},
    "guarantee": {"guarantee", "assurance", "guarantor", "treaty", "architecture"},
    "enlargement": {"enlargement", "expansion", "expand", "eastward", "accession", "membership",
                    "encirclement", "enlarge"},
    "ukraine": {"ukraine", "ukrainian", "kyiv", "kiev", "zelensky", "zelenskyy", "ukrainians"},
}
MENTION_NAMES = tuple(MENTION_LEXICON)

BOILERPLATE_PATTERNS = [
    r"^\W*(photo|image|picture|illustration|video|credit|source|caption)s?\b\s*[:/|]",
    r"\bphoto\s*:",
    r"\b(getty images|shutterstock|ap photo|afp via|epa-efe|reuters/)",
    r"(?-i:\b[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+)*/[A-Z][A-Z .'-]+$)",  # "JANE DOE/AGENCY" credits
    r"\b(subscribe|newsletter|sign up|inbox|unsubscribe)\b",
    r"\b(no time to read|get a summary|read more|related( articles?)?:|previous article|next article)\b",
    r"\b(share (this|on)|follow us|click here|cookie|all rights reserved|advertisement|min read)\b",
    r"\b(support (our|independent) journalism|donate|listen to this article|leave a comment)\b",
    r"^\W*(by|published|updated|posted)\b[^.]{0,60}$",
    r"^\W*tags?\s*:",
]
BOILERPLATE_RE = re.compile("|".join(BOILERPLATE_PATTERNS), re.IGNORECASE)

SPAN_EXTENSIONS = {
    "marked_lemmas": "",
    "negated": False,
    "attributed": False,
    "boilerplate": False,
    "mentions": (),
}
for _name, _default in SPAN_EXTENSIONS.items():
    Span.set_extension(_name, default=_default, force=True)

FEATURE_COLUMNS = ("text", "lemmas", "negated", "attributed", "boilerplate") + tuple(
    f"mention_{name}" for name in MENTION_NAMES
)


SHORT_LINE_TOKENS = 12  # headings, captions, credits, bylines: never split inside


@Language.component("stance_paragraphs", assigns=["token.is_sent_start"])
def stance_paragraphs(doc: Doc) -> Doc:
    """Start a sentence at every line; keep short lines (headings, credits) whole."""
    for start, end in _lines(doc):
        doc[start].is_sent_start = True
        if end - start <= SHORT_LINE_TOKENS and not _has_inner_stop(doc[start:end - 1]):
            for token in doc[start + 1:end]:
                token.is_sent_start = False
    return doc


def _has_inner_stop(tokens) -> bool:
    return any(t.text in (".", "!", "?") for t in tokens)


def _lines(doc: Doc) -> Iterator[tuple[int, int]]:
    """(start, end) token offsets of each line's non-space content."""
    start = None
    for token in doc:
        breaks = "\n" in token.text or "\n" in token.whitespace_
        if start is None and not token.is_space:
            start = token.i
        if breaks and start is not None:
            end = token.i + (0 if token.is_space else 1)
            if end > start:
                yield start, end
            start = None
    if start is not None:
        yield start, len(doc)


@Language.component(
    "stance_sentence_features",
    requires=["token.lemma", "token.dep", "token.is_sent_start"],
    assigns=[f"span._.{name}" for name in SPAN_EXTENSIONS],
)
def stance_sentence_features(doc: Doc) -> Doc:
    """Annotate every content sentence of ``doc`` with the stance features."""
    for sent in content_sentences(doc):
        annotate_span(sent)
    return doc


def content_sentences(doc: Doc) -> Iterator[Span]:
    """Sentences of ``doc`` with surrounding whitespace tokens trimmed; blank ones skipped."""
    for sent in doc.sents:
        span = trimmed(sent)
        if len(span):
            yield span


def annotate_span(span: Span) -> None:
    """Set the stance extensions on one span."""
    span._.marked_lemmas, span._.negated = mark_negation(span)
    span._.attributed = is_attributed(span)
    span._.mentions = find_mentions(span)
    span._.boilerplate = is_boilerplate(span.text)


def mark_negation(span: Span) -> tuple[str, bool]:
    """Lower-cased lemmas, with ``NEG_`` on words between a negation cue and the next punctuation."""
    out, in_scope, negated = [], False, False
    for token in span:
        if token.is_space:
            continue
        if token.is_punct:
            in_scope = False
            continue
        lemma = token.lemma_.lower() or token.lower_
        if token.dep_ == "neg" or token.lower_ in NEGATION_WORDS:
            in_scope, negated = True, True
            out.append(lemma)
            continue
        out.append("NEG_" + lemma if in_scope else lemma)
    return " ".join(out), negated


def is_attributed(span: Span) -> bool:
    """True when the sentence reports someone else's words or position."""
    text = span.text
    if "according to" in text.lower():
        return True
    for match in QUOTE_SPAN.finditer(text):
        quoted = match.group(1) or match.group(2) or ""
        if len(quoted.split()) >= 4:  # shorter quotes are usually scare quotes
            return True
    return any(_reports_other(token) for token in span)


def _reports_other(token) -> bool:
    if token.lemma_.lower() not in REPORTING_VERBS or token.pos_ not in ("VERB", "AUX"):
        return False
    subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
    return not any(s.lower_ in FIRST_PERSON for s in subjects)


def find_mentions(span: Span) -> tuple[str, ...]:
    """Names of the actors/concepts of the debate the sentence mentions."""
    words = {t.lemma_.lower() for t in span} | {t.lower_ for t in span}
    return tuple(name for name, lexicon in MENTION_LEXICON.items() if words & lexicon)


def is_boilerplate(text: str) -> bool:
    """True for page furniture: credits, captions, newsletter prompts, navigation."""
    return bool(BOILERPLATE_RE.search(text.strip()))


def sentence_row(span: Span) -> dict:
    """The flat feature record for one annotated sentence (keys: ``FEATURE_COLUMNS``)."""
    row = {
        "text": span.text,
        "lemmas": span._.marked_lemmas,
        "negated": span._.negated,
        "attributed": span._.attributed,
        "boilerplate": span._.boilerplate,
    }
    mentioned = set(span._.mentions)
    row.update({f"mention_{name}": name in mentioned for name in MENTION_NAMES})
    return row


def build_nlp(model_name: str | None = None) -> Language:
    """Load the spaCy pipeline with only the components the features use, plus ours.

    Parameters
    ----------
    model_name : str, optional
        An installed spaCy pipeline; defaults to :func:`stance.config.spacy_model_name`.
        ``"blank"`` gives a blank English pipeline with a rule-based sentencizer
        (no lemmas or parses: fast, weaker features).
    """
    name = model_name or spacy_model_name()
    if name == "blank":
        nlp = spacy.blank("en")
        nlp.add_pipe("stance_paragraphs")
        nlp.add_pipe("sentencizer")
    else:
        try:
            nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
        except OSError as exc:
            raise RuntimeError(
                f"spaCy pipeline '{name}' is not installed. Run `make setup`, or install it "
                f"and set STANCE_SPACY_MODEL (see README, 'spaCy model')."
            ) from exc
        nlp.add_pipe("stance_paragraphs", before="parser")
    nlp.add_pipe("stance_sentence_features", last=True)
    return nlp


@lru_cache(maxsize=4)
def cached_nlp(model_name: str | None = None) -> Language:
    """A process-wide ``nlp`` per pipeline name (loading takes a second or two)."""
    return build_nlp(model_name)


def pipeline_info(nlp: Language) -> dict:
    """What the model card records about the spaCy pipeline."""
    return {
        "name": f"{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', 'blank')}",
        "version": nlp.meta.get("version", "0.0.0"),
        "spacy_version": spacy.__version__,
        "components": list(nlp.pipe_names),
    }


def parse_units(texts: list[str], nlp: Language, batch_size: int = 64) -> list[dict]:
    """Feature records for texts that are each one unit (a sentence, a headline, a tweet).

    The whole text is annotated as one span, whatever the segmenter would do.
    """
    rows = []
    with nlp.select_pipes(disable=["stance_sentence_features"]):
        for doc in nlp.pipe(texts, batch_size=batch_size):
            span = trimmed(doc)
            annotate_span(span)
            rows.append(sentence_row(span))
    return rows


def trimmed(span) -> Span:
    """``span`` (or a whole ``Doc``) without leading and trailing whitespace tokens."""
    doc = span.doc if isinstance(span, Span) else span
    start, end = (span.start, span.end) if isinstance(span, Span) else (0, len(doc))
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    return doc[start:end]
