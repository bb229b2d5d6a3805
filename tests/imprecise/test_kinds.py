import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fewlabel import (
    CandidateLabelSpreading,
    GraphPUClassifier,
    MultiLabelGraphClassifier,
    PUStratifiedKFold,
    candidate_matrix,
    complementary_matrix,
    pu_f1_score,
)
from sklearn_fewlabel.utils import check_candidate_labels, check_multilabel_partial
from sklearn_fewlabel.utils._testing import SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- encodings ----------------------------------------------------------------
def test_candidate_matrix_and_complementary_matrix_build_the_encoding():
    Y, classes = candidate_matrix([2, [0, 2], -1, (1,)], classes=[0, 1, 2])
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 0]])
    np.testing.assert_array_equal(classes, [0, 1, 2])
    with pytest.raises(ValueError, match="not in classes"):
        candidate_matrix([5], classes=[0, 1])
    with pytest.raises(ValueError, match="empty candidate set"):
        candidate_matrix([[]], classes=[0, 1])
    C = complementary_matrix(np.array(["b", -1], dtype=object), classes=["a", "b", "c"])
    np.testing.assert_array_equal(C, [[1, 0, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match="not in classes"):
        complementary_matrix([3], classes=3)


@pytest.mark.parametrize(
    "Y, match",
    [
        ([[1, 0], [0, 0]], "all zeros"),
        ([[1, 2], [1, 0]], "only 0 and 1"),
        ([[1], [1]], "at least 2 classes"),
        ([[1, 1], [1, 1]], "rules out no class"),
        ([1, 0, 1], "2-D"),
        ([[np.nan, 1], [1, 0]], "NaN"),
    ],
)
def test_candidate_validator_errors(Y, match):
    with pytest.raises(ValueError, match=match):
        check_candidate_labels(Y)


def test_candidate_validator_rows_classes_and_no_mutation():
    Y = np.array([[1, 0, 0], [1, 1, 1]])
    before = Y.copy()
    C, constrained, classes = check_candidate_labels(Y, n_samples=2, classes=["x", "y", "z"])
    C[:] = False
    np.testing.assert_array_equal(Y, before)
    np.testing.assert_array_equal(constrained, [True, False])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_candidate_labels(Y, n_samples=3)
    with pytest.raises(ValueError, match="one class per column"):
        check_candidate_labels(Y, classes=[0, 1])
    with pytest.raises(ValueError, match="sorted and distinct"):
        check_candidate_labels(Y, classes=[2, 1, 0])


def test_multilabel_validator():
    Y, known = check_multilabel_partial([[1, -1], [0, 1]])
    np.testing.assert_array_equal(known, [[True, False], [True, True]])
    with pytest.raises(ValueError, match="only 1"):
        check_multilabel_partial([[2, 0], [0, 1]])
    with pytest.raises(ValueError, match="no known entry"):
        check_multilabel_partial([[1, -1], [0, -1]])


# -- candidate sets -----------------------------------------------------------
@parametrize_with_checks(
    [CandidateLabelSpreading(n_neighbors=3, n_iter=3)],
    expected_failed_checks=lambda est: dict(SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS),
)
def test_candidate_spreading_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_partial_labels_recover_the_truth_and_stay_within_candidates(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    C = (rng.rand(y.size, 10) < 0.3).astype(int)
    C[np.arange(y.size), y] = 1
    before = C.copy()
    m = CandidateLabelSpreading().fit(X, C)
    np.testing.assert_array_equal(C, before)
    assert np.mean(m.transduction_ == y) > 0.97
    # never a class the row's label rules out
    assert C[np.arange(y.size), m.transduction_].all()
    assert np.allclose(m.label_distributions_[C == 0], 0)
    assert np.isfinite(m.predict_proba(X[:10])).all()
    # the naive use (one candidate drawn at random) is far worse
    naive = np.array([rng.choice(np.flatnonzero(r)) for r in C])
    assert np.mean(naive == y) < 0.75


def test_complementary_labels_alone_classify(digits):
    X, y = digits
    rng = np.random.RandomState(1)
    not_y = (y + rng.randint(1, 10, y.size)) % 10
    m = CandidateLabelSpreading().fit(X, complementary_matrix(not_y, classes=10))
    assert np.mean(m.transduction_ == y) > 0.9
    assert not np.any(m.transduction_ == not_y)
    assert m.score(X, y) > 0.9


def test_candidate_spreading_string_classes_and_1d_target():
    X, y = make_blobs(150, centers=3, random_state=0)
    names = np.array(["a", "b", "c"])
    Y = np.ones((150, 3), dtype=int)
    Y[::5] = 0
    Y[np.arange(0, 150, 5), y[::5]] = 1
    m = CandidateLabelSpreading(classes=names).fit(X, Y)
    assert set(m.transduction_) <= set(names) and np.mean(m.transduction_ == names[y]) > 0.9
    y1 = np.full(150, -1)
    y1[::5] = y[::5]
    m1 = CandidateLabelSpreading().fit(X, y1)
    np.testing.assert_array_equal(m1.classes_, [0, 1, 2])
    assert m1.score(X, y) > 0.9


# -- PU -----------------------------------------------------------------------
@parametrize_with_checks(
    [GraphPUClassifier(n_neighbors=3)],
    expected_failed_checks=lambda est: {
        **SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS,
        "check_classifiers_train": "PU data: more than one labelled class besides the "
        "positives is rejected (ValueError), by design",
        "check_classifiers_classes": "PU data: at most one negative label besides pos_label=1",
        "check_classifiers_one_label": "a single label that is not pos_label is rejected with a "
        "PU-specific message",
    },
)
def test_pu_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_pu_finds_the_positive_class_and_its_prior(digits):
    X, digit = digits
    rng = np.random.RandomState(0)
    y = np.full(digit.size, -1)
    y[rng.choice(np.flatnonzero(digit == 0), 18, replace=False)] = 1
    before = y.copy()
    clf = GraphPUClassifier().fit(X, y)
    np.testing.assert_array_equal(y, before)
    truth = (digit == 0).astype(int)
    assert abs(clf.class_prior_ - truth.mean()) < 0.01
    assert np.mean(clf.transduction_ == truth) > 0.99
    proba = clf.predict_proba(X)
    assert proba.shape == (digit.size, 2) and np.all((proba >= 0) & (proba <= 1))
    assert np.array_equal(clf.predict(X) == 1, proba[:, 1] >= 0.5)
    # a fixed prior is obeyed
    fixed = GraphPUClassifier(class_prior=0.3).fit(X, y)
    assert abs(fixed.class_prior_ - 0.3) < 0.01


def test_pu_score_splitter_and_search(digits):
    X, digit = digits
    rng = np.random.RandomState(1)
    y = np.full(digit.size, -1)
    y[rng.choice(np.flatnonzero(digit % 2 == 0), 80, replace=False)] = 1
    cv = PUStratifiedKFold(3, shuffle=True, random_state=0)
    for _, test in cv.split(X, y):
        assert (y[test] == 1).any() and (y[test] == -1).any()
    scores = cross_val_score(GraphPUClassifier(), X, y, cv=cv)
    assert np.all(scores > 1.0)  # recall^2 / P(pred) ~ F1 / P(positive) ~ 2 here
    search = GridSearchCV(GraphPUClassifier(), {"n_neighbors": [5, 10]}, cv=cv).fit(X, y)
    assert search.best_score_ > 1.0
    truth = (digit % 2 == 0).astype(int)
    assert search.best_estimator_.score(X, truth) > 0.9  # accuracy on true labels


def test_pu_errors():
    X = np.random.RandomState(0).randn(30, 2)
    with pytest.raises(ValueError, match="pos_label"):
        GraphPUClassifier().fit(X, np.full(30, -1).tolist()[:-1] + [2])
    y = np.full(30, -1)
    y[:3], y[3:6], y[6:9] = 1, 0, 2
    with pytest.raises(ValueError, match="at most one other label"):
        GraphPUClassifier().fit(X, y)
    assert pu_f1_score([1, -1], [0, 0]) == 0.0
    with pytest.raises(ValueError, match="same length"):
        pu_f1_score([1, -1], [1])


# -- multi-label --------------------------------------------------------------
@pytest.mark.parametrize("method", ["poisson", "spreading"])
def test_multilabel_recovers_attributes(digits, method):
    X, digit = digits
    Y = np.column_stack([digit % 2 == 0, digit > 4, np.isin(digit, (2, 3, 5, 7))]).astype(int)
    rng = np.random.RandomState(0)
    Y_part = np.where(rng.rand(*Y.shape) < 0.05, Y, -1)
    before = Y_part.copy()
    clf = MultiLabelGraphClassifier(method).fit(X, Y_part)
    np.testing.assert_array_equal(Y_part, before)
    known = Y_part != -1
    np.testing.assert_array_equal(clf.transduction_[known], Y[known])
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert np.all((proba >= 0) & (proba <= 1))
    assert clf.score(X, Y) > 0.85
    # unknown entries are ignored by the score
    Y_masked = np.where(rng.rand(*Y.shape) < 0.5, Y, -1)
    assert clf.score(X, Y_masked) > 0.85


def test_multilabel_single_valued_column_warns():
    X, _ = make_blobs(60, random_state=0)
    Y = np.full((60, 2), -1)
    Y[:10, 0], Y[10:20, 0] = 1, 0
    Y[:5, 1] = 1
    with pytest.warns(UserWarning, match="only the value 1"):
        clf = MultiLabelGraphClassifier().fit(X, Y)
    assert (clf.predict(X)[:, 1] == 1).all()


def test_multilabel_in_a_pipeline():
    X, y = make_blobs(120, centers=4, random_state=0)
    Y = np.column_stack([y % 2 == 0, y > 1]).astype(int)
    Y_part = np.where(np.random.RandomState(0).rand(*Y.shape) < 0.2, Y, -1)
    pipe = make_pipeline(StandardScaler(), MultiLabelGraphClassifier()).fit(X, Y_part)
    assert pipe.predict(X).shape == (120, 2)


_ML_REASON = "the check's target holds class values other than 1, 0 and -1 (e.g. 1/2 or strings)"


@parametrize_with_checks(
    [MultiLabelGraphClassifier(n_neighbors=3)],
    expected_failed_checks=lambda est: {
        check: _ML_REASON
        for check in (
            "check_estimators_dtypes",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_classifier_data_not_an_array",
            "check_classifiers_classes",
            "check_classifiers_train",
            "check_fit2d_1feature",
        )
    },
)
def test_multilabel_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_mask_labels_multilabel_budget():
    from sklearn_fewlabel import mask_labels

    rng = np.random.RandomState(0)
    Y = (rng.rand(200, 4) < 0.3).astype(int)
    Y[:20, 1] = -1  # already unknown entries are never chosen
    before = Y.copy()
    for strategy in ("random", "stratified"):
        M = mask_labels(Y, 40, strategy=strategy, random_state=0)
        np.testing.assert_array_equal(Y, before)
        kept = M != -1
        assert kept.sum() == 40 and np.all(M[kept] == Y[kept]) and not kept[:20, 1].any()
    M = mask_labels(Y, 40, strategy="stratified", random_state=0)
    assert [int(c.sum()) for c in (M != -1).T] == [10, 10, 10, 10]
    assert all({0, 1} <= set(M[:, j][M[:, j] != -1].tolist()) for j in range(4))
    assert (mask_labels(Y, 0.5, strategy="random", random_state=0) != -1).sum() == round(
        0.5 * (Y != -1).sum())
    with pytest.raises(ValueError, match="multi-label target"):
        mask_labels(Y, 10, strategy="representative")


def test_label_budget_with_a_multilabel_target(digits):
    from sklearn_fewlabel import LabelBudget

    X, digit = digits
    Y = np.column_stack([digit % 2 == 0, digit > 4]).astype(int)
    budget = LabelBudget(MultiLabelGraphClassifier(), n_labeled=60, random_state=0).fit(X, Y)
    assert budget.n_labeled_ == 60 and budget.labeled_indices_.size <= 60
    assert budget.predict(X).shape == Y.shape
    assert budget.score(X, Y) > 0.8


def test_pseudo_label_classifier_with_candidate_sets(digits):
    from sklearn.linear_model import LogisticRegression

    from sklearn_fewlabel import PseudoLabelClassifier

    X, y = digits
    rng = np.random.RandomState(0)
    C = (rng.rand(y.size, 10) < 0.3).astype(int)
    C[np.arange(y.size), y] = 1
    exact = C.sum(1) == 1
    assert 10 < exact.sum() < 300  # ~4% exact labels
    clf = PseudoLabelClassifier(LogisticRegression(max_iter=1000), random_state=0).fit(X, C)
    pseudo = ~exact
    # every pseudo-label lies within its row's candidates
    chosen = clf.transduction_[pseudo]
    ok = chosen != -1
    assert C[np.flatnonzero(pseudo)[ok], chosen[ok]].all()
    y_exact = np.where(exact, y, -1)
    plain = PseudoLabelClassifier(LogisticRegression(max_iter=1000), random_state=0).fit(X, y_exact)
    assert np.mean(chosen[ok] == y[pseudo][ok]) > np.mean(
        plain.transduction_[pseudo][plain.transduction_[pseudo] != -1] == y[pseudo][
            plain.transduction_[pseudo] != -1]) + 0.02
    with pytest.raises(ValueError, match="exact label"):
        PseudoLabelClassifier(LogisticRegression()).fit(X, complementary_matrix(
            (y + 1) % 10, classes=10))


def test_multilabel_stacking_coupling_fits_one_stacker_per_label():
    X, blob = make_blobs(400, centers=[[0, 0], [6, 0], [3, 6], [3, -6]], cluster_std=1.5,
                         random_state=0)
    Y = np.column_stack([blob % 2, blob % 2, blob // 2]).astype(int)
    rng = np.random.RandomState(0)
    Y_part = np.where(rng.rand(*Y.shape) < 0.1, Y, -1)
    plain = MultiLabelGraphClassifier().fit(X, Y_part)
    coupled = MultiLabelGraphClassifier(coupling="stacking").fit(X, Y_part)
    assert len(coupled.couplers_) == 3 and plain.couplers_ is None
    # each stacker reads all labels' logits
    assert all(lr.coef_.shape == (1, 3) for lr in coupled.couplers_)
    proba = coupled.predict_proba(X)
    assert np.all((proba > 0) & (proba < 1))
    assert coupled.score(X, Y) >= plain.score(X, Y) - 0.02 and coupled.score(X, Y) > 0.9
    known = Y_part != -1
    np.testing.assert_array_equal(coupled.transduction_[known], Y[known])


def test_splitters_and_scorer_ignore_unknown_multilabel_entries(digits):
    from sklearn.metrics import f1_score

    from sklearn_fewlabel import LabeledKFold, LabeledStratifiedKFold, labeled_scorer

    X, digit = digits
    Y = np.column_stack([digit % 2 == 0, digit > 4]).astype(int)
    rng = np.random.RandomState(0)
    Y_part = np.where(rng.rand(*Y.shape) < 0.1, Y, -1)
    has_known = (Y_part != -1).any(axis=1)
    for cv in (LabeledKFold(3), LabeledStratifiedKFold(3)):
        tested = np.concatenate([test for _, test in cv.split(X, Y_part)])
        assert has_known[tested].all() and np.sort(tested).tolist() == np.flatnonzero(
            has_known).tolist()
    model = MultiLabelGraphClassifier().fit(X, Y_part)
    scorer = labeled_scorer("f1_micro")
    known = Y_part != -1
    expected = f1_score(Y_part[known], model.predict(X)[known])
    assert scorer(model, X, Y_part) == pytest.approx(expected)
    scores = cross_val_score(MultiLabelGraphClassifier(), X, Y_part, cv=LabeledKFold(3),
                             scoring=scorer)
    assert np.all(scores > 0.85)


def test_labeled_scorer_multilabel_averages():
    from sklearn.metrics import f1_score

    from sklearn_fewlabel import labeled_scorer

    class Fixed:
        def __init__(self, P):
            self.P = P

        def predict(self, X):
            return self.P[np.asarray(X)[:, 0].astype(int)]

    Y = np.array([[1, 0], [0, 1], [1, 1], [0, -1], [-1, -1]])
    P = np.array([[1, 1], [0, 1], [0, 1], [0, 0], [1, 1]])
    X = np.arange(5)[:, None]
    est = Fixed(P)
    known = Y != -1
    assert labeled_scorer("accuracy")(est, X, Y) == pytest.approx(np.mean(P[known] == Y[known]))
    assert labeled_scorer("f1_micro")(est, X, Y) == pytest.approx(f1_score(Y[known], P[known]))
    macro = np.mean([f1_score(Y[known[:, j], j], P[known[:, j], j]) for j in range(2)])
    assert labeled_scorer("f1_macro")(est, X, Y) == pytest.approx(macro)
    with pytest.raises(ValueError, match="samples"):
        labeled_scorer("f1_samples")(est, X, Y)
