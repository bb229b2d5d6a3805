"""Coverage sampling: label every region of the kNN graph, from a cold start."""

import heapq
import numbers
import warnings

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ..cluster import KNNSpectralClustering
from ..semi_supervised import select_representatives
from ._base import BaseQueryStrategy


class CoverageSampling(BaseQueryStrategy):
    """Query typical rows of the graph clusters that hold the fewest labels.

    Needs no model, no labels and no number of classes:

    - **cold start** (no label yet): the rows of
      :func:`~sklearn_fewlabel.semi_supervised.select_representatives`
      (spectral clusters of the kNN graph, as many as the batch; k-means on
      the rows below 10), one typical row per cluster;
    - **with labels**: the kNN graph is cut into
      ``min(n_classes_found + batch_size, max_clusters)`` spectral clusters
      (:class:`~sklearn_fewlabel.cluster.KNNSpectralClustering`); clusters
      that hold no label come first (largest first), then the clusters with
      the most rows per label. From each, the most typical unlabelled row
      (highest cosine to its cluster's centre in the spectral embedding) that
      is not a graph neighbour of a labelled or already chosen row.

    After each query, ``unlabeled_cluster_share_`` says how much of the data
    lies in clusters that hold no label even with the batch labelled (a class
    may hide there).

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours of the kNN graph.
    max_clusters : int, default=50
        Upper bound on the number of spectral clusters (the eigenproblem
        grows with it). The number of clusters is the number of classes
        found so far plus the batch size: as many groups as the labels could
        tell apart after this batch (with ``n_labeled + batch_size``, classes
        already labelled were split and their pieces drew the queries).
    random_state : int, RandomState instance or None, default=None
        Seeds the clustering.

    Attributes
    ----------
    n_clusters_ : int
        Clusters of the last query.
    cluster_labels_ : ndarray of shape (n_samples,)
        Cluster of each row at the last query.
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
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_neighbors=10, max_clusters=50, random_state=None):
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.random_state = random_state

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        self._validate_params()
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        n_lab = int(labeled.sum())
        if n_lab == 0 and pool.shape[0] == n:
            idx = select_representatives(X, batch_size, random_state=rng)
            self.n_clusters_ = batch_size
            self.cluster_labels_ = None
            self.n_unlabeled_clusters_ = 0  # one pick per cluster
            self.unlabeled_cluster_share_ = 0.0
            return idx
        n_found = np.unique(y[labeled].astype(str)).shape[0]
        k = int(min(n_found + batch_size, self.max_clusters, n - 1))
        k = max(k, 2)
        sc = KNNSpectralClustering(
            n_clusters=k,
            n_neighbors=min(self.n_neighbors, n - 1),
            random_state=rng.randint(np.iinfo(np.int32).max),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            sc.fit(X)
        cl = sc.labels_
        E = sc.embedding_
        C = sc._unit_centers()
        typical = np.einsum("ij,ij->i", E, C[cl])
        sizes = np.bincount(cl, minlength=k)
        counts = np.bincount(cl[labeled], minlength=k)
        self.n_clusters_ = k
        self.cluster_labels_ = cl

        # rows next to a labelled (or chosen) row teach little: skip them
        A = sc.affinity_matrix_.tocsr()
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
