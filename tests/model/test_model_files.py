"""Model files cannot run code: skops with a trusted-type list; pickles only on request."""
import json
import subprocess
import warnings

import joblib
import pytest
import skops.io as sio
from click.testing import CliRunner

from stance.cli import main
from stance.config import MODELS_DIR
from stance.model.card import (PickleModelWarning, UntrustedModelError, card_path, file_sha256, file_types,
                               load_model, read_card, read_model_file, untrusted_types, write_model_file)
from stance.model.trusted_types import TRUSTED_TYPES

MARKER_NAME = "planted-code-ran"


class ShellOnLoad:
    """What an attacker would put in a model: state that runs a shell command when the object is rebuilt."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __setstate__(self, state):
        subprocess.run(["touch", state["marker"]], check=False)
        self.__dict__.update(state)


def plant(small_model, tmp_path):
    """A copy of ``small_model`` with ``ShellOnLoad`` inside its tree, and a matching card."""
    pipeline = read_model_file(small_model)
    marker = tmp_path / MARKER_NAME
    pipeline.named_steps["spacy"].payload = ShellOnLoad(marker)
    path = tmp_path / "planted.skops"
    sio.dump(pipeline, path)
    card = read_card(small_model)
    card.update(model_file=path.name, sha256=file_sha256(path))  # whoever hands over the file hands over its card
    card_path(path).write_text(json.dumps(card))
    return path, marker


def test_a_planted_type_is_refused_by_name_and_nothing_runs(small_model, tmp_path):
    path, marker = plant(small_model, tmp_path)
    with pytest.raises(UntrustedModelError, match=r"ShellOnLoad"):
        load_model(path)
    result = CliRunner().invoke(main, ["label", "corpus/articles", "--out", str(tmp_path / "l.parquet"),
                                       "--model", str(path), "--n-process", "1", "--quiet"])
    assert result.exit_code != 0 and "ShellOnLoad" in result.output
    assert not marker.exists()
    # The plant is live: a loader that trusted it would have run the command.
    sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert marker.exists()


def test_a_callable_that_would_run_a_shell_command_is_refused(small_model, tmp_path):
    pipeline = read_model_file(small_model)
    pipeline.named_steps["features"].named_transformers_["flags"].func = subprocess.getoutput
    path = tmp_path / "callable.skops"
    sio.dump(pipeline, path)
    assert untrusted_types(path) == ["subprocess.getoutput"]
    with pytest.raises(UntrustedModelError, match="subprocess.getoutput"):
        read_model_file(path)


def test_saving_refuses_a_model_that_needs_an_untrusted_type(small_model, tmp_path):
    pipeline = read_model_file(small_model)
    pipeline.named_steps["spacy"].payload = ShellOnLoad(tmp_path / MARKER_NAME)
    with pytest.raises(UntrustedModelError, match="trusted_types.py"):
        write_model_file(pipeline, tmp_path / "m.skops")
    assert not (tmp_path / "m.skops").exists()
    with pytest.raises(ValueError, match=".skops"):
        write_model_file(pipeline, tmp_path / "m.joblib")


@pytest.mark.parametrize("name", ["stance.skops", "stance-minilm.skops"])
def test_committed_models_hold_only_trusted_types(name):
    path = MODELS_DIR / name
    assert untrusted_types(path) == []
    assert read_card(path)["sha256"] == file_sha256(path)
    own = {t for t in file_types(path) if t.startswith("stance.")}
    assert own and own <= set(TRUSTED_TYPES)


def legacy_copy(small_model, tmp_path):
    path = tmp_path / "legacy.joblib"
    joblib.dump(read_model_file(small_model), path)
    card = read_card(small_model)
    card.update(model_file=path.name, sha256=file_sha256(path))
    card_path(path).write_text(json.dumps(card))
    return path


def test_a_pickle_loads_only_with_trust_and_a_warning(small_model, tmp_path):
    path = legacy_copy(small_model, tmp_path)
    with pytest.raises(UntrustedModelError, match="--trust-pickle"):
        load_model(path)
    with pytest.warns(PickleModelWarning):
        model = load_model(path, trust_pickle=True)
    assert list(model.predict(["NATO threatens no one."])) == list(
        load_model(small_model).predict(["NATO threatens no one."]))


def test_cli_trust_pickle_and_convert(small_model, tmp_path):
    path = legacy_copy(small_model, tmp_path)
    runner = CliRunner()
    refused = runner.invoke(main, ["explain", "--model", str(path), "NATO threatens no one."])
    assert refused.exit_code != 0 and "--trust-pickle" in refused.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)
        allowed = runner.invoke(main, ["explain", "--model", str(path), "--trust-pickle", "NATO threatens no one."])
    assert allowed.exit_code == 0, allowed.output
    assert runner.invoke(main, ["model", "convert", str(path)]).exit_code != 0
    converted = runner.invoke(main, ["model", "convert", str(path), "--trust-pickle"])
    assert converted.exit_code == 0, converted.output
    new = path.with_suffix(".skops")
    card = read_card(new)
    assert card["sha256"] == file_sha256(new) and card["converted_from"]["file"] == "legacy.joblib"
    assert load_model(new).predict(["NATO threatens no one."])[0] in {"pro", "anti", "neutral"}


def test_inspect_lists_types_and_card(small_model, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["model", "inspect", str(small_model), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert "stance.sentences.features.CueLexiconCounter" in info["types"]
    assert "sklearn.pipeline.Pipeline" in info["types"]
    assert info["untrusted"] == [] and info["card"]["sha256"] == file_sha256(small_model)
    planted, _ = plant(small_model, tmp_path)
    text = runner.invoke(main, ["model", "inspect", str(planted)]).output
    assert f"UNTRUSTED {__name__}.ShellOnLoad" in text and "card:" in text
