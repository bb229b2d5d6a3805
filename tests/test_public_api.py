import importlib

import pytest

import sklearn_fewlabel


@pytest.mark.parametrize("name", sklearn_fewlabel.__all__)
def test_every_public_name_is_importable(name):
    assert hasattr(sklearn_fewlabel, name)


@pytest.mark.parametrize(
    "module", ["active", "cluster", "datasets", "feature_extraction", "imprecise", "metrics", "model_selection", "neighbors", "neural", "semi_supervised", "utils"]
)
def test_subpackage_all_is_complete(module):
    mod = importlib.import_module(f"sklearn_fewlabel.{module}")
    for name in mod.__all__:
        assert hasattr(mod, name), name
