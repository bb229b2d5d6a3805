import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.semi_supervised import LabelSpreading

from sklearn_fewlabel.model_selection import (
    LabeledKFold,
    LabeledStratifiedKFold,
    labeled_accuracy_score,
    labeled_scorer,
)


@pytest.fixture
def partial():
    X, y_true = make_blobs(400, centers=[[0, 0], [5, 0], [0, 5]], cluster_std=1.0, random_state=0)
    rng = np.random.RandomState(0)
    y = y_true.copy()
    y[rng.rand(400) < 0.8] = -1  # 80% unlabelled, the practitioner's case
    return X, y, y_true


@pytest.mark.parametrize("cv_cls", [LabeledKFold, LabeledStratifiedKFold])
def test_test_folds_are_labelled_and_unlabelled_rows_always_train(partial, cv_cls):
    X, y, _ = partial
    cv = cv_cls(4, shuffle=True, random_state=0)
    assert cv.get_n_splits() == 4
    seen = []
    for train, test in cv.split(X, y):
        assert np.all(y[test] != -1)
        assert np.all(np.isin(np.flatnonzero(y == -1), train))
        assert np.intersect1d(train, test).size == 0
        seen.append(test)
    seen = np.concatenate(seen)
    np.testing.assert_array_equal(np.sort(seen), np.flatnonzero(y != -1))


def test_stratified_folds_keep_class_balance(partial):
    X, y, _ = partial
    for _, test in LabeledStratifiedKFold(3).split(X, y):
        counts = np.bincount(y[test], minlength=3)
        assert counts.max() - counts.min() <= 4


def test_split_errors():
    with pytest.raises(ValueError, match="requires y"):
        list(LabeledKFold(2).split(np.zeros((4, 1)), None))
    with pytest.raises(ValueError, match="labelled rows"):
        list(LabeledKFold(3).split(np.zeros((4, 1)), [0, 1, -1, -1]))


def test_sklearn_default_cv_counts_unlabelled_rows_as_errors_ours_does_not(partial):
    """The -1 scoring difference: same data, same estimator, two CV set-ups."""
    X, y, y_true = partial
    est = LabelSpreading(kernel="knn", n_neighbors=7)
    grid = {"alpha": [0.2]}
    # scikit-learn's default: StratifiedKFold treats -1 as a class and the
    # default scorer counts every unlabelled test row as an error.
    naive = GridSearchCV(est, grid, cv=5).fit(X, y)
    ours = GridSearchCV(est, grid, cv=LabeledStratifiedKFold(5)).fit(X, y)
    # what the model really achieves (it separates these blobs almost perfectly)
    real = np.mean(LabelSpreading(kernel="knn", n_neighbors=7).fit(X, y).predict(X) == y_true)
    assert real > 0.95
    assert naive.best_score_ < 0.3  # ~ the labelled fraction: wrong
    assert ours.best_score_ > 0.95  # right
    # a labelled scorer fixes the default splitter too
    scores = cross_val_score(est, X, y, cv=5, scoring=labeled_scorer("accuracy"))
    assert scores.mean() > 0.95


def test_labeled_scorers():
    y_true = np.array([0, 1, -1, 1])
    y_pred = np.array([0, 0, 1, 1])
    assert labeled_accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)
    assert labeled_accuracy_score(y_true, y_pred, sample_weight=[1, 0, 5, 1]) == 1.0
    with pytest.raises(ValueError, match="no labelled row"):
        labeled_accuracy_score([-1, -1], [0, 1])
    with pytest.raises(TypeError):
        labeled_scorer(42)
    s = labeled_scorer("balanced_accuracy")
    assert labeled_scorer(s) is s
