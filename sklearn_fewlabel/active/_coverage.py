"""Coverage sampling: label every region of the kNN graph, from a cold start."""

import heapq
import numbers
import warnings

import numpy as np
from joblib import hash as joblib_hash
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..cluster._spectral import _eigengap_clusters, _graph_spectrum, _unit_rows
from ..semi_supervised import select_representatives
from ._base import BaseQueryStrategy

def _spectral_basis(X, n_neighbors, n_vectors):
    """kNN graph (components joined) and its top ``n_vectors`` eigenpairs of
    the normalised adjacency, as :class:`KNNSpectralClustering` builds them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W, _, _, _, vals, vecs = _graph_spectrum(
            X, n_vectors=n_vectors, n_neighbors=n_neighbors, random_state=0
        )
    return W.tocsr(), vals, vecs


class CoverageSampling(BaseQueryStrategy):
    """Query typical rows of the graph clusters that hold the fewest labels.

    Needs no model, no labels and no number of classes. The kNN graph is cut
    into spectral clusters (as :class:`~sklearn_fewlabel.cluster.KNNSpectralClustering`
    does); clusters that hold no label come first (largest first), then the
    clusters with the most rows per label. From each, the most typical
    unlabelled row (highest cosine to its cluster's centre in the spectral
    embedding) that is not a graph neighbour of a labelled or already chosen
    row. The number of clusters is

    ``max(n_classes_found + batch_size, floor)``, at most ``max_clusters``:

    as many groups as the labels could tell apart after this batch, but never
    fewer than ``min_clusters``. With ``min_clusters="eigengap"`` the floor is
    the number of groups read from a *clear* gap of the graph's spectrum (the
    largest gap among the top ``max_clusters`` eigenvalues at least 1.8 times
    the second largest; no floor otherwise). It matters when queries come one or
    a few at a time: without a floor, the first queries cut the data into 2,
    3, ... clusters, which split along other lines than the classes (on MNIST
    features, one query at a time had not found all ten digits after 12
    queries on either of 2 seeds); with the eigengap floor (10 groups on
    MNIST) every query goes to a label-free one of the same 10 clusters: all
    ten digits in 10 queries on 5 of 5 seeds
    (``benchmarks/bench_active.py --part discovery``).

    A **cold start** (no label yet) with a batch at least as large as the floor
    takes :func:`~sklearn_fewlabel.semi_supervised.select_representatives`
    (one typical row per spectral cluster, as many clusters as the batch;
    k-means on the rows below 10). The graph and its eigenvectors are computed
    once and reused while ``X`` does not change.

    After each query, ``unlabeled_cluster_share_`` says how much of the data
    lies in clusters that hold no label even with the batch labelled (a class
    may hide there).

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours of the kNN graph.
    max_clusters : int, default=50
        Upper bound on the number of spectral clusters (the eigenproblem
        grows with it).
    min_clusters : "eigengap", int or None, default="eigengap"
        Floor on the number of clusters: ``"eigengap"`` (estimated from the
        spectrum when the gap is clear, see above), a number (e.g. a guess
        of the number of classes) or None (no floor).
    random_state : int, RandomState instance or None, default=None
        Seeds the clustering.

    Attributes
    ----------
    n_clusters_ : int
        Clusters of the last query.
    cluster_labels_ : ndarray of shape (n_samples,) or None
        Cluster of each row at the last query (None when the cold start was
        :func:`~sklearn_fewlabel.semi_supervised.select_representatives`).
    eigengap_clusters_ : int or None
        Number of groups at a clear gap of the spectrum (None: no clear gap,
        or ``min_clusters`` is not ``"eigengap"``).
    n_unlabeled_clusters_ : int
        Clusters holding no label even with the last batch labelled.
    unlabeled_cluster_share_ : float
        Share of the rows in those clusters.

    See Also
    --------
    AutoSampling : Coverage first, then uncertainty.
    sklearn_fewlabel.semi_supervised.select_representatives

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel.active import CoverageSampling
    >>> X, y_true = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> y = np.full(300, -1)
    >>> idx = CoverageSampling(random_state=0).query(X, y, batch_size=3)
    >>> sorted(y_true[idx].tolist())          # one row of each blob, no labels needed
    [0, 1, 2]
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_clusters": [Interval(numbers.Integral, 2, None, closed="left")],
        "min_clusters": [
            StrOptions({"eigengap"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_neighbors=10, max_clusters=50, min_clusters="eigengap",
                 random_state=None):
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.min_clusters = min_clusters
        self.random_state = random_state

    def _basis(self, X):
        """Graph, eigenvalues and eigenvectors of ``X``, cached while X stays the same."""
        n_neighbors = min(self.n_neighbors, X.shape[0] - 1)
        n_vectors = min(self.max_clusters + 1, X.shape[0])
        key = (joblib_hash(X), n_neighbors, n_vectors)
        cache = getattr(self, "_spectral_cache", None)
        if cache is None or cache[0] != key:
            cache = (key, *_spectral_basis(X, n_neighbors, n_vectors))
            self._spectral_cache = cache
        return cache[1:]

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        self._validate_params()
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        n_lab = int(labeled.sum())
        floor = self.min_clusters if self.min_clusters != "eigengap" else None
        self.eigengap_clusters_ = None
        if n >= 10 and self.min_clusters == "eigengap":
            _, vals, _ = self._basis(X)
            self.eigengap_clusters_ = _eigengap_clusters(vals, self.max_clusters)
            floor = self.eigengap_clusters_
        floor = 0 if floor is None else int(floor)
        if n_lab == 0 and pool.shape[0] == n and (batch_size >= floor or n < 10):
            idx = select_representatives(X, batch_size, random_state=rng)
            self.n_clusters_ = batch_size
            self.cluster_labels_ = None
            self.n_unlabeled_clusters_ = 0  # one pick per cluster
            self.unlabeled_cluster_share_ = 0.0
            return idx
        n_found = np.unique(y[labeled].astype(str)).shape[0]
        k = int(min(max(n_found + batch_size, floor), self.max_clusters, n - 1))
        k = max(k, 2)
        A, _, vecs = self._basis(X)
        E = _unit_rows(vecs[:, : k + 1])
        km = KMeans(n_clusters=k, n_init=10, random_state=rng.randint(np.iinfo(np.int32).max))
        cl = km.fit_predict(E)
        C = _unit_rows(km.cluster_centers_)
        typical = np.einsum("ij,ij->i", E, C[cl])
        sizes = np.bincount(cl, minlength=k)
        counts = np.bincount(cl[labeled], minlength=k)
        self.n_clusters_ = k
        self.cluster_labels_ = cl

        # rows next to a labelled (or chosen) row teach little: skip them
        blocked = np.zeros(n, dtype=bool)
        blocked[labeled] = True
        lab_rows = np.flatnonzero(labeled)
        if lab_rows.size:
            blocked[A[lab_rows].indices] = True
        in_pool = np.zeros(n, dtype=bool)
        in_pool[pool] = True
        members = {
            c: m[np.argsort(-typical[m], kind="stable")]
            for c in range(k)
            if (m := np.flatnonzero((cl == c) & in_pool)).size
        }
        # priority: clusters without a label first, then most rows per label
        heap = [(-int(counts[c] == 0), -sizes[c] / (counts[c] + 1.0), c) for c in members]
        heapq.heapify(heap)
        picked = []
        cursor = {c: 0 for c in members}
        while heap and len(picked) < batch_size:
            _, _, c = heapq.heappop(heap)
            rows = members[c]
            j = cursor[c]
            while j < rows.shape[0] and blocked[rows[j]]:
                j += 1
            if j == rows.shape[0]:  # every row is next to a label: take the most typical free one
                free = rows[~np.isin(rows, picked)]
                if free.size == 0:
                    continue
                row = free[0]
            else:
                row = rows[j]
                cursor[c] = j + 1
            picked.append(int(row))
            blocked[row] = True
            blocked[A[row].indices] = True
            counts[c] += 1
            heapq.heappush(heap, (0, -sizes[c] / (counts[c] + 1.0), c))
        empty = (counts == 0) & (sizes > 0)
        self.n_unlabeled_clusters_ = int(empty.sum())
        self.unlabeled_cluster_share_ = float(sizes[empty].sum() / n)
        if len(picked) < batch_size:  # tiny pools: top up with the most typical free rows
            free = pool[~np.isin(pool, picked)]
            free = free[np.argsort(-typical[free], kind="stable")]
            picked.extend(free[: batch_size - len(picked)].tolist())
        return np.asarray(picked, dtype=np.int64)
