"""active_learning_curve: accuracy against labels queried, strategies side by side."""

import numbers
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ..utils import check_partially_labeled
from ._base import BaseQueryStrategy
from ._learner import _default_estimator, _no_labels_like, active_loop, make_strategy


class _StratifiedReference(BaseQueryStrategy):
    """Reference only (it reads the true labels): random rows, classes kept even.

    Each query tops up the classes with the fewest labels first, a random
    row of the class each time. No real strategy can do this -- it needs the
    labels it is choosing -- which is why it is the upper reference of
    label-free random sampling.
    """

    def __init__(self, y_true=None, random_state=None):
        self.y_true = y_true
        self.random_state = random_state

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        rng = check_random_state(self.random_state)
        truth = np.asarray(self.y_true)
        classes = np.unique(truth[truth != -1])
        counts = {c: int(np.sum(truth[labeled] == c)) for c in classes}
        free = {c: list(rng.permutation(pool[truth[pool] == c])) for c in classes}
        picked = []
        while len(picked) < batch_size:
            open_ = [c for c in classes if free[c]]
            if not open_:
                break
            c = min(open_, key=lambda c: (counts[c], rng.rand()))
            picked.append(free[c].pop())
            counts[c] += 1
        return np.asarray(picked, dtype=np.int64)


def _one_run(estimator, strategy, X, y, budgets, X_test, y_test, seed):
    strat = (
        _StratifiedReference(y, random_state=seed)
        if strategy == "stratified"
        else make_strategy(strategy, seed)
    )
    y_start = _no_labels_like(y)
    scores = np.full(len(budgets), np.nan)
    changed = np.full(len(budgets), np.nan)
    found = np.zeros(len(budgets), dtype=np.int64)
    seconds = np.zeros(len(budgets))
    t = time.process_time()
    step = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for r in active_loop(estimator, strat, X, y_start, budgets, lambda i: y[i],
                             exclude=np.flatnonzero(y == -1)):
            while step < len(budgets) and budgets[step] < r["n_labeled"]:
                step += 1
            if step == len(budgets):
                break
            found[step] = r["n_classes"]
            changed[step] = r["changed"]
            if r["model"] is not None:
                if X_test is not None:
                    scores[step] = np.mean(r["model"].predict(X_test) == y_test)
                else:
                    rest = np.flatnonzero(np.asarray(r["labels"]) == -1)
                    rest = rest[y[rest] != -1]
                    scores[step] = np.mean(r["model"].predict(X[rest]) == y[rest])
            seconds[step] = time.process_time() - t
            step += 1
    return scores, changed, found, seconds


def active_learning_curve(
    estimator,
    X,
    y,
    *,
    strategies=("auto",),
    budgets=(10, 20, 50, 100),
    X_test=None,
    y_test=None,
    n_seeds=3,
    references=("random", "stratified"),
    n_jobs=None,
    random_state=None,
):
    """Accuracy against labels queried, for several strategies and seeds.

    Each (strategy, seed) run starts from no label, queries up to each budget
    in turn (batches of ``budgets[i] - budgets[i-1]`` rows), reading answers
    from ``y``, refits ``estimator`` after every batch and scores it on
    ``(X_test, y_test)`` (or, without a test set, on the rows never queried).
    References: ``"random"`` (uniform random rows, what a practitioner does
    without a strategy) and ``"stratified"`` (random rows with classes kept
    even -- it reads the true labels, so no real strategy can do it). Runs are
    parallel with joblib.

    Parameters
    ----------
    estimator : estimator, default=None
        Classifier accepting ``-1`` in ``y``; ``None``:
        :class:`~sklearn_fewlabel.FewLabelClassifier`.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The pool.
    y : array-like of shape (n_samples,)
        True labels, read only when a row is queried (``-1`` rows never are).
    strategies : sequence of str or strategy objects, default=("auto",)
        Strategies to compare (see :class:`ActiveLearner`).
    budgets : sequence of int, default=(10, 20, 50, 100)
        Increasing numbers of labels at which to score.
    X_test, y_test : array-like, default=None
        Test set; ``None`` scores on the rows never queried.
    n_seeds : int, default=3
        Runs per strategy.
    references : sequence of {"random", "stratified"}, default=("random", "stratified")
        Reference strategies added to the comparison.
    n_jobs : int, default=None
        Parallel runs (joblib).
    random_state : int, RandomState instance or None, default=None
        Draws the seeds of the runs.

    Returns
    -------
    result : dict
        ``"budgets"`` (ndarray), and per strategy name (``str(strategy)``
        for objects) a dict of arrays of shape (n_seeds, n_budgets):
        ``"scores"``, ``"changed"`` (share of predictions changed by the
        round), ``"n_classes"`` (classes found), ``"cpu_seconds"``
        (cumulative, per run).

    See Also
    --------
    ActiveLearningCurveDisplay, ActiveLearner

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel import PoissonLearning
    >>> from sklearn_fewlabel.active import active_learning_curve
    >>> X, y = make_blobs(300, centers=3, cluster_std=0.6, random_state=0)
    >>> res = active_learning_curve(PoissonLearning(), X, y, budgets=[3, 6],
    ...                             n_seeds=2, random_state=0)
    >>> sorted(k for k in res if k != "budgets")
    ['auto', 'random', 'stratified']
    >>> res["auto"]["scores"].shape
    (2, 2)
    """
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
    y, _, _ = check_partially_labeled(
        y, n_samples=X.shape[0], warn_single_class=False, estimator_name="active_learning_curve"
    )
    budgets = [int(b) for b in np.atleast_1d(budgets)]
    if not budgets or any(b < 1 for b in budgets) or np.any(np.diff(budgets) <= 0):
        raise ValueError(f"budgets must be increasing positive ints; got {budgets!r}.")
    if not isinstance(n_seeds, numbers.Integral) or n_seeds < 1:
        raise ValueError(f"n_seeds must be a positive int; got {n_seeds!r}.")
    unknown = set(references) - {"random", "stratified"}
    if unknown:
        raise ValueError(f"references must be among 'random', 'stratified'; got {unknown}.")
    if (X_test is None) != (y_test is None):
        raise ValueError("pass both X_test and y_test, or neither.")
    if X_test is not None:
        X_test = check_array(X_test, accept_sparse="csr", dtype=[np.float64, np.float32])
        y_test = np.asarray(y_test)
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=n_seeds)
    if estimator is None:
        estimator = _default_estimator(int(seeds[0]))
    runs = list(strategies) + [r for r in references if r not in strategies]
    names = [s if isinstance(s, str) else str(s) for s in runs]
    out = Parallel(n_jobs=n_jobs)(
        delayed(_one_run)(estimator, s, X, y, budgets, X_test, y_test, int(seed))
        for s in runs
        for seed in seeds
    )
    result = {"budgets": np.asarray(budgets)}
    for i, name in enumerate(names):
        block = out[i * n_seeds : (i + 1) * n_seeds]
        result[name] = {
            key: np.stack([b[j] for b in block])
            for j, key in enumerate(("scores", "changed", "n_classes", "cpu_seconds"))
        }
    return result
