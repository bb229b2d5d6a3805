"""Uncertainty sampling with batch diversity, for any classifier with probabilities."""

import numbers

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._models import training_proba
from ._base import BaseQueryStrategy, uncertainty


def diverse_top(X, score, pool, batch_size, pool_factor, rng):
    """The ``batch_size`` rows of ``pool`` with the highest ``score``, spread out.

    The ``pool_factor * batch_size`` best-scoring rows are grouped by k-means
    into ``batch_size`` groups and the best-scoring row of each group is
    taken (Zhdanov 2019, "diverse mini-batch active learning"): a batch of
    near-duplicates teaches no more than one of them. ``pool_factor=1`` is
    plain top-k.
    """
    order = pool[np.argsort(-score, kind="stable")]
    if batch_size == 1 or pool_factor <= 1:
        return order[:batch_size]
    top = order[: min(order.shape[0], pool_factor * batch_size)]
    if top.shape[0] <= batch_size:
        return order[:batch_size]
    Z = X[top]
    Z = Z.toarray() if hasattr(Z, "toarray") else Z
    km = KMeans(n_clusters=batch_size, n_init=1, random_state=rng).fit(Z)
    picked = []
    for k in range(batch_size):
        members = np.flatnonzero(km.labels_ == k)
        if members.size:
            picked.append(top[members[0]])  # ``top`` is sorted best first
    taken = set(picked)
    rest = [i for i in top if i not in taken]
    picked.extend(rest[: batch_size - len(picked)])
    return np.asarray(picked[:batch_size], dtype=np.int64)


class UncertaintySampling(BaseQueryStrategy):
    """Query the rows the fitted model is least sure of, spread over the data.

    Uncertainty of a row from its class probabilities ``p``:

    - ``"margin"``: ``1 - (p_(1) - p_(2))``, one minus the gap between the two
      most likely classes (Scheffer et al. 2001);
    - ``"entropy"``: ``-sum_c p_c log p_c``;
    - ``"least_confident"``: ``1 - max_c p_c``.

    The probabilities of the training rows come from the estimator: the
    graph learners of this library (alone, in a pipeline, or chosen by
    :class:`~sklearn_fewlabel.FewLabelClassifier`) give their
    ``label_distributions_`` directly; any other classifier is asked
    ``predict_proba``. A batch is made diverse by k-means over the
    ``pool_factor * batch_size`` most uncertain rows (one row per group).

    Parameters
    ----------
    method : {"margin", "entropy", "least_confident"}, default="margin"
        Uncertainty measure.
    pool_factor : int, default=10
        Size of the candidate pool for batch diversity, in batches (1 = plain
        top-k).
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means of batch diversity.

    Attributes
    ----------
    uncertainty_ : ndarray of shape (n_pool,)
        Uncertainty of the pool rows at the last query.

    See Also
    --------
    DensityWeightedSampling, AutoSampling

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_fewlabel.active import UncertaintySampling
    >>> X, y_true = make_blobs(200, centers=2, random_state=0)
    >>> y = np.full(200, -1)
    >>> first = [np.flatnonzero(y_true == c)[0] for c in (0, 1)]
    >>> y[first] = y_true[first]
    >>> clf = LogisticRegression().fit(X[y != -1], y[y != -1])
    >>> idx = UncertaintySampling(random_state=0).query(X, y, batch_size=2, estimator=clf)
    >>> bool(np.all(y[idx] == -1))
    True
    """

    needs_estimator = True

    _parameter_constraints: dict = {
        "method": [StrOptions({"margin", "entropy", "least_confident"})],
        "pool_factor": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, method="margin", *, pool_factor=10, random_state=None):
        self.method = method
        self.pool_factor = pool_factor
        self.random_state = random_state

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        self._validate_params()
        proba = training_proba(estimator, X, pool)
        self.uncertainty_ = uncertainty(proba, self.method)
        rng = check_random_state(self.random_state)
        return diverse_top(X, self.uncertainty_, pool, batch_size, self.pool_factor, rng)
