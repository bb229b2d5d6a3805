"""Feature weights for the graph from the labelled rows (F statistic per feature)."""

import numpy as np
import scipy.sparse as sp

# feature_weights="auto": no weights below this many labels in the smallest
# class, the fourth root of max(F, 1) below _AUTO_FULL, the square root from
# there on. Chosen on training rows only (benchmarks/bench_robustness.py
# --part weights: 13 datasets, PoissonLearning's accuracy on the unlabelled
# training rows, label seeds 2000-2002); mean change against no weights at
# 2 / 3 / 5 / 10 labels per class: -1.8 / +0.6 / +2.3 / +2.9 points for the
# square root, -0.2 / +0.8 / +1.6 / +2.0 for the fourth root.
_AUTO_MIN = 3
_AUTO_FULL = 5


def _fisher_ratio(X, y_idx, n_classes, eps):
    """Per feature: between-class variance over (within-class variance + eps)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    counts = np.bincount(y_idx, minlength=n_classes).astype(np.float64)
    present = counts > 0
    sums = np.zeros((n_classes, X.shape[1]))
    np.add.at(sums, y_idx, X)
    means = sums[present] / counts[present, None]
    mu = X.mean(axis=0)
    between = (counts[present, None] * (means - mu) ** 2).sum(0) / n
    resid = X - (sums / np.maximum(counts, 1)[:, None])[y_idx]
    within = (resid**2).sum(0) / max(n - int(present.sum()), 1)
    return between / (within + eps)


def _mean_variance(X):
    """Mean over features of each feature's variance over all rows."""
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0)).ravel()
        sq = np.asarray(X.multiply(X).mean(axis=0)).ravel()
        return float(np.mean(sq - mean**2))
    return float(np.mean(np.var(X, axis=0)))


def label_feature_weights(X, y_idx, labeled, n_classes, mode):
    """Weights that stretch the features along which the labelled classes differ.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        All rows (only the labelled ones are read).
    y_idx : ndarray of shape (n_samples,)
        Class index of each row (read on the labelled rows only).
    labeled : ndarray of shape (n_samples,), dtype=bool
        Labelled rows.
    n_classes : int
        Number of classes.
    mode : {"auto", "fisher"} or None
        None: no weights. ``"fisher"``: ``sqrt(max(F_j, 1))`` with ``F_j`` the
        F statistic of feature ``j`` among the labelled rows (see
        :func:`fisher_weights`). ``"auto"``: none while the smallest class has
        fewer than 3 labels, ``max(F_j, 1) ** 0.25`` with 3-4, the square root
        from 5 on.

    Returns
    -------
    weights : ndarray of shape (n_features,) or None
        Scaled to a root mean square of 1 (distances keep their overall
        scale); None when no weights apply or all would be equal.
    """
    if mode is None:
        return None
    power = auto_power(y_idx, labeled, n_classes) if mode == "auto" else 0.5
    if power is None:
        return None
    return fisher_weights(X, y_idx, labeled, n_classes, power)


def auto_power(y_idx, labeled, n_classes):
    """The power of ``max(F, 1)`` that ``mode="auto"`` takes for these labels:
    None below 3 labels in the smallest class, 0.25 with 3-4, 0.5 from 5 on."""
    counts = np.bincount(y_idx[labeled], minlength=n_classes)
    smallest = int(counts.min()) if counts.size else 0
    if smallest < _AUTO_MIN:
        return None
    return 0.25 if smallest < _AUTO_FULL else 0.5


def fisher_weights(X, y_idx, labeled, n_classes, power):
    """``max(F_j, 1) ** power`` scaled to a root mean square of 1 (None if all equal).

    ``F_j`` is the one-way ANOVA F statistic of feature ``j`` among the
    labelled rows (between-class over within-class variance, scaled so that
    a feature unrelated to the classes has ``F`` about 1). Features at or
    below that noise level all get the same, smallest weight: shrinking a
    feature further on the evidence of a few labels only distorts the
    geometry (two concentric circles, where neither coordinate separates
    the classes: 100% without weights, 93-97% with the unclipped ratio at 5-10
    labels per class).
    """
    n_lab = int(labeled.sum())
    present = np.unique(y_idx[labeled]).shape[0]
    if present < 2 or n_lab <= present:
        return None
    # the within-class variance is floored at 1e-3 of the mean feature variance
    # (all rows): a feature that happens to be constant within the few labelled
    # rows of each class must not take over the metric
    eps = 1e-3 * _mean_variance(X) + np.finfo(np.float64).tiny
    ratio = _fisher_ratio(X[labeled], y_idx[labeled], n_classes, eps)
    F = ratio * n_lab / (present - 1)
    w = np.maximum(F, 1.0) ** power
    if not np.all(np.isfinite(w)) or np.ptp(w) == 0:
        return None
    return w / np.sqrt(np.mean(w**2))


def apply_feature_weights(X, weights):
    """``X`` with column ``j`` multiplied by ``weights[j]`` (X itself unchanged)."""
    if weights is None:
        return X
    if sp.issparse(X):
        return sp.csr_matrix(X @ sp.diags(weights.astype(X.dtype)))
    return X * weights.astype(X.dtype, copy=False)
