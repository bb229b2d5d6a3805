"""Cross-validation splitters for partially labelled data."""

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.model_selection._split import BaseCrossValidator

from ..utils._labels import _is_label_matrix, check_multilabel_partial, check_partially_labeled


class _LabeledSplitMixin:
    """Test folds from labelled rows only; unlabelled rows always train."""

    def _inner(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of splitting iterations.

        Parameters
        ----------
        X, y, groups : object
            Ignored, present for API compatibility.

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        return self.n_splits

    def split(self, X, y, groups=None):
        """Generate train/test indices.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Targets, ``-1`` for unlabelled rows (multi-label: 1/0/-1 entries;
            a row with a known entry counts as labelled). Required.
        groups : object
            Ignored.

        Yields
        ------
        train : ndarray
            Indices of the training rows: the other labelled folds and
            every unlabelled row.
        test : ndarray
            Indices of the test rows: labelled rows only.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__}.split requires y (with -1 for unlabelled rows)."
            )
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        if _is_label_matrix(y):
            # multi-label (1/0/-1): rows with a known entry are tested; stratified
            # by whether a row has a known positive entry
            Y, known = check_multilabel_partial(
                y, n_samples=n, estimator_name=type(self).__name__
            )
            labeled = known.any(axis=1)
            y = ((Y == 1) & known).any(axis=1).astype(np.int64)
        else:
            y, labeled, _ = check_partially_labeled(
                y, n_samples=n, warn_single_class=False, estimator_name=type(self).__name__
            )
        idx_l = np.flatnonzero(labeled)
        idx_u = np.flatnonzero(~labeled)
        if idx_l.shape[0] < self.n_splits:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater "
                f"than the number of labelled rows: {idx_l.shape[0]}."
            )
        inner = self._inner()
        y_l = y[idx_l]
        for tr, te in inner.split(np.zeros((idx_l.shape[0], 1)), y_l):
            yield np.sort(np.concatenate([idx_l[tr], idx_u])), idx_l[te]


class LabeledKFold(_LabeledSplitMixin, BaseCrossValidator):
    """K-fold over the labelled rows; unlabelled rows stay in every train set.

    scikit-learn's splitters treat ``-1`` as a class and put unlabelled rows in
    test folds, where the default scorers count them as errors. This splitter
    draws each test fold from the labelled rows only.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the labelled rows before splitting.
    random_state : int, RandomState instance or None, default=None
        Used when ``shuffle=True``.

    See Also
    --------
    LabeledStratifiedKFold : The stratified variant.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.model_selection import LabeledKFold
    >>> X = np.zeros((6, 1)); y = np.array([0, -1, 1, -1, 0, 1])
    >>> for train, test in LabeledKFold(2).split(X, y):
    ...     print(train, test)
    [1 3 4 5] [0 2]
    [0 1 2 3] [4 5]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def _inner(self):
        return KFold(self.n_splits, shuffle=self.shuffle, random_state=self.random_state)


class LabeledStratifiedKFold(_LabeledSplitMixin, BaseCrossValidator):
    """Stratified K-fold over the labelled rows; unlabelled rows always train.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle each class's labelled rows before splitting.
    random_state : int, RandomState instance or None, default=None
        Used when ``shuffle=True``.

    See Also
    --------
    LabeledKFold : The non-stratified variant.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.model_selection import LabeledStratifiedKFold
    >>> X = np.zeros((8, 1)); y = np.array([0, -1, 1, -1, 0, 1, 0, 1])
    >>> cv = LabeledStratifiedKFold(2)
    >>> [len(test) for _, test in cv.split(X, y)]
    [3, 3]
    >>> all(-1 not in y[test] for _, test in cv.split(X, y))
    True
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def _inner(self):
        return StratifiedKFold(
            self.n_splits, shuffle=self.shuffle, random_state=self.random_state
        )


class PUStratifiedKFold(_LabeledSplitMixin, BaseCrossValidator):
    """K-fold for positive-unlabelled data: every test fold holds both kinds of rows.

    The PU criterion (:func:`~sklearn_fewlabel.metrics.pu_f1_score`) needs
    labelled positives in the test fold (for the recall) and unlabelled rows
    (for the share predicted positive), in the proportions of the whole data;
    so the folds are stratified on "labelled or not" (unlike
    :class:`LabeledKFold`, which never tests unlabelled rows).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the rows before splitting.
    random_state : int, RandomState instance or None, default=None
        Used when ``shuffle=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.model_selection import PUStratifiedKFold
    >>> y = np.array([1, 1, -1, -1, -1, -1, -1, -1])
    >>> [sorted(y[test].tolist()) for _, test in PUStratifiedKFold(2).split(np.zeros((8, 1)), y)]
    [[-1, -1, -1, 1], [-1, -1, -1, 1]]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X, y, groups=None):
        """Generate train/test indices.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            PU targets: the positive label or ``-1``. Required.
        groups : object
            Ignored.

        Yields
        ------
        train, test : ndarray
            Indices; both hold labelled positives and unlabelled rows.
        """
        if y is None:
            raise ValueError("PUStratifiedKFold.split requires y (with -1 for unlabelled rows).")
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        y, labeled, _ = check_partially_labeled(
            y, n_samples=n, warn_single_class=False, estimator_name="PUStratifiedKFold"
        )
        for kind, what in ((labeled, "labelled"), (~labeled, "unlabelled")):
            if kind.sum() < self.n_splits:
                raise ValueError(
                    f"PUStratifiedKFold: n_splits={self.n_splits} is more than the "
                    f"{int(kind.sum())} {what} rows."
                )
        inner = StratifiedKFold(self.n_splits, shuffle=self.shuffle, random_state=self.random_state)
        yield from inner.split(np.zeros((n, 1)), labeled.astype(int))


__all__ = ["LabeledKFold", "LabeledStratifiedKFold", "PUStratifiedKFold"]
