"""Pseudo-labelling (self-training) around any probabilistic classifier."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ..base import SemiSupervisedClassifierMixin
from ..utils._labels import _is_label_matrix, check_candidate_labels, check_partially_labeled
from ..neighbors._graph import knn_graph

__all__ = ["PseudoLabelClassifier"]

_SELECTIONS = ("threshold", "quota", "curriculum")


def _sample_weight_key(estimator):
    """Name of the ``fit`` parameter that takes sample weights, or None.

    A plain estimator takes ``sample_weight`` when its ``fit`` signature has
    it (:func:`~sklearn.utils.validation.has_fit_parameter`); a
    :class:`~sklearn.pipeline.Pipeline` takes ``<last step>__sample_weight``
    when its final step does. Anything else (e.g. a skorch net, whose
    ``**fit_params`` go to the module) gets no weights.
    """
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        if last is None or last == "passthrough":
            return None
        inner = _sample_weight_key(last)
        return None if inner is None else f"{name}__{inner}"
    try:
        return "sample_weight" if has_fit_parameter(estimator, "sample_weight") else None
    except (TypeError, ValueError):  # pragma: no cover - exotic callables
        return None


def _estimator_has(attr):
    """``available_if`` check: the fitted model, else the final-stage model.

    With ``calibration`` set, the model is a
    :class:`~sklearn.calibration.CalibratedClassifierCV`, which has
    ``predict_proba`` but neither ``decision_function`` nor
    ``predict_log_proba``.
    """

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        if self.calibration is not None:
            return attr in ("predict", "predict_proba")
        final = self.student if self.student is not None else self.estimator
        return hasattr(final, attr)

    return check


class PseudoLabelClassifier(SemiSupervisedClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Pseudo-labelling around any classifier with ``predict_proba``.

    A teacher (a clone of ``estimator``) is fitted on the labelled rows; it
    predicts the unlabelled rows (``y == -1``), the trustworthy predictions
    are kept as pseudo-labels and a student is fitted on labelled +
    pseudo-labelled rows. The student becomes the next round's teacher, and
    so on, until a stopping rule fires. The labelled rows are never
    relabelled.

    Compared with :class:`~sklearn.semi_supervised.SelfTrainingClassifier`
    (a global threshold or global top-k, labels frozen once assigned), every
    choice below is a parameter a grid search can tune:

    - **which rows** (``selection``): a confidence ``threshold``; a per-class
      ``quota`` (class-balanced top-k, so a dominant class cannot swallow the
      rest); or a ``curriculum`` (the most confident fraction of the
      unlabelled rows, growing every round, as in Curriculum Labeling);
    - **re-estimation** (``reestimate``): every round, all pseudo-labels are
      predicted afresh and the selection is redone, so a wrong early label can
      be undone (or dropped); or they are frozen once assigned;
    - **weighting**: a pseudo-labelled row can be weighted by the confidence
      of its label (``weighting="confidence"``), by a constant relative to
      the labelled rows (``pseudo_weight``) and so that every class's
      pseudo-labels weigh the same (``pseudo_class_weight="balanced"``), through
      ``sample_weight`` (labelled rows weigh 1);
    - **calibration** (``calibration``): the models are wrapped in
      :class:`~sklearn.calibration.CalibratedClassifierCV`, so that
      ``threshold`` and the confidence weights mean probabilities (and so
      that classifiers with only ``decision_function``, e.g.
      :class:`~sklearn.svm.LinearSVC`, can be used);
    - **neighbourhood consistency** (``smoothing="knn"``): before selection,
      the teacher's probabilities are propagated over a k-nearest-neighbour
      graph of the training rows (given labels clamped), so a row's
      pseudo-label and confidence also reflect its neighbours' predictions:
      isolated mistakes of the teacher are outvoted, which curbs the
      confirmation bias of self-training;
    - **stopping**: ``max_iter`` rounds, no change in the pseudo-labels
      (``"no_change"``), or every unlabelled row pseudo-labelled
      (``"all_labeled"``), recorded in ``termination_condition_``, with a
      per-round ``history_``.

    Parameters
    ----------
    estimator : estimator object
        A classifier implementing ``fit`` and ``predict_proba`` (a
        scikit-learn classifier, a :class:`~sklearn.pipeline.Pipeline` ending
        in one, a skorch ``NeuralNetClassifier``...). The teacher of round 0
        is a clone of it, fitted on the labelled rows only; it is also the
        student unless ``student`` is given. It is fitted on integer targets
        ``0..n_classes-1`` (positions in ``classes_``), which is what a
        skorch net needs; ``int64`` labels are passed.

        If the student (``student``, else ``estimator``) has
        ``warm_start=True`` and ``calibration`` is None, it is not cloned
        afresh every round: the fitted model is refitted in place, so a
        network is fine-tuned round after round on the new pseudo-labels (as
        in the Pseudo-Label paper) instead of being trained from scratch.
    student : estimator object, default=None
        If given, the model fitted on labelled + pseudo-labelled rows in every
        round (and therefore the teacher of the rounds after the first, and
        the final model ``estimator_``). Lets a cheap teacher label data for
        a costlier student. Must also have ``predict_proba`` when
        ``max_iter > 1``.
    teacher_fit : {"labeled", "all"}, default="labeled"
        What the round-0 teacher is fitted on: the labelled rows (a
        supervised ``estimator``), or ``"all"`` rows with ``-1`` for the
        unlabelled ones (and for held-out validation rows), for a
        semi-supervised teacher such as
        :class:`~sklearn.semi_supervised.LabelSpreading` or this package's
        graph-based classifiers. ``calibration`` and the weights do not apply
        to that first fit. Later rounds fit the student (``student``, else a
        fresh clone of ``estimator``) on labelled + pseudo-labelled rows.
    selection : {"threshold", "quota", "curriculum"}, default="quota"
        How pseudo-labels are chosen among the unlabelled rows, each by the
        teacher's confidence (its largest class probability):

        - ``"threshold"``: the rows whose confidence exceeds ``threshold``;
        - ``"quota"``: for each class, the most confident rows predicted as
          that class, up to ``t * k_per_class`` rows per class in round ``t``
          (a class predicted for fewer rows gives what it has);
        - ``"curriculum"``: the most confident ``min(1, t * curriculum_step)``
          fraction of the unlabelled rows in round ``t``.
    threshold : float in [0, 1), default=0.9
        Confidence a prediction must exceed, for ``selection="threshold"``.
    k_per_class : int or float, default=0.1
        Per-class quota increment per round, for ``selection="quota"``: an
        int is a number of rows; a float in (0, 1] is a fraction of
        ``n_unlabeled / n_classes`` (0.1 pseudo-labels, in a balanced
        problem, everything in 10 rounds).
    curriculum_step : float in (0, 1], default=0.2
        Growth of the selected fraction per round, for
        ``selection="curriculum"``.
    reestimate : bool, default=True
        If True, every round re-predicts *all* unlabelled rows and redoes the
        selection from scratch: a pseudo-label may change or be dropped. If
        False, a pseudo-label is frozen once assigned and every round only
        adds rows from those not yet pseudo-labelled (the same cumulative
        quota/fraction; ``threshold`` adds every remaining row above it),
        as :class:`~sklearn.semi_supervised.SelfTrainingClassifier` does.
    weighting : {"none", "confidence"}, default="none"
        ``"confidence"`` passes ``sample_weight`` to the student's ``fit``:
        1 for labelled rows, the confidence of its pseudo-label for a
        pseudo-labelled row. The weights go to ``fit(..., sample_weight=w)``
        when the student's ``fit`` takes ``sample_weight``, to the final step
        of a :class:`~sklearn.pipeline.Pipeline` as
        ``<step>__sample_weight`` when that step takes it, and through
        :class:`~sklearn.calibration.CalibratedClassifierCV` to a plain
        estimator that takes it. Otherwise (e.g. a skorch net) a
        :class:`UserWarning` is raised once per ``fit`` and the rows are
        unweighted. The same applies to ``pseudo_weight`` and
        ``pseudo_class_weight``, which multiply into these weights.
    pseudo_weight : float > 0, default=1.0
        Weight of a pseudo-labelled row relative to a labelled row (weight
        1), as the coefficient of the unlabelled loss in the Pseudo-Label
        paper. With tens of labels and tens of thousands of pseudo-labels, a
        small value (e.g. 0.01) keeps the labelled rows from being drowned.
        Any value other than 1 needs a student that takes ``sample_weight``.
    pseudo_class_weight : {None, "balanced"}, default=None
        ``"balanced"`` reweights the pseudo-labelled rows so that every
        class's pseudo-labels weigh the same in total (their mean weight is
        unchanged): with ``selection="threshold"`` or ``"curriculum"``, a
        class the teacher is most confident about cannot then dominate the
        student's loss. Labelled rows are not reweighted.
    calibration : {None, "sigmoid", "isotonic"}, default=None
        If set, each teacher and student is wrapped in
        ``CalibratedClassifierCV(model, method=calibration,
        cv=StratifiedKFold(min(3, smallest class count)))``, fitted on its
        training rows (labelled + pseudo-labelled: the pseudo-labels are taken
        as true). A training set with a class of a single row cannot be
        cross-validated: that model is then fitted uncalibrated, with a
        :class:`UserWarning` (so with one label per class, round 0 is
        uncalibrated). ``estimator_`` is then the calibrated wrapper.
    smoothing : {None, "knn"}, default=None
        If ``"knn"``, the teacher's probabilities are smoothed over a graph
        before every selection (as in label propagation for deep
        semi-supervised learning, Iscen et al. 2019). A symmetric
        k-nearest-neighbour graph of *all* training rows (Euclidean distance
        in the space of ``X``, unweighted edges) is built once per ``fit``
        with :func:`~sklearn_fewlabel.semi_supervised.knn_graph` and row
        normalised to ``S``; with ``P`` the teacher's probabilities on every
        row, the labelled training rows replaced by their one-hot labels,
        ``F <- smoothing_alpha * S @ F + (1 - smoothing_alpha) * P`` is run
        ``smoothing_steps`` times from ``F = P``. Each class's column of ``F``
        is then rescaled to the class's share of the labelled training rows
        (class mass normalisation, Zhu et al. 2003) and the rows renormalised:
        without it, smoothing sharpens the classes whose neighbourhoods are
        pure and a global ranking (``"threshold"``, ``"curriculum"``) can
        leave a class with mixed neighbourhoods without any pseudo-label. The
        pseudo-labels and
        confidences (also those of ``weighting="confidence"``) are then read
        from ``F``. It needs ``X`` where Euclidean neighbours tend to share a
        class (e.g. PCA features, scaled features), and costs the graph (a
        brute-force search over ``n_samples**2`` pairs) plus a sparse
        product per step and round. Held-out validation rows are not
        clamped. ``None`` uses the teacher's probabilities as they are.
    n_neighbors : int, default=10
        Neighbours per row of the graph of ``smoothing="knn"`` (capped at
        ``n_samples - 1``).
    smoothing_alpha : float in [0, 1), default=0.8
        Weight of the neighbours in each smoothing step; 0 leaves the
        teacher's probabilities (and the given labels) unchanged.
    smoothing_steps : int, default=10
        Number of propagation steps of ``smoothing="knn"``: information
        travels at most that many edges.
    max_iter : int, default=10
        Maximum number of pseudo-labelling rounds (student fits). 0 fits the
        teacher on the labelled rows only.
    validation_fraction : float in (0, 1), default=None
        If set, this fraction of the labelled rows (stratified, always leaving
        at least one labelled row per class to train on) is held out from
        training, and the accuracy of every round's model on it is recorded in
        ``history_["val_accuracy"]``. The held-out rows are *not* used to fit.
    random_state : int, RandomState instance or None, default=None
        Controls the validation split and the folds of ``calibration``. The
        estimator's own ``random_state`` is left as set.
    verbose : bool, default=False
        Print one line per round.

    Attributes
    ----------
    estimator_ : estimator object
        The final fitted model (a student, or the teacher if no round ran and
        no ``student`` is given). It predicts integer codes: positions in
        ``classes_``.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen among the labelled rows.
    transduction_ : ndarray of shape (n_samples,)
        Labels used for the final fit: the given labels, the pseudo-labels of
        the selected rows, and ``-1`` for rows left unlabelled. Held-out
        validation rows keep their given label.
    labeled_iter_ : ndarray of shape (n_samples,)
        For each row, the round since which it has held its current label in
        ``transduction_``: 0 for given labels, ``t >= 1`` for a pseudo-label
        (re-estimated and unchanged since round ``t``), ``-1`` for rows left
        unlabelled.
    n_iter_ : int
        Number of pseudo-labelling rounds run (student fits).
    termination_condition_ : {"max_iter", "no_change", "all_labeled"}
        Why fitting stopped: ``max_iter`` rounds ran; a round's selection was
        identical to the previous one (same rows, same labels: another fit
        would change nothing); or every unlabelled row was pseudo-labelled
        (also when ``y`` had no unlabelled row).
    history_ : dict of lists
        One entry per round ``0..n_iter_`` (round 0 = teacher on the
        labelled rows): ``"n_pseudo"`` (pseudo-labelled rows used),
        ``"n_per_class"`` (ndarray of pseudo-label counts per class, in
        ``classes_`` order), ``"n_added"``, ``"n_removed"``, ``"n_changed"``
        (rows that joined, left, or kept their place with another label,
        relative to the previous round), ``"mean_confidence"`` of the
        pseudo-labels (``nan`` when none) and, when ``validation_fraction``
        is set, ``"val_accuracy"``. ``pandas.DataFrame(clf.history_)`` gives
        a table.
    validation_indices_ : ndarray
        Rows held out for validation (empty if ``validation_fraction`` is
        None).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    sklearn.semi_supervised.SelfTrainingClassifier : Self-training with a
        global threshold or top-k and frozen labels.

    Notes
    -----
    Pseudo-labels are hard (one class per row), softened only through the
    weights above; soft targets are not passed to the student.

    Badly calibrated students (boosted trees, SVMs, over-fitted networks)
    make a probability ``threshold`` meaningless; ``selection="quota"`` and
    ``"curriculum"`` only use the *ranking* of the confidences and are
    robust to this, otherwise use ``calibration``.

    References
    ----------
    D.-H. Lee, "Pseudo-Label: the simple and efficient semi-supervised
    learning method for deep neural networks", ICML workshop, 2013.

    P. Cascante-Bonilla, F. Tan, Y. Qi, V. Ordonez, "Curriculum Labeling:
    revisiting pseudo-labeling for semi-supervised learning", AAAI, 2021.

    A. Iscen, G. Tolias, Y. Avrithis, O. Chum, "Label propagation for deep
    semi-supervised learning", CVPR, 2019.

    X. Zhu, Z. Ghahramani, J. Lafferty, "Semi-supervised learning using
    Gaussian fields and harmonic functions", ICML, 2003.

    D. Zhou, O. Bousquet, T. N. Lal, J. Weston, B. Schölkopf, "Learning with
    local and global consistency", NeurIPS, 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_fewlabel.semi_supervised import PseudoLabelClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> y_train = np.full_like(y, -1)
    >>> y_train[:50] = y[:50]
    >>> clf = PseudoLabelClassifier(
    ...     LogisticRegression(max_iter=200), selection="quota", k_per_class=0.25
    ... ).fit(X / 16, y_train)
    >>> clf.termination_condition_, clf.n_iter_
    ('all_labeled', 5)
    >>> clf.history_["n_pseudo"]  # pseudo-labelled rows per round
    [0, 440, 880, 1320, 1703, 1747]
    >>> round(clf.score(X[50:] / 16, y[50:]), 2)  # labelled rows only: 0.78
    0.86
    """

    _parameter_constraints: dict = {
        # predict_proba is checked in fit: a calibrated model gets one.
        "estimator": [HasMethods(["fit"])],
        "student": [HasMethods(["fit"]), None],
        "teacher_fit": [StrOptions({"labeled", "all"})],
        "selection": [StrOptions(set(_SELECTIONS))],
        "threshold": [Interval(numbers.Real, 0.0, 1.0, closed="left")],
        "k_per_class": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0.0, 1.0, closed="right"),
        ],
        "curriculum_step": [Interval(numbers.Real, 0.0, 1.0, closed="right")],
        "reestimate": ["boolean"],
        "weighting": [StrOptions({"none", "confidence"})],
        "pseudo_weight": [Interval(numbers.Real, 0.0, None, closed="right")],
        "pseudo_class_weight": [StrOptions({"balanced"}), None],
        "calibration": [StrOptions({"sigmoid", "isotonic"}), None],
        "smoothing": [StrOptions({"knn"}), None],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "smoothing_alpha": [Interval(numbers.Real, 0.0, 1.0, closed="left")],
        "smoothing_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0.0, 1.0, closed="neither"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        student=None,
        teacher_fit="labeled",
        selection="quota",
        threshold=0.9,
        k_per_class=0.1,
        curriculum_step=0.2,
        reestimate=True,
        weighting="none",
        pseudo_weight=1.0,
        pseudo_class_weight=None,
        calibration=None,
        smoothing=None,
        n_neighbors=10,
        smoothing_alpha=0.8,
        smoothing_steps=10,
        max_iter=10,
        validation_fraction=None,
        random_state=None,
        verbose=False,
    ):
        self.estimator = estimator
        self.student = student
        self.teacher_fit = teacher_fit
        self.selection = selection
        self.threshold = threshold
        self.k_per_class = k_per_class
        self.curriculum_step = curriculum_step
        self.reestimate = reestimate
        self.weighting = weighting
        self.pseudo_weight = pseudo_weight
        self.pseudo_class_weight = pseudo_class_weight
        self.calibration = calibration
        self.smoothing = smoothing
        self.n_neighbors = n_neighbors
        self.smoothing_alpha = smoothing_alpha
        self.smoothing_steps = smoothing_steps
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        tags.target_tags.required = True
        return tags

    # ------------------------------------------------------------------ fit
    def _check_proba(self, model, role):
        if self.calibration is None and not hasattr(model, "predict_proba"):
            raise TypeError(
                f"PseudoLabelClassifier needs a {role} with predict_proba to rank its "
                f"pseudo-labels; {type(model).__name__} has none (e.g. SVC needs "
                "probability=True). Pass calibration='sigmoid' to wrap it in "
                "CalibratedClassifierCV, or wrap it yourself."
            )

    def _fit_model(self, base, X, y_codes, weights, rng, previous=None):
        """Fit a clone of ``base`` (calibrated if asked), or refit ``previous``."""
        model = clone(base) if previous is None else previous
        key = _sample_weight_key(model)
        if self.calibration is not None and previous is None:
            counts = np.bincount(y_codes)
            n_min = counts[counts > 0].min()
            if n_min >= 2:
                cv = StratifiedKFold(
                    min(3, n_min), shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max)
                )
                key = "sample_weight" if key == "sample_weight" else None
                model = CalibratedClassifierCV(model, method=self.calibration, cv=cv)
            elif not self._warned_calibration:
                self._warned_calibration = True
                warnings.warn(
                    f"calibration={self.calibration!r} needs at least 2 training rows "
                    "per class for cross-validation; a model with a single-row class "
                    "was fitted uncalibrated.",
                    UserWarning,
                )
        fit_params = {}
        if weights is not None:
            if key is not None:
                fit_params[key] = weights
            elif not self._warned_weights:
                self._warned_weights = True
                warnings.warn(
                    f"weights were asked (weighting={self.weighting!r}, pseudo_weight="
                    f"{self.pseudo_weight!r}, pseudo_class_weight="
                    f"{self.pseudo_class_weight!r}) but {type(base).__name__}.fit "
                    "takes no sample_weight (nor does the final step of its "
                    "pipeline); pseudo-labelled rows are unweighted.",
                    UserWarning,
                )
        return model.fit(X, y_codes, **fit_params)

    def _proba(self, model, X):
        """``predict_proba`` with one column per class of ``classes_``."""
        proba = np.asarray(model.predict_proba(X), dtype=float)
        k = self.classes_.shape[0]
        cls = getattr(model, "classes_", None)
        if proba.shape[1] != k and cls is not None:
            full = np.zeros((proba.shape[0], k))
            full[:, np.asarray(cls, dtype=int)] = proba
            proba = full
        return proba

    def _smoothing_operator(self, X, random_state):
        """Row-normalised kNN graph over all training rows (built once per fit);
        ``random_state`` seeds the approximate search (20,000 rows and more)."""
        n = X.shape[0]
        if n < 2:
            return None
        # FewLabelClassifier sets ``_shared_graph`` on its private copy: the
        # same connectivity graph, taken from its one neighbour search
        W = getattr(self, "_shared_graph", None)
        if W is None:
            W = knn_graph(
                X,
                n_neighbors=min(self.n_neighbors, n - 1),
                weight="connectivity",
                symmetrize="max",
                random_state=random_state,
            )
        deg = np.asarray(W.sum(axis=1)).ravel()
        deg[deg == 0] = 1.0
        return sp.diags(1.0 / deg) @ W

    def _smooth(self, S, proba, anchor_idx, anchor_codes):
        """Propagate ``proba`` (all rows) over ``S``, given labels clamped.

        ``F <- alpha * S @ F + (1 - alpha) * P`` for ``smoothing_steps``
        steps, starting from ``F = P``, where ``P`` is the model's
        probabilities with the labelled training rows replaced by their
        one-hot labels. Then class mass normalisation: each column of ``F``
        is rescaled so that its mean is the class's share of the anchors,
        and the rows are renormalised to probability vectors.
        """
        P = proba.copy()
        P[anchor_idx] = 0.0
        P[anchor_idx, anchor_codes] = 1.0
        F = P
        a = self.smoothing_alpha
        for _ in range(self.smoothing_steps):
            F = a * (S @ F) + (1.0 - a) * P
        # isolated rows (no neighbour): S @ F is 0 there, fall back to P
        F = np.where(F.sum(axis=1, keepdims=True) > 0, F, P)
        F = F / F.sum(axis=1, keepdims=True)
        # class mass normalisation (Zhu et al. 2003): smoothing sharpens classes
        # whose neighbourhoods are pure and flattens the mixed ones; a global
        # ranking (threshold, curriculum) would then starve the latter
        prior = np.bincount(anchor_codes, minlength=F.shape[1]) / max(anchor_codes.size, 1)
        F = F * (prior / np.maximum(F.mean(axis=0), np.finfo(float).tiny))
        total = F.sum(axis=1, keepdims=True)
        return np.where(total > 0, F / np.where(total > 0, total, 1.0), P)

    def _select(self, proba, round_, pool_size, selected, labels, weights):
        """Choose the pseudo-labels of this round.

        ``proba`` covers the pool rows that are candidates: all of them when
        ``reestimate``, else only those not yet selected. Returns new
        ``(selected, labels, weights)`` arrays over the whole pool.
        """
        pred = np.argmax(proba, axis=1)
        conf = proba[np.arange(proba.shape[0]), pred]
        if self.reestimate:
            cand = np.arange(pool_size)
            new_sel = np.zeros(pool_size, dtype=bool)
            new_lab = np.full(pool_size, -1, dtype=np.int64)
            new_w = np.zeros(pool_size)
            step = round_
        else:
            cand = np.flatnonzero(~selected)
            new_sel, new_lab, new_w = selected.copy(), labels.copy(), weights.copy()
            step = 1
        if self.selection == "threshold":
            take = np.flatnonzero(conf > self.threshold)
        elif self.selection == "quota":
            k = self.classes_.shape[0]
            if isinstance(self.k_per_class, numbers.Integral):
                per_round = int(self.k_per_class)
            else:
                per_round = max(1, int(np.ceil(self.k_per_class * pool_size / k)))
            take = []
            for c in range(k):
                members = np.flatnonzero(pred == c)
                quota = per_round * step
                if members.size > quota:
                    order = np.argsort(-conf[members], kind="stable")
                    members = members[order[:quota]]
                take.append(members)
            take = np.sort(np.concatenate(take))
        else:  # curriculum
            if self.reestimate:
                frac = min(1.0, round_ * self.curriculum_step)
            else:
                frac = min(1.0, self.curriculum_step)
            n_take = min(cand.size, int(np.ceil(frac * pool_size - 1e-9)))
            order = np.argsort(-conf, kind="stable")
            take = np.sort(order[:n_take])
        rows = cand[take]
        new_sel[rows] = True
        new_lab[rows] = pred[take]
        new_w[rows] = conf[take]
        return new_sel, new_lab, new_w

    def _validation_split(self, y_codes, labeled_idx, rng):
        if self.validation_fraction is None:
            return labeled_idx, labeled_idx[:0]
        held = []
        for c in np.unique(y_codes[labeled_idx]):
            members = labeled_idx[y_codes[labeled_idx] == c]
            n_val = min(members.size - 1, int(np.floor(self.validation_fraction * members.size)))
            if n_val > 0:
                held.append(rng.choice(members, size=n_val, replace=False))
        held = np.sort(np.concatenate(held)) if held else labeled_idx[:0]
        if held.size == 0:
            warnings.warn(
                f"validation_fraction={self.validation_fraction} holds out no labelled "
                "row (too few labels per class); no validation accuracy is recorded.",
                UserWarning,
            )
        train = np.setdiff1d(labeled_idx, held)
        return train, held

    @staticmethod
    def _as_labels(y, n):
        """1-D labels and the candidate mask (None for a 1-D ``y``): rows of a
        candidate matrix with one candidate are labelled, the others are pooled."""
        if not _is_label_matrix(y):
            return y, None
        C, _, classes = check_candidate_labels(
            y, n_samples=n, estimator_name="PseudoLabelClassifier"
        )
        exact = C.sum(1) == 1
        y1 = np.full(n, -1, dtype=np.int64)
        y1[exact] = classes[np.argmax(C[exact], axis=1)]
        return y1, C.astype(np.float64)

    @_fit_context(
        # estimator and student are not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y):
        """Fit the teacher, pseudo-label, fit the students.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, labelled and unlabelled rows together.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Labels, ``-1`` for unlabelled rows; or a candidate-label matrix
            (see :func:`~sklearn_fewlabel.utils.check_candidate_labels`; the
            classes are the column indices): rows with one candidate are the
            labelled rows, and the pseudo-label of any other row is chosen
            among its candidates only.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        # finiteness is left to the estimator, as SelfTrainingClassifier does
        X = validate_data(self, X, accept_sparse=["csr", "csc"], ensure_all_finite=False)
        y, candidates = self._as_labels(y, X.shape[0])
        if candidates is not None:
            missing = candidates.shape[1] - np.unique(y[y != -1]).shape[0]
            if missing:
                raise ValueError(
                    "PseudoLabelClassifier: every class (column of the candidate matrix) "
                    "needs at least one row with an exact label (a single candidate); "
                    f"{missing} have none. Use CandidateLabelSpreading for candidate sets "
                    "without exact labels."
                )
        y, labeled, classes = check_partially_labeled(
            y, n_samples=X.shape[0], estimator_name="PseudoLabelClassifier"
        )
        self.classes_ = classes
        rng = check_random_state(self.random_state)
        self._warned_weights = False
        self._warned_calibration = False

        teacher_base = self.estimator
        student_base = self.student if self.student is not None else self.estimator
        self._check_proba(teacher_base, "estimator")
        if self.max_iter > 1:
            self._check_proba(student_base, "student")

        y_codes = np.full(y.shape[0], -1, dtype=np.int64)
        y_codes[labeled] = np.searchsorted(classes, y[labeled])
        labeled_idx = np.flatnonzero(labeled)
        train_idx, val_idx = self._validation_split(y_codes, labeled_idx, rng)
        self.validation_indices_ = val_idx
        pool = np.flatnonzero(~labeled)
        n_pool = pool.size
        k = classes.shape[0]
        # a student with warm_start=True is refitted in place round after round
        warm = self.calibration is None and getattr(student_base, "warm_start", False) is True
        weighted = (
            self.weighting == "confidence"
            or self.pseudo_weight != 1.0
            or self.pseudo_class_weight == "balanced"
        )

        S = None
        if self.smoothing == "knn" and n_pool:
            # an int or None seeds the graph as given (no draw from rng, so the
            # rest of the fit sees the same random stream as before)
            rs = self.random_state
            seed = rs if rs is None or isinstance(rs, numbers.Integral) else rng.randint(2**31 - 1)
            S = self._smoothing_operator(X, seed)

        if n_pool == 0:
            warnings.warn(
                "y contains no unlabelled rows (-1): PseudoLabelClassifier fits the "
                "estimator on the labelled rows only.",
                UserWarning,
            )

        selected = np.zeros(n_pool, dtype=bool)
        labels = np.full(n_pool, -1, dtype=np.int64)
        conf = np.zeros(n_pool)
        since = np.full(n_pool, -1, dtype=np.int64)
        history = {
            "n_pseudo": [],
            "n_per_class": [],
            "n_added": [],
            "n_removed": [],
            "n_changed": [],
            "mean_confidence": [],
        }
        if val_idx.size:
            history["val_accuracy"] = []
            X_val = _safe_indexing(X, val_idx)

        def record(model, n_added, n_removed, n_changed):
            history["n_pseudo"].append(int(selected.sum()))
            history["n_per_class"].append(np.bincount(labels[selected], minlength=k))
            history["n_added"].append(int(n_added))
            history["n_removed"].append(int(n_removed))
            history["n_changed"].append(int(n_changed))
            history["mean_confidence"].append(
                float(conf[selected].mean()) if selected.any() else float("nan")
            )
            if val_idx.size:
                pred = np.argmax(self._proba(model, X_val), axis=1)
                history["val_accuracy"].append(float(np.mean(pred == y_codes[val_idx])))
            if self.verbose:
                r = len(history["n_pseudo"]) - 1
                msg = (
                    f"[PseudoLabelClassifier] round {r}: {history['n_pseudo'][-1]} "
                    f"pseudo-labels (+{n_added} -{n_removed}, {n_changed} changed)"
                )
                if val_idx.size:
                    msg += f", val accuracy {history['val_accuracy'][-1]:.4f}"
                print(msg)

        def fit_round(base, previous=None):
            idx = np.concatenate([train_idx, pool[selected]])
            tgt = np.concatenate([y_codes[train_idx], labels[selected]])
            w_pseudo = conf[selected] if self.weighting == "confidence" else np.ones(selected.sum())
            if self.pseudo_class_weight == "balanced" and selected.any():
                # each class's pseudo-labels weigh the same in total (mean weight 1)
                counts = np.bincount(labels[selected], minlength=k)
                factor = selected.sum() / (np.count_nonzero(counts) * np.maximum(counts, 1))
                w_pseudo = w_pseudo * factor[labels[selected]]
            w = (
                np.concatenate([np.ones(train_idx.size), self.pseudo_weight * w_pseudo])
                if weighted and selected.any()  # all-ones weights are not passed
                else None
            )
            order = np.argsort(idx, kind="stable")
            return self._fit_model(
                base,
                _safe_indexing(X, idx[order]),
                tgt[order],
                None if w is None else w[order],
                rng,
                previous,
            )

        if self.teacher_fit == "all":
            # a semi-supervised teacher sees every row; held-out rows as unlabelled
            y_teacher = y_codes.copy()
            y_teacher[val_idx] = -1
            model = clone(teacher_base).fit(X, y_teacher)
        else:
            model = fit_round(teacher_base)
        model_is_student = self.student is None
        record(model, 0, 0, 0)
        self.n_iter_ = 0
        self.termination_condition_ = "all_labeled" if n_pool == 0 else "max_iter"

        while n_pool and self.n_iter_ < self.max_iter:
            round_ = self.n_iter_ + 1
            cand = np.arange(n_pool) if self.reestimate else np.flatnonzero(~selected)
            if S is None:
                proba = self._proba(model, _safe_indexing(X, pool[cand]))
            else:
                proba_all = self._smooth(
                    S, self._proba(model, X), train_idx, y_codes[train_idx]
                )
                proba = proba_all[pool[cand]]
            if candidates is not None:  # pseudo-labels only within each row's candidates
                mask = candidates[pool[cand]]
                proba = proba * mask
                total = proba.sum(1, keepdims=True)
                proba = np.where(total > 0, proba / np.where(total > 0, total, 1.0),
                                 mask / mask.sum(1, keepdims=True))
            new_sel, new_lab, new_conf = self._select(
                proba, round_, n_pool, selected, labels, conf
            )
            kept = new_sel & selected
            changed = kept & (new_lab != labels)
            n_added = int((new_sel & ~selected).sum())
            n_removed = int((selected & ~new_sel).sum())
            if n_added == 0 and n_removed == 0 and not changed.any():
                self.termination_condition_ = "no_change"
                break
            since[new_sel & ~(kept & ~changed)] = round_
            since[~new_sel] = -1
            selected, labels, conf = new_sel, new_lab, new_conf
            model = fit_round(student_base, model if (warm and model_is_student) else None)
            model_is_student = True
            self.n_iter_ = round_
            record(model, n_added, n_removed, int(changed.sum()))
            if selected.all():
                self.termination_condition_ = "all_labeled"
                break

        if not model_is_student:
            model = fit_round(student_base)
        self.estimator_ = model
        self.history_ = history

        self.transduction_ = y.copy()
        self.transduction_[pool[selected]] = classes[labels[selected]]
        self.labeled_iter_ = np.full(y.shape[0], -1, dtype=np.int64)
        self.labeled_iter_[labeled] = 0
        self.labeled_iter_[pool] = since
        del self._warned_weights, self._warned_calibration
        return self

    # ------------------------------------------------------------ predict
    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict the class of each row of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels (from ``classes_``).
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], ensure_all_finite=False, reset=False
        )
        codes = np.asarray(self.estimator_.predict(X)).astype(np.int64).ravel()
        return self.classes_[codes]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in ``classes_`` order.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], ensure_all_finite=False, reset=False
        )
        return self._proba(self.estimator_, X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in ``classes_`` order.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], ensure_all_finite=False, reset=False
        )
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision scores, columns in ``classes_`` order.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], ensure_all_finite=False, reset=False
        )
        return self.estimator_.decision_function(X)
