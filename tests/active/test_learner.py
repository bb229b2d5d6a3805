import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import SelfTrainingClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_fewlabel import KNNLabelSpreading, PoissonLearning
from sklearn_fewlabel.active import (
    ActiveLearner,
    ActiveLearningCurveDisplay,
    ConsoleOracle,
    RandomSampling,
    active_learning_curve,
)
from sklearn_fewlabel.active._base import BaseQueryStrategy
from sklearn_fewlabel.utils._testing import SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS



@parametrize_with_checks(
    [ActiveLearner(PoissonLearning(n_neighbors=3), n_labels=10, batch_size=5,
                   strategy="random", random_state=0)],
    expected_failed_checks=lambda est: dict(SEMI_SUPERVISED_EXPECTED_FAILED_CHECKS),
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(400, centers=4, cluster_std=0.6, random_state=0)


def test_simulation_reads_only_queried_labels(blobs):
    X, y = blobs
    learner = ActiveLearner(PoissonLearning(), n_labels=12, batch_size=4, random_state=0)
    learner.fit(X, y)
    lab = learner.labels_ != -1
    assert lab.sum() == 12
    np.testing.assert_array_equal(np.sort(np.flatnonzero(lab)), np.sort(learner.queried_))
    np.testing.assert_array_equal(learner.labels_[lab], y[lab])
    assert learner.history_["n_labeled"] == [4, 8, 12]
    assert learner.history_["n_classes"][-1] == 4
    assert learner.score(X, y) > 0.95


def test_oracle_mode_starts_cold_and_records_skips(blobs):
    X, y = blobs
    asked = []

    def oracle(idx, rows):
        asked.append(np.array(idx))
        out = y[idx].astype(object)
        if len(asked) == 1:
            out[0] = -1  # the annotator skips the first row it is shown
        return out

    y0 = np.full(len(y), -1)
    learner = ActiveLearner(PoissonLearning(), n_labels=8, batch_size=4, oracle=oracle,
                            random_state=0).fit(X, y0)
    assert np.all(y0 == -1)  # input not mutated
    assert learner.labels_[asked[0][0]] == -1
    assert len(asked) == 3 and len(asked[1]) == 1  # the skip is made up by one more query
    assert len(set(np.concatenate(asked))) == len(np.concatenate(asked))  # never asked twice
    assert (learner.labels_ != -1).sum() == 8


def test_oracle_with_string_labels(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "eel", "fox"])
    learner = ActiveLearner(KNNLabelSpreading(), n_labels=8, batch_size=4,
                            oracle=lambda idx, rows: names[y[idx]], random_state=0)
    learner.fit(X, np.full(len(y), -1))
    assert set(learner.classes_) <= set(names)
    assert set(learner.predict(X[:5])) <= set(names)


def test_oracle_wrong_length_is_a_clear_error(blobs):
    X, y = blobs
    learner = ActiveLearner(PoissonLearning(), n_labels=4, batch_size=4,
                            oracle=lambda idx, rows: [0], random_state=0)
    with pytest.raises(ValueError, match="oracle returned 1 labels for 4"):
        learner.fit(X, np.full(len(y), -1))


def test_n_labels_must_exceed_given_labels(blobs):
    X, y = blobs
    y0 = np.full(len(y), -1)
    y0[:10] = y[:10]
    with pytest.raises(ValueError, match="n_labels"):
        ActiveLearner(PoissonLearning(), n_labels=5, oracle=lambda i, r: y[i]).fit(X, y0)


def test_one_class_only_is_a_clear_error(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="only one class"):
        ActiveLearner(PoissonLearning(), n_labels=3, batch_size=3,
                      oracle=lambda i, r: np.zeros(len(i), dtype=int)).fit(X, np.full(len(y), -1))


def test_works_with_sklearn_classifiers_and_pipelines(blobs):
    X, y = blobs
    for est in (SelfTrainingClassifier(LogisticRegression()),
                make_pipeline(StandardScaler(), PoissonLearning())):
        learner = ActiveLearner(est, n_labels=12, batch_size=4, random_state=0).fit(X, y)
        assert learner.score(X, y) > 0.9
        assert learner.predict_proba(X[:3]).shape == (3, 4)


def test_in_cross_val_score_and_grid_search(blobs):
    X, y = blobs
    learner = ActiveLearner(PoissonLearning(), n_labels=8, batch_size=4, random_state=0)
    assert cross_val_score(learner, X, y, cv=3).mean() > 0.9
    gs = GridSearchCV(learner, {"strategy": ["auto", "random"]}, cv=3).fit(X, y)
    assert gs.best_params_["strategy"] in ("auto", "random")


def test_stop_hint_and_history(blobs):
    X, y = blobs
    learner = ActiveLearner(PoissonLearning(), n_labels=40, batch_size=4, random_state=0)
    learner.fit(X, y)  # 4 classes: coverage up to 20 labels, then uncertainty
    ch = learner.history_["changed"]
    assert np.isnan(ch[0]) and all(0 <= c <= 1 for c in ch[1:])
    assert learner.stop_hint_ is not None and learner.stop_hint_ <= 40
    assert learner.history_["phase"][0] == "coverage"
    assert "uncertainty" in learner.history_["phase"]


def test_default_estimator_is_fewlabel():
    X, y = load_digits(return_X_y=True)
    learner = ActiveLearner(n_labels=20, batch_size=10, random_state=0).fit(X[:600], y[:600])
    assert type(learner.estimator_).__name__ == "FewLabelClassifier"
    assert learner.history_["n_classes"][0] >= 8
    assert learner.score(X[600:], y[600:]) > 0.8


def test_warning_when_clusters_stay_label_free(blobs):
    X, y = blobs

    class Stub(BaseQueryStrategy):
        def __init__(self, random_state=None):
            self.random_state = random_state

        def _query(self, X, y, labeled, pool, batch_size, estimator):
            self.phase_ = "coverage"
            self.unlabeled_cluster_share_ = 0.3
            return pool[:batch_size]

    X = np.vstack([X[y == 0][:5], X[y == 1][:5], X])
    y = np.r_[np.zeros(5, int), np.ones(5, int), y]
    with pytest.warns(UserWarning, match="30% of the rows lie in graph clusters"):
        ActiveLearner(PoissonLearning(), strategy=Stub(), n_labels=10, batch_size=10).fit(X, y)


def test_console_oracle_reads_answers_and_draws_images(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    answers = iter(["1", "", "7"])
    oracle = ConsoleOracle(image_shape=(8, 8), label_names=[1, 7],
                           input_func=lambda prompt: next(answers))
    out = oracle(np.array([3, 4, 5]), np.random.RandomState(0).rand(3, 64))
    assert out.tolist() == [1, -1, 7]


def test_curve_and_display(blobs):
    import matplotlib

    matplotlib.use("Agg")
    X, y = blobs
    res = active_learning_curve(PoissonLearning(), X[:300], y[:300], budgets=[4, 8],
                                X_test=X[300:], y_test=y[300:], n_seeds=2,
                                strategies=("auto", RandomSampling()), random_state=0)
    assert set(res) == {"budgets", "auto", "RandomSampling()", "random", "stratified"}
    for name in ("auto", "stratified"):
        assert res[name]["scores"].shape == (2, 2)
        assert np.all(res[name]["n_classes"][:, 0] == 4)  # 4 labels find all 4 blobs
    assert np.all(res["auto"]["scores"] > 0.9)
    disp = ActiveLearningCurveDisplay(res).plot()
    assert set(disp.lines_) == set(res) - {"budgets"}
    with pytest.raises(ValueError, match="increasing"):
        active_learning_curve(PoissonLearning(), X, y, budgets=[8, 4])
    with pytest.raises(ValueError, match="both"):
        active_learning_curve(PoissonLearning(), X, y, X_test=X)


def test_learner_clone_keeps_params():
    learner = ActiveLearner(PoissonLearning(), n_labels=7, strategy="coverage")
    assert clone(learner).get_params()["n_labels"] == 7


def test_verbose_shows_a_progress_bar_and_is_silent_by_default(blobs, capsys):
    # issue 18: long loops show tqdm progress when verbose is set, nothing otherwise
    X, y = blobs
    ActiveLearner(PoissonLearning(), n_labels=8, batch_size=4, random_state=0).fit(X, y)
    out = capsys.readouterr()
    assert out.out == "" and "round" not in out.err
    ActiveLearner(PoissonLearning(), n_labels=8, batch_size=4, random_state=0,
                  verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "ActiveLearner" in err and "2/2" in err and "labels=8" in err


def test_dataframe_feature_names_checked_at_predict_without_spurious_warning():
    pd = pytest.importorskip("pandas")
    X, y = make_blobs(120, centers=3, random_state=0)
    X = pd.DataFrame(X, columns=["a", "b"])
    learner = ActiveLearner(
        SelfTrainingClassifier(LogisticRegression()), n_labels=9, batch_size=3, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(learner.feature_names_in_, ["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fitted columns: no "feature names" warning
        pred = learner.predict(X)
        proba = learner.predict_proba(X)
        log_proba = learner.predict_log_proba(X)
        scores = learner.decision_function(X)
    assert pred.shape == (120,) and scores.shape == (120, 3)
    np.testing.assert_allclose(np.exp(log_proba), proba)
    with pytest.raises(ValueError, match="feature names"):
        learner.predict(X.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="features"):
        learner.predict_proba(X.to_numpy()[:, :1])


@pytest.mark.parametrize("wrap", [False, True])
def test_supervised_classifier_learning_minus_one_as_a_class_is_an_error(wrap):
    # a plain classifier fitted on y with -1 rows learns "-1" as a class and
    # predicts it almost everywhere (score 0): refused with the fix named
    from sklearn_fewlabel.model_selection import LabelBudget

    X, y = make_blobs(90, centers=3, random_state=0)
    est = LogisticRegression()
    if wrap:
        est = LabelBudget(est, n_labeled=9, random_state=0)
    with pytest.raises(ValueError, match="learned -1 \\(unlabelled\\) as a class.*SelfTraining"):
        ActiveLearner(est, n_labels=9, batch_size=3, random_state=0).fit(X, y)
    # the combination the message names works
    ok = ActiveLearner(
        SelfTrainingClassifier(LogisticRegression()), n_labels=9, batch_size=3, random_state=0
    ).fit(X, y)
    assert -1 not in ok.classes_ and ok.score(X, y) > 0.5
