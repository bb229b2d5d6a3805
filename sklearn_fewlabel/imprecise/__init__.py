"""Imprecise labels: candidate sets, complementary labels, noisy labels, PU and multi-label data."""

from ._candidates import CandidateLabelSpreading
from ._encoding import candidate_matrix, complementary_matrix
from ._pu import GraphPUClassifier
from ._label_issues import find_label_issues
from ._multilabel import MultiLabelGraphClassifier

__all__ = [
    "CandidateLabelSpreading",
    "GraphPUClassifier",
    "MultiLabelGraphClassifier",
    "candidate_matrix",
    "complementary_matrix",
    "find_label_issues",
]
