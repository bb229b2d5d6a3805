"""Integer allocation of a budget, shared by the label-budget strategies."""

import numpy as np


def allocate_proportional(weights, total, caps):
    """Integers proportional to ``weights`` that sum to ``total``, each ``<= caps``.

    Largest-remainder rounding, repeated while capped buckets leave budget
    over; stops early if every bucket is full.

    Parameters
    ----------
    weights : array-like of shape (n_buckets,)
        Non-negative weights.
    total : int
        Amount to allocate.
    caps : array-like of shape (n_buckets,)
        Maximum per bucket.

    Returns
    -------
    alloc : ndarray of shape (n_buckets,), dtype=int
        The allocation.

    Examples
    --------
    >>> from sklearn_fewlabel.utils._allocation import allocate_proportional
    >>> allocate_proportional([2, 1, 1], 8, caps=[3, 5, 5])
    array([3, 3, 2])
    """
    weights = np.asarray(weights, dtype=float)
    caps = np.asarray(caps)
    alloc = np.zeros(weights.shape[0], dtype=int)
    while total - alloc.sum() > 0:
        room = caps - alloc
        w = np.where(room > 0, weights, 0.0)
        if w.sum() <= 0:
            w = (room > 0).astype(float)
            if w.sum() == 0:
                break
        left = total - alloc.sum()
        exact = w / w.sum() * left
        add = np.floor(exact).astype(int)
        rest = left - add.sum()
        order = np.argsort(-(exact - add), kind="stable")
        add[order[:rest]] += 1
        add = np.minimum(add, room)
        if add.sum() == 0:
            add[np.argmax(np.where(room > 0, w, -1))] = 1
        alloc += add
    return alloc
