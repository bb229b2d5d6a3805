"""Scorers that ignore unlabelled (``-1``) rows."""

import numpy as np
from sklearn.metrics import get_scorer
from sklearn.metrics._scorer import _BaseScorer

# the metric lives in ``metrics`` (re-exported here, its old home)
from ..metrics._labeled import labeled_accuracy_score  # noqa: F401
from ..utils._labels import unlabeled_mask


class _LabeledScorer(_BaseScorer):
    """Delegate to a scikit-learn scorer on the labelled rows only."""

    def __init__(self, scorer):
        self._scorer = scorer
        super().__init__(
            score_func=scorer._score_func,
            sign=scorer._sign,
            kwargs=scorer._kwargs,
            response_method=getattr(scorer, "_response_method", "predict"),
        )

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        mask = ~unlabeled_mask(np.asarray(y_true))
        if not mask.any():
            raise ValueError(
                "no labelled row in y_true (all -1): a score cannot be computed."
            )
        if hasattr(X, "iloc"):
            X_l = X.iloc[mask]
        else:
            X_l = X[mask] if not isinstance(X, list) else [X[i] for i in np.flatnonzero(mask)]
        y_l = np.asarray(y_true)[mask]
        if "sample_weight" in kwargs and kwargs["sample_weight"] is not None:
            kwargs = dict(kwargs, sample_weight=np.asarray(kwargs["sample_weight"])[mask])
        return self._scorer._score(method_caller, estimator, X_l, y_l, **kwargs)

    def __repr__(self):
        return f"labeled_scorer({self._scorer!r})"


def labeled_scorer(scoring="accuracy"):
    """Make a scorer that ignores rows whose true label is ``-1``.

    Use it as ``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_val_score` and friends when the
    evaluation data are partially labelled. Only the labelled rows of the test
    fold are predicted and scored.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name (``"accuracy"``, ``"balanced_accuracy"``,
        ``"f1_macro"``, ``"neg_log_loss"``, ...) or a scorer made by
        :func:`~sklearn.metrics.make_scorer`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_fewlabel.model_selection import labeled_scorer
    >>> X, y = np.zeros((4, 1)), np.array([1, 1, 1, -1])
    >>> clf = DummyClassifier().fit(X, [1, 1, 1, 0])
    >>> labeled_scorer("accuracy")(clf, X, y)
    1.0
    """
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    if isinstance(scorer, _LabeledScorer):
        return scorer
    if not isinstance(scorer, _BaseScorer):
        raise TypeError(
            "scoring must be a scorer name or a scorer made by make_scorer; got "
            f"{type(scoring).__name__}."
        )
    return _LabeledScorer(scorer)


__all__ = ["labeled_accuracy_score", "labeled_scorer"]
