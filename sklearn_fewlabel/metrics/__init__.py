"""Metrics for clusterings and partially labelled data."""

from ..model_selection._scorer import labeled_accuracy_score
from ._cluster import cluster_accuracy, cluster_purity

__all__ = ["cluster_accuracy", "cluster_purity", "labeled_accuracy_score"]
