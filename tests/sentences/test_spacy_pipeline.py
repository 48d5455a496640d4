import pytest
from spacy.tokens import Doc

from stance.sentences.spacy_pipeline import (FEATURE_COLUMNS, annotate_span, content_sentences, is_boilerplate, mark_negation,
                               parse_units, sentence_row)


def test_pipeline_has_only_the_components_the_features_use(nlp):
    assert "ner" not in nlp.pipe_names
    assert nlp.pipe_names[-1] == "stance_sentence_features"
    assert nlp.pipe_names.index("stance_paragraphs") < nlp.pipe_names.index("parser")


def test_line_breaks_split_sentences(nlp):
    doc = nlp("Photo: Reuters\nMacron spoke on TF1. He was in Washington.\n\nNo time to read?")
    texts = [s.text for s in content_sentences(doc)]
    assert texts == ["Photo: Reuters", "Macron spoke on TF1.", "He was in Washington.", "No time to read?"]


def test_component_sets_span_extensions(nlp):
    doc = nlp("Lavrov said NATO does not respect Russia's interests.")
    (sent,) = content_sentences(doc)
    assert sent._.attributed and sent._.negated
    assert set(sent._.mentions) == {"russia", "nato"}
    assert "NEG_respect" in sent._.marked_lemmas.split()


def test_component_on_a_hand_built_doc(nlp):
    words = ["NATO", "threatens", "no", "one", "."]
    doc = Doc(nlp.vocab, words=words, spaces=[True, True, True, False, False],
              lemmas=["NATO", "threaten", "no", "one", "."], deps=["nsubj", "ROOT", "det", "dobj", "punct"],
              sent_starts=[True, False, False, False, False], pos=["PROPN", "VERB", "DET", "NOUN", "PUNCT"])
    span = doc[:]
    annotate_span(span)
    assert span._.negated and span._.mentions == ("nato",) and not span._.attributed
    assert span._.marked_lemmas == "nato threaten no NEG_one"


@pytest.mark.parametrize("text, attributed", [
    ("Macron said Europe must consider how to give guarantees to Russia.", True),
    ("According to the Kremlin, NATO is a threat.", True),
    ("“We need to prepare what we are ready to do,” he told TF1.", True),
    ("I argue that the alliance threatens nobody.", False),
    ("The alliance threatens nobody.", False),
    ("NATO expansion is always 'benign' in this view.", False),
])
def test_attribution(nlp, text, attributed):
    (sent,) = content_sentences(nlp(text))
    assert sent._.attributed is attributed


@pytest.mark.parametrize("text, boilerplate", [
    ("Photo: kremlin.ru", True),
    ("No time to read?", True),
    ("Sign up for our weekly newsletter", True),
    ("Previous Article", True),
    ("By Lawrence Freedman", True),
    ("Flags on a table JESS FRAMPTON/GZERO MEDIA", True),
    ("Russia demanded a moratorium on NATO expansion.", False),
    ("The NATO/EU summit went ahead.", False),
    ("By refusing to talk, the West leaves Moscow no exit.", False),
])
def test_boilerplate(text, boilerplate):
    assert is_boilerplate(text) is boilerplate


def test_negation_scope_ends_at_punctuation(nlp):
    (sent,) = content_sentences(nlp("Russia is not threatened, and NATO knows it."))
    lemmas, negated = mark_negation(sent)
    assert negated and "NEG_threaten" in lemmas.split() and "know" in lemmas.split()


def test_parse_units_keeps_each_text_whole(nlp):
    rows = parse_units(["One. Two. Three.", "  Four  "], nlp)
    assert [r["text"] for r in rows] == ["One. Two. Three.", "Four"]
    assert set(rows[0]) == set(FEATURE_COLUMNS)
    assert sentence_row(next(content_sentences(nlp("NATO.")))) .keys() == rows[0].keys()
