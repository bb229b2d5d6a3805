import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs, make_moons
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fewlabel import (
    FewLabelClassifier,
    LabelBudget,
    LabeledStratifiedKFold,
    PoissonLearning,
    label_budget_curve,
)
from sklearn_fewlabel.semi_supervised import _fewlabel
from sklearn_fewlabel.semi_supervised._fewlabel import _fold_ids, _pool_weights
from sklearn_fewlabel.utils._testing import SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS


def _partial(y, per_class, seed=0):
    rng = np.random.RandomState(seed)
    y_part = np.full_like(y, -1)
    for c in np.unique(y):
        y_part[rng.choice(np.flatnonzero(y == c), per_class, replace=False)] = c
    return y_part


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@parametrize_with_checks(
    [FewLabelClassifier(n_neighbors=(3,), cv=2, random_state=0)],
    expected_failed_checks=lambda est: dict(SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS),
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_fold_ids_keep_a_label_of_every_class_in_every_fold():
    rng = np.random.RandomState(0)
    y = np.array([0] * 1 + [1] * 2 + [2] * 7)
    folds = _fold_ids(y, 5, rng)
    assert folds[y == 0][0] == -1  # a single label is never held out
    for f in np.unique(folds[folds >= 0]):
        train = folds != f
        assert set(y[train]) == {0, 1, 2}
    # 7 labels over 5 folds: every fold used; 2 labels: two different folds
    assert set(folds[y == 2]) == set(range(5))
    assert len(set(folds[y == 1])) == 2


def test_estimate_uses_labelled_rows_only_and_results_are_inspectable(digits):
    X, y = digits
    y_part = _partial(y, 5)
    clf = FewLabelClassifier(random_state=0, prune=False).fit(X, y_part)
    res = clf.cv_results_
    names = list(res["candidate"])
    assert names[:7] == [
        "poisson_logistic_k10", "poisson_k10", "poisson_k20", "spreading_k10", "spreading_k20",
        "pseudo_label", "logistic",
    ]
    # feature_weights="select": the chosen candidate once more, on a weighted graph
    assert names[7:] == [f"{clf.best_candidate_}+feature_weights"]
    assert clf.selection_ == "estimate"
    assert (res["n_test"] == 50).all()  # every labelled row is held out once (5 per class)
    best = names.index(clf.best_candidate_)
    mean = res["mean_test_score"][:7]
    # no clear spectral gap on digits: the pool is the only primary candidate;
    # another replaces it only if better by more than 3 binomial standard errors
    se = np.sqrt(mean[0] * (1 - mean[0]) / 50)
    if best == 0:
        assert np.all(mean[1:] <= mean[0] + 3 * se + 1e-12)
    else:
        assert mean[best] == mean.max() > mean[0] + 3 * se
    assert res["rank_test_score"][int(np.nanargmax(mean))] == 1
    assert {f"split{i}_test_score" for i in range(5)} <= set(res)
    # changing the labels of unlabelled rows (their truth) cannot change the choice
    y_other = y_part.copy()
    clf2 = FewLabelClassifier(random_state=0, prune=False).fit(X, y_other)
    np.testing.assert_array_equal(clf2.cv_results_["mean_test_score"], res["mean_test_score"])
    assert clf.score(X, y) > 0.88
    assert clf.predict_proba(X[:5]).shape == (5, 10)
    np.testing.assert_array_equal(clf.predict(X[:20]), clf.best_estimator_.predict(X[:20]))


def _islands(seed=0):
    """Two classes split by a plane, each made of many tiny far-apart islands."""
    rng = np.random.RandomState(seed)
    centres = rng.uniform(-20, 20, size=(60, 2))
    X = np.repeat(centres, 10, axis=0) + rng.normal(0, 0.05, size=(600, 2))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("case", ["digits3", "digits5", "moons", "islands"])
def test_pruning_changes_the_cost_not_the_choice(digits, case):
    if case.startswith("digits"):
        X, y = digits
        y_part = _partial(y, int(case[-1]), seed=1)
    elif case == "moons":
        X, y = make_moons(400, noise=0.15, random_state=0)
        y_part = _partial(y, 6)
    else:
        X, y = _islands()
        y_part = _partial(y, 15)
    full = FewLabelClassifier(random_state=0, prune=False).fit(X, y_part)
    fast = FewLabelClassifier(random_state=0).fit(X, y_part)
    assert fast.best_candidate_ == full.best_candidate_
    np.testing.assert_array_equal(fast.predict(X), full.predict(X))
    r, rf = fast.cv_results_, full.cv_results_
    pruned = r["pruned"]
    assert not rf["pruned"].any()
    # estimates that ran are the full ones; pruned ones are NaN
    np.testing.assert_array_equal(r["mean_test_score"][~pruned], rf["mean_test_score"][~pruned])
    assert np.isnan(r["mean_test_score"][pruned]).all()
    assert np.isnan(r["std_test_score"][pruned]).all()
    names = list(r["candidate"])
    primary = [i for i, c in enumerate(names) if c.startswith(("matched", "poisson_logistic"))]
    assert not pruned[primary].any()
    # a pruned candidate could not have been chosen: its full estimate stays
    # within three standard errors of the primary choice
    mean = rf["mean_test_score"]
    top = mean[primary].max()
    se = np.sqrt(top * (1 - top) / rf["n_test"][primary[int(np.argmax(mean[primary]))]])
    choice = next(i for i in primary if mean[i] >= top - se - 1e-12)
    assert np.all(mean[pruned] <= mean[choice] + 3 * se + 1e-12)
    # and stopping saved fits: fewer fold scores for the pruned candidates
    for i in np.flatnonzero(pruned):
        run = sum(not np.isnan(r[f"split{j}_test_score"][i]) for j in range(5))
        assert run < 5
    if case == "digits3":  # primary estimates of ~0.9 with 30 held-out rows: all pruned
        assert pruned.sum() >= 3


def test_pruning_is_off_without_a_primary_candidate(digits):
    X, y = digits
    clf = FewLabelClassifier(candidates=["poisson", "spreading"], random_state=0)
    clf.fit(X, _partial(y, 3))
    assert not clf.cv_results_["pruned"].any()
    assert not np.isnan(clf.cv_results_["mean_test_score"]).any()


def test_one_label_per_class_takes_poisson_by_rule(digits):
    X, y = digits
    clf = FewLabelClassifier(random_state=0).fit(X, _partial(y, 1))
    assert clf.selection_ == "one label per class"
    assert clf.best_candidate_ == "poisson_k10"
    assert isinstance(clf.best_estimator_, PoissonLearning)
    assert np.isnan(clf.cv_results_["mean_test_score"]).all()


def test_falls_back_to_logistic_when_the_graph_does_not_help():
    # two classes separated by a plane, but each class is made of many tiny
    # far-apart islands: the kNN graph only links rows of one island, so the
    # labels cannot travel; logistic regression finds the plane
    X, y = _islands()
    y_part = _partial(y, 15)
    clf = FewLabelClassifier(candidates=["poisson", "logistic"], random_state=0).fit(X, y_part)
    assert clf.best_candidate_ == "logistic"
    lr = LogisticRegression(max_iter=1000).fit(X[y_part != -1], y[y_part != -1])
    assert clf.score(X, y) >= lr.score(X, y) - 1e-12


def test_prefers_the_graph_on_moons():
    X, y = make_moons(600, noise=0.08, random_state=0)
    clf = FewLabelClassifier(random_state=0).fit(X, _partial(y, 5))
    assert clf.best_candidate_ != "logistic"
    assert clf.score(X, y) > 0.97


def test_candidates_subset_and_validation(digits):
    X, y = digits
    clf = FewLabelClassifier(candidates=["logistic"], random_state=0).fit(X, _partial(y, 3))
    assert clf.best_candidate_ == "logistic" and not hasattr(clf, "_graphs")
    with pytest.raises(ValueError, match="candidates must be a non-empty subset"):
        FewLabelClassifier(candidates=["svm"]).fit(X, _partial(y, 3))


def test_string_labels_and_no_mutation():
    X, y = make_blobs(200, centers=3, random_state=0)
    names = np.array(["cat", "dog", "eel"], dtype=object)[y]
    y_part = names.copy()
    y_part[np.arange(200) % 20 != 0] = -1
    before = y_part.copy()
    clf = FewLabelClassifier(random_state=0).fit(X, y_part)
    assert list(y_part) == list(before)
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}
    assert clf.score(X, names) > 0.8  # measured 0.84 (overlapping blobs)


def test_composes_with_pipeline_search_budget_curve_and_pickle(digits):
    X, y = digits
    X, y = X[:600], y[:600]
    pipe = make_pipeline(StandardScaler(), FewLabelClassifier(cv=3, random_state=0))
    y_part = _partial(y, 4)
    search = GridSearchCV(
        pipe, {"fewlabelclassifier__n_neighbors": [(10,), (15,)]}, cv=LabeledStratifiedKFold(2)
    ).fit(X, y_part)
    assert search.best_score_ > 0.7
    budget = LabelBudget(FewLabelClassifier(cv=3, random_state=0), n_labeled=40, random_state=0)
    assert budget.fit(X, y).score(X, y) > 0.7
    curve = label_budget_curve(
        FewLabelClassifier(cv=3, random_state=0), X, y, budgets=[20, 40], n_repeats=1, cv=2
    )
    assert curve is not None
    clf = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(clf.predict(X), search.best_estimator_.predict(X))


@pytest.mark.parametrize("extra", ["propagation", "self_training", "nearest_neighbor"])
def test_opt_in_candidates_are_estimated_and_usable(digits, extra):
    X, y = digits
    y_part = _partial(y, 3)
    clf = FewLabelClassifier(candidates=["logistic", extra], random_state=0).fit(X, y_part)
    names = list(clf.cv_results_["candidate"])
    assert any(n.startswith(extra) for n in names) and "logistic" in names
    assert np.all(np.isfinite(clf.cv_results_["mean_test_score"]))
    only = FewLabelClassifier(candidates=[extra], random_state=0).fit(X, y_part)
    assert only.best_candidate_.startswith(extra)
    assert only.score(X, y) > 0.6
    assert only.predict_proba(X[:4]).shape == (4, 10)


def _atypical_blobs(n_features, cluster_std):
    """Four blobs, one label each; class 0's label is a class-0 row moved next
    to the centre of blob 1 (an atypical example of its class)."""
    X, y, C = make_blobs(600, n_features=n_features, centers=4, cluster_std=cluster_std,
                         random_state=0, return_centers=True)
    i0 = np.flatnonzero(y == 0)[0]
    X[i0] = C[1] + 0.15 * (C[0] - C[1])
    y_part = np.full_like(y, -1)
    y_part[i0] = 0
    for c in (1, 2, 3):
        rows = np.flatnonzero(y == c)
        y_part[rows[np.argmin(np.linalg.norm(X[rows] - C[c], axis=1))]] = c
    return X, y, y_part


@pytest.mark.parametrize("n_features, cluster_std", [(5, 2.0), (10, 3.0)])
def test_matched_clusters_recover_the_cluster_of_an_atypical_label(n_features, cluster_std):
    X, y, y_part = _atypical_blobs(n_features, cluster_std)
    poisson = PoissonLearning().fit(X, y_part)
    assert np.mean(poisson.transduction_ == y) < 0.75  # blob 0 is lost to another class
    clf = FewLabelClassifier(random_state=0).fit(X, y_part)
    assert clf.eigengap_clusters_ == 4
    assert clf.selection_ == "one label per class"
    assert clf.best_candidate_ == "matched_clusters_k10"
    assert list(clf.cv_results_["candidate"])[:2] == ["matched_clusters_k10", "poisson_logistic_k10"]
    assert np.mean(clf.transduction_ == y) > 0.94
    lab = y_part != -1
    np.testing.assert_array_equal(clf.transduction_[lab], y_part[lab])  # labels kept
    model = clf.best_estimator_
    assert sorted(model.cluster_classes_) == [0, 1, 2, 3]  # one class per cluster
    # new rows follow the training rows' matched classes
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1)
    assert np.mean(clf.predict(X) == clf.transduction_) > 0.97
    assert clf.score(X, y) > 0.94


def _ten_blobs_atypical_label():
    """Ten wide blobs in 10-d (no clear spectral gap), one label each; class
    0's label sits near the centre of the closest other blob."""
    X, y, C = make_blobs(1000, n_features=10, centers=10, cluster_std=5.0, random_state=0,
                         return_centers=True)
    j = 1 + np.argmin(np.linalg.norm(C[1:] - C[0], axis=1))
    i0 = np.flatnonzero(y == 0)[0]
    X[i0] = C[j] + 0.15 * (C[0] - C[j])
    y_part = np.full_like(y, -1)
    y_part[i0] = 0
    for c in range(1, 10):
        rows = np.flatnonzero(y == c)
        y_part[rows[np.argmin(np.linalg.norm(X[rows] - C[c], axis=1))]] = c
    return X, y, y_part


def test_one_label_rule_takes_clusters_that_agree_with_poisson():
    X, y, y_part = _ten_blobs_atypical_label()
    poisson = FewLabelClassifier(candidates=["poisson"], random_state=0).fit(X, y_part)
    clf = FewLabelClassifier(random_state=0).fit(X, y_part)
    assert clf.selection_ == "one label per class"
    assert clf.eigengap_clusters_ is None  # the spectrum alone would not offer them
    assert _fewlabel._AGREEMENT <= clf.cluster_agreement_ < 0.95
    assert clf.cluster_class_kept_ >= _fewlabel._CLASS_KEPT
    assert clf.best_candidate_ == "matched_clusters_k10"
    # the matched clusters undo part of what the atypical label cost Poisson learning
    assert np.mean(clf.transduction_ == y) > np.mean(poisson.transduction_ == y) + 0.03
    lab = y_part != -1
    np.testing.assert_array_equal(clf.transduction_[lab], y_part[lab])
    assert sorted(clf.best_estimator_.cluster_classes_) == list(range(10))
    # the agreement is measured against the same Poisson solve the choice starts from
    np.testing.assert_allclose(
        clf.cluster_agreement_,
        np.mean(poisson.transduction_ == clf.transduction_),
    )


def test_one_label_rule_keeps_poisson_where_clusters_disagree(digits):
    X, y = digits
    clf = FewLabelClassifier(random_state=0).fit(X, _partial(y, 1))
    # digits' spectral clusters are not its classes: they agree with Poisson
    # learning on too few rows to be trusted
    assert clf.cluster_agreement_ < 0.875
    assert clf.best_candidate_ == "poisson_k10"
    assert not any(c.startswith("matched") for c in clf.cv_results_["candidate"])
    plain = FewLabelClassifier(candidates=["poisson"], random_state=0).fit(X, _partial(y, 1))
    np.testing.assert_array_equal(clf.transduction_, plain.transduction_)
    # with an estimate (two labels per class) the check does not run
    two = FewLabelClassifier(random_state=0).fit(X, _partial(y, 2))
    assert two.cluster_agreement_ is None and two.cluster_class_kept_ is None


def test_one_label_rule_refuses_clusters_that_erase_a_class(digits, monkeypatch):
    X, y = digits
    y_part = _partial(y, 1)
    clf = FewLabelClassifier(random_state=0).fit(X, y_part)
    # digits' clusters merge two digits: one class of Poisson learning keeps
    # almost none of its rows under the matched clusters
    poisson = clf.best_estimator_
    assert clf.best_candidate_ == "poisson_k10"
    matched = FewLabelClassifier(
        candidates=["matched_clusters"], random_state=0
    )
    monkeypatch.setattr(_fewlabel, "_AGREEMENT", 0.0)
    monkeypatch.setattr(_fewlabel, "_CLASS_KEPT", 0.0)
    matched.fit(X, y_part)
    assert matched.best_candidate_ == "matched_clusters_k10"
    p, m = poisson.transduction_, matched.transduction_
    kept = min(np.mean(m[p == c] == c) for c in np.unique(y))
    np.testing.assert_allclose(clf.cluster_class_kept_, kept)
    assert clf.cluster_class_kept_ < 0.25
    # with the agreement bar lowered below this draw's agreement, the class
    # condition alone keeps Poisson learning
    monkeypatch.setattr(_fewlabel, "_AGREEMENT", clf.cluster_agreement_ - 0.01)
    monkeypatch.setattr(_fewlabel, "_CLASS_KEPT", 0.25)
    again = FewLabelClassifier(random_state=0).fit(X, y_part)
    assert again.best_candidate_ == "poisson_k10"
    monkeypatch.setattr(_fewlabel, "_CLASS_KEPT", 0.0)
    assert FewLabelClassifier(random_state=0).fit(X, y_part).best_candidate_ == (
        "matched_clusters_k10"
    )


def test_matched_clusters_need_a_clear_gap_and_estimate_like_any_candidate(digits):
    X, y = digits  # no clear spectral gap at 10 groups
    clf = FewLabelClassifier(candidates=["matched_clusters"], random_state=0).fit(X, _partial(y, 2))
    assert clf.eigengap_clusters_ is None
    assert list(clf.cv_results_["candidate"]) == ["poisson_k10"]  # its stand-in
    Xb, yb, _ = _atypical_blobs(5, 2.0)
    y_part = _partial(yb, 3)
    clf = FewLabelClassifier(random_state=0, prune=False).fit(Xb, y_part)
    res = clf.cv_results_
    assert res["candidate"][0] == "matched_clusters_k10" and clf.selection_ == "estimate"
    assert np.isfinite(res["mean_test_score"]).all()
    # the primary choice is right on every held-out label (standard error 0): no other
    # candidate can be *strictly* better, so pruning stops each before its first fold,
    # and the choice is the same
    assert res["mean_test_score"][0] == 1.0
    pruned = FewLabelClassifier(random_state=0).fit(Xb, y_part)
    names = list(pruned.cv_results_["candidate"])
    # (the pool's parts, Poisson k=10 and logistic regression, are estimated with it)
    others = [names.index(c) for c in ("poisson_k20", "spreading_k10", "spreading_k20",
                                       "pseudo_label")]
    assert all(pruned.cv_results_["pruned"][i] for i in others)
    assert all(np.isnan(pruned.cv_results_["split0_test_score"][i]) for i in others)
    assert pruned.best_candidate_ == clf.best_candidate_
    np.testing.assert_array_equal(pruned.transduction_, clf.transduction_)
    # the Poisson candidate's own estimate is not changed by the matching (or the
    # pool) built on it
    plain = FewLabelClassifier(candidates=["poisson"], random_state=0).fit(Xb, y_part)
    np.testing.assert_array_equal(
        res["mean_test_score"][2:4], plain.cv_results_["mean_test_score"][:2]
    )


def _log_softmax(Z):
    Z = Z - Z.max(1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(1, keepdims=True))


def test_pool_weights_follow_the_informative_model():
    rng = np.random.RandomState(0)
    y = rng.randint(3, size=300)
    informative = _log_softmax(2.0 * np.eye(3)[y] + rng.normal(size=(300, 3)))
    noise = _log_softmax(rng.normal(size=(300, 3)))
    a, b = _pool_weights(noise, informative, y)
    assert b > 0.5 and a < 0.2 * b
    a, b = _pool_weights(informative, noise, y)
    assert a > 0.5 and b < 0.2 * a
    # both confidently wrong: the likelihood is best at weights (0, 0), a
    # uniform pool that predicts one class everywhere; the first model instead
    wrong = _log_softmax(3.0 * np.eye(3)[(y + 1) % 3])
    assert _pool_weights(wrong, wrong, y) == (1.0, 0.0)
    # cross-fitted estimate: each fold scored with weights fitted on the others
    folds = np.arange(300) % 5
    weights, scores, n_held = FewLabelClassifier._cross_fit_pool(
        {"g": [noise[folds == f] for f in range(5)], "s": [informative[folds == f] for f in range(5)]},
        [y[folds == f] for f in range(5)],
        ("g", "s"),
    )
    assert n_held == 300 and len(scores) == 5
    assert weights[1] > weights[0]
    expected = [np.mean(np.argmax(informative[folds == f], 1) == y[folds == f]) for f in range(5)]
    # (a small weight on the noise may flip a row or two of 60)
    np.testing.assert_allclose(scores, expected, atol=2 / 60)


def test_poisson_logistic_pool_beats_both_parts_where_the_graph_is_noisy(capsys):
    # two classes split along feature 0, blurred by 29 noise features: the
    # kNN graph is noisy, 30 labels give a noisy plane; pooled, they are better
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 30))
    y = (X[:, 0] > 0).astype(int)
    X[:, 0] += 0.5 * (2 * y - 1)
    y_part = _partial(y, 15)
    # (the unweighted graph: feature weights would mend this graph, tested apart)
    clf = FewLabelClassifier(
        candidates=["poisson_logistic", "poisson"], feature_weights=None, random_state=0,
        verbose=True,
    ).fit(X, y_part)
    printed = capsys.readouterr().out
    assert "pool weights: Poisson" in printed and "chose poisson_logistic_k10" in printed
    res = clf.cv_results_
    assert list(res["candidate"]) == ["poisson_logistic_k10", "poisson_k10", "poisson_k20"]
    assert res["n_test"][0] == res["n_test"][1] == 30  # the same held-out rows
    assert res["mean_test_score"][0] > res["mean_test_score"][1]
    assert clf.best_candidate_ == "poisson_logistic_k10"
    model = clf.best_estimator_
    assert model.weights_[1] > 1.0  # the logistic model enters the pool
    assert clf.pool_weights_ == model.weights_
    poisson = PoissonLearning().fit(X, y_part)
    lr = LogisticRegression(max_iter=1000).fit(X[y_part != -1], y[y_part != -1])
    assert clf.score(X, y) > max(poisson.score(X, y), lr.score(X, y)) + 0.015
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(clf.transduction_, model.transduction_)
    assert "weights=" in repr(model)
    clf2 = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf2.predict(X[:50]), clf.predict(X[:50]))


def test_poisson_logistic_pool_is_poisson_learning_without_an_estimate(digits):
    X, y = digits
    y_part = _partial(y, 1)
    clf = FewLabelClassifier(candidates=["poisson_logistic"], random_state=0).fit(X, y_part)
    assert clf.selection_ == "one label per class"
    assert clf.best_estimator_.weights_ == clf.pool_weights_ == (1.0, 0.0)
    only = FewLabelClassifier(candidates=["poisson"], random_state=0).fit(X, y_part)
    assert only.pool_weights_ is None
    assert np.isnan(clf.cv_results_["mean_test_score"]).all()
    poisson = PoissonLearning(random_state=None).fit(X, y_part)
    np.testing.assert_array_equal(clf.transduction_, poisson.transduction_)


@pytest.mark.parametrize("n_labels", [1, 4])
@pytest.mark.parametrize("feature_weights", ["select", "auto"])
def test_single_labelled_class_predicts_it_as_warned(n_labels, feature_weights):
    # the validator warns "every prediction will be that class": the fit must
    # not then fail in a candidate that needs two classes (logistic regression)
    X, y = make_blobs(90, centers=3, random_state=0)
    y_part = np.full(90, -1)
    y_part[np.flatnonzero(y == 0)[:n_labels]] = 0
    with pytest.warns(UserWarning, match="only one class"):
        model = FewLabelClassifier(feature_weights=feature_weights, random_state=0).fit(
            X, y_part
        )
    assert model.best_candidate_ == "poisson_k10"
    np.testing.assert_array_equal(model.predict(X), 0)
    proba = model.predict_proba(X)
    assert proba.shape == (90, 1) and np.allclose(proba, 1.0)
