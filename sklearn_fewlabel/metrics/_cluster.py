"""Cluster-quality metrics against true labels."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics.cluster import contingency_matrix
from sklearn.utils._param_validation import StrOptions, validate_params
from sklearn.utils.validation import check_consistent_length, column_or_1d


def _contingency(y_true, cluster_labels):
    y_true = column_or_1d(y_true)
    cluster_labels = column_or_1d(cluster_labels)
    check_consistent_length(y_true, cluster_labels)
    if y_true.shape[0] == 0:
        raise ValueError("y_true and cluster_labels are empty.")
    classes, y_idx = np.unique(y_true, return_inverse=True)
    clusters, c_idx = np.unique(cluster_labels, return_inverse=True)
    # rows: clusters, columns: classes
    table = contingency_matrix(c_idx, y_idx, sparse=False)
    return table, classes, clusters


@validate_params(
    {
        "y_true": ["array-like"],
        "cluster_labels": ["array-like"],
        "mapping": [StrOptions({"one-to-one", "many-to-one"})],
        "return_mapping": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def cluster_accuracy(y_true, cluster_labels, *, mapping="one-to-one", return_mapping=False):
    """Accuracy of a clustering under the best cluster → class mapping.

    ``mapping="one-to-one"`` solves the assignment problem with the Hungarian
    algorithm (:func:`scipy.optimize.linear_sum_assignment`), in
    milliseconds even for hundreds of clusters, instead of trying all
    ``K!`` permutations. With more clusters than classes, only ``n_classes``
    clusters get a class and the others count as errors.
    ``mapping="many-to-one"`` maps each cluster to its majority class (several
    clusters may share a class), which equals :func:`cluster_purity`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    cluster_labels : array-like of shape (n_samples,)
        Cluster assignments (any hashable labels).
    mapping : {"one-to-one", "many-to-one"}, default="one-to-one"
        How clusters may be mapped to classes.
    return_mapping : bool, default=False
        Also return a dict ``{cluster: class}``.

    Returns
    -------
    accuracy : float
        Fraction of samples whose mapped cluster equals their class.
    mapping : dict
        Only if ``return_mapping``.

    Examples
    --------
    >>> from sklearn_fewlabel.metrics import cluster_accuracy
    >>> cluster_accuracy([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 3, 4])
    0.8333...
    """
    table, classes, clusters = _contingency(y_true, cluster_labels)
    n = table.sum()
    if mapping == "many-to-one":
        best = table.argmax(axis=1)
        acc = table.max(axis=1).sum() / n
        pairs = {clusters[i].item(): classes[best[i]].item() for i in range(len(clusters))}
    else:
        rows, cols = linear_sum_assignment(table, maximize=True)
        acc = table[rows, cols].sum() / n
        pairs = {clusters[r].item(): classes[c].item() for r, c in zip(rows, cols)}
    acc = float(acc)
    return (acc, pairs) if return_mapping else acc


@validate_params(
    {"y_true": ["array-like"], "cluster_labels": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def cluster_purity(y_true, cluster_labels):
    """Purity: the fraction of samples in their cluster's majority class.

    Purity rises with the number of clusters (one sample per cluster gives
    1.0); compare it only between clusterings with the same ``K``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True class labels.
    cluster_labels : array-like of shape (n_samples,)
        Cluster assignments.

    Returns
    -------
    purity : float
        In ``[0, 1]``.

    Examples
    --------
    >>> from sklearn_fewlabel.metrics import cluster_purity
    >>> cluster_purity([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 3, 4])
    0.8333...
    """
    table, _, _ = _contingency(y_true, cluster_labels)
    return float(table.max(axis=1).sum() / table.sum())
