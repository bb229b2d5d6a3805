import numpy as np

import sklearn_fewlabel
from sklearn_fewlabel import metrics, model_selection
from sklearn_fewlabel.active import ActiveLearner
from sklearn_fewlabel.base import SemiSupervisedClassifierMixin


def test_labeled_accuracy_score_lives_in_metrics_and_keeps_its_old_paths():
    # issue 18: the metric moved from model_selection to metrics; old imports still work
    assert metrics.labeled_accuracy_score.__module__ == "sklearn_fewlabel.metrics._labeled"
    assert model_selection.labeled_accuracy_score is metrics.labeled_accuracy_score
    assert sklearn_fewlabel.labeled_accuracy_score is metrics.labeled_accuracy_score
    assert metrics.labeled_accuracy_score([0, 1, -1], [0, 0, 1]) == 0.5


def test_active_learner_scores_only_labelled_rows():
    # its score ignores -1 rows like every other estimator of the library (it used
    # scikit-learn's, which counts them as errors)
    assert issubclass(ActiveLearner, SemiSupervisedClassifierMixin)
    assert ActiveLearner.score is SemiSupervisedClassifierMixin.score
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 6]
    y = np.r_[np.zeros(40, int), np.ones(40, int)]
    learner = ActiveLearner(n_labels=6, batch_size=2, random_state=0).fit(X, y)
    y_part = y.copy()
    y_part[::2] = -1
    assert learner.score(X, y_part) == learner.score(X[1::2], y[1::2])
