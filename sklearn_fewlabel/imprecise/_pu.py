"""Positive-unlabelled (PU) learning on the kNN graph."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..metrics._pu import pu_f1_score
from ..neighbors._graph import ALGORITHMS, _default_graph, _neighbour_mean
from ..semi_supervised._propagation import _spread
from ..utils import check_partially_labeled
from ..utils._labels import unlabeled_mask


def _sweep_cut(W, d, order, first, last):
    """Prefix of ``order`` (length in ``[first, last]``) of least conductance.

    Conductance of a set ``S``: ``cut(S) / min(vol(S), vol(V \\ S))``, with
    ``vol`` the sum of degrees. Vectorised: an edge lies inside the prefix of
    length ``m`` once both ends rank below ``m``.
    Returns ``(length, conductance of every prefix)``.
    """
    n = order.shape[0]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    Wc = W.tocoo()
    inner = np.cumsum(
        np.bincount(np.maximum(rank[Wc.row], rank[Wc.col]), weights=Wc.data, minlength=n)
    )
    vol = np.cumsum(d[order])
    total = vol[-1]
    denom = np.minimum(vol, total - vol)
    cond = np.divide(vol - inner, denom, out=np.full(n, np.inf), where=denom > 0)
    m = first + int(np.argmin(cond[first : last + 1]))
    return m + 1, cond


class GraphPUClassifier(ClassifierMixin, BaseEstimator):
    """Positive-unlabelled classification: a few known positives, no negatives.

    ``y`` holds ``pos_label`` for the labelled positives and ``-1`` for every
    other row (unlabelled: positive or negative). Rows labelled with one
    other value are taken as known negatives (optional).

    1. **Scores**: label spreading of the labelled positives on the kNN graph
       (a personalised PageRank: ``f = (1 - alpha) (I - alpha S)^-1 p`` with
       ``S = D^-1/2 W D^-1/2``), divided by ``sqrt(degree)`` so that dense
       regions are not favoured. Known negatives go to the bottom.
    2. **Class prior and threshold**: with ``class_prior=None`` the rows are
       swept in decreasing score and the prefix of least *conductance*
       (cut weight over the smaller side's volume) is the positive set
       (Andersen, Chung & Lang, 2006: the sweep cut of a PageRank vector); its
       share of the rows is ``class_prior_``. A number given as
       ``class_prior`` fixes that share instead.

    Measured on MNIST (60k rows, deskew+HOG+PCA-100 features, 1% of the
    positives labelled, 2 label draws, F1 on the unlabelled training rows):
    the sweep's prior was within 0.005 of the truth on "digit 0" (0.0988-0.099
    vs 0.0987), "even", "> 4" and "prime" (F1 0.989-0.996); estimating the
    prior from held-out labelled positives ("spies", Liu et al. 2002) was off
    by up to 20% (F1 0.907-0.992).

    Parameters
    ----------
    alpha : float, default=0.99
        Spreading strength.
    n_neighbors : int, default=10
        Neighbours of the kNN graph.
    class_prior : float in (0, 1) or None, default=None
        Share of positive rows; ``None``: estimated by the sweep cut.
    pos_label : int or str, default=1
        The label of the labelled positives.
    algorithm : {"auto", "brute", "sklearn", "ivf", "pynndescent"}, default="auto"
        Neighbour search (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    algorithm_params : dict, default=None
        Backend options of the neighbour search.
    max_iter : int, default=2000
        Conjugate-gradient iterations of the spreading solve.
    tol : float, default=1e-6
        Relative residual of the spreading solve.
    n_jobs : int, default=None
        Parallel jobs of the ``"sklearn"``/``"pynndescent"`` backends.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate neighbour search.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The negative label and ``pos_label``, sorted; the negative label is the
        known negatives' label if any, else ``0`` (``1`` if ``pos_label=0``;
        ``"negative"`` for string labels).
    class_prior_ : float
        Share of training rows predicted positive.
    threshold_ : float
        Score at the cut: rows scoring at least this are positive.
    scores_ : ndarray of shape (n_samples,)
        Score of every training row.
    n_iter_ : int
        Conjugate-gradient iterations of the spreading solve.
    conductance_ : float
        Conductance of the positive set (small: a clear cut).
    transduction_ : ndarray of shape (n_samples,)
        Predicted class of every training row.
    algorithm_ : str
        The neighbour search used (``"brute"``, ``"ivf"``, ``"sklearn"`` or
        ``"pynndescent"``): ``algorithm="auto"`` resolved by the data's size
        and type (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    sklearn_fewlabel.metrics.pu_f1_score, sklearn_fewlabel.model_selection.PUStratifiedKFold

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_fewlabel.imprecise import GraphPUClassifier
    >>> X, digit = load_digits(return_X_y=True)
    >>> rng = np.random.RandomState(0)
    >>> y = np.full(digit.shape, -1)
    >>> y[rng.choice(np.flatnonzero(digit == 0), 20, replace=False)] = 1  # 20 known zeros
    >>> clf = GraphPUClassifier().fit(X, y)
    >>> round(clf.class_prior_, 2), round(float(np.mean(digit == 0)), 2)
    (0.1, 0.1)
    >>> float(np.mean(clf.transduction_ == (digit == 0))) > 0.99
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "class_prior": [None, Interval(numbers.Real, 0, 1, closed="neither")],
        "pos_label": [numbers.Integral, str],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "algorithm_params": [None, dict],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "n_jobs": [None, numbers.Integral],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha=0.99,
        *,
        n_neighbors=10,
        class_prior=None,
        pos_label=1,
        algorithm="auto",
        algorithm_params=None,
        max_iter=2000,
        tol=1e-6,
        n_jobs=None,
        random_state=None,
    ):
        self.alpha = alpha
        self.n_neighbors = n_neighbors
        self.class_prior = class_prior
        self.pos_label = pos_label
        self.algorithm = algorithm
        self.algorithm_params = algorithm_params
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags

    def _check_y(self, y, n):
        name = type(self).__name__
        y, labeled, classes = check_partially_labeled(
            y, n_samples=n, warn_single_class=False, estimator_name=name
        )
        if self.pos_label not in set(classes.tolist()):
            raise ValueError(
                f"{name}: no row of y is labelled pos_label={self.pos_label!r}; PU data "
                "needs some labelled positives (and -1 for the unlabelled rows)."
            )
        others = [c for c in classes.tolist() if c != self.pos_label]
        if len(others) > 1:
            raise ValueError(
                f"Only binary classification is supported. {name}: y holds the labels "
                f"{classes.tolist()!r}; PU data has the "
                f"positives (pos_label={self.pos_label!r}), -1 for unlabelled rows and "
                "at most one other label (known negatives)."
            )
        if others:
            neg = others[0]
        elif isinstance(self.pos_label, str):
            neg = "negative"
        else:
            neg = 0 if self.pos_label != 0 else 1
        return y, labeled, neg

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Score every row from the labelled positives and cut the graph.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All rows.
        y : array-like of shape (n_samples,)
            ``pos_label`` for labelled positives, ``-1`` for unlabelled rows
            (optionally one other label for known negatives).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32])
        n = X.shape[0]
        name = type(self).__name__
        if n < 3:
            raise ValueError(f"{name} needs at least 3 samples; got n_samples={n}.")
        y, labeled, neg = self._check_y(y, n)
        pos = labeled & np.array([v == self.pos_label for v in y.tolist()], dtype=bool)
        known_neg = labeled & ~pos
        W, kernel = _default_graph(
            X, self.n_neighbors, algorithm=self.algorithm,
            algorithm_params=self.algorithm_params, random_state=self.random_state,
            n_jobs=self.n_jobs,
        )
        self._kernel = kernel
        self.algorithm_ = kernel.index.algorithm_
        b = np.zeros((n, 1))
        b[pos, 0] = 1.0 / pos.sum()
        F, self.n_iter_, _, dinv = _spread(W, b, self.alpha, tol=self.tol, max_iter=self.max_iter)
        d = np.asarray(W.sum(1)).ravel()
        s = np.clip(F[:, 0], 0, None) * dinv
        s[pos] = np.maximum(s[pos], s.max())  # labelled positives first
        s[known_neg] = -1.0  # known negatives last
        order = np.argsort(-s, kind="stable")
        n_pos = int(pos.sum())
        last = n - 1 - int(known_neg.sum())
        if self.class_prior is None:
            m, cond = _sweep_cut(W, d, order, min(n_pos, last) - 1 if n_pos else 0, max(last - 1, 0))
            m = max(m, n_pos)
        else:
            m = min(max(int(round(self.class_prior * n)), n_pos), last + 1)
            _, cond = _sweep_cut(W, d, order, 0, n - 1)
        self.conductance_ = float(cond[m - 1]) if np.isfinite(cond[m - 1]) else 1.0
        positive = np.zeros(n, dtype=bool)
        positive[order[:m]] = True
        self.threshold_ = float(s[order[m - 1]])
        self.scores_ = s
        self.class_prior_ = float(positive.mean())
        self.classes_ = np.unique(np.array([neg, self.pos_label]))
        self._pos = int(np.flatnonzero(self.classes_ == self.pos_label)[0])
        self.transduction_ = np.where(
            positive, self.classes_[self._pos], self.classes_[1 - self._pos]
        )
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X):
        """Score of new rows minus the threshold (positive: predicted positive).

        The weighted mean (same kernel as the graph) of the scores of the
        ``n_neighbors`` nearest training rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        return _neighbour_mean(self._kernel, X, self.scores_) - self.threshold_

    def predict_proba(self, X):
        """Probability of each class, a monotone map of :meth:`decision_function`.

        ``P(positive) = sigmoid(log(score / threshold) * 4)``: 0.5 at the
        threshold; in [0, 1] and finite; not calibrated.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns follow ``classes_``.
        """
        s = self.decision_function(X) + self.threshold_
        t = max(self.threshold_, np.finfo(float).tiny)
        z = 4.0 * (np.log(np.maximum(s, t * 1e-12)) - np.log(t))
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
        return np.column_stack([1 - p, p] if self._pos == 1 else [p, 1 - p])

    def predict(self, X):
        """Predict positive (``pos_label``) or negative for new rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return np.where(
            self.decision_function(X) >= 0, self.classes_[self._pos], self.classes_[1 - self._pos]
        )

    def score(self, X, y, sample_weight=None):
        """Accuracy on true labels, or the PU criterion on PU data.

        If ``y`` holds ``-1`` (PU data: positives and unlabelled rows), the
        unlabelled rows are not treated as negatives: the score is
        :func:`~sklearn_fewlabel.metrics.pu_f1_score` (Lee & Liu, 2003),
        ``recall^2 / P(predicted positive)``. Otherwise the accuracy.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows.
        y : array-like of shape (n_samples,)
            True labels, or PU labels with ``-1``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (accuracy only).

        Returns
        -------
        score : float
        """
        if unlabeled_mask(y).any():
            return pu_f1_score(y, self.predict(X), pos_label=self.pos_label)
        return super().score(X, y, sample_weight=sample_weight)
