"""Choose which rows to label under a budget, without looking at labels."""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted

from ..utils._allocation import allocate_proportional
from ..cluster import KNNSpectralClustering
from ._cluster_decoder import _final_step, _numeric_or_none, _Responsibilities

# The default clustering for array input: spectral clusters of the kNN graph,
# one per label up to this many (more labels are spread inside the clusters).
_SPECTRAL_MAX_CLUSTERS = 50
# ... for budgets of at least this many labels and at least this many rows
# per label (else k-means). Below 10 labels, k-means on the rows was better at
# finding small, far groups (one blob of 500 rows and three of 20, 4 labels:
# spectral k-means split the big blob and covered 1 group, k-means all 4).
_SPECTRAL_MIN_LABELS = 10
_SPECTRAL_MIN_ROWS_PER_LABEL = 5


def _nearest_rows(Z, centers, candidates):
    """For each centre, the row of ``Z[candidates]`` nearest to it (distinct rows)."""
    Zc = Z[candidates]
    if hasattr(Zc, "toarray"):
        Zc = Zc.toarray()
    d2 = (
        (Zc**2).sum(axis=1)[None, :]
        - 2 * centers @ Zc.T
        + (centers**2).sum(axis=1)[:, None]
    )
    chosen = []
    used = np.zeros(candidates.shape[0], dtype=bool)
    for k in np.argsort(d2.min(axis=1), kind="stable"):
        row = np.where(used, np.inf, d2[k])
        j = int(np.argmin(row))
        if not np.isfinite(row[j]):
            break
        used[j] = True
        chosen.append(candidates[j])
    return np.asarray(chosen, dtype=np.int64)


def _pre_transform(clusterer, X):
    """``X`` mapped to the space of the final step's centres (pipelines)."""
    if isinstance(clusterer, Pipeline) and len(clusterer.steps) > 1:
        return clusterer[:-1].transform(X)
    return X


@validate_params(
    {
        "clusterer_or_X": "no_validation",
        "n_labeled": [Interval(numbers.Integral, 1, None, closed="left")],
        "X": ["array-like", "sparse matrix", None],
        "method": [StrOptions({"auto", "spectral", "kmeans"})],
        "spread": [StrOptions({"size", "uncertainty"})],
        "temperature": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def select_representatives(
    clusterer_or_X,
    n_labeled,
    *,
    X=None,
    method="auto",
    spread="size",
    temperature="auto",
    random_state=None,
):
    """Pick the rows most worth labelling under a budget, without labels.

    The choice uses only the geometry of ``X`` through a clustering:

    - **budget >= number of clusters**: every (non-empty) cluster gets one
      label, its most *typical* row; the rest of the budget is spread over
      the clusters in proportion to their size (``spread="size"``) or to
      their size times their mean uncertainty ``1 - max_c p(c | x)``
      (``spread="uncertainty"``: the least pure clusters). A cluster given
      ``m > 1`` labels is split by k-means into ``m`` parts and the row
      nearest each part's centre is chosen, so picks are typical *and*
      diverse.
    - **budget < number of clusters**: the clustering is finer than the
      budget, so the rows nearest the centres of a k-means with
      ``k = n_labeled`` (in the clusterer's input space: after the
      pipeline's transformers) are chosen, as for array input. (Grouping
      the clusters' centres instead was measured worse on MNIST: with 100
      mixture components and 10 labels it covered 5-7 digits against 7-8.)
      For non-numeric input, the most typical rows of the largest clusters.

    A row is *typical* of its cluster (argmax of ``p(c | x)``) when it is
    nearest the cluster's centre: ``cluster_centers_`` or ``means_`` of the
    clusterer (in the space of its last step for a pipeline), otherwise the
    responsibility-weighted mean of the rows, with ties in
    ``p(c | x)`` broken by that distance for clusterers with
    ``predict_proba`` only.

    Parameters
    ----------
    clusterer_or_X : clusterer or {array-like, sparse matrix} of shape \
            (n_samples, n_features)
        Either the data (then the clustering of ``method`` is fitted: spectral
        clusters of the kNN graph, or a :class:`~sklearn.cluster.KMeans` with
        ``n_clusters=n_labeled`` whose centres' nearest rows are picked), or
        a clusterer (fitted or not; an unfitted one is
        cloned and fitted on ``X``). Any clusterer that
        :class:`ClusterLabelDecoder` accepts works (mixtures, k-means,
        ``GMVAEClusterer``, pipelines...).
    n_labeled : int
        The budget: how many rows to pick (at most the number of rows).
    X : {array-like, sparse matrix} of shape (n_samples, n_features), \
            default=None
        The rows to choose from; required when a clusterer is given.
    method : {"auto", "spectral", "kmeans"}, default="auto"
        The clustering used for array input (ignored when a clusterer is
        given). ``"spectral"``: a
        :class:`~sklearn_fewlabel.cluster.KNNSpectralClustering` with
        ``min(n_labeled, 50)`` clusters on the kNN graph of ``X`` (nobody
        tells it the number of classes: the budget sets the number of
        clusters), then one most typical row per cluster and the rest of the
        budget spread as below. ``"kmeans"``: the rows nearest the centres of
        a k-means with ``k = n_labeled``. ``"auto"``: spectral for budgets of
        10 labels or more with at least 5 rows per label, else k-means (with
        fewer labels k-means was better at finding small, far groups). Measured on MNIST
        (deskew+HOG+PCA-100, 10 labels, 5 seeds, ``benchmarks/bench_robustness.py``):
        k-means left a digit without a label on 4 of 5 seeds, spectral found
        all ten on every seed.
    spread : {"size", "uncertainty"}, default="size"
        How the budget beyond one label per cluster is spread.
    temperature : "auto" or float, default="auto"
        Temperature of k-means responsibilities, as in
        :class:`ClusterLabelDecoder`.
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means fits (default clusterer, splitting and grouping of
        clusters).

    Returns
    -------
    indices : ndarray of shape (n_labeled,)
        Distinct row indices into ``X``, sorted.

    See Also
    --------
    sklearn_fewlabel.model_selection.mask_labels : Its
        ``strategy="representative"`` calls this function.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.mixture import GaussianMixture
    >>> from sklearn_fewlabel.semi_supervised import select_representatives
    >>> X, y = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> idx = select_representatives(X, 3, random_state=0)
    >>> sorted(y[idx].tolist())          # one row of each blob
    [0, 1, 2]
    >>> gm = GaussianMixture(3, random_state=0).fit(X)
    >>> idx = select_representatives(gm, 6, X=X, random_state=0)
    >>> sorted(y[idx].tolist())
    [0, 0, 1, 1, 2, 2]
    """
    rng = check_random_state(random_state)
    is_clusterer = hasattr(clusterer_or_X, "fit") and (
        hasattr(clusterer_or_X, "predict") or hasattr(clusterer_or_X, "predict_proba")
    )
    if is_clusterer:
        if X is None:
            raise ValueError(
                "select_representatives: X is required when a clusterer is given "
                "(the rows to choose from)."
            )
        clusterer = clusterer_or_X
    else:
        if X is not None:
            raise ValueError(
                "select_representatives: pass the data either as the first argument "
                "or as X, not both."
            )
        X = clusterer_or_X
        clusterer = None
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=None, ensure_all_finite=False)
    n_samples = _num_samples(X)
    if n_labeled > n_samples:
        raise ValueError(
            f"select_representatives: n_labeled={n_labeled} exceeds the number of "
            f"rows ({n_samples})."
        )
    if clusterer is None:
        Xn = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64)
        if method == "auto":
            method = (
                "spectral"
                if n_labeled >= _SPECTRAL_MIN_LABELS
                and n_samples >= _SPECTRAL_MIN_ROWS_PER_LABEL * n_labeled
                else "kmeans"
            )
        if method == "kmeans" or n_labeled == 1:
            km = KMeans(n_clusters=n_labeled, n_init="auto", random_state=rng).fit(Xn)
            picked = _nearest_rows(Xn, km.cluster_centers_, np.arange(n_samples))
            return _fill(picked, n_labeled, n_samples, np.zeros(n_samples))
        clusterer = KNNSpectralClustering(
            n_clusters=min(n_labeled, _SPECTRAL_MAX_CLUSTERS),
            n_neighbors=min(10, n_samples - 1),
            random_state=rng.randint(np.iinfo(np.int32).max),
        )
        X = Xn

    try:
        check_is_fitted(clusterer)
    except NotFittedError:
        clusterer = clone(clusterer).fit(X, None)
    R = _Responsibilities().fit(clusterer, X, temperature)
    K = R.shape[1]
    assign = R.argmax(axis=1)
    has_mass = R.sum(axis=1) > 0
    conf = R[np.arange(n_samples), assign]

    # the space in which "typical" and "diverse" are measured
    Z = _numeric_or_none(_pre_transform(clusterer, X))
    final = _final_step(clusterer)
    centers = None
    for name in ("cluster_centers_", "means_"):
        c = getattr(final, name, None)
        if c is not None and Z is not None and np.ndim(c) == 2 and np.shape(c) == (K, Z.shape[1]):
            centers = np.asarray(c, dtype=np.float64)
            break
    own_centers = centers is not None
    if centers is None and Z is not None:
        mass = np.maximum(R.sum(axis=0), np.finfo(float).tiny)
        centers = np.asarray(R.T @ (Z.toarray() if hasattr(Z, "toarray") else Z)) / mass[:, None]

    if centers is not None:
        Zd = Z.toarray() if hasattr(Z, "toarray") else Z
        dist = ((Zd - centers[assign]) ** 2).sum(axis=1)
    else:
        dist = np.zeros(n_samples)
    # typicality order: higher is more typical
    if own_centers:
        typical = -dist
    else:
        typical = conf - 1e-12 * dist / (dist.max() + 1e-300)
    typical = np.where(has_mass, typical, -np.inf)

    members = [np.flatnonzero((assign == k) & has_mass) for k in range(K)]
    sizes = np.array([m.shape[0] for m in members])
    nonempty = np.flatnonzero(sizes > 0)

    def most_typical(rows):
        return rows[np.argmax(typical[rows])]

    picked = []
    if n_labeled < nonempty.shape[0]:
        if Z is not None:
            # the clustering is finer than the budget: the rows nearest the
            # centres of a k-means with k = n_labeled, in the clusterer's space
            Zd = Z.toarray() if hasattr(Z, "toarray") else Z
            km = KMeans(n_clusters=n_labeled, n_init="auto", random_state=rng).fit(Zd)
            picked.extend(_nearest_rows(Zd, km.cluster_centers_, np.arange(n_samples)).tolist())
        else:
            for k in nonempty[np.argsort(-sizes[nonempty], kind="stable")][:n_labeled]:
                picked.append(most_typical(members[k]))
    else:
        if spread == "size":
            weights = sizes.astype(float)
        else:
            unc = np.array([(1 - conf[m]).mean() if m.size else 0.0 for m in members])
            weights = sizes * (unc + 1e-3)
        alloc = np.zeros(K, dtype=int)
        alloc[nonempty] = 1
        alloc += allocate_proportional(
            weights, n_labeled - nonempty.shape[0], sizes - alloc
        )
        for k in nonempty:
            rows = members[k]
            m = alloc[k]
            if m == 1 or Z is None:
                order = rows[np.argsort(-typical[rows], kind="stable")]
                picked.extend(order[:m].tolist())
                continue
            Zk = Z[rows]
            km = KMeans(n_clusters=m, n_init=1, random_state=rng).fit(Zk)
            picked.extend(_nearest_rows(Z, km.cluster_centers_, rows).tolist())
    return _fill(np.asarray(picked, dtype=np.int64), n_labeled, n_samples, typical)


def _fill(picked, n_labeled, n_samples, typical):
    """Make ``picked`` exactly ``n_labeled`` distinct rows (top up by typicality)."""
    picked = np.unique(picked)[:n_labeled] if picked.size > n_labeled else np.unique(picked)
    if picked.shape[0] < n_labeled:
        free = np.setdiff1d(np.arange(n_samples), picked)
        order = free[np.argsort(-typical[free], kind="stable")]
        picked = np.concatenate([picked, order[: n_labeled - picked.shape[0]]])
    return np.sort(picked.astype(np.int64))
