"""Scorers that ignore unlabelled (``-1``) rows."""

import numpy as np
from sklearn.metrics import get_scorer
from sklearn.metrics._scorer import _BaseScorer

# the metric lives in ``metrics`` (re-exported here, its old home)
from ..metrics._labeled import labeled_accuracy_score  # noqa: F401
from sklearn.utils.validation import _num_samples

from ..utils._labels import _is_label_matrix, check_multilabel_partial, unlabeled_mask


class _LabeledScorer(_BaseScorer):
    """Delegate to a scikit-learn scorer on the labelled rows only."""

    def __init__(self, scorer):
        self._scorer = scorer
        super().__init__(
            score_func=scorer._score_func,
            sign=scorer._sign,
            kwargs=scorer._kwargs,
            response_method=getattr(scorer, "_response_method", "predict"),
        )

    def _score_multilabel(self, estimator, X, Y, **kwargs):
        """Multi-label ``Y`` (1/0/-1): the metric on the known entries, flattened
        (a micro average); rows without a known entry are not predicted."""
        Y, known = check_multilabel_partial(Y, n_samples=_num_samples(X))
        rows = np.flatnonzero(known.any(axis=1))
        X_r = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
        method = self._response_method
        if isinstance(method, (list, tuple)):
            method = next(m for m in method if hasattr(estimator, m))
        out = np.asarray(getattr(estimator, method)(X_r)).reshape(rows.size, -1)
        k, Yr = known[rows], Y[rows]
        weight = kwargs.pop("sample_weight", None)
        w = None if weight is None else np.broadcast_to(np.asarray(weight)[rows, None], k.shape)
        opts = dict(self._kwargs)
        average = opts.get("average")
        if average in ("micro", "macro", "weighted") and opts.get("pos_label", 1) is None:
            opts["pos_label"] = 1  # the entries are binary: 1 = has the label
        if average == "samples":
            raise ValueError(
                "labeled_scorer: average='samples' is not defined when entries are unknown; "
                "use 'micro', 'macro' or 'weighted'."
            )
        if average in ("macro", "weighted"):
            # one binary score per label, on that label's known entries
            opts["average"] = "binary" if "average" in opts else None
            vals, support = [], []
            for j in range(Yr.shape[1]):
                kj = k[:, j]
                if not kj.any():
                    continue
                wj = None if w is None else w[kj, j]
                vals.append(self._score_func(Yr[kj, j], out[kj, j], sample_weight=wj, **opts))
                support.append(int((Yr[kj, j] == 1).sum()))
            total = sum(support) if average == "weighted" and sum(support) else None
            mean = np.average(vals, weights=support if total else None)
            return self._sign * float(mean)
        if average == "micro":  # micro over labels = binary on the flattened entries
            opts["average"] = "binary"
        return self._sign * self._score_func(
            Yr[k], out[k], sample_weight=None if w is None else w[k], **opts
        )

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        if _is_label_matrix(y_true):
            return self._score_multilabel(estimator, X, y_true, **kwargs)
        mask = ~unlabeled_mask(np.asarray(y_true))
        if not mask.any():
            raise ValueError(
                "no labelled row in y_true (all -1): a score cannot be computed."
            )
        if hasattr(X, "iloc"):
            X_l = X.iloc[mask]
        else:
            X_l = X[mask] if not isinstance(X, list) else [X[i] for i in np.flatnonzero(mask)]
        y_l = np.asarray(y_true)[mask]
        if "sample_weight" in kwargs and kwargs["sample_weight"] is not None:
            kwargs = dict(kwargs, sample_weight=np.asarray(kwargs["sample_weight"])[mask])
        return self._scorer._score(method_caller, estimator, X_l, y_l, **kwargs)

    def __repr__(self):
        return f"labeled_scorer({self._scorer!r})"


def labeled_scorer(scoring="accuracy"):
    """Make a scorer that ignores rows whose true label is ``-1``.

    Use it as ``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_val_score` and friends when the
    evaluation data are partially labelled. Only the labelled rows of the test
    fold are predicted and scored. With a multi-label target (2-D, 1/0/-1),
    the rows with a known entry are predicted and only the known entries are
    scored: flattened for plain metrics (``"accuracy"``: the share of known
    entries right) and ``average="micro"`` (computed as the binary metric of
    the flattened entries), label by label for ``"macro"``/``"weighted"``.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name (``"accuracy"``, ``"balanced_accuracy"``,
        ``"f1_macro"``, ``"neg_log_loss"``, ...) or a scorer made by
        :func:`~sklearn.metrics.make_scorer`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_fewlabel.model_selection import labeled_scorer
    >>> X, y = np.zeros((4, 1)), np.array([1, 1, 1, -1])
    >>> clf = DummyClassifier().fit(X, [1, 1, 1, 0])
    >>> labeled_scorer("accuracy")(clf, X, y)
    1.0
    """
    scorer = get_scorer(scoring) if isinstance(scoring, str) else scoring
    if isinstance(scorer, _LabeledScorer):
        return scorer
    if not isinstance(scorer, _BaseScorer):
        raise TypeError(
            "scoring must be a scorer name or a scorer made by make_scorer; got "
            f"{type(scoring).__name__}."
        )
    return _LabeledScorer(scorer)


__all__ = ["labeled_accuracy_score", "labeled_scorer"]
