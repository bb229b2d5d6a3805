"""Spectral clustering on a sparse, weighted kNN graph: :class:`KNNSpectralClustering`."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigh
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import ArpackNoConvergence, eigsh
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..neighbors._graph import ALGORITHMS, WEIGHTS, _build_graph, _join_components

# Graphs up to this many rows are diagonalised densely (exact, fast, robust).
_DENSE_MAX_SAMPLES = 500
# Fixed seed of ARPACK's start vector: the embedding does not depend on
# ``random_state`` (only the k-means step does).
_V0_SEED = 0


# a gap of the graph's spectrum counts as a clear estimate of the number of
# groups when it is at least this many times the second largest gap
# (training pools of benchmarks/bench_active.py: MNIST deskew+HOG+PCA-100
# 2.7 at 10 groups, wine 2.9 at 3; 1.05-1.64 on the 12 other sets, where the
# largest gap sat anywhere from 2 to 39 clusters; on FewLabelClassifier's
# graphs of the 13 suite training pools 1.05-1.75 except wine). Lowered from
# 2.0 to 1.8 when MNIST's training graph built with approximate (IVF)
# neighbours showed its gap at 10 with a ratio of 1.98-2.52 depending on the
# IVF seed: 1.8 keeps those, and changes no decision on the other pools.
_CLEAR_GAP = 1.8


def _eigengap_clusters(vals, max_clusters):
    """Number of groups at the largest gap of the eigenvalues (descending),
    if that gap is clear (``_CLEAR_GAP`` times the second largest); else None."""
    top = min(max_clusters, vals.shape[0] - 1)
    if top < 3:
        return None
    gaps = vals[1:top] - vals[2 : top + 1]  # gaps[i]: after the top i + 2 eigenvalues
    order = np.argsort(-gaps, kind="stable")
    first, second = gaps[order[0]], gaps[order[1]] if gaps.shape[0] > 1 else 0.0
    if first <= 0 or first < _CLEAR_GAP * second:
        return None
    return int(order[0]) + 2


def _unit_rows(E):
    """Rows of ``E`` scaled to unit norm; all-zero rows stay zero (never NaN)."""
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    return np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)


def _normalized_adjacency(W):
    """``D^-1/2 W D^-1/2`` (rows of zero degree stay zero)."""
    d = np.asarray(W.sum(axis=1)).ravel()
    inv_sqrt = np.zeros_like(d)
    pos = d > 0
    inv_sqrt[pos] = 1.0 / np.sqrt(d[pos])
    Dm = sp.diags(inv_sqrt)
    A = sp.csr_matrix(Dm @ W @ Dm)
    # exact symmetry (rounding) for the symmetric eigensolvers
    return sp.csr_matrix((A + A.T) * 0.5)


def _top_eigenvectors(A, k, tol):
    """The ``k`` largest eigenpairs of the symmetric ``A``, descending.

    Dense ``eigh`` for small graphs, ARPACK (``eigsh``, deterministic start
    vector) otherwise. Signs are fixed so that each vector's entry of largest
    magnitude is positive.
    """
    n = A.shape[0]
    if n <= _DENSE_MAX_SAMPLES or k >= n - 1:
        A = A.toarray() if sp.issparse(A) else A
        vals, vecs = eigh(A, subset_by_index=[n - k, n - 1])
    else:
        v0 = np.random.RandomState(_V0_SEED).uniform(0.5, 1.5, n)
        try:
            vals, vecs = eigsh(A, k=k, which="LA", tol=tol, v0=v0)
        except ArpackNoConvergence:
            warnings.warn(
                "KNNSpectralClustering: ARPACK did not converge at the default "
                "settings; retrying with more Lanczos vectors and iterations.",
                ConvergenceWarning,
            )
            vals, vecs = eigsh(
                A,
                k=k,
                which="LA",
                tol=tol,
                v0=v0,
                ncv=min(n, max(4 * k + 1, 64)),
                maxiter=100 * n,
            )
    order = np.argsort(-vals, kind="stable")
    vals, vecs = vals[order], vecs[:, order]
    j = np.argmax(np.abs(vecs), axis=0)
    signs = np.sign(vecs[j, np.arange(vecs.shape[1])])
    signs[signs == 0] = 1.0
    return vals, vecs * signs


def _spectral_vectors(A, comp, n_cc, k, tol):
    """Top ``k`` eigenpairs of ``A``, solved per connected component.

    A graph with ``m`` components has the eigenvalue 1 ``m`` times; Lanczos
    (ARPACK) started from one vector finds one vector of a repeated
    eigenvalue, so the components are diagonalised separately (their blocks
    of ``A`` are independent) and the largest eigenvalues of all blocks are
    kept. Ties (e.g. the eigenvalue 1 of more components than ``k``) go to
    the larger component.
    """
    if n_cc == 1:
        return _top_eigenvectors(A, k, tol)
    order = np.argsort(comp, kind="stable")
    sizes = np.bincount(comp, minlength=n_cc)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    Ap = sp.csr_matrix(A[order][:, order])
    cand = []  # (eigenvalue, -component size, component, column)
    blocks = []
    for c in range(n_cc):
        s, e = starts[c], starts[c + 1]
        kc = min(k, e - s)
        vals, vecs = _top_eigenvectors(Ap[s:e, s:e], kc, tol)
        blocks.append(vecs)
        cand.extend((-vals[j], -(e - s), c, j) for j in range(kc))
    cand.sort()
    vals = np.empty(k)
    vecs = np.zeros((A.shape[0], k))
    for col, (neg_val, _, c, j) in enumerate(cand[:k]):
        vals[col] = -neg_val
        vecs[order[starts[c] : starts[c + 1]], col] = blocks[c][:, j]
    return vals, vecs


def _clear_gap_partition(
    W, n_groups, *, max_clusters=50, eigen_tol=1e-4, random_state=None, always=False
):
    """Spectral clusters of the graph ``W`` when its spectrum shows ``n_groups`` groups.

    The top ``max_clusters + 1`` eigenvalues of the normalised adjacency
    (per connected component, as :class:`KNNSpectralClustering` solves them);
    if their largest gap is clear (:func:`_eigengap_clusters`) and sits at
    exactly ``n_groups``, k-means (``n_init=10``) on the unit rows of the top
    ``n_groups + 1`` eigenvectors gives the clusters. Returns
    ``(eigengap, labels)``: the number of groups read from the gap (None if no
    clear gap) and the cluster of every row (None unless the gap is at
    ``n_groups``, or ``always``: then the ``n_groups`` clusters whatever the
    gap, for a caller that checks them another way). ``(None, None)`` when
    ``W`` has fewer than 10 rows or ``n_groups < 2``; with ``always``, no
    labels either where fewer than ``n_groups + 1`` eigenvectors were
    computed (``n_groups`` above ``max_clusters``, or too few rows).
    """
    n = W.shape[0]
    if n < 10 or n_groups < 2:
        return None, None
    n_cc, comp = connected_components(W, directed=False)
    k = min(max_clusters + 1, n - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vals, vecs = _spectral_vectors(_normalized_adjacency(W), comp, n_cc, k, eigen_tol)
    gap = _eigengap_clusters(vals, max_clusters)
    if (gap != n_groups and not always) or vecs.shape[1] < n_groups + 1:
        return gap, None
    E = _unit_rows(vecs[:, : n_groups + 1])
    labels = KMeans(n_clusters=n_groups, n_init=10, random_state=random_state).fit_predict(E)
    return gap, labels.astype(np.intp, copy=False)


def _graph_spectrum(
    X,
    *,
    n_vectors,
    n_neighbors=10,
    weight="self-tuning",
    algorithm="auto",
    algorithm_params=None,
    connect_components=True,
    eigen_tol=1e-4,
    random_state=None,
    n_jobs=None,
    warn_components=None,
):
    """The kNN graph of ``X`` (components bridged if asked) and the top
    ``n_vectors`` eigenpairs of its normalised adjacency.

    Returns ``(W, kernel, bridges, n_connected_components, eigenvalues,
    eigenvectors)``; shared by :class:`KNNSpectralClustering` and
    :class:`~sklearn_fewlabel.active.CoverageSampling`. With
    ``warn_components`` (the caller's name), warns when the graph has more
    connected components than ``n_vectors``.
    """
    W, kernel = _build_graph(
        X,
        n_neighbors=n_neighbors,
        weight=weight,
        local_scale=7,
        gamma=None,
        symmetrize="mean",
        algorithm=algorithm,
        algorithm_params=algorithm_params,
        metric="euclidean",
        random_state=random_state,
        n_jobs=n_jobs,
    )
    if connect_components:
        W, bridges = _join_components(X, W, kernel, n_jobs=n_jobs)
    else:
        bridges = np.empty((0, 2), dtype=np.int64)
    n_cc, comp = connected_components(W, directed=False)
    if warn_components and n_cc > n_vectors:
        warnings.warn(
            f"{warn_components}: the kNN graph has {n_cc} connected components, more than "
            f"n_components={n_vectors}; some components share an embedding "
            "direction. Increase n_neighbors to connect them.",
            UserWarning,
        )
    vals, vecs = _spectral_vectors(_normalized_adjacency(W), comp, n_cc, n_vectors, eigen_tol)
    return W, kernel, bridges, n_cc, vals, vecs


class KNNSpectralClustering(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    """Spectral clustering on a sparse, weighted kNN graph, with out-of-sample prediction.

    ``fit`` builds the symmetric kNN graph ``W`` of the rows
    (:func:`~sklearn_fewlabel.semi_supervised.knn_graph`, self-tuning weights
    by default), its normalised adjacency ``A = D^-1/2 W D^-1/2``, and the
    eigenvectors of the ``n_components`` largest eigenvalues of ``A``. Each
    row of that eigenvector matrix, scaled to unit length, is the row's
    spectral embedding (``embedding_``; Ng, Jordan & Weiss, 2002), and
    k-means on the embedding gives ``labels_``. Memory is
    ``O(n_samples * n_neighbors)``; no dense ``n x n`` matrix is formed
    (except below 500 rows, where the eigenproblem is solved densely).
    Unlike :class:`sklearn.cluster.SpectralClustering`, the estimator can
    ``transform``, ``predict`` and ``predict_proba`` new rows.

    Out-of-sample rows:

    - :meth:`transform` links a new row to its ``n_neighbors_`` nearest
      *training* rows with the same kernel weights as the graph, takes the
      weighted mean of their embeddings (the harmonic extension of the
      embedding to the new row) and scales it to unit length.
    - :meth:`predict_proba` is ``softmax(cos(e, m_c) / temperature_)`` over
      the clusters ``c``, with ``e`` the row's :meth:`transform` and ``m_c``
      the k-means centres (``embedding_centers_``): the responsibilities of
      a mixture of von Mises-Fisher distributions with equal weights and a
      shared concentration ``1 / temperature_``, fitted on the training rows
      (Banerjee et al.'s approximation ``kappa = r (d - r^2) / (1 - r^2)``
      with ``r`` the mean cosine of the training rows to their own centre and
      ``d = n_components_``). :meth:`predict` is its argmax.

    The k-means centres are stored as ``embedding_centers_`` (not
    ``cluster_centers_``): they live in the embedding, not in the space of
    ``X``, so tools that compare ``cluster_centers_`` with ``X`` must not
    take this estimator for k-means.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (the default of
        :class:`sklearn.cluster.SpectralClustering` and
        :class:`sklearn.cluster.KMeans`).
    n_neighbors : int, default=10
        Neighbours per row in the graph and for new rows. Must be smaller
        than the number of training rows.
    n_components : int, default=None
        Number of eigenvectors in the embedding; ``None`` uses
        ``n_clusters + 1``.
    weight : {"self-tuning", "gaussian", "connectivity"}, default="self-tuning"
        Edge weights, see :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    algorithm : {"auto", "brute", "sklearn", "ivf", "pynndescent"}, default="auto"
        Neighbour search. ``"auto"``: exact below 20,000 rows, the built-in
        approximate ``"ivf"`` index from there on (dense data; see
        :func:`~sklearn_fewlabel.neighbors.knn_graph`); the choice is in
        ``algorithm_``. ``"brute"`` forces exact search; ``"pynndescent"``
        (optional extra ``ann``) is another approximate one.
    algorithm_params : dict, default=None
        Backend options (e.g. ``{"n_probe": 8}`` for ``"ivf"``), see
        :func:`~sklearn_fewlabel.semi_supervised.knn_graph`.
    connect_components : bool, default=True
        Join each connected component of the kNN graph to its nearest row
        outside it (exact search, repeated until the graph is connected; see
        ``bridges_``) before the eigendecomposition. Without it, every small
        component (e.g. a group of duplicated rows) owns an eigenvector of
        eigenvalue 1 and k-means tends to put almost every other row in one
        cluster. Measured on the letter data (14,000 rows, 26 classes,
        ``benchmarks/bench_robustness.py``).
    n_init : int, default=10
        k-means runs with different centroid seeds; the best is kept.
    eigen_tol : float, default=1e-4
        Relative accuracy of the ARPACK eigenvectors (``0``: machine
        precision). Unused for the dense solver.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means and the approximate neighbour backends. The eigensolver
        uses a fixed start vector, so with an exact ``algorithm`` the
        embedding does not depend on it.
    n_jobs : int, default=None
        Parallel jobs of the ``"sklearn"``/``"pynndescent"`` backends.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training row, in ``0 .. n_clusters - 1``.
    embedding_ : ndarray of shape (n_samples, ``n_components_``)
        Row-normalised spectral embedding of the training rows.
    embedding_centers_ : ndarray of shape (n_clusters, ``n_components_``)
        k-means centres in the embedding.
    eigenvalues_ : ndarray of shape (``n_components_``,)
        Largest eigenvalues of ``D^-1/2 W D^-1/2``, descending (at most 1;
        one per connected component equals 1).
    affinity_matrix_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The symmetric kNN graph ``W``.
    temperature_ : float
        Temperature of :meth:`predict_proba` (inverse vMF concentration).
    n_components_ : int
        Number of eigenvectors used.
    n_neighbors_ : int
        Neighbours per row used.
    n_connected_components_ : int
        Connected components of the graph (1 with ``connect_components``).
    bridges_ : ndarray of shape (n_bridges, 2)
        Edges ``(i, j)`` added by ``connect_components``.
    inertia_ : float
        k-means inertia in the embedding.
    algorithm_ : str
        The neighbour search used (``"brute"``, ``"ivf"``, ``"sklearn"`` or
        ``"pynndescent"``): ``algorithm="auto"`` resolved by the data's size
        and type (see :func:`~sklearn_fewlabel.neighbors.knn_graph`).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    sklearn.cluster.SpectralClustering : Dense affinities, no ``predict``.
    sklearn_fewlabel.semi_supervised.ClusterLabelDecoder : Names the clusters
        with a few labels.

    References
    ----------
    A. Ng, M. Jordan, Y. Weiss. "On spectral clustering: analysis and an
    algorithm", NIPS 2002.

    L. Zelnik-Manor, P. Perona. "Self-tuning spectral clustering", NIPS 2004.

    A. Banerjee, I. Dhillon, J. Ghosh, S. Sra. "Clustering on the unit
    hypersphere using von Mises-Fisher distributions", JMLR 2005.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from sklearn_fewlabel.cluster import KNNSpectralClustering
    >>> from sklearn_fewlabel.metrics import cluster_accuracy
    >>> X, y = make_moons(300, noise=0.05, random_state=0)
    >>> sc = KNNSpectralClustering(n_clusters=2, random_state=0).fit(X)
    >>> float(cluster_accuracy(y, sc.labels_))
    1.0
    >>> sc.embedding_.shape
    (300, 3)
    >>> X_new, y_new = make_moons(50, noise=0.05, random_state=1)
    >>> float(cluster_accuracy(y_new, sc.predict(X_new)))
    1.0
    >>> sc.predict_proba(X_new).sum(axis=1).round(6).min()
    np.float64(1.0)
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "weight": [StrOptions(set(WEIGHTS))],
        "algorithm": [StrOptions(set(ALGORITHMS))],
        "algorithm_params": [None, dict],
        "connect_components": ["boolean"],
        "n_init": [Interval(numbers.Integral, 1, None, closed="left")],
        "eigen_tol": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, numbers.Integral],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        n_neighbors=10,
        n_components=None,
        weight="self-tuning",
        algorithm="auto",
        algorithm_params=None,
        connect_components=True,
        n_init=10,
        eigen_tol=1e-4,
        random_state=None,
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.weight = weight
        self.algorithm = algorithm
        self.algorithm_params = algorithm_params
        self.connect_components = connect_components
        self.n_init = n_init
        self.eigen_tol = eigen_tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Build the kNN graph, embed it spectrally and cluster the embedding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        )
        n = X.shape[0]
        name = type(self).__name__
        if self.n_clusters > n:
            raise ValueError(
                f"{name}: n_clusters={self.n_clusters} must not exceed the number of "
                f"samples ({n})."
            )
        if self.n_neighbors >= n:
            raise ValueError(
                f"{name}: n_neighbors={self.n_neighbors} must be smaller than the "
                f"number of samples ({n})."
            )
        if self.n_components is None:
            n_comp = min(self.n_clusters + 1, n)
        elif self.n_components > n:
            raise ValueError(
                f"{name}: n_components={self.n_components} must not exceed the number "
                f"of samples ({n})."
            )
        else:
            n_comp = self.n_components

        W, self._kernel, self.bridges_, n_cc, vals, vecs = _graph_spectrum(
            X,
            n_vectors=n_comp,
            n_neighbors=self.n_neighbors,
            weight=self.weight,
            algorithm=self.algorithm,
            algorithm_params=self.algorithm_params,
            connect_components=self.connect_components,
            eigen_tol=self.eigen_tol,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            warn_components=name,
        )
        self.algorithm_ = self._kernel.index.algorithm_
        E = _unit_rows(vecs)
        km = KMeans(
            n_clusters=self.n_clusters, n_init=self.n_init, random_state=self.random_state
        ).fit(E)

        share = np.bincount(km.labels_, minlength=self.n_clusters).max() / n
        if self.n_clusters >= 3 and share > 0.5:
            warnings.warn(
                f"{name}: one cluster holds {share:.0%} of the rows; the kNN graph does "
                f"not separate {self.n_clusters} groups. Try fewer clusters, a larger "
                "n_neighbors or another representation of X.",
                UserWarning,
            )
        self.affinity_matrix_ = W
        self.eigenvalues_ = vals
        self.embedding_ = E
        self.embedding_centers_ = km.cluster_centers_
        self.labels_ = km.labels_.astype(np.intp, copy=False)
        self.inertia_ = float(km.inertia_)
        self.n_components_ = int(n_comp)
        self.n_neighbors_ = int(self.n_neighbors)
        self.n_connected_components_ = int(n_cc)
        self._n_features_out = self.n_components_
        self.temperature_ = self._fit_temperature(E, self.labels_)
        return self

    def _unit_centers(self):
        return _unit_rows(np.asarray(self.embedding_centers_, dtype=np.float64))

    def _fit_temperature(self, E, labels):
        """Inverse of the shared vMF concentration (Banerjee et al., 2005)."""
        cos = np.einsum("ij,ij->i", E, self._unit_centers()[labels])
        r = float(np.clip(cos.mean(), 0.0, 1.0 - 1e-6))
        d = E.shape[1]
        kappa = r * (d - r * r) / (1.0 - r * r)
        # r = 0 (no structure): infinite temperature would give uniform
        # probabilities; a large finite one does the same without inf.
        return float(1.0 / kappa) if kappa > 1e-6 else 1e6

    def transform(self, X):
        """Spectral embedding of new rows (harmonic extension of ``embedding_``).

        The weighted mean (same kernel as the graph) of the embeddings of
        each row's ``n_neighbors_`` nearest training rows, scaled to unit
        length. On the training rows this is a smoothed ``embedding_``, so
        ``fit_transform`` (which is ``fit(X).transform(X)``) differs slightly
        from ``embedding_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to embed.

        Returns
        -------
        X_new : ndarray of shape (n_samples, ``n_components_``)
            Unit-length rows (all-zero only if every neighbour's embedding is).
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        w, ind = self._kernel.query(X)
        w = w / w.sum(axis=1, keepdims=True)
        return _unit_rows(np.einsum("ik,ikd->id", w, self.embedding_[ind]))

    def predict_proba(self, X):
        """Cluster responsibilities of new rows.

        ``softmax(cos(transform(X), embedding_centers_) / temperature_)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to assign.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Rows sum to 1.
        """
        E = self.transform(X)
        logits = (E @ self._unit_centers().T) / self.temperature_
        return np.exp(logits - logsumexp(logits, axis=1, keepdims=True))

    def predict(self, X):
        """Cluster of new rows (argmax of :meth:`predict_proba`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to assign.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster indices in ``0 .. n_clusters - 1``.
        """
        return np.argmax(self.predict_proba(X), axis=1).astype(np.intp, copy=False)

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_`` (the clusters of the training rows).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster of each training row.
        """
        return self.fit(X).labels_
