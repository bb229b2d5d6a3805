"""Label budgets: mask labels down to a budget, as a hyperparameter."""

import numbers
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted, indexable

from ..utils._allocation import allocate_proportional
from ..utils._labels import (
    UNLABELED,
    _is_label_matrix,
    check_partially_labeled,
    check_unlabeled_not_a_class,
    unlabeled_mask,
)
from ._scorer import labeled_scorer
from ._split import LabeledStratifiedKFold

_STRATEGIES = ("random", "stratified", "representative")


def _resolve_budget(n_labeled, n_available):
    if isinstance(n_labeled, numbers.Integral) and not isinstance(n_labeled, bool):
        if n_labeled < 1:
            raise ValueError(f"n_labeled must be >= 1, got {n_labeled}.")
        n = int(n_labeled)
    elif isinstance(n_labeled, numbers.Real):
        if not 0.0 < n_labeled <= 1.0:
            raise ValueError(
                "a float n_labeled is a fraction of the labelled rows and must be "
                f"in (0, 1]; got {n_labeled}."
            )
        n = max(1, int(round(n_labeled * n_available)))
    else:
        raise TypeError(
            "n_labeled must be an int (a count) or a float in (0, 1] (a fraction); "
            f"got {type(n_labeled).__name__}."
        )
    if n > n_available:
        warnings.warn(
            f"n_labeled={n} exceeds the {n_available} labelled rows available; all "
            "of them are kept.",
            UserWarning,
        )
        n = n_available
    return n


def _stratified_indices(y_l, n, rng):
    classes, inv, counts = np.unique(y_l, return_inverse=True, return_counts=True)
    k = classes.shape[0]
    chosen = []
    if n < k:
        warnings.warn(
            f"stratified label budget n_labeled={n} is smaller than the number of "
            f"classes ({k}): {k - n} classes get no label. Raise n_labeled to at "
            f"least {k} to keep one label per class.",
            UserWarning,
        )
        picked = rng.choice(k, size=n, replace=False)
        alloc = np.zeros(k, dtype=int)
        alloc[picked] = 1
    else:
        # one per class, the rest proportionally to class sizes, within capacity
        alloc = 1 + allocate_proportional(counts, n - k, caps=counts - 1)
    for c in range(k):
        members = np.flatnonzero(inv == c)
        if alloc[c]:
            chosen.append(rng.choice(members, size=alloc[c], replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)


def _warn_missing_classes(y, labeled, keep):
    """Warn when classes of ``y`` got no label: they can never be predicted."""
    classes, counts = np.unique(y[labeled], return_counts=True)
    missing = np.setdiff1d(classes, np.unique(y[keep]))
    if missing.size:
        share = counts[np.isin(classes, missing)].sum() / counts.sum()
        warnings.warn(
            f"mask_labels: {missing.size} of {classes.size} classes got no label "
            f"({missing.tolist()}, {share:.0%} of the labelled rows); no estimator can "
            "predict a class it has never seen. Raise n_labeled, use "
            'strategy="stratified" or "representative", or choose the rows to label '
            "with select_representatives.",
            UserWarning,
        )


def _mask_multilabel(Y, n_labeled, strategy, random_state):
    """``mask_labels`` for a 2-D multi-label target (entries, not rows)."""
    from ..utils import check_multilabel_partial

    Y, known = check_multilabel_partial(Y, estimator_name="mask_labels")
    rng = check_random_state(random_state)
    flat = np.flatnonzero(known.ravel())
    n = _resolve_budget(n_labeled, flat.shape[0])
    if strategy == "random":
        keep = rng.choice(flat, size=n, replace=False)
    elif strategy == "stratified":
        L = Y.shape[1]
        shares = np.full(L, n // L)
        shares[rng.permutation(L)[: n % L]] += 1
        keep, spare = [], []
        for j in range(L):
            rows = np.flatnonzero(known[:, j])
            first = [rng.choice(rows[Y[rows, j] == v]) for v in (1, 0)
                     if (Y[rows, j] == v).any()][: shares[j]]
            rest = rng.permutation(np.setdiff1d(rows, first))
            take = list(first) + list(rest[: max(shares[j] - len(first), 0)])
            keep.extend(r * L + j for r in take)
            spare.extend(r * L + j for r in rest[max(shares[j] - len(first), 0):])
        short = n - len(keep)  # columns with fewer known entries than their share
        if short > 0:
            keep.extend(rng.choice(spare, size=short, replace=False))
        keep = np.asarray(keep, dtype=np.int64)
    else:
        raise ValueError(
            f"a multi-label target can be masked with strategy 'random' or 'stratified'; "
            f"got {strategy!r}."
        )
    out = np.full(Y.size, UNLABELED, dtype=np.int64)
    out[keep] = Y.ravel()[keep]
    return out.reshape(Y.shape)


def mask_labels(y, n_labeled, *, strategy="stratified", X=None, random_state=None):
    """Keep ``n_labeled`` labels of ``y`` and set all others to ``-1``.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Labels; rows already ``-1`` stay unlabelled and are never chosen.
        A 2-D target is a multi-label target (see below).
    n_labeled : int or float
        The budget: a count (int >= 1) or a fraction in ``(0, 1]`` of the
        labelled rows. A count above the number of labelled rows keeps them
        all, with a warning.
    strategy : {"random", "stratified", "representative"} or callable, \
            default="stratified"
        - ``"random"``: a uniform sample of the labelled rows.
        - ``"stratified"``: one label per class first (when the budget allows;
          otherwise a warning says how many classes get none), the rest
          spread proportionally to class sizes.
        - ``"representative"``: the rows a clustering of ``X`` finds most
          worth labelling, chosen *without* looking at ``y``
          (see :func:`sklearn_fewlabel.semi_supervised.select_representatives`).
          Needs ``X``.
        - a callable ``f(X, y, n_labeled, random_state) -> indices``.
    X : array-like of shape (n_samples, n_features), default=None
        Needed by ``"representative"`` and passed to a callable strategy.
    random_state : int, RandomState instance or None, default=None
        Controls the choice of rows.

    Returns
    -------
    y_masked : ndarray of shape (n_samples,)
        A copy of ``y`` with all but the chosen labels set to ``-1`` (``y``
        itself is not modified).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.model_selection import mask_labels
    >>> y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    >>> y_masked = mask_labels(y, 3, strategy="stratified", random_state=0)
    >>> np.sort(y_masked[y_masked != -1])
    array([0, 1, 2])

    A multi-label target (2-D, 1/0 entries, ``-1`` = unknown) is masked
    entry by entry: ``n_labeled`` counts known *entries* (or is a fraction of
    them). ``"random"`` keeps a uniform sample of the known entries;
    ``"stratified"`` gives every label column an equal share, with at least
    one 1 and one 0 per column when the budget and the column allow.

    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> Y_masked = mask_labels(Y, 4, random_state=0)
    >>> int((Y_masked != -1).sum()), [sorted(set(c[c != -1].tolist())) for c in Y_masked.T]
    (4, [[0, 1], [0, 1]])
    """
    if _is_label_matrix(y):
        return _mask_multilabel(y, n_labeled, strategy, random_state)
    y, labeled, _ = check_partially_labeled(
        y, warn_single_class=False, estimator_name="mask_labels"
    )
    if X is not None and _num_samples(X) != y.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {_num_samples(X)} and "
            f"{y.shape[0]}."
        )
    rng = check_random_state(random_state)
    idx_l = np.flatnonzero(labeled)
    n = _resolve_budget(n_labeled, idx_l.shape[0])
    if callable(strategy):
        keep = np.asarray(strategy(X, y, n, rng), dtype=int)
    elif strategy == "random":
        keep = rng.choice(idx_l, size=n, replace=False)
    elif strategy == "stratified":
        keep = idx_l[_stratified_indices(y[idx_l], n, rng)]
    elif strategy == "representative":
        if X is None:
            raise ValueError('strategy="representative" needs X.')
        from ..semi_supervised import select_representatives

        X_l = X[idx_l] if not hasattr(X, "iloc") else X.iloc[idx_l]
        keep = idx_l[np.asarray(select_representatives(X_l, n, random_state=rng))]
    else:
        raise ValueError(
            f"strategy must be one of {_STRATEGIES} or a callable; got {strategy!r}."
        )
    keep = np.asarray(keep, dtype=int)
    if keep.size and not labeled[keep].all():
        raise ValueError("the strategy chose rows that have no label.")
    if strategy != "stratified":  # stratified warns itself, before drawing
        _warn_missing_classes(y, labeled, keep)
    out = y.copy() if y.dtype.kind in "iO" else y.astype(object)
    if out.dtype.kind not in "iO":
        out = out.astype(object)
    drop = np.ones(y.shape[0], dtype=bool)
    drop[keep] = False
    out[drop] = UNLABELED
    return out


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class LabelBudget(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator with only ``n_labeled`` of the training labels.

    ``fit(X, y)`` masks ``y`` down to the budget with :func:`mask_labels` and
    fits a clone of ``estimator`` on *all* rows (the masked ones as ``-1``).
    Prediction methods delegate, so the test folds of a
    :class:`~sklearn.model_selection.GridSearchCV` are scored on their true
    labels and the budget becomes a hyperparameter::

        GridSearchCV(LabelBudget(pipe), {"n_labeled": [10, 100, 1000]})

    Parameters
    ----------
    estimator : estimator object
        A semi-supervised estimator that accepts ``-1`` in ``y`` (or a
        pipeline ending in one). A supervised classifier would learn ``-1``
        as a class: ``fit`` raises a ``ValueError`` then (wrap it in
        :class:`~sklearn.semi_supervised.SelfTrainingClassifier`).
    n_labeled : int or float, default=100
        The budget: a count or a fraction in ``(0, 1]`` of the labelled rows.
    strategy : {"random", "stratified", "representative"} or callable, \
            default="stratified"
        How the kept labels are chosen, see :func:`mask_labels`.
    random_state : int, RandomState instance or None, default=None
        Seed of the label choice (the "label seed"). The wrapped estimator's
        own ``random_state`` is left as set.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone.
    labeled_indices_ : ndarray
        Row indices whose labels were kept (multi-label: rows with a kept
        entry).
    n_labeled_ : int
        Number of labels kept (multi-label: known entries).
    classes_ : ndarray
        Class labels of the fitted estimator (if it has them).
    n_features_in_ : int
        Number of features seen during fit (if the estimator reports it).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.semi_supervised import LabelSpreading
    >>> from sklearn_fewlabel.model_selection import LabelBudget
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LabelBudget(LabelSpreading(), n_labeled=15, random_state=0).fit(X, y)
    >>> clf.n_labeled_
    15
    >>> round(clf.score(X, y), 2)
    0.97
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "n_labeled": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="right"),
        ],
        "strategy": [StrOptions(set(_STRATEGIES)), callable],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, *, n_labeled=100, strategy="stratified", random_state=None):
        self.estimator = estimator
        self.n_labeled = n_labeled
        self.strategy = strategy
        self.random_state = random_state

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.transformer_tags = inner.transformer_tags
        tags.input_tags = inner.input_tags
        tags.target_tags.required = True
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Mask ``y`` to the budget and fit a clone of the estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (all rows are passed on).
        y : array-like of shape (n_samples,)
            Labels; ``-1`` rows stay unlabelled.
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        X, y = indexable(X, y)
        y_masked = mask_labels(
            y,
            self.n_labeled,
            strategy=self.strategy,
            X=X,
            random_state=self.random_state,
        )
        keep = ~unlabeled_mask(y_masked)
        self.n_labeled_ = int(keep.sum())  # multi-label: known entries
        if keep.ndim == 2:  # multi-label: rows with a known entry
            keep = keep.any(axis=1)
        self.labeled_indices_ = np.flatnonzero(keep)
        self.estimator_ = clone(self.estimator).fit(X, y_masked, **fit_params)
        check_unlabeled_not_a_class(self.estimator_, estimator_name=type(self).__name__)
        for attr in ("classes_", "n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))
        return self

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray
            Decision scores.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """Transform with the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        X_new : ndarray
            Transformed samples.
        """
        check_is_fitted(self)
        return self.estimator_.transform(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of the fitted estimator on the labelled rows of ``(X, y)``.

        Rows with ``y == -1`` are dropped before delegating to the
        estimator's ``score``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels (``-1`` rows ignored).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The estimator's score.
        """
        check_is_fitted(self)
        y = np.asarray(y)
        mask = ~unlabeled_mask(y)
        if not mask.all():
            rows = np.flatnonzero(mask)
            X = _safe_indexing(X, rows)
            y = y[rows]
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[mask]
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self.estimator_.score(X, y, **kwargs)


def _fit_score_one(estimator, X, y, train, test, n_labeled, strategy, seed, scorer):
    budget = LabelBudget(estimator, n_labeled=n_labeled, strategy=strategy, random_state=seed)
    X_tr, y_tr = _safe_indexing(X, train), _safe_indexing(y, train)
    X_te, y_te = _safe_indexing(X, test), _safe_indexing(y, test)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        budget.fit(X_tr, y_tr)
    fit_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    score = scorer(budget, X_te, y_te)
    score_time = time.perf_counter() - t0
    return budget.n_labeled_, score, fit_time, score_time


def label_budget_curve(
    estimator,
    X,
    y,
    *,
    budgets=(10, 100, 1000),
    n_repeats=3,
    cv=None,
    scoring=None,
    strategy="stratified",
    n_jobs=None,
    random_state=None,
    verbose=0,
    return_times=False,
):
    """Score an estimator at several label budgets over several label seeds.

    In the spirit of :func:`sklearn.model_selection.learning_curve`: for each
    CV split, each budget and each of ``n_repeats`` label seeds, the training
    labels are masked down to the budget (:class:`LabelBudget`), the estimator
    is fitted on all training rows and scored on the test rows' true labels.
    The same label seeds are used for every budget, so budgets are compared
    on paired draws. Fits run in parallel with joblib.

    Parameters
    ----------
    estimator : estimator object
        Semi-supervised estimator accepting ``-1`` in ``y``.
    X : array-like of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Labels (rows already ``-1`` are never chosen nor scored).
    budgets : array-like of int or float, default=(10, 100, 1000)
        Label budgets (counts, or fractions of the training labels).
    n_repeats : int, default=3
        Number of label seeds per budget.
    cv : int, cross-validation generator or iterable, default=None
        Train/test splits, as in scikit-learn (``None`` is 5-fold, stratified
        for classifiers). If ``y`` holds ``-1``, an int or ``None`` uses
        :class:`LabeledStratifiedKFold`. An iterable of ``(train, test)``
        pairs gives a fixed split (e.g. MNIST's 60k/10k).
    scoring : str or callable, default=None
        Scorer (default accuracy); it is applied to the labelled test rows
        only (see :func:`labeled_scorer`).
    strategy : str or callable, default="stratified"
        See :func:`mask_labels`.
    n_jobs : int, default=None
        Number of parallel jobs (joblib).
    random_state : int, RandomState instance or None, default=None
        Draws the label seeds.
    verbose : int, default=0
        joblib verbosity.
    return_times : bool, default=False
        Also return fit and score times.

    Returns
    -------
    budgets : ndarray of shape (n_budgets,)
        Number of labels actually used per budget (mean over fits).
    test_scores : ndarray of shape (n_budgets, n_repeats * n_splits)
        Test scores; take ``mean(axis=1)`` and ``std(axis=1)``.
    fit_times : ndarray of shape (n_budgets, n_repeats * n_splits)
        Only if ``return_times``.
    score_times : ndarray of shape (n_budgets, n_repeats * n_splits)
        Only if ``return_times``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.semi_supervised import LabelSpreading
    >>> from sklearn_fewlabel.model_selection import label_budget_curve
    >>> X, y = load_iris(return_X_y=True)
    >>> budgets, scores = label_budget_curve(
    ...     LabelSpreading(), X, y, budgets=[3, 30], n_repeats=2, cv=3, random_state=0)
    >>> budgets
    array([ 3., 30.])
    >>> scores.shape
    (2, 6)
    """
    X, y = indexable(X, y)
    y_arr, labeled, _ = check_partially_labeled(
        y, n_samples=_num_samples(X), warn_single_class=False, estimator_name="label_budget_curve"
    )
    if not isinstance(n_repeats, numbers.Integral) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive int, got {n_repeats!r}.")
    budgets = list(np.atleast_1d(budgets))
    if len(budgets) == 0:
        raise ValueError("budgets is empty.")
    if (~labeled).any() and (cv is None or isinstance(cv, numbers.Integral)):
        cv = LabeledStratifiedKFold(5 if cv is None else cv)
    cv = check_cv(cv, y_arr, classifier=is_classifier(estimator))
    splits = list(cv.split(X, y_arr))
    scorer = labeled_scorer("accuracy" if scoring is None else scoring)
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=n_repeats)
    jobs = [
        (b, s, tr, te) for b in budgets for s in seeds for tr, te in splits
    ]
    out = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(_fit_score_one)(clone(estimator), X, y_arr, tr, te, b, strategy, s, scorer)
        for b, s, tr, te in jobs
    )
    out = np.asarray(out, dtype=float).reshape(len(budgets), n_repeats * len(splits), 4)
    result = [out[:, :, 0].mean(axis=1), out[:, :, 1]]
    if return_times:
        result += [out[:, :, 2], out[:, :, 3]]
    return tuple(result)
