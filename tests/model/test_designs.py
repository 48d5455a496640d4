import pytest

from stance.evaluation.harness import OURS, evaluation_models
from stance.model.designs import DESIGNS, build_design, design_params


def test_every_design_builds_a_pipeline():
    for name in DESIGNS:
        assert [step for step, _ in build_design(name).steps][-1] == "clf"


def test_unknown_design_names_the_known_ones():
    with pytest.raises(KeyError, match="default"):
        design_params("nope")


def test_evaluation_models_adds_named_designs_before_ours():
    models = evaluation_models(designs=("all",))
    assert list(models)[-1] == OURS
    assert {f"design:{n}" for n in DESIGNS if n != "default"} <= set(models)
