"""Builders of the imprecise-label encodings (validated by ``utils._labels``)."""

import numbers

import numpy as np

from ..utils._labels import UNLABELED, _is_unlabeled_scalar


def _is_collection(v):
    return isinstance(v, (list, tuple, set, frozenset, np.ndarray))


def candidate_matrix(candidates, classes=None):
    """Candidate-label matrix from a list with one entry per row.

    Parameters
    ----------
    candidates : sequence of length n_samples
        Per row: a class (an exact label), a list/tuple/set of classes (a
        candidate set: the row is one of them) or ``-1`` (unlabelled: any
        class).
    classes : array-like of shape (n_classes,), default=None
        The classes, one column each (sorted on output); ``None``: the sorted
        classes named in ``candidates``.

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes), dtype=int8
        1 where the row may be of the column's class.
    classes : ndarray of shape (n_classes,)
        The class of each column.

    Raises
    ------
    ValueError
        If a row names a class not in ``classes``, or an empty candidate set.

    Examples
    --------
    >>> from sklearn_fewlabel.imprecise import candidate_matrix
    >>> Y, classes = candidate_matrix(["cat", ["cat", "dog"], -1, "bird"])
    >>> classes
    array(['bird', 'cat', 'dog'], dtype='<U4')
    >>> Y
    array([[0, 1, 0],
           [0, 1, 1],
           [1, 1, 1],
           [1, 0, 0]], dtype=int8)
    """
    rows = list(candidates)
    named = []
    for i, v in enumerate(rows):
        if _is_collection(v):
            if len(v) == 0:
                raise ValueError(f"candidate_matrix: row {i} has an empty candidate set.")
            named.extend(v)
        elif not _is_unlabeled_scalar(v):
            named.append(v)
    if classes is None:
        if not named:
            raise ValueError("candidate_matrix: no row names a class; pass classes=.")
        classes = np.unique(np.asarray(named))
    else:
        classes = np.unique(np.asarray(classes))
    index = {c.item() if hasattr(c, "item") else c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(rows), classes.shape[0]), dtype=np.int8)
    for i, v in enumerate(rows):
        if not _is_collection(v) and _is_unlabeled_scalar(v):
            Y[i] = 1
            continue
        for c in v if _is_collection(v) else (v,):
            key = c.item() if hasattr(c, "item") else c
            if key not in index:
                raise ValueError(
                    f"candidate_matrix: row {i} names class {c!r}, which is not in "
                    f"classes {classes.tolist()!r}."
                )
            Y[i, index[key]] = 1
    return Y, classes


def complementary_matrix(not_labels, classes):
    """Candidate-label matrix from complementary labels ("not this class").

    Parameters
    ----------
    not_labels : array-like of shape (n_samples,)
        Per row the one class it is known *not* to be, or ``-1`` (nothing
        known).
    classes : int or array-like of shape (n_classes,)
        The classes (an int ``K`` means ``0 .. K - 1``).

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes), dtype=int8
        All ones except a 0 in the excluded class's column.

    Examples
    --------
    >>> from sklearn_fewlabel.imprecise import complementary_matrix
    >>> complementary_matrix([2, 0, -1], classes=3)
    array([[1, 1, 0],
           [0, 1, 1],
           [1, 1, 1]], dtype=int8)
    """
    if isinstance(classes, numbers.Integral):
        classes = np.arange(classes)
    classes = np.unique(np.asarray(classes))
    if classes.shape[0] < 2:
        raise ValueError("complementary_matrix: at least 2 classes are needed.")
    not_labels = np.asarray(not_labels, dtype=object if classes.dtype.kind in "OUS" else None)
    if not_labels.ndim != 1:
        raise ValueError(
            f"complementary_matrix: not_labels must be 1-D; got shape {not_labels.shape}."
        )
    Y = np.ones((not_labels.shape[0], classes.shape[0]), dtype=np.int8)
    known = np.array([not _is_unlabeled_scalar(v) for v in not_labels], dtype=bool)
    if classes.dtype.kind in "iu" and not_labels.dtype.kind in "iu":
        known = not_labels != UNLABELED
    pos = np.searchsorted(classes, not_labels[known].astype(classes.dtype))
    bad = (pos >= classes.shape[0]) | (classes[np.minimum(pos, classes.shape[0] - 1)]
                                       != not_labels[known].astype(classes.dtype))
    if bad.any():
        raise ValueError(
            f"complementary_matrix: not_labels names {not_labels[known][bad][0]!r}, which "
            f"is not in classes {classes.tolist()!r}."
        )
    Y[np.flatnonzero(known), pos] = 0
    return Y
