import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fewlabel import FixMatchClassifier, PoissonLearning
from sklearn_fewlabel.neural import ImageStrongAugment
from sklearn_fewlabel.semi_supervised._fixmatch import _FixMatchLoader
from sklearn_fewlabel.utils._testing import SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS
from tests._device import pickle_as_if_fitted_on_cuda


@parametrize_with_checks(
    [FixMatchClassifier(mu=1, batch_size=16, max_epochs=30, random_state=0)],
    expected_failed_checks=lambda est: dict(SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS),
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_learns_from_three_labels_per_class(digits_3_per_class):
    X, y, y_part = digits_3_per_class
    X0, y0 = X.copy(), y_part.copy()
    clf = FixMatchClassifier(max_epochs=30, random_state=0).fit(X, y_part)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y_part, y0)
    # measured 93.4% (30 labels, 30 epochs); logistic regression on the 30 labels: ~75%
    assert clf.score(X, y) > 0.88
    assert clf.n_labeled_stream_ == 30
    rates = clf.net_.history[-1, "batches", :, "mask_rate"]
    assert 0 < np.mean(rates) <= 1


def test_teacher_initialisation(digits_3_per_class):
    X, y, y_part = digits_3_per_class
    clf = FixMatchClassifier(PoissonLearning(), max_epochs=10, random_state=0).fit(X, y_part)
    assert clf.n_labeled_stream_ == len(y)
    assert clf.score(X, y) > 0.9
    few = FixMatchClassifier(PoissonLearning(), teacher_threshold=0.5, max_epochs=1,
                             random_state=0).fit(X, y_part)
    assert 30 <= few.n_labeled_stream_ < len(y)


def test_loader_builds_the_three_views():
    class DS:
        X = np.arange(40, dtype=np.float32).reshape(20, 2)
        y = np.r_[[0, 1], np.full(18, -1)]

    loader = _FixMatchLoader(DS(), batch_size=2, mu=3, weak=lambda x: x, strong=lambda x: -x)
    assert len(loader) == 4  # ceil(20 / 6)
    Xb, yb = next(iter(loader))
    assert Xb.shape == (2 + 2 * 6, 2)
    assert torch.all(yb[:2] >= 0) and torch.all(yb[2:] == -1)
    assert torch.equal(Xb[8:], -Xb[2:8])  # strong views of the same rows


def test_strong_augment_changes_images_within_range():
    torch.manual_seed(0)
    x = torch.rand(6, 64)
    out = ImageStrongAugment((8, 8))(x)
    assert out.shape == x.shape and not torch.allclose(out, x)
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    with pytest.raises(ValueError, match="image_shape"):
        ImageStrongAugment((5, 5))(x)


def test_reproducible_and_pickles(digits_3_per_class):
    X, y, y_part = digits_3_per_class
    a = FixMatchClassifier(max_epochs=1, mu=2, random_state=1).fit(X, y_part)
    b = FixMatchClassifier(max_epochs=1, mu=2, random_state=1).fit(X, y_part)
    np.testing.assert_allclose(a.predict_proba(X[:9]), b.predict_proba(X[:9]), atol=1e-6)
    back = pickle.loads(pickle.dumps(a))
    np.testing.assert_allclose(back.predict_proba(X[:9]), a.predict_proba(X[:9]), atol=1e-6)


def test_a_cuda_fitted_model_loads_on_cpu(digits_3_per_class):
    """The pickle of a GPU fit (net_.device "cuda", tensors tagged cuda:0) loads and
    predicts where CUDA is absent: the LR scheduler's optimizer state included."""
    if torch.cuda.is_available():
        pytest.skip("the mock is for CPU-only machines")
    X, y, y_part = digits_3_per_class
    a = FixMatchClassifier(max_epochs=1, mu=2, random_state=1).fit(X, y_part)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = pickle.loads(pickle_as_if_fitted_on_cuda(a))
    assert str(back.net_.device) == "cpu"
    np.testing.assert_allclose(back.predict_proba(X[:9]), a.predict_proba(X[:9]), atol=1e-6)


def test_bad_input(digits_3_per_class):
    X, y, y_part = digits_3_per_class
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            FixMatchClassifier(device="cuda", max_epochs=1).fit(X, y_part)
    with pytest.raises(ValueError, match="image_shape"):
        FixMatchClassifier(image_shape=(5, 5)).fit(X, y_part)
