"""Reading a fitted model's outputs for its own training rows (shared by students and queries)."""

import numpy as np
from sklearn.pipeline import Pipeline


def final_model(estimator):
    """The model that holds the training-row outputs (last step of a pipeline,
    the chosen candidate of a FewLabelClassifier)."""
    model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    inner = getattr(model, "best_estimator_", None)
    return inner if inner is not None else model


def training_proba(estimator, X, rows=None):
    """Class probabilities of training rows ``rows`` (all if ``None``) from a fitted estimator.

    Transductive models (the graph learners of this library, alone, in a
    pipeline or chosen by :class:`~sklearn_fewlabel.FewLabelClassifier`) give
    their ``label_distributions_`` of the rows they were fitted on, which is
    exact and free; any other classifier is asked ``predict_proba(X[rows])``.
    """
    n = X.shape[0]
    rows = np.arange(n) if rows is None else rows
    model = final_model(estimator)
    dist = getattr(model, "label_distributions_", None)
    if dist is not None and dist.shape[0] == n:
        return np.asarray(dist[rows], dtype=np.float64)
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"{type(estimator).__name__} has no predict_proba: class probabilities "
            "of the training rows are needed."
        )
    return np.asarray(estimator.predict_proba(X[rows]), dtype=np.float64)
