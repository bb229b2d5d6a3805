"""What every query strategy shares: input checks, the pool, probabilities of a fitted model."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array

from ..utils import check_partially_labeled


def _check_query(X, y, batch_size, who, *, exclude=None):
    """Validate a query: ``X`` numeric, ``y`` with ``-1`` for unlabelled (all
    ``-1`` allowed: a cold start), ``batch_size`` an int not above the pool.

    Returns ``X`` (float array or CSR), ``y`` (array), the labelled mask and
    the pool (indices of the rows that may be queried: unlabelled and not in
    ``exclude``)."""
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
    y, labeled, _ = check_partially_labeled(
        y,
        n_samples=X.shape[0],
        allow_unlabeled_only=True,
        warn_single_class=False,
        estimator_name=who,
    )
    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool):
        raise TypeError(f"{who}: batch_size must be an int, got {type(batch_size).__name__}.")
    pool = ~labeled
    if exclude is not None:
        pool[np.asarray(exclude, dtype=np.int64)] = False
    pool = np.flatnonzero(pool)
    if not 1 <= batch_size <= pool.shape[0]:
        raise ValueError(
            f"{who}: batch_size must be between 1 and the number of rows that can "
            f"still be queried ({pool.shape[0]}); got {batch_size}."
        )
    return X, y, labeled, pool


def uncertainty(proba, method):
    """Uncertainty of each row (higher = less sure) from class probabilities."""
    proba = np.clip(np.nan_to_num(proba, nan=0.0), 0.0, None)
    s = proba.sum(axis=1, keepdims=True)
    proba = np.where(s > 0, proba / np.where(s > 0, s, 1.0), 1.0 / max(proba.shape[1], 1))
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    if method == "margin":
        top2 = -np.partition(-proba, 1, axis=1)[:, :2]
        return 1.0 - (top2[:, 0] - top2[:, 1])
    if method == "least_confident":
        return 1.0 - proba.max(axis=1)
    logp = np.log(np.where(proba > 0, proba, 1.0))
    return -(proba * logp).sum(axis=1)


class BaseQueryStrategy(BaseEstimator):
    """Base class of query strategies: ``query(X, y, ...)`` returns row indices.

    A strategy only reads ``X`` and ``y`` (``-1`` = unlabelled) and, for
    model-based strategies, a fitted ``estimator``; it never changes them.
    Parameters are set in ``__init__`` (so strategies clone, compare and
    grid-search like estimators); what the last query saw is stored in
    attributes ending in ``_``.
    """

    #: whether ``query`` needs a fitted estimator (and at least one label)
    needs_estimator = False

    def query(self, X, y, *, batch_size=1, estimator=None, exclude=None):
        """Rows to label next.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The pool: labelled and unlabelled rows.
        y : array-like of shape (n_samples,)
            Labels so far, ``-1`` for unlabelled rows (all ``-1``: cold start).
        batch_size : int, default=1
            Number of rows to return.
        estimator : estimator, default=None
            A classifier fitted on ``(X, y)`` (model-based strategies).
        exclude : array-like of int, default=None
            Rows never to return (e.g. rows the annotator skipped).

        Returns
        -------
        indices : ndarray of shape (batch_size,)
            Distinct indices of unlabelled rows, most wanted first.
        """
        name = type(self).__name__
        X, y, labeled, pool = _check_query(X, y, batch_size, name, exclude=exclude)
        if self.needs_estimator and estimator is None:
            raise ValueError(f"{name}.query needs a fitted estimator (estimator=...).")
        idx = self._query(X, y, labeled, pool, batch_size, estimator)
        idx = np.asarray(idx, dtype=np.int64)
        if idx.shape[0] != batch_size or np.unique(idx).shape[0] != batch_size:
            raise RuntimeError(f"{name} returned {idx.shape[0]} rows for batch_size={batch_size}.")
        return idx
