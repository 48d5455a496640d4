"""The `stance` spaCy component: same labels as `stance label`, multiprocessing, to_disk/spacy.load."""
import os
import subprocess
import sys
import tomllib

import pandas as pd
import pytest
import spacy

import stance
from stance.batch.labeller import label_files, read_table
from stance.config import ARTICLES_DIR, DEFAULT_MODEL_PATH, ROOT
from stance.inputs.readers import Article, read_articles
from stance.model.card import ModelIntegrityError, file_sha256, read_card


@pytest.fixture(scope="module")
def stance_nlp():
    nlp = stance.build_nlp()
    nlp.add_pipe("stance")
    return nlp


@pytest.fixture(scope="module")
def seed_articles():
    return [r for r in read_articles([ARTICLES_DIR]) if isinstance(r, Article)]


def component_rows(docs, articles) -> pd.DataFrame:
    rows = []
    for doc, article in zip(docs, articles):
        for idx, span in enumerate(s for s in doc.sents if s._.stance is not None):
            rows.append({"doc_id": article.doc_id, "sent_idx": idx, "text": span.text.strip(), "label": span._.stance,
                         **{f"p_{k}": v for k, v in span._.stance_proba.items()}})
    return pd.DataFrame(rows)


def test_labels_equal_stance_label_on_the_seed_articles(stance_nlp, seed_articles, tmp_path):
    out = tmp_path / "labels.parquet"
    label_files([ARTICLES_DIR], out, model_path=DEFAULT_MODEL_PATH, n_process=1)
    expected = read_table(out)
    got = component_rows(stance_nlp.pipe(a.text for a in seed_articles), seed_articles)
    assert len(got) == len(expected) > 100
    expected = expected.sort_values(["doc_id", "sent_idx"]).reset_index(drop=True)
    got = got.sort_values(["doc_id", "sent_idx"]).reset_index(drop=True)
    assert got["text"].tolist() == expected["text"].tolist()
    assert got["label"].tolist() == expected["label"].tolist()
    for label in ("pro", "anti", "neutral"):
        assert got[f"p_{label}"].tolist() == pytest.approx(expected[f"p_{label}"].tolist(), abs=1e-9)


def test_doc_counts_and_net_stance(stance_nlp):
    doc = stance_nlp("NATO never threatened Russia.\nRussia's security concerns are legitimate and were ignored."
                     "\nTalks resume on Monday.\nPhoto: Reuters")
    labels = [s._.stance for s in doc.sents]
    assert all(label in {"pro", "anti", "neutral"} for label in labels)
    assert all(abs(sum(s._.stance_proba.values()) - 1) < 1e-9 for s in doc.sents)
    assert all(isinstance(s._.attributed, bool) for s in doc.sents)
    counted = [s._.stance for s in doc.sents if not s._.boilerplate]
    assert doc._.stance_counts == {label: counted.count(label) for label in ("pro", "anti", "neutral")}
    pro, anti = doc._.stance_counts["pro"], doc._.stance_counts["anti"]
    assert doc._.net_stance == ((pro - anti) / (pro + anti) if pro + anti else None)
    assert stance_nlp("")._.net_stance is None


def test_two_processes_give_the_same_labels(stance_nlp, seed_articles):
    texts = [a.text for a in seed_articles]
    one = component_rows(stance_nlp.pipe(texts), seed_articles)
    two = component_rows(stance_nlp.pipe(texts, n_process=2, batch_size=2), seed_articles)
    pd.testing.assert_frame_equal(one, two)
    counts = [doc._.stance_counts for doc in stance_nlp.pipe(texts, n_process=2)]
    assert counts == [doc._.stance_counts for doc in stance_nlp.pipe(texts)]


def test_needs_the_stance_feature_component():
    with pytest.raises(ValueError, match="build_nlp"):
        spacy.blank("en").add_pipe("stance")


def test_to_disk_and_spacy_load_keep_the_component_and_its_model(stance_nlp, tmp_path):
    stance_nlp.to_disk(tmp_path / "pipe")
    copied = tmp_path / "pipe" / "stance" / DEFAULT_MODEL_PATH.name
    assert file_sha256(copied) == read_card(copied)["sha256"] == read_card(DEFAULT_MODEL_PATH)["sha256"]
    loaded = spacy.load(tmp_path / "pipe")
    assert loaded.pipe_names == stance_nlp.pipe_names
    assert loaded.get_pipe("stance").model_path == copied
    text = "NATO never threatened Russia. Talks resume on Monday."
    assert [s._.stance for s in loaded(text).sents] == [s._.stance for s in stance_nlp(text).sents]
    copied.write_bytes(copied.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match="does not match its card"):
        spacy.load(tmp_path / "pipe")


def test_config_names_the_factory_and_the_entry_point_finds_it(stance_nlp, tmp_path):
    """spacy.load in a fresh process that never imports stance: only the declared entry points can help."""
    stance_nlp.to_disk(tmp_path / "pipe")
    assert 'factory = "stance"' in (tmp_path / "pipe" / "config.cfg").read_text()
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["spacy_factories"]
    dist = tmp_path / "site" / "stance_entry_points-0.0.dist-info"  # what `pip install -e .` registers
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: stance-entry-points\nVersion: 0.0\n")
    (dist / "entry_points.txt").write_text(
        "[spacy_factories]\n" + "".join(f"{name} = {target}\n" for name, target in entry_points.items()))
    script = ("import sys, spacy; nlp = spacy.load(sys.argv[1]); "
              "print(repr([s._.stance for s in nlp('NATO never threatened Russia. Talks resume.').sents]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "pipe")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(eval(result.stdout.strip())) <= {"pro", "anti", "neutral"}


def test_config_model_path_chooses_the_model(small_model, tmp_path):
    nlp = stance.build_nlp()
    component = nlp.add_pipe("stance", config={"model": str(small_model)})
    assert component.model_path == small_model
    doc = nlp("Russia's security concerns are a pretext for conquest.")
    assert [s._.stance for s in doc.sents] == list(
        stance.load_model(small_model).predict(["Russia's security concerns are a pretext for conquest."]))
    nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "stance" / small_model.name).exists()
