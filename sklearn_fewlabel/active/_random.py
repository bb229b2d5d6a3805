"""Random sampling: the reference every strategy must beat."""

from sklearn.utils import check_random_state

from ._base import BaseQueryStrategy


class RandomSampling(BaseQueryStrategy):
    """Query unlabelled rows uniformly at random (the practitioner's default).

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    See Also
    --------
    CoverageSampling, UncertaintySampling, AutoSampling

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_fewlabel.active import RandomSampling
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.full(10, -1)
    >>> RandomSampling(random_state=0).query(X, y, batch_size=3).shape
    (3,)
    """

    _parameter_constraints: dict = {"random_state": ["random_state"]}

    def __init__(self, *, random_state=None):
        self.random_state = random_state

    def _query(self, X, y, labeled, pool, batch_size, estimator):
        rng = check_random_state(self.random_state)
        return rng.choice(pool, batch_size, replace=False)
