"""The one place that validates partially labelled targets.

Every estimator in sklearn-fewlabel calls :func:`check_partially_labeled`;
none re-implements the ``-1`` handling.
"""

import numbers
import warnings

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

#: The marker for an unlabelled row, as in :mod:`sklearn.semi_supervised`.
UNLABELED = -1


def _is_unlabeled_scalar(value):
    return (
        isinstance(value, numbers.Integral) and not isinstance(value, bool)
    ) and value == UNLABELED


def _as_label_array(y):
    """``np.asarray`` that keeps the integer ``-1`` of mixed lists.

    ``np.asarray(["cat", -1])`` silently makes ``-1`` the *string* ``"-1"``;
    a list mixing strings and the integer ``-1`` becomes an object array.
    """
    if isinstance(y, np.ndarray):
        return y
    arr = np.asarray(y)
    if arr.dtype.kind in "US" and arr.ndim == 1:
        obj = np.asarray(y, dtype=object)
        if any(_is_unlabeled_scalar(v) for v in obj):
            return obj
    return arr


def unlabeled_mask(y):
    """Boolean mask of the rows of ``y`` that are unlabelled (``== -1``).

    Works for integer, integral-float and object arrays; for object arrays
    only the *integer* ``-1`` marks a row as unlabelled (a string ``"-1"`` is a
    label), as in scikit-learn. Arrays of fixed-width strings cannot hold the
    integer ``-1`` and are therefore fully labelled.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Target values.

    Returns
    -------
    mask : ndarray of shape (n_samples,), dtype=bool
        ``True`` where the row is unlabelled.

    Examples
    --------
    >>> from sklearn_fewlabel.utils import unlabeled_mask
    >>> unlabeled_mask([0, -1, 2, -1])
    array([False,  True, False,  True])
    >>> unlabeled_mask(["cat", -1, "dog"])
    array([False,  True, False])
    """
    y = _as_label_array(y)
    if y.ndim == 0:
        y = y.reshape(1)
    kind = y.dtype.kind
    if kind in "iu":
        return y == UNLABELED
    if kind == "f":
        with np.errstate(invalid="ignore"):
            return y == UNLABELED
    if kind == "O":
        return np.fromiter(
            (_is_unlabeled_scalar(v) for v in y.ravel()), dtype=bool, count=y.size
        ).reshape(y.shape)
    return np.zeros(y.shape, dtype=bool)


def check_partially_labeled(
    y,
    *,
    n_samples=None,
    allow_unlabeled_only=False,
    warn_single_class=True,
    estimator_name=None,
):
    """Validate a target in which ``-1`` marks unlabelled rows.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Targets; ``-1`` (the integer, also in object arrays) means
        "unlabelled". A column vector of shape ``(n_samples, 1)`` is raveled
        with a :class:`~sklearn.exceptions.DataConversionWarning`, as
        scikit-learn does.
    n_samples : int, default=None
        If given, ``len(y)`` must equal it (the number of rows of ``X``).
    allow_unlabeled_only : bool, default=False
        If False, a ``y`` with no labelled row is an error.
    warn_single_class : bool, default=True
        Warn (:class:`UserWarning`) when the labelled rows hold only one class.
    estimator_name : str, default=None
        Used in messages.

    Returns
    -------
    y : ndarray of shape (n_samples,)
        A validated 1-D array (a new array: the caller's ``y`` is never
        modified). Integral float labels are converted to integers.
    labeled_mask : ndarray of shape (n_samples,), dtype=bool
        ``True`` for labelled rows.
    classes : ndarray
        Sorted unique labels of the labelled rows.

    Raises
    ------
    ValueError
        If ``y`` is 2-D with more than one column, its length differs from
        ``n_samples``, it holds NaN or infinite values, non-integral floats,
        or no labelled row at all, or it is an array of fixed-width strings
        holding ``"-1"`` (what ``-1`` written into a string array becomes;
        use an object array, where only the integer ``-1`` is unlabelled). In
        an array of one-character strings, where ``-1`` becomes ``"-"``, a
        :class:`UserWarning` is raised instead (``"-"`` may be a real class).

    Examples
    --------
    >>> from sklearn_fewlabel.utils import check_partially_labeled
    >>> y, labeled, classes = check_partially_labeled([0, 1, -1, 1, -1])
    >>> labeled
    array([ True,  True, False,  True, False])
    >>> classes
    array([0, 1])
    """
    who = f"{estimator_name}: " if estimator_name else ""
    if y is None:
        raise ValueError(
            f"{who}requires y to be passed, but the target y is None. Use -1 "
            "to mark unlabelled rows."
        )
    y_arr = _as_label_array(y)
    if y_arr.ndim == 0:
        raise ValueError(f"{who}y must be 1-D, got a scalar.")
    if y_arr.ndim > 2 or (y_arr.ndim == 2 and y_arr.shape[1] != 1):
        raise ValueError(
            f"{who}y must be 1-D (one label per row, -1 for unlabelled); got an "
            f"array of shape {y_arr.shape}. Multi-output targets are not supported."
        )
    # always a fresh array: the caller's y is never modified through ours
    y_arr = np.array(column_or_1d(y_arr, warn=True), copy=True)
    if n_samples is not None and y_arr.shape[0] != n_samples:
        raise ValueError(
            f"{who}X and y have inconsistent numbers of samples: X has {n_samples} "
            f"rows, y has {y_arr.shape[0]}."
        )
    kind = y_arr.dtype.kind
    # numpy stores -1 written into a string array as the string "-1" (cut to
    # "-" in a one-character array): the rows meant to be unlabelled would
    # silently become a class of their own
    marker = None
    if kind in "US":
        marker = "-1"[: y_arr.dtype.itemsize // (4 if kind == "U" else 1)]
    if marker and np.any(y_arr == y_arr.dtype.type(marker)):
        fix = (
            "Build y with dtype=object and set unlabelled rows to the integer -1 "
            "(e.g. y = labels.astype(object); y[unlabelled] = -1)"
        )
        if marker == "-1":
            raise ValueError(
                f"{who}y is an array of strings that holds the string '-1'. Written "
                "into a string array, -1 becomes the label '-1' (a class of its own), "
                f"not the unlabelled marker. {fix}; if '-1' really is a class name, "
                "pass y.astype(object): in an object array only the integer -1 marks "
                "unlabelled rows."
            )
        # "-" may be a real class ("+" / "-"): a warning, not an error
        warnings.warn(
            f"{who}y is an array of one-character strings that holds '-', which is "
            "what -1 written into such an array becomes: those rows are a class '-', "
            f"not unlabelled. If you meant them to be unlabelled: {fix}.",
            UserWarning,
        )
    if kind == "f":
        if not np.all(np.isfinite(y_arr)):
            raise ValueError(
                f"{who}y contains NaN or infinity. Mark unlabelled rows with -1, "
                "not NaN."
            )
        if np.any(y_arr != np.round(y_arr)):
            raise ValueError(
                f"{who}Unknown label type: y holds non-integral float values "
                "(continuous). Classification targets must be class labels; use -1 "
                "for unlabelled rows."
            )
        y_arr = y_arr.astype(np.int64)
    elif kind == "c":
        raise ValueError(f"{who}Unknown label type: complex values in y.")
    elif kind == "O":
        for v in y_arr:
            if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
                if not np.isfinite(v):
                    raise ValueError(
                        f"{who}y contains NaN or infinity. Mark unlabelled rows "
                        "with -1, not NaN."
                    )
    labeled = ~unlabeled_mask(y_arr)
    if not labeled.any():
        if not allow_unlabeled_only:
            raise ValueError(
                f"{who}y has no labelled row: every entry is -1 (unlabelled). At "
                "least one labelled row is needed."
            )
        return y_arr, labeled, y_arr[:0]
    with warnings.catch_warnings():
        # one label per class is this library's main use case, not a mistake:
        # scikit-learn's "more than 50% of the number of samples" warning
        # (meant for regression targets passed to a classifier) would fire
        # on every fit with 1 label per class
        warnings.filterwarnings(
            "ignore", message="The number of unique classes is greater than 50%"
        )
        check_classification_targets(y_arr[labeled])
    classes = np.unique(y_arr[labeled])
    if warn_single_class and classes.shape[0] == 1:
        warnings.warn(
            f"{who}only one class ({classes[0]!r}) is labelled in y; every "
            "prediction will be that class.",
            UserWarning,
        )
    return y_arr, labeled, classes


def _is_label_matrix(y):
    """True for a 2-D target with more than one column (a candidate-label matrix
    or a multi-label target); False for 1-D labels or a single column. Works for
    lists and array-likes without a ``shape``."""
    if hasattr(y, "shape") and hasattr(y, "ndim"):
        return y.ndim == 2 and y.shape[1] > 1
    arr = np.asarray(y, dtype=object)
    return arr.ndim == 2 and arr.shape[1] > 1


def _as_2d_target(Y, who, what):
    if Y is None:
        raise ValueError(f"{who}requires a target; got None.")
    if hasattr(Y, "toarray"):  # scipy sparse
        Y = Y.toarray()
    arr = np.asarray(Y)
    if arr.ndim != 2:
        raise ValueError(
            f"{who}{what} must be a 2-D array of shape (n_samples, n_columns); got an "
            f"array of shape {arr.shape}."
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}{what} contains NaN or infinity.")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who}{what} must hold numbers; got dtype {arr.dtype}.")
    return arr


def check_candidate_labels(Y, *, n_samples=None, classes=None, estimator_name=None):
    """Validate candidate-label sets: a binary matrix, one column per class.

    The encoding of imprecise labels in sklearn-fewlabel: row ``i`` of ``Y``
    marks the classes that row ``i`` may belong to. A one-hot row is an exact
    label, several ones a candidate set (partial label), all ones but
    column ``k`` the complementary label "not k", and a row of all ones an
    unlabelled row. :func:`~sklearn_fewlabel.imprecise.candidate_matrix` and
    :func:`~sklearn_fewlabel.imprecise.complementary_matrix` build ``Y``.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_classes)
        0/1 (or boolean) entries; every row holds at least one 1.
    n_samples : int, default=None
        If given, ``Y`` must have that many rows.
    classes : array-like of shape (n_classes,), default=None
        The class of each column (sorted, distinct); ``None``:
        ``0 .. n_classes - 1``.
    estimator_name : str, default=None
        Used in messages.

    Returns
    -------
    C : ndarray of shape (n_samples, n_classes), dtype=bool
        A new array (the caller's ``Y`` is never modified).
    constrained : ndarray of shape (n_samples,), dtype=bool
        ``True`` for rows that rule out at least one class (not all ones).
    classes : ndarray of shape (n_classes,)

    Raises
    ------
    ValueError
        If ``Y`` is not 2-D, holds values other than 0 and 1, has a row of all
        zeros, fewer than 2 columns, a row count other than ``n_samples``, or
        ``classes`` does not match its columns.

    Examples
    --------
    >>> from sklearn_fewlabel.utils import check_candidate_labels
    >>> C, constrained, classes = check_candidate_labels([[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    >>> constrained
    array([ True,  True, False])
    >>> classes
    array([0, 1, 2])
    """
    who = f"{estimator_name}: " if estimator_name else ""
    arr = _as_2d_target(Y, who, "the candidate-label matrix")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(
            f"{who}the candidate-label matrix must hold only 0 and 1 (1 = the row may "
            "be of that column's class)."
        )
    C = arr.astype(bool)  # a copy
    if n_samples is not None and C.shape[0] != n_samples:
        raise ValueError(
            f"{who}X and the candidate-label matrix have inconsistent numbers of "
            f"samples: X has {n_samples} rows, the matrix has {C.shape[0]}."
        )
    if C.shape[1] < 2:
        raise ValueError(
            f"{who}the candidate-label matrix needs one column per class and at least "
            f"2 classes; got {C.shape[1]} column(s)."
        )
    empty = ~C.any(axis=1)
    if empty.any():
        raise ValueError(
            f"{who}{int(empty.sum())} row(s) of the candidate-label matrix are all "
            f"zeros (first: row {int(np.flatnonzero(empty)[0])}); every row needs at "
            "least one candidate class (all ones = unlabelled)."
        )
    if classes is None:
        classes = np.arange(C.shape[1])
    else:
        classes = np.asarray(classes)
        if classes.ndim != 1 or classes.shape[0] != C.shape[1]:
            raise ValueError(
                f"{who}classes must hold one class per column of the candidate-label "
                f"matrix ({C.shape[1]}); got {classes.shape}."
            )
        if np.unique(classes).shape[0] != classes.shape[0] or np.any(
            classes != np.sort(classes)
        ):
            raise ValueError(f"{who}classes must be sorted and distinct; got {classes!r}.")
    constrained = ~C.all(axis=1)
    if not constrained.any():
        raise ValueError(
            f"{who}the candidate-label matrix rules out no class in any row (all ones: "
            "every row unlabelled)."
        )
    return C, constrained, classes


def check_multilabel_partial(Y, *, n_samples=None, estimator_name=None):
    """Validate a multi-label target with unknown entries: 1, 0, and ``-1`` = unknown.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_labels)
        1 = the row has the label, 0 = it has not, -1 = not known.
    n_samples : int, default=None
        If given, ``Y`` must have that many rows.
    estimator_name : str, default=None
        Used in messages.

    Returns
    -------
    Y : ndarray of shape (n_samples, n_labels), dtype=int64
        A new array.
    known : ndarray of shape (n_samples, n_labels), dtype=bool
        ``True`` where the entry is known.

    Raises
    ------
    ValueError
        If ``Y`` is not 2-D, holds values other than 1, 0 and -1, a row count
        other than ``n_samples``, or a label column with no known entry.

    Examples
    --------
    >>> from sklearn_fewlabel.utils import check_multilabel_partial
    >>> Y, known = check_multilabel_partial([[1, -1], [0, 1], [-1, 0]])
    >>> known
    array([[ True, False],
           [ True,  True],
           [False,  True]])
    """
    who = f"{estimator_name}: " if estimator_name else ""
    if Y is None:
        raise ValueError(
            f"{who}requires y to be passed, but the target y is None. Use a 2-D array "
            "of 1, 0 and -1 (unknown)."
        )
    arr = np.asarray(Y.toarray() if hasattr(Y, "toarray") else Y)
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{who}Unknown label type: the multi-label target holds {arr.dtype} values; "
            "it must hold 1 (has the label), 0 (has not) and -1 (unknown)."
        )
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.any(arr != np.round(arr)):
        raise ValueError(
            f"{who}Unknown label type: continuous values in the multi-label target; it "
            "must hold 1 (has the label), 0 (has not) and -1 (unknown)."
        )
    arr = _as_2d_target(arr, who, "the multi-label target")
    if not np.isin(arr, (0, 1, -1)).all():
        raise ValueError(
            f"{who}Only binary classification is supported per label: the multi-label "
            "target must hold only 1 (has the label), 0 (has not) and -1 (unknown)."
        )
    Y = arr.astype(np.int64)  # a copy
    if n_samples is not None and Y.shape[0] != n_samples:
        raise ValueError(
            f"{who}X and the multi-label target have inconsistent numbers of samples: "
            f"X has {n_samples} rows, the target has {Y.shape[0]}."
        )
    known = Y != UNLABELED
    none = ~known.any(axis=0)
    if none.any():
        raise ValueError(
            f"{who}label column(s) {np.flatnonzero(none).tolist()} have no known entry "
            "(all -1): nothing to learn them from."
        )
    return Y, known


def check_unlabeled_not_a_class(model, *, estimator_name=None):
    """Raise if a fitted ``model`` learned ``-1`` (unlabelled) as a class.

    A supervised classifier given ``y`` with ``-1`` rows treats ``-1`` as a
    class of its own and predicts it for most rows; the meta-estimators that
    pass ``-1`` on (:class:`~sklearn_fewlabel.model_selection.LabelBudget`,
    :class:`~sklearn_fewlabel.active.ActiveLearner`) call this after fitting.
    Models without a 1-D ``classes_`` are not checked.

    Parameters
    ----------
    model : fitted estimator
        The model to check.
    estimator_name : str, default=None
        Used in the message.

    Raises
    ------
    ValueError
        If ``model.classes_`` holds the integer ``-1``.
    """
    classes = getattr(model, "classes_", None)
    if not isinstance(classes, np.ndarray) or classes.ndim != 1:
        return
    if unlabeled_mask(classes).any():
        who = f"{estimator_name}: " if estimator_name else ""
        raise ValueError(
            f"{who}the fitted {type(model).__name__} learned -1 (unlabelled) as a "
            "class: it is not a semi-supervised estimator. Use one of this library's "
            "estimators, or wrap a supervised classifier so that it sees only the "
            "labelled rows, e.g. sklearn.semi_supervised.SelfTrainingClassifier("
            "LogisticRegression())."
        )
