"""ActiveLearner: the query -> answer -> refit loop as a scikit-learn meta-estimator."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import SemiSupervisedClassifierMixin
from ..utils import check_partially_labeled
from ..utils._labels import check_unlabeled_not_a_class
from ._auto import AutoSampling
from ..utils._models import final_model
from ._coverage import CoverageSampling
from ._density import DensityWeightedSampling
from ._random import RandomSampling
from ._uncertainty import UncertaintySampling

STRATEGIES = {
    "auto": AutoSampling,
    "coverage": CoverageSampling,
    "uncertainty": UncertaintySampling,
    "density": DensityWeightedSampling,
    "random": RandomSampling,
}


def make_strategy(strategy, random_state):
    """A strategy object from a name of :data:`STRATEGIES` or a strategy instance."""
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}; got {strategy!r}.")
        return STRATEGIES[strategy](random_state=random_state)
    if not hasattr(strategy, "query"):
        raise TypeError(
            f"strategy must be a name or an object with a query method; got "
            f"{type(strategy).__name__}."
        )
    strategy = clone(strategy)
    if "random_state" in strategy.get_params() and strategy.get_params()["random_state"] is None:
        strategy.set_params(random_state=random_state)  # seeded by the loop, reproducible
    return strategy


def _no_labels_like(y):
    """All ``-1``, in a dtype that can later hold the answers (objects for string labels)."""
    return np.full(y.shape[0], -1, dtype=y.dtype if y.dtype.kind in "iu" else object)


def _default_estimator(random_state):
    from ..semi_supervised import FewLabelClassifier

    return FewLabelClassifier(random_state=random_state)


def _predictions(model, X):
    """Predicted class of every training row (transduction when available)."""
    final = final_model(model)
    t = getattr(final, "transduction_", None)
    if t is not None and t.shape[0] == X.shape[0]:
        return np.asarray(t)
    return np.asarray(model.predict(X))


def active_loop(estimator, strategy, X, y_start, schedule, answer, *, exclude=None):
    """Run query rounds; yield after each one.

    ``schedule`` holds the cumulative numbers of labels after each round;
    ``answer(indices)`` returns their labels (``-1`` = skipped). Yields dicts
    with the round's ``n_labeled``, ``queried``, ``labels`` (``y`` so far),
    ``model`` (fitted, or ``None`` while fewer than two classes are known),
    ``phase`` and ``changed`` (share of rows whose prediction changed since
    the previous round; NaN before two fitted rounds).
    """
    y_cur = np.array(y_start, dtype=object if np.asarray(y_start).dtype.kind in "OUS" else None)
    skipped = np.zeros(X.shape[0], dtype=bool)
    if exclude is not None:
        skipped[exclude] = True
    model, previous = None, None
    for target in schedule:
        # skipped rows do not count: query again until the target is met
        while True:
            labeled = np.asarray(y_cur != -1)
            n_free = int((~labeled & ~skipped).sum())
            batch = int(min(target - labeled.sum(), n_free))
            if batch <= 0:
                break
            idx = strategy.query(
                X, y_cur, batch_size=batch, estimator=model, exclude=np.flatnonzero(skipped)
            )
            y_cur, skip = _record_answers(y_cur, idx, answer(idx))
            skipped[idx[skip]] = True
            labeled = np.asarray(y_cur != -1)
            classes = np.unique(y_cur[labeled].astype(str)) if labeled.any() else []
            changed = np.nan
            if len(classes) >= 2:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    model = clone(estimator).fit(X, y_cur)
                check_unlabeled_not_a_class(model)  # refused at the first fit
                pred = _predictions(model, X)
                if previous is not None:
                    changed = float(np.mean(pred != previous))
                previous = pred
            else:
                model = None
            inner = getattr(strategy, "strategy_", strategy)
            yield {
                "n_labeled": int(labeled.sum()),
                "queried": idx,
                "skipped": idx[skip],
                "labels": y_cur,
                "model": model,
                "phase": getattr(strategy, "phase_", type(strategy).__name__),
                "changed": changed,
                "n_classes": len(classes),
                "unlabeled_cluster_share": getattr(inner, "unlabeled_cluster_share_", np.nan),
            }


def _record_answers(y_cur, idx, answers):
    """Write the oracle's answers into a copy of ``y_cur``; ``-1``/``None`` = skipped."""
    got = np.asarray(answers, dtype=object).ravel()
    if got.shape[0] != idx.shape[0]:
        raise ValueError(
            f"the oracle returned {got.shape[0]} labels for {idx.shape[0]} queried rows."
        )
    skip = np.array(
        [g is None or (isinstance(g, numbers.Integral) and g == -1) for g in got], dtype=bool
    )
    if y_cur.dtype != object and any(isinstance(g, str) for g in got):
        y_cur = y_cur.astype(object)
    else:
        y_cur = y_cur.copy()
    keep = got[~skip]
    y_cur[idx[~skip]] = keep if y_cur.dtype == object else keep.astype(y_cur.dtype)
    return y_cur, skip


def _estimator_has(attr):
    def check(self):
        return hasattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, attr)

    return check


class ActiveLearner(MetaEstimatorMixin, SemiSupervisedClassifierMixin, BaseEstimator):
    """Ask for the labels worth having, refit, repeat: active learning in one ``fit``.

    ``fit(X, y)`` runs rounds of *query* (the strategy picks ``batch_size``
    unlabelled rows), *answer* (the oracle labels them) and *refit* (a clone
    of ``estimator`` on all rows, ``-1`` for unlabelled) until ``n_labels``
    rows are labelled. It needs neither the classes nor their number in
    advance: classes are discovered as answers arrive.

    - ``oracle=None`` (**simulation**): ``y`` holds the true labels; the loop
      starts from no label at all and reads an answer from ``y`` only when a
      row is queried. ``cross_val_score(ActiveLearner(...), X, y)`` then
      measures active learning like any classifier.
    - ``oracle`` callable (**a person or a service**): ``y`` holds the labels
      known so far (``-1`` elsewhere; all ``-1`` is a cold start) and
      ``oracle(indices, X[indices])`` returns the answers (``-1`` = skip; see
      :class:`ConsoleOracle`).

    After each round the share of training rows whose prediction changed is
    recorded; ``stop_hint_`` is the first number of labels after which it fell
    below ``stop_tol`` (a sign that more labels stop paying).

    Parameters
    ----------
    estimator : estimator, default=None
        Classifier accepting ``-1`` in ``y`` (any of this library; a
        scikit-learn classifier inside ``SelfTrainingClassifier``; a plain
        supervised classifier would learn ``-1`` as a class, which ``fit``
        refuses with a ``ValueError``). ``None``:
        :class:`~sklearn_fewlabel.FewLabelClassifier`.
    strategy : str or query strategy, default="auto"
        ``"auto"`` (:class:`AutoSampling`), ``"coverage"``, ``"uncertainty"``,
        ``"density"``, ``"random"``, or a strategy object.
    n_labels : int, default=10
        Labels wanted at the end (those already in ``y`` included).
    batch_size : int, default=10
        Rows queried per round.
    oracle : callable, default=None
        ``oracle(indices, X_rows) -> labels``; ``None`` reads ``y`` (simulation).
    stop_tol : float, default=0.01
        Change share below which ``stop_hint_`` is set.
    random_state : int, RandomState instance or None, default=None
        Seeds the strategy and the default estimator.
    verbose : bool, default=False
        Show a progress bar (tqdm) of the rounds, with the labels, classes
        found, phase and prediction change of the last one.

    Attributes
    ----------
    estimator_ : estimator
        The estimator fitted on the final labels.
    labels_ : ndarray of shape (n_samples,)
        The labels at the end (``-1`` where unlabelled).
    queried_ : ndarray of shape (n_queried,)
        Queried rows in query order (skipped rows included).
    classes_ : ndarray
        Classes found.
    history_ : dict of lists
        Per round: ``n_labeled``, ``n_classes``, ``phase``, ``changed``,
        ``unlabeled_cluster_share``.
    stop_hint_ : int or None
        Labels after which predictions changed on fewer than ``stop_tol`` of
        the rows (``None``: not reached).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    active_learning_curve, AutoSampling, ConsoleOracle

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel import PoissonLearning
    >>> from sklearn_fewlabel.active import ActiveLearner
    >>> X, y = make_blobs(400, centers=4, cluster_std=0.6, random_state=0)
    >>> learner = ActiveLearner(PoissonLearning(), n_labels=8, batch_size=4,
    ...                         random_state=0).fit(X, y)   # y answers queries only
    >>> learner.history_["n_classes"]
    [4, 4]
    >>> float(learner.score(X, y)) > 0.95
    True
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict"])],
        "strategy": [StrOptions(set(STRATEGIES)), HasMethods(["query"])],
        "n_labels": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "oracle": [None, callable],
        "stop_tol": [Interval(numbers.Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        strategy="auto",
        n_labels=10,
        batch_size=10,
        oracle=None,
        stop_tol=0.01,
        random_state=None,
        verbose=False,
    ):
        self.estimator = estimator
        self.strategy = strategy
        self.n_labels = n_labels
        self.batch_size = batch_size
        self.oracle = oracle
        self.stop_tol = stop_tol
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Query, answer and refit until ``n_labels`` rows are labelled.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The pool of rows.
        y : array-like of shape (n_samples,)
            With ``oracle=None``: the true labels, read only for queried rows
            (``-1`` rows are never queried). With an oracle: the labels known
            so far, ``-1`` elsewhere.

        Returns
        -------
        self : object
            The fitted learner.
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32])
        name = type(self).__name__
        y, labeled, _ = check_partially_labeled(
            y, n_samples=X.shape[0], allow_unlabeled_only=self.oracle is not None,
            warn_single_class=False, estimator_name=name,
        )
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        strategy = make_strategy(self.strategy, seed)
        estimator = self.estimator if self.estimator is not None else _default_estimator(seed)
        if self.oracle is None:
            truth = y
            y_start = _no_labels_like(y)
            exclude = np.flatnonzero(~labeled)

            def answer(idx):
                return truth[idx]
        else:
            y_start = y
            exclude = None

            def answer(idx):
                return self.oracle(idx, X[idx])

        start = int(np.sum(np.asarray(y_start) != -1))
        if self.n_labels <= start:
            raise ValueError(
                f"{name}: n_labels={self.n_labels} must exceed the labels already given "
                f"({start})."
            )
        schedule = list(range(start + self.batch_size, self.n_labels, self.batch_size))
        schedule.append(self.n_labels)
        history = {k: [] for k in ("n_labeled", "n_classes", "phase", "changed",
                                   "unlabeled_cluster_share")}
        queried, rounds = [], None
        progress = None
        if self.verbose:
            from tqdm.auto import tqdm  # a dependency of skorch

            progress = tqdm(total=len(schedule), desc=name, unit="round")
        for rounds in active_loop(estimator, strategy, X, y_start, schedule, answer,
                                  exclude=exclude):
            queried.append(rounds["queried"])
            for k in history:
                history[k].append(rounds[k])
            if progress is not None:
                progress.set_postfix(labels=rounds["n_labeled"], classes=rounds["n_classes"],
                                     phase=rounds["phase"], changed=f"{rounds['changed']:.3f}")
                progress.update()
        if progress is not None:
            progress.close()
        if rounds is None or rounds["model"] is None:
            raise ValueError(
                f"{name}: the answers hold only one class; the estimator needs two "
                "classes. Query more rows (n_labels) or check the oracle."
            )
        self.estimator_ = rounds["model"]
        self.labels_ = rounds["labels"]
        self.queried_ = np.concatenate(queried) if queried else np.empty(0, dtype=np.int64)
        self.classes_ = self.estimator_.classes_
        self.history_ = history
        ch = np.asarray(history["changed"], dtype=float)
        below = np.flatnonzero(ch < self.stop_tol)
        self.stop_hint_ = int(history["n_labeled"][below[0]]) if below.size else None
        share = history["unlabeled_cluster_share"][-1]
        if history["phase"][-1] == "coverage" and np.isfinite(share) and share > 0:
            warnings.warn(
                f"{name}: {share:.0%} of the rows lie in graph clusters that hold no label; "
                "a class may still be missing. Query more rows (n_labels).",
                UserWarning,
            )
        return self

    def predict(self, X):
        """Predict with the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        X = self._check_new(X)  # checks fitted first
        return self.estimator_.predict(X)

    def _check_new(self, X):
        # as in fit: feature names and count checked here, the final estimator
        # (fitted on the validated array) sees an array
        check_is_fitted(self)
        return validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        X = self._check_new(X)  # checks fitted first
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        X = self._check_new(X)  # checks fitted first
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores from the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            As the final estimator returns them.
        """
        X = self._check_new(X)  # checks fitted first
        return self.estimator_.decision_function(X)
