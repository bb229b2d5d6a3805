"""Base mixins shared by the semi-supervised estimators."""

from sklearn.base import ClassifierMixin

from .metrics._labeled import labeled_accuracy_score


class SemiSupervisedClassifierMixin(ClassifierMixin):
    """Mixin for classifiers that take ``-1`` for unlabelled rows in ``fit``.

    It changes one thing relative to :class:`~sklearn.base.ClassifierMixin`:
    :meth:`score` ignores rows whose true label is ``-1`` (scikit-learn's own
    ``score`` counts them as errors).
    """

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the labelled rows of ``(X, y)``.

        Rows with ``y == -1`` are ignored (they have no true label). If no
        row is labelled there is nothing to score and a :class:`ValueError`
        is raised.

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
        return labeled_accuracy_score(y, self.predict(X), sample_weight=sample_weight)


__all__ = ["SemiSupervisedClassifierMixin"]
