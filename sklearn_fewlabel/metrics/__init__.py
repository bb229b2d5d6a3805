"""Metrics for clusterings and partially labelled data."""

from ._cluster import cluster_accuracy, cluster_purity
from ._labeled import labeled_accuracy_score
from ._pu import pu_f1_score

__all__ = ["cluster_accuracy", "cluster_purity", "labeled_accuracy_score", "pu_f1_score"]
