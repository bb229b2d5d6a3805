"""The default strategy: cover the graph first, then ask where the model is unsure."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseQueryStrategy
from ._coverage import CoverageSampling
from ._density import DensityWeightedSampling
from ._uncertainty import UncertaintySampling


class AutoSampling(BaseQueryStrategy):
    """Coverage while classes are still being found, then uncertainty.

    - While fewer than ``labels_per_class`` labels per class found so far
      have been given (always at a cold start, with a single class found, or
      without an estimator):
      :class:`CoverageSampling` -- typical rows of the graph clusters that hold
      no label, which finds classes without being told how many there are.
    - Afterwards: :class:`UncertaintySampling` with the fitted estimator
      (margin, diverse batches), which spends labels on the boundaries.

    The phase of the last query is in ``phase_``. On MNIST (deskew+HOG+PCA-100
    features, no number of classes given, ``benchmarks/bench_active.py``) a
    cold-start batch of 10 found all ten digits on every seed.

    Parameters
    ----------
    labels_per_class : float, default=5.0
        Labels per found class before uncertainty takes over. Chosen on
        training data only (``benchmarks/bench_active.py --part choose``:
        12 datasets, 3 seeds, PoissonLearning, accuracy on the never-queried
        pool rows, budgets of 1/3/5/10/20/30 labels per class): switching at 5
        gave 83.7 / 87.3 / 89.1% at 10 / 20 / 30 labels per class, against
        83.3 / 85.0 / 85.8% for coverage alone, 83.6 / 87.4 / 89.0% switching
        at 2 and 83.3 / 87.0 / 89.3% at 10. With coarser batches (jumping from
        3 to 10 labels per class in one batch) switching at 2 lost 2.2 points at
        10 per class (down to 17 points on two moons): early, large
        uncertainty batches crowd onto a boundary the graph already had right.
        On MNIST (60k rows) the first uncertainty batch (50 -> 100 labels)
        lowered test accuracy (README, "Active learning").
    then : {"uncertainty", "density"}, default="uncertainty"
        Strategy of the second phase: :class:`UncertaintySampling` or
        :class:`DensityWeightedSampling`.
    method : {"margin", "entropy", "least_confident"}, default="margin"
        Uncertainty measure of the second phase.
    n_neighbors : int, default=10
        Neighbours of the kNN graph of the coverage phase.
    max_clusters : int, default=50
        Upper bound on the spectral clusters of the coverage phase.
    min_clusters : "eigengap", int or None, default="eigengap"
        Floor on the spectral clusters of the coverage phase, see
        :class:`CoverageSampling`.
    random_state : int, RandomState instance or None, default=None
        Seeds both phases.

    Attributes
    ----------
    phase_ : {"coverage", "uncertainty", "density"}
        Phase of the last query.
    strategy_ : BaseQueryStrategy
        The strategy used by the last query (with its attributes).

    See Also
    --------
    CoverageSampling, UncertaintySampling, ActiveLearner

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_fewlabel.active import AutoSampling
    >>> X, y_true = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> y = np.full(300, -1)
    >>> strategy = AutoSampling(random_state=0)
    >>> idx = strategy.query(X, y, batch_size=3)
    >>> strategy.phase_
    'coverage'
    """

    _parameter_constraints: dict = {
        "labels_per_class": [Interval(numbers.Real, 0, None, closed="left")],
        "then": [StrOptions({"uncertainty", "density"})],
        "method": [StrOptions({"margin", "entropy", "least_confident"})],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_clusters": [Interval(numbers.Integral, 2, None, closed="left")],
        "min_clusters": CoverageSampling._parameter_constraints["min_clusters"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        labels_per_class=5.0,
        then="uncertainty",
        method="margin",
        n_neighbors=10,
        max_clusters=50,
        min_clusters="eigengap",
        random_state=None,
    ):
        self.labels_per_class = labels_per_class
        self.then = then
        self.method = method
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.min_clusters = min_clusters
        self.random_state = random_state

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        self._validate_params()
        n_lab = int(labeled.sum())
        n_found = np.unique(y[labeled]).shape[0]
        if estimator is None or n_found < 2 or n_lab < self.labels_per_class * n_found:
            self.phase_ = "coverage"
            self.strategy_ = CoverageSampling(
                n_neighbors=self.n_neighbors,
                max_clusters=self.max_clusters,
                min_clusters=self.min_clusters,
                random_state=self.random_state,
            )
            # the graph and its eigenvectors are computed once per X
            self.strategy_._spectral_cache = getattr(self, "_spectral_cache", None)
        else:
            self.phase_ = self.then
            cls = UncertaintySampling if self.then == "uncertainty" else DensityWeightedSampling
            self.strategy_ = cls(self.method, random_state=self.random_state)
        idx = self.strategy_._query(X, y, labeled, pool, batch_size, estimator)
        if self.phase_ == "coverage":
            self._spectral_cache = self.strategy_._spectral_cache
        return idx
