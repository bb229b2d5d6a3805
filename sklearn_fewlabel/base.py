"""Base mixins shared by the semi-supervised estimators."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score

from .utils._labels import unlabeled_mask


class SemiSupervisedClassifierMixin(ClassifierMixin):
    """Mixin for classifiers that take ``-1`` for unlabelled rows in ``fit``.

    It changes one thing relative to :class:`~sklearn.base.ClassifierMixin`:
    :meth:`score` ignores rows whose true label is ``-1`` (scikit-learn's own
    ``score`` counts them as errors).
    """

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the labelled rows of ``(X, y)``.

        Rows with ``y == -1`` are ignored (they have no true label). If no
        row is labelled, the score is ``nan``-free ``0.0`` and a warning would
        be misleading, so a :class:`ValueError` is raised instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels, ``-1`` for rows to ignore.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy of ``self.predict(X)`` on the labelled rows.
        """
        from .model_selection._scorer import labeled_accuracy_score

        return labeled_accuracy_score(y, self.predict(X), sample_weight=sample_weight)


def _labeled_rows(y_true, *arrays):
    """Subset ``y_true`` and ``arrays`` to the rows where ``y_true != -1``."""
    mask = ~unlabeled_mask(np.asarray(y_true))
    out = [np.asarray(y_true)[mask]]
    for a in arrays:
        out.append(None if a is None else np.asarray(a)[mask])
    return mask, out


__all__ = ["SemiSupervisedClassifierMixin", "accuracy_score"]
