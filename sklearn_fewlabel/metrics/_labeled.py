"""Metrics that ignore unlabelled (``-1``) rows."""

import functools

import numpy as np
from sklearn.metrics import accuracy_score

from ..utils._labels import unlabeled_mask


def labeled_accuracy_score(y_true, y_pred, *, sample_weight=None):
    """Accuracy over the rows whose true label is not ``-1``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; ``-1`` marks rows without a label, which are ignored.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        Fraction of labelled rows predicted correctly.

    Raises
    ------
    ValueError
        If no row of ``y_true`` is labelled.

    Examples
    --------
    >>> from sklearn_fewlabel.metrics import labeled_accuracy_score
    >>> labeled_accuracy_score([0, 1, -1, -1], [0, 0, 1, 1])
    0.5
    """
    return _labeled_metric(accuracy_score)(
        y_true, y_pred, sample_weight=sample_weight
    )


def _labeled_metric(score_func):
    """Wrap ``score_func(y_true, y_pred, **kw)`` to drop rows with ``y_true == -1``."""

    @functools.wraps(score_func)
    def wrapped(y_true, y_pred, *args, sample_weight=None, **kwargs):
        y_true = np.asarray(y_true)
        mask = ~unlabeled_mask(y_true)
        if not mask.any():
            raise ValueError(
                "no labelled row in y_true (all -1): a score cannot be computed."
            )
        if sample_weight is not None:
            kwargs["sample_weight"] = np.asarray(sample_weight)[mask]
        y_pred = np.asarray(y_pred)[mask]
        y_true = y_true[mask]
        if y_true.dtype == object:
            try:
                y_true = y_true.astype(y_pred.dtype)
            except (TypeError, ValueError):
                pass
        return score_func(y_true, y_pred, *args, **kwargs)

    return wrapped
