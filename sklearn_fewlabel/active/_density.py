"""Density-weighted uncertainty on the kNN graph (information density)."""

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..neighbors import knn_graph
from ..utils._models import training_proba
from ._base import BaseQueryStrategy, uncertainty
from ._uncertainty import diverse_top


class DensityWeightedSampling(BaseQueryStrategy):
    """Uncertain rows in dense parts of the kNN graph (information density).

    Score of a row: ``uncertainty * density ** beta`` (Settles & Craven,
    2008), where ``density`` is the row's mean kernel weight to its
    ``n_neighbors`` nearest neighbours in the kNN graph of ``X`` (the graph the
    library's propagation methods use). Plain uncertainty sampling is drawn to
    outliers, whose label teaches the model about a single row; weighting by
    graph density prefers uncertain rows that many others resemble. Batches
    are spread out as in :class:`UncertaintySampling`.

    Parameters
    ----------
    method : {"margin", "entropy", "least_confident"}, default="margin"
        Uncertainty measure (see :class:`UncertaintySampling`).
    beta : float, default=1.0
        Weight of density (0 = plain uncertainty).
    n_neighbors : int, default=10
        Neighbours of the kNN graph.
    pool_factor : int, default=10
        Candidate pool for batch diversity, in batches.
    random_state : int, RandomState instance or None, default=None
        Seeds the neighbour search and the k-means of batch diversity.

    Attributes
    ----------
    density_ : ndarray of shape (n_samples,)
        Graph density of every row at the last query.

    See Also
    --------
    UncertaintySampling, AutoSampling

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel import PoissonLearning
    >>> from sklearn_fewlabel.active import DensityWeightedSampling
    >>> X, y_true = make_blobs(200, centers=2, random_state=0)
    >>> y = np.full(200, -1)
    >>> first = [np.flatnonzero(y_true == c)[0] for c in (0, 1)]
    >>> y[first] = y_true[first]
    >>> model = PoissonLearning().fit(X, y)
    >>> DensityWeightedSampling(random_state=0).query(X, y, batch_size=2, estimator=model).shape
    (2,)
    """

    needs_estimator = True

    _parameter_constraints: dict = {
        "method": [StrOptions({"margin", "entropy", "least_confident"})],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "pool_factor": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, method="margin", *, beta=1.0, n_neighbors=10, pool_factor=10, random_state=None
    ):
        self.method = method
        self.beta = beta
        self.n_neighbors = n_neighbors
        self.pool_factor = pool_factor
        self.random_state = random_state

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        self._validate_params()
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        k = min(self.n_neighbors, n - 1)
        W = knn_graph(X, k, random_state=rng.randint(np.iinfo(np.int32).max))
        self.density_ = np.asarray(W.sum(axis=1)).ravel() / k
        unc = uncertainty(training_proba(estimator, X, pool), self.method)
        score = unc * self.density_[pool] ** self.beta
        return diverse_top(X, score, pool, batch_size, self.pool_factor, rng)
