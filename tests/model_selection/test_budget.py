import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fewlabel.utils._testing import SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS
from sklearn_fewlabel.model_selection import (
    LabelBudget,
    LabelBudgetCurveDisplay,
    label_budget_curve,
    mask_labels,
)


@pytest.fixture
def y30():
    return np.repeat(np.arange(3), 10)


def _kept(y):
    return np.flatnonzero(y != -1)


def test_mask_labels_count_and_copy(y30):
    original = y30.copy()
    out = mask_labels(y30, 7, strategy="random", random_state=0)
    assert _kept(out).size == 7
    np.testing.assert_array_equal(out[_kept(out)], y30[_kept(out)])
    np.testing.assert_array_equal(y30, original)  # input untouched


def test_mask_labels_fraction(y30):
    out = mask_labels(y30, 0.5, random_state=0)
    assert _kept(out).size == 15


def test_stratified_keeps_one_per_class_and_is_proportional():
    y = np.array([0] * 80 + [1] * 15 + [2] * 5)
    out = mask_labels(y, 10, strategy="stratified", random_state=0)
    counts = np.bincount(out[out != -1], minlength=3)
    assert counts.min() >= 1 and counts.sum() == 10
    assert counts[0] > counts[1] >= counts[2]


def test_stratified_budget_below_n_classes_warns(y30):
    with pytest.warns(UserWarning, match="smaller than the number of classes"):
        out = mask_labels(y30, 2, strategy="stratified", random_state=0)
    assert np.unique(out[out != -1]).size == 2


def test_budget_above_available_warns(y30):
    with pytest.warns(UserWarning, match="exceeds"):
        out = mask_labels(y30, 100, random_state=0)
    assert _kept(out).size == 30


def test_existing_unlabeled_rows_are_never_chosen():
    y = np.array([0, 1, -1, -1, 0, 1, -1, 2, 2, 2])
    for seed in range(10):
        out = mask_labels(y, 5, strategy="random", random_state=seed)
        assert np.all(y[_kept(out)] != -1)


def test_reproducible_and_seed_dependent(y30):
    a = mask_labels(y30, 5, random_state=3)
    b = mask_labels(y30, 5, random_state=3)
    c = mask_labels(y30, 5, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_string_labels_masked_with_int_minus_one():
    y = np.array(["a", "b", "c"] * 4)
    out = mask_labels(y, 3, random_state=0)
    assert out.dtype == object
    assert sum(v == -1 for v in out) == 9
    assert set(v for v in out if v != -1) == {"a", "b", "c"}


def test_callable_strategy(y30):
    out = mask_labels(y30, 3, strategy=lambda X, y, n, rng: np.arange(n))
    np.testing.assert_array_equal(_kept(out), [0, 1, 2])


@pytest.mark.parametrize(
    "n_labeled, err", [(0, ValueError), (1.5, ValueError), (-0.5, ValueError), ("10", TypeError)]
)
def test_bad_budgets(y30, n_labeled, err):
    with pytest.raises(err):
        mask_labels(y30, n_labeled)


def test_bad_strategy(y30):
    with pytest.raises(ValueError, match="strategy"):
        mask_labels(y30, 3, strategy="best")
    with pytest.raises(ValueError, match="needs X"):
        mask_labels(y30, 3, strategy="representative")


def test_label_budget_fits_on_all_rows_with_masked_labels():
    X, y = load_iris(return_X_y=True)
    clf = LabelBudget(LabelSpreading(), n_labeled=9, random_state=0).fit(X, y)
    assert clf.n_labeled_ == 9 and clf.labeled_indices_.shape == (9,)
    # the inner estimator saw all 150 rows, 141 of them unlabelled
    assert clf.estimator_.label_distributions_.shape[0] == 150
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert clf.score(X, y) > 0.8
    assert not hasattr(clf, "transform") and not hasattr(clf, "decision_function")


def test_label_budget_score_ignores_unlabeled_rows():
    X, y = load_iris(return_X_y=True)
    clf = LabelBudget(LabelSpreading(), n_labeled=30, random_state=0).fit(X, y)
    y_part = y.copy()
    y_part[::2] = -1
    expected = np.mean(clf.predict(X[1::2]) == y[1::2])
    assert clf.score(X, y_part) == pytest.approx(expected)


def test_label_budget_delegates_transform_in_pipeline():
    X, y = load_iris(return_X_y=True)
    budget = LabelBudget(make_pipeline(StandardScaler(), PCA(2)), n_labeled=10, random_state=0)
    Xt = budget.fit(X, y).transform(X)
    assert Xt.shape == (150, 2)


@parametrize_with_checks(
    [LabelBudget(LabelSpreading(), n_labeled=1.0)],
    expected_failed_checks=lambda est: SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_grid_search_over_budget_parallel():
    X, y = make_blobs(300, centers=[[0, 0], [5, 0], [0, 5]], cluster_std=1.5, random_state=0)
    search = GridSearchCV(
        LabelBudget(LabelSpreading(kernel="knn", n_neighbors=7), random_state=0),
        {"n_labeled": [3, 30, 150], "estimator__alpha": [0.2, 0.8]},
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    res = search.cv_results_
    assert len(res["params"]) == 6
    # scored on true labels of the test folds: manual check of one candidate
    i = res["params"].index({"n_labeled": 150, "estimator__alpha": 0.2})
    assert res["mean_test_score"][i] > 0.8
    assert search.best_params_["n_labeled"] in (30, 150)


def test_label_budget_curve_shapes_and_reproducibility():
    X, y = load_iris(return_X_y=True)
    kw = dict(budgets=[3, 30], n_repeats=2, cv=3, random_state=0)
    b1, s1 = label_budget_curve(LabelSpreading(), X, y, **kw)
    b2, s2, ft, st = label_budget_curve(LabelSpreading(), X, y, return_times=True, n_jobs=2, **kw)
    np.testing.assert_array_equal(b1, [3, 30])
    assert s1.shape == (2, 6) and ft.shape == (2, 6) and st.shape == (2, 6)
    np.testing.assert_allclose(s1, s2)
    assert s1[1].mean() > s1[0].mean()
    assert np.all((ft > 0) & np.isfinite(s1))


def test_label_budget_curve_fixed_split_and_partially_labelled_y():
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    idx = rng.permutation(150)
    split = [(idx[:100], idx[100:])]
    b, s = label_budget_curve(LabelSpreading(), X, y, budgets=[0.5], n_repeats=3, cv=split)
    assert s.shape == (1, 3) and b[0] == 50
    y_part = y.copy()
    y_part[rng.rand(150) < 0.3] = -1
    b, s = label_budget_curve(LabelSpreading(), X, y_part, budgets=[10], n_repeats=1, cv=3)
    assert s.shape == (1, 3) and np.all(s > 0.5)


def test_display_overlays_estimators():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = load_iris(return_X_y=True)
    kw = dict(budgets=[3, 12, 30], n_repeats=2, cv=3, random_state=0)
    d1 = LabelBudgetCurveDisplay.from_estimator(LabelSpreading(), X, y, name="LS", **kw)
    d2 = LabelBudgetCurveDisplay.from_estimator(
        LabelSpreading(kernel="knn"), X, y, ax=d1.ax_, name="LS-knn", **kw
    )
    assert d2.ax_ is d1.ax_
    assert len(d1.ax_.get_lines()) == 2
    assert d1.ax_.get_xscale() == "log"
    assert [t.get_text() for t in d1.ax_.get_legend().get_texts()] == ["LS", "LS-knn"]
    with pytest.raises(ValueError, match="rows"):
        LabelBudgetCurveDisplay(budgets=[1, 2], scores=np.ones((3, 2))).plot()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_label_budget_with_string_labels_and_int_minus_one():
    # issue 18: string labels with the integer -1 for unlabelled rows (the documented
    # convention) raised "'<' not supported between instances of 'int' and 'str'"
    from sklearn.datasets import load_digits

    from sklearn_fewlabel import LabelBudget, PoissonLearning

    X, y = load_digits(return_X_y=True)
    y_str = np.array([f"digit{v}" for v in y], dtype=object)
    y_str[np.arange(len(y)) % 3 != 0] = -1
    budget = LabelBudget(PoissonLearning(), n_labeled=50, random_state=0).fit(X, y_str)
    assert set(budget.predict(X[:20])) <= {f"digit{v}" for v in range(10)}
    assert 0.8 < budget.score(X, y_str) <= 1.0


def test_label_budget_refuses_a_supervised_classifier_learning_minus_one():
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="LabelBudget: the fitted LogisticRegression learned -1"):
        LabelBudget(LogisticRegression(), n_labeled=9, random_state=0).fit(X, y)
